//! `dlr train` killed with SIGKILL at random moments, several times, and
//! resumed each time from its checkpoint, ends with a model byte-identical
//! to the uninterrupted run's, and its checkpoint file is a whole, good
//! checkpoint after every kill.
#![cfg(unix)]

mod ckpt_util;
mod common;

use std::io::Read;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ckpt_util::{data_set, dlr, json_of};
use dlr::checkpoint::Checkpoint;
use dlr::rng::Rng;

/// Kills per scenario before the run may finish.
const KILLS: usize = 5;

fn spawn(data: &Path, args: &[String]) -> Child {
    dlr()
        .arg("train")
        .args(args)
        .arg("--data")
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Runs `options` uninterrupted, then killed and resumed `KILLS` times at
/// random moments; compares the saved models and the JSON outcomes.
fn killed_and_resumed_matches_uninterrupted(tag: &str, options: &[&str], checkpoint_every: u64) {
    let data = data_set(&format!("kill-{tag}"), 2000, 300, 28);
    let options: Vec<String> = options.iter().map(|s| s.to_string()).collect();
    let with = |extra: &[&Path], flags: &[&str]| -> Vec<String> {
        let mut args = options.clone();
        args.push("--json".into());
        for (flag, path) in flags.iter().zip(extra) {
            args.push(flag.to_string());
            args.push(path.display().to_string());
        }
        args
    };

    let reference = data.join("reference.model");
    let start = Instant::now();
    let out = dlr()
        .arg("train")
        .args(with(&[&reference], &["--save"]))
        .arg("--data")
        .arg(&data)
        .output()
        .unwrap();
    let uninterrupted = start.elapsed();
    let expected = json_of(&out);

    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64);
    let mut rng = Rng::new(seed);
    let ck = data.join("run.ckpt");
    let model = data.join("resumed.model");
    let mut kills = 0;
    let mut starts = 0;
    let mut last_samples = 0;
    let mut timeline = Vec::new();
    let final_out = loop {
        starts += 1;
        assert!(starts < 100, "no progress (seed {seed}): {timeline:?}");
        let mut args = if ck.exists() {
            with(&[&ck, &ck, &model], &["--resume", "--checkpoint", "--save"])
        } else {
            with(&[&ck, &model], &["--checkpoint", "--save"])
        };
        args.extend(["--checkpoint-every".into(), checkpoint_every.to_string()]);
        let mut child = spawn(&data, &args);
        if kills < KILLS {
            // Anywhere in the first 20 % of an uninterrupted run's time: a
            // kill wastes at most that much progress, so all five land
            // before the run can finish, even on a busier machine.
            let delay = 0.01 + 0.2 * uninterrupted.as_secs_f64() * rng.uniform() as f64;
            std::thread::sleep(Duration::from_secs_f64(delay));
            if child.try_wait().unwrap().is_none() {
                child.kill().unwrap(); // SIGKILL
                let status = child.wait().unwrap();
                assert!(!status.success());
                kills += 1;
                // Whatever the moment, the checkpoint is whole and good,
                // and never goes back.
                if ck.exists() {
                    let bytes = std::fs::read(&ck).unwrap();
                    let c = Checkpoint::from_bytes(&bytes).unwrap_or_else(|e| {
                        panic!("after kill {kills} (seed {seed}): {e}; {timeline:?}")
                    });
                    assert!(c.progress.samples >= last_samples, "seed {seed}");
                    last_samples = c.progress.samples;
                }
                timeline.push((format!("{delay:.3}s"), last_samples));
                continue;
            }
        }
        let status = child.wait().unwrap();
        let mut stdout = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut stdout)
            .unwrap();
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        assert!(status.success(), "seed {seed}: {stderr}");
        break stdout;
    };
    assert!(
        kills >= 3,
        "only {kills} kills landed (seed {seed}): {timeline:?}"
    );
    assert!(
        timeline.iter().any(|&(_, s)| s > 0),
        "no kill landed after training began (seed {seed}): {timeline:?}"
    );
    let got: serde_json::Value =
        serde_json::from_str(final_out.lines().last().unwrap_or_default()).unwrap();
    for key in ["samples", "reached", "test_accuracy", "epochs", "diverged"] {
        assert_eq!(got[key], expected[key], "{key} (seed {seed}): {timeline:?}");
    }
    assert!(
        std::fs::read(&model).unwrap() == std::fs::read(&reference).unwrap(),
        "{tag}: the resumed model differs from the uninterrupted one (seed {seed}): {timeline:?}"
    );
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn dlr_online_killed_and_resumed_is_byte_identical() {
    killed_and_resumed_matches_uninterrupted(
        "dlr",
        &[
            "--max-epochs",
            "30",
            "--target",
            "2",
            "--eval-every",
            "1500",
        ],
        1000,
    );
}

#[test]
fn dlr_post_online_killed_and_resumed_is_byte_identical() {
    // Eq. 3's f64 column sums and their re-sync every 1000 steps.
    killed_and_resumed_matches_uninterrupted(
        "dlr-post",
        &[
            "--optimizer",
            "dlr-post",
            "--hidden",
            "40",
            "--max-epochs",
            "25",
            "--target",
            "2",
        ],
        777,
    );
}

#[test]
fn adam_batched_killed_and_resumed_is_byte_identical() {
    // Moments, t, and mini-batches cut by the epoch's end (2000 = 285·7 + 5).
    killed_and_resumed_matches_uninterrupted(
        "adam",
        &[
            "--optimizer",
            "adam",
            "--batch",
            "7",
            "--hidden",
            "50",
            "--max-epochs",
            "8",
            "--target",
            "2",
        ],
        700,
    );
}
