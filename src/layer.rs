//! One fully connected logistic layer: its shape and its weights.
//!
//! The optimizers see layers (shapes and weights), not the network that
//! strings them together.

use alloc::vec::Vec;

/// One fully connected logistic layer, `out_i = σ(Σ_j w_ij a_j)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    /// Inputs.
    pub n_in: usize,
    /// Outputs.
    pub n_out: usize,
    /// `(n_in, n_out)` pre-major: `w[j·n_out + i]` = weight from input `j`
    /// to output `i`; row `j` holds input `j`'s outgoing weights.
    pub w: Vec<f32>,
}

impl Layer {
    /// Row `j`: outgoing weights of input `j`, `(n_out,)`.
    pub fn row(&self, j: usize) -> &[f32] {
        &self.w[j * self.n_out..(j + 1) * self.n_out]
    }
}
