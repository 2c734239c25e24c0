//! SIMD kernels of the forward pass and backprop. Twins: [`super::reference`].

use crate::kernels::reference;
use crate::simd::{load, load_at, store, F32s, LANES};

/// `y ← y + a x`. Twin: [`reference::axpy`].
///
/// The forward pass of a pre-major layer is a sum of these, one per non-zero
/// input: `z ← z + a_j w_j·`.
#[inline]
pub fn axpy(y: &mut [f32], a: f32, x: &[f32]) {
    debug_assert_eq!(y.len(), x.len());
    let (y_head, y_tail) = y.as_chunks_mut::<LANES>();
    let (x_head, x_tail) = x.as_chunks::<LANES>();
    let av = F32s::splat(a);
    for (yc, xc) in y_head.iter_mut().zip(x_head) {
        store(yc, load(xc).mul_add(av, load(yc)));
    }
    reference::axpy(y_tail, a, x_tail);
}

/// `Σ_i x_i y_i`. Twin: [`reference::dot`].
#[inline]
pub fn dot(x: &[f32], y: &[f32]) -> f32 {
    debug_assert_eq!(x.len(), y.len());
    let (x_head, x_tail) = x.as_chunks::<LANES>();
    let (y_head, y_tail) = y.as_chunks::<LANES>();
    let mut acc = F32s::ZERO;
    for (xc, yc) in x_head.iter().zip(y_head) {
        acc = load(xc).mul_add(load(yc), acc);
    }
    acc.reduce_add() + reference::dot(x_tail, y_tail)
}

/// `Σ_i x_i²`. Twin: [`reference::sum_squares`].
#[inline]
pub fn sum_squares(x: &[f32]) -> f32 {
    dot(x, x)
}

/// Logistic function in place, `z_i ← 1 / (1 + e^{−z_i})`. Twin:
/// [`reference::sigmoid`].
///
/// Uses `wide`'s vector `exp` (within 1 ulp of `f32::exp` on its range) and
/// an exact division. Inputs are clamped to ±87 first, where `e^{87}` is still
/// finite; the clamp moves no output by more than `σ(−87) < 2e−38`. NaN is
/// kept (so divergence stays visible).
#[inline]
pub fn sigmoid(z: &mut [f32]) {
    let (head, tail) = z.as_chunks_mut::<LANES>();
    let one = F32s::ONE;
    let lo = F32s::splat(-87.0);
    let hi = F32s::splat(87.0);
    for c in head.iter_mut() {
        let x = load(c);
        // maxps/minps return their second operand when either is NaN, so
        // with x second a NaN lane stays NaN and a diverged net stays visible.
        let x = hi.fast_min(lo.fast_max(x));
        store(c, one / (one + (-x).exp()));
    }
    reference::sigmoid(tail);
}

/// Output delta `d_k ← (y_k − t_k) y_k (1 − y_k)`; returns `C = ½ Σ (y_k − t_k)²`.
/// Twin: [`reference::output_delta`].
///
/// + `y`, `d`: `(n_out,)`; `offset`: index of `y[0]` in the output layer
#[inline]
pub fn output_delta(y: &[f32], label: usize, offset: usize, d: &mut [f32]) -> f32 {
    debug_assert_eq!(y.len(), d.len());
    let (y_head, y_tail) = y.as_chunks::<LANES>();
    let (d_head, d_tail) = d.as_chunks_mut::<LANES>();
    let one = F32s::ONE;
    let mut loss = F32s::ZERO;
    for (c, (yc, dc)) in y_head.iter().zip(d_head.iter_mut()).enumerate() {
        let base = offset + c * LANES;
        let mut t = [0.0f32; LANES];
        if label >= base && label < base + LANES {
            t[label - base] = 1.0;
        }
        let yv = load(yc);
        let err = yv - F32s::from(t);
        store(dc, err * yv * (one - yv));
        loss = (err * err).mul_add(F32s::splat(0.5), loss);
    }
    let done = y_head.len() * LANES;
    loss.reduce_add() + reference::output_delta(y_tail, label, offset + done, d_tail)
}

/// Hidden delta `e_i ← h_i (1 − h_i) Σ_k w_ik d_k`, overwriting `e`. Twin:
/// [`reference::hidden_delta`].
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
}

/// Forward pass of a pre-major layer over selected rows, overwriting `z`:
/// `z_i ← Σ_{j ∈ rows} x_j w_ji`. Twin: [`reference::forward_rows`].
///
/// Column blocks of four vectors stay in registers while every selected row
/// streams through them, so `z` is written once instead of once per row.
#[inline]
pub fn forward_rows(z: &mut [f32], w: &[f32], x: &[f32], rows: &[u32]) {
    let n_out = z.len();
    debug_assert!(rows
        .iter()
        .all(|&j| (j as usize + 1) * n_out <= w.len() && (j as usize) < x.len()));
    const BLOCK: usize = 4 * LANES;
    let mut c0 = 0;
    while c0 + BLOCK <= n_out {
        let mut acc = [F32s::ZERO; 4];
        for &j in rows {
            let (j, xj) = (j as usize, F32s::splat(x[j as usize]));
            let base = j * n_out + c0;
            for (k, a) in acc.iter_mut().enumerate() {
                *a = load_at(w, base + k * LANES).mul_add(xj, *a);
            }
        }
        for (k, a) in acc.iter().enumerate() {
            z[c0 + k * LANES..c0 + (k + 1) * LANES].copy_from_slice(a.as_array());
        }
        c0 += BLOCK;
    }
    while c0 + LANES <= n_out {
        let mut acc = F32s::ZERO;
        for &j in rows {
            acc = load_at(w, j as usize * n_out + c0).mul_add(F32s::splat(x[j as usize]), acc);
        }
        z[c0..c0 + LANES].copy_from_slice(acc.as_array());
        c0 += LANES;
    }
    // Tail columns: the twin's sum, one column at a time.
    for (c, zc) in z.iter_mut().enumerate().skip(c0) {
        let mut s = 0.0;
        for &j in rows {
            s += x[j as usize] * w[j as usize * n_out + c];
        }
        *zc = s;
    }
}
