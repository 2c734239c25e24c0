//! Hot kernels: explicit SIMD (`f32x8`) versions of every formula in the
//! forward pass, backprop and the optimizer updates.
//!
//! Convention: each kernel here has a scalar twin of the **same name and
//! signature** in [`reference`](mod@reference), a plain indexed loop whose doc comment is the
//! formula. The twin is the specification, the oracle of the tests and the
//! baseline of the benches. The SIMD version runs the head of its slices in
//! `f32x8` lanes and hands the tail (`len % 8` elements) to the twin, so tails
//! cannot drift from the spec.
//!
//! Shapes: `n_out` is a row length; every slice argument of one call has the
//! same length unless its doc says otherwise. Kernels check shapes only with
//! `debug_assert!`; the public callers in `network` and `optim` check them once.

mod dense;
pub mod reference;
mod update;

pub use dense::{axpy, dot, forward_rows, hidden_delta, output_delta, sigmoid, sum_squares};
pub use update::{adam_row, dlr_post_row, dlr_row, nesterov_row, sgd_row};
