//! The decisions of a training run that do not touch its data.

use alloc::vec::Vec;

use super::{budget, TrainConfig, TrainReport};
use crate::checkpoint::next_eval_after;

/// What comes after a step ([`Schedule::stepped`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Take the next step.
    Train,
    /// Evaluate the test set on the weights as they are now, then report
    /// the accuracy to [`Schedule::evaluated`].
    Evaluate,
    /// Training stopped: the budget is spent or the loss diverged.
    Stop,
}

/// A run's schedule: the sample budget `⌈max_epochs · n⌉`, the evaluation
/// every `eval_every` samples and at the end, the stop at the target
/// accuracy or at a non-finite loss or weights, and the history of
/// evaluations. [`Trainer`](super::Trainer) follows one; a program that
/// keeps its samples elsewhere (streamed from a host, a file, a sensor)
/// follows one around its own steps and evaluations to run the trainer's
/// loop exactly:
///
/// ```
/// use dlr::network::{Network, Workspace};
/// use dlr::optim::{Optimizer, OptimizerKind};
/// use dlr::rng::Rng;
/// use dlr::train::{shuffle_seed, Next, Schedule, TrainConfig};
///
/// let config = TrainConfig { max_epochs: 2.0, eval_every: 5, target: 1.1, ..TrainConfig::default() };
/// let samples: Vec<([u8; 4], usize)> = vec![([255, 0, 0, 0], 0), ([0, 0, 0, 255], 1)];
/// let mut net = Network::new(&[4, 3, 2], config.seed);
/// let mut opt = Optimizer::tuned(net.layers(), OptimizerKind::Dlr);
/// let mut ws = Workspace::new(&net);
/// let mut rng = Rng::new(shuffle_seed(config.seed));
/// let mut order: Vec<u32> = (0..samples.len() as u32).collect();
/// let mut schedule = Schedule::new(&config, samples.len());
/// let mut pos = samples.len();
/// while schedule.wants_step() {
///     if pos == order.len() {
///         rng.shuffle(&mut order);
///         pos = 0;
///     }
///     let (image, label) = &samples[order[pos] as usize];
///     pos += 1;
///     let loss = net.train_step(&mut ws, &mut opt, image, *label);
///     if schedule.stepped(1, loss) == Next::Evaluate {
///         let correct = samples.iter().filter(|(i, l)| net.predict(&mut ws, i) == *l).count();
///         schedule.evaluated(correct as f64 / samples.len() as f64, net.is_finite());
///     }
/// }
/// let report = schedule.report(samples.len());
/// assert_eq!((report.samples, report.history.len()), (4, 1));
/// ```
#[derive(Clone, Debug)]
pub struct Schedule {
    pub(crate) total: u64,
    pub(crate) eval_every: u64,
    pub(crate) target: f64,
    pub(crate) samples: u64,
    pub(crate) steps: u64,
    pub(crate) next_eval: u64,
    // Reached, accuracy, seconds, divergence and history; `samples` and
    // `epochs` are filled in by `report()`.
    pub(crate) report: TrainReport,
    pub(crate) done: bool,
}

impl Schedule {
    /// The schedule of a run of `config` on `n` training samples, from its
    /// start.
    pub fn new(config: &TrainConfig, n: usize) -> Self {
        let report = TrainReport {
            reached: false,
            test_accuracy: 0.0,
            samples: 0,
            epochs: 0.0,
            train_seconds: 0.0,
            eval_seconds: 0.0,
            diverged_at: None,
            history: Vec::new(),
            train_history: Vec::new(),
        };
        Self::resumed(config, n, 0, 0, report)
    }

    /// The schedule `samples` samples and `steps` steps in, with the report
    /// so far.
    pub(crate) fn resumed(
        config: &TrainConfig,
        n: usize,
        samples: u64,
        steps: u64,
        report: TrainReport,
    ) -> Self {
        let total = budget(config.max_epochs, n);
        let eval_every = config.eval_every as u64;
        Self {
            total,
            eval_every,
            target: config.target,
            samples,
            steps,
            next_eval: next_eval_after(samples, eval_every),
            done: report.reached || samples >= total,
            report,
        }
    }

    /// Evaluations every `eval_every` samples from here on.
    pub(crate) fn set_eval_every(&mut self, eval_every: u64) {
        self.eval_every = eval_every;
        self.next_eval = next_eval_after(self.samples, eval_every);
    }

    /// Whether to take another step; once it says no, training is over.
    pub fn wants_step(&mut self) -> bool {
        if self.samples >= self.total {
            self.done = true;
        }
        !self.done
    }

    /// Samples left in the budget.
    pub fn remaining(&self) -> u64 {
        self.total - self.samples.min(self.total)
    }

    /// Records a step on `taken` samples whose loss was `loss`: a
    /// non-finite loss stops the run as diverged at this step; an
    /// evaluation falls due every `eval_every` samples and after the last.
    pub fn stepped(&mut self, taken: u64, loss: f32) -> Next {
        self.samples += taken;
        self.steps += 1;
        if !loss.is_finite() {
            self.report.diverged_at = Some(self.steps);
            self.done = true;
            return Next::Stop;
        }
        if self.samples >= self.next_eval || self.samples == self.total {
            self.next_eval = next_eval_after(self.samples, self.eval_every);
            return Next::Evaluate;
        }
        Next::Train
    }

    /// Records the test accuracy of the weights after the last step, and
    /// whether they were all finite. Returns whether training stops there
    /// (weights not finite, or the target reached).
    pub fn evaluated(&mut self, accuracy: f64, finite: bool) -> bool {
        self.record_eval(self.samples, self.steps, accuracy, finite)
    }

    /// [`Schedule::evaluated`] of the weights after `samples` samples and
    /// `steps` steps.
    pub(crate) fn record_eval(
        &mut self,
        samples: u64,
        steps: u64,
        accuracy: f64,
        finite: bool,
    ) -> bool {
        self.report.test_accuracy = accuracy;
        self.report.history.push((samples, accuracy));
        if !finite {
            self.report.diverged_at = Some(steps);
            self.done = true;
            return true;
        }
        if accuracy >= self.target {
            self.report.reached = true;
            self.done = true;
            return true;
        }
        false
    }

    /// Samples trained so far.
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Samples in the budget, `⌈max_epochs · n⌉`.
    pub fn total_samples(&self) -> u64 {
        self.total
    }

    /// True once training has stopped: target reached, budget spent, or
    /// diverged.
    pub fn is_finished(&self) -> bool {
        self.done
    }

    /// The report so far, of a run on `n` training samples.
    pub fn report(&self, n: usize) -> TrainReport {
        let mut report = self.report.clone();
        report.samples = self.samples;
        report.epochs = if n == 0 {
            0.0
        } else {
            self.samples as f64 / n as f64
        };
        report
    }
}
