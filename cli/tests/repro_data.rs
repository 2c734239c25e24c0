//! `dlr repro --data DIR --target X`: the paper's protocols on any IDX
//! classification set, on tiny generated sets: a whole run (its folder, its
//! data set record, Fig. 2's smallest sizes as the JSONL says), and the
//! bad input it refuses before training anything.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{dlr, idx_u8, output_within, write_tiny_set};
use serde_json::Value;

fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dlr-repro-data-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A tiny set in `dir/name` (300 training, 50 test 8×8 images).
fn tiny_set(dir: &Path, name: &str) -> PathBuf {
    let data = dir.join(name);
    std::fs::create_dir_all(&data).unwrap();
    write_tiny_set(&data);
    data
}

/// A small grid file: SGD and DLR at H = 2, 8 and 32, two seeds.
fn grid_file(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(format!("{name}.json"));
    std::fs::write(
        &path,
        r#"{"optimizers": ["sgd", "dlr"], "hidden": [2, 8, 32], "seeds": 2,
            "max_epochs": 2, "eval_every": 100,
            "params": {"sgd": {"lr": [0.2]}, "dlr": {"lr": [2]}}}"#,
    )
    .unwrap();
    path
}

fn repro(data: &Path, out: &Path, args: &[&str]) -> Output {
    let dir = out.parent().unwrap();
    let mut c = dlr();
    c.args(["repro", "--jobs", "2", "--data"])
        .arg(data)
        .arg("--out")
        .arg(out)
        .arg("--fig1-grid")
        .arg(grid_file(dir, "g1"))
        .arg("--fig2-grid")
        .arg(grid_file(dir, "g2"))
        .args(args)
        .env("DLR_CACHE", "off");
    output_within(&mut c, 300)
}

/// Exit 2 with one line on stderr that contains `needle`.
fn assert_refused(o: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "stderr: {err}");
    assert!(err.contains(needle), "{err:?} does not say {needle:?}");
}

/// Per seed, the smallest hidden size of `kind` in `records` reached from
/// the largest down until a size has no run that reached the target.
fn smallest(records: &[Value], kind: &str, seed: u64) -> Option<u64> {
    let mut sizes: Vec<u64> = records
        .iter()
        .filter(|r| r["optimizer"] == kind)
        .map(|r| r["hidden"].as_u64().unwrap())
        .collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    sizes.dedup();
    let mut found = None;
    for h in sizes {
        let reached = records.iter().any(|r| {
            r["optimizer"] == kind
                && r["seed"] == seed
                && r["hidden"] == h
                && r["reached"] == true
                && r["diverged"] == false
        });
        if !reached {
            break;
        }
        found = Some(h);
    }
    found
}

#[test]
fn repro_on_another_data_set_writes_its_figures_and_counts_misses() {
    let dir = workdir("run");
    let data = tiny_set(&dir, "tiny");
    let out = dir.join("out");
    let o = repro(&data, &out, &["--target", "0.8", "--name", "tiny-set"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in [
        "REPRO.md",
        "fig1.md",
        "fig1.svg",
        "fig2.md",
        "fig2.svg",
        "DATASET.json",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let id: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("DATASET.json")).unwrap()).unwrap();
    assert_eq!(id["name"], "tiny-set");
    assert_eq!(id["train"]["images"], 300);
    assert_eq!(id["test"]["images"], 50);
    // H = 2 misses everywhere: listed as a miss in Fig. 1, not dropped.
    let fig1 = std::fs::read_to_string(out.join("fig1.md")).unwrap();
    for kind in ["sgd", "dlr"] {
        assert!(
            fig1.contains(&format!("- {kind} H=2: 0 of 2 runs reached it")),
            "{fig1}"
        );
    }
    let fig2 = std::fs::read_to_string(out.join("fig2.md")).unwrap();
    assert!(fig2.contains("80 %"), "{fig2}");
    assert!(fig2.contains("tiny-set"), "{fig2}");
    // Every run aimed at the target given, not the grid's.
    let records: Vec<Value> = std::fs::read_to_string(out.join("g2.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 2 * 3 * 2);
    assert!(records.iter().all(|r| r["target"] == 0.8));
    // H = 2 cannot reach 80 % on ten classes: a miss on every seed, so the
    // smallest size is never 2.
    assert!(records
        .iter()
        .filter(|r| r["hidden"] == 2)
        .all(|r| r["reached"] == false));
    for kind in ["sgd", "dlr"] {
        let row = fig2
            .lines()
            .find(|l| l.starts_with(&format!("| {kind} |")))
            .unwrap_or_else(|| panic!("no row for {kind} in {fig2}"));
        for seed in [1, 2] {
            let want = smallest(&records, kind, seed).map_or("none".into(), |h| h.to_string());
            assert!(
                row.contains(&format!(" {seed}:{want}"))
                    || row.contains(&format!("| {seed}:{want}")),
                "{kind} seed {seed}: want {want} in {row}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn repro_refuses_a_target_outside_zero_one_before_training() {
    let dir = workdir("target");
    let data = tiny_set(&dir, "tiny");
    let out = dir.join("out");
    for target in ["0", "1", "1.5", "-0.2", "NaN"] {
        let o = repro(&data, &out, &["--target", target]);
        assert_refused(&o, "--target must be in (0, 1)");
        assert!(
            !out.exists(),
            "--target {target}: the results folder was made"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn repro_refuses_labels_that_do_not_fit() {
    let dir = workdir("labels");
    let out = dir.join("out");
    // Labels up to 9, but 5 classes declared.
    let data = tiny_set(&dir, "tiny");
    let o = repro(&data, &out, &["--target", "0.8", "--classes", "5"]);
    assert_refused(&o, "--classes 5");
    assert!(!out.exists());

    // A test label the training set never has.
    let odd = tiny_set(&dir, "odd");
    let labels = std::fs::read(odd.join("train-labels-idx1-ubyte")).unwrap();
    let train: Vec<u8> = labels[8..].iter().map(|&l| l.min(7)).collect();
    std::fs::write(odd.join("train-labels-idx1-ubyte"), idx_u8(&[300], &train)).unwrap();
    let o = repro(&odd, &out, &["--target", "0.8"]);
    assert_refused(&o, "is not a class of the training set");
    assert!(!out.exists());

    // As many labels as images, or nothing trains.
    let short = tiny_set(&dir, "short");
    std::fs::write(
        short.join("t10k-labels-idx1-ubyte"),
        idx_u8(&[49], &[0; 49]),
    )
    .unwrap();
    let o = repro(&short, &out, &["--target", "0.8"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stderr)
            .trim_end()
            .lines()
            .count(),
        1
    );
    assert!(!out.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn repro_refuses_a_results_folder_of_another_data_set() {
    let dir = workdir("folder");
    let a = tiny_set(&dir, "a");
    let out = dir.join("out");
    let o = repro(&a, &out, &["--target", "0.8", "--figures", "2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let before = std::fs::read(out.join("g2.jsonl")).unwrap();

    // The same images with other test labels: another data set.
    let b = tiny_set(&dir, "b");
    let labels = std::fs::read(b.join("t10k-labels-idx1-ubyte")).unwrap();
    let other: Vec<u8> = labels[8..].iter().map(|&l| (l + 1) % 10).collect();
    std::fs::write(b.join("t10k-labels-idx1-ubyte"), idx_u8(&[50], &other)).unwrap();
    let o = repro(&b, &out, &["--target", "0.8", "--figures", "2"]);
    assert_refused(&o, "another data set");
    assert_eq!(std::fs::read(out.join("g2.jsonl")).unwrap(), before);

    // The same set again resumes: nothing new to train.
    let o = repro(&a, &out, &["--target", "0.8", "--figures", "2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read(out.join("g2.jsonl")).unwrap(), before);

    // Results with no record of their data set.
    std::fs::remove_file(out.join("DATASET.json")).unwrap();
    let o = repro(&b, &out, &["--target", "0.8", "--figures", "2"]);
    assert_refused(&o, "no DATASET.json");
    let _ = std::fs::remove_dir_all(&dir);
}
