//! Adam (Kingma & Ba 2015) with bias correction; the per-step scalars are
//! hoisted out of the element loop. Every weight is updated every step: the
//! moments decay even where this step's gradient is zero, which is why Adam
//! cannot skip MNIST's zero pixels as SGD and DLR do.

use super::adam_moments::AdamMoments;
use super::{AdamParams, Grad, LayerUpdate, ParamError};
use crate::kernels::update::{self, AdamScalars};
use crate::layer::Layer;
use crate::memory::HeapNeed;
use crate::simd::{dispatched, Isa};

/// Adam with first and second moments per weight.
#[derive(Clone, Debug)]
pub struct Adam {
    params: AdamParams,
    moments: AdamMoments,
    // Hoisted per step: α / (1 − β₁ᵗ) and 1 / √(1 − β₂ᵗ).
    lr_t: f32,
    inv_sqrt_bc2: f32,
}

impl Adam {
    /// Zero moments for `layers`' shapes, after checking `params`.
    pub fn new(layers: &[Layer], params: AdamParams) -> Result<Self, ParamError> {
        params.validate()?;
        Ok(Self::unchecked(layers, params))
    }

    /// The heap [`Adam::new`] allocates for a network of layer sizes
    /// `sizes`, without allocating it: the two moments, one `f32` each per
    /// weight.
    pub fn heap_need(sizes: &[usize]) -> HeapNeed {
        AdamMoments::heap_need(sizes)
    }

    pub(crate) fn unchecked(layers: &[Layer], params: AdamParams) -> Self {
        Self::from_state(params, AdamMoments::zeros(layers))
    }

    /// The parameters in use (after any [`LayerUpdate::set_learning_rate`]).
    pub fn params(&self) -> AdamParams {
        self.params
    }

    /// Steps taken (`t`).
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

    /// Adam restored from a checkpoint: `t` steps taken and the moments
    /// (shapes checked by the caller). The hoisted per-step scalars are
    /// recomputed by the next `begin_step`, before any update reads them.
    pub(crate) fn from_state(params: AdamParams, moments: AdamMoments) -> Self {
        Self {
            params,
            moments,
            lr_t: params.lr,
            inv_sqrt_bc2: 1.0,
        }
    }
}

impl LayerUpdate for Adam {
    /// `t ← t + 1`, and the step's bias-corrected scalars.
    fn begin_step(&mut self) {
        let t = self.moments.advance();
        let p = self.params;
        let (bc1, bc2) = bias_corrections(p.beta1, p.beta2, t);
        self.lr_t = (p.lr as f64 / bc1) as f32;
        self.inv_sqrt_bc2 = (1.0 / crate::simd::exact_sqrt_f64(bc2)) as f32;
    }

    fn update_layer(&mut self, layer: usize, w: &mut [f32], n_out: usize, grad: &Grad<'_>) {
        let s = AdamScalars {
            beta1: self.params.beta1,
            beta2: self.params.beta2,
            lr_t: self.lr_t,
            inv_sqrt_bc2: self.inv_sqrt_bc2,
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
    /// [`Adam::update_layer`] on the active SIMD path, chosen once per layer.
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
    // A row of input 0 has gradient 0 when every δ is finite (0 · ∞ is
    // NaN): the decay-only update gives the same bits without the
    // gradient's arithmetic, on most rows of an MNIST image.
    let zero_rows_decay =
        matches!(*grad, Grad::Outer { delta, .. } if delta.iter().all(|d| d.is_finite()));
    for j in 0..grad.n_rows(n_out) {
        let (a, delta) = grad.row(n_out, j);
        let r = j * n_out..(j + 1) * n_out;
        if a == 0.0 && zero_rows_decay {
            update::adam_decay_row::<P>(isa, &mut w[r.clone()], &mut m[r.clone()], &mut v[r], s);
        } else {
            update::adam_row::<P>(
                isa,
                &mut w[r.clone()],
                &mut m[r.clone()],
                &mut v[r],
                a,
                delta,
                s,
            );
        }
    }
}

/// `(1 − β₁ᵗ, 1 − β₂ᵗ)`, in f64: β₂ᵗ loses digits in f32 for large `t`.
pub(super) fn bias_corrections(beta1: f32, beta2: f32, t: u64) -> (f64, f64) {
    (1.0 - power(beta1 as f64, t), 1.0 - power(beta2 as f64, t))
}

/// `base^exp` by binary exponentiation in f64: at most 2·64 multiplications,
/// a relative error below `(2·exp + 4) ε` (each squaring doubles the error
/// it inherits): 10⁻¹¹ at 60,000 steps, where the bias corrections are
/// within 10⁻²⁰ of 1 anyway, and far below the f32 step's ε = 6·10⁻⁸ for
/// the small `t` where they matter. Not `libm::pow`, which was 1.9 KB of
/// the ≤ 64 KB embedded binary (`examples/embedded.rs`).
fn power(base: f64, mut exp: u64) -> f64 {
    let (mut result, mut square) = (1.0, base);
    while exp > 0 {
        if exp & 1 == 1 {
            result *= square;
        }
        square *= square;
        exp >>= 1;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::power;

    #[test]
    fn power_matches_libm_pow_within_its_bound() {
        for base in [0.0, 0.5, 0.9, 0.99, 0.999, 0.9999, 1.0] {
            for exp in [
                0u64,
                1,
                2,
                3,
                10,
                1000,
                60_000,
                1_000_000,
                u64::from(u32::MAX),
            ] {
                let got = power(base, exp);
                let want = libm::pow(base, exp as f64);
                let tol = (2.0 * exp as f64 + 4.0) * f64::EPSILON * want + f64::MIN_POSITIVE;
                assert!((got - want).abs() <= tol, "{base}^{exp}: {got} vs {want}");
            }
        }
    }
}
