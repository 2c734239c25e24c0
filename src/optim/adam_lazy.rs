//! Lazy Adam, with the semantics of `torch.optim.SparseAdam` and TensorFlow
//! Addons' `LazyAdam`: only the rows present in a layer's gradient take a
//! step, with bias correction from the global step count. Online, a row is
//! present when its input `a_j` is non-zero, so MNIST's unlit pixels cost
//! nothing, as in SGD and DLR; dense [`Adam`](super::Adam) must decay every
//! moment every step.

use super::adam::bias_corrections;
use super::adam_moments::AdamMoments;
use super::{AdamLazyParams, Grad, LayerUpdate, ParamError};
use crate::kernels::update::{self, AdamScalars};
use crate::layer::Layer;
use crate::memory::HeapNeed;
use crate::simd::{dispatched, Isa};

/// Lazy Adam with first and second moments per weight, updated only on the
/// rows present in the gradient (see [`AdamLazyParams`] for the maths).
///
/// A row is present when its input is non-zero (online steps), or when its
/// summed gradient has a non-zero entry (mini-batch steps, which see the
/// gradient and not the batch's inputs). A present row whose gradient is
/// zero (a lit pixel with `δ = 0`) takes the step: its moments decay and its
/// weight moves by the remaining momentum, as in `SparseAdam`.
#[derive(Clone, Debug)]
pub struct AdamLazy {
    params: AdamLazyParams,
    moments: AdamMoments,
    // Hoisted per step: α √(1 − β₂ᵗ) / (1 − β₁ᵗ).
    step: f32,
}

impl AdamLazy {
    /// Zero moments for `layers`' shapes, after checking `params`.
    pub fn new(layers: &[Layer], params: AdamLazyParams) -> Result<Self, ParamError> {
        params.validate()?;
        Ok(Self::unchecked(layers, params))
    }

    /// The heap [`AdamLazy::new`] allocates for a network of layer sizes
    /// `sizes`, without allocating it: Adam's two moments, one `f32` each
    /// per weight.
    pub fn heap_need(sizes: &[usize]) -> HeapNeed {
        AdamMoments::heap_need(sizes)
    }

    pub(crate) fn unchecked(layers: &[Layer], params: AdamLazyParams) -> Self {
        Self::from_state(params, AdamMoments::zeros(layers))
    }

    /// The parameters in use (after any [`LayerUpdate::set_learning_rate`]).
    pub fn params(&self) -> AdamLazyParams {
        self.params
    }

    /// Steps taken (`t`), present rows or not.
    pub fn steps(&self) -> u64 {
        self.moments.t
    }

    /// First moments `m` of layer `layer`, `(n_in, n_out)` pre-major.
    pub fn first_moment(&self, layer: usize) -> &[f32] {
        &self.moments.first[layer]
    }

    /// Second moments `v` of layer `layer`, `(n_in, n_out)` pre-major.
    pub fn second_moment(&self, layer: usize) -> &[f32] {
        &self.moments.second[layer]
    }

    /// `t` and the moments, for a checkpoint.
    pub(crate) fn moments(&self) -> &AdamMoments {
        &self.moments
    }

    /// Lazy Adam restored from a checkpoint: `t` steps taken and the
    /// moments (shapes checked by the caller); the hoisted step is
    /// recomputed by the next `begin_step`.
    pub(crate) fn from_state(params: AdamLazyParams, moments: AdamMoments) -> Self {
        Self {
            params,
            moments,
            step: params.lr,
        }
    }
}

impl LayerUpdate for AdamLazy {
    /// `t ← t + 1`, and the step's `α √(1 − β₂ᵗ) / (1 − β₁ᵗ)`.
    fn begin_step(&mut self) {
        let t = self.moments.advance();
        let p = self.params;
        let (bc1, bc2) = bias_corrections(p.beta1, p.beta2, t);
        self.step = (p.lr as f64 * crate::simd::exact_sqrt_f64(bc2) / bc1) as f32;
    }

    fn update_layer(&mut self, layer: usize, w: &mut [f32], n_out: usize, grad: &Grad<'_>) {
        let s = AdamScalars {
            beta1: self.params.beta1,
            beta2: self.params.beta2,
            lr_t: self.step,
            inv_sqrt_bc2: 1.0,
            eps: self.params.eps,
        };
        let (m, v) = self.moments.layer_mut(layer);
        update_layer_dispatched(s, m, v, w, n_out, grad);
    }

    /// α.
    fn learning_rate(&self) -> f32 {
        self.params.lr
    }

    /// Sets α (for schedules); it takes effect at the next step.
    fn set_learning_rate(&mut self, lr: f32) {
        self.params.lr = lr;
    }
}

dispatched! {
    /// [`AdamLazy::update_layer`] on the active SIMD path, chosen once per layer.
    fn update_layer_dispatched(
        s: AdamScalars,
        m: &mut [f32],
        v: &mut [f32],
        w: &mut [f32],
        n_out: usize,
        grad: &Grad<'_>,
    ) => update_layer_on
}

#[inline(always)]
fn update_layer_on<P: Isa>(
    isa: P,
    s: AdamScalars,
    m: &mut [f32],
    v: &mut [f32],
    w: &mut [f32],
    n_out: usize,
    grad: &Grad<'_>,
) {
    match *grad {
        Grad::Outer { a, active, delta } => {
            update::adam_lazy_rows::<P>(isa, w, m, v, active, a, delta, s);
        }
        Grad::Dense(g) => {
            for (j, row) in g.chunks_exact(n_out).enumerate() {
                if row.iter().any(|&x| x != 0.0) {
                    let r = j * n_out..(j + 1) * n_out;
                    update::adam_row::<P>(
                        isa,
                        &mut w[r.clone()],
                        &mut m[r.clone()],
                        &mut v[r],
                        1.0,
                        row,
                        s,
                    );
                }
            }
        }
    }
}
