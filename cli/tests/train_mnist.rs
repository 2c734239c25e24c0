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

/// `cmd`, a `dlr` command line, run on real MNIST (`--data` added last);
/// returns its stdout, after failing the test with the command and its
/// stderr when it did not succeed.
#[track_caller]
fn run_on_mnist(cmd: &mut Command) -> String {
    let out = cmd.arg("--data").arg(common::mnist_dir()).output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The JSON object on the last line of `stdout`.
fn last_json_line(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout.lines().last().unwrap()).unwrap()
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

/// `dlr train --optimizer adam-lazy` at H = 100 with its tuned defaults
/// reaches 96 % on the test images, as the other rules do; from the
/// program, so that the name, the defaults and the JSON are the ones users
/// get.
#[test]
fn adam_lazy_h100_reaches_96_percent_from_the_program() {
    let stdout = run_on_mnist(common::dlr_program().args([
        "train",
        "--optimizer",
        "adam-lazy",
        "--max-epochs",
        "3",
        "--json",
    ]));
    let v = last_json_line(&stdout);
    assert_eq!(v["optimizer"], "adam-lazy");
    assert_eq!(v["hidden"], 100);
    assert_eq!(v["reached"], true, "{v}");
    assert!(v["test_accuracy"].as_f64().unwrap() >= 0.96, "{v}");
}

#[test]
fn same_seed_twice_gives_byte_identical_saved_models() {
    let out_dir = std::env::temp_dir().join(format!("dlr-mnist-det-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).unwrap();
    let run = |name: &str, seed: &str| {
        let path = out_dir.join(name);
        run_on_mnist(
            common::dlr_program()
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
                .arg(&path),
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
    let stdout = run_on_mnist(common::dlr_program().args([
        "train",
        "--json",
        "--max-epochs",
        "0.05",
        "--eval-every",
        "3000",
    ]));
    let v = last_json_line(&stdout);
    let mb = v["peak_rss_mb"].as_f64().expect("peak_rss_mb on Linux");
    // Images stay u8: 47 MB + 7.8 MB of pixels, loaded without a second copy.
    assert!(mb > 50.0 && mb < 100.0, "peak RSS {mb} MB");
}

/// SHA-256 of the model `dlr train --optimizer NAME --save` writes with
/// every other option at its default, as the build before the library and
/// the program were split saved them (x86-64 with AVX2 and FMA). FMA on or
/// off changes the last bits of a model, so these hold for the paths that
/// fuse multiply-adds the same way: `--simd avx2` and `--simd avx512`,
/// which give the same bits.
const DEFAULT_MODEL_SHA256: [(&str, &str); 5] = [
    (
        "dlr",
        "385ce6d81946cb5786f8a0d019fff4d2eab5b9b9033001541421e0c526d3d584",
    ),
    (
        "dlr-post",
        "4dbd443f26f9e4975fe797389b41923a7d203bb25e91a0a274e7994b1b7e350d",
    ),
    (
        "sgd",
        "9ae1c580418d27129e177fe107942e23532158d5cb913e3cea1c48daeae73820",
    ),
    (
        "nesterov",
        "0d2331b1e6377f032e7b377fcd31467550467594417d096104f9be6235fa0e38",
    ),
    (
        "adam",
        "ca0005633af1453b96419f7bd7a4b238060c24908e64f07575e9220324c30ecf",
    ),
];

/// The same models on the SSE2 path (multiply and add separate), as this
/// branch's first dispatching build saved them.
const SSE2_MODEL_SHA256: [(&str, &str); 5] = [
    (
        "dlr",
        "ef7f5fa3313069da11d653beaab89301def5aa3a7de53376df8252952df09587",
    ),
    (
        "dlr-post",
        "3e0b0a6c0ad9bbc6295b6d9f0563f2fdcf455bef6081443f86d684b25fc6e6f2",
    ),
    (
        "sgd",
        "704b1b352d1b8dae22b5aedbf54610aebbf88d27ddc92fde9cf2092fb873d049",
    ),
    (
        "nesterov",
        "d8cb2aabcb05be593a5904ff75adaafae376c21c2380512393c9ad49b9711cb4",
    ),
    (
        "adam",
        "33001356ae478d9acc13bc71a6ae1cf5f44df3b56a63d36c6eb5f655ff49362f",
    ),
];

#[test]
fn default_models_are_byte_identical_to_the_pinned_ones() {
    use sha2::{Digest, Sha256};
    let out_dir = std::env::temp_dir().join(format!("dlr-pinned-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).unwrap();
    let mut differ = Vec::new();
    let mut exercised = 0;
    use dlr::simd::SimdPath;
    let pins = [
        (SimdPath::Sse2, SSE2_MODEL_SHA256),
        (SimdPath::Avx2, DEFAULT_MODEL_SHA256),
        (SimdPath::Avx512, DEFAULT_MODEL_SHA256),
    ];
    for (simd, pinned_models) in pins {
        if !simd.is_available() {
            println!("pinned models on {simd}: not exercised (this machine lacks it)");
            continue;
        }
        exercised += 1;
        for (name, pinned) in pinned_models {
            let path = out_dir.join(format!("{name}-{simd}.bin"));
            run_on_mnist(
                common::dlr_program()
                    .args([
                        "train",
                        "--optimizer",
                        name,
                        "--simd",
                        simd.name(),
                        "--save",
                    ])
                    .arg(&path),
            );
            let hash: String = Sha256::digest(std::fs::read(&path).unwrap())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            if hash != pinned {
                differ.push(format!("{name} on {simd}: {hash}"));
            }
        }
        println!("pinned models on {simd}: exercised");
    }
    let _ = std::fs::remove_dir_all(&out_dir);
    assert!(differ.is_empty(), "models changed: {}", differ.join("; "));
    // Every x86-64 has SSE2; elsewhere (NEON, simd128) no model is pinned.
    if cfg!(target_arch = "x86_64") {
        assert!(exercised > 0, "no pinned path ran: nothing was checked");
    }
}
