//! Scalar twins of the SIMD kernels: the maths, stated plainly.
//!
//! Each function has the name and signature of its SIMD twin in
//! [`crate::kernels`]. They are the oracle of the tests, the baseline of the
//! benches, and what the SIMD kernels run on the tail of a slice.
//! They use `a * b + c` rather than `f32::mul_add`, which without FMA enabled
//! is a slow library call.

use crate::kernels::GROUP;
use crate::simd::exact_sqrt as sqrt;
use crate::simd::lane_total;

/// `y ← y + a x`
///
/// + `y`, `x`: `(n,)`
pub fn axpy(y: &mut [f32], a: f32, x: &[f32]) {
    debug_assert_eq!(y.len(), x.len());
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

/// `Σ_i x_i y_i`
pub fn dot(x: &[f32], y: &[f32]) -> f32 {
    debug_assert_eq!(x.len(), y.len());
    let mut s = 0.0;
    for (&xi, &yi) in x.iter().zip(y) {
        s += xi * yi;
    }
    s
}

/// `Σ_i x_i²`
pub fn sum_squares(x: &[f32]) -> f32 {
    dot(x, x)
}

/// Logistic function in place: `z_i ← σ(z_i) = 1 / (1 + e^{−z_i})`.
pub fn sigmoid(z: &mut [f32]) {
    for zi in z.iter_mut() {
        *zi = 1.0 / (1.0 + libm::expf(-*zi));
    }
}

/// Output delta of the MSE loss with logistic outputs, and the loss.
///
/// `t = one_hot(label)`; overwrites `d_k ← (y_k − t_k) y_k (1 − y_k)` and
/// returns `C = ½ Σ_k (y_k − t_k)²`. Subnormal `d_k` are flushed to zero
/// ([`flush_subnormal`]): a confidently rejected class (`y_k ≈ 10⁻²⁰`)
/// has `d_k ≈ y_k²`, and every product with it in backprop would pay a
/// microcode assist.
///
/// + `y`: `(n_out,)` outputs; `d`: `(n_out,)` deltas, overwritten
/// + `offset`: index of `y[0]` in the whole output layer, so that a tail
///   of the layer can be handled alone (`t_k = 1` for `k + offset == label`)
pub fn output_delta(y: &[f32], label: usize, offset: usize, d: &mut [f32]) -> f32 {
    debug_assert_eq!(y.len(), d.len());
    let mut loss = 0.0;
    for (k, (&yk, dk)) in y.iter().zip(d.iter_mut()).enumerate() {
        let tk = if k + offset == label { 1.0 } else { 0.0 };
        let err = yk - tk;
        *dk = flush_subnormal(err * yk * (1.0 - yk));
        loss += 0.5 * err * err;
    }
    loss
}

/// Hidden delta, overwriting `e`: `e_i ← h_i (1 − h_i) Σ_k w_ik d_k`,
/// flushed to zero when subnormal ([`flush_subnormal`], as in
/// [`output_delta`]).
///
/// + `h`: `(n_h,)` this layer's logistic outputs
/// + `w_next`: `(n_h, n_next)` pre-major weights of the next layer (row `i` =
///   outgoing weights of hidden unit `i`), *before* this step's update
/// + `d_next`: `(n_next,)` deltas of the next layer
/// + `e`: `(n_h,)`, overwritten
pub fn hidden_delta(h: &[f32], w_next: &[f32], d_next: &[f32], e: &mut [f32]) {
    let n_next = d_next.len();
    debug_assert_eq!(w_next.len(), h.len() * n_next);
    for (i, (&hi, ei)) in h.iter().zip(e.iter_mut()).enumerate() {
        let back = dot(&w_next[i * n_next..(i + 1) * n_next], d_next);
        *ei = flush_subnormal(hi * (1.0 - hi) * back);
    }
}

/// SGD on one row: `w_i ← w_i − s δ_i` with `s = η a_j`.
///
/// + `w`: `(n_out,)` row `j`; `delta`: `(n_out,)`
pub fn sgd_row(w: &mut [f32], step: f32, delta: &[f32]) {
    axpy(w, -step, delta);
}

/// SGD on the rows of a layer whose input is non-zero: [`sgd_row`] on row
/// `j` with step `η a_j` for every `j` of `rows` (in order), or of
/// `0..n_in` if `rows` is `None`, with `a_j ≠ 0`.
///
/// + `w`: `(n_in, n_out)` pre-major, `n_out = delta.len()`; `a`: `(n_in,)`;
///   `delta`: `(n_out,)`
pub fn sgd_rows(w: &mut [f32], rows: Option<&[u32]>, a: &[f32], lr: f32, delta: &[f32]) {
    let n = delta.len();
    let mut visit = |j: usize| {
        if a[j] != 0.0 {
            sgd_row(&mut w[j * n..(j + 1) * n], lr * a[j], delta);
        }
    };
    match rows {
        Some(rows) => rows.iter().for_each(|&j| visit(j as usize)),
        None => (0..a.len()).for_each(visit),
    }
}

/// `x`, or `+0` when `x` is subnormal (`|x| < f32::MIN_POSITIVE`): the
/// deltas ([`output_delta`], [`hidden_delta`]). [`flush_below`] with
/// `f32::MIN_POSITIVE`.
#[inline]
pub fn flush_subnormal(x: f32) -> f32 {
    flush_below(x, f32::MIN_POSITIVE)
}

/// `x`, or `+0` when `|x| < floor`; NaN passes unchanged.
#[inline]
pub fn flush_below(x: f32, floor: f32) -> f32 {
    if x.abs() < floor {
        0.0
    } else {
        x
    }
}

/// `2⁻¹⁰⁰ ≈ 7.9 × 10⁻³¹`: optimizer state (Nesterov's velocity, Adam's
/// moments) smaller in magnitude is set to zero.
///
/// The state decays by a factor every step where its gradient is zero (the
/// rows of MNIST's blank border pixels, a pixel lit once in a while).
/// Flushing only subnormal results is not enough on x86: a multiply whose
/// input or output is subnormal takes a microcode assist of 100 cycles or
/// more, before any flush. A state value just above `f32::MIN_POSITIVE`
/// makes `β₁ m`, `μ v` and the update `η (g + μ v)` or `lr_t m` subnormal
/// for tens of steps (BENCHMARKS.md measures the cost). At `|x| ≥ 2⁻¹⁰⁰`
/// the products `β₁ m`, `β₂ v`, `μ v`, `lr_t m` and `η μ v` stay normal
/// whenever their factor (β₁, β₂, μ, `lr_t`, `η μ`) is at least `2⁻²⁶`
/// (defaults 0.9, 0.999, 0.8, 0.002, 0.08), and so does Adam's quotient
/// `lr_t m / (√v̂ + ε)` while `√v̂ + ε ≤ 2²⁶ lr_t`. A value this small moves
/// no weight: Adam's step from it is under `lr_t 2⁻¹⁰⁰ / ε`, Nesterov's
/// under `η μ 2⁻¹⁰⁰`.
pub const STATE_FLOOR: f32 = f32::from_bits(27 << 23);

/// `2⁻⁵⁴ ≈ 5.6 × 10⁻¹⁷`: a gradient element `g = a δ` smaller in magnitude
/// counts as zero in Nesterov's and Adam's update.
///
/// Late in training the deltas of confident outputs are tiny, and Adam's
/// `(1 − β₂) g²` with `|g| < 10⁻¹⁹` is subnormal. Above the floor,
/// `(1 − β₂) g g ≥ 2⁻¹²⁶` for any `1 − β₂ ≥ 2⁻¹⁸` (β₂ up to 0.999996), and
/// `(1 − β₁) g`, `η g` stay normal. The gradient a weight gets from such a
/// term is not worth an ulp of it.
pub const GRAD_FLOOR: f32 = f32::from_bits(73 << 23);

/// Nesterov momentum on one row (the look-ahead form used by PyTorch's
/// `nesterov=True`), with `g_i = a_j δ_i`:
///
/// ```text
/// v_i ← μ v_i + g_i
/// w_i ← w_i − η (g_i + μ v_i)
/// ```
///
/// where `g_i` is taken as `0` when `|a_j δ_i| < 2⁻⁵⁴` ([`GRAD_FLOOR`]) and
/// the new `v_i` is set to `0` when `|v_i| < 2⁻¹⁰⁰` ([`STATE_FLOOR`]), so that
/// no product of a step is subnormal.
///
/// + `w`, `v`: `(n_out,)` weights and velocity of row `j`
/// + `a`: the input `a_j`; `delta`: `(n_out,)`
pub fn nesterov_row(w: &mut [f32], v: &mut [f32], a: f32, delta: &[f32], lr: f32, momentum: f32) {
    debug_assert!(w.len() == v.len() && w.len() == delta.len());
    for i in 0..w.len() {
        let g = flush_below(a * delta[i], GRAD_FLOOR);
        v[i] = flush_below(momentum * v[i] + g, STATE_FLOOR);
        w[i] -= lr * (g + momentum * v[i]);
    }
}

/// Adam on one row (Kingma & Ba, with bias correction), `g_i = a_j δ_i`:
///
/// ```text
/// m_i ← β₁ m_i + (1 − β₁) g_i
/// v_i ← β₂ v_i + (1 − β₂) g_i²
/// w_i ← w_i − α m̂_i / (√v̂_i + ε),   m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)
/// ```
///
/// where `g_i` is taken as `0` when `|a_j δ_i| < 2⁻⁵⁴` ([`GRAD_FLOOR`]) and
/// the new `m_i`, `v_i` are each set to `0` when below `2⁻¹⁰⁰` in magnitude
/// ([`STATE_FLOOR`]), so that no product of a step is subnormal.
///
/// The per-step scalars are hoisted by the caller: `lr_t = α / (1 − β₁ᵗ)` and
/// `inv_sqrt_bc2 = 1 / √(1 − β₂ᵗ)`, so that `α m̂ / (√v̂ + ε) =
/// lr_t m / (√v · inv_sqrt_bc2 + ε)` exactly in real arithmetic.
#[allow(clippy::too_many_arguments)]
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
    for i in 0..w.len() {
        let g = flush_below(a * delta[i], GRAD_FLOOR);
        m[i] = flush_below(beta1 * m[i] + (1.0 - beta1) * g, STATE_FLOOR);
        v[i] = flush_below(beta2 * v[i] + (1.0 - beta2) * g * g, STATE_FLOOR);
        w[i] -= lr_t * m[i] / (sqrt(v[i]) * inv_sqrt_bc2 + eps);
    }
}

/// Adam on a row whose gradient is zero (dense Adam's row of an input
/// `a_j = 0`): the moments decay and the weight moves by the momentum left,
///
/// ```text
/// m_i ← β₁ m_i
/// v_i ← β₂ v_i
/// w_i ← w_i − lr_t m_i / (√v_i · inv_sqrt_bc2 + ε)
/// ```
///
/// with [`adam_row`]'s floor on the new moments. This is [`adam_row`] with
/// `a = 0` and finite `δ`, bit for bit: there `g_i = 0 · δ_i` is `±0`, which
/// the floor makes `+0`, so `(1 − β₁) g_i` and `(1 − β₂) g_i²` are `±0`, and
/// `x + ±0` differs from `x` only for `x = −0`, which the floor makes `+0`
/// either way.
#[allow(clippy::too_many_arguments)]
pub fn adam_decay_row(
    w: &mut [f32],
    m: &mut [f32],
    v: &mut [f32],
    beta1: f32,
    beta2: f32,
    lr_t: f32,
    inv_sqrt_bc2: f32,
    eps: f32,
) {
    debug_assert!(w.len() == m.len() && w.len() == v.len());
    for i in 0..w.len() {
        m[i] = flush_below(beta1 * m[i], STATE_FLOOR);
        v[i] = flush_below(beta2 * v[i], STATE_FLOOR);
        w[i] -= lr_t * m[i] / (sqrt(v[i]) * inv_sqrt_bc2 + eps);
    }
}

/// Lazy Adam (`torch.optim.SparseAdam`'s update) on the rows of a layer
/// whose input is non-zero: for every `j` of `rows` (in order), or of
/// `0..n_in` if `rows` is `None`, with `a_j ≠ 0`, and `g_i = a_j δ_i`,
///
/// ```text
/// m_ji ← β₁ m_ji + (1 − β₁) g_i
/// v_ji ← β₂ v_ji + (1 − β₂) g_i²
/// w_ji ← w_ji − step · m_ji / (√v_ji + ε),   step = α √(1 − β₂ᵗ) / (1 − β₁ᵗ)
/// ```
///
/// with [`adam_row`]'s floors (`g_i` below [`GRAD_FLOOR`] and new moments
/// below [`STATE_FLOOR`] taken as `0`). A row with `a_j = 0` keeps `w`, `m`
/// and `v`; a row with `a_j ≠ 0` and `δ = 0` is present and takes the step
/// (its moments decay), as in `SparseAdam`.
///
/// + `w`, `m`, `v`: `(n_in, n_out)` pre-major, `n_out = delta.len()`;
///   `a`: `(n_in,)`
#[allow(clippy::too_many_arguments)]
pub fn adam_lazy_rows(
    w: &mut [f32],
    m: &mut [f32],
    v: &mut [f32],
    rows: Option<&[u32]>,
    a: &[f32],
    delta: &[f32],
    beta1: f32,
    beta2: f32,
    step: f32,
    eps: f32,
) {
    let n = delta.len();
    let mut visit = |j: usize| {
        if a[j] == 0.0 {
            return;
        }
        let r = j * n..(j + 1) * n;
        let (w, m, v) = (&mut w[r.clone()], &mut m[r.clone()], &mut v[r]);
        for i in 0..n {
            let g = flush_below(a[j] * delta[i], GRAD_FLOOR);
            m[i] = flush_below(beta1 * m[i] + (1.0 - beta1) * g, STATE_FLOOR);
            v[i] = flush_below(beta2 * v[i] + (1.0 - beta2) * g * g, STATE_FLOOR);
            w[i] -= step * m[i] / (sqrt(v[i]) + eps);
        }
    };
    match rows {
        Some(rows) => rows.iter().for_each(|&j| visit(j as usize)),
        None => (0..a.len()).for_each(visit),
    }
}

/// DLR, Eq. 1, on row `j`, fused with the row's new squared norm.
///
/// `η_ij = η₀ (|w_ij| + α) / (‖w_·j‖ + α)`, `∂C/∂w_ij = δ_i a_j`; the caller
/// passes `step = η₀ a_j / (‖w_·j‖ + α)` (the norm before the step), so:
///
/// ```text
/// w_i ← w_i − step (|w_i| + α) δ_i
/// returns Σ_i w_i²   (new weights: the norm cache of the next step)
/// ```
///
/// + `w`: `(n_out,)` row `j` = outgoing weights of input `j`; `delta`: `(n_out,)`
pub fn dlr_row(w: &mut [f32], step: f32, alpha: f32, delta: &[f32]) -> f32 {
    debug_assert_eq!(w.len(), delta.len());
    let mut sum_sq = 0.0;
    for (wi, &di) in w.iter_mut().zip(delta) {
        *wi -= step * (wi.abs() + alpha) * di;
        sum_sq += *wi * *wi;
    }
    sum_sq
}

/// [`dlr_row`] with the new `Σ w_i²` returned as eight partial sums whose
/// [`lane_total`] is the sum; the SIMD kernel spreads it over the lanes,
/// this twin puts it all in lane 0.
// Hidden with its SIMD twin (`kernels::dlr_row_lanes`): `Dlr`'s private lane layout.
#[doc(hidden)]
pub fn dlr_row_lanes(w: &mut [f32], step: f32, alpha: f32, delta: &[f32]) -> [f32; 8] {
    let mut lanes = [0.0; 8];
    lanes[0] = dlr_row(w, step, alpha, delta);
    lanes
}

/// DLR, Eq. 1, on the listed rows of a layer, last listed row first:
/// [`dlr_row_lanes`] on row `r = rows[k]` with step `step[k]`, its lanes
/// written to `row_lanes[8r..8r + 8]`.
///
/// + `w`: `(n_in, n_out)` pre-major, `n_out = delta.len()`; `rows`, `step`:
///   `(n_rows,)`; `row_lanes`: `(n_in · 8,)`
// Hidden with its SIMD twin (`kernels::dlr_rows_lanes`): `Dlr`'s private lane layout.
#[doc(hidden)]
pub fn dlr_rows_lanes(
    w: &mut [f32],
    rows: &[u32],
    step: &[f32],
    alpha: f32,
    delta: &[f32],
    row_lanes: &mut [f32],
) {
    let n = delta.len();
    for k in (0..rows.len()).rev() {
        let r = rows[k] as usize;
        let lanes = dlr_row_lanes(&mut w[r * n..(r + 1) * n], step[k], alpha, delta);
        row_lanes[r * 8..(r + 1) * 8].copy_from_slice(&lanes);
    }
}

/// DLR, Eq. 3, on row `j`, fused with the upkeep of the column norms.
///
/// `η_ij = η₀ (|w_ij| + α) / (‖w_i·‖ + α)`: the norm is over column `i`
/// (incoming weights of output `i`). The caller passes the per-column factor
/// `scaled_delta_i = η₀ δ_i / (‖w_i·‖ + α)` (norms before the step) and `a_j`:
///
/// ```text
/// w_i ← w_i − a_j (|w_i| + α) scaled_delta_i
/// col_sum_sq_i ← col_sum_sq_i + (w_i,new − w_i,old)(w_i,new + w_i,old)   (= new² − old²)
/// ```
///
/// + `w`: `(n_out,)` row `j`; `scaled_delta`, `col_sum_sq`: `(n_out,)`
pub fn dlr_post_row(
    w: &mut [f32],
    a: f32,
    alpha: f32,
    scaled_delta: &[f32],
    col_sum_sq: &mut [f32],
) {
    debug_assert!(w.len() == scaled_delta.len() && w.len() == col_sum_sq.len());
    for i in 0..w.len() {
        let old = w[i];
        let new = old - a * (old.abs() + alpha) * scaled_delta[i];
        w[i] = new;
        col_sum_sq[i] += (new - old) * (new + old);
    }
}

/// Forward pass of a pre-major layer over selected rows, overwriting `z`:
/// `z_i ← Σ_{j ∈ rows} x_j w_ji`.
///
/// + `z`: `(n_out,)`; `w`: `(n_in, n_out)` pre-major; `x`: `(n_in,)`
/// + `rows`: the inputs to sum (the non-zero ones; others add nothing)
pub fn forward_rows(z: &mut [f32], w: &[f32], x: &[f32], rows: &[u32]) {
    let n_out = z.len();
    z.fill(0.0);
    for &j in rows {
        let j = j as usize;
        axpy(z, x[j], &w[j * n_out..(j + 1) * n_out]);
    }
}

/// [`forward_rows`] over every row for [`GROUP`] input vectors:
/// `z[g]_i ← Σ_j a[g]_j w_ji`, each on its own.
///
/// + `z`: `(GROUP, n_out)`; `w`: `(n_in, n_out)` pre-major; `a`: `(GROUP, n_in)`
pub fn forward_group(z: &mut [f32], w: &[f32], a: &[f32]) {
    let (n_out, n_in) = (z.len() / GROUP, a.len() / GROUP);
    for (zg, ag) in z.chunks_exact_mut(n_out).zip(a.chunks_exact(n_in)) {
        zg.fill(0.0);
        for (j, &aj) in ag.iter().enumerate() {
            axpy(zg, aj, &w[j * n_out..(j + 1) * n_out]);
        }
    }
}

/// A pixel's input value, `p / 255` (as `p · (1/255)` in `f32`).
#[inline]
pub fn pixel_value(p: u8) -> f32 {
    p as f32 * (1.0 / 255.0)
}

/// Forward pass of a pre-major layer over an image's lit pixels,
/// overwriting `z`: `z_i ← Σ_k x_k w_{r_k i}` with `r_k = rows[k]` and
/// `x_k = pixel_value(pixels[k])`; [`forward_rows`] of the image's pixels.
///
/// + `z`: `(n_out,)`; `w`: `(n_in, n_out)` pre-major
/// + `rows`, `pixels`: the lit pixels' indices (ascending) and values
pub fn forward_lit(z: &mut [f32], w: &[f32], rows: &[u32], pixels: &[u8]) {
    let n_out = z.len();
    z.fill(0.0);
    for (&j, &p) in rows.iter().zip(pixels) {
        let j = j as usize;
        axpy(z, pixel_value(p), &w[j * n_out..(j + 1) * n_out]);
    }
}

/// DLR Eq. 1 step factors of the rows `rows`:
/// `step_k ← η₀ a_r / (‖w_·r‖ + α)` for `r = rows[k]`, the `step` of
/// [`dlr_row`].
///
/// + `a`: `(n_rows,)` the inputs `a_j` of every row
/// + `row_lanes`: `(n_rows · 8,)` each row's `‖w_·j‖²` as eight partial
///   sums, totalled by [`lane_total`]
/// + `step`: `(rows.len(),)`, overwritten
// Hidden with its SIMD twin (`kernels::dlr_steps`): `Dlr`'s private lane layout.
#[doc(hidden)]
pub fn dlr_steps(
    rows: &[u32],
    a: &[f32],
    row_lanes: &[f32],
    eta0: f32,
    alpha: f32,
    step: &mut [f32],
) {
    debug_assert_eq!(rows.len(), step.len());
    let row_lanes = row_lanes.as_chunks::<8>().0;
    for (s, &r) in step.iter_mut().zip(rows) {
        let r = r as usize;
        *s = dlr_step(eta0, alpha, a[r], &row_lanes[r]);
    }
}

/// `η₀ a / (‖w‖ + α)`, `‖w‖² = lane_total(lanes)`: the step of one row.
fn dlr_step(eta0: f32, alpha: f32, a: f32, lanes: &[f32; 8]) -> f32 {
    eta0 * a / (sqrt(lane_total(lanes)) + alpha)
}

/// [`dlr_steps`] of every row: `step_j ← η₀ a_j / (‖w_·j‖ + α)`.
///
/// + `a`, `step`: `(n_rows,)`; `row_lanes`: `(n_rows · 8,)` as in [`dlr_steps`]
// Hidden with its SIMD twin (`kernels::dlr_steps_every_row`): `Dlr`'s private lane layout.
#[doc(hidden)]
pub fn dlr_steps_every_row(a: &[f32], row_lanes: &[f32], eta0: f32, alpha: f32, step: &mut [f32]) {
    debug_assert!(a.len() == step.len() && row_lanes.len() == a.len() * 8);
    for ((s, &aj), lanes) in step.iter_mut().zip(a).zip(row_lanes.as_chunks::<8>().0) {
        *s = dlr_step(eta0, alpha, aj, lanes);
    }
}

/// The indices `j` with `a_j ≠ 0`, in order, at the front of `rows`;
/// returns how many (NaN is not zero; `−0` is).
pub fn nonzero_indices(a: &[f32], rows: &mut [u32]) -> usize {
    let mut n = 0;
    for (j, &aj) in a.iter().enumerate() {
        if aj != 0.0 {
            rows[n] = j as u32;
            n += 1;
        }
    }
    n
}
