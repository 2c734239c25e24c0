//! The trainer: epochs of shuffled samples (online or mini-batch), test
//! accuracy every `eval_every` samples, stop at the target accuracy, at the
//! sample budget, or on a non-finite loss or weights.
//!
//! [`train`] runs a whole training; [`Trainer`] is the same run as a state
//! machine that can stop between any two steps, write a
//! [`Checkpoint`] and go on from it exactly. [`RunSpec`] describes a run
//! before it runs, from the options to the training ([`Trainer::for_run`]
//! starts one), and [`TrainConfig`] holds the trainer's options.

use alloc::vec::Vec;

use crate::checkpoint::{
    next_eval_after, Checkpoint, CheckpointError, DataFingerprint, Progress, MAX_COUNT,
};
use crate::dataset::{Dataset, LitImages};
use crate::network::{BatchWorkspace, Network, Workspace, DEFAULT_INIT_SCALE};
use crate::optim::{LayerUpdate, Optimizer, Sgd};
use crate::rng::Rng;
pub use crate::run::{RunError, RunField, RunSpec, TrainConfig};

#[cfg(feature = "std")]
mod overlap;
mod schedule;

pub use schedule::{Next, Schedule};

/// What happened, for progress display and logs.
#[derive(Clone, Copy, Debug)]
pub enum Event {
    /// A test-set evaluation after `samples` training samples.
    Eval {
        /// Samples trained so far.
        samples: u64,
        /// Test accuracy.
        accuracy: f64,
    },
}

/// The outcome of [`train`].
#[derive(Clone, Debug, PartialEq)]
pub struct TrainReport {
    /// Whether the target accuracy was reached.
    pub reached: bool,
    /// The last measured test accuracy.
    pub test_accuracy: f64,
    /// Samples trained until the target was reached or training stopped.
    pub samples: u64,
    /// `samples / train.len()`.
    pub epochs: f64,
    /// Seconds spent in training steps (0 without `std`).
    pub train_seconds: f64,
    /// Seconds spent evaluating (0 without `std`).
    pub eval_seconds: f64,
    /// `Some(step)` when training diverged at that step (1-based): the loss
    /// became NaN or infinite, or the weights were found not finite at an
    /// evaluation or a checkpoint.
    pub diverged_at: Option<u64>,
    /// Every evaluation, as `(samples, accuracy)`.
    pub history: Vec<(u64, f64)>,
    /// The accuracy on the whole training set at each evaluation, as
    /// `(samples, accuracy)`, when [`Trainer::set_train_accuracy`] asked for
    /// it; empty otherwise. Not kept in checkpoints: a resumed run has the
    /// evaluations from its resumption on.
    pub train_history: Vec<(u64, f64)>,
}

impl TrainReport {
    /// The last training-set accuracy measured, if any.
    pub fn train_accuracy(&self) -> Option<f64> {
        self.train_history.last().map(|&(_, a)| a)
    }
}

/// The seed of the trainer's shuffling stream for run seed `seed`, kept
/// apart from the initialisation's: `Rng::new(shuffle_seed(seed))` draws
/// the epochs' permutations, so that a program that streams its samples
/// (the Cortex-M4 firmware) visits them in the trainer's order.
pub fn shuffle_seed(seed: u64) -> u64 {
    seed ^ 0x5DEE_CE66_D1CE_5EED
}

/// Trains `net` with `opt` on `train_set`, evaluating on `test_set`, calling
/// `on_event` after each evaluation.
///
/// Each epoch visits a fresh permutation of the training set drawn from
/// `config.seed`. The same network, optimizer, data and config give
/// bit-identical weights (per build configuration), whatever `eval_every` is:
/// evaluation never changes the training state. A [`Trainer`] runs the same
/// steps and can stop, checkpoint and resume between any two of them.
///
/// `net` and `opt` move into a trainer and back; should `on_event` panic,
/// they are left as a 1-1 network and an SGD optimizer.
pub fn train(
    net: &mut Network,
    opt: &mut Optimizer,
    train_set: &Dataset,
    test_set: &Dataset,
    config: &TrainConfig,
    on_event: impl FnMut(&Event),
) -> TrainReport {
    // Move the network and optimizer into the trainer and back; the
    // placeholders cost a few bytes.
    let net_in = core::mem::replace(net, Network::new(&[1, 1], 0));
    let opt_in = core::mem::replace(opt, Optimizer::Sgd(Sgd::placeholder()));
    let mut trainer = Trainer::new(net_in, opt_in, train_set, test_set, config);
    trainer.run(on_event);
    let (net_out, opt_out, report) = trainer.into_parts();
    *net = net_out;
    *opt = opt_out;
    report
}

/// A training run as a state machine: [`Trainer::step`] takes one step (and
/// evaluates when one is due), [`Trainer::run_until`] and [`Trainer::run`]
/// take many, and between any two steps [`Trainer::checkpoint`] captures
/// everything needed to go on, exactly, with [`Trainer::from_checkpoint`].
///
/// The steps are those of [`train`] (which is `Trainer::new(..).run(..)`):
/// stopping, checkpointing and resuming never change the weights.
///
/// ```
/// use dlr::checkpoint::Checkpoint;
/// use dlr::train::{TrainConfig, Trainer};
/// use dlr::{dataset::Dataset, network::Network, optim::Optimizer, optim::OptimizerKind};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let images: Vec<u8> = (0..100).map(|i| if i % 10 == i / 10 { 255 } else { 0 }).collect();
/// let data = Dataset::from_parts(images, (0..10).collect(), 2, 5)?;
/// let config = TrainConfig { target: 2.0, max_epochs: 30.0, eval_every: 10, ..TrainConfig::default() };
/// let start = || {
///     let net = Network::new(&[10, 16, 10], 42);
///     let opt = Optimizer::tuned(net.layers(), OptimizerKind::Adam);
///     Trainer::new(net, opt, &data, &data, &config)
/// };
///
/// // Stop after 123 samples and keep the state as bytes (a file, with
/// // `dlr::checkpoint::write_atomically`)...
/// let mut first = start();
/// first.run_until(123, |_| {});
/// let bytes = first.checkpoint().expect("finite weights").to_bytes();
/// drop(first);
/// // ... then go on from them, perhaps in another process.
/// let mut resumed = Trainer::from_checkpoint(Checkpoint::from_bytes(&bytes)?, &data, &data)?;
/// resumed.run(|_| {});
///
/// let mut uninterrupted = start();
/// uninterrupted.run(|_| {});
/// assert_eq!(resumed.network().to_bytes(), uninterrupted.network().to_bytes());
/// # Ok(())
/// # }
/// ```
///
/// The optimizer is any [`LayerUpdate`]: a rule chosen at run time
/// ([`Optimizer`], the default, which can also checkpoint), one rule's own
/// type, or a wrapper such as a rate schedule.
#[derive(Debug)]
pub struct Trainer<'d, O = Optimizer> {
    net: Network,
    opt: O,
    train_set: &'d Dataset,
    test_set: &'d Dataset,
    config: TrainConfig,
    init_scale: f32,
    ws: Workspace,
    bws: Option<BatchWorkspace>,
    // The test set's lit pixels, listed at the first evaluation.
    test_lit: Option<LitImages>,
    // Whether each evaluation measures the training set too, and its lit
    // pixels, listed at the first such evaluation.
    measure_train: bool,
    train_lit: Option<LitImages>,
    rng: Rng,
    // (n,) this epoch's order; `pos` the next sample's place in it.
    order: Vec<u32>,
    pos: usize,
    sched: Schedule,
    clock: Clock,
}

/// Samples in a budget of `max_epochs` epochs of `n` samples.
fn budget(max_epochs: f64, n: usize) -> u64 {
    if n == 0 {
        0
    } else {
        libm::ceil(max_epochs.max(0.0) * n as f64) as u64
    }
}

impl<'d, O: LayerUpdate> Trainer<'d, O> {
    /// A run from the start: `net` and `opt` as they are, the shuffling
    /// seeded from `config.seed`.
    pub fn new(
        net: Network,
        opt: O,
        train_set: &'d Dataset,
        test_set: &'d Dataset,
        config: &TrainConfig,
    ) -> Self {
        let n = train_set.len();
        Self::assemble(
            net,
            opt,
            train_set,
            test_set,
            config.clone(),
            Rng::new(shuffle_seed(config.seed)),
            (0..n as u32).collect(),
            // Past the end: the first step shuffles.
            n,
            Schedule::new(config, n),
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn assemble(
        net: Network,
        opt: O,
        train_set: &'d Dataset,
        test_set: &'d Dataset,
        config: TrainConfig,
        rng: Rng,
        order: Vec<u32>,
        pos: usize,
        sched: Schedule,
    ) -> Self {
        let n = train_set.len();
        let batch = config.batch.max(1);
        let ws = Workspace::new(&net);
        // A step never takes more than the epoch holds.
        let bws = (batch > 1).then(|| BatchWorkspace::new(&net, batch.min(n.max(1))));
        Self {
            net,
            opt,
            train_set,
            test_set,
            config,
            init_scale: DEFAULT_INIT_SCALE,
            ws,
            bws,
            test_lit: None,
            measure_train: false,
            train_lit: None,
            rng,
            order,
            pos,
            sched,
            clock: Clock::start(),
        }
    }

    /// Records the scale the network was initialised with, for
    /// [`Checkpoint::init_scale`] (default [`DEFAULT_INIT_SCALE`]).
    pub fn set_init_scale(&mut self, init_scale: f32) {
        self.init_scale = init_scale;
    }

    /// Changes how often the test set is evaluated and on how many threads.
    /// Neither changes the weights, so a resumed run may use other values.
    pub fn set_eval(&mut self, eval_every: usize, eval_threads: usize) {
        self.config.eval_every = eval_every;
        self.config.eval_threads = eval_threads;
        self.sched.set_eval_every(eval_every as u64);
    }

    /// Whether each evaluation also measures the accuracy on the whole
    /// training set ([`TrainReport::train_history`]; default no). The
    /// measurement reads a copy of the weights, as the test set's does,
    /// so it never changes them; it costs one more evaluation of
    /// `train.len()` images at each evaluation point.
    pub fn set_train_accuracy(&mut self, measure: bool) {
        self.measure_train = measure;
    }

    /// The options of the run.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The network as it is now.
    pub fn network(&self) -> &Network {
        &self.net
    }

    /// The optimizer as it is now.
    pub fn optimizer(&self) -> &O {
        &self.opt
    }

    /// Samples trained so far.
    pub fn samples(&self) -> u64 {
        self.sched.samples
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.sched.steps
    }

    /// Samples in the budget, `⌈max_epochs · n⌉`.
    pub fn total_samples(&self) -> u64 {
        self.sched.total
    }

    /// True once training has stopped: target reached, budget spent, or
    /// diverged.
    pub fn is_finished(&self) -> bool {
        self.sched.done
    }

    /// The report so far.
    pub fn report(&self) -> TrainReport {
        self.sched.report(self.train_set.len())
    }

    /// The network, the optimizer and the final report.
    pub fn into_parts(self) -> (Network, O, TrainReport) {
        let report = self.report();
        (self.net, self.opt, report)
    }

    /// One training step (and the evaluation, when one falls due). Returns
    /// whether training goes on.
    pub fn step(&mut self, mut on_event: impl FnMut(&Event)) -> bool {
        match self.train_one() {
            Next::Stop => return false,
            Next::Train => {}
            Next::Evaluate => {
                self.sched.report.train_seconds += self.clock.lap();
                let test_set = self.test_set;
                let lit = self
                    .test_lit
                    .get_or_insert_with(|| LitImages::new(test_set));
                let accuracy = evaluate(&self.net, &mut self.ws, lit, self.config.eval_threads);
                let train_accuracy = self.measure_train.then(|| {
                    let train_set = self.train_set;
                    let lit = self
                        .train_lit
                        .get_or_insert_with(|| LitImages::new(train_set));
                    evaluate(&self.net, &mut self.ws, lit, self.config.eval_threads)
                });
                self.sched.report.eval_seconds += self.clock.lap();
                let finite = self.net.is_finite();
                let point = EvalPoint {
                    samples: self.sched.samples,
                    steps: self.sched.steps,
                    accuracy,
                    train_accuracy,
                    finite,
                };
                let stop = self.record_eval(point, &mut on_event);
                if stop {
                    return false;
                }
            }
        }
        self.sched.wants_step()
    }

    /// The training half of [`Trainer::step`]: one step on the next
    /// sample or batch, the divergence check of its loss, and whether a
    /// test-set evaluation falls due after it (`next_eval` then already
    /// points at the following one).
    fn train_one(&mut self) -> Next {
        if !self.sched.wants_step() {
            return Next::Stop;
        }
        let n = self.train_set.len();
        if self.pos >= n {
            self.rng.shuffle(&mut self.order);
            self.pos = 0;
        }
        // Step on up to `batch` samples, not past the epoch or the budget.
        let batch = self.config.batch.max(1);
        let take = batch.min(n - self.pos).min(self.sched.remaining() as usize);
        let chunk = &self.order[self.pos..self.pos + take];
        let batched = take > 1 && self.bws.is_some();
        let loss = match self.bws.as_mut() {
            Some(bws) if take > 1 => {
                self.net
                    .train_batch(bws, &mut self.opt, self.train_set, chunk)
            }
            _ => {
                let i = chunk[0] as usize;
                if let Some(&next) = self.order.get(self.pos + 1) {
                    self.train_set.prefetch(next as usize);
                }
                self.net.train_step(
                    &mut self.ws,
                    &mut self.opt,
                    self.train_set.image(i),
                    self.train_set.label(i) as usize,
                )
            }
        };
        // A batch workspace steps its whole chunk; online steps one sample.
        let done = if batched { take } else { 1 };
        self.pos += done;
        self.sched.stepped(done as u64, loss)
    }

    /// Records the evaluation `point`: the report, the event, and the stop
    /// when its weights were not finite or reached the target. Returns
    /// whether training stops there.
    fn record_eval(&mut self, point: EvalPoint, on_event: &mut impl FnMut(&Event)) -> bool {
        let EvalPoint {
            samples,
            steps,
            accuracy,
            train_accuracy,
            finite,
        } = point;
        if let Some(train_accuracy) = train_accuracy {
            self.sched
                .report
                .train_history
                .push((samples, train_accuracy));
        }
        let stop = self.sched.record_eval(samples, steps, accuracy, finite);
        on_event(&Event::Eval { samples, accuracy });
        stop
    }
}

impl<'d, O: LayerUpdate + Clone + Send> Trainer<'d, O> {
    /// Steps until `samples` samples are trained or training stops; returns
    /// whether training goes on.
    ///
    /// With `std` and more than one evaluation thread (`eval_threads` 0 on
    /// a machine with several cores, or 2 and more), each evaluation runs
    /// on a copy of the weights while training goes on, on the other
    /// threads (`src/train/overlap.rs`); the calling thread helps finish it before the
    /// next one starts. When an evaluation stops the run, the trainer goes
    /// back to the state it had then: the weights, the optimizer, the
    /// report and the counters are those of [`Trainer::step`] taken one at
    /// a time, bit for bit. The evaluation's time on the critical path (the
    /// share the calling thread waits for or does) counts as evaluation
    /// time, the rest as training time.
    pub fn run_until(&mut self, samples: u64, mut on_event: impl FnMut(&Event)) -> bool {
        self.clock = Clock::start();
        #[cfg(feature = "std")]
        {
            let threads = eval_thread_count(self.config.eval_threads);
            if threads > 1 && !self.test_set.is_empty() {
                overlap::run_until(self, samples, threads, &mut on_event);
                return !self.sched.done;
            }
        }
        while self.sched.samples < samples && self.step(&mut on_event) {}
        self.sched.report.train_seconds += self.clock.lap();
        !self.sched.done
    }

    /// Steps until training stops.
    pub fn run(&mut self, on_event: impl FnMut(&Event)) {
        self.run_until(u64::MAX, on_event);
    }
}

/// One evaluation's results, for [`Trainer::record_eval`]: the weights
/// after `samples` samples (`steps` steps), their test accuracy, their
/// training-set accuracy when it was measured, and whether they were finite.
struct EvalPoint {
    samples: u64,
    steps: u64,
    accuracy: f64,
    train_accuracy: Option<f64>,
    finite: bool,
}

impl<'d> Trainer<'d, Optimizer> {
    /// The run `spec` from its start on `train_set`, with as many outputs
    /// as `classes` (at least the classes of both sets).
    ///
    /// `spec` is checked here, once: the run's own fields, then the rule's
    /// parameters, by the rule's constructor ([`Optimizer::new`]). An error
    /// is one [`RunSpec::validate`] reports too (when more than one field is
    /// wrong, perhaps another of them).
    pub fn for_run(
        spec: &RunSpec,
        train_set: &'d Dataset,
        test_set: &'d Dataset,
        classes: usize,
        eval_threads: usize,
    ) -> Result<Self, RunError> {
        spec.check_fields()?;
        let classes = Dataset::output_units(train_set, test_set, classes);
        let net = spec.network(train_set.pixels(), classes);
        let opt = Optimizer::new(net.layers(), spec.optimizer)?;
        let mut trainer = Trainer::new(
            net,
            opt,
            train_set,
            test_set,
            &spec.train_config(eval_threads),
        );
        trainer.set_init_scale(spec.init_scale);
        Ok(trainer)
    }

    /// Goes on from `checkpoint` on the data it was made on (checked against
    /// its fingerprint, and the network against the images' size and the
    /// classes), when its step and sample counters are at most
    /// [`MAX_COUNT`]. `eval_threads` starts at 0; see [`Trainer::set_eval`].
    pub fn from_checkpoint(
        checkpoint: Checkpoint,
        train_set: &'d Dataset,
        test_set: &'d Dataset,
    ) -> Result<Self, CheckpointError> {
        checkpoint
            .data
            .check(&DataFingerprint::of(train_set, test_set))?;
        let net = &checkpoint.net;
        if net.n_inputs() != train_set.pixels()
            || net.n_outputs() < train_set.classes().max(test_set.classes())
        {
            return Err(CheckpointError::OtherData("image size or class count"));
        }
        let Checkpoint {
            config,
            init_scale,
            net,
            opt,
            progress: p,
            ..
        } = checkpoint;
        let rng =
            Rng::from_state(p.rng_state).ok_or(CheckpointError::BadField("generator state"))?;
        let pos = usize::try_from(p.pos).map_err(|_| CheckpointError::BadField("position"))?;
        // `from_bytes` checked these; a hand-built checkpoint may not be.
        if p.order.len() != train_set.len() || pos > p.order.len() {
            return Err(CheckpointError::BadField("shuffled order"));
        }
        // Counters that could overflow as the run goes on (found by fuzzing).
        let opt_steps = match &opt {
            Optimizer::Adam(o) => o.steps(),
            Optimizer::AdamLazy(o) => o.steps(),
            Optimizer::Dlr(o) => o.steps(),
            Optimizer::Sgd(_) | Optimizer::Nesterov(_) => 0,
        };
        if p.steps.max(p.samples).max(opt_steps) > MAX_COUNT {
            return Err(CheckpointError::BadField("counters"));
        }
        if p.next_eval != next_eval_after(p.samples, config.eval_every as u64) {
            return Err(CheckpointError::BadField("next evaluation"));
        }
        let report = TrainReport {
            reached: p.reached,
            test_accuracy: p.test_accuracy,
            samples: p.samples,
            epochs: 0.0,
            train_seconds: p.train_seconds,
            eval_seconds: p.eval_seconds,
            diverged_at: None,
            history: p.history,
            train_history: Vec::new(),
        };
        let sched = Schedule::resumed(&config, train_set.len(), p.samples, p.steps, report);
        let mut trainer = Self::assemble(
            net, opt, train_set, test_set, config, rng, p.order, pos, sched,
        );
        trainer.init_scale = init_scale;
        Ok(trainer)
    }

    /// Everything needed to go on from here, or `None` when the weights are
    /// not finite: then training is stopped as diverged at the current step
    /// (a checkpoint of NaN weights is never made).
    pub fn checkpoint(&mut self) -> Option<Checkpoint> {
        if self.sched.report.diverged_at.is_some() {
            return None;
        }
        if !self.net.is_finite() {
            self.sched.report.diverged_at = Some(self.sched.steps);
            self.sched.done = true;
            return None;
        }
        Some(Checkpoint {
            config: TrainConfig {
                eval_threads: 0,
                ..self.config.clone()
            },
            init_scale: self.init_scale,
            data: DataFingerprint::of(self.train_set, self.test_set),
            net: self.net.clone(),
            opt: self.opt.clone(),
            progress: Progress {
                rng_state: self.rng.state(),
                order: self.order.clone(),
                pos: self.pos as u64,
                samples: self.sched.samples,
                steps: self.sched.steps,
                next_eval: self.sched.next_eval,
                reached: self.sched.report.reached,
                test_accuracy: self.sched.report.test_accuracy,
                train_seconds: self.sched.report.train_seconds,
                eval_seconds: self.sched.report.eval_seconds,
                history: self.sched.report.history.clone(),
            },
        })
    }

    /// Runs to the end, writing a checkpoint with `save` every `every`
    /// samples (at sample counts that are multiples of `every`) and at the
    /// end; no checkpoint is taken of non-finite weights, and then training
    /// stops as diverged with the last good checkpoint kept. Returns the
    /// samples of the last checkpoint saved, or `save`'s first error.
    ///
    /// The cadence depends on the sample count alone, so a resumed run
    /// writes its checkpoints where the uninterrupted one would have.
    pub fn run_with_checkpoints<E>(
        &mut self,
        every: u64,
        mut on_event: impl FnMut(&Event),
        mut save: impl FnMut(&Checkpoint) -> Result<(), E>,
    ) -> Result<Option<u64>, E> {
        let every = every.max(1);
        let mut kept = None;
        loop {
            let until = (self.sched.samples / every)
                .saturating_add(1)
                .saturating_mul(every);
            self.run_until(until, &mut on_event);
            if self.sched.report.diverged_at.is_none() {
                if let Some(ck) = self.checkpoint() {
                    save(&ck)?;
                    kept = Some(ck.progress.samples);
                }
            }
            if self.sched.done {
                return Ok(kept);
            }
        }
    }
}

/// The number of threads `eval_threads` asks for (0: one per core).
#[cfg(feature = "std")]
fn eval_thread_count(eval_threads: usize) -> usize {
    match eval_threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        t => t,
    }
}

/// Test accuracy of `net` on `images`, on `threads` threads (0: one per
/// core).
fn evaluate(net: &Network, ws: &mut Workspace, images: &LitImages, threads: usize) -> f64 {
    let n = images.len();
    if n == 0 {
        return 0.0;
    }
    #[cfg(feature = "std")]
    {
        let threads = eval_thread_count(threads);
        if threads > 1 {
            return net.count_correct_lit_threaded(images, threads) as f64 / n as f64;
        }
    }
    let _ = threads;
    net.count_correct_lit(ws, images, 0..n) as f64 / n as f64
}

/// Wall-clock laps with `std`; zeros without.
#[derive(Debug)]
struct Clock {
    #[cfg(feature = "std")]
    last: std::time::Instant,
}

impl Clock {
    fn start() -> Self {
        Self {
            #[cfg(feature = "std")]
            last: std::time::Instant::now(),
        }
    }

    /// Seconds since the previous lap.
    fn lap(&mut self) -> f64 {
        #[cfg(feature = "std")]
        {
            let now = std::time::Instant::now();
            let s = (now - self.last).as_secs_f64();
            self.last = now;
            s
        }
        #[cfg(not(feature = "std"))]
        {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{RunError, RunField, RunSpec, Trainer};
    use crate::dataset::Dataset;
    use crate::optim::{OptimizerKind, Param};

    /// `for_run` checks a run's fields itself and its rule's parameters
    /// through the rule's constructor: it refuses what
    /// `RunSpec::validate` refuses, with the same error.
    #[test]
    fn for_run_refuses_what_validate_refuses() {
        let images = (0..100).map(|i| if i % 10 == i / 10 { 255 } else { 0 });
        // Test code: 10 images of 2 × 5 pixels and 10 labels below 10, so
        // the parts fit by construction.
        let data = Dataset::from_parts(images.collect(), (0..10).collect(), 2, 5).unwrap();
        let good = RunSpec::new(OptimizerKind::DlrPost);
        let bad_param = |param, value| {
            let mut spec = good.clone();
            // Test code: every `param` passed below is a DLR-post parameter,
            // and `set` stores out-of-range values for `validate` to refuse.
            spec.optimizer.set(param, value).unwrap();
            spec
        };
        let bad = [
            bad_param(Param::Lr, -1.0),
            bad_param(Param::Alpha, 0.0),
            bad_param(Param::Lr, f32::NAN),
            RunSpec {
                hidden: alloc::vec![4, 0],
                ..good.clone()
            },
            RunSpec {
                batch: 0,
                ..good.clone()
            },
            RunSpec {
                max_epochs: 0.0,
                ..good.clone()
            },
        ];
        for spec in &bad {
            let want = spec.validate().unwrap_err();
            let got = Trainer::for_run(spec, &data, &data, 0, 1).unwrap_err();
            // Debug text: a NaN value is its own error too.
            assert_eq!(alloc::format!("{got:?}"), alloc::format!("{want:?}"));
        }
        assert!(matches!(
            Trainer::for_run(&bad[3], &data, &data, 0, 1),
            Err(RunError::Invalid {
                field: RunField::Hidden,
                ..
            })
        ));
        // The assertions that the defaults pass both checks: a failure here
        // is the test failing, with the error in the panic message.
        good.validate().unwrap();
        Trainer::for_run(&good, &data, &data, 0, 1).unwrap();
    }
}
