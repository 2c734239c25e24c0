//! Every kernel and optimizer on every SIMD path this machine has
//! (`dlr::simd::SimdPath`), in one process: against the scalar twins
//! (odd lengths, misaligned sub-slices, random data, NaN and extreme
//! values), deterministic on each path, AVX-512 bit for bit AVX2, models
//! of different paths apart by rounding only, checkpoints resumed on
//! another path.
//!
//! A path this machine lacks is printed as "not exercised" and never
//! counted: run with `--nocapture` to see which ran (tools/ci/cross.sh
//! does). The tests force paths for the whole process, so they take a lock.

mod common;

use std::sync::Mutex;

use common::{synthetic_dataset, uniform_vec};
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

/// Lengths: every one to 40, odd ones beyond, the network's.
fn lengths() -> impl Iterator<Item = usize> {
    (0..=40).chain([47, 63, 64, 65, 100, 300, 784])
}

/// `n` values from `[-1, 1)`, copied to offset `offset` of a buffer so
/// that the slice starts misaligned; every seventh length also carries the
/// special values (NaN, ±∞, `f32::MAX`, subnormals, −0).
fn input(rng: &mut Rng, n: usize, offset: usize, special: bool) -> (Vec<f32>, usize) {
    let mut buf = vec![0.0; offset];
    buf.extend(uniform_vec(rng, n, -1.0, 1.0));
    if special && n > 0 {
        let specials = [
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::MAX,
            1e-40,
            -1e-41,
            -0.0,
        ];
        for (k, &s) in specials.iter().enumerate() {
            let i = (k * 5 + 3) % n;
            buf[offset + i] = s;
        }
    }
    (buf, offset)
}

/// `|x − r| ≤ atol + rtol·|r|`, NaN where the twin has NaN, the same
/// infinities; collects the bits of `x` into `bits`.
#[track_caller]
fn check(what: &str, x: &[f32], r: &[f32], atol: f32, rtol: f32, bits: &mut Vec<u32>) {
    assert_eq!(x.len(), r.len(), "{what}: lengths");
    let bad: Vec<String> = x
        .iter()
        .zip(r)
        .enumerate()
        .filter(|(_, (&a, &b))| {
            if b.is_nan() || a.is_nan() {
                a.is_nan() != b.is_nan()
            } else if b.is_infinite() || a.is_infinite() {
                a != b && (a - b).abs() > atol + rtol * b.abs()
            } else {
                (a - b).abs() > atol + rtol * b.abs()
            }
        })
        .take(5)
        .map(|(i, (a, b))| format!("[{i}] {a:e} vs twin {b:e}"))
        .collect();
    assert!(bad.is_empty(), "{what}: {}", bad.join(", "));
    bits.extend(x.iter().map(|v| v.to_bits()));
}

/// Every kernel against its twin on the active path; the bits of every
/// output, for the determinism and cross-path checks.
fn kernel_battery(path: SimdPath) -> Vec<u32> {
    let mut rng = Rng::new(7);
    let mut bits = Vec::new();
    for n in lengths() {
        for offset in [0, 1, 3, 7] {
            let special = n % 7 == 3 && offset == 1;
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

            // dot: another summation order, bound n·ε·Σ|x y|.
            if !special {
                let scale: f32 = x.iter().zip(y0).map(|(p, q)| (p * q).abs()).sum();
                let (d, d_ref) = (kernels::dot(x, y0), reference::dot(x, y0));
                check(
                    &format!("dot {tag}"),
                    &[d],
                    &[d_ref],
                    (n as f32 + 1.0) * EPS * scale + 1e-7,
                    0.0,
                    &mut bits,
                );
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

            // Output delta of outputs in [0, 1].
            if !special {
                let yv: Vec<f32> = y0.iter().map(|v| 0.5 + 0.5 * v).collect();
                let label = n / 3;
                let (mut d, mut d_ref) = (vec![f32::NAN; n], vec![f32::NAN; n]);
                let loss = kernels::output_delta(&yv, label, 0, &mut d);
                let loss_ref = reference::output_delta(&yv, label, 0, &mut d_ref);
                check(
                    &format!("output_delta {tag}"),
                    &d,
                    &d_ref,
                    1e-7,
                    4.0 * EPS,
                    &mut bits,
                );
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
            check(
                &format!("nesterov w {tag}"),
                &w,
                &w_ref,
                8.0 * EPS,
                4.0 * EPS,
                &mut bits,
            );
            let sq: Vec<f32> = vb.iter().map(|s| s * s).collect();
            let (mut w, mut m, mut v) = (yb.clone(), vb.clone(), sq.clone());
            let (mut w_ref, mut m_ref, mut v_ref) = (yb.clone(), vb.clone(), sq);
            let adam = (0.9, 0.999, 0.01, 1.2, 1e-8);
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
                &format!("adam m {tag}"),
                &m,
                &m_ref,
                4.0 * EPS,
                4.0 * EPS,
                &mut bits,
            );
            check(
                &format!("adam v {tag}"),
                &v,
                &v_ref,
                4.0 * EPS,
                4.0 * EPS,
                &mut bits,
            );
            check(
                &format!("adam w {tag}"),
                &w,
                &w_ref,
                1e-6,
                16.0 * EPS,
                &mut bits,
            );

            // DLR Eq. 1 row: weights, and the new Σw² from its lanes.
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
    bits
}

/// The layer kernels (forward pass, hidden delta, row lists, DLR steps) on
/// layers of every width in `lengths()`.
fn layer_battery(path: SimdPath, rng: &mut Rng, bits: &mut Vec<u32>) {
    let n_in = 13;
    for n_out in lengths().filter(|&n| n > 0) {
        let tag = format!("{path} n_out={n_out}");
        let w0 = uniform_vec(rng, n_in * n_out, -1.0, 1.0);
        let x = uniform_vec(rng, n_in, 0.0, 1.0);
        let rows: Vec<u32> = vec![0, 2, 3, 4, 5, 7, 8, 9, 10, 12];
        let (mut z, mut z_ref) = (vec![f32::NAN; n_out], vec![f32::NAN; n_out]);
        kernels::forward_rows(&mut z, &w0, &x, &rows);
        reference::forward_rows(&mut z_ref, &w0, &x, &rows);
        check(
            &format!("forward_rows {tag}"),
            &z,
            &z_ref,
            1e-6,
            32.0 * EPS,
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
        kernels::forward_lit(&mut lit, &w0, &rows, &pixels);
        reference::forward_lit(&mut lit_ref, &w0, &rows, &pixels);
        kernels::forward_rows(&mut z, &w0, &dense_x, &rows);
        check(
            &format!("forward_lit {tag}"),
            &lit,
            &lit_ref,
            1e-6,
            32.0 * EPS,
            bits,
        );
        assert!(
            lit.iter().zip(&z).all(|(a, b)| a.to_bits() == b.to_bits()),
            "forward_lit {tag}: not forward_rows' bits"
        );

        let h = uniform_vec(rng, n_in, 0.0, 1.0);
        let d = uniform_vec(rng, n_out, -0.25, 0.25);
        let (mut e, mut e_ref) = (vec![f32::NAN; n_in], vec![f32::NAN; n_in]);
        kernels::hidden_delta(&h, &w0, &d, &mut e);
        reference::hidden_delta(&h, &w0, &d, &mut e_ref);
        check(
            &format!("hidden_delta {tag}"),
            &e,
            &e_ref,
            (n_out as f32 + 1.0) * EPS * 0.25,
            0.0,
            bits,
        );

        let a: Vec<f32> = (0..n_in)
            .map(|j| if j % 4 == 1 { 0.0 } else { x[j] })
            .collect();
        for list in [Some(&rows[..]), None] {
            let (mut w, mut w_ref) = (w0.clone(), w0.clone());
            kernels::sgd_rows(&mut w, list, &a, 0.1, &d);
            reference::sgd_rows(&mut w_ref, list, &a, 0.1, &d);
            check(
                &format!("sgd_rows {tag}"),
                &w,
                &w_ref,
                4.0 * EPS,
                4.0 * EPS,
                bits,
            );
        }

        let every: Vec<u32> = (0..n_in as u32).collect();
        for list in [&rows, &every] {
            let (mut w, mut w_ref) = (w0.clone(), w0.clone());
            let mut lanes = vec![0.0; n_in * 8];
            for (j, l) in lanes.chunks_exact_mut(8).enumerate() {
                l[0] = reference::sum_squares(&w0[j * n_out..(j + 1) * n_out]);
            }
            let mut lanes_ref = lanes.clone();
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
            kernels::dlr_rows_lanes(&mut w, list, &step, 0.3, &d, &mut lanes);
            reference::dlr_rows_lanes(&mut w_ref, list, &step_ref, 0.3, &d, &mut lanes_ref);
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
