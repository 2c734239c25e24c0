//! Hot kernels: explicit SIMD versions of every formula in the forward
//! pass, backprop and the optimizer updates.
//!
//! Convention: each kernel here has a scalar twin of the **same name and
//! signature** in [`reference`](mod@reference), a plain indexed loop whose doc comment is the
//! formula. The twin is the specification, the oracle of the tests and the
//! baseline of the benches. The SIMD version is one body generic over the
//! path (`simd::Isa`) that runs the head of its slices in the
//! path's widest vectors, what is left in 8 and 4 lanes, and hands the last
//! 0–3 elements to the twin, so tails cannot drift from the spec
//! (`dlr_row` instead ends a row of 8 or more whose length is not a
//! multiple of 8 with an overlapping 8-lane vector, and `sgd_row` does so
//! where the length is not a multiple of 4; see `update`).
//!
//! The scalar path (`simd::SimdPath::Scalar`, the only one on a core
//! without a vector unit) runs the twins, except `forward_rows` and
//! `forward_lit`, which run `plain`: the twins' sums in the twins' order,
//! with blocks of outputs in registers, so the twins' bits.
//!
//! Each function here reads the active path ([`crate::simd::active_path`])
//! once and runs the body compiled for it. The layer-level callers
//! (`Network`'s passes, each optimizer's layer update) select the path
//! once per layer instead and call the bodies directly.
//!
//! Shapes: `n_out` is a row length; every slice argument of one call has the
//! same length unless its doc says otherwise. Kernels check shapes only with
//! `debug_assert!`; the public callers in `network` and `optim` check them once.

pub(crate) mod dense;
// On x86-64 only its tests use it (see `dense::forward_rows`).
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
mod plain;
pub mod reference;
pub(crate) mod update;

use crate::simd::{dispatched, LANES};

dispatched! {
    /// `y ← y + a x`. Twin: [`reference::axpy`].
    pub fn axpy(y: &mut [f32], a: f32, x: &[f32]) => dense::axpy
}

dispatched! {
    /// `Σ_i x_i y_i`. Twin: [`reference::dot`].
    pub fn dot(x: &[f32], y: &[f32]) -> f32 => dense::dot
}

/// `Σ_i x_i²`. Twin: [`reference::sum_squares`].
#[inline]
pub fn sum_squares(x: &[f32]) -> f32 {
    dot(x, x)
}

dispatched! {
    /// Logistic function in place, `z_i ← 1 / (1 + e^{−z_i})`. Twin:
    /// [`reference::sigmoid`].
    ///
    /// Uses `Vector::exp_bounded` (relative error below 2 ε
    /// on the clamped range) and an exact division. Inputs are clamped to
    /// ±87 first, where `e^{87}` is still finite; the clamp moves no output
    /// by more than `σ(−87) < 2e−38`. NaN is kept (so divergence stays
    /// visible).
    ///
    /// Accuracy: `|σ_simd(z) − σ(z)| ≤ 4 ε σ(z) + 2·10⁻³⁸` against the exact
    /// logistic, `ε = f32::EPSILON` (tested on a 10⁻³ grid over [−100, 100]).
    pub fn sigmoid(z: &mut [f32]) => dense::sigmoid
}

dispatched! {
    /// Output delta `d_k ← (y_k − t_k) y_k (1 − y_k)`, subnormals flushed to
    /// zero; returns `C = ½ Σ (y_k − t_k)²`. Twin: [`reference::output_delta`].
    ///
    /// + `y`, `d`: `(n_out,)`; `offset`: index of `y[0]` in the output layer
    pub fn output_delta(y: &[f32], label: usize, offset: usize, d: &mut [f32]) -> f32
        => dense::output_delta
}

dispatched! {
    /// Hidden delta `e_i ← h_i (1 − h_i) Σ_k w_ik d_k`, overwriting `e`,
    /// subnormals flushed to zero. Twin: [`reference::hidden_delta`].
    ///
    /// + `h`, `e`: `(n_h,)`; `w_next`: `(n_h, n_next)` pre-major; `d_next`: `(n_next,)`
    pub fn hidden_delta(h: &[f32], w_next: &[f32], d_next: &[f32], e: &mut [f32])
        => dense::hidden_delta
}

dispatched! {
    /// Forward pass of a pre-major layer over selected rows, overwriting `z`:
    /// `z_i ← Σ_{j ∈ rows} x_j w_ji`. Twin: [`reference::forward_rows`].
    ///
    /// Blocks of up to twelve vectors of columns stay in registers while
    /// every selected row streams through them, so `z` is written once
    /// instead of once per row; the columns that fill no vector ride along
    /// in one more accumulator.
    ///
    /// + `z`: `(n_out,)`; `w`: `(n_in, n_out)` pre-major; `x`: `(n_in,)`
    pub fn forward_rows(z: &mut [f32], w: &[f32], x: &[f32], rows: &[u32]) => dense::forward_rows
}

dispatched! {
    /// Forward pass of a pre-major layer over an image's lit pixels,
    /// overwriting `z`: `z_i ← Σ_k (p_k / 255) w_{r_k i}`, the sum
    /// [`forward_rows`] makes for the pixels scaled to `[0, 1]`, bit for
    /// bit. Twin: [`reference::forward_lit`].
    ///
    /// + `z`: `(n_out,)`; `w`: `(n_in, n_out)` pre-major
    /// + `rows`, `pixels`: the lit pixels' indices (ascending) and values,
    ///   of the same length
    pub fn forward_lit(z: &mut [f32], w: &[f32], rows: &[u32], pixels: &[u8]) => dense::forward_lit
}

/// How many input vectors [`forward_group`] takes at once.
pub const GROUP: usize = 4;

/// [`forward_rows`] over every row of a small layer for [`GROUP`] input
/// vectors in lockstep, overwriting `z`: `z[g]_i ← Σ_j a[g]_j w_ji`. Each
/// `z[g]` is, bit for bit, what `forward_rows(z[g], w, a[g], 0..n_in)`
/// gives; the interleaved sums hide the latency a single chain of
/// multiply-adds waits on. The evaluation runs a two-layer network's
/// output layer through it. Twin: [`reference::forward_group`].
///
/// + `z`: `(GROUP, n_out)` row-major, `8 ≤ n_out < 24`; `w`: `(n_in, n_out)`
///   pre-major; `a`: `(GROUP, n_in)` row-major
///
/// # Panics
/// If `n_out` is outside `8..24`, or the lengths disagree.
pub fn forward_group(z: &mut [f32], w: &[f32], a: &[f32]) {
    let (n_out, n_in) = (z.len() / GROUP, a.len() / GROUP);
    assert!(
        z.len() == GROUP * n_out && dense::group_fits(n_out),
        "forward_group takes {GROUP} × 8 to 23 outputs, not {}",
        z.len()
    );
    assert!(
        a.len() == GROUP * n_in && w.len() == n_in * n_out,
        "forward_group: a or w of another shape"
    );
    forward_group_dispatched(z, w, a);
}

dispatched! {
    /// [`forward_group`] on the active path.
    fn forward_group_dispatched(z: &mut [f32], w: &[f32], a: &[f32]) => dense::forward_group
}

dispatched! {
    /// SGD: `w_i ← w_i − step δ_i`, `step = η a_j`. Twin: [`reference::sgd_row`].
    pub fn sgd_row(w: &mut [f32], step: f32, delta: &[f32]) => update::sgd_row
}

dispatched! {
    /// [`sgd_row`] on the rows of a layer whose input is non-zero: row `j`
    /// of `w` (`(n_in, n_out)`, `n_out = delta.len()`) takes step `η a_j`
    /// for every `j` of `rows` (in order), or of `0..n_in` if `rows` is
    /// `None`, with `a_j ≠ 0`. Bit for bit the same as calling [`sgd_row`]
    /// on each. Twin: [`reference::sgd_rows`].
    ///
    /// + `a`: `(n_in,)`
    ///
    /// # Panics
    /// If a row is out of bounds of `a` or `w`.
    pub fn sgd_rows(w: &mut [f32], rows: Option<&[u32]>, a: &[f32], lr: f32, delta: &[f32])
        => update::sgd_rows
}

dispatched! {
    /// Nesterov momentum: `v ← μ v + g`, `w ← w − η (g + μ v)`, `g = a δ`.
    /// Twin: [`reference::nesterov_row`].
    pub fn nesterov_row(w: &mut [f32], v: &mut [f32], a: f32, delta: &[f32], lr: f32, momentum: f32)
        => update::nesterov_row
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
    let s = update::AdamScalars {
        beta1,
        beta2,
        lr_t,
        inv_sqrt_bc2,
        eps,
    };
    adam_row_with(w, m, v, a, delta, s);
}

/// Adam on a row whose gradient is zero: `m ← β₁ m`, `v ← β₂ v`, then
/// the step of [`adam_row`]; bit for bit `adam_row` with `a = 0` and
/// finite `δ`. Twin: [`reference::adam_decay_row`].
#[allow(clippy::too_many_arguments)]
#[inline]
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
    let s = update::AdamScalars {
        beta1,
        beta2,
        lr_t,
        inv_sqrt_bc2,
        eps,
    };
    adam_decay_row_with(w, m, v, s);
}

dispatched! {
    fn adam_decay_row_with(
        w: &mut [f32],
        m: &mut [f32],
        v: &mut [f32],
        s: update::AdamScalars,
    ) => update::adam_decay_row
}

/// Lazy Adam (`torch.optim.SparseAdam`'s update) on the rows of a layer
/// whose input is non-zero: for every `j` of `rows` (in order), or of
/// `0..n_in` if `rows` is `None`, with `a_j ≠ 0`, row `j` of `w`, `m`, `v`
/// (`(n_in, n_out)`, `n_out = delta.len()`) takes Adam's step with
/// `step = α √(1 − β₂ᵗ) / (1 − β₁ᵗ)` and ε added to `√v`; the other rows
/// are untouched. Twin: [`reference::adam_lazy_rows`], which states the
/// maths.
///
/// + `a`: `(n_in,)`
///
/// # Panics
/// If a row is out of bounds of `a`, `w`, `m` or `v`.
#[allow(clippy::too_many_arguments)]
#[inline]
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
    let s = update::AdamScalars {
        beta1,
        beta2,
        lr_t: step,
        inv_sqrt_bc2: 1.0,
        eps,
    };
    adam_lazy_rows_with(w, m, v, rows, a, delta, s);
}

dispatched! {
    fn adam_lazy_rows_with(
        w: &mut [f32],
        m: &mut [f32],
        v: &mut [f32],
        rows: Option<&[u32]>,
        a: &[f32],
        delta: &[f32],
        s: update::AdamScalars,
    ) => update::adam_lazy_rows
}

dispatched! {
    fn adam_row_with(
        w: &mut [f32],
        m: &mut [f32],
        v: &mut [f32],
        a: f32,
        delta: &[f32],
        s: update::AdamScalars,
    ) => update::adam_row
}

dispatched! {
    /// DLR Eq. 1, single pass: `w_i ← w_i − step (|w_i| + α) δ_i` and returns
    /// the new `Σ w_i²`, `step = η₀ a_j / (‖w_·j‖ + α)`. Twin:
    /// [`reference::dlr_row`].
    ///
    /// [`dlr_row_lanes`] followed by the total of its lanes; on the scalar
    /// path the twin's single sum.
    pub fn dlr_row(w: &mut [f32], step: f32, alpha: f32, delta: &[f32]) -> f32 => update::dlr_row
}

dispatched! {
    // Hidden: the lane layout of `Dlr`'s norm cache (eight partial sums a
    // row), which is `Dlr`'s private state; public only so that the tests,
    // the fuzz targets and the benches compare it with its twin.
    #[doc(hidden)]
    /// [`dlr_row`] that returns the new `Σ w_i²` as eight partial sums,
    /// whose [`lane_total`](crate::simd::lane_total) is the row's sum: the
    /// DLR optimizer keeps them as they are and totals eight rows at once
    /// ([`dlr_steps`]). Twin: [`reference::dlr_row_lanes`].
    ///
    /// One read and one write of the row: the norm the next step needs is
    /// summed from the values as they are written. A row whose length is
    /// not a multiple of 8 ends with one vector `w[n−8..n]` that overlaps
    /// the last full one, its overlapping lanes masked out of the sum.
    pub fn dlr_row_lanes(w: &mut [f32], step: f32, alpha: f32, delta: &[f32]) -> [f32; LANES]
        => update::dlr_row_lanes
}

dispatched! {
    // Hidden: the lane layout of `Dlr`'s norm cache (eight partial sums a
    // row), which is `Dlr`'s private state; public only so that the tests,
    // the fuzz targets and the benches compare it with its twin.
    #[doc(hidden)]
    /// [`dlr_row_lanes`] on the listed rows of a layer, last listed row
    /// first: row `r = rows[k]` of `w` (`(n_in, n_out)`, `n_out =
    /// delta.len()`) takes step `step[k]`, and its eight partial sums go to
    /// `row_lanes[8r..8r + 8]`. Bit for bit the same as calling
    /// [`dlr_row_lanes`] on each row in that order. Twin:
    /// [`reference::dlr_rows_lanes`].
    ///
    /// + `rows`, `step`: `(n_rows,)`; `row_lanes`: `(n_in · 8,)`
    ///
    /// # Panics
    /// If a row is out of bounds of `w` or `row_lanes`.
    pub fn dlr_rows_lanes(
        w: &mut [f32],
        rows: &[u32],
        step: &[f32],
        alpha: f32,
        delta: &[f32],
        row_lanes: &mut [f32],
    ) => update::dlr_rows_lanes
}

/// The indices `j` of the non-zero `a_j`, in order, written to the front
/// of `rows`; returns how many. Twin: [`reference::nonzero_indices`].
///
/// Which rows of a layer an input touches: a zero input leaves its row's
/// gradient zero, so the forward pass and the sparse updates skip it.
/// Branch-free (every index is written, and the count advances past the
/// non-zero ones), with a first pass that counts the zeros, so that a
/// layer with none (logistic outputs, in practice) writes `0..n` as
/// vectors.
///
/// + `a`: `(n,)`; `rows`: `(n,)` scratch
///
/// # Panics
/// If `rows` is shorter than `a`.
#[inline]
pub fn nonzero_indices(a: &[f32], rows: &mut [u32]) -> usize {
    let rows = &mut rows[..a.len()];
    if a.iter().filter(|&&aj| aj == 0.0).count() == 0 {
        for (j, r) in rows.iter_mut().enumerate() {
            *r = j as u32;
        }
        return rows.len();
    }
    let mut n = 0;
    for (j, &aj) in a.iter().enumerate() {
        rows[n] = j as u32;
        n += (aj != 0.0) as usize;
    }
    n
}

dispatched! {
    /// DLR Eq. 3, single pass: `w_i ← w_i − a_j (|w_i| + α) scaled_delta_i` and
    /// `col_sum_sq_i += w_new² − w_old²`. Twin: [`reference::dlr_post_row`].
    pub fn dlr_post_row(w: &mut [f32], a: f32, alpha: f32, scaled_delta: &[f32], col_sum_sq: &mut [f32])
        => update::dlr_post_row
}

dispatched! {
    // Hidden: the lane layout of `Dlr`'s norm cache (eight partial sums a
    // row), which is `Dlr`'s private state; public only so that the tests,
    // the fuzz targets and the benches compare it with its twin.
    #[doc(hidden)]
    /// DLR Eq. 1 step factors of the rows `rows`, eight rows at a time:
    /// `step_k ← η₀ a_r / (‖w_·r‖ + α)` for `r = rows[k]`, where `‖w_·r‖²`
    /// is the [`lane_total`](crate::simd::lane_total) of the row's eight
    /// partial sums `row_lanes[8r..8r + 8]` (as [`dlr_row_lanes`] leaves
    /// them). Twin: [`reference::dlr_steps`], equal to the last bit.
    ///
    /// + `a`: `(n_rows,)`; `row_lanes`: `(n_rows · 8,)`; `step`: `(rows.len(),)`,
    ///   overwritten
    ///
    /// # Panics
    /// If a row index is out of bounds of `a` or `row_lanes`.
    pub fn dlr_steps(rows: &[u32], a: &[f32], row_lanes: &[f32], eta0: f32, alpha: f32, step: &mut [f32])
        => update::dlr_steps
}

dispatched! {
    // Hidden: the lane layout of `Dlr`'s norm cache (eight partial sums a
    // row), which is `Dlr`'s private state; public only so that the tests,
    // the fuzz targets and the benches compare it with its twin.
    #[doc(hidden)]
    /// [`dlr_steps`] of every row, `rows = 0..a.len()`, with contiguous
    /// loads instead of gathers. Twin: [`reference::dlr_steps_every_row`],
    /// equal to the last bit.
    ///
    /// + `a`, `step`: `(n_rows,)`; `row_lanes`: `(n_rows · 8,)`
    pub fn dlr_steps_every_row(a: &[f32], row_lanes: &[f32], eta0: f32, alpha: f32, step: &mut [f32])
        => update::dlr_steps_every_row
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;

    /// `nonzero_indices` against its twin: every length to 40, odd ones
    /// past it, zeros of both signs, NaN (not zero: listed), and inputs with
    /// no zero at all (the fast path).
    #[test]
    fn nonzero_indices_matches_its_twin() {
        let mut rng = crate::rng::Rng::new(7);
        let special = [0.0, -0.0, f32::NAN, f32::INFINITY, -f32::MIN_POSITIVE, 1.0];
        for n in (0..=40).chain([63, 100, 257, 784]) {
            for zeros_every in [0, 1, 2, 3, 7] {
                let a: Vec<f32> = (0..n)
                    .map(|j| {
                        if zeros_every > 0 && j % zeros_every == 0 {
                            special[j % special.len()]
                        } else {
                            rng.uniform() + 0.5
                        }
                    })
                    .collect();
                let (mut got, mut want) = (vec![u32::MAX; n + 3], vec![u32::MAX; n + 3]);
                let k = nonzero_indices(&a, &mut got);
                let k_twin = reference::nonzero_indices(&a, &mut want);
                assert_eq!(k, k_twin, "n = {n}, zeros every {zeros_every}: count");
                assert_eq!(got[..k], want[..k], "n = {n}, zeros every {zeros_every}");
                assert!(
                    got[n..].iter().all(|&r| r == u32::MAX),
                    "wrote past a.len()"
                );
            }
        }
    }
}
