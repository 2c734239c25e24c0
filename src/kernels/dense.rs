//! SIMD kernels of the forward pass and backprop. Twins: [`super::reference`].

use super::{split3, split3_mut};
use crate::kernels::reference;
use crate::simd::{f32x4, f32x8, Vector, LANES};

#[inline(always)]
fn axpy_body<V: Vector>(y: &mut [f32], a: f32, x: &[f32]) {
    let av = V::splat(a);
    for (yc, xc) in y.chunks_exact_mut(V::LANES).zip(x.chunks_exact(V::LANES)) {
        V::load(xc).mul_add(av, V::load(yc)).store(yc);
    }
}

/// `y ← y + a x`. Twin: [`reference::axpy`].
#[inline]
pub fn axpy(y: &mut [f32], a: f32, x: &[f32]) {
    debug_assert_eq!(y.len(), x.len());
    let (y8, y4, yt) = split3_mut(y);
    let (x8, x4, xt) = split3(x);
    axpy_body::<f32x8>(y8, a, x8);
    axpy_body::<f32x4>(y4, a, x4);
    reference::axpy(yt, a, xt);
}

#[inline(always)]
fn dot_body<V: Vector>(x: &[f32], y: &[f32]) -> f32 {
    let mut acc = V::ZERO;
    for (xc, yc) in x.chunks_exact(V::LANES).zip(y.chunks_exact(V::LANES)) {
        acc = V::load(xc).mul_add(V::load(yc), acc);
    }
    acc.reduce_add()
}

/// `Σ_i x_i y_i`. Twin: [`reference::dot`].
#[inline]
pub fn dot(x: &[f32], y: &[f32]) -> f32 {
    debug_assert_eq!(x.len(), y.len());
    let (x8, x4, xt) = split3(x);
    let (y8, y4, yt) = split3(y);
    dot_body::<f32x8>(x8, y8) + dot_body::<f32x4>(x4, y4) + reference::dot(xt, yt)
}

/// `Σ_i x_i²`. Twin: [`reference::sum_squares`].
#[inline]
pub fn sum_squares(x: &[f32]) -> f32 {
    dot(x, x)
}

/// Logistic function in place, `z_i ← 1 / (1 + e^{−z_i})`. Twin:
/// [`reference::sigmoid`].
///
/// Uses [`Vector::exp_bounded`] (relative error below 2 ε on the clamped
/// range) and an exact division. Inputs are clamped to ±87 first, where `e^{87}` is still
/// finite; the clamp moves no output by more than `σ(−87) < 2e−38`. NaN is
/// kept (so divergence stays visible).
///
/// Accuracy: `|σ_simd(z) − σ(z)| ≤ 4 ε σ(z) + 2·10⁻³⁸` against the exact
/// logistic, `ε = f32::EPSILON` (tested on a 10⁻³ grid over [−100, 100]).
#[inline]
pub fn sigmoid(z: &mut [f32]) {
    let n = z.len();
    if n > LANES && !n.is_multiple_of(LANES) {
        // The last eight values as one vector that overlaps the last full
        // one, computed from the inputs before the main loop overwrites
        // them and stored after it: the overlapping lanes get the very
        // values the main loop wrote. No scalar `expf` tail (the 10
        // outputs of an MNIST net would end with two).
        let window = n - LANES;
        let last = sigmoid_vector(f32x8::load(&z[window..]));
        sigmoid_body::<f32x8>(&mut z[..n / LANES * LANES]);
        last.store(&mut z[window..]);
        return;
    }
    let (z8, z4, zt) = split3_mut(z);
    sigmoid_body::<f32x8>(z8);
    sigmoid_body::<f32x4>(z4);
    reference::sigmoid(zt);
}

#[inline(always)]
fn sigmoid_vector<V: Vector>(z: V) -> V {
    // NaN stays NaN, so a diverged net stays visible.
    let x = z.clamp_keep_nan(-87.0, 87.0);
    let one = V::splat(1.0);
    one.div(one + (-x).exp_bounded())
}

#[inline(always)]
fn sigmoid_body<V: Vector>(z: &mut [f32]) {
    for c in z.chunks_exact_mut(V::LANES) {
        sigmoid_vector(V::load(c)).store(c);
    }
}

/// Output delta `d_k ← (y_k − t_k) y_k (1 − y_k)`, subnormals flushed to
/// zero; returns `C = ½ Σ (y_k − t_k)²`. Twin: [`reference::output_delta`].
///
/// + `y`, `d`: `(n_out,)`; `offset`: index of `y[0]` in the output layer
#[inline]
pub fn output_delta(y: &[f32], label: usize, offset: usize, d: &mut [f32]) -> f32 {
    debug_assert_eq!(y.len(), d.len());
    let (y_head, y_tail) = y.as_chunks::<LANES>();
    let (d_head, d_tail) = d.as_chunks_mut::<LANES>();
    let one = f32x8::ONE;
    let mut loss = f32x8::ZERO;
    for (c, (yc, dc)) in y_head.iter().zip(d_head.iter_mut()).enumerate() {
        let base = offset + c * LANES;
        let mut t = [0.0f32; LANES];
        if label >= base && label < base + LANES {
            t[label - base] = 1.0;
        }
        let yv = f32x8::from(*yc);
        let err = yv - f32x8::from(t);
        *dc = (err * yv * (one - yv)).flush_subnormal().to_array();
        loss = (err * err).mul_add(f32x8::splat(0.5), loss);
    }
    let done = y_head.len() * LANES;
    loss.reduce_add() + reference::output_delta(y_tail, label, offset + done, d_tail)
}

/// Hidden delta `e_i ← h_i (1 − h_i) Σ_k w_ik d_k`, overwriting `e`,
/// subnormals flushed to zero. Twin: [`reference::hidden_delta`].
///
/// + `h`, `e`: `(n_h,)`; `w_next`: `(n_h, n_next)` pre-major; `d_next`: `(n_next,)`
#[inline]
pub fn hidden_delta(h: &[f32], w_next: &[f32], d_next: &[f32], e: &mut [f32]) {
    let n_next = d_next.len();
    debug_assert_eq!(w_next.len(), h.len() * n_next);
    // Each e_i is a dot product of a contiguous row of w_next with d_next.
    for (i, (&hi, ei)) in h.iter().zip(e.iter_mut()).enumerate() {
        let back = dot(&w_next[i * n_next..(i + 1) * n_next], d_next);
        *ei = hi * (1.0 - hi) * back;
    }
    flush_subnormals(e);
}

/// Subnormal values of `x` set to `+0` ([`reference::flush_subnormal`]).
#[inline]
fn flush_subnormals(x: &mut [f32]) {
    let (x8, x4, xt) = split3_mut(x);
    for c in x8.chunks_exact_mut(LANES) {
        f32x8::load(c).flush_subnormal().store(c);
    }
    for c in x4.chunks_exact_mut(4) {
        f32x4::load(c).flush_subnormal().store(c);
    }
    for v in xt {
        *v = reference::flush_subnormal(*v);
    }
}

/// `BLOCKS` vectors of columns `c0..` summed over the selected rows.
#[inline(always)]
fn forward_block<V: Vector, const BLOCKS: usize, const OVERHANG: bool>(
    z: &mut [f32],
    w: &[f32],
    x: &[f32],
    rows: &[u32],
    n_out: usize,
    c0: usize,
) {
    // With OVERHANG, the columns after the block (fewer than a vector) ride
    // along in one more accumulator, as in `forward_overhang`.
    let end = c0 + BLOCKS * V::LANES;
    let mut acc = [V::ZERO; BLOCKS];
    let mut tail = f32x8::ZERO;
    for &j in rows {
        let j = j as usize;
        let xj = V::splat(x[j]);
        let row = &w[j * n_out + c0..j * n_out + end];
        for (k, a) in acc.iter_mut().enumerate() {
            *a = V::load(&row[k * V::LANES..]).mul_add(xj, *a);
        }
        if OVERHANG {
            tail = overhang_row(w, j, n_out, end).mul_add(f32x8::splat(x[j]), tail);
        }
    }
    for (k, a) in acc.iter().enumerate() {
        a.store(&mut z[c0 + k * V::LANES..]);
    }
    if OVERHANG {
        z[end..].copy_from_slice(&tail.as_array()[..n_out - end]);
    }
}

/// Eight weights of row `j` from column `c0` on, running into the next row
/// (lanes the caller discards); the last row of `w` is zero-padded.
#[inline(always)]
fn overhang_row(w: &[f32], j: usize, n_out: usize, c0: usize) -> f32x8 {
    let base = j * n_out + c0;
    if base + LANES <= w.len() {
        f32x8::load(&w[base..])
    } else {
        let mut padded = [0.0f32; LANES];
        for (p, &v) in padded.iter_mut().zip(&w[base..(j + 1) * n_out]) {
            *p = v;
        }
        f32x8::from(padded)
    }
}

/// Forward pass of a pre-major layer over selected rows, overwriting `z`:
/// `z_i ← Σ_{j ∈ rows} x_j w_ji`. Twin: [`reference::forward_rows`].
///
/// Blocks of up to twelve vectors of columns stay in registers while every
/// selected row streams through them, so `z` is written once instead of once
/// per row. The last block carries the final 1–7 columns along in one more
/// accumulator, so H = 100 (twelve vectors and four columns) takes a single
/// pass over the rows.
#[inline]
pub fn forward_rows(z: &mut [f32], w: &[f32], x: &[f32], rows: &[u32]) {
    let n_out = z.len();
    debug_assert!(rows
        .iter()
        .all(|&j| (j as usize + 1) * n_out <= w.len() && (j as usize) < x.len()));
    let mut c0 = 0;
    loop {
        let vectors = ((n_out - c0) / LANES).min(12);
        // The last block takes the final 1–7 columns along in the same pass.
        let rest = n_out - c0 - vectors * LANES;
        let overhang = vectors > 0 && rest > 0 && rest < LANES;
        macro_rules! block {
            ($($k:literal)*) => {
                match (vectors, overhang) {
                    (0, _) => break,
                    $(($k, false) => forward_block::<f32x8, $k, false>(z, w, x, rows, n_out, c0),
                      ($k, true) => forward_block::<f32x8, $k, true>(z, w, x, rows, n_out, c0),)*
                    _ => unreachable!("at most 12 vectors per block"),
                }
            };
        }
        block!(1 2 3 4 5 6 7 8 9 10 11 12);
        c0 += vectors * LANES;
        if overhang {
            return;
        }
    }
    if c0 < n_out {
        forward_overhang(z, w, x, rows, n_out, c0);
    }
}

/// The last 1–7 columns `c0..n_out` in one `f32x8` pass: each row's load
/// runs past its end into the next row's first weights, lanes that are
/// computed and thrown away. A scalar sum per column would chain every row
/// on the latency of one addition. Only the final row of `w`, which has no
/// next row, is read through a zero-padded copy.
#[inline(always)]
fn forward_overhang(z: &mut [f32], w: &[f32], x: &[f32], rows: &[u32], n_out: usize, c0: usize) {
    let mut acc = f32x8::ZERO;
    for &j in rows {
        let j = j as usize;
        acc = overhang_row(w, j, n_out, c0).mul_add(f32x8::splat(x[j]), acc);
    }
    z[c0..].copy_from_slice(&acc.as_array()[..n_out - c0]);
}
