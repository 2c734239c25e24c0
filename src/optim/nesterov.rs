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

use super::Grad;
use crate::kernels;

/// Nesterov momentum with velocity per weight.
#[derive(Clone, Debug)]
pub struct Nesterov {
    /// η.
    pub lr: f32,
    /// μ.
    pub momentum: f32,
    velocity: Vec<Vec<f32>>,
}

impl Nesterov {
    /// Zero velocity for layers of the given `(n_in, n_out)` shapes.
    pub fn new(lr: f32, momentum: f32, shapes: &[(usize, usize)]) -> Self {
        Self {
            lr,
            momentum,
            velocity: shapes.iter().map(|&(i, o)| vec![0.0; i * o]).collect(),
        }
    }

    /// Nesterov restored from a checkpoint: the velocity of every layer
    /// (shapes checked by the caller).
    pub(crate) fn from_velocity(lr: f32, momentum: f32, velocity: Vec<Vec<f32>>) -> Self {
        Self {
            lr,
            momentum,
            velocity,
        }
    }

    /// Velocity of layer `layer`, `(n_in, n_out)` pre-major.
    pub fn velocity(&self, layer: usize) -> &[f32] {
        &self.velocity[layer]
    }

    pub(crate) fn update_layer(
        &mut self,
        layer: usize,
        w: &mut [f32],
        n_out: usize,
        grad: &Grad<'_>,
    ) {
        let (lr, mu) = (self.lr, self.momentum);
        let v = &mut self.velocity[layer];
        grad.for_each_row(n_out, |j, a, delta| {
            let r = j * n_out..(j + 1) * n_out;
            kernels::nesterov_row(&mut w[r.clone()], &mut v[r], a, delta, lr, mu);
        });
    }
}
