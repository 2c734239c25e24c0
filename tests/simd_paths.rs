//! Every kernel and optimizer on every SIMD path this machine has
//! (`dlr::simd::SimdPath`), in one process: against the scalar twins
//! (odd lengths, lengths that end AVX-512's 16-lane head with every tail,
//! misaligned sub-slices, random data, NaN, ±∞ and extreme values in the
//! element-wise and the layer kernels alike), deterministic on each path,
//! AVX-512 bit for bit AVX2 (NaN's sign and payload aside), models
//! of different paths apart by rounding only, checkpoints resumed on
//! another path.
//!
//! A path this machine lacks is printed as "not exercised" and never
//! counted: run with `--nocapture` to see which ran (tools/ci/cross.sh
//! does). The tests force paths for the whole process, so they take a lock.

mod common;

use std::sync::Mutex;

use common::{mismatches, synthetic_dataset, uniform_vec, within};
use dlr::checkpoint::Checkpoint;
use dlr::kernels::{self, reference};
use dlr::network::Network;
use dlr::optim::{Optimizer, OptimizerKind};
use dlr::rng::Rng;
use dlr::simd::{force_path, lane_total, SimdPath};
use dlr::train::{TrainConfig, Trainer};

const EPS: f32 = f32::EPSILON;

static PATH_LOCK: Mutex<()> = Mutex::new(());

/// Runs `f` on every path this machine has, each forced in turn; prints the
/// others as not exercised. Returns each exercised path with `f`'s result.
fn on_each_path<T>(what: &str, mut f: impl FnMut(SimdPath) -> T) -> Vec<(SimdPath, T)> {
    let _guard = PATH_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let mut done = Vec::new();
    for path in SimdPath::ALL {
        if !path.is_available() {
            println!("{what}: {path}: not exercised (this machine lacks it)");
            continue;
        }
        force_path(path).unwrap();
        done.push((path, f(path)));
        println!("{what}: {path}: exercised");
    }
    force_path(dlr::simd::best_path()).unwrap();
    done
}

/// Lengths: every one to 40, odd ones beyond, the network's, and from
/// `Isa::WIDE_FROM` (512) on, where AVX-512 runs a 16-lane head first:
/// 512 + 0..=15 puts each combination of its 8-lane step, its 4-lane step
/// and the 0–3 elements the twin takes after that head; 1001, 1023 and 2047
/// do the same after longer heads.
fn lengths() -> impl Iterator<Item = usize> {
    (0..=40)
        .chain([47, 63, 64, 65, 100, 300, 784])
        .chain(512..=527)
        .chain([1001, 1023, 2047])
}

/// The lengths from `Isa::WIDE_FROM` on.
fn wide_lengths() -> impl Iterator<Item = usize> {
    lengths().filter(|&n| n >= 512)
}

/// NaN, ±∞, `f32::MAX`, subnormals and −0.
const SPECIALS: [f32; 7] = [
    f32::NAN,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::MAX,
    1e-40,
    -1e-41,
    -0.0,
];

/// Writes `specials` into `v` where every part of a kernel meets them:
/// seven places spread over the head, and each of the last 15 elements
/// (the 8-lane step, the 4-lane step and the scalar tail after any head),
/// the cycle turned by `turn` so that each special lands in each part at
/// some length.
fn put_specials(v: &mut [f32], specials: &[f32], turn: usize) {
    let n = v.len();
    if n == 0 {
        return;
    }
    for (k, &s) in specials.iter().enumerate() {
        v[(k * 5 + 3) % n] = s;
    }
    for i in 0..n.min(15) {
        v[n - 1 - i] = specials[(i + turn) % specials.len()];
    }
}

/// `n` values from `[-1, 1)`, copied to offset `offset` of a buffer so
/// that the slice starts misaligned; with `special`, carrying [`SPECIALS`]
/// ([`put_specials`]).
fn input(rng: &mut Rng, n: usize, offset: usize, special: bool) -> (Vec<f32>, usize) {
    let mut buf = vec![0.0; offset];
    buf.extend(uniform_vec(rng, n, -1.0, 1.0));
    if special {
        put_specials(&mut buf[offset..], &SPECIALS, n);
    }
    (buf, offset)
}

/// On the scalar path, whose kernels must give their twins' bits (the
/// arithmetic of a device without a vector unit), `x` and `r` the same bits
/// (NaN for NaN).
#[track_caller]
fn check_scalar_bits(what: &str, x: &[f32], r: &[f32]) {
    if dlr::simd::active_path() != SimdPath::Scalar {
        return;
    }
    let bad: Vec<String> = x
        .iter()
        .zip(r)
        .enumerate()
        .filter(|(_, (a, b))| a.to_bits() != b.to_bits() && !(a.is_nan() && b.is_nan()))
        .take(5)
        .map(|(i, (a, b))| format!("[{i}] {a:e} vs twin {b:e}"))
        .collect();
    assert!(
        bad.is_empty(),
        "{what}: the scalar path differs from its twin; first five: {}",
        bad.join(", ")
    );
}

/// `|x − r| ≤ atol + rtol·|r|`, NaN exactly where the twin has NaN, the
/// same infinities exactly ([`common::matches_twin`]), and the twin's bits
/// on the scalar path ([`check_scalar_bits`]); collects the bits of `x`
/// into `bits`.
#[track_caller]
fn check(what: &str, x: &[f32], r: &[f32], atol: f32, rtol: f32, bits: &mut Vec<u32>) {
    assert_eq!(x.len(), r.len(), "{what}: lengths");
    check_scalar_bits(what, x, r);
    let bad = mismatches(x, r, atol, rtol);
    assert!(
        bad.is_empty(),
        "{what}: outside |x − twin| ≤ {atol:e} + {rtol:e}·|twin| (NaN where the twin has \
         NaN, the same infinities); first five: {}",
        bad.join(", ")
    );
    push_bits(bits, x);
}

/// [`check`] with a bound of its own for each element: `|x_i − r_i| ≤ tol_i`.
#[track_caller]
fn check_each(what: &str, x: &[f32], r: &[f32], tol: &[f32], bits: &mut Vec<u32>) {
    assert!(
        x.len() == r.len() && x.len() == tol.len(),
        "{what}: lengths"
    );
    check_scalar_bits(what, x, r);
    let bad: Vec<String> = x
        .iter()
        .zip(r)
        .zip(tol)
        .enumerate()
        .filter(|(_, ((&a, &b), &t))| !within(a, b, t))
        .take(5)
        .map(|(i, ((a, b), t))| format!("[{i}] {a:e} vs twin {b:e} (bound {t:e})"))
        .collect();
    assert!(
        bad.is_empty(),
        "{what}: outside |x − twin| ≤ bound (NaN where the twin has NaN, the same \
         infinities); first five: {}",
        bad.join(", ")
    );
    push_bits(bits, x);
}

/// Appends the bits of `x` to `bits`, every NaN as the one quiet NaN: the
/// sign and payload of a NaN are no result (IEEE 754 leaves them open, and
/// the paths' instructions pick different ones).
fn push_bits(bits: &mut Vec<u32>, x: &[f32]) {
    bits.extend(x.iter().map(|v| {
        if v.is_nan() {
            f32::NAN.to_bits()
        } else {
            v.to_bits()
        }
    }));
}

/// A kernel that flushes subnormal results to zero left none.
#[track_caller]
fn check_flushed(what: &str, x: &[f32]) {
    let bad: Vec<String> = x
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_subnormal())
        .take(5)
        .map(|(i, v)| format!("[{i}] {v:e}"))
        .collect();
    assert!(bad.is_empty(), "{what}: subnormal left: {}", bad.join(", "));
}

/// `k ε Σ|terms|` in `f64` over the finite terms (a bound on a sum in
/// another order or with other roundings), as a finite `f32`: an infinite
/// or NaN term makes the result infinite or NaN, compared exactly.
fn sum_bound(k: f64, terms: impl Iterator<Item = f32>) -> f32 {
    let s: f64 = terms
        .filter(|t| t.is_finite())
        .map(|t| f64::from(t).abs())
        .sum();
    (k * f64::from(EPS) * s).min(f64::from(f32::MAX)) as f32
}

/// Every kernel against its twin on the active path; the bits of every
/// output, for the determinism and cross-path checks. Each length runs at
/// every offset 0..8; odd offsets carry [`SPECIALS`].
fn kernel_battery(path: SimdPath) -> Vec<u32> {
    let mut rng = Rng::new(7);
    let mut bits = Vec::new();
    for n in lengths() {
        for offset in 0..8 {
            let special = offset % 2 == 1;
            let tag = format!("{path} n={n} offset={offset} special={special}");
            let (xb, o) = input(&mut rng, n, offset, special);
            let x = &xb[o..];
            let (yb, _) = input(&mut rng, n, offset, false);
            let y0 = &yb[o..];

            // axpy and SGD's row: one rounding (fused) against two.
            let a = 0.37;
            let (mut y, mut y_ref) = (yb.clone(), yb.clone());
            kernels::axpy(&mut y[o..], a, x);
            reference::axpy(&mut y_ref[o..], a, x);
            check(
                &format!("axpy {tag}"),
                &y,
                &y_ref,
                4.0 * EPS,
                4.0 * EPS,
                &mut bits,
            );
            let (mut w, mut w_ref) = (yb.clone(), yb.clone());
            kernels::sgd_row(&mut w[o..], 0.21, x);
            reference::sgd_row(&mut w_ref[o..], 0.21, x);
            check(
                &format!("sgd_row {tag}"),
                &w,
                &w_ref,
                4.0 * EPS,
                4.0 * EPS,
                &mut bits,
            );

            // dot: another summation order, bound (n + 1)·ε·Σ|x y|.
            let bound = sum_bound(n as f64 + 1.0, x.iter().zip(y0).map(|(p, q)| p * q)) + 1e-7;
            let (d, d_ref) = (kernels::dot(x, y0), reference::dot(x, y0));
            check(&format!("dot {tag}"), &[d], &[d_ref], bound, 0.0, &mut bits);
            let bound = sum_bound(n as f64 + 1.0, x.iter().map(|p| p * p)) + 1e-7;
            let (s, s_ref) = (kernels::sum_squares(x), reference::sum_squares(x));
            check(
                &format!("sum_squares {tag}"),
                &[s],
                &[s_ref],
                bound,
                0.0,
                &mut bits,
            );
            if special {
                dot_specials(&tag, y0, &mut bits);
            }

            // sigmoid of z ∈ 20·[-1, 1) (and the specials).
            let mut z: Vec<f32> = xb.iter().map(|v| 20.0 * v).collect();
            let mut z_ref = z.clone();
            kernels::sigmoid(&mut z[o..]);
            reference::sigmoid(&mut z_ref[o..]);
            check(
                &format!("sigmoid {tag}"),
                &z,
                &z_ref,
                1e-7,
                8.0 * EPS,
                &mut bits,
            );

            // Output delta of outputs in [0, 1]; with the specials, also
            // NaN, ±∞, MAX, an output whose delta is subnormal (1e-20),
            // −0 and 1, then the same without NaN (an infinite loss).
            let mut yv: Vec<f32> = y0.iter().map(|v| 0.5 + 0.5 * v).collect();
            let mut outputs = vec![yv.clone()];
            if special {
                let extremes = [
                    f32::NAN,
                    f32::INFINITY,
                    f32::NEG_INFINITY,
                    f32::MAX,
                    1e-20,
                    -0.0,
                    1.0,
                ];
                put_specials(&mut yv, &extremes, n);
                outputs = vec![yv.clone()];
                put_specials(&mut yv, &extremes[1..], n);
                outputs.push(yv);
            }
            for yv in &outputs {
                let label = n / 3;
                let (mut d, mut d_ref) = (vec![f32::NAN; n], vec![f32::NAN; n]);
                let loss = kernels::output_delta(yv, label, 0, &mut d);
                let loss_ref = reference::output_delta(yv, label, 0, &mut d_ref);
                check(
                    &format!("output_delta {tag}"),
                    &d,
                    &d_ref,
                    1e-7,
                    4.0 * EPS,
                    &mut bits,
                );
                check_flushed(&format!("output_delta {tag}"), &d);
                check(
                    &format!("loss {tag}"),
                    &[loss],
                    &[loss_ref],
                    1e-7,
                    (n as f32 + 1.0) * EPS,
                    &mut bits,
                );
            }

            // Nesterov and Adam rows (velocity and moments from [-1, 1)).
            let (vb, _) = input(&mut rng, n, offset, false);
            let (mut w, mut v) = (yb.clone(), vb.clone());
            let (mut w_ref, mut v_ref) = (yb.clone(), vb.clone());
            kernels::nesterov_row(&mut w[o..], &mut v[o..], 0.8, x, 0.1, 0.9);
            reference::nesterov_row(&mut w_ref[o..], &mut v_ref[o..], 0.8, x, 0.1, 0.9);
            check(
                &format!("nesterov v {tag}"),
                &v,
                &v_ref,
                4.0 * EPS,
                4.0 * EPS,
                &mut bits,
            );
            check_flushed(&format!("nesterov v {tag}"), &v);
            check(
                &format!("nesterov w {tag}"),
                &w,
                &w_ref,
                8.0 * EPS,
                4.0 * EPS,
                &mut bits,
            );
            // Adam's rows with √v scaled (early steps) and not (lazy Adam,
            // and dense Adam once 1 − β₂ᵗ rounds to 1): two loops.
            for sqrt_v_factor in [1.2f32, 1.0] {
                let sq: Vec<f32> = vb.iter().map(|s| s * s).collect();
                let (mut w, mut m, mut v) = (yb.clone(), vb.clone(), sq.clone());
                let (mut w_ref, mut m_ref, mut v_ref) = (yb.clone(), vb.clone(), sq);
                let adam = (0.9, 0.999, 0.01, sqrt_v_factor, 1e-8);
                kernels::adam_row(
                    &mut w[o..],
                    &mut m[o..],
                    &mut v[o..],
                    0.7,
                    x,
                    adam.0,
                    adam.1,
                    adam.2,
                    adam.3,
                    adam.4,
                );
                reference::adam_row(
                    &mut w_ref[o..],
                    &mut m_ref[o..],
                    &mut v_ref[o..],
                    0.7,
                    x,
                    adam.0,
                    adam.1,
                    adam.2,
                    adam.3,
                    adam.4,
                );
                check(
                    &format!("adam m ×{sqrt_v_factor} {tag}"),
                    &m,
                    &m_ref,
                    4.0 * EPS,
                    4.0 * EPS,
                    &mut bits,
                );
                check(
                    &format!("adam v ×{sqrt_v_factor} {tag}"),
                    &v,
                    &v_ref,
                    4.0 * EPS,
                    4.0 * EPS,
                    &mut bits,
                );
                check_flushed(&format!("adam m ×{sqrt_v_factor} {tag}"), &m);
                check_flushed(&format!("adam v ×{sqrt_v_factor} {tag}"), &v);
                check(
                    &format!("adam w ×{sqrt_v_factor} {tag}"),
                    &w,
                    &w_ref,
                    1e-6,
                    16.0 * EPS,
                    &mut bits,
                );

                // Dense Adam's rows of input 0: the moments decay.
                let (mut w, mut w_ref) = (yb.clone(), yb.clone());
                let (mut m, mut m_ref) = (vb.clone(), vb.clone());
                let sq: Vec<f32> = vb.iter().map(|s| s * s).collect();
                let (mut v, mut v_ref) = (sq.clone(), sq);
                let (b1, b2, lr, _, eps) = adam;
                kernels::adam_decay_row(
                    &mut w[o..],
                    &mut m[o..],
                    &mut v[o..],
                    b1,
                    b2,
                    lr,
                    sqrt_v_factor,
                    eps,
                );
                reference::adam_decay_row(
                    &mut w_ref[o..],
                    &mut m_ref[o..],
                    &mut v_ref[o..],
                    b1,
                    b2,
                    lr,
                    sqrt_v_factor,
                    eps,
                );
                for (what, got, twin) in [("m", &m, &m_ref), ("v", &v, &v_ref), ("w", &w, &w_ref)] {
                    check(
                        &format!("adam decay {what} ×{sqrt_v_factor} {tag}"),
                        got,
                        twin,
                        0.0,
                        0.0,
                        &mut bits,
                    );
                }
                check_flushed(&format!("adam decay m {tag}"), &m);
                check_flushed(&format!("adam decay v {tag}"), &v);
            }

            // DLR Eq. 1 row: weights, and the new Σw² from its lanes (and
            // from `dlr_row`, their total).
            let (mut w, mut w_ref) = (yb.clone(), yb.clone());
            let lanes = kernels::dlr_row_lanes(&mut w[o..], 0.05, 0.3, x);
            let s_ref = reference::dlr_row(&mut w_ref[o..], 0.05, 0.3, x);
            check(
                &format!("dlr_row w {tag}"),
                &w,
                &w_ref,
                4.0 * EPS,
                8.0 * EPS,
                &mut bits,
            );
            let total = lane_total(&lanes);
            check(
                &format!("dlr_row Σw² {tag}"),
                &[total],
                &[s_ref],
                1e-7,
                (2.0 * n as f32 + 2.0) * EPS,
                &mut bits,
            );
            let mut w_total = yb.clone();
            let s = kernels::dlr_row(&mut w_total[o..], 0.05, 0.3, x);
            let same = |p: &[f32], q: &[f32]| {
                p.iter()
                    .zip(q)
                    .all(|(a, b)| a.to_bits() == b.to_bits() || a.is_nan() && b.is_nan())
            };
            assert!(
                same(&[s], &[total]) && same(&w_total, &w),
                "dlr_row {tag}: not dlr_row_lanes and its lane total"
            );

            // DLR Eq. 3 row.
            let (cb, _) = input(&mut rng, n, offset, false);
            let (mut w, mut c) = (yb.clone(), cb.clone());
            let (mut w_ref, mut c_ref) = (yb.clone(), cb);
            kernels::dlr_post_row(&mut w[o..], 0.6, 0.3, x, &mut c[o..]);
            reference::dlr_post_row(&mut w_ref[o..], 0.6, 0.3, x, &mut c_ref[o..]);
            check(
                &format!("dlr_post w {tag}"),
                &w,
                &w_ref,
                4.0 * EPS,
                8.0 * EPS,
                &mut bits,
            );
            check(
                &format!("dlr_post Σ {tag}"),
                &c,
                &c_ref,
                1e-6,
                16.0 * EPS,
                &mut bits,
            );
        }
    }
    layer_battery(path, &mut rng, &mut bits);
    forward_group_battery(path, &mut rng, &mut bits);
    bits
}

/// `dot` with one special value (NaN, ±∞, `f32::MAX`) at the first
/// element or at each of the last 15 (the 4-lane step and the scalar tail),
/// the other factor positive there: the sum is that NaN or infinity, or
/// finite, as the twin's.
fn dot_specials(tag: &str, y0: &[f32], bits: &mut Vec<u32>) {
    let n = y0.len();
    if n == 0 {
        return;
    }
    let x0: Vec<f32> = y0.iter().rev().copied().collect();
    let places = std::iter::once(0).chain(n.saturating_sub(15)..n);
    for p in places {
        for s in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, f32::MAX] {
            let (mut x, mut y) = (x0.clone(), y0.to_vec());
            x[p] = s;
            y[p] = 0.5;
            let bound = sum_bound(n as f64 + 1.0, x.iter().zip(&y).map(|(a, b)| a * b)) + 1e-7;
            let (d, d_ref) = (kernels::dot(&x, &y), reference::dot(&x, &y));
            check(
                &format!("dot {tag} x[{p}] = {s:e}"),
                &[d],
                &[d_ref],
                bound,
                0.0,
                bits,
            );
        }
    }
}

/// The layer kernels (forward pass, hidden delta, row lists, DLR steps):
/// layers of 13 inputs and every width in `lengths()`, and of every input
/// count from 512 on and 10 outputs (the hidden delta's flush and the row
/// lists past AVX-512's 16-lane head); each aligned, misaligned, and
/// misaligned with NaN, ±∞ and extremes.
fn layer_battery(path: SimdPath, rng: &mut Rng, bits: &mut Vec<u32>) {
    let shapes = lengths()
        .filter(|&n| n > 0)
        .map(|n| (13, n))
        .chain(wide_lengths().map(|n| (n, 10)));
    for (n_in, n_out) in shapes {
        let misaligned = 1 + (n_in + n_out) % 7;
        for (offset, special) in [(0, false), (misaligned, false), (misaligned, true)] {
            layer_case(path, n_in, n_out, offset, special, rng, bits);
        }
    }
}

/// `v` at offset `offset` of a zero-filled buffer.
fn at_offset(v: &[f32], offset: usize) -> Vec<f32> {
    let mut buf = vec![0.0; offset];
    buf.extend_from_slice(v);
    buf
}

/// `adam_lazy_rows(w, m, v, rows, a, δ, β₁, β₂, step, ε)`, the kernel's and
/// its twin's signature.
type AdamLazyRows =
    fn(&mut [f32], &mut [f32], &mut [f32], Option<&[u32]>, &[f32], &[f32], f32, f32, f32, f32);

/// [`layer_battery`] on one layer. With `special`: rows 0, `n_in / 2` and
/// `n_in − 1` of the weights carry [`SPECIALS`] at their head and their last
/// 15 columns; the forward input is `f32::MAX`, 0 (against the infinite
/// weights: NaN), a subnormal and −0 on listed rows and NaN on an unlisted
/// one (which no kernel may read); the hidden outputs carry NaN, ±∞, MAX,
/// 2·10⁻³⁸ (a subnormal delta, flushed) and a subnormal; the deltas of the
/// updates carry [`SPECIALS`], those of the hidden delta a subnormal and
/// −0; the update inputs `a` NaN, ±∞, MAX and a subnormal.
#[allow(clippy::too_many_arguments)]
fn layer_case(
    path: SimdPath,
    n_in: usize,
    n_out: usize,
    o: usize,
    special: bool,
    rng: &mut Rng,
    bits: &mut Vec<u32>,
) {
    let tag = format!("{path} {n_in}×{n_out} offset={o} special={special}");
    let mut w0 = uniform_vec(rng, n_in * n_out, -1.0, 1.0);
    let mut x = uniform_vec(rng, n_in, 0.0, 1.0);
    let mut h = uniform_vec(rng, n_in, 0.0, 1.0);
    let mut d_back = uniform_vec(rng, n_out, -0.25, 0.25);
    let mut d = d_back.clone();
    // Rows 1, 6, 11, … are not listed; a fifth of the inputs are zero.
    let rows: Vec<u32> = (0..n_in as u32).filter(|j| j % 5 != 1).collect();
    let mut a: Vec<f32> = (0..n_in)
        .map(|j| if j % 4 == 1 { 0.0 } else { x[j] })
        .collect();
    if special {
        for (k, j) in [0, n_in / 2, n_in - 1].into_iter().enumerate() {
            put_specials(
                &mut w0[j * n_out..(j + 1) * n_out],
                &SPECIALS,
                n_out + 2 * k,
            );
        }
        let n = n_in;
        for (j, v) in [(n - 1, 0.0), (n / 2, f32::MAX), (2, 1e-40), (n / 3, -0.0)] {
            if j % 5 != 1 {
                x[j] = v;
            }
        }
        x[1] = f32::NAN;
        put_specials(
            &mut h,
            &[
                f32::NAN,
                f32::INFINITY,
                f32::NEG_INFINITY,
                f32::MAX,
                2e-38,
                1e-40,
            ],
            n_in,
        );
        put_specials(&mut d, &SPECIALS, n_out);
        d_back[0] = 1e-40;
        d_back[n_out - 1] = -0.0;
        for (j, v) in [
            (0, f32::NAN),
            (2, f32::INFINITY),
            (n / 2, f32::NEG_INFINITY),
        ] {
            a[j] = v;
        }
        a[n - 1] = f32::MAX;
        a[n / 3] = 1e-40;
    }
    let wb = at_offset(&w0, o);
    let w0 = &wb[o..];

    // Forward pass: z_i ← Σ_{j ∈ rows} x_j w_ji, in the twin's order with
    // other roundings: |z − twin| ≤ 2 (rows + 1) ε Σ|x_j w_ji|.
    let (mut z, mut z_ref) = (vec![f32::NAN; n_out + o], vec![f32::NAN; n_out + o]);
    kernels::forward_rows(&mut z[o..], w0, &x, &rows);
    reference::forward_rows(&mut z_ref[o..], w0, &x, &rows);
    let k = 2.0 * (rows.len() as f64 + 1.0);
    let tol: Vec<f32> = (0..n_out)
        .map(|i| {
            let terms = rows
                .iter()
                .map(|&j| x[j as usize] * w0[j as usize * n_out + i]);
            sum_bound(k, terms) + 1e-30
        })
        .collect();
    check_each(
        &format!("forward_rows {tag}"),
        &z[o..],
        &z_ref[o..],
        &tol,
        bits,
    );
    // The same sum from an image's lit pixels: the bits of forward_rows
    // on the pixels scaled to [0, 1].
    let pixels: Vec<u8> = rows.iter().map(|&j| (j * 19 + 1) as u8).collect();
    let mut dense_x = vec![0.0; n_in];
    for (&j, &p) in rows.iter().zip(&pixels) {
        dense_x[j as usize] = reference::pixel_value(p);
    }
    let (mut lit, mut lit_ref) = (vec![f32::NAN; n_out], vec![f32::NAN; n_out]);
    kernels::forward_lit(&mut lit, w0, &rows, &pixels);
    reference::forward_lit(&mut lit_ref, w0, &rows, &pixels);
    let mut z = vec![f32::NAN; n_out];
    kernels::forward_rows(&mut z, w0, &dense_x, &rows);
    let tol: Vec<f32> = (0..n_out)
        .map(|i| {
            let terms = rows
                .iter()
                .map(|&j| dense_x[j as usize] * w0[j as usize * n_out + i]);
            sum_bound(k, terms) + 1e-30
        })
        .collect();
    check_each(&format!("forward_lit {tag}"), &lit, &lit_ref, &tol, bits);
    assert!(
        lit.iter().zip(&z).all(|(a, b)| a.to_bits() == b.to_bits()),
        "forward_lit {tag}: not forward_rows' bits"
    );

    // Hidden delta e_i ← h_i (1 − h_i) Σ_k w_ik d_k: another summation
    // order, |e − twin| ≤ (n_out + 2) ε |h_i (1 − h_i)| Σ_k |w_ik d_k|.
    let (mut e, mut e_ref) = (vec![f32::NAN; n_in], vec![f32::NAN; n_in]);
    kernels::hidden_delta(&h, w0, &d_back, &mut e);
    reference::hidden_delta(&h, w0, &d_back, &mut e_ref);
    let tol: Vec<f32> = (0..n_in)
        .map(|i| {
            let g = (h[i] * (1.0 - h[i])).abs();
            let terms = (0..n_out).map(|k| g * w0[i * n_out + k] * d_back[k]);
            sum_bound(n_out as f64 + 2.0, terms) + 1e-30
        })
        .collect();
    check_each(&format!("hidden_delta {tag}"), &e, &e_ref, &tol, bits);
    check_flushed(&format!("hidden_delta {tag}"), &e);

    // SGD on the listed rows and on every row.
    for list in [Some(&rows[..]), None] {
        let (mut w, mut w_ref) = (wb.clone(), wb.clone());
        kernels::sgd_rows(&mut w[o..], list, &a, 0.1, &d);
        reference::sgd_rows(&mut w_ref[o..], list, &a, 0.1, &d);
        check(
            &format!("sgd_rows {tag} listed={}", list.is_some()),
            &w,
            &w_ref,
            4.0 * EPS,
            4.0 * EPS,
            bits,
        );
    }

    // Lazy Adam on the listed rows and on every row: the moments from
    // [-1, 1) (m) and their squares (v), so the specials of `w0` and `d`
    // reach them.
    let mb = at_offset(&uniform_vec(rng, n_in * n_out, -1.0, 1.0), o);
    let vb: Vec<f32> = mb.iter().map(|x| x * x).collect();
    for list in [Some(&rows[..]), None] {
        // The kernel and its twin take the same arguments: each steps its
        // own copy of (w, m, v).
        let step = |adam_lazy_rows: AdamLazyRows| {
            let (mut w, mut m, mut v) = (wb.clone(), mb.clone(), vb.clone());
            let (w_o, m_o, v_o) = (&mut w[o..], &mut m[o..], &mut v[o..]);
            adam_lazy_rows(w_o, m_o, v_o, list, &a, &d, 0.9, 0.999, 0.03, 1e-8);
            (w, m, v)
        };
        let (w, m, v) = step(kernels::adam_lazy_rows);
        let (w_ref, m_ref, v_ref) = step(reference::adam_lazy_rows);
        let what = format!("adam_lazy_rows {tag} listed={}", list.is_some());
        check(&format!("{what} m"), &m, &m_ref, 4.0 * EPS, 4.0 * EPS, bits);
        check(&format!("{what} v"), &v, &v_ref, 4.0 * EPS, 4.0 * EPS, bits);
        check(&format!("{what} w"), &w, &w_ref, 8.0 * EPS, 4.0 * EPS, bits);
        check_flushed(&format!("{what} m"), &m);
        check_flushed(&format!("{what} v"), &v);
    }

    // DLR Eq. 1: the steps of the listed rows and of every row, then the
    // rows' update with its lane sums.
    let every: Vec<u32> = (0..n_in as u32).collect();
    let mut lanes0 = vec![0.0; n_in * 8];
    for (j, l) in lanes0.chunks_exact_mut(8).enumerate() {
        // The row's Σw² spread over the lanes (NaN and ∞ in some).
        let row = &w0[j * n_out..(j + 1) * n_out];
        for (i, &wi) in row.iter().enumerate() {
            l[i % 8] += wi * wi;
        }
    }
    for list in [&rows, &every] {
        let tag = format!("{tag} rows={}", list.len());
        let (mut w, mut w_ref) = (wb.clone(), wb.clone());
        let (mut lanes, mut lanes_ref) = (lanes0.clone(), lanes0.clone());
        let (mut step, mut step_ref) = (vec![0.0; list.len()], vec![0.0; list.len()]);
        kernels::dlr_steps(list, &a, &lanes, 0.5, 0.3, &mut step);
        reference::dlr_steps(list, &a, &lanes, 0.5, 0.3, &mut step_ref);
        check(
            &format!("dlr_steps {tag}"),
            &step,
            &step_ref,
            0.0,
            0.0,
            bits,
        );
        if list.len() == n_in {
            let mut step_all = vec![0.0; n_in];
            kernels::dlr_steps_every_row(&a, &lanes, 0.5, 0.3, &mut step_all);
            check(
                &format!("dlr_steps_every_row {tag}"),
                &step_all,
                &step_ref,
                0.0,
                0.0,
                bits,
            );
        }
        kernels::dlr_rows_lanes(&mut w[o..], list, &step, 0.3, &d, &mut lanes);
        reference::dlr_rows_lanes(&mut w_ref[o..], list, &step_ref, 0.3, &d, &mut lanes_ref);
        check(
            &format!("dlr_rows_lanes w {tag}"),
            &w,
            &w_ref,
            4.0 * EPS,
            8.0 * EPS,
            bits,
        );
        let totals = |l: &[f32]| -> Vec<f32> {
            l.chunks_exact(8)
                .map(|c| lane_total(c.try_into().unwrap()))
                .collect()
        };
        check(
            &format!("dlr_rows_lanes Σw² {tag}"),
            &totals(&lanes),
            &totals(&lanes_ref),
            1e-7,
            (2.0 * n_out as f32 + 2.0) * EPS,
            bits,
        );
    }
}

/// `forward_group` (layers of 8 to 23 outputs) against its twin and, bit
/// for bit, `forward_rows`; misaligned weights, and NaN, ±∞ and MAX in
/// some weights and inputs.
fn forward_group_battery(path: SimdPath, rng: &mut Rng, bits: &mut Vec<u32>) {
    use kernels::GROUP;
    let n_in = 37;
    let every: Vec<u32> = (0..n_in as u32).collect();
    for n_out in 8..24 {
        for (o, special) in [(0, false), (1 + n_out % 7, true)] {
            let tag = format!("{path} {n_in}×{n_out} offset={o} special={special}");
            let mut w = uniform_vec(rng, n_in * n_out, -1.0, 1.0);
            let mut a = uniform_vec(rng, GROUP * n_in, 0.0, 1.0);
            if special {
                put_specials(&mut w[5 * n_out..6 * n_out], &SPECIALS, n_out);
                put_specials(&mut w[(n_in - 1) * n_out..], &SPECIALS[1..], n_out);
                a[n_in + 5] = 0.0;
                a[2 * n_in + 3] = f32::INFINITY;
                a[3 * n_in + 7] = f32::MAX;
            }
            let wb = at_offset(&w, o);
            let w = &wb[o..];
            let (mut z, mut z_ref) = (vec![f32::NAN; GROUP * n_out], vec![f32::NAN; GROUP * n_out]);
            kernels::forward_group(&mut z, w, &a);
            reference::forward_group(&mut z_ref, w, &a);
            let tol: Vec<f32> = (0..GROUP * n_out)
                .map(|gi| {
                    let (g, i) = (gi / n_out, gi % n_out);
                    let terms = (0..n_in).map(|j| a[g * n_in + j] * w[j * n_out + i]);
                    sum_bound(2.0 * (n_in as f64 + 1.0), terms) + 1e-30
                })
                .collect();
            check_each(&format!("forward_group {tag}"), &z, &z_ref, &tol, bits);
            for g in 0..GROUP {
                let mut z_rows = vec![f32::NAN; n_out];
                kernels::forward_rows(&mut z_rows, w, &a[g * n_in..(g + 1) * n_in], &every);
                assert!(
                    z[g * n_out..(g + 1) * n_out]
                        .iter()
                        .zip(&z_rows)
                        .all(|(x, y)| x.to_bits() == y.to_bits()),
                    "forward_group {tag}, input {g}: not forward_rows' bits"
                );
            }
        }
    }
}

#[test]
fn every_kernel_matches_its_twin_on_every_path_deterministically() {
    let runs = on_each_path("kernels", |path| {
        let first = kernel_battery(path);
        assert_eq!(first, kernel_battery(path), "{path}: two runs differ");
        first
    });
    // AVX-512 gives AVX2's bits (the `simd` module's promise).
    let bits_of = |p: SimdPath| runs.iter().find(|(q, _)| *q == p).map(|(_, b)| b);
    if let (Some(avx2), Some(avx512)) = (bits_of(SimdPath::Avx2), bits_of(SimdPath::Avx512)) {
        assert!(avx2 == avx512, "avx512 and avx2 kernels differ");
    }
}

/// A short online run: 784-like sparse inputs (36 pixels), the real
/// optimizer loop.
fn train_on_active_path(kind: OptimizerKind, samples: u64) -> (Network, Checkpoint) {
    train_sizes_on_active_path(&[36, 20, 10], kind, samples)
}

/// [`train_on_active_path`] with the layer sizes `sizes`.
fn train_sizes_on_active_path(
    sizes: &[usize],
    kind: OptimizerKind,
    samples: u64,
) -> (Network, Checkpoint) {
    let train_set = synthetic_dataset(300, 6, 6, 1);
    let test_set = synthetic_dataset(60, 6, 6, 2);
    let net = Network::new(sizes, 9);
    let opt = Optimizer::tuned(net.layers(), kind);
    let mut trainer = Trainer::new(net, opt, &train_set, &test_set, &train_config());
    trainer.run_until(samples, |_| {});
    let ck = trainer.checkpoint().expect("finite");
    let (net, _, _) = trainer.into_parts();
    (net, ck)
}

/// Online steps, evaluation out of the way, a target out of reach.
fn train_config() -> TrainConfig {
    TrainConfig {
        target: 2.0,
        max_epochs: 10.0,
        eval_every: 1000,
        batch: 1,
        seed: 5,
        eval_threads: 1,
    }
}

fn weights(net: &Network) -> Vec<f32> {
    net.layers()
        .iter()
        .flat_map(|l| l.w.iter().copied())
        .collect()
}

/// Trains every optimizer `samples` steps on a `sizes` network on every
/// path, twice (the two runs must agree), and checks each path's model
/// against the scalar twins' within `bound · max |w|`, and AVX2's against
/// AVX-512's bit for bit.
fn check_paths_against_scalar(sizes: &[usize], samples: u64, bound: f32) {
    for kind in OptimizerKind::ALL {
        let runs = on_each_path(&format!("train {kind}, {sizes:?}"), |_| {
            let (net, _) = train_sizes_on_active_path(sizes, kind, samples);
            let (again, _) = train_sizes_on_active_path(sizes, kind, samples);
            assert_eq!(net, again, "{kind}: not deterministic");
            weights(&net)
        });
        let scalar = &runs
            .iter()
            .find(|(p, _)| *p == SimdPath::Scalar)
            .expect("scalar always runs")
            .1;
        let max_w = scalar.iter().fold(0.0f32, |m, w| m.max(w.abs()));
        for (path, w) in &runs {
            let worst = w
                .iter()
                .zip(scalar)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            println!("{kind} {path} {sizes:?}: max |w − w_scalar| = {worst:e} (max |w| {max_w})");
            assert!(worst <= bound * max_w, "{kind} {path} {sizes:?}: {worst:e}");
        }
        let w_of = |p: SimdPath| runs.iter().find(|(q, _)| *q == p).map(|(_, w)| w);
        if let (Some(a), Some(b)) = (w_of(SimdPath::Avx2), w_of(SimdPath::Avx512)) {
            assert!(a == b, "{kind} {sizes:?}: avx512 model differs from avx2's");
        }
    }
}

/// The bound between paths, measured rather than derived: after 600
/// online steps of every optimizer on the synthetic set, every weight of a
/// path's model is within `1e-5 · max |w|` of the scalar twins' model.
/// (Each step rounds each weight's update differently, by a few ε
/// relative; the steps compound, so the bound is stated for this run.)
/// The AVX2 and AVX-512 models are bit for bit equal.
#[test]
fn models_on_different_paths_differ_only_by_rounding() {
    check_paths_against_scalar(&[36, 20, 10], 600, 1e-5);
}

/// The bound between paths with a hidden layer of 520 units, relative to
/// the largest weight, measured rather than derived like the one above:
/// each output sums 520 terms, SSE2 rounds each product before adding it,
/// and SGD's and Nesterov's large steps carry those differences further
/// than Adam's and DLR's (the test prints each path's worst difference;
/// docs/architecture.md has the figures).
const WIDE_BOUND: f32 = 1e-3;

/// A hidden layer of 520 units: on the AVX-512 path the network passes and
/// the optimizers' updates run their 16-lane instantiations (a network
/// whose layers are all narrower than `Isa::WIDE_FROM` runs the AVX2 one
/// for the passes and DLR's update there, which the test above covers).
/// Every path within [`WIDE_BOUND`] of the scalar twins after 200 steps of
/// every optimizer, and the same bits on AVX2 and AVX-512.
#[test]
fn a_wide_layer_differs_only_by_rounding_on_every_path() {
    check_paths_against_scalar(&[36, 520, 10], 200, WIDE_BOUND);
}

/// A checkpoint written on one path resumes on every other: the state
/// holds no path's lane layout (DLR's row norms are stored as totals), so a
/// run stopped on path A and finished on path B equals, bit for bit, a run
/// that switched from A to B in memory at the same step.
#[test]
fn a_checkpoint_from_one_path_resumes_on_every_other() {
    let train_set = synthetic_dataset(300, 6, 6, 1);
    let test_set = synthetic_dataset(60, 6, 6, 2);
    let _guard = PATH_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let paths = dlr::simd::available_paths();
    for kind in OptimizerKind::ALL {
        for &from in &paths {
            for &to in &paths {
                force_path(from).unwrap();
                let (net_a, ck) = train_on_active_path(kind, 250);
                let bytes = ck.to_bytes();
                // Resumed from bytes on `to`.
                force_path(to).unwrap();
                let ck = Checkpoint::from_bytes(&bytes).unwrap();
                let mut resumed = Trainer::from_checkpoint(ck, &train_set, &test_set).unwrap();
                assert_eq!(resumed.network(), &net_a, "{kind} {from}→{to}");
                resumed.run_until(500, |_| {});
                let (net_resumed, _, _) = resumed.into_parts();
                // Switched in memory: the same run, path changed at 250.
                force_path(from).unwrap();
                let net_switch = {
                    let net = Network::new(&[36, 20, 10], 9);
                    let opt = Optimizer::tuned(net.layers(), kind);
                    let mut t = Trainer::new(net, opt, &train_set, &test_set, &train_config());
                    t.run_until(250, |_| {});
                    force_path(to).unwrap();
                    t.run_until(500, |_| {});
                    t.into_parts().0
                };
                assert_eq!(net_resumed, net_switch, "{kind} {from}→{to}");
            }
        }
        println!("checkpoint {kind}: resumed across {paths:?}");
    }
    force_path(dlr::simd::best_path()).unwrap();
}
