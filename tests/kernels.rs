//! Every SIMD kernel against its scalar twin: lengths 1..=67, random data,
//! and sub-slices at offsets 1..7 (misaligned).

#![allow(clippy::needless_range_loop)] // index maths reads like the formulas

mod common;

use common::{assert_close, uniform_vec};
use dlr::kernels::{self, reference};
use dlr::rng::Rng;
use dlr::simd::f32x8;

const EPS: f32 = f32::EPSILON;

fn lengths() -> impl Iterator<Item = usize> {
    (1..=67).chain([100, 784])
}

#[test]
fn axpy_matches_twin() {
    common::force_requested_path();
    let mut rng = Rng::new(1);
    for n in lengths() {
        let x = uniform_vec(&mut rng, n, -1.0, 1.0);
        let y0 = uniform_vec(&mut rng, n, -1.0, 1.0);
        let a = rng.uniform_symmetric(2.0);
        let (mut y, mut y_ref) = (y0.clone(), y0.clone());
        kernels::axpy(&mut y, a, &x);
        reference::axpy(&mut y_ref, a, &x);
        // One rounding (fused) against two: within 2 ulp of the magnitudes.
        assert_close("axpy", &y, &y_ref, 4.0 * EPS * 3.0, 0.0);
    }
}

#[test]
fn dot_and_sum_squares_match_twin() {
    common::force_requested_path();
    let mut rng = Rng::new(2);
    for n in lengths() {
        let x = uniform_vec(&mut rng, n, -1.0, 1.0);
        let y = uniform_vec(&mut rng, n, -1.0, 1.0);
        // Summation order differs: bound by n·ε·Σ|x y|.
        let scale: f32 = x.iter().zip(&y).map(|(a, b)| (a * b).abs()).sum();
        let tol = n as f32 * EPS * scale + 1e-7;
        let (d, d_ref) = (kernels::dot(&x, &y), reference::dot(&x, &y));
        assert!((d - d_ref).abs() <= tol, "dot n={n}: {d} vs {d_ref}");
        let (s, s_ref) = (kernels::sum_squares(&x), reference::sum_squares(&x));
        assert!(
            (s - s_ref).abs() <= n as f32 * EPS * s_ref + 1e-7,
            "sum_squares n={n}"
        );
    }
}

#[test]
fn sigmoid_matches_twin() {
    common::force_requested_path();
    let mut rng = Rng::new(3);
    for n in lengths() {
        let z0 = uniform_vec(&mut rng, n, -20.0, 20.0);
        let (mut z, mut z_ref) = (z0.clone(), z0);
        kernels::sigmoid(&mut z);
        reference::sigmoid(&mut z_ref);
        assert_close("sigmoid", &z, &z_ref, 1e-7, 8.0 * EPS);
    }
}

#[test]
fn sigmoid_extremes_and_nan() {
    common::force_requested_path();
    let mut z = vec![
        -1000.0,
        -87.0,
        0.0,
        87.0,
        1000.0,
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        3.0,
    ];
    kernels::sigmoid(&mut z);
    assert!(z[0] >= 0.0 && z[0] < 1e-37, "σ(−1000) = {}", z[0]);
    assert_eq!(z[2], 0.5);
    assert_eq!(z[3], 1.0);
    assert_eq!(z[4], 1.0);
    assert!(z[5].is_nan(), "NaN must survive the SIMD sigmoid");
    assert_eq!(z[6], 1.0);
    assert!(z[7] < 1e-37);
}

#[test]
fn output_delta_matches_twin() {
    common::force_requested_path();
    let mut rng = Rng::new(4);
    for n in lengths() {
        let y = uniform_vec(&mut rng, n, 0.0, 1.0);
        let label = rng.below(n as u64) as usize;
        let (mut d, mut d_ref) = (vec![f32::NAN; n], vec![f32::NAN; n]);
        let loss = kernels::output_delta(&y, label, 0, &mut d);
        let loss_ref = reference::output_delta(&y, label, 0, &mut d_ref);
        assert_close("output_delta", &d, &d_ref, 1e-7, 4.0 * EPS);
        assert!(
            (loss - loss_ref).abs() <= n as f32 * EPS * loss_ref + 1e-7,
            "loss n={n}"
        );
    }
}

#[test]
fn hidden_delta_matches_twin() {
    common::force_requested_path();
    let mut rng = Rng::new(5);
    for n_h in [1, 7, 13, 33, 67] {
        for n_next in lengths().take(20) {
            let h = uniform_vec(&mut rng, n_h, 0.0, 1.0);
            let w = uniform_vec(&mut rng, n_h * n_next, -1.0, 1.0);
            let d = uniform_vec(&mut rng, n_next, -0.25, 0.25);
            let (mut e, mut e_ref) = (vec![f32::NAN; n_h], vec![f32::NAN; n_h]);
            kernels::hidden_delta(&h, &w, &d, &mut e);
            reference::hidden_delta(&h, &w, &d, &mut e_ref);
            assert_close("hidden_delta", &e, &e_ref, n_next as f32 * EPS * 0.25, 0.0);
        }
    }
}

/// A confidently rejected class has `y ≈ 10⁻²⁰`, so `d ≈ y² ≈ 10⁻⁴⁰`:
/// subnormal, and every backprop product with it would pay a microcode
/// assist. Both deltas come out flushed to zero, in the kernels and twins
/// alike, for every length (vector lanes and scalar tails).
#[test]
fn deltas_flush_subnormals_to_zero() {
    common::force_requested_path();
    for n in lengths() {
        let y = vec![1e-20f32; n];
        let label = n - 1;
        let (mut d, mut d_ref) = (vec![f32::NAN; n], vec![f32::NAN; n]);
        kernels::output_delta(&y, label, 0, &mut d);
        reference::output_delta(&y, label, 0, &mut d_ref);
        for (k, (&x, &x_ref)) in d.iter().zip(&d_ref).enumerate() {
            if k != label {
                assert_eq!((x, x_ref), (0.0, 0.0), "output_delta n={n} k={k}");
            }
        }
        // Hidden units at 10⁻²⁰ whose back-propagated sum is normal: the
        // product h (1 − h) Σ is ≈ 10⁻²¹ · 10⁻²⁰, subnormal, and flushed;
        // the last unit is 0.5 and keeps its (normal) delta.
        let mut h = vec![1e-20f32; n];
        h[n - 1] = 0.5;
        let w = vec![0.5f32; n * 2];
        let d_next = [1e-21f32, 0.0];
        let (mut e, mut e_ref) = (vec![f32::NAN; n], vec![f32::NAN; n]);
        kernels::hidden_delta(&h, &w, &d_next, &mut e);
        reference::hidden_delta(&h, &w, &d_next, &mut e_ref);
        assert_eq!(e[..n - 1], vec![0.0; n - 1][..], "hidden_delta n={n}");
        assert_eq!(e_ref[..n - 1], vec![0.0; n - 1][..], "twin n={n}");
        assert!(e[n - 1] > 0.0 && e[n - 1] == e_ref[n - 1]);
    }
}

#[test]
fn sgd_row_matches_twin() {
    common::force_requested_path();
    let mut rng = Rng::new(6);
    for n in lengths() {
        let w0 = uniform_vec(&mut rng, n, -1.0, 1.0);
        let d = uniform_vec(&mut rng, n, -1.0, 1.0);
        let (mut w, mut w_ref) = (w0.clone(), w0);
        kernels::sgd_row(&mut w, 0.3, &d);
        reference::sgd_row(&mut w_ref, 0.3, &d);
        assert_close("sgd_row", &w, &w_ref, 4.0 * EPS, 0.0);
    }
}

#[test]
fn nesterov_row_matches_twin() {
    common::force_requested_path();
    let mut rng = Rng::new(7);
    for n in lengths() {
        let w0 = uniform_vec(&mut rng, n, -1.0, 1.0);
        let v0 = uniform_vec(&mut rng, n, -0.1, 0.1);
        let d = uniform_vec(&mut rng, n, -1.0, 1.0);
        let (mut w, mut w_ref, mut v, mut v_ref) = (w0.clone(), w0, v0.clone(), v0);
        kernels::nesterov_row(&mut w, &mut v, 0.7, &d, 0.1, 0.9);
        reference::nesterov_row(&mut w_ref, &mut v_ref, 0.7, &d, 0.1, 0.9);
        assert_close("nesterov_row v", &v, &v_ref, 4.0 * EPS, 0.0);
        assert_close("nesterov_row w", &w, &w_ref, 4.0 * EPS, 0.0);
    }
}

#[test]
fn adam_row_matches_twin() {
    common::force_requested_path();
    let mut rng = Rng::new(8);
    for n in lengths() {
        let w0 = uniform_vec(&mut rng, n, -1.0, 1.0);
        let m0 = uniform_vec(&mut rng, n, -0.01, 0.01);
        let v0 = uniform_vec(&mut rng, n, 0.0, 1e-4);
        let d = uniform_vec(&mut rng, n, -0.1, 0.1);
        let (mut w, mut m, mut v) = (w0.clone(), m0.clone(), v0.clone());
        let (mut w_r, mut m_r, mut v_r) = (w0, m0, v0);
        let args = (0.5, 0.9, 0.999, 0.01, 3.2, 1e-8);
        kernels::adam_row(
            &mut w, &mut m, &mut v, args.0, &d, args.1, args.2, args.3, args.4, args.5,
        );
        reference::adam_row(
            &mut w_r, &mut m_r, &mut v_r, args.0, &d, args.1, args.2, args.3, args.4, args.5,
        );
        assert_close("adam_row m", &m, &m_r, 1e-9, 4.0 * EPS);
        assert_close("adam_row v", &v, &v_r, 1e-12, 4.0 * EPS);
        assert_close("adam_row w", &w, &w_r, 8.0 * EPS, 0.0);
    }
}

/// `adam_decay_row` (dense Adam's row of an input 0) is `adam_row` with
/// `a = 0`, bit for bit, on the active path and against both twins: odd
/// lengths, misaligned sub-slices, moments that are ±0, NaN, ±∞, subnormal,
/// near the state floor or huge, deltas of either sign, early steps (√v
/// scaled) and late ones (factor 1).
#[test]
fn adam_decay_row_is_adam_row_with_input_zero() {
    common::force_requested_path();
    let mut rng = Rng::new(33);
    let specials = [
        0.0,
        -0.0,
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        1e-40,
        -1e-40,
        8.0e-31,
        -8.0e-31,
        f32::MAX,
        -f32::MAX,
        1e-3,
    ];
    let same = |x: &[f32], y: &[f32]| {
        x.iter()
            .zip(y)
            .all(|(a, b)| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()))
    };
    for n in lengths() {
        for offset in [0, 1, 3] {
            let mut m0 = uniform_vec(&mut rng, n + offset, -0.01, 0.01);
            let mut v0 = uniform_vec(&mut rng, n + offset, 0.0, 1e-4);
            for i in 0..n + offset {
                if rng.uniform_symmetric(1.0) > 0.5 {
                    m0[i] = specials[(i * 7 + n) % specials.len()];
                    v0[i] = specials[(i * 5 + n) % specials.len()].abs();
                }
            }
            let w0 = uniform_vec(&mut rng, n + offset, -1.0, 1.0);
            let mut d = uniform_vec(&mut rng, n, -0.1, 0.1);
            d[n / 2] = -0.0;
            d[0] = -f32::MAX;
            for factor in [1.3f32, 1.0] {
                let args = (0.9, 0.999, 0.01, factor, 1e-8);
                let mut got = (w0.clone(), m0.clone(), v0.clone());
                let mut row = (w0.clone(), m0.clone(), v0.clone());
                let mut twin = (w0.clone(), m0.clone(), v0.clone());
                let mut decay_twin = (w0.clone(), m0.clone(), v0.clone());
                let o = offset..;
                kernels::adam_decay_row(
                    &mut got.0[o.clone()],
                    &mut got.1[o.clone()],
                    &mut got.2[o.clone()],
                    args.0,
                    args.1,
                    args.2,
                    args.3,
                    args.4,
                );
                kernels::adam_row(
                    &mut row.0[o.clone()],
                    &mut row.1[o.clone()],
                    &mut row.2[o.clone()],
                    0.0,
                    &d,
                    args.0,
                    args.1,
                    args.2,
                    args.3,
                    args.4,
                );
                reference::adam_row(
                    &mut twin.0[o.clone()],
                    &mut twin.1[o.clone()],
                    &mut twin.2[o.clone()],
                    0.0,
                    &d,
                    args.0,
                    args.1,
                    args.2,
                    args.3,
                    args.4,
                );
                reference::adam_decay_row(
                    &mut decay_twin.0[o.clone()],
                    &mut decay_twin.1[o.clone()],
                    &mut decay_twin.2[o],
                    args.0,
                    args.1,
                    args.2,
                    args.3,
                    args.4,
                );
                for (name, other) in [
                    ("adam_row", &row),
                    ("twin", &twin),
                    ("decay twin", &decay_twin),
                ] {
                    for (what, x, y) in [
                        ("w", &got.0, &other.0),
                        ("m", &got.1, &other.1),
                        ("v", &got.2, &other.2),
                    ] {
                        assert!(
                            same(x, y),
                            "adam_decay_row {what} differs from {name} (n = {n}, offset {offset}, factor {factor}): {x:?} vs {y:?}"
                        );
                    }
                }
            }
        }
    }
}

/// `adam_lazy_rows` is `adam_row` (with `SparseAdam`'s scalars: the step
/// `α √(1 − β₂ᵗ)/(1 − β₁ᵗ)` as `lr_t`, `inv_sqrt_bc2 = 1`) on each listed
/// row with a non-zero input, bit for bit, in list order, and close to its
/// twin; the rows of zero inputs keep `w`, `m` and `v`, bit for bit; a lit
/// row with `δ = 0` is present: its moments decay.
#[test]
fn adam_lazy_rows_is_adam_row_on_the_lit_rows() {
    common::force_requested_path();
    let mut rng = Rng::new(32);
    let n_in = 11;
    let (beta1, beta2, step, eps) = (0.9, 0.999, 0.02, 1e-6);
    for n in lengths() {
        let w0 = uniform_vec(&mut rng, n_in * n, -1.0, 1.0);
        let m0 = uniform_vec(&mut rng, n_in * n, -0.01, 0.01);
        let v0 = uniform_vec(&mut rng, n_in * n, 1e-6, 1e-4);
        let mut d = uniform_vec(&mut rng, n, -0.1, 0.1);
        if n % 3 == 0 {
            d.iter_mut().for_each(|x| *x = 0.0);
        }
        let mut a = uniform_vec(&mut rng, n_in, 0.0, 1.0);
        let zero = [n % n_in, (n + 5) % n_in];
        zero.iter().for_each(|&j| a[j] = 0.0);
        let listed = random_rows(&mut rng, n_in, 1 + n % 13);
        let all: Vec<u32> = (0..n_in as u32).collect();
        for (rows, visited) in [(Some(&listed[..]), &listed), (None, &all)] {
            let mut got = (w0.clone(), m0.clone(), v0.clone());
            let mut by_row = (w0.clone(), m0.clone(), v0.clone());
            let mut twin = (w0.clone(), m0.clone(), v0.clone());
            kernels::adam_lazy_rows(
                &mut got.0, &mut got.1, &mut got.2, rows, &a, &d, beta1, beta2, step, eps,
            );
            for &j in visited.iter().filter(|&&j| a[j as usize] != 0.0) {
                let r = j as usize * n..(j as usize + 1) * n;
                kernels::adam_row(
                    &mut by_row.0[r.clone()],
                    &mut by_row.1[r.clone()],
                    &mut by_row.2[r],
                    a[j as usize],
                    &d,
                    beta1,
                    beta2,
                    step,
                    1.0,
                    eps,
                );
            }
            reference::adam_lazy_rows(
                &mut twin.0,
                &mut twin.1,
                &mut twin.2,
                rows,
                &a,
                &d,
                beta1,
                beta2,
                step,
                eps,
            );
            assert_eq!(got, by_row, "n={n}, rows {rows:?}");
            assert_close("adam_lazy_rows m", &got.1, &twin.1, 1e-9, 4.0 * EPS);
            assert_close("adam_lazy_rows v", &got.2, &twin.2, 1e-12, 4.0 * EPS);
            assert_close("adam_lazy_rows w", &got.0, &twin.0, 8.0 * EPS, 0.0);
            for (j, row) in (0..n_in).map(|j| (j, j * n..(j + 1) * n)) {
                let visited_lit = a[j] != 0.0 && visited.contains(&(j as u32));
                let same = |x: &[f32], x0: &[f32]| x[row.clone()] == x0[row.clone()];
                if !visited_lit {
                    assert!(same(&got.0, &w0), "n={n}: row {j} (not present) moved w");
                    assert!(same(&got.1, &m0), "n={n}: row {j} (not present) moved m");
                    assert!(same(&got.2, &v0), "n={n}: row {j} (not present) moved v");
                } else {
                    // Present, even with δ = 0: m ← β₁ m, so it changes.
                    assert!(!same(&got.1, &m0), "n={n}: present row {j} kept m");
                }
            }
        }
    }
}

#[test]
fn dlr_row_matches_twin() {
    common::force_requested_path();
    let mut rng = Rng::new(9);
    for n in lengths() {
        let w0 = uniform_vec(&mut rng, n, -1.0, 1.0);
        let d = uniform_vec(&mut rng, n, -1.0, 1.0);
        let (mut w, mut w_ref, mut w_lanes) = (w0.clone(), w0.clone(), w0);
        let s = kernels::dlr_row(&mut w, 0.2, 0.3, &d);
        let s_ref = reference::dlr_row(&mut w_ref, 0.2, 0.3, &d);
        assert_close("dlr_row w", &w, &w_ref, 4.0 * EPS, 0.0);
        // dlr_row_lanes: the same weights, and lanes whose total is dlr_row's.
        let lanes = kernels::dlr_row_lanes(&mut w_lanes, 0.2, 0.3, &d);
        assert_eq!(w, w_lanes, "n={n}");
        assert_eq!(dlr::simd::lane_total(&lanes).to_bits(), s.to_bits());
        assert!(
            (s - s_ref).abs() <= 2.0 * n as f32 * EPS * s_ref,
            "dlr_row Σw² n={n}: {s} vs {s_ref}"
        );
    }
}

/// A layer's rows in the order a step lists them: `k` random rows of
/// `0..n_in`, repeats allowed (the kernels must then act in list order).
fn random_rows(rng: &mut Rng, n_in: usize, k: usize) -> Vec<u32> {
    (0..k).map(|_| rng.below(n_in as u64) as u32).collect()
}

/// `sgd_rows` is `sgd_row` on each listed row with a non-zero input, bit
/// for bit (the short-row path included), and close to its twin; with
/// `rows = None`, on every row with a non-zero input.
#[test]
fn sgd_rows_matches_sgd_row_and_twin() {
    common::force_requested_path();
    let mut rng = Rng::new(31);
    let n_in = 11;
    for n in lengths() {
        let w0 = uniform_vec(&mut rng, n_in * n, -1.0, 1.0);
        let d = uniform_vec(&mut rng, n, -1.0, 1.0);
        let mut a = uniform_vec(&mut rng, n_in, 0.0, 1.0);
        a[n % n_in] = 0.0;
        a[(n + 5) % n_in] = 0.0;
        let listed = random_rows(&mut rng, n_in, 1 + n % 13);
        let all: Vec<u32> = (0..n_in as u32).collect();
        for (rows, visited) in [(Some(&listed[..]), &listed), (None, &all)] {
            let (mut w, mut w_rows, mut w_ref) = (w0.clone(), w0.clone(), w0.clone());
            kernels::sgd_rows(&mut w, rows, &a, 0.3, &d);
            for &j in visited.iter().filter(|&&j| a[j as usize] != 0.0) {
                let j = j as usize;
                kernels::sgd_row(&mut w_rows[j * n..(j + 1) * n], 0.3 * a[j], &d);
            }
            reference::sgd_rows(&mut w_ref, rows, &a, 0.3, &d);
            assert_eq!(w, w_rows, "n={n}, rows {rows:?}");
            assert_close("sgd_rows", &w, &w_ref, 8.0 * EPS, 0.0);
            // The row of the zero input is untouched.
            let z = n % n_in;
            assert_eq!(w[z * n..(z + 1) * n], w0[z * n..(z + 1) * n]);
        }
    }
}

/// `dlr_rows_lanes` is `dlr_row_lanes` on each listed row, last first, bit
/// for bit (weights and lanes; the short-row path included), and close to
/// its twin.
#[test]
fn dlr_rows_lanes_matches_dlr_row_lanes_and_twin() {
    common::force_requested_path();
    let mut rng = Rng::new(32);
    let n_in = 11;
    // Random lists, every row in order (a layer after the first; rows of
    // ten then go four at a time), and runs of four consecutive rows mixed
    // with other rows and repeats.
    let lists = lengths().flat_map(|n| [(n, 0), (n, 1), (n, 2)]);
    for (n, kind) in lists.chain([(10, 1), (10, 2)]) {
        let w0 = uniform_vec(&mut rng, n_in * n, -1.0, 1.0);
        let d = uniform_vec(&mut rng, n, -1.0, 1.0);
        let rows = match kind {
            0 => random_rows(&mut rng, n_in, 1 + n % 13),
            1 => (0..n_in as u32).collect(),
            _ => vec![5, 3, 4, 5, 6, 6, 7, 8, 9, 2, 9, 10, 0, 7, 8, 9, 10],
        };
        let step = uniform_vec(&mut rng, rows.len(), 0.0, 0.5);
        let (mut w, mut w_rows, mut w_ref) = (w0.clone(), w0.clone(), w0);
        let lanes0 = vec![f32::NAN; n_in * 8];
        let (mut lanes, mut lanes_rows, mut lanes_ref) = (lanes0.clone(), lanes0.clone(), lanes0);
        kernels::dlr_rows_lanes(&mut w, &rows, &step, 0.3, &d, &mut lanes);
        for (&j, &s) in rows.iter().zip(&step).rev() {
            let j = j as usize;
            let l = kernels::dlr_row_lanes(&mut w_rows[j * n..(j + 1) * n], s, 0.3, &d);
            lanes_rows[j * 8..(j + 1) * 8].copy_from_slice(&l);
        }
        reference::dlr_rows_lanes(&mut w_ref, &rows, &step, 0.3, &d, &mut lanes_ref);
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&w), bits(&w_rows), "weights, n={n}, {rows:?}");
        assert_eq!(bits(&lanes), bits(&lanes_rows), "lanes, n={n}, {rows:?}");
        assert_close("dlr_rows_lanes w", &w, &w_ref, 8.0 * EPS, 0.0);
        let vector_path = dlr::simd::active_path() != dlr::simd::SimdPath::Scalar;
        if vector_path && (8..32).contains(&n) {
            // Short rows: the lanes are the squares of the new weights in the
            // documented order, (v₀² + v₁²) + (v₂² + c²), c the window's
            // lanes past the whole vectors, absent terms 0.
            let j = rows[0] as usize;
            let row = &w[j * n..(j + 1) * n];
            let full = n / 8 * 8;
            let sq = |k: usize, l: usize| match row.get(8 * k + l) {
                Some(&x) if 8 * k + l < full => x * x,
                _ => 0.0,
            };
            for l in 0..8 {
                let c = if n - 8 + l >= full {
                    row[n - 8 + l]
                } else {
                    0.0
                };
                let expected = (sq(0, l) + sq(1, l)) + (sq(2, l) + c * c);
                assert_eq!(
                    lanes[j * 8 + l].to_bits(),
                    expected.to_bits(),
                    "n={n} lane {l}"
                );
            }
        }
        for &j in &rows {
            let j = j as usize;
            let total =
                |l: &[f32]| dlr::simd::lane_total(l[j * 8..(j + 1) * 8].try_into().unwrap());
            let (s, s_ref) = (total(&lanes), total(&lanes_ref));
            assert!(
                (s - s_ref).abs() <= 2.0 * n as f32 * EPS * s_ref,
                "row {j} Σw², n={n}: {s} vs {s_ref}"
            );
        }
    }
}

#[test]
fn dlr_post_row_matches_twin() {
    common::force_requested_path();
    let mut rng = Rng::new(10);
    for n in lengths() {
        let w0 = uniform_vec(&mut rng, n, -1.0, 1.0);
        let d = uniform_vec(&mut rng, n, -0.5, 0.5);
        let c0 = uniform_vec(&mut rng, n, 1.0, 5.0);
        let (mut w, mut w_ref, mut c, mut c_ref) = (w0.clone(), w0, c0.clone(), c0);
        kernels::dlr_post_row(&mut w, 0.6, 0.3, &d, &mut c);
        reference::dlr_post_row(&mut w_ref, 0.6, 0.3, &d, &mut c_ref);
        assert_close("dlr_post_row w", &w, &w_ref, 4.0 * EPS, 0.0);
        assert_close("dlr_post_row Σw²", &c, &c_ref, 0.0, 8.0 * EPS);
    }
}

#[test]
fn kernels_match_twins_on_misaligned_subslices() {
    common::force_requested_path();
    let mut rng = Rng::new(11);
    let big_x = uniform_vec(&mut rng, 200, -1.0, 1.0);
    let big_w = uniform_vec(&mut rng, 200, -1.0, 1.0);
    for offset in 1..8 {
        for n in [9, 31, 100] {
            let x = &big_x[offset..offset + n];
            let mut w = big_w.clone();
            let mut w_ref = big_w.clone();
            let s = kernels::dlr_row(&mut w[offset..offset + n], 0.1, 0.5, x);
            let s_ref = reference::dlr_row(&mut w_ref[offset..offset + n], 0.1, 0.5, x);
            assert_close("misaligned dlr_row", &w, &w_ref, 4.0 * EPS, 0.0);
            assert!((s - s_ref).abs() <= 2.0 * n as f32 * EPS * s_ref);
            let mut y = big_w.clone();
            let mut y_ref = big_w.clone();
            kernels::axpy(&mut y[offset..offset + n], 0.7, x);
            reference::axpy(&mut y_ref[offset..offset + n], 0.7, x);
            assert_close("misaligned axpy", &y, &y_ref, 4.0 * EPS * 2.0, 0.0);
        }
    }
}

#[test]
fn empty_slices_are_fine() {
    common::force_requested_path();
    let mut w: Vec<f32> = vec![];
    assert_eq!(kernels::dlr_row(&mut w, 1.0, 1.0, &[]), 0.0);
    assert_eq!(kernels::dot(&[], &[]), 0.0);
    kernels::sigmoid(&mut w);
}

#[test]
fn forward_rows_matches_twin() {
    common::force_requested_path();
    let mut rng = Rng::new(12);
    for n_out in lengths() {
        let n_in = 37;
        let w = uniform_vec(&mut rng, n_in * n_out, -1.0, 1.0);
        let x = uniform_vec(&mut rng, n_in, 0.0, 1.0);
        let rows: Vec<u32> = (0..n_in as u32).filter(|_| rng.uniform() < 0.4).collect();
        let (mut z, mut z_ref) = (vec![f32::NAN; n_out], vec![f32::NAN; n_out]);
        kernels::forward_rows(&mut z, &w, &x, &rows);
        reference::forward_rows(&mut z_ref, &w, &x, &rows);
        assert_close(
            "forward_rows",
            &z,
            &z_ref,
            rows.len() as f32 * 2.0 * EPS,
            0.0,
        );
    }
    // No rows: zeros, NaN poison overwritten.
    let mut z = vec![f32::NAN; 20];
    kernels::forward_rows(&mut z, &[0.0; 40], &[1.0, 1.0], &[]);
    assert!(z.iter().all(|&v| v == 0.0));
}

#[test]
fn forward_lit_matches_twin_and_forward_rows() {
    common::force_requested_path();
    let mut rng = Rng::new(21);
    for n_out in lengths() {
        let n_in = 41;
        // Misaligned: the weights start one float into their buffer.
        let buffer = uniform_vec(&mut rng, n_in * n_out + 1, -1.0, 1.0);
        let w = &buffer[1..];
        let image: Vec<u8> = (0..n_in)
            .map(|_| {
                if rng.uniform() < 0.4 {
                    (1.0 + 254.0 * rng.uniform()) as u8
                } else {
                    0
                }
            })
            .collect();
        let rows: Vec<u32> = (0..n_in as u32)
            .filter(|&j| image[j as usize] != 0)
            .collect();
        let pixels: Vec<u8> = rows.iter().map(|&j| image[j as usize]).collect();
        let x: Vec<f32> = image.iter().map(|&p| reference::pixel_value(p)).collect();
        let (mut z, mut z_ref, mut z_rows) = (
            vec![f32::NAN; n_out],
            vec![f32::NAN; n_out],
            vec![f32::NAN; n_out],
        );
        kernels::forward_lit(&mut z, w, &rows, &pixels);
        reference::forward_lit(&mut z_ref, w, &rows, &pixels);
        kernels::forward_rows(&mut z_rows, w, &x, &rows);
        assert_close(
            "forward_lit",
            &z,
            &z_ref,
            rows.len() as f32 * 2.0 * EPS,
            0.0,
        );
        assert!(
            z.iter()
                .zip(&z_rows)
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "n_out {n_out}: forward_lit is not forward_rows bit for bit"
        );
    }
    // Extreme weights: a NaN or infinite weight on a lit row shows in the
    // sum, as in the twin.
    let mut w = vec![1.0f32; 3 * 20];
    w[20 + 5] = f32::NAN;
    w[20 + 6] = f32::INFINITY;
    w[7] = f32::MAX;
    let (mut z, mut z_ref) = (vec![0.0; 20], vec![0.0; 20]);
    kernels::forward_lit(&mut z, &w, &[0, 1], &[255, 255]);
    reference::forward_lit(&mut z_ref, &w, &[0, 1], &[255, 255]);
    assert!(z[5].is_nan() && z_ref[5].is_nan());
    assert_eq!((z[6], z[7]), (z_ref[6], z_ref[7]));
    assert_eq!(z[6], f32::INFINITY);
}

#[test]
fn forward_group_matches_twin_and_forward_rows() {
    common::force_requested_path();
    use kernels::GROUP;
    let mut rng = Rng::new(23);
    let n_in = 37;
    let all_rows: Vec<u32> = (0..n_in as u32).collect();
    for n_out in 8..24 {
        // Misaligned: the weights start one float into their buffer.
        let buffer = uniform_vec(&mut rng, n_in * n_out + 1, -1.0, 1.0);
        let w = &buffer[1..];
        // GROUP inputs of n_in, one after the other.
        let mut a = uniform_vec(&mut rng, GROUP * n_in, 0.0, 1.0);
        // A zero input is summed like any other over every row.
        a[n_in + 3] = 0.0;
        let (mut z, mut z_ref) = (vec![f32::NAN; GROUP * n_out], vec![f32::NAN; GROUP * n_out]);
        kernels::forward_group(&mut z, w, &a);
        reference::forward_group(&mut z_ref, w, &a);
        for g in 0..GROUP {
            let zg = &z[g * n_out..(g + 1) * n_out];
            assert_close(
                "forward_group",
                zg,
                &z_ref[g * n_out..(g + 1) * n_out],
                n_in as f32 * 2.0 * EPS,
                0.0,
            );
            let mut z_rows = vec![f32::NAN; n_out];
            kernels::forward_rows(&mut z_rows, w, &a[g * n_in..(g + 1) * n_in], &all_rows);
            assert!(
                zg.iter()
                    .zip(&z_rows)
                    .all(|(x, y)| x.to_bits() == y.to_bits()),
                "n_out {n_out}, input {g}: forward_group is not forward_rows bit for bit"
            );
        }
    }
    // Extremes: NaN and infinite weights and inputs reach the sums of the
    // inputs they meet, and no other.
    let (n_in, n_out) = (3, 10);
    let mut w = vec![1.0f32; n_in * n_out];
    w[n_out + 2] = f32::NAN;
    w[9] = f32::INFINITY;
    w[2 * n_out + 4] = f32::MAX;
    #[rustfmt::skip]
    let a = [
        1.0, 1.0, 1.0,
        1.0, 0.0, 1.0,
        f32::NAN, 1.0, 1.0,
        1.0, 1.0, f32::MAX,
    ];
    let (mut z, mut z_ref) = (vec![0.0; GROUP * n_out], vec![0.0; GROUP * n_out]);
    kernels::forward_group(&mut z, &w, &a);
    reference::forward_group(&mut z_ref, &w, &a);
    for (i, (x, r)) in z.iter().zip(&z_ref).enumerate() {
        assert!(
            x.to_bits() == r.to_bits() || (x.is_nan() && r.is_nan()),
            "[{i}] simd {x:e} vs twin {r:e}"
        );
    }
    assert!(
        z[2].is_nan() && z[12].is_nan(),
        "NaN weight, non-zero input"
    );
    assert_eq!((z[9], z[4]), (f32::INFINITY, f32::MAX));
    assert!(z[20..30].iter().all(|v| v.is_nan()), "NaN input");
    assert_eq!(z[34], f32::INFINITY, "MAX · MAX overflows");
}

#[test]
#[should_panic(expected = "forward_group takes 4 × 8 to 23 outputs, not 96")]
fn forward_group_refuses_a_wide_layer() {
    common::force_requested_path();
    let a = [0.5f32; 2 * kernels::GROUP];
    let mut z = vec![0.0; kernels::GROUP * 24];
    kernels::forward_group(&mut z, &[1.0; 48], &a);
}

#[test]
fn dlr_steps_matches_twin_bit_for_bit() {
    common::force_requested_path();
    let mut rng = Rng::new(13);
    for n_rows in [1, 9, 37, 784] {
        let row_lanes = uniform_vec(&mut rng, n_rows * 8, 0.0, 0.5);
        let a = uniform_vec(&mut rng, n_rows, 0.0, 1.0);
        // Every count of touched rows up to 40 (full chunks of eight and
        // every short last chunk), rows in random order with repeats.
        for n in 0..=40 {
            let rows: Vec<u32> = (0..n).map(|_| rng.below(n_rows as u64) as u32).collect();
            let (mut s, mut s_ref) = (vec![f32::NAN; n], vec![f32::NAN; n]);
            kernels::dlr_steps(&rows, &a, &row_lanes, 2.0, 0.4, &mut s);
            reference::dlr_steps(&rows, &a, &row_lanes, 2.0, 0.4, &mut s_ref);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&s), bits(&s_ref), "dlr_steps {n} of {n_rows} rows");
        }
    }
}

/// The contiguous variant for every row: bit for bit the twin, and the
/// gathering kernel given `rows = 0..n`.
#[test]
fn dlr_steps_every_row_matches_twin_and_gather() {
    common::force_requested_path();
    let mut rng = Rng::new(23);
    for n in (0..40).chain([100, 300, 1000]) {
        let row_lanes = uniform_vec(&mut rng, n * 8, 0.0, 0.5);
        let a = uniform_vec(&mut rng, n, 0.0, 1.0);
        let rows: Vec<u32> = (0..n as u32).collect();
        let mut s = vec![f32::NAN; n];
        let mut s_ref = vec![f32::NAN; n];
        let mut s_gather = vec![f32::NAN; n];
        kernels::dlr_steps_every_row(&a, &row_lanes, 2.0, 0.4, &mut s);
        reference::dlr_steps_every_row(&a, &row_lanes, 2.0, 0.4, &mut s_ref);
        kernels::dlr_steps(&rows, &a, &row_lanes, 2.0, 0.4, &mut s_gather);
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&s), bits(&s_ref), "twin, n={n}");
        assert_eq!(bits(&s), bits(&s_gather), "gather, n={n}");
    }
}

/// The three ways of totalling eight partial sums agree to the last bit:
/// `lane_total`, `lane_totals` (eight at once, the transpose) and, on an
/// x86 vector path (the active one: `DLR_SIMD` or the best), the 8-lane
/// `reduce_add` the kernels run, on values of mixed magnitudes where the
/// order of the additions shows in the result.
#[test]
fn lane_totals_agree_bit_for_bit() {
    common::force_requested_path();
    let mut rng = Rng::new(21);
    // Every x86 vector path totals an 8-lane vector in this order (the
    // scalar twin sums in sequence; `wide`'s order elsewhere is its own).
    let path = dlr::simd::active_path();
    let reduces_in_lane_total_order = matches!(
        path,
        dlr::simd::SimdPath::Sse2 | dlr::simd::SimdPath::Avx2 | dlr::simd::SimdPath::Avx512
    );
    let mut differs_from_sequential = false;
    for _ in 0..2000 {
        let rows: [f32x8; 8] = core::array::from_fn(|_| {
            f32x8::from(core::array::from_fn::<f32, 8, _>(|_| {
                rng.uniform() * 10f32.powi(rng.below(12) as i32 - 6)
            }))
        });
        let totals = dlr::simd::lane_totals(&rows);
        for (k, row) in rows.iter().enumerate() {
            let one = dlr::simd::lane_total(row.as_array());
            assert_eq!(totals.as_array()[k].to_bits(), one.to_bits());
            // The 8-lane `reduce_add` of the dispatched x86 path: `dot` of
            // one 8-lane vector (no 4-lane step, no scalar tail) with ones,
            // whose products are the row's values exactly.
            if reduces_in_lane_total_order {
                let reduced = kernels::dot(row.as_array(), &[1.0; 8]);
                assert_eq!(reduced.to_bits(), one.to_bits(), "{path}: reduce_add");
            }
            let sequential: f32 = row.as_array().iter().sum();
            differs_from_sequential |= sequential != one;
        }
    }
    // The test data must be able to tell summation orders apart.
    assert!(differs_from_sequential);
}

#[test]
#[should_panic(expected = "out of bounds")]
fn dlr_steps_rejects_a_row_out_of_bounds() {
    common::force_requested_path();
    let mut step = [0.0; 9];
    let rows = [0, 1, 2, 3, 4, 5, 6, 7, 12];
    kernels::dlr_steps(&rows, &[1.0; 10], &[1.0; 80], 1.0, 1.0, &mut step);
}

/// The accuracy bound stated on `kernels::sigmoid`: against the exact
/// logistic (f64), `|σ_simd(z) − σ(z)| ≤ 4 ε σ(z) + 2e−38` on a fine grid
/// over [−100, 100], where f32 underflows and saturates at both ends.
#[test]
fn sigmoid_accuracy_bound_against_f64() {
    common::force_requested_path();
    let zs: Vec<f32> = (-100_000..=100_000).map(|k| k as f32 * 1e-3).collect();
    let mut s = zs.clone();
    kernels::sigmoid(&mut s);
    let mut worst = 0.0f64;
    for (&z, &y) in zs.iter().zip(&s) {
        let exact = 1.0 / (1.0 + (-(z as f64)).exp());
        let err = (y as f64 - exact).abs();
        let bound = 4.0 * f32::EPSILON as f64 * exact + 2e-38;
        worst = worst.max(err / bound);
        assert!(
            err <= bound,
            "σ({z}) = {y:e}, exact {exact:e}, error {err:e} > bound {bound:e}"
        );
    }
    assert!(worst > 0.0, "the comparison measured something");
}

/// With no gradient, Nesterov's velocity and Adam's moments decay
/// geometrically; without the flush they settle on a few subnormal ulps for
/// good (0.9 × 4 ulp rounds back to 4 ulp) and every later step does slow
/// subnormal arithmetic. With it they reach exactly zero.
#[test]
fn decaying_optimizer_state_reaches_exact_zero() {
    common::force_requested_path();
    for n in [3, 10, 13, 100] {
        let zero_grad = vec![0.0f32; n];
        let (mut w, mut v) = (vec![0.5f32; n], vec![1e-3f32; n]);
        let (mut wa, mut m, mut va) = (vec![0.5f32; n], vec![1e-3f32; n], vec![1e-6f32; n]);
        let (mut wr, mut mr, mut vr) = (wa.clone(), m.clone(), va.clone());
        for _ in 0..200_000 {
            kernels::nesterov_row(&mut w, &mut v, 1.0, &zero_grad, 0.1, 0.9);
            kernels::adam_row(
                &mut wa, &mut m, &mut va, 1.0, &zero_grad, 0.9, 0.999, 1e-3, 1.0, 1e-8,
            );
            reference::adam_row(
                &mut wr, &mut mr, &mut vr, 1.0, &zero_grad, 0.9, 0.999, 1e-3, 1.0, 1e-8,
            );
        }
        for (name, xs) in [
            ("nesterov v", &v),
            ("adam m", &m),
            ("adam v", &va),
            ("twin m", &mr),
            ("twin v", &vr),
        ] {
            assert!(
                xs.iter().all(|&x| x == 0.0),
                "{name} (n = {n}) did not decay to 0: {:e}",
                xs[0]
            );
        }
    }
}

#[test]
fn exact_sqrt_is_correctly_rounded() {
    common::force_requested_path();
    use dlr::simd::{exact_sqrt, exact_sqrt_f64};
    let mut rng = Rng::new(11);
    let mut xs: Vec<f32> = vec![
        0.0,
        -0.0,
        1.0,
        2.0,
        f32::from_bits(1),
        f32::MAX,
        f32::INFINITY,
    ];
    xs.extend((0..10_000).map(|i| rng.uniform() * 10f32.powi(i % 60 - 30)));
    for &x in &xs {
        assert_eq!(exact_sqrt(x).to_bits(), x.sqrt().to_bits(), "sqrt({x:e})");
        let y = f64::from(x) * 1.000_000_1;
        assert_eq!(
            exact_sqrt_f64(y).to_bits(),
            y.sqrt().to_bits(),
            "sqrt({y:e})"
        );
    }
    assert!(exact_sqrt(-1.0).is_nan() && exact_sqrt(f32::NAN).is_nan());
    assert!(exact_sqrt_f64(-1.0).is_nan());
}

#[test]
fn aligned_buffers_are_32_byte_aligned_zeros_of_the_asked_length() {
    common::force_requested_path();
    use dlr::simd::AlignedF32s;
    for len in [0, 1, 7, 8, 9, 10, 100, 101] {
        let mut buf = AlignedF32s::zeros(len);
        let s = buf.as_mut_slice();
        assert_eq!(s.len(), len);
        assert!(s.iter().all(|&x| x == 0.0));
        assert_eq!(
            s.as_ptr() as usize % 32,
            0,
            "len {len}: not 32-byte aligned"
        );
        s.iter_mut().enumerate().for_each(|(i, x)| *x = i as f32);
        let mut copy = buf.clone();
        assert_eq!(
            copy.as_mut_slice(),
            (0..len).map(|i| i as f32).collect::<Vec<_>>()
        );
    }
}

#[test]
fn prefetch_accepts_any_slice_and_changes_nothing() {
    common::force_requested_path();
    let data: Vec<f32> = (0..1000).map(|i| i as f32).collect();
    for start in [0, 1, 3, 17] {
        for len in [0, 1, 15, 16, 17, 100, 983] {
            let s = &data[start..start + len];
            dlr::simd::prefetch(s);
            assert!(s.iter().enumerate().all(|(i, &x)| x == (start + i) as f32));
        }
    }
    dlr::simd::prefetch::<u8>(&[]);
}
