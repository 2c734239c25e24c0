//! Adam (Kingma & Ba 2015) with bias correction; the per-step scalars are
//! hoisted out of the element loop. Every weight is updated every step: the
//! moments decay even where this step's gradient is zero, which is why Adam
//! cannot skip MNIST's zero pixels as SGD and DLR do.

use alloc::vec;
use alloc::vec::Vec;

use super::{Grad, OptimizerConfig};
use crate::kernels;

/// Adam with first and second moments per weight.
#[derive(Clone, Debug)]
pub struct Adam {
    /// α, the step size.
    pub lr: f32,
    /// β₁.
    pub beta1: f32,
    /// β₂.
    pub beta2: f32,
    /// ε.
    pub eps: f32,
    t: u64,
    // Hoisted per step: α / (1 − β₁ᵗ) and 1 / √(1 − β₂ᵗ).
    lr_t: f32,
    inv_sqrt_bc2: f32,
    first_moment: Vec<Vec<f32>>,
    second_moment: Vec<Vec<f32>>,
}

impl Adam {
    /// Zero moments for layers of the given `(n_in, n_out)` shapes.
    pub fn new(config: &OptimizerConfig, shapes: &[(usize, usize)]) -> Self {
        let zeros = || shapes.iter().map(|&(i, o)| vec![0.0; i * o]).collect();
        Self {
            lr: config.lr,
            beta1: config.beta1,
            beta2: config.beta2,
            eps: config.eps,
            t: 0,
            lr_t: config.lr,
            inv_sqrt_bc2: 1.0,
            first_moment: zeros(),
            second_moment: zeros(),
        }
    }

    /// Steps taken (`t`).
    pub fn steps(&self) -> u64 {
        self.t
    }

    /// First moments `m` of layer `layer`, `(n_in, n_out)` pre-major.
    pub fn first_moment(&self, layer: usize) -> &[f32] {
        &self.first_moment[layer]
    }

    /// Second moments `v` of layer `layer`, `(n_in, n_out)` pre-major.
    pub fn second_moment(&self, layer: usize) -> &[f32] {
        &self.second_moment[layer]
    }

    /// Adam restored from a checkpoint: `t` steps taken, moments per layer
    /// (shapes checked by the caller). The hoisted per-step scalars are
    /// recomputed by the next `begin_step`, before any update reads them.
    pub(crate) fn from_state(
        config: &OptimizerConfig,
        t: u64,
        first_moment: Vec<Vec<f32>>,
        second_moment: Vec<Vec<f32>>,
    ) -> Self {
        Self {
            lr: config.lr,
            beta1: config.beta1,
            beta2: config.beta2,
            eps: config.eps,
            t,
            lr_t: config.lr,
            inv_sqrt_bc2: 1.0,
            first_moment,
            second_moment,
        }
    }

    pub(crate) fn begin_step(&mut self) {
        self.t += 1;
        // Bias corrections in f64: β₂ᵗ loses digits in f32 for large t.
        let t = self.t as f64;
        let bc1 = 1.0 - libm::pow(self.beta1 as f64, t);
        let bc2 = 1.0 - libm::pow(self.beta2 as f64, t);
        self.lr_t = (self.lr as f64 / bc1) as f32;
        self.inv_sqrt_bc2 = (1.0 / crate::simd::exact_sqrt_f64(bc2)) as f32;
    }

    pub(crate) fn update_layer(
        &mut self,
        layer: usize,
        w: &mut [f32],
        n_out: usize,
        grad: &Grad<'_>,
    ) {
        let (b1, b2, lr_t, bc2, eps) = (
            self.beta1,
            self.beta2,
            self.lr_t,
            self.inv_sqrt_bc2,
            self.eps,
        );
        let m = &mut self.first_moment[layer];
        let v = &mut self.second_moment[layer];
        grad.for_each_row(n_out, |j, a, delta| {
            let r = j * n_out..(j + 1) * n_out;
            kernels::adam_row(
                &mut w[r.clone()],
                &mut m[r.clone()],
                &mut v[r],
                a,
                delta,
                b1,
                b2,
                lr_t,
                bc2,
                eps,
            );
        });
    }
}
