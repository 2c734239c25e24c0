//! Property tests: every SIMD kernel in `dlr::kernels` against its scalar
//! twin in `dlr::kernels::reference` (same name and signature), on random
//! lengths 0..=300 and 505..=1100, random values over several magnitudes,
//! random parameters, and slices at a random offset 0..8 inside a larger buffer
//! (misaligned, and nothing outside the slice may change).
//!
//! Tolerances follow from the operations: a fused multiply-add against two
//! roundings, or another summation order, moves a result by a few ulp of
//! the magnitudes involved (`ε·Σ|terms|`), never more.

mod common;

use dlr::kernels::{self, reference};
use proptest::prelude::*;

const EPS: f32 = f32::EPSILON;

/// A value of magnitude up to 1e-3, 1, or 100.
fn value() -> impl Strategy<Value = f32> {
    prop_oneof![-1e-3f32..1e-3, -1.0f32..1.0, -100.0f32..100.0]
}

/// `k` vectors of one random length, 0..=300 or (a quarter of the cases)
/// 505..=1100, where AVX-512's 16-lane head runs before its 8- and 4-lane
/// steps and the scalar tail; and an offset 0..8.
fn vectors(k: usize) -> impl Strategy<Value = (Vec<Vec<f32>>, usize)> {
    let n = prop_oneof![3 => 0usize..=300, 1 => 505usize..=1100];
    (n, 0usize..8).prop_flat_map(move |(n, off)| {
        (
            prop::collection::vec(prop::collection::vec(value(), n), k),
            Just(off),
        )
    })
}

/// `x` placed at `off` in a buffer poisoned with a marker around it.
fn embed(x: &[f32], off: usize) -> Vec<f32> {
    let mut buf = vec![-7.25f32; off];
    buf.extend_from_slice(x);
    buf.extend([-7.25f32; 5]);
    buf
}

fn range(x: &[f32], off: usize) -> core::ops::Range<usize> {
    off..off + x.len()
}

/// `|a_i − b_i| ≤ tol_i` for all i, NaN exactly where the twin has NaN,
/// infinities exactly ([`common::within`]).
fn close(a: &[f32], b: &[f32], tol: &[f32]) -> Result<(), TestCaseError> {
    prop_assert_eq!(a.len(), b.len());
    for (i, ((&x, &y), &t)) in a.iter().zip(b).zip(tol).enumerate() {
        let ok = common::within(x, y, t);
        prop_assert!(
            ok,
            "[{}] simd {:e} vs twin {:e}, tolerance {:e}",
            i,
            x,
            y,
            t
        );
    }
    Ok(())
}

/// Every element of `a` equals `b` outside `r` (nothing written there).
fn untouched(a: &[f32], b: &[f32], r: core::ops::Range<usize>) -> Result<(), TestCaseError> {
    for i in (0..a.len()).filter(|i| !r.contains(i)) {
        prop_assert_eq!(a[i].to_bits(), b[i].to_bits(), "[{}] outside the slice", i);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn axpy((v, off) in vectors(2), a in value()) {
        common::force_requested_path();
        let (x, y0) = (&v[0], &v[1]);
        let mut y = embed(y0, off);
        let mut y_ref = y.clone();
        let r = range(y0, off);
        kernels::axpy(&mut y[r.clone()], a, x);
        reference::axpy(&mut y_ref[r.clone()], a, x);
        let tol: Vec<f32> = y0.iter().zip(x).map(|(y, x)| 2.0 * EPS * (y.abs() + (a * x).abs())).collect();
        close(&y[r.clone()], &y_ref[r.clone()], &tol)?;
        untouched(&y, &y_ref, r)?;
    }

    #[test]
    fn dot_and_sum_squares((v, _off) in vectors(2)) {
        common::force_requested_path();
        let (x, y) = (&v[0], &v[1]);
        let n = x.len() as f32;
        let scale: f32 = x.iter().zip(y).map(|(a, b)| (a * b).abs()).sum();
        let (d, d_ref) = (kernels::dot(x, y), reference::dot(x, y));
        close(&[d], &[d_ref], &[n * EPS * scale])?;
        let s_ref = reference::sum_squares(x);
        close(&[kernels::sum_squares(x)], &[s_ref], &[n * EPS * s_ref])?;
    }

    #[test]
    fn sigmoid((v, off) in vectors(1), spread in prop_oneof![Just(1.0f32), Just(20.0), Just(100.0)]) {
        common::force_requested_path();
        let z0: Vec<f32> = v[0].iter().map(|z| z / 100.0 * spread).collect();
        let mut z = embed(&z0, off);
        let mut z_ref = z.clone();
        let r = range(&z0, off);
        kernels::sigmoid(&mut z[r.clone()]);
        reference::sigmoid(&mut z_ref[r.clone()]);
        let tol: Vec<f32> = z_ref[r.clone()].iter().map(|s| 1e-7 + 8.0 * EPS * s).collect();
        close(&z[r.clone()], &z_ref[r.clone()], &tol)?;
        untouched(&z, &z_ref, r)?;
    }

    #[test]
    fn output_delta((v, _off) in vectors(1), label in any::<prop::sample::Index>(), offset in 0usize..3) {
        common::force_requested_path();
        let y: Vec<f32> = v[0].iter().map(|x| (x / 100.0).abs().min(1.0)).collect();
        prop_assume!(!y.is_empty());
        let label = label.index(y.len());
        let n = y.len();
        let (mut d, mut d_ref) = (vec![f32::NAN; n], vec![f32::NAN; n]);
        let loss = kernels::output_delta(&y, label, offset.min(label), &mut d);
        let loss_ref = reference::output_delta(&y, label, offset.min(label), &mut d_ref);
        close(&d, &d_ref, &vec![1e-7; n])?;
        close(&[loss], &[loss_ref], &[n as f32 * EPS * loss_ref + 1e-7])?;
    }

    #[test]
    fn hidden_delta(
        n_h in 1usize..40,
        n_next in 1usize..70,
        seed in any::<u64>(),
    ) {
        common::force_requested_path();
        let mut rng = dlr::rng::Rng::new(seed);
        let h: Vec<f32> = (0..n_h).map(|_| rng.uniform()).collect();
        let w: Vec<f32> = (0..n_h * n_next).map(|_| rng.uniform_symmetric(3.0)).collect();
        let d: Vec<f32> = (0..n_next).map(|_| rng.uniform_symmetric(0.25)).collect();
        let (mut e, mut e_ref) = (vec![f32::NAN; n_h], vec![f32::NAN; n_h]);
        kernels::hidden_delta(&h, &w, &d, &mut e);
        reference::hidden_delta(&h, &w, &d, &mut e_ref);
        let tol: Vec<f32> = (0..n_h)
            .map(|i| {
                let s: f32 = (0..n_next).map(|k| (w[i * n_next + k] * d[k]).abs()).sum();
                n_next as f32 * EPS * s * 0.25 + 1e-30
            })
            .collect();
        close(&e, &e_ref, &tol)?;
    }

    #[test]
    fn forward_rows(
        n_in in 1usize..50,
        n_out in 1usize..80,
        seed in any::<u64>(),
        density in 0.0f32..1.0,
    ) {
        common::force_requested_path();
        let mut rng = dlr::rng::Rng::new(seed);
        let w: Vec<f32> = (0..n_in * n_out).map(|_| rng.uniform_symmetric(2.0)).collect();
        let x: Vec<f32> = (0..n_in).map(|_| rng.uniform()).collect();
        let rows: Vec<u32> = (0..n_in as u32).filter(|_| rng.uniform() < density).collect();
        let (mut z, mut z_ref) = (vec![f32::NAN; n_out], vec![f32::NAN; n_out]);
        kernels::forward_rows(&mut z, &w, &x, &rows);
        reference::forward_rows(&mut z_ref, &w, &x, &rows);
        let tol: Vec<f32> = (0..n_out)
            .map(|i| {
                let s: f32 = rows.iter().map(|&j| (x[j as usize] * w[j as usize * n_out + i]).abs()).sum();
                2.0 * (rows.len() as f32 + 1.0) * EPS * s
            })
            .collect();
        close(&z, &z_ref, &tol)?;
    }

    #[test]
    fn sgd_row((v, off) in vectors(2), step in value()) {
        common::force_requested_path();
        let (w0, d) = (&v[0], &v[1]);
        let mut w = embed(w0, off);
        let mut w_ref = w.clone();
        let r = range(w0, off);
        kernels::sgd_row(&mut w[r.clone()], step, d);
        reference::sgd_row(&mut w_ref[r.clone()], step, d);
        let tol: Vec<f32> = w0.iter().zip(d).map(|(w, d)| 2.0 * EPS * (w.abs() + (step * d).abs())).collect();
        close(&w[r.clone()], &w_ref[r.clone()], &tol)?;
        untouched(&w, &w_ref, r)?;
    }

    #[test]
    fn nesterov_row((v, off) in vectors(3), a in value(), lr in 0.0f32..1.0, mu in 0.0f32..1.0) {
        common::force_requested_path();
        let (w0, v0, d) = (&v[0], &v[1], &v[2]);
        let (mut w, mut vel) = (embed(w0, off), embed(v0, off));
        let (mut w_ref, mut vel_ref) = (w.clone(), vel.clone());
        let r = range(w0, off);
        kernels::nesterov_row(&mut w[r.clone()], &mut vel[r.clone()], a, d, lr, mu);
        reference::nesterov_row(&mut w_ref[r.clone()], &mut vel_ref[r.clone()], a, d, lr, mu);
        let g: Vec<f32> = d.iter().map(|d| (a * d).abs()).collect();
        let tol_v: Vec<f32> = (0..g.len()).map(|i| 4.0 * EPS * (mu * v0[i].abs() + g[i])).collect();
        close(&vel[r.clone()], &vel_ref[r.clone()], &tol_v)?;
        let tol_w: Vec<f32> = (0..g.len())
            .map(|i| 4.0 * EPS * (w0[i].abs() + lr * (2.0 * g[i] + mu * v0[i].abs())))
            .collect();
        close(&w[r.clone()], &w_ref[r.clone()], &tol_w)?;
        untouched(&w, &w_ref, r.clone())?;
        untouched(&vel, &vel_ref, r)?;
    }

    #[test]
    fn adam_row(
        (v, off) in vectors(3),
        a in value(),
        beta1 in 0.0f32..1.0,
        beta2 in 0.0f32..1.0,
        lr_t in 0.0f32..10.0,
        inv_sqrt_bc2 in 1.0f32..40.0,
        eps in prop_oneof![Just(1e-8f32), Just(1e-4), 1e-3f32..1.0],
    ) {
        common::force_requested_path();
        let (w0, m0, d) = (&v[0], &v[1], &v[2]);
        let v0: Vec<f32> = v[1].iter().map(|x| x * x).collect();
        let (mut w, mut m, mut sq) = (embed(w0, off), embed(m0, off), embed(&v0, off));
        let (mut w_r, mut m_r, mut sq_r) = (w.clone(), m.clone(), sq.clone());
        let r = range(w0, off);
        kernels::adam_row(
            &mut w[r.clone()], &mut m[r.clone()], &mut sq[r.clone()], a, d,
            beta1, beta2, lr_t, inv_sqrt_bc2, eps,
        );
        reference::adam_row(
            &mut w_r[r.clone()], &mut m_r[r.clone()], &mut sq_r[r.clone()], a, d,
            beta1, beta2, lr_t, inv_sqrt_bc2, eps,
        );
        let n = w0.len();
        let g: Vec<f32> = d.iter().map(|d| a * d).collect();
        let tol_m: Vec<f32> = (0..n).map(|i| 4.0 * EPS * (beta1 * m0[i].abs() + (1.0 - beta1) * g[i].abs())).collect();
        close(&m[r.clone()], &m_r[r.clone()], &tol_m)?;
        let tol_v: Vec<f32> = (0..n).map(|i| 4.0 * EPS * (beta2 * v0[i] + (1.0 - beta2) * g[i] * g[i])).collect();
        close(&sq[r.clone()], &sq_r[r.clone()], &tol_v)?;
        // The step lr_t·m / (√v·c + ε) carries the relative error of m and
        // of √v (a few ε each), then one subtraction.
        let tol_w: Vec<f32> = (0..n)
            .map(|i| {
                let step = lr_t * m_r[off + i].abs() / (sq_r[off + i].sqrt() * inv_sqrt_bc2 + eps);
                16.0 * EPS * (w0[i].abs() + step) + 1e-30
            })
            .collect();
        close(&w[r.clone()], &w_r[r.clone()], &tol_w)?;
        untouched(&w, &w_r, r.clone())?;
        untouched(&m, &m_r, r.clone())?;
        untouched(&sq, &sq_r, r)?;
    }

    #[test]
    fn dlr_row((v, off) in vectors(2), step in 0.0f32..2.0, alpha in 0.01f32..3.0) {
        common::force_requested_path();
        let (w0, d) = (&v[0], &v[1]);
        let mut w = embed(w0, off);
        let mut w_ref = w.clone();
        let r = range(w0, off);
        let s = kernels::dlr_row(&mut w[r.clone()], step, alpha, d);
        let s_ref = reference::dlr_row(&mut w_ref[r.clone()], step, alpha, d);
        let tol: Vec<f32> = w0.iter().zip(d)
            .map(|(w, d)| 4.0 * EPS * (w.abs() + step * (w.abs() + alpha) * d.abs()))
            .collect();
        close(&w[r.clone()], &w_ref[r.clone()], &tol)?;
        untouched(&w, &w_ref, r.clone())?;
        // Σw² of the new weights: order of summation, and each w within tol.
        let n = w0.len() as f32;
        let spread: f32 = w_ref[r].iter().zip(&tol).map(|(w, t)| 2.0 * w.abs() * t + t * t).sum();
        close(&[s], &[s_ref], &[2.0 * n * EPS * s_ref + spread])?;
    }

    #[test]
    fn dlr_post_row((v, off) in vectors(3), a in 0.0f32..1.0, alpha in 0.01f32..3.0) {
        common::force_requested_path();
        let (w0, sd) = (&v[0], &v[1]);
        let c0: Vec<f32> = v[2].iter().map(|c| c.abs() * 10.0).collect();
        let (mut w, mut c) = (embed(w0, off), embed(&c0, off));
        let (mut w_ref, mut c_ref) = (w.clone(), c.clone());
        let r = range(w0, off);
        kernels::dlr_post_row(&mut w[r.clone()], a, alpha, sd, &mut c[r.clone()]);
        reference::dlr_post_row(&mut w_ref[r.clone()], a, alpha, sd, &mut c_ref[r.clone()]);
        let delta: Vec<f32> = (0..w0.len()).map(|i| a * (w0[i].abs() + alpha) * sd[i].abs()).collect();
        let tol_w: Vec<f32> = (0..w0.len()).map(|i| 4.0 * EPS * (w0[i].abs() + delta[i])).collect();
        close(&w[r.clone()], &w_ref[r.clone()], &tol_w)?;
        // new² − old² from weights each within tol_w, added to c.
        let tol_c: Vec<f32> = (0..w0.len())
            .map(|i| {
                let big = 2.0 * w0[i].abs() + delta[i];
                8.0 * EPS * (c0[i] + big * (delta[i] + tol_w[i])) + 2.0 * big * tol_w[i]
            })
            .collect();
        close(&c[r.clone()], &c_ref[r.clone()], &tol_c)?;
        untouched(&w, &w_ref, r.clone())?;
        untouched(&c, &c_ref, r)?;
    }

    #[test]
    fn dlr_steps(
        (v, _off) in vectors(2),
        picks in prop::collection::vec(any::<prop::sample::Index>(), 0..40),
        eta0 in 0.0f32..10.0,
        alpha in 0.01f32..3.0,
    ) {
        common::force_requested_path();
        prop_assume!(!v[0].is_empty());
        // Eight partial sums per row: the squares of v[0] spread over rows.
        let row_lanes: Vec<f32> = v[0].iter().map(|x| x * x).collect();
        let n_rows = row_lanes.len() / 8;
        prop_assume!(n_rows > 0);
        let a: Vec<f32> = v[1].iter().map(|x| x.abs()).collect();
        let rows: Vec<u32> = picks.iter().map(|p| p.index(n_rows) as u32).collect();
        let mut s = embed(&vec![0.0; rows.len()], 3);
        let mut s_ref = s.clone();
        let r = 3..3 + rows.len();
        kernels::dlr_steps(&rows, &a, &row_lanes, eta0, alpha, &mut s[r.clone()]);
        reference::dlr_steps(&rows, &a, &row_lanes, eta0, alpha, &mut s_ref[r.clone()]);
        let tol = vec![0.0; rows.len()];
        close(&s[r.clone()], &s_ref[r.clone()], &tol)?;
        untouched(&s, &s_ref, r)?;
    }

    #[test]
    fn sgd_rows(
        (n_in, n_out, vals) in layer(),
        picks in prop::collection::vec(any::<prop::sample::Index>(), 0..30),
        listed in any::<bool>(),
        lr in 0.0f32..2.0,
    ) {
        common::force_requested_path();
        let (w0, a, d) = split_layer(&vals, n_in, n_out);
        let rows = distinct_rows(&picks, n_in);
        let rows = listed.then_some(&rows[..]);
        let (mut w, mut w_ref) = (w0.clone(), w0.clone());
        kernels::sgd_rows(&mut w, rows, &a, lr, &d);
        reference::sgd_rows(&mut w_ref, rows, &a, lr, &d);
        let tol: Vec<f32> = w0.iter().enumerate()
            .map(|(i, w)| 2.0 * EPS * (w.abs() + (lr * a[i / n_out] * d[i % n_out]).abs()))
            .collect();
        close(&w, &w_ref, &tol)?;
    }

    #[test]
    fn dlr_rows_lanes(
        (n_in, n_out, vals) in layer(),
        picks in prop::collection::vec(any::<prop::sample::Index>(), 0..30),
        every_row in any::<bool>(),
        alpha in 0.01f32..3.0,
    ) {
        common::force_requested_path();
        let (w0, a, d) = split_layer(&vals, n_in, n_out);
        let rows = if every_row { (0..n_in as u32).collect() } else { distinct_rows(&picks, n_in) };
        let step: Vec<f32> = rows.iter().map(|&j| a[j as usize].abs()).collect();
        let (mut w, mut w_ref) = (w0.clone(), w0.clone());
        let (mut lanes, mut lanes_ref) = (vec![-7.25f32; n_in * 8], vec![-7.25f32; n_in * 8]);
        kernels::dlr_rows_lanes(&mut w, &rows, &step, alpha, &d, &mut lanes);
        reference::dlr_rows_lanes(&mut w_ref, &rows, &step, alpha, &d, &mut lanes_ref);
        let mut row_step = vec![0.0f32; n_in];
        for (&j, &s) in rows.iter().zip(&step) {
            row_step[j as usize] = s;
        }
        let tol: Vec<f32> = w0.iter().enumerate()
            .map(|(i, w)| {
                let s = row_step[i / n_out];
                4.0 * EPS * (w.abs() + s * (w.abs() + alpha) * d[i % n_out].abs())
            })
            .collect();
        close(&w, &w_ref, &tol)?;
        // Listed rows: lane totals within the Σw² bound; others untouched.
        for j in 0..n_in {
            let l = |v: &[f32]| dlr::simd::lane_total(v[8 * j..8 * j + 8].try_into().unwrap());
            if rows.contains(&(j as u32)) {
                let r = j * n_out..(j + 1) * n_out;
                let spread: f32 = w_ref[r.clone()].iter().zip(&tol[r])
                    .map(|(w, t)| 2.0 * w.abs() * t + t * t).sum();
                let bound = 2.0 * n_out as f32 * EPS * l(&lanes_ref) + spread;
                close(&[l(&lanes)], &[l(&lanes_ref)], &[bound])?;
            } else {
                untouched(&lanes[8 * j..8 * j + 8], &lanes_ref[8 * j..8 * j + 8], 0..0)?;
            }
        }
    }
}

/// A layer of `n_in` rows of `n_out` weights (rows of ten, the output
/// layer's, more often; rows of 505..=530, AVX-512's 16-lane head and every
/// tail after it, less), and values for its weights, inputs and deltas.
fn layer() -> impl Strategy<Value = (usize, usize, Vec<f32>)> {
    let n_out = prop_oneof![2 => Just(10usize), 2 => 1usize..=40, 1 => 505usize..=530];
    (1usize..14, n_out).prop_flat_map(|(n_in, n_out)| {
        let vals = prop::collection::vec(value(), n_in * n_out + n_in + n_out);
        (Just(n_in), Just(n_out), vals)
    })
}

/// Weights `(n_in · n_out)`, inputs `(n_in)` (a fifth of them zero) and
/// deltas `(n_out)` out of [`layer`]'s values.
fn split_layer(vals: &[f32], n_in: usize, n_out: usize) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let (w, rest) = vals.split_at(n_in * n_out);
    let (a, d) = rest.split_at(n_in);
    let a = a
        .iter()
        .enumerate()
        .map(|(j, &x)| if j % 5 == 2 { 0.0 } else { x })
        .collect();
    (w.to_vec(), a, d.to_vec())
}

/// The picked rows of `0..n_in`, each once, in the order first picked.
fn distinct_rows(picks: &[prop::sample::Index], n_in: usize) -> Vec<u32> {
    let mut rows: Vec<u32> = Vec::new();
    for p in picks {
        let j = p.index(n_in) as u32;
        if !rows.contains(&j) {
            rows.push(j);
        }
    }
    rows
}
