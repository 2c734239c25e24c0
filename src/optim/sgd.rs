//! Plain SGD, `w_ij ← w_ij − η a_j δ_i`: no state, no momentum.

use super::{Grad, LayerUpdate, ParamError, SgdParams};
use crate::kernels::update;
use crate::layer::Layer;
use crate::memory::HeapNeed;
use crate::simd::{dispatched, Isa};

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

    /// The heap SGD allocates for a network of layer sizes `sizes`: none.
    pub fn heap_need(_sizes: &[usize]) -> HeapNeed {
        HeapNeed::NONE
    }

    /// A stand-in with the default rate, for moving an optimizer out of a
    /// `&mut` place.
    pub(crate) fn placeholder() -> Self {
        Self {
            params: SgdParams::default(),
        }
    }

    /// The parameters in use (after any [`LayerUpdate::set_learning_rate`]).
    pub fn params(&self) -> SgdParams {
        self.params
    }
}

impl LayerUpdate for Sgd {
    /// No state: nothing to do.
    fn begin_step(&mut self) {}

    fn update_layer(&mut self, _layer: usize, w: &mut [f32], n_out: usize, grad: &Grad<'_>) {
        update_layer_dispatched(self.params.lr, w, n_out, grad);
    }

    /// η.
    fn learning_rate(&self) -> f32 {
        self.params.lr
    }

    /// Sets η (for schedules).
    fn set_learning_rate(&mut self, lr: f32) {
        self.params.lr = lr;
    }
}

dispatched! {
    /// [`Sgd::update_layer`] on the active SIMD path, chosen once per layer.
    fn update_layer_dispatched(lr: f32, w: &mut [f32], n_out: usize, grad: &Grad<'_>) => update_layer_on
}

#[inline(always)]
fn update_layer_on<P: Isa>(isa: P, lr: f32, w: &mut [f32], n_out: usize, grad: &Grad<'_>) {
    match *grad {
        Grad::Outer { a, active, delta } => update::sgd_rows::<P>(isa, w, active, a, lr, delta),
        Grad::Dense(_) => {
            for k in 0..grad.n_listed(n_out) {
                let (j, a, delta) = grad.listed_row(n_out, k);
                update::sgd_row::<P>(isa, &mut w[j * n_out..(j + 1) * n_out], lr * a, delta);
            }
        }
    }
}
