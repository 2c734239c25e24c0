//! Lazy Adam, with the semantics of `torch.optim.SparseAdam` and TensorFlow
//! Addons' `LazyAdam`: only the rows present in a layer's gradient take a
//! step, with bias correction from the global step count. Online, a row is
//! present when its input `a_j` is non-zero, so MNIST's unlit pixels cost
//! nothing, as in SGD and DLR; dense [`Adam`](super::Adam) must decay every
//! moment every step.

use alloc::vec;
use alloc::vec::Vec;

use super::adam::bias_corrections;
use super::{AdamLazyParams, Grad, LayerUpdate, ParamError};
use crate::kernels::update::{self, AdamScalars};
use crate::layer::Layer;
use crate::memory::{per_layer, HeapNeed};
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
    t: u64,
    // Hoisted per step: α √(1 − β₂ᵗ) / (1 − β₁ᵗ).
    step: f32,
    first_moment: Vec<Vec<f32>>,
    second_moment: Vec<Vec<f32>>,
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
        let moments = || per_layer::<Vec<f32>, f32>(sizes, |n_in, n_out| n_in * n_out);
        moments() + moments()
    }

    pub(crate) fn unchecked(layers: &[Layer], params: AdamLazyParams) -> Self {
        let zeros = || layers.iter().map(|l| vec![0.0; l.n_in * l.n_out]).collect();
        Self::from_state(params, 0, zeros(), zeros())
    }

    /// The parameters in use (after any [`LayerUpdate::set_learning_rate`]).
    pub fn params(&self) -> AdamLazyParams {
        self.params
    }

    /// Steps taken (`t`), present rows or not.
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

    /// Lazy Adam restored from a checkpoint: `t` steps taken, moments per
    /// layer (shapes checked by the caller); the hoisted step is recomputed
    /// by the next `begin_step`.
    pub(crate) fn from_state(
        params: AdamLazyParams,
        t: u64,
        first_moment: Vec<Vec<f32>>,
        second_moment: Vec<Vec<f32>>,
    ) -> Self {
        Self {
            params,
            t,
            step: params.lr,
            first_moment,
            second_moment,
        }
    }
}

impl LayerUpdate for AdamLazy {
    /// `t ← t + 1`, and the step's `α √(1 − β₂ᵗ) / (1 − β₁ᵗ)`.
    fn begin_step(&mut self) {
        self.t += 1;
        let p = self.params;
        let (bc1, bc2) = bias_corrections(p.beta1, p.beta2, self.t);
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
        let m = &mut self.first_moment[layer];
        let v = &mut self.second_moment[layer];
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
