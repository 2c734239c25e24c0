//! Plain SGD, `w_ij ← w_ij − η a_j δ_i`: no state, no momentum.

use super::{Grad, ParamError, SgdParams};
use crate::kernels;
use crate::layer::Layer;

/// Plain gradient descent. Rows with a zero input are skipped.
#[derive(Clone, Debug)]
pub struct Sgd {
    params: SgdParams,
}

impl Sgd {
    /// SGD for `layers` (it keeps no state, so only `params` matter), after
    /// checking `params`.
    pub fn new(layers: &[Layer], params: SgdParams) -> Result<Self, ParamError> {
        params.validate()?;
        Ok(Self::unchecked(layers, params))
    }

    pub(crate) fn unchecked(_layers: &[Layer], params: SgdParams) -> Self {
        Self { params }
    }

    /// A stand-in with the default rate, for moving an optimizer out of a
    /// `&mut` place.
    pub(crate) fn placeholder() -> Self {
        Self {
            params: SgdParams::default(),
        }
    }

    /// The parameters in use (after any [`Sgd::set_learning_rate`]).
    pub fn params(&self) -> SgdParams {
        self.params
    }

    /// Sets η (for schedules).
    pub fn set_learning_rate(&mut self, lr: f32) {
        self.params.lr = lr;
    }

    pub(crate) fn update_layer(&mut self, w: &mut [f32], n_out: usize, grad: &Grad<'_>) {
        let lr = self.params.lr;
        match *grad {
            Grad::Outer { a, active, delta } => kernels::sgd_rows(w, active, a, lr, delta),
            Grad::Dense(_) => grad.for_each_nonzero_row(n_out, |j, a, delta| {
                kernels::sgd_row(&mut w[j * n_out..(j + 1) * n_out], lr * a, delta);
            }),
        }
    }
}
