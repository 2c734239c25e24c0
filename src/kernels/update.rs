//! SIMD kernels of the optimizer updates, one row (the outgoing weights of
//! one input `j`) at a time. Twins: [`super::reference`].
//!
//! The rank-1 gradient of row `j` is `a_j δ`, so no gradient matrix is built;
//! a dense gradient row `g` is passed as `a = 1, δ = g`. Each kernel's body
//! is written once over [`Vector`] and run as `f32x8` on the head, `f32x4`
//! on the next 4 elements, and the scalar twin on the last 0–3; except the
//! two the online step runs most, [`sgd_row`] and [`dlr_row`], which end a
//! row of 8 or more with one `f32x8` that overlaps the last whole one (no
//! scalar tail, and every weight through the same fused multiply-add;
//! `sgd_row` only where a scalar tail would remain).

use super::{split3, split3_mut};
use crate::kernels::reference;
use crate::simd::{f32x4, f32x8, lane_total, lane_totals, Vector, LANES};

/// SGD: `w_i ← w_i − step δ_i`, `step = η a_j`. Twin: [`reference::sgd_row`].
///
/// Rows with a scalar tail end with an overlapping `f32x8` instead.
/// Measured (`dlr bench --optimizers sgd,dlr --layouts 12`, twice): SGD's
/// step went from 2.06 to 1.68 µs at H = 30, 4.10 to 3.98 µs at H = 100
/// and 11.66 to 10.98 µs at H = 300 when its rows of 30 and 10 lost their
/// scalar tails (LLVM compiles those with masked moves); the window on
/// every row, the rows of 100 and 300 included, made H = 100 slower (4.25).
#[inline]
pub fn sgd_row(w: &mut [f32], step: f32, delta: &[f32]) {
    debug_assert_eq!(w.len(), delta.len());
    let n = w.len();
    if n < LANES || n.is_multiple_of(4) {
        // No scalar tail (H = 100, 300, 1000): whole `f32x8` and `f32x4`
        // vectors, which measured faster than the overlapping window there.
        return super::axpy(w, -step, delta);
    }
    // Whole vectors, then the last eight weights as one vector that overlaps
    // the last whole one (as in `dlr_row`): loaded and updated before any
    // store, so the overlapping lanes get the values the loop writes.
    let neg_step = f32x8::splat(-step);
    let window = n - LANES;
    let window_new = f32x8::load(&delta[window..]).mul_add(neg_step, f32x8::load(&w[window..]));
    let full = n / LANES * LANES;
    for (wc, dc) in w[..full]
        .chunks_exact_mut(LANES)
        .zip(delta[..full].chunks_exact(LANES))
    {
        f32x8::load(dc).mul_add(neg_step, f32x8::load(wc)).store(wc);
    }
    if full < n {
        window_new.store(&mut w[window..]);
    }
}

#[inline(always)]
fn nesterov_body<V: Vector>(
    w: &mut [f32],
    v: &mut [f32],
    a: f32,
    delta: &[f32],
    lr: f32,
    momentum: f32,
) {
    let (av, lrv, mu) = (V::splat(a), V::splat(lr), V::splat(momentum));
    let n = V::LANES;
    for ((wc, vc), dc) in w
        .chunks_exact_mut(n)
        .zip(v.chunks_exact_mut(n))
        .zip(delta.chunks_exact(n))
    {
        let g = av * V::load(dc);
        let v_new = mu.mul_add(V::load(vc), g).flush_subnormal();
        v_new.store(vc);
        (V::load(wc) - lrv * mu.mul_add(v_new, g)).store(wc);
    }
}

/// Nesterov momentum: `v ← μ v + g`, `w ← w − η (g + μ v)`, `g = a δ`.
/// Twin: [`reference::nesterov_row`].
#[inline]
pub fn nesterov_row(w: &mut [f32], v: &mut [f32], a: f32, delta: &[f32], lr: f32, momentum: f32) {
    debug_assert!(w.len() == v.len() && w.len() == delta.len());
    let (w8, w4, wt) = split3_mut(w);
    let (v8, v4, vt) = split3_mut(v);
    let (d8, d4, dt) = split3(delta);
    nesterov_body::<f32x8>(w8, v8, a, d8, lr, momentum);
    nesterov_body::<f32x4>(w4, v4, a, d4, lr, momentum);
    reference::nesterov_row(wt, vt, a, dt, lr, momentum);
}

/// Adam's per-step scalars: β₁, β₂, `lr_t = α/(1 − β₁ᵗ)`, `1/√(1 − β₂ᵗ)`, ε.
#[derive(Clone, Copy)]
struct AdamScalars {
    beta1: f32,
    beta2: f32,
    lr_t: f32,
    inv_sqrt_bc2: f32,
    eps: f32,
}

#[inline(always)]
fn adam_body<V: Vector>(
    w: &mut [f32],
    m: &mut [f32],
    v: &mut [f32],
    a: f32,
    delta: &[f32],
    s: AdamScalars,
) {
    let av = V::splat(a);
    let (b1, b2) = (V::splat(s.beta1), V::splat(s.beta2));
    let (c1, c2) = (V::splat(1.0 - s.beta1), V::splat(1.0 - s.beta2));
    let (lr, bc2, eps) = (V::splat(s.lr_t), V::splat(s.inv_sqrt_bc2), V::splat(s.eps));
    let n = V::LANES;
    for (((wc, mc), vc), dc) in w
        .chunks_exact_mut(n)
        .zip(m.chunks_exact_mut(n))
        .zip(v.chunks_exact_mut(n))
        .zip(delta.chunks_exact(n))
    {
        let g = av * V::load(dc);
        let m_new = (b1 * V::load(mc) + c1 * g).flush_subnormal();
        let v_new = (b2 * V::load(vc) + c2 * g * g).flush_subnormal();
        m_new.store(mc);
        v_new.store(vc);
        // Exact sqrt and division: the approximate rsqrt would cost accuracy.
        (V::load(wc) - (lr * m_new).div(v_new.sqrt() * bc2 + eps)).store(wc);
    }
}

/// Adam with hoisted bias correction. Twin: [`reference::adam_row`], which
/// states the maths.
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn adam_row(
    w: &mut [f32],
    m: &mut [f32],
    v: &mut [f32],
    a: f32,
    delta: &[f32],
    beta1: f32,
    beta2: f32,
    lr_t: f32,
    inv_sqrt_bc2: f32,
    eps: f32,
) {
    debug_assert!(w.len() == m.len() && w.len() == v.len() && w.len() == delta.len());
    let s = AdamScalars {
        beta1,
        beta2,
        lr_t,
        inv_sqrt_bc2,
        eps,
    };
    let (w8, w4, wt) = split3_mut(w);
    let (m8, m4, mt) = split3_mut(m);
    let (v8, v4, vt) = split3_mut(v);
    let (d8, d4, dt) = split3(delta);
    adam_body::<f32x8>(w8, m8, v8, a, d8, s);
    adam_body::<f32x4>(w4, m4, v4, a, d4, s);
    reference::adam_row(wt, mt, vt, a, dt, beta1, beta2, lr_t, inv_sqrt_bc2, eps);
}

/// DLR Eq. 1, single pass: `w_i ← w_i − step (|w_i| + α) δ_i` and returns the
/// new `Σ w_i²`, `step = η₀ a_j / (‖w_·j‖ + α)`. Twin: [`reference::dlr_row`].
///
/// [`dlr_row_lanes`] followed by the total of its lanes.
#[inline]
pub fn dlr_row(w: &mut [f32], step: f32, alpha: f32, delta: &[f32]) -> f32 {
    lane_total(&dlr_row_lanes(w, step, alpha, delta))
}

/// [`dlr_row`] that returns the new `Σ w_i²` as eight partial sums, whose
/// [`lane_total`] is the row's sum: the DLR optimizer keeps them as they
/// are and totals eight rows at once ([`dlr_steps`]), which saves the
/// horizontal sum at the end of every row. Twin: [`reference::dlr_row_lanes`].
///
/// One read and one write of the row: the norm the next step needs is summed
/// from the values as they are written, so no separate norm pass exists.
/// A row whose length is not a multiple of 8 (100, 10) ends with one vector
/// `w[n−8..n]` that overlaps the last full one. It is loaded before any
/// store (a load straddling a fresh store would stall on store forwarding)
/// and updated from the original values, so its overlapping lanes get the
/// very values the main loop writes; they are masked out of the sum only.
/// A row thus has no scalar tail.
#[inline]
pub fn dlr_row_lanes(w: &mut [f32], step: f32, alpha: f32, delta: &[f32]) -> [f32; LANES] {
    debug_assert_eq!(w.len(), delta.len());
    let n = w.len();
    if n < LANES {
        return reference::dlr_row_lanes(w, step, alpha, delta);
    }
    let full = n / LANES * LANES;
    let (neg_step, neg_step_alpha) = (f32x8::splat(-step), f32x8::splat(-step * alpha));
    // w − step (|w| + α) δ = w + (−step |w| − step α) δ: two fused
    // multiply-adds and an `abs`, one operation fewer than forming
    // |w| + α and −step δ separately.
    let update = |wv: f32x8, dv: f32x8| wv.abs().mul_add(neg_step, neg_step_alpha).mul_add(dv, wv);
    // Four partial sums of squares: one accumulator would chain every
    // vector of the row on the latency of the previous fused multiply-add.
    let mut sums = [f32x8::ZERO; 4];
    let window = n - LANES;
    let window_new = update(f32x8::load(&w[window..]), f32x8::load(&delta[window..]));
    // Lanes of the window past `full` are this row's last weights.
    let fresh = || {
        let lane = f32x8::from([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]);
        lane.simd_gt(f32x8::splat((full - window) as f32 - 0.5))
    };
    if n < 4 * LANES {
        // One to three whole vectors and the window (the output layer's rows
        // of 10, H = 30's rows of 30), straight-line. Bit for bit the general
        // path's lanes: there each whole vector's squares start a partial
        // sum of their own and the window's the fourth, so the lanes are
        // (v₀² + v₁²) + (v₂² + c²), each square rounded once, absent terms 0.
        let mut vector = |k: usize| {
            if (k + 1) * LANES > full {
                return f32x8::ZERO;
            }
            let r = k * LANES..(k + 1) * LANES;
            let v = update(f32x8::load(&w[r.clone()]), f32x8::load(&delta[r.clone()]));
            v.store(&mut w[r]);
            v * v
        };
        let first_two = vector(0) + vector(1);
        let third = vector(2);
        let last = if full < n {
            window_new.store(&mut w[window..]);
            let counted = fresh().select(window_new, f32x8::ZERO);
            counted * counted
        } else {
            f32x8::ZERO
        };
        return (first_two + (third + last)).to_array();
    }
    let (w_quads, w_rest) = w[..full].split_at_mut(full / (4 * LANES) * (4 * LANES));
    let (d_quads, d_rest) = delta[..full].split_at(w_quads.len());
    for (wq, dq) in w_quads
        .chunks_exact_mut(4 * LANES)
        .zip(d_quads.chunks_exact(4 * LANES))
    {
        for (k, s) in sums.iter_mut().enumerate() {
            let r = k * LANES..(k + 1) * LANES;
            let w_new = update(f32x8::load(&wq[r.clone()]), f32x8::load(&dq[r.clone()]));
            w_new.store(&mut wq[r]);
            *s = w_new.mul_add(w_new, *s);
        }
    }
    for (k, (wc, dc)) in w_rest
        .chunks_exact_mut(LANES)
        .zip(d_rest.chunks_exact(LANES))
        .enumerate()
    {
        let w_new = update(f32x8::load(wc), f32x8::load(dc));
        w_new.store(wc);
        sums[k] = w_new.mul_add(w_new, sums[k]);
    }
    if full < n {
        window_new.store(&mut w[window..]);
        let counted = fresh().select(window_new, f32x8::ZERO);
        sums[3] = counted.mul_add(counted, sums[3]);
    }
    ((sums[0] + sums[1]) + (sums[2] + sums[3])).to_array()
}

#[inline(always)]
fn dlr_post_body<V: Vector>(
    w: &mut [f32],
    a: f32,
    alpha: f32,
    scaled_delta: &[f32],
    col_sum_sq: &mut [f32],
) {
    let (neg_a, neg_a_alpha) = (V::splat(-a), V::splat(-a * alpha));
    let n = V::LANES;
    for ((wc, dc), sc) in w
        .chunks_exact_mut(n)
        .zip(scaled_delta.chunks_exact(n))
        .zip(col_sum_sq.chunks_exact_mut(n))
    {
        let old = V::load(wc);
        // old + (−a |old| − a α) scaled_delta: two fused multiply-adds, as
        // in `dlr_row`.
        let new = old
            .abs()
            .mul_add(neg_a, neg_a_alpha)
            .mul_add(V::load(dc), old);
        new.store(wc);
        // new² − old² = (new − old)(new + old): no cancellation of two squares.
        (new - old).mul_add(new + old, V::load(sc)).store(sc);
    }
}

/// DLR Eq. 3, single pass: `w_i ← w_i − a_j (|w_i| + α) scaled_delta_i` and
/// `col_sum_sq_i += w_new² − w_old²`. Twin: [`reference::dlr_post_row`].
#[inline]
pub fn dlr_post_row(
    w: &mut [f32],
    a: f32,
    alpha: f32,
    scaled_delta: &[f32],
    col_sum_sq: &mut [f32],
) {
    debug_assert!(w.len() == scaled_delta.len() && w.len() == col_sum_sq.len());
    let (w8, w4, wt) = split3_mut(w);
    let (d8, d4, dt) = split3(scaled_delta);
    let (s8, s4, st) = split3_mut(col_sum_sq);
    dlr_post_body::<f32x8>(w8, a, alpha, d8, s8);
    dlr_post_body::<f32x4>(w4, a, alpha, d4, s4);
    reference::dlr_post_row(wt, a, alpha, dt, st);
}

/// DLR Eq. 1 step factors of the rows `rows`, eight rows at a time:
/// `step_k ← η₀ a_r / (‖w_·r‖ + α)` for `r = rows[k]`, where `‖w_·r‖²` is
/// the [`lane_total`] of the row's eight partial sums `row_lanes[8r..8r + 8]`
/// (as [`dlr_row_lanes`] leaves them). Twin: [`reference::dlr_steps`],
/// equal to the last bit.
///
/// One transposed total ([`lane_totals`]), one square root and one division
/// per eight rows, instead of a horizontal sum, a square root and a
/// division at each row, whose latency the row update would wait for
/// (BENCHMARKS.md). The inputs are gathered with scalar loads: AVX2's
/// gather instruction measured slower on Zen 3.
///
/// + `a`: `(n_rows,)`; `row_lanes`: `(n_rows · 8,)`; `step`: `(rows.len(),)`,
///   overwritten
///
/// # Panics
/// If a row index is out of bounds of `a` or `row_lanes`.
#[inline]
pub fn dlr_steps(
    rows: &[u32],
    a: &[f32],
    row_lanes: &[f32],
    eta0: f32,
    alpha: f32,
    step: &mut [f32],
) {
    debug_assert_eq!(rows.len(), step.len());
    let (eta0v, alphav) = (f32x8::splat(eta0), f32x8::splat(alpha));
    let mut row_chunks = rows.chunks_exact(LANES);
    let mut step_chunks = step.chunks_exact_mut(LANES);
    for (rc, sc) in (&mut row_chunks).zip(&mut step_chunks) {
        let mut inputs = [0.0f32; LANES];
        let mut lanes = [f32x8::ZERO; LANES];
        for ((x, l), &r) in inputs.iter_mut().zip(lanes.iter_mut()).zip(rc) {
            let r = r as usize;
            *x = a[r];
            *l = f32x8::load(&row_lanes[r * LANES..(r + 1) * LANES]);
        }
        eight_steps(eta0v, alphav, f32x8::from(inputs), &lanes).store(sc);
    }
    reference::dlr_steps(
        row_chunks.remainder(),
        a,
        row_lanes,
        eta0,
        alpha,
        step_chunks.into_remainder(),
    );
}

/// `η₀ a / (‖w‖ + α)` of eight rows, their inputs `a` and lane sums.
#[inline(always)]
fn eight_steps(eta0: f32x8, alpha: f32x8, a: f32x8, lanes: &[f32x8; LANES]) -> f32x8 {
    (eta0 * a).div(lane_totals(lanes).sqrt() + alpha)
}

/// [`dlr_steps`] of every row, `rows = 0..a.len()`, with contiguous loads
/// instead of gathers: the layers after the first, whose logistic inputs
/// are all non-zero in practice, and dense (mini-batch) gradients with
/// `a = 1`. Twin: [`reference::dlr_steps_every_row`], equal to the last bit.
///
/// + `a`, `step`: `(n_rows,)`; `row_lanes`: `(n_rows · 8,)`
#[inline]
pub fn dlr_steps_every_row(a: &[f32], row_lanes: &[f32], eta0: f32, alpha: f32, step: &mut [f32]) {
    debug_assert!(a.len() == step.len() && row_lanes.len() == a.len() * LANES);
    let (eta0v, alphav) = (f32x8::splat(eta0), f32x8::splat(alpha));
    let mut a_chunks = a.chunks_exact(LANES);
    let mut lane_chunks = row_lanes.chunks_exact(LANES * LANES);
    let mut step_chunks = step.chunks_exact_mut(LANES);
    for ((ac, lc), sc) in (&mut a_chunks).zip(&mut lane_chunks).zip(&mut step_chunks) {
        let lanes: [f32x8; LANES] =
            core::array::from_fn(|k| f32x8::load(&lc[k * LANES..(k + 1) * LANES]));
        eight_steps(eta0v, alphav, f32x8::load(ac), &lanes).store(sc);
    }
    reference::dlr_steps_every_row(
        a_chunks.remainder(),
        lane_chunks.remainder(),
        eta0,
        alpha,
        step_chunks.into_remainder(),
    );
}
