//! A learning-rate schedule as a rule wrapper: each layer's base rate
//! follows a function of training time, and the wrapped rule does the rest.
//!
//! The paper's ablation (its Fig. 3) trains SGD with one global rate per
//! layer following the fitted average DLR rate `η_l(t) = a exp(b t^{1/3} +
//! c t) + d`; `dlr repro` runs it as a [`Scheduled`] [`super::Sgd`] driven
//! by the ordinary trainer.

use super::{Grad, LayerUpdate};

/// `rule` with the base rate of layer `l` set to `rate(l, t)` before each
/// of its updates, `t` the training time in epochs at the start of the step
/// (`steps / steps_per_epoch`).
#[derive(Clone, Debug)]
pub struct Scheduled<R, F> {
    rule: R,
    rate: F,
    steps_per_epoch: u64,
    steps: u64,
    epochs: f64,
}

impl<R: LayerUpdate, F: FnMut(usize, f64) -> f32> Scheduled<R, F> {
    /// `rule` on the schedule `rate(layer, epochs)`, with `steps_per_epoch`
    /// steps in an epoch (the training set's size, online).
    pub fn new(rule: R, steps_per_epoch: u64, rate: F) -> Self {
        Self {
            rule,
            rate,
            steps_per_epoch: steps_per_epoch.max(1),
            steps: 0,
            epochs: 0.0,
        }
    }

    /// The wrapped rule.
    pub fn rule(&self) -> &R {
        &self.rule
    }
}

impl<R: LayerUpdate, F: FnMut(usize, f64) -> f32> LayerUpdate for Scheduled<R, F> {
    fn begin_step(&mut self) {
        self.epochs = self.steps as f64 / self.steps_per_epoch as f64;
        self.steps += 1;
        self.rule.begin_step();
    }

    fn update_layer(&mut self, layer: usize, w: &mut [f32], n_out: usize, grad: &Grad<'_>) {
        let lr = (self.rate)(layer, self.epochs);
        self.rule.set_learning_rate(lr);
        self.rule.update_layer(layer, w, n_out, grad);
    }

    fn learning_rate(&self) -> f32 {
        self.rule.learning_rate()
    }

    fn set_learning_rate(&mut self, lr: f32) {
        self.rule.set_learning_rate(lr);
    }
}
