//! The `dlr` program: bad input gives exit 2 and one line on stderr naming
//! the file; good input trains and prints the JSON line.

mod common;

use common::{dlr, idx_u8};

use std::path::{Path, PathBuf};
use std::process::Output;

/// A fresh directory holding a small valid IDX set of 8×8 images.
fn tiny_set(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dlr-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    common::write_tiny_set(&dir);
    dir
}

fn stderr_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[track_caller]
fn assert_bad_input(out: &Output, names: &str, fault: &str) {
    let lines = stderr_lines(out);
    assert_eq!(out.status.code(), Some(2), "exit code; stderr: {lines:?}");
    assert_eq!(
        lines.len(),
        1,
        "expected exactly one line on stderr, got {lines:?}"
    );
    assert!(
        lines[0].contains(names),
        "{:?} does not name {names}",
        lines[0]
    );
    assert!(
        lines[0].to_lowercase().contains(fault),
        "{:?} does not say {fault}",
        lines[0]
    );
    assert!(!lines[0].contains("panicked"), "{:?}", lines[0]);
}

fn train_on(dir: &Path) -> Output {
    dlr()
        .args(["train", "--max-epochs", "0.1", "--data"])
        .arg(dir)
        .output()
        .unwrap()
}

#[test]
fn truncated_images_file_is_exit_2() {
    let dir = tiny_set("truncated");
    let f = dir.join("train-images-idx3-ubyte");
    let bytes = std::fs::read(&f).unwrap();
    std::fs::write(&f, &bytes[..bytes.len() - 100]).unwrap();
    assert_bad_input(&train_on(&dir), "train-images-idx3-ubyte", "truncated");
}

#[test]
fn wrong_magic_is_exit_2() {
    let dir = tiny_set("magic");
    let f = dir.join("t10k-labels-idx1-ubyte");
    let mut bytes = std::fs::read(&f).unwrap();
    bytes[0] = 0x1f;
    std::fs::write(&f, &bytes).unwrap();
    assert_bad_input(&train_on(&dir), "t10k-labels-idx1-ubyte", "magic");
}

#[test]
fn zero_byte_file_is_exit_2() {
    let dir = tiny_set("empty");
    std::fs::write(dir.join("train-labels-idx1-ubyte"), b"").unwrap();
    let out = train_on(&dir);
    assert_bad_input(&out, "train-labels-idx1-ubyte", "");
}

#[test]
fn label_count_mismatch_is_exit_2() {
    let dir = tiny_set("count");
    let labels = common::synthetic_dataset(299, 8, 8, 3);
    std::fs::write(
        dir.join("train-labels-idx1-ubyte"),
        idx_u8(&[299], labels.labels()),
    )
    .unwrap();
    assert_bad_input(&train_on(&dir), "train-", "299");
}

#[test]
fn missing_directory_is_exit_2() {
    let dir = std::env::temp_dir().join("dlr-cli-no-such-dir-4711");
    assert_bad_input(&train_on(&dir), "dlr-cli-no-such-dir-4711", "");
}

#[test]
fn bad_hyper_parameters_are_exit_2() {
    let dir = tiny_set("hyper");
    for args in [
        &["--lr", "-1"][..],
        &["--optimizer", "adam", "--beta1", "1.5"],
        &["--optimizer", "adam", "--eps", "-1"],
        &["--optimizer", "dlr", "--alpha", "0"],
        &["--batch", "0"],
        &["--max-epochs", "0"],
    ] {
        let out = dlr()
            .arg("train")
            .args(args)
            .arg("--data")
            .arg(&dir)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {:?}",
            stderr_lines(&out)
        );
        assert_eq!(
            stderr_lines(&out).len(),
            1,
            "{args:?}: {:?}",
            stderr_lines(&out)
        );
    }
    let out = dlr()
        .args(["train", "--optimizer", "rmsprop"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn save_into_missing_directory_fails_before_training() {
    let dir = tiny_set("save");
    let out = dlr()
        .args([
            "train",
            "--save",
            "/nonexistent-dir-dlr/model.bin",
            "--data",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert_bad_input(&out, "/nonexistent-dir-dlr", "does not exist");
}

#[test]
fn offline_default_location_says_how_to_provide_data() {
    let cwd = std::env::temp_dir().join(format!("dlr-cli-offline-{}", std::process::id()));
    std::fs::create_dir_all(&cwd).unwrap();
    let out = dlr().arg("train").current_dir(&cwd).output().unwrap();
    let lines = stderr_lines(&out);
    assert_eq!(out.status.code(), Some(2), "{lines:?}");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("DLR_DATA") || lines[0].contains("--data"),
        "{:?}",
        lines[0]
    );
    // Nothing partial is left under the final names.
    let left: Vec<_> = std::fs::read_dir(cwd.join("data/mnist"))
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn train_json_line_has_the_contract_keys_and_saves_a_readable_model() {
    let dir = tiny_set("json");
    let model = dir.join("model.bin");
    let out = dlr()
        .args([
            "train",
            "--json",
            "--hidden",
            "16",
            "--max-epochs",
            "2",
            "--eval-every",
            "100",
            "--target",
            "0.5",
            "--seed",
            "3",
            "--save",
        ])
        .arg(&model)
        .arg("--data")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{:?}", stderr_lines(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let last = stdout.lines().last().expect("a JSON line");
    let v: serde_json::Value = serde_json::from_str(last).expect("valid JSON");
    for key in [
        "optimizer",
        "hidden",
        "lr",
        "alpha",
        "seed",
        "reached",
        "test_accuracy",
        "samples",
        "epochs",
        "train_seconds",
        "eval_seconds",
        "diverged",
    ] {
        assert!(v.get(key).is_some(), "missing key {key} in {last}");
    }
    assert_eq!(v["optimizer"], "dlr");
    assert_eq!(v["hidden"], 16);
    assert_eq!(v["seed"], 3);
    assert_eq!(v["reached"], true, "{last}");
    assert!(v["test_accuracy"].as_f64().unwrap() >= 0.5);
    let net = dlr::network::Network::from_bytes(&std::fs::read(&model).unwrap())
        .expect("saved model reads back");
    assert_eq!(net.sizes(), vec![64, 16, 10]);
}

#[test]
fn divergence_is_exit_3_with_the_step() {
    let dir = tiny_set("diverge");
    // ε = 0 and a zero gradient (a zero pixel) make Adam divide 0 by 0.
    let out = dlr()
        .args([
            "train",
            "--optimizer",
            "adam",
            "--eps",
            "0",
            "--hidden",
            "8",
            "--data",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    let lines = stderr_lines(&out);
    assert_eq!(out.status.code(), Some(3), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("step")), "{lines:?}");
}

/// `dlr bench --json`: one line per (optimizer, size) with the fields of
/// DESIGN.md section 4 and the bench's own, measured over the layouts
/// asked for; the table names the layouts and rounds.
#[test]
fn bench_json_lines_and_table() {
    let dir = tiny_set("bench");
    let run = |extra: &[&str]| {
        let out = dlr()
            .args([
                "bench",
                "--hidden",
                "8,12",
                "--optimizers",
                "sgd,adam-lazy,dlr",
            ])
            .args([
                "--repeats",
                "3",
                "--layouts",
                "2",
                "--round-seconds",
                "0.001",
            ])
            .args(["--no-epoch", "--data"])
            .arg(&dir)
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{:?}", stderr_lines(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    let json = run(&["--json"]);
    let lines: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).expect("valid JSON"))
        .collect();
    assert_eq!(lines.len(), 6, "{json}");
    let mut seen = Vec::new();
    for v in &lines {
        seen.push((
            v["optimizer"].as_str().unwrap().to_owned(),
            v["hidden"].as_u64().unwrap(),
        ));
        let us = v["us_per_step"].as_f64().unwrap();
        assert!(us > 0.0 && us.is_finite(), "{v}");
        assert!(v["us_min"].as_f64().unwrap() <= us && us <= v["us_max"].as_f64().unwrap());
        let weights = v["weights"].as_f64().unwrap();
        let ns = v["ns_per_weight"].as_f64().unwrap();
        assert!((ns - 1e3 * us / weights).abs() <= 1e-9 * ns, "{v}");
        assert_eq!(v["layouts"], 2);
        assert_eq!(v["repeats"], 3);
        assert_eq!(v["seed"], 1, "the default seed: {v}");
        assert_eq!(v["simd"], dlr::simd::simd_path());
        assert!(v["eval_ms"].as_f64().unwrap() > 0.0);
        assert!(v["dlr_epoch_seconds"].is_null(), "--no-epoch: {v}");
    }
    seen.sort();
    let expected: Vec<(String, u64)> = [
        ("adam-lazy", 8),
        ("adam-lazy", 12),
        ("dlr", 8),
        ("dlr", 12),
        ("sgd", 8),
        ("sgd", 12),
    ]
    .iter()
    .map(|&(o, h)| (o.to_owned(), h))
    .collect();
    assert_eq!(seen, expected);
    // Another seed: other layouts, reported in every line and the table.
    let json = run(&["--json", "--seed", "7"]);
    for l in json.lines() {
        let v: serde_json::Value = serde_json::from_str(l).expect("valid JSON");
        assert_eq!(v["seed"], 7, "{v}");
    }
    let table = run(&["--seed", "7"]);
    assert!(
        table.contains("median over 2 heap layouts of the median of 3 rounds, seed 7"),
        "{table}"
    );
    assert_eq!(table.lines().count(), 4, "{table}");
    // The ratio columns: lazy Adam's step over DLR's is a number; Adam's,
    // not measured, is a dash.
    let header: Vec<&str> = table.lines().nth(1).unwrap().split_whitespace().collect();
    let lazy = header
        .iter()
        .position(|&c| c == "lazy/dlr")
        .expect("a lazy/dlr column");
    let adam = header
        .iter()
        .position(|&c| c == "adam/dlr")
        .expect("an adam/dlr column");
    for row in table.lines().skip(2) {
        let cells: Vec<&str> = row.split_whitespace().collect();
        let ratio: f64 = cells[lazy].parse().unwrap_or_else(|_| panic!("{row}"));
        assert!(ratio > 0.0 && ratio.is_finite(), "{table}");
        assert_eq!(cells[adam], "-", "{table}");
    }
}

#[test]
fn bench_bad_arguments_are_exit_2() {
    let dir = tiny_set("bench-bad");
    for bad in [["--layouts", "0"], ["--repeats", "0"], ["--hidden", "0"]] {
        let out = dlr()
            .arg("bench")
            .args(bad)
            .arg("--data")
            .arg(&dir)
            .output()
            .unwrap();
        assert_bad_input(&out, bad[0], "must be positive");
    }
}

/// `dlr train` with `extra` on the tiny set for a million epochs towards an
/// accuracy no run reaches: minutes of training, so that a refusal that
/// comes only after training is a test that times out, not one that passes.
/// A refusal before training takes milliseconds; the deadline is far from
/// both, for a loaded machine.
fn train_that_must_refuse_first(dir: &Path, extra: &[&str]) -> Output {
    let mut cmd = dlr();
    cmd.args(["train", "--max-epochs", "1000000", "--target", "2"])
        .args(extra)
        .arg("--data")
        .arg(dir);
    common::output_within(&mut cmd, 30)
}

#[test]
fn unwritable_save_and_checkpoint_fail_before_training() {
    let dir = tiny_set("unwritable");
    // /sys refuses new files even to root.
    for flag in ["--save", "--checkpoint"] {
        let out = train_that_must_refuse_first(&dir, &[flag, "/sys/dlr-model.bin"]);
        assert_bad_input(&out, "/sys/dlr-model.bin", "cannot write");
    }
}

/// Writes an IDX set of `classes` classes of `rows × cols` images (class c
/// lights the pixels p ≡ c mod classes) into `dir`.
fn write_many_class_set(dir: &Path, classes: u8, rows: usize, cols: usize) {
    let pixels = rows * cols;
    for (prefix, n, seed) in [("train", 2600, 1u64), ("t10k", 520, 2)] {
        let mut rng = dlr::rng::Rng::new(seed);
        let mut images = vec![0u8; n * pixels];
        let mut labels = vec![0u8; n];
        for i in 0..n {
            let c = (i % classes as usize) as u8;
            labels[i] = c;
            for p in 0..pixels {
                if p % classes as usize == c as usize && rng.uniform() < 0.9 {
                    images[i * pixels + p] = 128 + (rng.below(128) as u8);
                }
            }
        }
        std::fs::write(
            dir.join(format!("{prefix}-images-idx3-ubyte")),
            idx_u8(&[n, rows, cols], &images),
        )
        .unwrap();
        std::fs::write(
            dir.join(format!("{prefix}-labels-idx1-ubyte")),
            idx_u8(&[n], &labels),
        )
        .unwrap();
    }
}

/// The JSON object on the last line of a successful run's stdout.
#[track_caller]
fn last_json_line(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().expect("a line on stdout");
    serde_json::from_str(last).expect("a JSON line")
}

#[test]
fn a_26_class_set_of_20x20_images_trains_and_evaluates() {
    let dir = std::env::temp_dir().join(format!("dlr-cli-26-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    write_many_class_set(&dir, 26, 20, 20);
    let model = dir.join("model.bin");
    let out = dlr()
        .args([
            "train",
            "--hidden",
            "40",
            "--target",
            "0.9",
            "--max-epochs",
            "20",
            "--eval-every",
            "500",
            "--json",
            "--save",
        ])
        .arg(&model)
        .arg("--data")
        .arg(&dir)
        .output()
        .unwrap();
    let v = last_json_line(&out);
    assert_eq!(v["layers"], serde_json::json!([400, 40, 26]));
    assert_eq!(v["reached"], true, "{v}");
    let net = dlr::network::Network::from_bytes(&std::fs::read(&model).unwrap()).unwrap();
    assert_eq!(net.sizes(), vec![400, 40, 26]);
    // `dlr eval` reads the model back and gets the accuracy training reported.
    let out = dlr()
        .args(["eval", "--json", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(&dir)
        .output()
        .unwrap();
    let e = last_json_line(&out);
    assert_eq!(e["test_accuracy"], v["test_accuracy"]);
    assert_eq!(e["test_images"], 520);
    // --classes: more outputs than labels is allowed, fewer is exit 2.
    let out = dlr()
        .args([
            "train",
            "--max-epochs",
            "0.1",
            "--classes",
            "47",
            "--json",
            "--data",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    let v = last_json_line(&out);
    assert_eq!(v["layers"], serde_json::json!([400, 100, 47]));
    let out = dlr()
        .args(["train", "--classes", "10", "--data"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_bad_input(&out, "train-labels-idx1-ubyte", "label");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn eval_of_a_bad_model_file_is_exit_2() {
    let dir = tiny_set("eval-bad");
    let model = dir.join("bad.bin");
    std::fs::write(&model, b"DLRMODEL not really").unwrap();
    let out = dlr()
        .args(["eval", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(&dir)
        .output()
        .unwrap();
    assert_bad_input(&out, "bad.bin", "");
    let out = dlr()
        .args(["eval", "--model", "/nonexistent-dlr/m.bin", "--data"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_bad_input(&out, "/nonexistent-dlr/m.bin", "cannot read");
}

/// A run that diverges saves nothing: the file at `--save` keeps what the
/// user had there, and the message says so.
#[test]
fn a_diverged_run_leaves_the_save_file_as_it_was() {
    let dir = tiny_set("diverge-save");
    let model = dir.join("keep.bin");
    std::fs::write(&model, b"the user's model").unwrap();
    // ε = 0 and a zero gradient make Adam divide 0 by 0 (as above).
    let out = dlr()
        .args([
            "train",
            "--optimizer",
            "adam",
            "--eps",
            "0",
            "--hidden",
            "8",
        ])
        .arg("--save")
        .arg(&model)
        .arg("--data")
        .arg(&dir)
        .output()
        .unwrap();
    let lines = stderr_lines(&out);
    assert_eq!(out.status.code(), Some(3), "{lines:?}");
    assert_eq!(std::fs::read(&model).unwrap(), b"the user's model");
    assert!(
        lines.iter().any(|l| l.contains("no model was saved")),
        "{lines:?}"
    );
}

#[test]
fn save_and_checkpoint_on_one_file_is_exit_2_before_training() {
    let dir = tiny_set("save-is-checkpoint");
    let file = dir.join("both.bin");
    let out = dlr()
        .args(["train", "--max-epochs", "50", "--save"])
        .arg(&file)
        .arg("--checkpoint")
        .arg(dir.join(".").join("both.bin"))
        .arg("--data")
        .arg(&dir)
        .output()
        .unwrap();
    assert_bad_input(&out, "both.bin", "both name");
    assert!(!file.exists(), "something was written");
}

#[test]
fn a_save_path_ending_in_a_separator_fails_before_training() {
    let dir = tiny_set("save-slash");
    let target = format!("{}/newdir/", dir.display());
    let out = train_that_must_refuse_first(&dir, &["--save", &target]);
    assert_bad_input(&out, "newdir", "names a directory");
}

/// `--simd` wins over `DLR_SIMD`, and commands that run no kernel do not
/// read it at all.
#[test]
fn simd_flag_overrides_a_bad_dlr_simd_and_report_ignores_it() {
    let dir = tiny_set("simd-env");
    let out = dlr()
        .env("DLR_SIMD", "bogus")
        .args(["train", "--max-epochs", "0.1", "--simd", "scalar", "--data"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = dlr()
        .env("DLR_SIMD", "bogus")
        .args(["report", "/nonexistent-dlr/sweep.jsonl"])
        .output()
        .unwrap();
    assert_bad_input(&out, "/nonexistent-dlr/sweep.jsonl", "");
    // Without --simd the bad value is still one line and exit 2.
    let out = dlr()
        .env("DLR_SIMD", "bogus")
        .args(["train", "--max-epochs", "0.1", "--data"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_bad_input(&out, "DLR_SIMD", "bogus");
}

/// Every command that runs the kernels reads `DLR_SIMD` (as the default
/// of its `--simd`): a bad value is one line naming it, before anything
/// else is looked at, and `--simd` overrides it there too. `fetch` runs no
/// kernel and does not read it.
#[test]
fn every_command_that_runs_kernels_reads_dlr_simd_and_fetch_does_not() {
    let dir = tiny_set("simd-every");
    let out_dir = dir.join("out");
    for command in [
        &["train"][..],
        &["bench", "--hidden", "5"],
        &["sweep", "--preset", "tiny", "--list"],
        &["repro", "--quick", "--out", "/nonexistent-dlr/repro"],
        &["eval", "--model", "/nonexistent-dlr/model.bin"],
    ] {
        let out = dlr()
            .env("DLR_SIMD", "bogus")
            .args(command)
            .arg("--data")
            .arg(&dir)
            .output()
            .unwrap();
        assert_bad_input(&out, "DLR_SIMD", "bogus");
    }
    let out = dlr()
        .env("DLR_SIMD", "bogus")
        .args([
            "eval",
            "--model",
            "/nonexistent-dlr/model.bin",
            "--simd",
            "scalar",
        ])
        .output()
        .unwrap();
    assert_bad_input(&out, "/nonexistent-dlr/model.bin", "");
    let out = dlr()
        .env("DLR_SIMD", "bogus")
        .arg("fetch")
        .arg("--dir")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_bad_input(&out, "mirror", "");
    assert!(
        !stderr_lines(&out)[0].contains("DLR_SIMD"),
        "{:?}",
        stderr_lines(&out)
    );
}

#[test]
fn bench_simd_all_with_a_path_this_machine_lacks_is_exit_2() {
    let dir = tiny_set("bench-all-missing");
    let missing = dlr::simd::SimdPath::ALL
        .iter()
        .find(|p| !p.is_available())
        .expect("every machine lacks some path (NEON or AVX, simd128)");
    let list = format!("all,{}", missing.name());
    let out = dlr()
        .args(["bench", "--hidden", "5", "--simd", &list, "--data"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_bad_input(&out, "--simd", missing.name());
}

/// Requests the system cannot meet are refused up front, not left to the
/// allocator or the thread spawner to abort.
#[test]
fn too_many_threads_or_weights_are_exit_2() {
    let dir = tiny_set("too-large");
    let cases: [(&[&str], &str); 5] = [
        (&["train", "--eval-threads", "100000"], "--eval-threads"),
        (&["train", "--hidden", "100000000"], "weights"),
        (&["bench", "--hidden", "100000000"], "weights"),
        (
            &["sweep", "--preset", "tiny", "--jobs", "100000", "--out"],
            "--jobs",
        ),
        (&["repro", "--jobs", "100000", "--out"], "--jobs"),
    ];
    for (args, names) in cases {
        let mut cmd = dlr();
        cmd.args(args);
        if args.last() == Some(&"--out") {
            cmd.arg(dir.join("out"));
        }
        let out = cmd.arg("--data").arg(&dir).output().unwrap();
        assert_bad_input(&out, names, "");
    }
}

#[test]
fn eval_of_a_device_is_exit_2_without_reading_it() {
    let dir = tiny_set("eval-device");
    let out = dlr()
        .args(["eval", "--model", "/dev/zero", "--data"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_bad_input(&out, "/dev/zero", "not a regular file");
}

/// `println!` panics when stdout fails; the program says one line on a
/// full disk and ends quietly when its reader has gone.
#[test]
fn a_full_or_closed_stdout_is_no_panic() {
    let dir = tiny_set("stdout");
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = dlr()
        .args(["sweep", "--list-presets"])
        .stdout(full)
        .output()
        .unwrap();
    assert_bad_input(&out, "standard output", "no space");

    let mut child = dlr()
        .args(["sweep", "--preset", "tiny", "--list", "--data"])
        .arg(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_empty_training_or_test_set_is_exit_2() {
    for (prefix, name) in [("train", "train-images"), ("t10k", "t10k-images")] {
        let dir = tiny_set(&format!("empty-{prefix}"));
        std::fs::write(
            dir.join(format!("{prefix}-images-idx3-ubyte")),
            idx_u8(&[0, 8, 8], &[]),
        )
        .unwrap();
        std::fs::write(
            dir.join(format!("{prefix}-labels-idx1-ubyte")),
            idx_u8(&[0], &[]),
        )
        .unwrap();
        for command in [
            &["train", "--max-epochs", "0.1"][..],
            &["bench", "--hidden", "5"],
        ] {
            let out = dlr()
                .args(command)
                .arg("--data")
                .arg(&dir)
                .output()
                .unwrap();
            assert_bad_input(&out, name, "no images");
        }
    }
}

/// `dlr bench` builds one output per class of the data, as `train` does
/// (it had ten, and panicked on a label of 10 or more).
#[test]
fn bench_runs_on_a_26_class_set() {
    let dir = std::env::temp_dir().join(format!("dlr-cli-bench26-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    write_many_class_set(&dir, 26, 8, 8);
    let out = dlr()
        .args([
            "bench",
            "--hidden",
            "5",
            "--optimizers",
            "sgd,dlr",
            "--repeats",
            "1",
            "--layouts",
            "1",
            "--round-seconds",
            "0.001",
            "--no-epoch",
            "--json",
            "--data",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    let line = last_json_line(&out);
    // 64 pixels × 5 + 5 × 26 outputs.
    assert_eq!(line["weights"], 64 * 5 + 5 * 26, "{line}");
}
