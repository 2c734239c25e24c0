//! SIMD kernels of the optimizer updates, one row (the outgoing weights of
//! one input `j`) at a time. Twins: [`super::reference`].
//!
//! The rank-1 gradient of row `j` is `a_j δ`, so no gradient matrix is built;
//! a dense gradient row `g` is passed as `a = 1, δ = g`.

use crate::kernels::reference;
use crate::simd::{load, store, F32s, LANES};

/// SGD: `w_i ← w_i − step δ_i`, `step = η a_j`. Twin: [`reference::sgd_row`].
#[inline]
pub fn sgd_row(w: &mut [f32], step: f32, delta: &[f32]) {
    super::axpy(w, -step, delta);
}

/// Nesterov momentum: `v ← μ v + g`, `w ← w − η (g + μ v)`, `g = a δ`.
/// Twin: [`reference::nesterov_row`].
#[inline]
pub fn nesterov_row(w: &mut [f32], v: &mut [f32], a: f32, delta: &[f32], lr: f32, momentum: f32) {
    debug_assert!(w.len() == v.len() && w.len() == delta.len());
    let (w_head, w_tail) = w.as_chunks_mut::<LANES>();
    let (v_head, v_tail) = v.as_chunks_mut::<LANES>();
    let (d_head, d_tail) = delta.as_chunks::<LANES>();
    let (av, lrv, mu) = (F32s::splat(a), F32s::splat(lr), F32s::splat(momentum));
    for ((wc, vc), dc) in w_head.iter_mut().zip(v_head.iter_mut()).zip(d_head) {
        let g = av * load(dc);
        let v_new = mu.mul_add(load(vc), g);
        store(vc, v_new);
        store(wc, load(wc) - lrv * mu.mul_add(v_new, g));
    }
    reference::nesterov_row(w_tail, v_tail, a, d_tail, lr, momentum);
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
    let (w_head, w_tail) = w.as_chunks_mut::<LANES>();
    let (m_head, m_tail) = m.as_chunks_mut::<LANES>();
    let (v_head, v_tail) = v.as_chunks_mut::<LANES>();
    let (d_head, d_tail) = delta.as_chunks::<LANES>();
    let av = F32s::splat(a);
    let (b1, b2) = (F32s::splat(beta1), F32s::splat(beta2));
    let (c1, c2) = (F32s::splat(1.0 - beta1), F32s::splat(1.0 - beta2));
    let (lr, bc2, epsv) = (
        F32s::splat(lr_t),
        F32s::splat(inv_sqrt_bc2),
        F32s::splat(eps),
    );
    for (((wc, mc), vc), dc) in w_head
        .iter_mut()
        .zip(m_head.iter_mut())
        .zip(v_head.iter_mut())
        .zip(d_head)
    {
        let g = av * load(dc);
        let m_new = b1 * load(mc) + c1 * g;
        let v_new = b2 * load(vc) + c2 * g * g;
        store(mc, m_new);
        store(vc, v_new);
        // Exact sqrt and division: the approximate rsqrt would cost accuracy.
        store(wc, load(wc) - lr * m_new / (v_new.sqrt() * bc2 + epsv));
    }
    reference::adam_row(
        w_tail,
        m_tail,
        v_tail,
        a,
        d_tail,
        beta1,
        beta2,
        lr_t,
        inv_sqrt_bc2,
        eps,
    );
}

/// DLR Eq. 1, single pass: `w_i ← w_i − step (|w_i| + α) δ_i` and returns the
/// new `Σ w_i²`, `step = η₀ a_j / (‖w_·j‖ + α)`. Twin: [`reference::dlr_row`].
///
/// One read and one write of the row: the norm the next step needs is summed
/// from the values as they are written, so no separate norm pass exists.
#[inline]
pub fn dlr_row(w: &mut [f32], step: f32, alpha: f32, delta: &[f32]) -> f32 {
    debug_assert_eq!(w.len(), delta.len());
    let (w_head, w_tail) = w.as_chunks_mut::<LANES>();
    let (d_head, d_tail) = delta.as_chunks::<LANES>();
    let (neg_step, alphav) = (F32s::splat(-step), F32s::splat(alpha));
    let mut sum_sq = F32s::ZERO;
    for (wc, dc) in w_head.iter_mut().zip(d_head) {
        let wv = load(wc);
        // w − step (|w| + α) δ, as one fused multiply-add on (−step δ).
        let w_new = (wv.abs() + alphav).mul_add(neg_step * load(dc), wv);
        store(wc, w_new);
        sum_sq = w_new.mul_add(w_new, sum_sq);
    }
    sum_sq.reduce_add() + reference::dlr_row(w_tail, step, alpha, d_tail)
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
    let (w_head, w_tail) = w.as_chunks_mut::<LANES>();
    let (d_head, d_tail) = scaled_delta.as_chunks::<LANES>();
    let (s_head, s_tail) = col_sum_sq.as_chunks_mut::<LANES>();
    let (neg_a, alphav) = (F32s::splat(-a), F32s::splat(alpha));
    for ((wc, dc), sc) in w_head.iter_mut().zip(d_head).zip(s_head.iter_mut()) {
        let old = load(wc);
        let new = (old.abs() + alphav).mul_add(neg_a * load(dc), old);
        store(wc, new);
        // new² − old² = (new − old)(new + old): no cancellation of two squares.
        store(sc, (new - old).mul_add(new + old, load(sc)));
    }
    reference::dlr_post_row(w_tail, a, alpha, d_tail, s_tail);
}
