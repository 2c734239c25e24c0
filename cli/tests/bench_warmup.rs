//! `dlr bench` times the step a training pays: each optimizer is first
//! trained for `--warmup-epochs` epochs (default 1), and the timed steps
//! continue from that network and state; `--warmup-epochs 0` times the
//! first steps of a training (the early figure).

mod common;

use common::dlr;
use std::path::PathBuf;

fn tiny_set(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dlr-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    common::write_tiny_set(&dir);
    dir
}

/// Runs a short `dlr bench` at H = 8 on `dir` with `extra`; its stdout.
fn bench(dir: &PathBuf, extra: &[&str]) -> String {
    let out = dlr()
        .args([
            "bench",
            "--hidden",
            "8",
            "--optimizers",
            "sgd,nesterov,adam,dlr",
        ])
        .args([
            "--repeats",
            "1",
            "--layouts",
            "1",
            "--round-seconds",
            "0.001",
        ])
        .args(["--no-epoch", "--data"])
        .arg(dir)
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Per optimizer: (warmup_epochs, warmup_samples, start_loss).
fn rows(json: &str) -> Vec<(String, f64, u64, f64)> {
    json.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("valid JSON");
            (
                v["optimizer"].as_str().unwrap().to_owned(),
                v["warmup_epochs"].as_f64().unwrap(),
                v["warmup_samples"].as_u64().unwrap(),
                v["start_loss"].as_f64().unwrap(),
            )
        })
        .collect()
}

/// The steady figure comes after the warm-up: every optimizer reports the
/// samples it trained on (10 epochs of the 300-sample set), and the timed
/// network is the trained one, its loss at the first timed steps far below
/// an untrained network's; the default is one epoch.
#[test]
fn bench_times_steps_after_the_warm_up() {
    let dir = tiny_set("bench-warm");
    let early = rows(&bench(&dir, &["--json", "--warmup-epochs", "0"]));
    let steady = rows(&bench(&dir, &["--json", "--warmup-epochs", "10"]));
    let default = rows(&bench(&dir, &["--json"]));
    assert_eq!(early.len(), 4);
    assert_eq!(steady.len(), 4);
    for ((e, s), d) in early.iter().zip(&steady).zip(&default) {
        assert_eq!(e.0, s.0);
        assert_eq!((e.1, e.2), (0.0, 0), "{e:?}");
        assert_eq!((s.1, s.2), (10.0, 3000), "{s:?}");
        assert_eq!((d.1, d.2), (1.0, 300), "the default, one epoch: {d:?}");
        // Untrained, the first 50 steps' mean loss is 0.5–1.1 here; after
        // 10 epochs, 0.01–0.2.
        assert!(e.3 > 0.3, "{e:?}");
        assert!(
            s.3 < 0.5 * e.3,
            "the timed network is not the trained one: {s:?} vs {e:?}"
        );
    }
    let table = bench(&dir, &["--warmup-epochs", "10"]);
    assert!(table.contains("after a warm-up of 10 epochs"), "{table}");
}

/// The early figure on request: `--warmup-epochs 0` times the first steps
/// of a training and says so; a negative or non-number warm-up is exit 2.
#[test]
fn bench_early_figure_and_bad_warm_up() {
    let dir = tiny_set("bench-early");
    let table = bench(&dir, &["--warmup-epochs", "0"]);
    assert!(table.contains("from the start of training"), "{table}");
    assert_eq!(table.lines().count(), 3, "{table}");
    for bad in ["-1", "nan", "inf"] {
        let out = dlr()
            .args([
                "bench",
                "--hidden",
                "5",
                &format!("--warmup-epochs={bad}"),
                "--data",
            ])
            .arg(&dir)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("--warmup-epochs"), "{err}");
    }
}

/// The warm-up is the training `dlr train --seed S` runs: the library's
/// trainer (online, each optimizer's defaults, its shuffling stream) ends
/// 2.5 epochs with the same weights, bit for bit, at every optimizer.
#[test]
fn bench_warm_up_is_the_trainers_training() {
    use dlr::optim::{Optimizer, OptimizerKind};
    let train = common::synthetic_dataset(120, 8, 8, 3);
    let test = common::synthetic_dataset(20, 8, 8, 4);
    let sizes = dlr_cli::bench::layer_sizes(&train, &test, 6);
    for kind in [
        OptimizerKind::Sgd,
        OptimizerKind::Nesterov,
        OptimizerKind::Adam,
        OptimizerKind::Dlr,
    ] {
        let warm = dlr_cli::bench::warm_up(&train, &sizes, kind, 5, 300);
        assert_eq!(warm.samples, 300);
        let mut net = dlr::network::Network::new(&sizes, 5);
        let mut opt = Optimizer::tuned(net.layers(), kind);
        let config = dlr::train::TrainConfig {
            target: 2.0,
            max_epochs: 2.5,
            eval_every: 1_000_000,
            batch: 1,
            seed: 5,
            eval_threads: 1,
        };
        dlr::train::train(&mut net, &mut opt, &train, &test, &config, |_| {});
        assert!(
            warm.net == net,
            "{kind:?}: the warm-up is not the trainer's run"
        );
    }
}
