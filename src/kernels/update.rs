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
/// Rows with a scalar tail (30, 10) end with an overlapping `f32x8`
/// instead: LLVM compiles such a tail with masked moves, which cost more
/// than the window. Rows without one (100, 300) keep their whole `f32x8`
/// and `f32x4` vectors, where the window measured slower. BENCHMARKS.md
/// ("SGD's scalar tails") has the figures.
#[inline]
pub fn sgd_row(w: &mut [f32], step: f32, delta: &[f32]) {
    debug_assert_eq!(w.len(), delta.len());
    let n = w.len();
    if !sgd_row_has_window(n) {
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

/// Whether [`sgd_row`] ends a row of `n` weights with an overlapping
/// vector: rows of 8 or more that `axpy` would end with a scalar tail.
#[inline(always)]
fn sgd_row_has_window(n: usize) -> bool {
    n >= LANES && !n.is_multiple_of(4)
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
    if n < 4 * LANES {
        // One to three whole vectors and the window (the output layer's rows
        // of 10, H = 30's rows of 30): the many-row kernel's straight-line
        // code, run on this one row.
        let mut lanes = [0.0; LANES];
        short_rows_lanes(w, &[0], &[step], alpha, delta, &mut lanes);
        return lanes;
    }
    long_row_lanes(w, step, alpha, delta)
}

/// [`dlr_row_lanes`] of a row of 32 weights or more: quads of vectors into
/// four partial sums, the whole vectors left, then the window.
#[inline(always)]
fn long_row_lanes(w: &mut [f32], step: f32, alpha: f32, delta: &[f32]) -> [f32; LANES] {
    let n = w.len();
    debug_assert!(n >= 4 * LANES && n == delta.len());
    let full = n / LANES * LANES;
    let update = dlr_update(step, alpha);
    // Four partial sums of squares: one accumulator would chain every
    // vector of the row on the latency of the previous fused multiply-add.
    let mut sums = [f32x8::ZERO; 4];
    let window = n - LANES;
    let window_new = update(f32x8::load(&w[window..]), f32x8::load(&delta[window..]));
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
        let counted = fresh_lanes(full - window).select(window_new, f32x8::ZERO);
        sums[3] = counted.mul_add(counted, sums[3]);
    }
    ((sums[0] + sums[1]) + (sums[2] + sums[3])).to_array()
}

/// The fused DLR Eq. 1 update of eight weights `wv` with deltas `dv`, each
/// lane with its row's `−step` and `−step · α`:
/// `w − step (|w| + α) δ = w + (−step |w| − step α) δ`, two fused
/// multiply-adds and an `abs`, one operation fewer than forming `|w| + α`
/// and `−step δ` separately.
#[inline(always)]
fn dlr_update_lanes(neg_step: f32x8, neg_step_alpha: f32x8, wv: f32x8, dv: f32x8) -> f32x8 {
    wv.abs().mul_add(neg_step, neg_step_alpha).mul_add(dv, wv)
}

/// [`dlr_update_lanes`] of one row, step `step`.
#[inline(always)]
fn dlr_update(step: f32, alpha: f32) -> impl Fn(f32x8, f32x8) -> f32x8 {
    let (neg_step, neg_step_alpha) = (f32x8::splat(-step), f32x8::splat(-step * alpha));
    move |wv, dv| dlr_update_lanes(neg_step, neg_step_alpha, wv, dv)
}

/// All-ones lanes `first_fresh..8`, zero lanes before: which lanes of a
/// row's overlapping last vector `w[n−8..n]` hold weights that no whole
/// vector covers (`first_fresh = full − (n − 8)`), the only ones its sum of
/// squares may count.
#[inline(always)]
fn fresh_lanes(first_fresh: usize) -> f32x8 {
    let lane = f32x8::from([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]);
    lane.simd_gt(f32x8::splat(first_fresh as f32 - 0.5))
}

/// [`dlr_row_lanes`] on the listed rows of a layer, last listed row first:
/// row `r = rows[k]` of `w` (`(n_in, n_out)`, `n_out = delta.len()`) takes
/// step `step[k]`, and its eight partial sums go to `row_lanes[8r..8r + 8]`.
/// Bit for bit the same as calling [`dlr_row_lanes`] on each row in that
/// order. Twin: [`reference::dlr_rows_lanes`].
///
/// Last listed row first: the forward pass has just read these rows in
/// ascending order, so the last ones are likeliest still in L1. The order
/// changes no result, rows being independent.
///
/// Rows of 8–31 weights (the output layer's 10, H = 30's 30) run in one
/// loop that keeps `δ`, the overlapping window's `δ` and its mask in
/// registers and has the vector count as a constant, instead of setting
/// them up again at every row. With AVX2, runs of four consecutive rows of
/// ten (a ten-class output layer lists every row) go as five whole vectors
/// (`four_rows_of_ten`) rather than four rows of a vector and an
/// overlapping window each. BENCHMARKS.md ("What the profiling found")
/// measures all three choices.
///
/// + `rows`, `step`: `(n_rows,)`; `row_lanes`: `(n_in · 8,)`
///
/// # Panics
/// If a row is out of bounds of `w` or `row_lanes`.
#[inline]
pub fn dlr_rows_lanes(
    w: &mut [f32],
    rows: &[u32],
    step: &[f32],
    alpha: f32,
    delta: &[f32],
    row_lanes: &mut [f32],
) {
    debug_assert_eq!(rows.len(), step.len());
    let n = delta.len();
    if n < LANES {
        return reference::dlr_rows_lanes(w, rows, step, alpha, delta, row_lanes);
    }
    if n < 4 * LANES {
        return short_rows_lanes(w, rows, step, alpha, delta, row_lanes);
    }
    for (&j, &s) in rows.iter().zip(step).rev() {
        let j = j as usize;
        let new_lanes = long_row_lanes(&mut w[j * n..(j + 1) * n], s, alpha, delta);
        row_lanes[j * LANES..(j + 1) * LANES].copy_from_slice(&new_lanes);
    }
}

/// [`dlr_rows_lanes`] for rows of 8–31 weights: `n_out / 8` whole vectors
/// as a constant. Not inlined: [`dlr_row_lanes`] runs its short rows
/// through it too, so each row length is compiled once (the embedded
/// example's size).
fn short_rows_lanes(
    w: &mut [f32],
    rows: &[u32],
    step: &[f32],
    alpha: f32,
    delta: &[f32],
    row_lanes: &mut [f32],
) {
    match delta.len() / LANES {
        1 => short_rows_lanes_of::<1>(w, rows, step, alpha, delta, row_lanes),
        2 => short_rows_lanes_of::<2>(w, rows, step, alpha, delta, row_lanes),
        _ => short_rows_lanes_of::<3>(w, rows, step, alpha, delta, row_lanes),
    }
}

/// Rows of `8 K + m` weights, `m < 8`: `K` whole vectors and, if `m > 0`,
/// the window `w[n−8..n]`, straight-line. Bit for bit the lanes of
/// [`dlr_row_lanes`]'s loop: there each whole vector's squares start a
/// partial sum of their own and the window's the fourth, so the lanes are
/// `(v₀² + v₁²) + (v₂² + c²)`, each square rounded once, absent terms 0.
#[inline(always)]
fn short_rows_lanes_of<const K: usize>(
    w: &mut [f32],
    rows: &[u32],
    step: &[f32],
    alpha: f32,
    delta: &[f32],
    row_lanes: &mut [f32],
) {
    let n = delta.len();
    debug_assert!(K >= 1 && K <= 3 && n / LANES == K);
    let window = n - LANES;
    let has_window = K * LANES < n;
    let d: [f32x8; K] = core::array::from_fn(|k| f32x8::load(&delta[k * LANES..]));
    let d_window = f32x8::load(&delta[window..]);
    let fresh = fresh_lanes(K * LANES - window);
    let one_row = |w: &mut [f32], row_lanes: &mut [f32], j: u32, s: f32| {
        let j = j as usize;
        let row = &mut w[j * n..(j + 1) * n];
        let update = dlr_update(s, alpha);
        // Loaded and updated before any store, as in `dlr_row_lanes`.
        let window_new = update(f32x8::load(&row[window..]), d_window);
        let mut squares = [f32x8::ZERO; 3];
        for (k, (sq, &dk)) in squares.iter_mut().zip(&d).enumerate() {
            let r = k * LANES..(k + 1) * LANES;
            let v = update(f32x8::load(&row[r.clone()]), dk);
            v.store(&mut row[r]);
            *sq = v * v;
        }
        let last = if has_window {
            window_new.store(&mut row[window..]);
            let counted = fresh.select(window_new, f32x8::ZERO);
            counted * counted
        } else {
            f32x8::ZERO
        };
        let lanes = (squares[0] + squares[1]) + (squares[2] + last);
        lanes.store(&mut row_lanes[j * LANES..(j + 1) * LANES]);
    };
    // Rows of ten (a ten-class output layer, where a step lists every row):
    // four consecutive rows at a time as five whole vectors.
    #[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
    let tiled = (K == 1 && n == 10).then(|| -> [f32x8; 5] {
        core::array::from_fn(|v| f32x8::from(core::array::from_fn(|l| delta[(8 * v + l) % 10])))
    });
    // Last listed row first; one call site of the row update, so that it is
    // compiled once.
    let mut k = rows.len();
    while k > 0 {
        #[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
        if let (Some(d), Some(g)) = (&tiled, k.checked_sub(4).map(|first| &rows[first..k])) {
            let r = g[0] as usize;
            if g[1] as usize == r + 1 && g[2] as usize == r + 2 && g[3] as usize == r + 3 {
                let (w40, lanes32) = (10 * r..10 * r + 40, LANES * r..LANES * r + 32);
                four_rows_of_ten(
                    &mut w[w40],
                    &step[k - 4..k],
                    alpha,
                    d,
                    &mut row_lanes[lanes32],
                );
                k -= 4;
                continue;
            }
        }
        k -= 1;
        one_row(w, row_lanes, rows[k], step[k]);
    }
}

/// Four consecutive rows of ten weights, `w` = their 40 weights, updated as
/// five whole vectors instead of four rows of a vector and an overlapping
/// window each; `delta_tiled` is `δ` repeated along the 40 weights,
/// `row_lanes` the rows' 32 lane sums. Bit for bit the weights and lanes
/// of [`dlr_row_lanes`] on each row: every weight gets its own row's step
/// through the same two fused multiply-adds, and each row's squares are
/// moved (`vpermps`) into the lanes the single-row kernel gives them,
/// `w₀²…w₇²` with `w₈²` added to lane 6 and `w₉²` to lane 7.
#[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
#[inline(always)]
fn four_rows_of_ten(
    w: &mut [f32],
    step: &[f32],
    alpha: f32,
    delta_tiled: &[f32x8; 5],
    row_lanes: &mut [f32],
) {
    use safe_arch::{blend_m256, m256, m256i, shuffle_av_f32_all_m256};
    fn m(x: f32x8) -> m256 {
        bytemuck::cast(x)
    }
    // Lanes of `x` picked by `idx` (a lane-crossing permute).
    fn pick(x: f32x8, idx: [i32; 8]) -> f32x8 {
        bytemuck::cast(shuffle_av_f32_all_m256(m(x), m256i::from(idx)))
    }
    // Lanes of `a`, and of `b` where `IMM` has a bit set.
    fn blend<const IMM: i32>(a: f32x8, b: f32x8) -> f32x8 {
        bytemuck::cast(blend_m256::<IMM>(m(a), m(b)))
    }
    // Lanes 6 and 7 of `x`, zeros elsewhere.
    let last_two = |x: f32x8| blend::<0b1100_0000>(f32x8::ZERO, x);
    let neg_step = -f32x8::from([step[0], step[1], step[2], step[3], 0.0, 0.0, 0.0, 0.0]);
    let alpha = f32x8::splat(alpha);
    // The row (0–3) of each lane of the five vectors.
    const ROW: [[i32; 8]; 5] = [
        [0, 0, 0, 0, 0, 0, 0, 0],
        [0, 0, 1, 1, 1, 1, 1, 1],
        [1, 1, 1, 1, 2, 2, 2, 2],
        [2, 2, 2, 2, 2, 2, 3, 3],
        [3, 3, 3, 3, 3, 3, 3, 3],
    ];
    let mut q = [f32x8::ZERO; 5];
    for (v, (qv, &dv)) in q.iter_mut().zip(delta_tiled).enumerate() {
        let r = LANES * v..LANES * (v + 1);
        // Each lane's −step, and −step · α as `dlr_update` forms it (the
        // product of the picked lanes is the picked product: one permute).
        let neg_step = pick(neg_step, ROW[v]);
        let new = dlr_update_lanes(neg_step, neg_step * alpha, f32x8::load(&w[r.clone()]), dv);
        new.store(&mut w[r]);
        *qv = new * new;
    }
    // Row k's weights are q's lanes 10k..10k + 10 (counting across the
    // vectors): lanes 0–7 from the first eight, lanes 6 and 7 plus the
    // last two. Unused lanes of an index (0) are blended or masked away.
    let lanes = [
        q[0] + last_two(pick(q[1], [0, 0, 0, 0, 0, 0, 0, 1])),
        blend::<0b1100_0000>(
            pick(q[1], [2, 3, 4, 5, 6, 7, 0, 0]),
            pick(q[2], [0, 0, 0, 0, 0, 0, 0, 1]),
        ) + last_two(pick(q[2], [0, 0, 0, 0, 0, 0, 2, 3])),
        blend::<0b1111_0000>(
            pick(q[2], [4, 5, 6, 7, 0, 0, 0, 0]),
            pick(q[3], [0, 0, 0, 0, 0, 1, 2, 3]),
        ) + last_two(pick(q[3], [0, 0, 0, 0, 0, 0, 4, 5])),
        blend::<0b1111_1100>(
            pick(q[3], [6, 7, 0, 0, 0, 0, 0, 0]),
            pick(q[4], [0, 0, 0, 1, 2, 3, 4, 5]),
        ) + last_two(q[4]),
    ];
    for (k, l) in lanes.iter().enumerate() {
        l.store(&mut row_lanes[LANES * k..LANES * (k + 1)]);
    }
}

/// [`sgd_row`] on the rows of a layer whose input is non-zero: row `j` of
/// `w` (`(n_in, n_out)`, `n_out = delta.len()`) takes step `η a_j` for every
/// `j` of `rows` (in order), or of `0..n_in` if `rows` is `None`, with
/// `a_j ≠ 0`. Bit for bit the same as calling [`sgd_row`] on each. Twin:
/// [`reference::sgd_rows`].
///
/// Rows of 8–31 weights run with `δ` in registers and the vector count as
/// a constant, as in [`dlr_rows_lanes`], rather than setting them up again
/// at every row (BENCHMARKS.md measures the gain at H = 30).
///
/// + `a`: `(n_in,)`
///
/// # Panics
/// If a row is out of bounds of `a` or `w`.
#[inline]
pub fn sgd_rows(w: &mut [f32], rows: Option<&[u32]>, a: &[f32], lr: f32, delta: &[f32]) {
    let n = delta.len();
    // Rows of 8–31 that `sgd_row` ends with a window: its short-row loop.
    let windowed = sgd_row_has_window(n) && n < 4 * LANES;
    match n / LANES {
        1 if windowed => sgd_short_rows::<1>(w, rows, a, lr, delta),
        2 if windowed => sgd_short_rows::<2>(w, rows, a, lr, delta),
        3 if windowed => sgd_short_rows::<3>(w, rows, a, lr, delta),
        _ => {
            for_each_nonzero_input(rows, a, |j, aj| {
                sgd_row(&mut w[j * n..(j + 1) * n], lr * aj, delta);
            });
        }
    }
}

/// Calls `f(j, a_j)` for every `j` of `rows` (or of `0..a.len()`) with
/// `a_j ≠ 0`: the rows a rank-1 gradient `a_j δ` changes. One loop for
/// both kinds of row list, so that a row kernel inlined into it is compiled
/// once (the embedded example's size). `optim::Grad::for_each_nonzero_row`
/// visits the same rows with two loops of its own, because routing it
/// through this one made SGD's and DLR-post's steps slower (BENCHMARKS.md).
#[inline(always)]
fn for_each_nonzero_input(rows: Option<&[u32]>, a: &[f32], mut f: impl FnMut(usize, f32)) {
    let n_rows = rows.map_or(a.len(), <[u32]>::len);
    for k in 0..n_rows {
        let j = rows.map_or(k, |r| r[k] as usize);
        let aj = a[j];
        if aj != 0.0 {
            f(j, aj);
        }
    }
}

/// [`sgd_rows`] for rows of `8 K + m` weights, `0 < m < 8`: [`sgd_row`]'s
/// overlapping-window path with the row length a constant.
#[inline(always)]
fn sgd_short_rows<const K: usize>(
    w: &mut [f32],
    rows: Option<&[u32]>,
    a: &[f32],
    lr: f32,
    delta: &[f32],
) {
    let n = delta.len();
    let window = n - LANES;
    let d: [f32x8; K] = core::array::from_fn(|k| f32x8::load(&delta[k * LANES..]));
    let d_window = f32x8::load(&delta[window..]);
    for_each_nonzero_input(rows, a, |j, aj| {
        let neg_step = f32x8::splat(-(lr * aj));
        let row = &mut w[j * n..(j + 1) * n];
        let window_new = d_window.mul_add(neg_step, f32x8::load(&row[window..]));
        for (k, &dk) in d.iter().enumerate() {
            let r = k * LANES..(k + 1) * LANES;
            dk.mul_add(neg_step, f32x8::load(&row[r.clone()]))
                .store(&mut row[r]);
        }
        window_new.store(&mut row[window..]);
    });
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
/// (BENCHMARKS.md). The inputs are gathered with scalar loads, which
/// measured faster than AVX2's gather instruction (BENCHMARKS.md).
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
    // Each row's lanes as one array, and as many rows of them as inputs: a
    // row index then needs one bounds check for both of its loads.
    let lane_rows = row_lanes.as_chunks::<LANES>().0;
    let n_rows = a.len().min(lane_rows.len());
    let (a, row_lanes) = (&a[..n_rows], &lane_rows[..n_rows]);
    let mut row_chunks = rows.chunks_exact(LANES);
    let mut step_chunks = step.chunks_exact_mut(LANES);
    for (rc, sc) in (&mut row_chunks).zip(&mut step_chunks) {
        let mut inputs = [0.0f32; LANES];
        let mut lanes = [f32x8::ZERO; LANES];
        for ((x, l), &r) in inputs.iter_mut().zip(lanes.iter_mut()).zip(rc) {
            let r = r as usize;
            *x = a[r];
            *l = f32x8::from(row_lanes[r]);
        }
        eight_steps(eta0v, alphav, f32x8::from(inputs), &lanes).store(sc);
    }
    reference::dlr_steps(
        row_chunks.remainder(),
        a,
        row_lanes.as_flattened(),
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
