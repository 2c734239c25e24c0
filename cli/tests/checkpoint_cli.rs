//! `dlr train --checkpoint/--resume`: resumes give the uninterrupted model;
//! contradicting options, corrupt, truncated or foreign checkpoints are
//! exit 2 with one line naming the file; a good checkpoint is never
//! replaced by a partial one, nor by a diverged run's (exit 3).

mod ckpt_util;
mod common;

use std::path::{Path, PathBuf};

use ckpt_util::{assert_one_line, data_set, json_of, stderr_lines, train};
use dlr::checkpoint::Checkpoint;

/// Options of the runs here: 300 images of 8×8, H = 16, 3 epochs.
const RUN: &[(&str, &str)] = &[
    ("--hidden", "16"),
    ("--max-epochs", "3"),
    ("--target", "2"),
    ("--eval-every", "100"),
    ("--seed", "4"),
];

fn path_arg(flag: &str, path: &Path) -> Vec<String> {
    vec![flag.to_owned(), path.display().to_string()]
}

/// RUN with the options of `changes` replaced (or added), then `extra`.
fn options(changes: &[(&str, &str)], extra: &[String]) -> Vec<String> {
    let mut args = Vec::new();
    for &(flag, value) in RUN {
        let value = changes.iter().find(|c| c.0 == flag).map_or(value, |c| c.1);
        args.extend([flag.to_owned(), value.to_owned()]);
    }
    for &(flag, value) in changes {
        if !RUN.iter().any(|r| r.0 == flag) {
            args.extend([flag.to_owned(), value.to_owned()]);
        }
    }
    args.extend(extra.iter().cloned());
    args
}

/// `dlr train RUN changes extra`.
fn run_changed(data: &Path, changes: &[(&str, &str)], extra: &[String]) -> std::process::Output {
    let args = options(changes, extra);
    train(data, &args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// `dlr train RUN extra`.
fn run(data: &Path, extra: &[String]) -> std::process::Output {
    run_changed(data, &[], extra)
}

/// `--json` and `extra`.
fn json(extra: &[String]) -> Vec<String> {
    [vec!["--json".to_owned()], extra.to_vec()].concat()
}

/// The checkpoint a whole run of RUN leaves, written every 70 samples.
fn finished_checkpoint(data: &Path, name: &str) -> PathBuf {
    let ck = data.join(name);
    let _ = std::fs::remove_file(&ck);
    let out = run(
        data,
        &[
            path_arg("--checkpoint", &ck),
            vec!["--checkpoint-every".into(), "70".into()],
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(0), "{:?}", stderr_lines(&out));
    ck
}

#[test]
fn resuming_a_finished_or_midway_checkpoint_gives_the_same_model() {
    let data = data_set("ckcli-same", 300, 50, 8);
    let reference = data.join("reference.model");
    json_of(&run(&data, &json(&path_arg("--save", &reference))));
    let reference = std::fs::read(&reference).unwrap();

    // A run with checkpoints every 70 samples saves the same model.
    let ck = finished_checkpoint(&data, "ck.bin");
    let finished = Checkpoint::from_bytes(&std::fs::read(&ck).unwrap()).unwrap();
    assert_eq!(finished.progress.samples, 900);
    assert_eq!(finished.net.to_bytes(), reference);

    // Resuming a finished checkpoint trains nothing and saves the model.
    let again = data.join("again.model");
    let v = json_of(&run(
        &data,
        &json(&[path_arg("--resume", &ck), path_arg("--save", &again)].concat()),
    ));
    assert_eq!(std::fs::read(&again).unwrap(), reference);
    assert_eq!(v["samples"], 900);
    // Named another way, it is still the checkpoint being resumed.
    std::fs::create_dir_all(data.join("sub")).unwrap();
    let other_name = data.join("sub").join("..").join("ck.bin");
    let out = run(
        &data,
        &[
            path_arg("--resume", &ck),
            path_arg("--checkpoint", &other_name),
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(0), "{:?}", stderr_lines(&out));

    // A midway checkpoint: the library stops a trainer at 333 samples.
    let mid = data.join("mid.bin");
    write_midway(&data, &mid, 333);
    let resumed = data.join("resumed.model");
    let out = run_changed(
        &data,
        // Evaluation settings may change on resume.
        &[("--eval-every", "37"), ("--eval-threads", "2")],
        &json(
            &[
                path_arg("--resume", &mid),
                path_arg("--checkpoint", &mid),
                path_arg("--save", &resumed),
            ]
            .concat(),
        ),
    );
    let v = json_of(&out);
    assert_eq!(v["samples"], 900);
    assert_eq!(std::fs::read(&resumed).unwrap(), reference);
    // It went on writing to the checkpoint it resumed.
    let last = Checkpoint::from_bytes(&std::fs::read(&mid).unwrap()).unwrap();
    assert_eq!(last.progress.samples, 900);
    assert_eq!(last.net.to_bytes(), reference);
    // ... and the evaluations of the first part were kept: 100, 200, 300,
    // then every 37 from 333 on.
    let history = &last.progress.history;
    assert_eq!(
        history[..3].iter().map(|h| h.0).collect::<Vec<_>>(),
        [100, 200, 300]
    );
    assert_eq!(history[3].0, 370);
}

/// Writes to `path` the checkpoint of RUN on `data` after `samples`
/// samples, made by the library as `dlr train` makes it.
fn write_midway(data: &Path, path: &Path, samples: u64) {
    let mnist = dlr::mnist::load_dir(data).unwrap();
    let net = dlr::network::Network::new(&[64, 16, 10], 4);
    let kind = dlr::optim::OptimizerKind::Dlr;
    let opt = dlr::optim::Optimizer::tuned(net.layers(), kind);
    let config = dlr::train::TrainConfig {
        target: 2.0,
        max_epochs: 3.0,
        eval_every: 100,
        batch: 1,
        seed: 4,
        eval_threads: 1,
    };
    let mut trainer = dlr::train::Trainer::new(net, opt, &mnist.train, &mnist.test, &config);
    trainer.run_until(samples, |_| {});
    let ck = trainer.checkpoint().unwrap();
    dlr::checkpoint::write_atomically(path, &ck.to_bytes()).unwrap();
}

#[test]
fn contradicting_options_are_exit_2_naming_the_option() {
    let data = data_set("ckcli-contra", 300, 50, 8);
    let ck = data.join("ck.bin");
    write_midway(&data, &ck, 150);
    let before = std::fs::read(&ck).unwrap();
    let resume = path_arg("--resume", &ck);
    for (change, flag) in [
        (("--optimizer", "sgd"), "--optimizer"),
        (("--lr", "1.5"), "--lr"),
        (("--alpha", "0.5"), "--alpha"),
        (("--hidden", "17"), "--hidden"),
        (("--hidden", "16,4"), "--hidden"),
        (("--seed", "5"), "--seed"),
        (("--batch", "2"), "--batch"),
        (("--init-scale", "0.5"), "--init-scale"),
        (("--target", "0.9"), "--target"),
        (("--max-epochs", "4"), "--max-epochs"),
    ] {
        let extra = [resume.clone(), path_arg("--checkpoint", &ck)].concat();
        let out = run_changed(&data, &[change], &extra);
        let line = assert_one_line(&out, 2, &[&ck.display().to_string(), "contradicts", flag]);
        assert!(line.starts_with("dlr: "), "{line}");
        assert_eq!(
            std::fs::read(&ck).unwrap(),
            before,
            "{flag}: checkpoint changed"
        );
    }
    // Options that never change the weights may change.
    let out = run_changed(&data, &[("--eval-every", "0")], &json(&resume));
    json_of(&out);
}

#[test]
fn corrupt_truncated_and_foreign_checkpoints_are_exit_2() {
    let data = data_set("ckcli-corrupt", 300, 50, 8);
    let good = data.join("good.bin");
    write_midway(&data, &good, 200);
    let bytes = std::fs::read(&good).unwrap();
    let model = dlr::network::Network::new(&[64, 16, 10], 4).to_bytes();
    let mut flipped = bytes.clone();
    flipped[bytes.len() / 2] ^= 0x10;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("flipped.bin", flipped, "checksum"),
        (
            "truncated.bin",
            bytes[..bytes.len() - 7].to_vec(),
            "truncated",
        ),
        ("half.bin", bytes[..bytes.len() / 2].to_vec(), "truncated"),
        ("header.bin", bytes[..10].to_vec(), "truncated"),
        ("empty.bin", Vec::new(), "truncated"),
        ("model.bin", model, "magic"),
        ("longer.bin", [bytes.clone(), vec![0]].concat(), "after"),
        ("garbage.bin", vec![0x5a; 5000], "magic"),
    ];
    for (name, content, fault) in cases {
        let path = data.join(name);
        std::fs::write(&path, &content).unwrap();
        let out = run(&data, &path_arg("--resume", &path));
        assert_one_line(&out, 2, &[&path.display().to_string(), fault]);
        assert_eq!(std::fs::read(&path).unwrap(), content, "{name} changed");
    }
    let missing = data.join("missing.bin");
    let out = run(&data, &path_arg("--resume", &missing));
    assert_one_line(&out, 2, &["missing.bin"]);
    let out = run(&data, &path_arg("--resume", &data));
    assert_one_line(&out, 2, &[&data.display().to_string()]);

    // Another network shape: written by a run with another --hidden.
    let other = data.join("other-shape.bin");
    let out = run_changed(
        &data,
        &[("--hidden", "9")],
        &path_arg("--checkpoint", &other),
    );
    assert_eq!(out.status.code(), Some(0), "{:?}", stderr_lines(&out));
    let out = run(&data, &path_arg("--resume", &other));
    assert_one_line(
        &out,
        2,
        &["other-shape.bin", "--hidden 16", "contradicts", "9"],
    );

    // Other data: same options, another training set.
    let elsewhere = data_set("ckcli-corrupt-other", 301, 50, 8);
    let out = run(&elsewhere, &path_arg("--resume", &good));
    assert_one_line(&out, 2, &["good.bin", "training set"]);
    // Images of another size: the checkpoint's network takes 64 inputs.
    let bigger = data_set("ckcli-corrupt-bigger", 300, 50, 9);
    let out = run(&bigger, &path_arg("--resume", &good));
    assert_one_line(&out, 2, &["good.bin", "another"]);
    for dir in [elsewhere, bigger, data] {
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn an_existing_checkpoint_is_not_replaced_without_resume() {
    let data = data_set("ckcli-exists", 300, 50, 8);
    let ck = data.join("ck.bin");
    std::fs::write(&ck, b"someone's file").unwrap();
    let out = run(&data, &path_arg("--checkpoint", &ck));
    assert_one_line(&out, 2, &["ck.bin", "--resume"]);
    assert_eq!(std::fs::read(&ck).unwrap(), b"someone's file");
    // Nor by a run that resumes another checkpoint.
    let other = data.join("other.bin");
    write_midway(&data, &other, 10);
    let out = run(
        &data,
        &[path_arg("--resume", &other), path_arg("--checkpoint", &ck)].concat(),
    );
    assert_one_line(&out, 2, &["ck.bin"]);
    assert_eq!(std::fs::read(&ck).unwrap(), b"someone's file");
    // Bad uses of the flags.
    let out = run(&data, &["--checkpoint-every".into(), "5".into()]);
    assert_one_line(&out, 2, &["--checkpoint"]);
    let fresh = data.join("fresh.bin");
    let out = run(
        &data,
        &[
            path_arg("--checkpoint", &fresh),
            vec!["--checkpoint-every".into(), "0".into()],
        ]
        .concat(),
    );
    assert_one_line(&out, 2, &["--checkpoint-every"]);
    let out = run(
        &data,
        &path_arg("--checkpoint", Path::new("/nonexistent-dlr-dir/ck.bin")),
    );
    assert_one_line(&out, 2, &["/nonexistent-dlr-dir", "does not exist"]);
    assert!(!fresh.exists());
}

#[test]
fn a_failed_write_leaves_the_good_checkpoint() {
    let data = data_set("ckcli-failwrite", 300, 50, 8);
    let ck = data.join("ck.bin");
    write_midway(&data, &ck, 100);
    let good = std::fs::read(&ck).unwrap();
    // The temporary file's name is taken by a directory: the write fails
    // before the rename, and the run stops with exit 2.
    let blocker = data.join(".ck.bin.tmp");
    std::fs::create_dir_all(blocker.join("x")).unwrap();
    let out = run(
        &data,
        &[path_arg("--resume", &ck), path_arg("--checkpoint", &ck)].concat(),
    );
    assert_one_line(&out, 2, &["ck.bin", "cannot write the checkpoint"]);
    assert_eq!(std::fs::read(&ck).unwrap(), good);
    std::fs::remove_dir_all(&blocker).unwrap();

    // A file size limit below the checkpoint's size: the write is cut
    // short (EFBIG, the signal ignored), and the old checkpoint stays.
    // (`$DLR_TEST_RUNNER`, when set, runs the program: see `common`.)
    let cmd = format!(
        "trap '' XFSZ; ulimit -f 4; exec $DLR_TEST_RUNNER \"$0\" train {} --resume \"$1\" --checkpoint \"$1\" --data \"$2\"",
        options(&[], &[]).join(" ")
    );
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(&cmd)
        .arg(env!("CARGO_BIN_EXE_dlr"))
        .arg(&ck)
        .arg(&data)
        .env_remove("DLR_DATA")
        .output()
        .unwrap();
    // 4 blocks: 2 KiB or 4 KiB, depending on the shell's block size.
    assert!(good.len() > 4096, "the checkpoint must exceed the limit");
    assert_one_line(&out, 2, &["ck.bin", "cannot write the checkpoint"]);
    assert_eq!(std::fs::read(&ck).unwrap(), good);
    assert!(Checkpoint::from_bytes(&good).is_ok());
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn divergence_is_exit_3_and_keeps_the_last_good_checkpoint() {
    let data = data_set("ckcli-diverge", 300, 50, 8);
    let ck = data.join("ck.bin");
    // Nesterov with μ just below 1 and a huge η: the velocity keeps the
    // weights drifting after the logistic units saturate, until they
    // overflow, a few hundred steps in.
    let diverging = [
        ("--optimizer", "nesterov"),
        ("--momentum", "0.99999994"),
        ("--lr", "1e37"),
        ("--checkpoint-every", "10"),
    ];
    let out = run_changed(&data, &diverging, &path_arg("--checkpoint", &ck));
    let line = stderr_lines(&out).last().cloned().unwrap_or_default();
    assert_eq!(out.status.code(), Some(3), "{:?}", stderr_lines(&out));
    let step: u64 = line
        .split("step ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|digits| digits.parse().ok())
        .unwrap_or_else(|| panic!("no step in {line:?}"));
    let last_good =
        Checkpoint::from_bytes(&std::fs::read(&ck).unwrap()).expect("a good checkpoint");
    assert!(last_good.net.is_finite());
    assert!(
        last_good.progress.steps < step,
        "{} vs {step}",
        last_good.progress.steps
    );
    assert!(
        last_good.progress.steps >= 10,
        "an early divergence tests little"
    );
    assert!(
        last_good.progress.steps + 20 >= step,
        "{} vs {step}",
        last_good.progress.steps
    );
    // Resuming it diverges again, at the same step: nothing was lost.
    let extra = [path_arg("--resume", &ck), path_arg("--checkpoint", &ck)].concat();
    let out = run_changed(&data, &diverging, &extra);
    assert_eq!(out.status.code(), Some(3), "{:?}", stderr_lines(&out));
    let again = stderr_lines(&out).last().cloned().unwrap_or_default();
    assert!(
        again.contains(&format!("step {step}")),
        "{again:?} vs {line:?}"
    );
    assert_eq!(
        Checkpoint::from_bytes(&std::fs::read(&ck).unwrap())
            .unwrap()
            .progress
            .steps,
        last_good.progress.steps
    );
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn the_program_stays_quiet_about_checkpoints_on_success() {
    // With --json the last stdout line is still the JSON object, and
    // stderr has only the summary.
    let data = data_set("ckcli-quiet", 300, 50, 8);
    let ck = data.join("ck.bin");
    let out = run(&data, &json(&path_arg("--checkpoint", &ck)));
    json_of(&out);
    assert_eq!(stderr_lines(&out).len(), 1, "{:?}", stderr_lines(&out));
    let _ = std::fs::remove_dir_all(&data);
}
