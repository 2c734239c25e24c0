//! Hot kernels: explicit SIMD (`f32x8`) versions of every formula in the
//! forward pass, backprop and the optimizer updates.
//!
//! Convention: each kernel here has a scalar twin of the **same name and
//! signature** in [`reference`](mod@reference), a plain indexed loop whose doc comment is the
//! formula. The twin is the specification, the oracle of the tests and the
//! baseline of the benches. The SIMD version runs the head of its slices in
//! `f32x8` lanes, the next four elements (if any) in `f32x4`, and hands the
//! last 0–3 elements to the twin, so tails cannot drift from the spec
//! (`sgd_row` and `dlr_row` instead end with an overlapping `f32x8`; see
//! `update`).
//!
//! Shapes: `n_out` is a row length; every slice argument of one call has the
//! same length unless its doc says otherwise. Kernels check shapes only with
//! `debug_assert!`; the public callers in `network` and `optim` check them once.

use crate::simd::vector_len;

mod dense;
pub mod reference;
mod update;

pub use dense::{axpy, dot, forward_rows, hidden_delta, output_delta, sigmoid, sum_squares};
pub use update::{
    adam_row, dlr_post_row, dlr_row, dlr_row_lanes, dlr_rows_lanes, dlr_steps, dlr_steps_every_row,
    nesterov_row, sgd_row, sgd_rows,
};

/// Splits a slice into its `f32x8` head, its `f32x4` middle (0 or 4
/// elements) and the scalar tail (0–3 elements).
#[inline(always)]
fn split3(s: &[f32]) -> (&[f32], &[f32], &[f32]) {
    let n8 = s.len() / 8 * 8;
    let (head, rest) = s.split_at(n8);
    let (middle, tail) = rest.split_at(vector_len(s.len()) - n8);
    (head, middle, tail)
}

/// [`split3`] for a mutable slice.
#[inline(always)]
fn split3_mut(s: &mut [f32]) -> (&mut [f32], &mut [f32], &mut [f32]) {
    let n = s.len();
    let n8 = n / 8 * 8;
    let (head, rest) = s.split_at_mut(n8);
    let (middle, tail) = rest.split_at_mut(vector_len(n) - n8);
    (head, middle, tail)
}
