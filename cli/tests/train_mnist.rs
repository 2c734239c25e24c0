//! Real MNIST (needs `DLR_DATA`; fails with a hint when it is missing).

mod common;

use std::process::Command;

use dlr::network::Network;
use dlr::optim::{Optimizer, OptimizerKind};
use dlr::train::{train, TrainConfig};

fn mnist() -> dlr::mnist::Mnist {
    let dir = common::mnist_dir();
    dlr::mnist::load_dir(&dir).unwrap_or_else(|e| {
        panic!("cannot load MNIST from DLR_DATA={}: {e} (on the project's machines: DLR_DATA=../shared/data/mnist)", dir.display())
    })
}

#[test]
fn mnist_has_the_expected_shape() {
    let m = mnist();
    assert_eq!((m.train.len(), m.test.len()), (60_000, 10_000));
    assert_eq!(m.train.shape(), (28, 28));
}

#[test]
fn dlr_h100_reaches_96_percent_within_one_epoch() {
    let m = mnist();
    let mut net = Network::new(&[784, 100, 10], 1);
    let mut opt = Optimizer::tuned(net.layers(), OptimizerKind::Dlr);
    let config = TrainConfig {
        max_epochs: 1.0,
        ..TrainConfig::default()
    };
    let report = train(&mut net, &mut opt, &m.train, &m.test, &config, |_| {});
    assert!(
        report.reached,
        "DLR H=100 reached only {:.4} after {} epochs",
        report.test_accuracy, report.epochs
    );
    assert!(report.epochs <= 1.0);
    assert!(report.test_accuracy >= 0.96);
    assert!(
        report.history.windows(2).all(|w| w[1].0 - w[0].0 == 1000),
        "evaluated every 1000 samples"
    );
}

#[test]
fn same_seed_twice_gives_byte_identical_saved_models() {
    let dir = common::mnist_dir();
    let out_dir = std::env::temp_dir().join(format!("dlr-mnist-det-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).unwrap();
    let run = |name: &str, seed: &str| {
        let path = out_dir.join(name);
        let out = Command::new(env!("CARGO_BIN_EXE_dlr"))
            .args([
                "train",
                "--max-epochs",
                "0.2",
                "--eval-every",
                "4000",
                "--target",
                "1.1",
                "--seed",
                seed,
                "--save",
            ])
            .arg(&path)
            .arg("--data")
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read(&path).unwrap()
    };
    let a = run("a.bin", "5");
    let b = run("b.bin", "5");
    let c = run("c.bin", "6");
    assert_eq!(a, b, "same seed, different model bytes");
    assert_ne!(a, c, "different seeds, same model bytes");
}

#[test]
fn training_on_full_mnist_peaks_below_100_mb() {
    let out = Command::new(env!("CARGO_BIN_EXE_dlr"))
        .args([
            "train",
            "--json",
            "--max-epochs",
            "0.05",
            "--eval-every",
            "3000",
            "--data",
        ])
        .arg(common::mnist_dir())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let v: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let mb = v["peak_rss_mb"].as_f64().expect("peak_rss_mb on Linux");
    // Images stay u8: 47 MB + 7.8 MB of pixels, loaded without a second copy.
    assert!(mb > 50.0 && mb < 100.0, "peak RSS {mb} MB");
}
