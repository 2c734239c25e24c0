//! The state [`Adam`](super::Adam) and [`AdamLazy`](super::AdamLazy) share:
//! the step count `t` and the first and second moments of every weight. The
//! two rules differ in which rows a step touches and in how they fold the
//! bias corrections into the step's scalars, not in what they keep, so a
//! checkpoint stores both the same way.

use alloc::vec;
use alloc::vec::Vec;

use crate::layer::Layer;
use crate::memory::{per_layer, HeapNeed};

/// Adam's state: `t` and the moments `m`, `v` per layer, each
/// `(n_in, n_out)` pre-major like the layer's weights.
#[derive(Clone, Debug)]
pub(crate) struct AdamMoments {
    /// Steps taken (`t`); lazy Adam counts the rows absent from a step too.
    pub(crate) t: u64,
    /// First moments `m`, one `Vec` per layer.
    pub(crate) first: Vec<Vec<f32>>,
    /// Second moments `v`, one `Vec` per layer.
    pub(crate) second: Vec<Vec<f32>>,
}

impl AdamMoments {
    /// `t = 0` and zero moments for `layers`' shapes.
    pub(crate) fn zeros(layers: &[Layer]) -> Self {
        let zeros = || layers.iter().map(|l| vec![0.0; l.n_in * l.n_out]).collect();
        Self {
            t: 0,
            first: zeros(),
            second: zeros(),
        }
    }

    /// The heap [`AdamMoments::zeros`] allocates for a network of layer
    /// sizes `sizes`, without allocating it: two moments, one `f32` each
    /// per weight.
    pub(crate) fn heap_need(sizes: &[usize]) -> HeapNeed {
        let moments = || per_layer::<Vec<f32>, f32>(sizes, |n_in, n_out| n_in * n_out);
        moments() + moments()
    }

    /// `t ← t + 1`; returns the new `t`.
    pub(crate) fn advance(&mut self) -> u64 {
        self.t += 1;
        self.t
    }

    /// `(m, v)` of layer `layer`, for its update.
    pub(crate) fn layer_mut(&mut self, layer: usize) -> (&mut [f32], &mut [f32]) {
        (&mut self.first[layer], &mut self.second[layer])
    }
}
