//! SIMD kernels of the optimizer updates, one row (the outgoing weights of
//! one input `j`) at a time, generic over the path `P` ([`Isa`]); the
//! public functions in [`super`] run them on the active path. Twins:
//! [`super::reference`].
//!
//! The rank-1 gradient of row `j` is `a_j δ`, so no gradient matrix is built;
//! a dense gradient row `g` is passed as `a = 1, δ = g`. Each kernel's body
//! is written once over [`Vector`] and run in the path's widest vectors on
//! the head, 8 and 4 lanes on what is left, and the scalar twin on the last
//! 0–3; except the two the online step runs most, `sgd_row` and `dlr_row`,
//! which end a row of 8 or more with one 8-lane vector that overlaps the
//! last whole one (no scalar tail, and every weight through the same fused
//! multiply-add; `sgd_row` only where a scalar tail would remain).
//!
//! Element-wise kernels give the same bits at 8 and 16 lanes (each weight
//! takes the same operations); the DLR row kernel keeps AVX2's eight
//! partial sums on the 16-lane path (each 16-lane accumulator is two of
//! them side by side), so its weights and lane sums are AVX2's too.

use crate::kernels::reference;
use crate::simd::{split_lens, split_parts, split_parts_mut, Isa, Vector, Vector8, LANES};

/// SGD: `w_i ← w_i − step δ_i`, `step = η a_j`. Twin: [`reference::sgd_row`].
///
/// Rows with a scalar tail (30, 10) end with an overlapping 8-lane vector
/// instead: LLVM compiles such a tail with masked moves, which cost more
/// than the window. Rows without one (100, 300) keep their whole vectors,
/// where the window measured slower. BENCHMARKS.md ("SGD's scalar tails")
/// has the figures.
#[cfg_attr(target_arch = "x86_64", inline(always))]
pub(crate) fn sgd_row<P: Isa>(isa: P, w: &mut [f32], step: f32, delta: &[f32]) {
    debug_assert_eq!(w.len(), delta.len());
    if P::SCALAR {
        return reference::sgd_row(w, step, delta);
    }
    let n = w.len();
    if !sgd_row_has_window(n) {
        // No scalar tail (H = 100, 300, 1000): whole vectors, which
        // measured faster than the overlapping window there.
        return super::dense::axpy::<P>(isa, w, -step, delta);
    }
    // Whole vectors, then the last eight weights as one vector that overlaps
    // the last whole one (as in `dlr_row`): loaded and updated before any
    // store, so the overlapping lanes get the values the loop writes.
    let neg_step = P::Eight::splat(isa.eight(), -step);
    let window = n - LANES;
    let window_new = P::Eight::load(isa.eight(), &delta[window..])
        .mul_add(neg_step, P::Eight::load(isa.eight(), &w[window..]));
    let full = n / LANES * LANES;
    for (wc, dc) in w[..full]
        .chunks_exact_mut(LANES)
        .zip(delta[..full].chunks_exact(LANES))
    {
        P::Eight::load(isa.eight(), dc)
            .mul_add(neg_step, P::Eight::load(isa.eight(), wc))
            .store(wc);
    }
    if full < n {
        window_new.store(&mut w[window..]);
    }
}

/// Whether [`sgd_row`] ends a row of `n` weights with an overlapping
/// vector: rows of 8 or more that `axpy` would end with a scalar tail.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn sgd_row_has_window(n: usize) -> bool {
    n >= LANES && !n.is_multiple_of(4)
}

#[cfg_attr(target_arch = "x86_64", inline(always))]
fn nesterov_body<V: Vector>(
    t: V::Token,
    w: &mut [f32],
    v: &mut [f32],
    a: f32,
    delta: &[f32],
    lr: f32,
    momentum: f32,
) {
    let (av, lrv, mu) = (V::splat(t, a), V::splat(t, lr), V::splat(t, momentum));
    let (g_floor, state_floor) = (
        V::splat(t, reference::GRAD_FLOOR),
        V::splat(t, reference::STATE_FLOOR),
    );
    let n = V::LANES;
    for ((wc, vc), dc) in w
        .chunks_exact_mut(n)
        .zip(v.chunks_exact_mut(n))
        .zip(delta.chunks_exact(n))
    {
        let g = (av * V::load(t, dc)).flush_below(g_floor);
        let v_new = mu.mul_add(V::load(t, vc), g).flush_below(state_floor);
        v_new.store(vc);
        (V::load(t, wc) - lrv * mu.mul_add(v_new, g)).store(wc);
    }
}

/// Nesterov momentum: `v ← μ v + g`, `w ← w − η (g + μ v)`, `g = a δ`,
/// with the gradient and state floors. Twin: [`reference::nesterov_row`].
#[cfg_attr(target_arch = "x86_64", inline(always))]
pub(crate) fn nesterov_row<P: Isa>(
    isa: P,
    w: &mut [f32],
    v: &mut [f32],
    a: f32,
    delta: &[f32],
    lr: f32,
    momentum: f32,
) {
    debug_assert!(w.len() == v.len() && w.len() == delta.len());
    if P::SCALAR {
        return reference::nesterov_row(w, v, a, delta, lr, momentum);
    }
    let lens = split_lens::<P>(w.len());
    let [ww, w8, w4, wt] = split_parts_mut(w, lens);
    let [vw, v8, v4, vt] = split_parts_mut(v, lens);
    let [dw, d8, d4, dt] = split_parts(delta, lens);
    nesterov_body::<P::Wide>(isa.wide(), ww, vw, a, dw, lr, momentum);
    nesterov_body::<P::Eight>(isa.eight(), w8, v8, a, d8, lr, momentum);
    nesterov_body::<P::Four>(isa.four(), w4, v4, a, d4, lr, momentum);
    reference::nesterov_row(wt, vt, a, dt, lr, momentum);
}

/// Adam's per-step scalars: β₁, β₂, `lr_t = α/(1 − β₁ᵗ)`, `1/√(1 − β₂ᵗ)`, ε.
#[derive(Clone, Copy)]
pub(crate) struct AdamScalars {
    pub beta1: f32,
    pub beta2: f32,
    pub lr_t: f32,
    pub inv_sqrt_bc2: f32,
    pub eps: f32,
}

#[cfg_attr(target_arch = "x86_64", inline(always))]
fn adam_body<V: Vector>(
    t: V::Token,
    w: &mut [f32],
    m: &mut [f32],
    v: &mut [f32],
    a: f32,
    delta: &[f32],
    s: AdamScalars,
) {
    // `√v · 1` is `√v` exactly, so the multiplication can go where the
    // factor is 1: always in lazy Adam, and in dense Adam once
    // `1/√(1 − β₂ᵗ)` rounds to 1 in f32 (from step 15,935 at β₂ = 0.999),
    // the steps a training mostly pays.
    if s.inv_sqrt_bc2 == 1.0 {
        adam_loop::<V, false>(t, w, m, v, a, delta, s);
    } else {
        adam_loop::<V, true>(t, w, m, v, a, delta, s);
    }
}

/// [`adam_body`]'s loop; `SCALE_SQRT_V` multiplies `√v` by
/// `s.inv_sqrt_bc2`, false where that factor is 1.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn adam_loop<V: Vector, const SCALE_SQRT_V: bool>(
    t: V::Token,
    w: &mut [f32],
    m: &mut [f32],
    v: &mut [f32],
    a: f32,
    delta: &[f32],
    s: AdamScalars,
) {
    let av = V::splat(t, a);
    let k = AdamSplats::<V>::new(t, s);
    let (c1, c2) = (V::splat(t, 1.0 - s.beta1), V::splat(t, 1.0 - s.beta2));
    let g_floor = V::splat(t, reference::GRAD_FLOOR);
    let n = V::LANES;
    for (((wc, mc), vc), dc) in w
        .chunks_exact_mut(n)
        .zip(m.chunks_exact_mut(n))
        .zip(v.chunks_exact_mut(n))
        .zip(delta.chunks_exact(n))
    {
        let g = (av * V::load(t, dc)).flush_below(g_floor);
        let m_new = (k.b1 * V::load(t, mc) + c1 * g).flush_below(k.state_floor);
        let v_new = (k.b2 * V::load(t, vc) + c2 * g * g).flush_below(k.state_floor);
        m_new.store(mc);
        v_new.store(vc);
        k.weight_step::<SCALE_SQRT_V>(wc, m_new, v_new);
    }
}

/// [`AdamScalars`] splatted, with the state floor: what the loops of
/// [`adam_loop`] and [`adam_decay_loop`] share.
struct AdamSplats<V> {
    b1: V,
    b2: V,
    lr: V,
    bc2: V,
    eps: V,
    state_floor: V,
}

impl<V: Vector> AdamSplats<V> {
    #[inline(always)]
    fn new(t: V::Token, s: AdamScalars) -> Self {
        Self {
            b1: V::splat(t, s.beta1),
            b2: V::splat(t, s.beta2),
            lr: V::splat(t, s.lr_t),
            bc2: V::splat(t, s.inv_sqrt_bc2),
            eps: V::splat(t, s.eps),
            state_floor: V::splat(t, reference::STATE_FLOOR),
        }
    }

    /// `w ← w − lr · m / (√v · bc2 + ε)` on one vector of weights, given
    /// the new moments; `SCALE_SQRT_V` false leaves out the `· bc2` where
    /// it is 1.
    #[inline(always)]
    fn weight_step<const SCALE_SQRT_V: bool>(&self, w: &mut [f32], m: V, v: V) {
        let sqrt_v = if SCALE_SQRT_V {
            v.sqrt() * self.bc2
        } else {
            v.sqrt()
        };
        // Exact sqrt and division: the approximate rsqrt would cost accuracy.
        (V::load(m.token(), w) - (self.lr * m).div(sqrt_v + self.eps)).store(w);
    }
}

/// [`adam_decay_row`]'s loop: Adam's step on weights whose gradient is 0.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn adam_decay_loop<V: Vector, const SCALE_SQRT_V: bool>(
    t: V::Token,
    w: &mut [f32],
    m: &mut [f32],
    v: &mut [f32],
    s: AdamScalars,
) {
    let k = AdamSplats::<V>::new(t, s);
    let n = V::LANES;
    for ((wc, mc), vc) in w
        .chunks_exact_mut(n)
        .zip(m.chunks_exact_mut(n))
        .zip(v.chunks_exact_mut(n))
    {
        let m_new = (k.b1 * V::load(t, mc)).flush_below(k.state_floor);
        let v_new = (k.b2 * V::load(t, vc)).flush_below(k.state_floor);
        m_new.store(mc);
        v_new.store(vc);
        k.weight_step::<SCALE_SQRT_V>(wc, m_new, v_new);
    }
}

/// [`adam_decay_loop`] on one width of vector, with or without `· bc2`.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn adam_decay_body<V: Vector>(
    t: V::Token,
    w: &mut [f32],
    m: &mut [f32],
    v: &mut [f32],
    s: AdamScalars,
) {
    if s.inv_sqrt_bc2 == 1.0 {
        adam_decay_loop::<V, false>(t, w, m, v, s);
    } else {
        adam_decay_loop::<V, true>(t, w, m, v, s);
    }
}

/// Adam on a row whose gradient is zero (an input `a_j = 0` with finite
/// deltas): [`adam_row`]'s result, bit for bit, without the gradient's
/// loads and arithmetic. Twin: [`reference::adam_decay_row`].
#[cfg_attr(target_arch = "x86_64", inline(always))]
pub(crate) fn adam_decay_row<P: Isa>(
    isa: P,
    w: &mut [f32],
    m: &mut [f32],
    v: &mut [f32],
    s: AdamScalars,
) {
    debug_assert!(w.len() == m.len() && w.len() == v.len());
    let AdamScalars {
        beta1,
        beta2,
        lr_t,
        inv_sqrt_bc2,
        eps,
    } = s;
    if P::SCALAR {
        return reference::adam_decay_row(w, m, v, beta1, beta2, lr_t, inv_sqrt_bc2, eps);
    }
    let lens = split_lens::<P>(w.len());
    let [ww, w8, w4, wt] = split_parts_mut(w, lens);
    let [mw, m8, m4, mt] = split_parts_mut(m, lens);
    let [vw, v8, v4, vt] = split_parts_mut(v, lens);
    adam_decay_body::<P::Wide>(isa.wide(), ww, mw, vw, s);
    adam_decay_body::<P::Eight>(isa.eight(), w8, m8, v8, s);
    adam_decay_body::<P::Four>(isa.four(), w4, m4, v4, s);
    reference::adam_decay_row(wt, mt, vt, beta1, beta2, lr_t, inv_sqrt_bc2, eps);
}

/// Adam with hoisted bias correction. Twin: [`reference::adam_row`], which
/// states the maths.
#[cfg_attr(target_arch = "x86_64", inline(always))]
pub(crate) fn adam_row<P: Isa>(
    isa: P,
    w: &mut [f32],
    m: &mut [f32],
    v: &mut [f32],
    a: f32,
    delta: &[f32],
    s: AdamScalars,
) {
    debug_assert!(w.len() == m.len() && w.len() == v.len() && w.len() == delta.len());
    if P::SCALAR {
        let AdamScalars {
            beta1,
            beta2,
            lr_t,
            inv_sqrt_bc2,
            eps,
        } = s;
        return reference::adam_row(w, m, v, a, delta, beta1, beta2, lr_t, inv_sqrt_bc2, eps);
    }
    let lens = split_lens::<P>(w.len());
    let [ww, w8, w4, wt] = split_parts_mut(w, lens);
    let [mw, m8, m4, mt] = split_parts_mut(m, lens);
    let [vw, v8, v4, vt] = split_parts_mut(v, lens);
    let [dw, d8, d4, dt] = split_parts(delta, lens);
    adam_body::<P::Wide>(isa.wide(), ww, mw, vw, a, dw, s);
    adam_body::<P::Eight>(isa.eight(), w8, m8, v8, a, d8, s);
    adam_body::<P::Four>(isa.four(), w4, m4, v4, a, d4, s);
    let AdamScalars {
        beta1,
        beta2,
        lr_t,
        inv_sqrt_bc2,
        eps,
    } = s;
    reference::adam_row(wt, mt, vt, a, dt, beta1, beta2, lr_t, inv_sqrt_bc2, eps);
}

/// Lazy Adam on the rows of a layer whose input is non-zero: [`adam_row`]
/// on each listed row with `a_j ≠ 0`, with `SparseAdam`'s scalars
/// (`lr_t = α √(1 − β₂ᵗ)/(1 − β₁ᵗ)`, `inv_sqrt_bc2 = 1`, so that ε is
/// added to `√v`). Twin: [`reference::adam_lazy_rows`].
#[allow(clippy::too_many_arguments)]
#[cfg_attr(target_arch = "x86_64", inline(always))]
pub(crate) fn adam_lazy_rows<P: Isa>(
    isa: P,
    w: &mut [f32],
    m: &mut [f32],
    v: &mut [f32],
    rows: Option<&[u32]>,
    a: &[f32],
    delta: &[f32],
    s: AdamScalars,
) {
    debug_assert_eq!(s.inv_sqrt_bc2, 1.0);
    if P::SCALAR {
        return reference::adam_lazy_rows(w, m, v, rows, a, delta, s.beta1, s.beta2, s.lr_t, s.eps);
    }
    let n = delta.len();
    let n_rows = rows.map_or(a.len(), <[u32]>::len);
    for k in 0..n_rows {
        let (j, aj) = nonzero_input(rows, a, k);
        if aj != 0.0 {
            let r = j * n..(j + 1) * n;
            adam_row::<P>(
                isa,
                &mut w[r.clone()],
                &mut m[r.clone()],
                &mut v[r],
                aj,
                delta,
                s,
            );
        }
    }
}

/// DLR Eq. 1 on one row, returning the new `Σ w_i²`: the total of
/// [`dlr_row_lanes`]' partial sums; on the scalar path the twin itself,
/// whose one sum needs no lanes to be zeroed and totalled.
/// Twin: [`reference::dlr_row`].
#[cfg_attr(target_arch = "x86_64", inline(always))]
pub(crate) fn dlr_row<P: Isa>(isa: P, w: &mut [f32], step: f32, alpha: f32, delta: &[f32]) -> f32 {
    if P::SCALAR {
        return reference::dlr_row(w, step, alpha, delta);
    }
    crate::simd::lane_total(&dlr_row_lanes::<P>(isa, w, step, alpha, delta))
}

/// [`dlr_row`] that returns the new `Σ w_i²` as eight
/// partial sums, whose [`lane_total`](crate::simd::lane_total) is the row's sum: the DLR optimizer
/// keeps them as they are and totals eight rows at once ([`dlr_steps`]),
/// which saves the horizontal sum at the end of every row. Twin:
/// [`reference::dlr_row_lanes`].
///
/// One read and one write of the row: the norm the next step needs is summed
/// from the values as they are written, so no separate norm pass exists.
/// A row whose length is not a multiple of 8 (100, 10) ends with one vector
/// `w[n−8..n]` that overlaps the last full one. It is loaded before any
/// store (a load straddling a fresh store would stall on store forwarding)
/// and updated from the original values, so its overlapping lanes get the
/// very values the main loop writes; they are masked out of the sum only.
/// A row thus has no scalar tail.
#[cfg_attr(target_arch = "x86_64", inline(always))]
pub(crate) fn dlr_row_lanes<P: Isa>(
    isa: P,
    w: &mut [f32],
    step: f32,
    alpha: f32,
    delta: &[f32],
) -> [f32; LANES] {
    debug_assert_eq!(w.len(), delta.len());
    let n = w.len();
    if P::SCALAR || n < LANES {
        return reference::dlr_row_lanes(w, step, alpha, delta);
    }
    if n < 4 * LANES {
        // One to three whole vectors and the window (the output layer's rows
        // of 10, H = 30's rows of 30): the many-row kernel's straight-line
        // code, run on this one row.
        let mut lanes = [0.0; LANES];
        short_rows_lanes::<P>(isa, w, &[0], &[step], alpha, delta, &mut lanes);
        return lanes;
    }
    long_row_lanes::<P>(isa, w, step, alpha, delta)
}

/// [`dlr_row_lanes`] of a row of 32 weights or more: quads of 8-lane
/// vectors into four partial sums, the whole vectors left, then the window.
/// On the 16-lane path a quad is two vectors, into two accumulators that
/// hold the four partial sums side by side: the same operations lane for
/// lane.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn long_row_lanes<P: Isa>(
    isa: P,
    w: &mut [f32],
    step: f32,
    alpha: f32,
    delta: &[f32],
) -> [f32; LANES] {
    if w.len() >= P::WIDE_FROM {
        long_row_lanes_in::<P, P::Wide>(isa, isa.wide(), w, step, alpha, delta, P::eights)
    } else {
        long_row_lanes_in::<P, P::Eight>(isa, isa.eight(), w, step, alpha, delta, eight_as_eights)
    }
}

/// An 8-lane vector as [`Isa::eights`] gives a 16-lane one: itself, then
/// zeros.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn eight_as_eights<V: Vector>(v: V) -> [V; 2] {
    [v, V::zero(v.token())]
}

/// [`long_row_lanes`] with accumulators of `V`, turned into 8-lane partial
/// sums by `eights`.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn long_row_lanes_in<P: Isa, V: Vector>(
    isa: P,
    t: V::Token,
    w: &mut [f32],
    step: f32,
    alpha: f32,
    delta: &[f32],
    eights: impl Fn(V) -> [P::Eight; 2],
) -> [f32; LANES] {
    let n = w.len();
    debug_assert!(n >= 4 * LANES && n == delta.len());
    let full = n / LANES * LANES;
    // Four partial sums of squares, in `4 · 8 / Wide::LANES` accumulators:
    // one would chain every vector of the row on the latency of the
    // previous fused multiply-add.
    let per_quad = 4 * LANES / V::LANES;
    let mut acc = [V::zero(t); 4];
    let window = n - LANES;
    let window_new = DlrUpdate::<P::Eight>::new(isa.eight(), step, alpha).apply(
        P::Eight::load(isa.eight(), &w[window..]),
        P::Eight::load(isa.eight(), &delta[window..]),
    );
    let (w_quads, w_rest) = w[..full].split_at_mut(full / (4 * LANES) * (4 * LANES));
    let (d_quads, d_rest) = delta[..full].split_at(w_quads.len());
    let update = DlrUpdate::<V>::new(t, step, alpha);
    let wide = V::LANES;
    for (wq, dq) in w_quads
        .chunks_exact_mut(4 * LANES)
        .zip(d_quads.chunks_exact(4 * LANES))
    {
        for (k, s) in acc[..per_quad].iter_mut().enumerate() {
            let r = k * wide..(k + 1) * wide;
            let w_new = update.apply(V::load(t, &wq[r.clone()]), V::load(t, &dq[r.clone()]));
            w_new.store(&mut wq[r]);
            *s = w_new.mul_add(w_new, *s);
        }
    }
    // The four 8-lane partial sums.
    let mut sums = [P::Eight::zero(isa.eight()); 4];
    let halves = wide / LANES;
    for (k, s) in sums.iter_mut().enumerate() {
        *s = eights(acc[k / halves])[k % halves];
    }
    let update = DlrUpdate::<P::Eight>::new(isa.eight(), step, alpha);
    for (k, (wc, dc)) in w_rest
        .chunks_exact_mut(LANES)
        .zip(d_rest.chunks_exact(LANES))
        .enumerate()
    {
        let w_new = update.apply(
            P::Eight::load(isa.eight(), wc),
            P::Eight::load(isa.eight(), dc),
        );
        w_new.store(wc);
        sums[k] = w_new.mul_add(w_new, sums[k]);
    }
    if full < n {
        window_new.store(&mut w[window..]);
        let counted = fresh_lanes::<P::Eight>(isa.eight(), full - window)
            .select(window_new, P::Eight::zero(isa.eight()));
        sums[3] = counted.mul_add(counted, sums[3]);
    }
    ((sums[0] + sums[1]) + (sums[2] + sums[3])).to_array()
}

/// The fused DLR Eq. 1 update of weights `wv` with deltas `dv`, each
/// lane with its row's `−step` and `−step · α`:
/// `w − step (|w| + α) δ = w + (−step |w| − step α) δ`, two fused
/// multiply-adds and an `abs`, one operation fewer than forming `|w| + α`
/// and `−step δ` separately.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn dlr_update_lanes<V: Vector>(neg_step: V, neg_step_alpha: V, wv: V, dv: V) -> V {
    wv.abs().mul_add(neg_step, neg_step_alpha).mul_add(dv, wv)
}

/// [`dlr_update_lanes`] of one row, step `step`: its `−step` and
/// `−step · α` splatted once. (A struct, not a closure: a closure is a
/// function of its own, compiled without the path's target features when
/// LLVM does not inline it, and then every intrinsic in it is a call.)
#[derive(Clone, Copy)]
struct DlrUpdate<V> {
    neg_step: V,
    neg_step_alpha: V,
}

impl<V: Vector> DlrUpdate<V> {
    #[cfg_attr(target_arch = "x86_64", inline(always))]
    fn new(t: V::Token, step: f32, alpha: f32) -> Self {
        Self {
            neg_step: V::splat(t, -step),
            neg_step_alpha: V::splat(t, -step * alpha),
        }
    }

    #[cfg_attr(target_arch = "x86_64", inline(always))]
    fn apply(self, wv: V, dv: V) -> V {
        dlr_update_lanes(self.neg_step, self.neg_step_alpha, wv, dv)
    }
}

/// All-ones lanes `first_fresh..8`, zero lanes before: which lanes of a
/// row's overlapping last vector `w[n−8..n]` hold weights that no whole
/// vector covers (`first_fresh = full − (n − 8)`), the only ones its sum of
/// squares may count.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn fresh_lanes<V: Vector8>(t: V::Token, first_fresh: usize) -> V {
    let lane = V::from_array(t, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]);
    lane.simd_gt(V::splat(t, first_fresh as f32 - 0.5))
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
/// them up again at every row. On the AVX paths, runs of four consecutive
/// rows of ten (a ten-class output layer lists every row) go as five whole
/// vectors (`four_rows_of_ten`) rather than four rows of a vector and an
/// overlapping window each. BENCHMARKS.md ("What the profiling found")
/// measures all three choices.
#[cfg_attr(target_arch = "x86_64", inline(always))]
pub(crate) fn dlr_rows_lanes<P: Isa>(
    isa: P,
    w: &mut [f32],
    rows: &[u32],
    step: &[f32],
    alpha: f32,
    delta: &[f32],
    row_lanes: &mut [f32],
) {
    debug_assert_eq!(rows.len(), step.len());
    let n = delta.len();
    if P::SCALAR || n < LANES {
        return reference::dlr_rows_lanes(w, rows, step, alpha, delta, row_lanes);
    }
    if n < 4 * LANES {
        return short_rows_lanes::<P>(isa, w, rows, step, alpha, delta, row_lanes);
    }
    for (&j, &s) in rows.iter().zip(step).rev() {
        let j = j as usize;
        let new_lanes = long_row_lanes::<P>(isa, &mut w[j * n..(j + 1) * n], s, alpha, delta);
        row_lanes[j * LANES..(j + 1) * LANES].copy_from_slice(&new_lanes);
    }
}

/// [`dlr_rows_lanes`] for rows of 8–31 weights: `n_out / 8` whole vectors
/// as a constant. [`dlr_row_lanes`] runs its short rows through it too.
/// Inlined on x86-64, where it must be compiled inside its caller's
/// `#[target_feature]` function; elsewhere it is not, so each row length is
/// compiled once (the embedded example's size).
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn short_rows_lanes<P: Isa>(
    isa: P,
    w: &mut [f32],
    rows: &[u32],
    step: &[f32],
    alpha: f32,
    delta: &[f32],
    row_lanes: &mut [f32],
) {
    match delta.len() / LANES {
        1 => short_rows_lanes_of::<P, 1>(isa, w, rows, step, alpha, delta, row_lanes),
        2 => short_rows_lanes_of::<P, 2>(isa, w, rows, step, alpha, delta, row_lanes),
        _ => short_rows_lanes_of::<P, 3>(isa, w, rows, step, alpha, delta, row_lanes),
    }
}

/// Rows of `8 K + m` weights, `m < 8`: `K` whole vectors and, if `m > 0`,
/// the window `w[n−8..n]`, straight-line. Bit for bit the lanes of
/// [`dlr_row_lanes`]'s loop: there each whole vector's squares start a
/// partial sum of their own and the window's the fourth, so the lanes are
/// `(v₀² + v₁²) + (v₂² + c²)`, each square rounded once, absent terms 0.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn short_rows_lanes_of<P: Isa, const K: usize>(
    isa: P,
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
    let d = load_vectors::<P::Eight, K>(isa.eight(), delta);
    let d_window = P::Eight::load(isa.eight(), &delta[window..]);
    let fresh = fresh_lanes::<P::Eight>(isa.eight(), K * LANES - window);
    let short = ShortRows {
        n,
        window,
        has_window,
        d,
        d_window,
        fresh,
        alpha,
    };
    // Rows of ten (a ten-class output layer, where a step lists every row):
    // four consecutive rows at a time as five whole vectors, where lane
    // permutes are single instructions.
    let tiled = if P::Eight::PERMUTES && K == 1 && n == 10 {
        let mut tiled = [P::Eight::zero(isa.eight()); 5];
        for (v, t) in tiled.iter_mut().enumerate() {
            *t = P::Eight::from_array(
                isa.eight(),
                core::array::from_fn(|l| delta[(8 * v + l) % 10]),
            );
        }
        Some(tiled)
    } else {
        None
    };
    // Last listed row first; one call site of the row update, so that it is
    // compiled once.
    let mut k = rows.len();
    while k > 0 {
        if let (Some(d), Some(g)) = (&tiled, k.checked_sub(4).map(|first| &rows[first..k])) {
            let r = g[0] as usize;
            if g[1] as usize == r + 1 && g[2] as usize == r + 2 && g[3] as usize == r + 3 {
                let (w40, lanes32) = (10 * r..10 * r + 40, LANES * r..LANES * r + 32);
                four_rows_of_ten::<P::Eight>(
                    isa.eight(),
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
        short.row(w, row_lanes, rows[k], step[k]);
    }
}

/// What every row of [`short_rows_lanes_of`] shares: the row length, where
/// its window starts, `δ` as `K` whole vectors and the window's, and which
/// lanes of the window no whole vector covers.
struct ShortRows<V, const K: usize> {
    n: usize,
    window: usize,
    has_window: bool,
    d: [V; K],
    d_window: V,
    fresh: V,
    alpha: f32,
}

impl<V: Vector8, const K: usize> ShortRows<V, K> {
    /// Row `j` with step `s`: its weights, and its lanes into `row_lanes`.
    #[cfg_attr(target_arch = "x86_64", inline(always))]
    fn row(&self, w: &mut [f32], row_lanes: &mut [f32], j: u32, s: f32) {
        let (n, window) = (self.n, self.window);
        let j = j as usize;
        let row = &mut w[j * n..(j + 1) * n];
        let t = self.d_window.token();
        let update = DlrUpdate::<V>::new(t, s, self.alpha);
        // Loaded and updated before any store, as in `dlr_row_lanes`.
        let window_new = update.apply(V::load(t, &row[window..]), self.d_window);
        let mut squares = [V::zero(t); 3];
        for (k, (sq, &dk)) in squares.iter_mut().zip(&self.d).enumerate() {
            let r = k * LANES..(k + 1) * LANES;
            let v = update.apply(V::load(t, &row[r.clone()]), dk);
            v.store(&mut row[r]);
            *sq = v * v;
        }
        let last = if self.has_window {
            window_new.store(&mut row[window..]);
            let counted = self.fresh.select(window_new, V::zero(t));
            counted * counted
        } else {
            V::zero(t)
        };
        let lanes = (squares[0] + squares[1]) + (squares[2] + last);
        lanes.store(&mut row_lanes[j * LANES..(j + 1) * LANES]);
    }
}

/// The first `K` whole vectors of `s`.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn load_vectors<V: Vector, const K: usize>(t: V::Token, s: &[f32]) -> [V; K] {
    let mut v = [V::zero(t); K];
    for (k, x) in v.iter_mut().enumerate() {
        *x = V::load(t, &s[k * V::LANES..]);
    }
    v
}

/// Four consecutive rows of ten weights, `w` = their 40 weights, updated as
/// five whole vectors instead of four rows of a vector and an overlapping
/// window each; `delta_tiled` is `δ` repeated along the 40 weights,
/// `row_lanes` the rows' 32 lane sums. Bit for bit the weights and lanes
/// of [`dlr_row_lanes`] on each row: every weight gets its own row's step
/// through the same two fused multiply-adds, and each row's squares are
/// moved (`vpermps`) into the lanes the single-row kernel gives them,
/// `w₀²…w₇²` with `w₈²` added to lane 6 and `w₉²` to lane 7.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn four_rows_of_ten<V: Vector8>(
    t: V::Token,
    w: &mut [f32],
    step: &[f32],
    alpha: f32,
    delta_tiled: &[V; 5],
    row_lanes: &mut [f32],
) {
    let neg_step = -V::from_array(t, [step[0], step[1], step[2], step[3], 0.0, 0.0, 0.0, 0.0]);
    let alpha = V::splat(t, alpha);
    // The row (0–3) of each lane of the five vectors.
    const ROW: [[i32; 8]; 5] = [
        [0, 0, 0, 0, 0, 0, 0, 0],
        [0, 0, 1, 1, 1, 1, 1, 1],
        [1, 1, 1, 1, 2, 2, 2, 2],
        [2, 2, 2, 2, 2, 2, 3, 3],
        [3, 3, 3, 3, 3, 3, 3, 3],
    ];
    let mut q = [V::zero(t); 5];
    for (v, (qv, &dv)) in q.iter_mut().zip(delta_tiled).enumerate() {
        let r = LANES * v..LANES * (v + 1);
        // Each lane's −step, and −step · α as `dlr_update` forms it (the
        // product of the picked lanes is the picked product: one permute).
        let neg_step = neg_step.permute(ROW[v]);
        let new = dlr_update_lanes(neg_step, neg_step * alpha, V::load(t, &w[r.clone()]), dv);
        new.store(&mut w[r]);
        *qv = new * new;
    }
    // Row k's weights are q's lanes 10k..10k + 10 (counting across the
    // vectors): lanes 0–7 from the first eight, lanes 6 and 7 plus the
    // last two. Unused lanes of an index (0) are blended or masked away.
    let lanes = [
        q[0] + last_two(q[1].permute([0, 0, 0, 0, 0, 0, 0, 1])),
        q[1].permute([2, 3, 4, 5, 6, 7, 0, 0])
            .blend::<0b1100_0000>(q[2].permute([0, 0, 0, 0, 0, 0, 0, 1]))
            + last_two(q[2].permute([0, 0, 0, 0, 0, 0, 2, 3])),
        q[2].permute([4, 5, 6, 7, 0, 0, 0, 0])
            .blend::<0b1111_0000>(q[3].permute([0, 0, 0, 0, 0, 1, 2, 3]))
            + last_two(q[3].permute([0, 0, 0, 0, 0, 0, 4, 5])),
        q[3].permute([6, 7, 0, 0, 0, 0, 0, 0])
            .blend::<0b1111_1100>(q[4].permute([0, 0, 0, 1, 2, 3, 4, 5]))
            + last_two(q[4]),
    ];
    for (k, l) in lanes.iter().enumerate() {
        l.store(&mut row_lanes[LANES * k..LANES * (k + 1)]);
    }
}

/// Lanes 6 and 7 of `x`, zeros elsewhere.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn last_two<V: Vector8>(x: V) -> V {
    V::zero(x.token()).blend::<0b1100_0000>(x)
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
#[cfg_attr(target_arch = "x86_64", inline(always))]
pub(crate) fn sgd_rows<P: Isa>(
    isa: P,
    w: &mut [f32],
    rows: Option<&[u32]>,
    a: &[f32],
    lr: f32,
    delta: &[f32],
) {
    if P::SCALAR {
        return reference::sgd_rows(w, rows, a, lr, delta);
    }
    let n = delta.len();
    // Rows of 8–31 that `sgd_row` ends with a window: its short-row loop.
    let windowed = sgd_row_has_window(n) && n < 4 * LANES;
    match n / LANES {
        1 if windowed => sgd_short_rows::<P, 1>(isa, w, rows, a, lr, delta),
        2 if windowed => sgd_short_rows::<P, 2>(isa, w, rows, a, lr, delta),
        3 if windowed => sgd_short_rows::<P, 3>(isa, w, rows, a, lr, delta),
        _ => {
            let n_rows = rows.map_or(a.len(), <[u32]>::len);
            for k in 0..n_rows {
                let (j, aj) = nonzero_input(rows, a, k);
                if aj != 0.0 {
                    sgd_row::<P>(isa, &mut w[j * n..(j + 1) * n], lr * aj, delta);
                }
            }
        }
    }
}

/// Entry `k` of a row list: `(j, a_j)` for `j = rows[k]`, or `j = k` if
/// `rows` is `None`; the rows a rank-1 gradient `a_j δ` changes are those
/// with `a_j ≠ 0`. Callers loop over `k` themselves: the row kernel must
/// stay in the caller's body, not in a closure, to get the path's target
/// features (see `DlrUpdate`).
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn nonzero_input(rows: Option<&[u32]>, a: &[f32], k: usize) -> (usize, f32) {
    let j = match rows {
        Some(r) => r[k] as usize,
        None => k,
    };
    (j, a[j])
}

/// [`sgd_rows`] for rows of `8 K + m` weights, `0 < m < 8`: [`sgd_row`]'s
/// overlapping-window path with the row length a constant.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn sgd_short_rows<P: Isa, const K: usize>(
    isa: P,
    w: &mut [f32],
    rows: Option<&[u32]>,
    a: &[f32],
    lr: f32,
    delta: &[f32],
) {
    let n = delta.len();
    let window = n - LANES;
    let d = load_vectors::<P::Eight, K>(isa.eight(), delta);
    let d_window = P::Eight::load(isa.eight(), &delta[window..]);
    let n_rows = rows.map_or(a.len(), <[u32]>::len);
    for k in 0..n_rows {
        let (j, aj) = nonzero_input(rows, a, k);
        if aj == 0.0 {
            continue;
        }
        let neg_step = P::Eight::splat(isa.eight(), -(lr * aj));
        let row = &mut w[j * n..(j + 1) * n];
        let window_new = d_window.mul_add(neg_step, P::Eight::load(isa.eight(), &row[window..]));
        for (k, &dk) in d.iter().enumerate() {
            let r = k * LANES..(k + 1) * LANES;
            dk.mul_add(neg_step, P::Eight::load(isa.eight(), &row[r.clone()]))
                .store(&mut row[r]);
        }
        window_new.store(&mut row[window..]);
    }
}

#[cfg_attr(target_arch = "x86_64", inline(always))]
fn dlr_post_body<V: Vector>(
    t: V::Token,
    w: &mut [f32],
    a: f32,
    alpha: f32,
    scaled_delta: &[f32],
    col_sum_sq: &mut [f32],
) {
    let (neg_a, neg_a_alpha) = (V::splat(t, -a), V::splat(t, -a * alpha));
    let n = V::LANES;
    for ((wc, dc), sc) in w
        .chunks_exact_mut(n)
        .zip(scaled_delta.chunks_exact(n))
        .zip(col_sum_sq.chunks_exact_mut(n))
    {
        let old = V::load(t, wc);
        // old + (−a |old| − a α) scaled_delta: two fused multiply-adds, as
        // in `dlr_row`.
        let new = old
            .abs()
            .mul_add(neg_a, neg_a_alpha)
            .mul_add(V::load(t, dc), old);
        new.store(wc);
        // new² − old² = (new − old)(new + old): no cancellation of two squares.
        (new - old).mul_add(new + old, V::load(t, sc)).store(sc);
    }
}

/// DLR Eq. 3, single pass: `w_i ← w_i − a_j (|w_i| + α) scaled_delta_i` and
/// `col_sum_sq_i += w_new² − w_old²`. Twin: [`reference::dlr_post_row`].
#[cfg_attr(target_arch = "x86_64", inline(always))]
pub(crate) fn dlr_post_row<P: Isa>(
    isa: P,
    w: &mut [f32],
    a: f32,
    alpha: f32,
    scaled_delta: &[f32],
    col_sum_sq: &mut [f32],
) {
    debug_assert!(w.len() == scaled_delta.len() && w.len() == col_sum_sq.len());
    if P::SCALAR {
        return reference::dlr_post_row(w, a, alpha, scaled_delta, col_sum_sq);
    }
    let lens = split_lens::<P>(w.len());
    let [ww, w8, w4, wt] = split_parts_mut(w, lens);
    let [dw, d8, d4, dt] = split_parts(scaled_delta, lens);
    let [sw, s8, s4, st] = split_parts_mut(col_sum_sq, lens);
    dlr_post_body::<P::Wide>(isa.wide(), ww, a, alpha, dw, sw);
    dlr_post_body::<P::Eight>(isa.eight(), w8, a, alpha, d8, s8);
    dlr_post_body::<P::Four>(isa.four(), w4, a, alpha, d4, s4);
    reference::dlr_post_row(wt, a, alpha, dt, st);
}

/// DLR Eq. 1 step factors of the rows `rows`, eight rows at a time:
/// `step_k ← η₀ a_r / (‖w_·r‖ + α)` for `r = rows[k]`, where `‖w_·r‖²` is
/// the [`lane_total`](crate::simd::lane_total) of the row's eight partial sums `row_lanes[8r..8r + 8]`
/// (as [`dlr_row_lanes`] leaves them). Twin: [`reference::dlr_steps`],
/// equal to the last bit.
///
/// One transposed total ([`Vector8::lane_totals`]), one square root and one
/// division per eight rows, instead of a horizontal sum, a square root and
/// a division at each row, whose latency the row update would wait for
/// (BENCHMARKS.md). The inputs are gathered with scalar loads, which
/// measured faster than AVX2's gather instruction (BENCHMARKS.md).
#[cfg_attr(target_arch = "x86_64", inline(always))]
pub(crate) fn dlr_steps<P: Isa>(
    isa: P,
    rows: &[u32],
    a: &[f32],
    row_lanes: &[f32],
    eta0: f32,
    alpha: f32,
    step: &mut [f32],
) {
    debug_assert_eq!(rows.len(), step.len());
    if P::SCALAR {
        return reference::dlr_steps(rows, a, row_lanes, eta0, alpha, step);
    }
    let (eta0v, alphav) = (
        P::Eight::splat(isa.eight(), eta0),
        P::Eight::splat(isa.eight(), alpha),
    );
    // Each row's lanes as one array, and as many rows of them as inputs: a
    // row index then needs one bounds check for both of its loads.
    let lane_rows = row_lanes.as_chunks::<LANES>().0;
    let n_rows = a.len().min(lane_rows.len());
    let (a, row_lanes) = (&a[..n_rows], &lane_rows[..n_rows]);
    let mut row_chunks = rows.chunks_exact(LANES);
    let mut step_chunks = step.chunks_exact_mut(LANES);
    for (rc, sc) in (&mut row_chunks).zip(&mut step_chunks) {
        let mut inputs = [0.0f32; LANES];
        let mut lanes = [P::Eight::zero(isa.eight()); LANES];
        for ((x, l), &r) in inputs.iter_mut().zip(lanes.iter_mut()).zip(rc) {
            let r = r as usize;
            *x = a[r];
            *l = P::Eight::from_array(isa.eight(), row_lanes[r]);
        }
        eight_steps(
            eta0v,
            alphav,
            P::Eight::from_array(isa.eight(), inputs),
            &lanes,
        )
        .store(sc);
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
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn eight_steps<V: Vector8>(eta0: V, alpha: V, a: V, lanes: &[V; LANES]) -> V {
    (eta0 * a).div(V::lane_totals(lanes).sqrt() + alpha)
}

/// [`dlr_steps`] of every row, `rows = 0..a.len()`, with contiguous loads
/// instead of gathers: the layers after the first, whose logistic inputs
/// are all non-zero in practice, and dense (mini-batch) gradients with
/// `a = 1`. Twin: [`reference::dlr_steps_every_row`], equal to the last bit.
#[cfg_attr(target_arch = "x86_64", inline(always))]
pub(crate) fn dlr_steps_every_row<P: Isa>(
    isa: P,
    a: &[f32],
    row_lanes: &[f32],
    eta0: f32,
    alpha: f32,
    step: &mut [f32],
) {
    debug_assert!(a.len() == step.len() && row_lanes.len() == a.len() * LANES);
    if P::SCALAR {
        return reference::dlr_steps_every_row(a, row_lanes, eta0, alpha, step);
    }
    let (eta0v, alphav) = (
        P::Eight::splat(isa.eight(), eta0),
        P::Eight::splat(isa.eight(), alpha),
    );
    let mut a_chunks = a.chunks_exact(LANES);
    let mut lane_chunks = row_lanes.chunks_exact(LANES * LANES);
    let mut step_chunks = step.chunks_exact_mut(LANES);
    for ((ac, lc), sc) in (&mut a_chunks).zip(&mut lane_chunks).zip(&mut step_chunks) {
        let lanes = load_vectors::<P::Eight, LANES>(isa.eight(), lc);
        eight_steps(eta0v, alphav, P::Eight::load(isa.eight(), ac), &lanes).store(sc);
    }
    reference::dlr_steps_every_row(
        a_chunks.remainder(),
        lane_chunks.remainder(),
        eta0,
        alpha,
        step_chunks.into_remainder(),
    );
}
