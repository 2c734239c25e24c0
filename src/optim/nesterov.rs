//! Nesterov momentum, in the look-ahead form of Sutskever et al. (2013) as
//! PyTorch implements `nesterov=True` (no dampening):
//!
//! ```text
//! v ← μ v + g
//! w ← w − η (g + μ v)
//! ```
//!
//! This is the classical "evaluate the gradient at w + μ v" method rewritten
//! in terms of the look-ahead point, so the gradient is taken at the current
//! weights. Every row is updated every step: the velocity keeps moving the
//! weights even where this step's gradient is zero.

use alloc::vec;
use alloc::vec::Vec;

use super::{Grad, LayerUpdate, NesterovParams, ParamError};
use crate::kernels::update;
use crate::layer::Layer;
use crate::memory::{per_layer, HeapNeed};
use crate::simd::{dispatched, Isa};

/// Nesterov momentum with velocity per weight.
#[derive(Clone, Debug)]
pub struct Nesterov {
    params: NesterovParams,
    velocity: Vec<Vec<f32>>,
}

impl Nesterov {
    /// Zero velocity for `layers`' shapes, after checking `params`.
    pub fn new(layers: &[Layer], params: NesterovParams) -> Result<Self, ParamError> {
        params.validate()?;
        Ok(Self::unchecked(layers, params))
    }

    /// The heap [`Nesterov::new`] allocates for a network of layer sizes
    /// `sizes`, without allocating it: the velocity, one `f32` per weight.
    pub fn heap_need(sizes: &[usize]) -> HeapNeed {
        per_layer::<Vec<f32>, f32>(sizes, |n_in, n_out| n_in * n_out)
    }

    pub(crate) fn unchecked(layers: &[Layer], params: NesterovParams) -> Self {
        Self {
            params,
            velocity: layers.iter().map(|l| vec![0.0; l.n_in * l.n_out]).collect(),
        }
    }

    /// Nesterov restored from a checkpoint: the velocity of every layer
    /// (shapes checked by the caller).
    pub(crate) fn from_velocity(params: NesterovParams, velocity: Vec<Vec<f32>>) -> Self {
        Self { params, velocity }
    }

    /// The parameters in use (after any [`LayerUpdate::set_learning_rate`]).
    pub fn params(&self) -> NesterovParams {
        self.params
    }

    /// Velocity of layer `layer`, `(n_in, n_out)` pre-major.
    pub fn velocity(&self, layer: usize) -> &[f32] {
        &self.velocity[layer]
    }
}

impl LayerUpdate for Nesterov {
    /// The velocity carries over: nothing to do.
    fn begin_step(&mut self) {}

    fn update_layer(&mut self, layer: usize, w: &mut [f32], n_out: usize, grad: &Grad<'_>) {
        let (lr, mu) = (self.params.lr, self.params.momentum);
        update_layer_dispatched(lr, mu, &mut self.velocity[layer], w, n_out, grad);
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
    /// [`Nesterov::update_layer`] on the active SIMD path, chosen once per layer.
    fn update_layer_dispatched(lr: f32, mu: f32, v: &mut [f32], w: &mut [f32], n_out: usize, grad: &Grad<'_>)
        => update_layer_on
}

#[inline(always)]
fn update_layer_on<P: Isa>(
    isa: P,
    lr: f32,
    mu: f32,
    v: &mut [f32],
    w: &mut [f32],
    n_out: usize,
    grad: &Grad<'_>,
) {
    for j in 0..grad.n_rows(n_out) {
        let (a, delta) = grad.row(n_out, j);
        let r = j * n_out..(j + 1) * n_out;
        update::nesterov_row::<P>(isa, &mut w[r.clone()], &mut v[r], a, delta, lr, mu);
    }
}
