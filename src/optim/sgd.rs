//! Plain SGD, `w_ij ← w_ij − η a_j δ_i`: no state, no momentum.

use super::Grad;
use crate::kernels;

/// Plain gradient descent. Rows with a zero input are skipped.
#[derive(Clone, Debug)]
pub struct Sgd {
    /// η.
    pub lr: f32,
}

impl Sgd {
    /// SGD with rate `lr`.
    pub fn new(lr: f32) -> Self {
        Self { lr }
    }

    pub(crate) fn update_layer(&mut self, w: &mut [f32], n_out: usize, grad: &Grad<'_>) {
        let lr = self.lr;
        match *grad {
            Grad::Outer { a, active, delta } => kernels::sgd_rows(w, active, a, lr, delta),
            Grad::Dense(_) => grad.for_each_nonzero_row(n_out, |j, a, delta| {
                kernels::sgd_row(&mut w[j * n_out..(j + 1) * n_out], lr * a, delta);
            }),
        }
    }
}
