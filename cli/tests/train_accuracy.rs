//! `dlr train --train-accuracy`: the training-set accuracy at each
//! evaluation, in the JSON line, equal to an evaluation of the saved model
//! on the training set; without the flag the JSON has none of its keys.

mod common;

use common::{dlr, output_within, write_tiny_set};
use dlr::network::{Network, Workspace};
use serde_json::Value;

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("dlr-train-acc-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Trains on the tiny set with `extra` options, saving the model; returns
/// the JSON line and the saved model's bytes.
fn train(dir: &std::path::Path, extra: &[&str]) -> (Value, Vec<u8>) {
    let model = dir.join(format!("model-{}", extra.join("")));
    let mut cmd = dlr();
    cmd.args(["train", "--json", "--hidden", "16", "--eval-every", "100"])
        .args(["--max-epochs", "2", "--target", "0.999"])
        .arg("--data")
        .arg(dir)
        .arg("--save")
        .arg(&model)
        .args(extra);
    let out = output_within(&mut cmd, 120);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let line = stdout.lines().last().expect("a JSON line");
    let json = serde_json::from_str(line).unwrap();
    (json, std::fs::read(&model).unwrap())
}

#[test]
fn train_accuracy_is_the_saved_models_accuracy_on_the_training_set() {
    let dir = scratch("equal");
    write_tiny_set(&dir);
    let data = dlr::mnist::load_dir(&dir).unwrap();
    let (plain, plain_model) = train(&dir, &["--eval-threads", "1"]);
    assert!(plain.get("train_accuracy").is_none(), "{plain}");
    assert!(plain.get("history").is_none(), "{plain}");
    // One evaluation thread, then two (evaluations overlapped with
    // training): the same measurement on the same weights.
    for threads in ["1", "2"] {
        let (json, model) = train(&dir, &["--train-accuracy", "--eval-threads", threads]);
        assert_eq!(model, plain_model, "measuring changed the weights");
        let net = Network::from_bytes(&model).unwrap();
        let mut ws = Workspace::new(&net);
        let correct = net.count_correct(&mut ws, &data.train);
        // serde_json may read a float back one unit in the last place off:
        // compare the counts of correct images.
        let count = |a: &Value| (a.as_f64().expect("measured") * 300.0).round() as usize;
        assert_eq!(data.train.len(), 300);
        assert_eq!(count(&json["train_accuracy"]), correct, "{json}");
        let history = json["history"].as_array().expect("a history");
        let samples: Vec<u64> = history
            .iter()
            .map(|h| h["samples"].as_u64().unwrap())
            .collect();
        // 600 samples (2 epochs of 300), every 100, unless the target stops it.
        let want_samples: Vec<u64> = (1..=samples.len() as u64).map(|i| 100 * i).collect();
        assert_eq!(samples, want_samples, "{json}");
        let last = history.last().unwrap();
        assert_eq!(count(&last["train_accuracy"]), correct, "{json}");
        assert_eq!(last["test_accuracy"], json["test_accuracy"], "{json}");
        assert_eq!(last["samples"], json["samples"], "{json}");
        // Every evaluation measured the training set.
        for h in history {
            let a = h["train_accuracy"].as_f64().expect("measured");
            assert!((0.0..=1.0).contains(&a), "{json}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
