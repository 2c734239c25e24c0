//! The trainer: epochs of shuffled samples (online or mini-batch), test
//! accuracy every `eval_every` samples, stop at the target accuracy, at the
//! sample budget, or on a non-finite loss.

use alloc::vec::Vec;

use crate::dataset::Dataset;
use crate::network::{BatchWorkspace, Network, Workspace};
use crate::optim::Optimizer;
use crate::rng::Rng;

/// How to train.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    /// Stop at the first evaluation with test accuracy ≥ `target`.
    pub target: f64,
    /// Budget in epochs (fractions allowed).
    pub max_epochs: f64,
    /// Samples between evaluations on the test set (0: only at the end).
    pub eval_every: usize,
    /// Samples per step (1 = online).
    pub batch: usize,
    /// Seed of the shuffling (the network's initialisation has its own).
    pub seed: u64,
    /// Threads that evaluate the test set (0: one per core). Evaluation is
    /// read-only, so this changes timings, never results. Without `std`, 1.
    pub eval_threads: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            target: 0.96,
            max_epochs: 10.0,
            eval_every: 1000,
            batch: 1,
            seed: 1,
            eval_threads: 0,
        }
    }
}

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
    /// `Some(step)` when the loss became NaN or infinite at that step (1-based).
    pub diverged_at: Option<u64>,
    /// Every evaluation, as `(samples, accuracy)`.
    pub history: Vec<(u64, f64)>,
}

/// The seed of the shuffling stream, kept apart from the initialisation's.
fn shuffle_seed(seed: u64) -> u64 {
    seed ^ 0x5DEE_CE66_D1CE_5EED
}

/// Trains `net` with `opt` on `train_set`, evaluating on `test_set`, calling
/// `on_event` after each evaluation.
///
/// Each epoch visits a fresh permutation of the training set drawn from
/// `config.seed`. The same network, optimizer, data and config give
/// bit-identical weights (per build configuration), whatever `eval_every` is:
/// evaluation never changes the training state.
pub fn train(
    net: &mut Network,
    opt: &mut Optimizer,
    train_set: &Dataset,
    test_set: &Dataset,
    config: &TrainConfig,
    mut on_event: impl FnMut(&Event),
) -> TrainReport {
    let n = train_set.len();
    let total = if n == 0 {
        0
    } else {
        libm::ceil(config.max_epochs.max(0.0) * n as f64) as u64
    };
    let batch = config.batch.max(1);
    let mut ws = Workspace::new(net);
    let mut bws = (batch > 1).then(|| BatchWorkspace::new(net, batch));
    let mut rng = Rng::new(shuffle_seed(config.seed));
    let mut order: Vec<u32> = (0..n as u32).collect();
    let mut report = TrainReport {
        reached: false,
        test_accuracy: 0.0,
        samples: 0,
        epochs: 0.0,
        train_seconds: 0.0,
        eval_seconds: 0.0,
        diverged_at: None,
        history: Vec::new(),
    };
    let mut clock = Clock::start();
    let mut samples: u64 = 0;
    let mut steps: u64 = 0;
    let mut next_eval = if config.eval_every == 0 {
        u64::MAX
    } else {
        config.eval_every as u64
    };
    let mut pos = n; // forces a shuffle before the first sample
    'outer: while samples < total {
        if pos >= n {
            rng.shuffle(&mut order);
            pos = 0;
        }
        // Step on up to `batch` samples, not past the epoch or the budget.
        let take = batch.min(n - pos).min((total - samples) as usize);
        let chunk = &order[pos..pos + take];
        let loss = match bws.as_mut() {
            Some(bws) if take > 1 => net.train_batch(bws, opt, train_set, chunk),
            _ => {
                let i = chunk[0] as usize;
                net.train_step(
                    &mut ws,
                    opt,
                    train_set.image(i),
                    train_set.label(i) as usize,
                )
            }
        };
        // A batch workspace steps its whole chunk; online steps one sample.
        let done = if bws.is_some() && take > 1 { take } else { 1 };
        pos += done;
        samples += done as u64;
        steps += 1;
        if !loss.is_finite() {
            report.diverged_at = Some(steps);
            break 'outer;
        }
        if samples >= next_eval || samples == total {
            report.train_seconds += clock.lap();
            let accuracy = evaluate(net, &mut ws, test_set, config.eval_threads);
            report.eval_seconds += clock.lap();
            report.test_accuracy = accuracy;
            report.history.push((samples, accuracy));
            on_event(&Event::Eval { samples, accuracy });
            while next_eval <= samples {
                next_eval = next_eval.saturating_add(config.eval_every as u64);
            }
            if !net.is_finite() {
                report.diverged_at = Some(steps);
                break 'outer;
            }
            if accuracy >= config.target {
                report.reached = true;
                break 'outer;
            }
        }
    }
    report.train_seconds += clock.lap();
    report.samples = samples;
    report.epochs = if n == 0 {
        0.0
    } else {
        samples as f64 / n as f64
    };
    report
}

/// Test accuracy of `net` on `data`, on `threads` threads (0: one per core).
fn evaluate(net: &Network, ws: &mut Workspace, data: &Dataset, threads: usize) -> f64 {
    if data.is_empty() {
        return 0.0;
    }
    #[cfg(feature = "std")]
    {
        let threads = match threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            t => t,
        };
        if threads > 1 {
            return net.count_correct_threaded(data, threads) as f64 / data.len() as f64;
        }
    }
    let _ = threads;
    net.accuracy(ws, data)
}

/// Wall-clock laps with `std`; zeros without.
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
