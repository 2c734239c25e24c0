//! Helpers of the checkpoint, resume and determinism tests: the `dlr`
//! program, small generated IDX sets, one-line error checks.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use dlr::rng::Rng;

pub use super::common::{dlr, idx_u8};

/// A synthetic image set: class `c` lights every pixel `p ≡ c (mod 10)`,
/// plus noise, so small networks learn it (and can still improve).
pub fn synthetic(n: usize, pixels: usize, seed: u64) -> (Vec<u8>, Vec<u8>) {
    let mut rng = Rng::new(seed);
    let mut images = vec![0u8; n * pixels];
    let mut labels = vec![0u8; n];
    for i in 0..n {
        let c = rng.below(10) as usize;
        labels[i] = c as u8;
        for p in 0..pixels {
            let noise = rng.uniform();
            images[i * pixels + p] = if p % 10 == c && noise < 0.6 {
                (100.0 + 155.0 * rng.uniform()) as u8
            } else if noise < 0.15 {
                (255.0 * rng.uniform()) as u8
            } else {
                0
            };
        }
    }
    (images, labels)
}

/// A fresh directory `dlr-<tag>-<pid>` under the temp dir holding an IDX
/// set of `n_train` and `n_test` images of `side × side`.
pub fn data_set(tag: &str, n_train: usize, n_test: usize, side: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dlr-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (prefix, n, seed) in [("train", n_train, 11), ("t10k", n_test, 12)] {
        let (images, labels) = synthetic(n, side * side, seed);
        std::fs::write(
            dir.join(format!("{prefix}-images-idx3-ubyte")),
            idx_u8(&[n, side, side], &images),
        )
        .unwrap();
        std::fs::write(
            dir.join(format!("{prefix}-labels-idx1-ubyte")),
            idx_u8(&[n], &labels),
        )
        .unwrap();
    }
    dir
}

/// `dlr train` on `data` with `args`.
pub fn train(data: &Path, args: &[&str]) -> Output {
    dlr()
        .arg("train")
        .args(args)
        .arg("--data")
        .arg(data)
        .output()
        .unwrap()
}

pub fn stderr_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Asserts exit code `code` and exactly one stderr line containing every
/// string of `needles` (case-insensitive), without a panic message.
#[track_caller]
pub fn assert_one_line(out: &Output, code: i32, needles: &[&str]) -> String {
    let lines = stderr_lines(out);
    assert_eq!(
        out.status.code(),
        Some(code),
        "exit code; stderr: {lines:?}"
    );
    assert_eq!(lines.len(), 1, "expected one line on stderr, got {lines:?}");
    let line = lines[0].clone();
    for needle in needles {
        assert!(
            line.to_lowercase().contains(&needle.to_lowercase()),
            "{line:?} does not say {needle:?}"
        );
    }
    assert!(!line.contains("panicked"), "{line:?}");
    line
}

/// Asserts success and returns stdout's last line parsed as JSON.
#[track_caller]
pub fn json_of(out: &Output) -> serde_json::Value {
    assert_eq!(out.status.code(), Some(0), "{:?}", stderr_lines(out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().expect("a JSON line");
    serde_json::from_str(last).expect("valid JSON")
}
