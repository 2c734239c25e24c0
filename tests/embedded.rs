//! The data and the flow of `examples/embedded.rs`, checked without `std`
//! in the library (`.ci/run` runs this file with `--no-default-features`).
//!
//! The example trains on four tiny IDX files under `examples/data/`, made
//! here: 4×4 images of a line, four classes (0 horizontal, 1 vertical,
//! 2 diagonal `\`, 3 anti-diagonal `/`), on a sparse noisy background. No
//! class is a linear function of the pixels (every row and every column is
//! lit equally often), so the hidden layer has to do the work.
//! `DLR_BLESS=1 cargo test --test embedded` rewrites the files; otherwise
//! the test fails when they differ from what the generator makes.

use std::fs;
use std::path::PathBuf;

use dlr::idx::{self, IdxType};
use dlr::network::Workspace;
use dlr::optim::{Dlr, DlrParams};
use dlr::rng::Rng;
use dlr::{dataset::Dataset, network::Network};

const SIDE: usize = 4;
const CLASSES: u8 = 4;
const TRAIN: usize = 96;
const TEST: usize = 32;

/// The four files: (name, bytes).
fn generate() -> Vec<(&'static str, Vec<u8>)> {
    let (train_images, train_labels) = lines(TRAIN, 1);
    let (test_images, test_labels) = lines(TEST, 2);
    let images = |px: Vec<u8>, n| idx::write(IdxType::U8, &[n, SIDE, SIDE], &px);
    let labels = |l: Vec<u8>, n| idx::write(IdxType::U8, &[n], &l);
    vec![
        ("lines-train-images.idx", images(train_images, TRAIN)),
        ("lines-train-labels.idx", labels(train_labels, TRAIN)),
        ("lines-test-images.idx", images(test_images, TEST)),
        ("lines-test-labels.idx", labels(test_labels, TEST)),
    ]
}

/// `n` images of lines, classes in turn, with their own generator (so the
/// files never depend on the library's random stream).
fn lines(n: usize, seed: u64) -> (Vec<u8>, Vec<u8>) {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move |bound: u64| {
        // xorshift64*
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) % bound
    };
    let mut pixels = Vec::with_capacity(n * SIDE * SIDE);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let class = (i % CLASSES as usize) as u8;
        let at = next(SIDE as u64) as usize;
        for r in 0..SIDE {
            for c in 0..SIDE {
                let on = match class {
                    0 => r == at,
                    1 => c == at,
                    2 => r == c,
                    _ => r + c == SIDE - 1,
                };
                let p = if on {
                    170 + next(86) as u8
                } else if next(4) == 0 {
                    1 + next(80) as u8
                } else {
                    0
                };
                pixels.push(p);
            }
        }
        labels.push(class);
    }
    (pixels, labels)
}

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/data")
}

#[test]
fn tiny_idx_files_are_up_to_date() {
    let bless = std::env::var_os("DLR_BLESS").is_some_and(|v| v == "1");
    let dir = data_dir();
    for (name, bytes) in generate() {
        let path = dir.join(name);
        if bless {
            fs::create_dir_all(&dir).expect("create examples/data");
            fs::write(&path, &bytes).expect("write IDX file");
            continue;
        }
        let on_disk = fs::read(&path).unwrap_or_default();
        assert!(
            on_disk == bytes,
            "{} differs from its generator; run `DLR_BLESS=1 cargo test --test embedded`",
            path.display()
        );
    }
}

/// The example's training loop: online DLR steps over a fresh permutation
/// per epoch until every test image is classified or `max_epochs` pass.
/// Returns (epochs, final test accuracy).
fn train_like_the_example(
    net: &mut Network,
    train_set: &Dataset,
    test_set: &Dataset,
    seed: u64,
    max_epochs: usize,
) -> (usize, f64) {
    let Ok(mut opt) = Dlr::new(net.layers(), DlrParams::default()) else {
        unreachable!("the tuned parameters are valid")
    };
    let mut ws = Workspace::new(net);
    let mut rng = Rng::new(seed);
    let mut order: Vec<u32> = (0..train_set.len() as u32).collect();
    let mut epochs = 0;
    let mut accuracy = 0.0;
    while epochs < max_epochs && accuracy < 1.0 {
        rng.shuffle(&mut order);
        for &i in &order {
            let i = i as usize;
            net.train_step(
                &mut ws,
                &mut opt,
                train_set.image(i),
                train_set.label(i).into(),
            );
        }
        epochs += 1;
        accuracy = net.accuracy(&mut ws, test_set);
    }
    (epochs, accuracy)
}

fn datasets() -> (Dataset, Dataset) {
    let train_set = Dataset::from_idx(
        include_bytes!("../examples/data/lines-train-images.idx"),
        include_bytes!("../examples/data/lines-train-labels.idx"),
    )
    .expect("training files parse");
    let test_set = Dataset::from_idx(
        include_bytes!("../examples/data/lines-test-images.idx"),
        include_bytes!("../examples/data/lines-test-labels.idx"),
    )
    .expect("test files parse");
    (train_set, test_set)
}

/// What the example does, step for step, with the same numbers.
#[test]
fn the_embedded_flow_learns_the_lines() {
    let (train_set, test_set) = datasets();
    assert_eq!((train_set.len(), test_set.len()), (TRAIN, TEST));
    assert_eq!(train_set.shape(), (SIDE, SIDE));

    let mut net = Network::new(&[16, 12, 4], 1);
    let (epochs, accuracy) = train_like_the_example(&mut net, &train_set, &test_set, 1, 60);
    assert_eq!(
        accuracy, 1.0,
        "test accuracy {accuracy} after {epochs} epochs"
    );

    let bytes = net.to_bytes();
    assert_eq!(bytes.len(), 20 + 4 * 3 + 4 * (16 * 12 + 12 * 4));
    let back = Network::from_bytes(&bytes).expect("model reads back");
    assert_eq!(back, net);
    let mut ws = Workspace::new(&back);
    assert_eq!(back.count_correct(&mut ws, &test_set), TEST);
}
