//! Helpers shared by the integration tests.
#![allow(dead_code)]

use dlr::rng::Rng;

/// `n` values uniform in `[lo, hi)`.
pub fn uniform_vec(rng: &mut Rng, n: usize, lo: f32, hi: f32) -> Vec<f32> {
    (0..n).map(|_| lo + (hi - lo) * rng.uniform()).collect()
}

/// Whether `x` (a kernel's value) passes against `r` (its twin's): NaN
/// exactly where the twin has NaN; where either is infinite, the same value
/// exactly (a finite bound never admits an infinity, nor one infinity the
/// other); otherwise `|x − r| ≤ atol + rtol·|r|`.
///
/// # Panics
/// If `atol` or `rtol` is not finite: such a bound admits every value.
pub fn matches_twin(x: f32, r: f32, atol: f32, rtol: f32) -> bool {
    assert!(
        atol.is_finite() && rtol.is_finite(),
        "tolerance atol {atol:e}, rtol {rtol:e} is not finite"
    );
    if x.is_nan() || r.is_nan() {
        x.is_nan() && r.is_nan()
    } else if x.is_infinite() || r.is_infinite() {
        x == r
    } else {
        (x - r).abs() <= atol + rtol * r.abs()
    }
}

/// [`matches_twin`] with a bound of its own for each element: NaN exactly
/// where the twin has NaN, infinities exactly, else `|x − r| ≤ tol`.
///
/// # Panics
/// If `tol` is not finite.
pub fn within(x: f32, r: f32, tol: f32) -> bool {
    matches_twin(x, r, tol, 0.0)
}

/// The first five elements where `x` fails [`matches_twin`] against
/// `reference`, as `[i] simd x vs twin r`.
pub fn mismatches(x: &[f32], reference: &[f32], atol: f32, rtol: f32) -> Vec<String> {
    x.iter()
        .zip(reference)
        .enumerate()
        .filter(|(_, (&a, &r))| !matches_twin(a, r, atol, rtol))
        .take(5)
        .map(|(i, (a, r))| format!("[{i}] simd {a:e} vs twin {r:e}"))
        .collect()
}

/// Asserts `|x_i − r_i| ≤ atol + rtol·|r_i|` elementwise, for finite data:
/// NaN on either side is a mismatch, and an infinity passes only against
/// the same infinity ([`matches_twin`]). On failure prints the first five
/// mismatches with their indices.
#[track_caller]
pub fn assert_close(what: &str, x: &[f32], reference: &[f32], atol: f32, rtol: f32) {
    assert_eq!(x.len(), reference.len(), "{what}: lengths differ");
    let bad: Vec<String> = x
        .iter()
        .zip(reference)
        .enumerate()
        .filter(|(_, (&a, &r))| a.is_nan() || r.is_nan() || !matches_twin(a, r, atol, rtol))
        .take(5)
        .map(|(i, (a, r))| format!("[{i}] simd {a:e} vs twin {r:e}"))
        .collect();
    assert!(
        bad.is_empty(),
        "{what}: mismatches (len {}): {}",
        x.len(),
        bad.join(", ")
    );
}

/// Forces the SIMD path `DLR_SIMD` names, if it is set, for the whole test
/// process, and checks that it is the path the kernels run: call it first
/// in every test of a file that tools/ci/cross.sh runs once per path. The
/// variable is read once; the check runs at every call, so a test that
/// left another path forced shows in the next one.
///
/// The library reads no environment: the tests do, so that one build runs
/// its tests on each path the machine has.
///
/// # Panics
/// If `DLR_SIMD` names no path or one this machine (or build) lacks, or if
/// the kernels run another path than the one it names.
#[track_caller]
pub fn force_requested_path() {
    static REQUESTED: std::sync::OnceLock<Option<dlr::simd::SimdPath>> = std::sync::OnceLock::new();
    let requested = *REQUESTED.get_or_init(|| {
        let name = std::env::var_os("DLR_SIMD").unwrap_or_default();
        let name = name.to_string_lossy();
        if name.is_empty() {
            return None;
        }
        let path = dlr::simd::parse_path(&name)
            .unwrap_or_else(|e| panic!("DLR_SIMD={name}: {e}; the tests cannot run on it"));
        dlr::simd::force_path(path)
            .unwrap_or_else(|e| panic!("DLR_SIMD={name}: cannot force it: {e}"));
        Some(path)
    });
    if let Some(path) = requested {
        let active = dlr::simd::active_path();
        assert_eq!(
            active, path,
            "DLR_SIMD={path} was forced, but the kernels run {active}"
        );
    }
}

/// A synthetic `u8` image set: each class `c` lights a band of pixels, plus
/// noise, so small networks can learn it. `pixels` per image.
pub fn synthetic_dataset(n: usize, rows: usize, cols: usize, seed: u64) -> dlr::dataset::Dataset {
    let mut rng = Rng::new(seed);
    let pixels = rows * cols;
    let mut images = vec![0u8; n * pixels];
    let mut labels = vec![0u8; n];
    for i in 0..n {
        let c = rng.below(10) as usize;
        labels[i] = c as u8;
        for p in 0..pixels {
            let on = p % 10 == c;
            let noise = rng.uniform();
            images[i * pixels + p] = if on && noise < 0.8 {
                (128.0 + 127.0 * rng.uniform()) as u8
            } else if noise < 0.05 {
                (255.0 * rng.uniform()) as u8
            } else {
                0
            };
        }
    }
    dlr::dataset::Dataset::from_parts(images, labels, rows, cols)
        .expect("synthetic data is well formed")
}

/// The MNIST directory of the tests: `$DLR_DATA`, which must be set.
pub fn mnist_dir() -> std::path::PathBuf {
    match std::env::var_os("DLR_DATA") {
        Some(d) if !d.is_empty() => d.into(),
        _ => panic!(
            "this test needs MNIST: set DLR_DATA to a directory holding the four MNIST files \
             (on the project's machines: DLR_DATA=../shared/data/mnist), or run `dlr fetch` and \
             set DLR_DATA=data/mnist"
        ),
    }
}

/// A `u8` IDX file.
pub fn idx_u8(dims: &[usize], data: &[u8]) -> Vec<u8> {
    dlr::idx::write(dlr::idx::IdxType::U8, dims, data)
}

/// Writes the four MNIST-named files of a small set of 8×8 images (300
/// training, 50 test) into `dir`, which must exist.
pub fn write_tiny_set(dir: &std::path::Path) {
    let train = synthetic_dataset(300, 8, 8, 3);
    let test = synthetic_dataset(50, 8, 8, 4);
    for (prefix, set) in [("train", &train), ("t10k", &test)] {
        let n = set.len();
        std::fs::write(
            dir.join(format!("{prefix}-images-idx3-ubyte")),
            idx_u8(&[n, 8, 8], set.images()),
        )
        .expect("temp dir is writable");
        std::fs::write(
            dir.join(format!("{prefix}-labels-idx1-ubyte")),
            idx_u8(&[n], set.labels()),
        )
        .expect("temp dir is writable");
    }
}
