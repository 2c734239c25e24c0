//! `dlr bench`: the per-step cost of every optimizer at several hidden sizes.
//!
//! A step is what online training does per sample: forward, backward and the
//! update, batch 1, on real samples in training (shuffled) order. For each
//! hidden size the optimizers are timed in turns, `repeats` rounds of
//! `steps` consecutive steps each, rotating which goes first, so that drift
//! of a shared machine hits all of them alike; the figure is the median
//! round. Per hidden size it also times the evaluation of the whole test
//! set and one online epoch of DLR.

use std::time::Instant;

use crate::dataset::Dataset;
use crate::network::{Network, Workspace};
use crate::optim::{Optimizer, OptimizerConfig, OptimizerKind};
use crate::rng::Rng;

/// What to measure.
#[derive(Clone, Debug)]
pub struct BenchConfig {
    /// Hidden sizes (one hidden layer each).
    pub hidden: Vec<usize>,
    /// Optimizers, each with its default hyper-parameters.
    pub optimizers: Vec<OptimizerKind>,
    /// Timed rounds per (optimizer, hidden size).
    pub repeats: usize,
    /// Target duration of one round, in seconds (sets the steps per round).
    pub round_seconds: f64,
    /// Also time one online DLR epoch per hidden size.
    pub epoch: bool,
    /// Seed of the networks and of the sample order.
    pub seed: u64,
}

impl Default for BenchConfig {
    fn default() -> Self {
        Self {
            hidden: vec![30, 100, 300, 1000],
            optimizers: OptimizerKind::ALL.to_vec(),
            repeats: 11,
            round_seconds: 0.02,
            epoch: true,
            seed: 1,
        }
    }
}

/// The cost of one optimizer's step at one hidden size.
#[derive(Clone, Debug)]
pub struct StepCost {
    /// The optimizer.
    pub optimizer: OptimizerKind,
    /// Hidden units.
    pub hidden: usize,
    /// Weights of the network.
    pub weights: usize,
    /// Median over rounds of the mean step time, in microseconds.
    pub us_per_step: f64,
    /// Fastest and slowest round, in microseconds per step.
    pub us_min: f64,
    /// See `us_min`.
    pub us_max: f64,
    /// Steps per round.
    pub steps_per_round: usize,
}

/// Per hidden size: evaluation and epoch times.
#[derive(Clone, Debug)]
pub struct SizeCost {
    /// Hidden units.
    pub hidden: usize,
    /// Median time to classify the whole test set, milliseconds.
    pub eval_ms: f64,
    /// Wall time of one online DLR epoch over the training set, seconds
    /// (`None` when not measured).
    pub dlr_epoch_seconds: Option<f64>,
}

/// Runs the benchmark; `progress` is told what is being measured.
pub fn run(
    train: &Dataset,
    test: &Dataset,
    config: &BenchConfig,
    mut progress: impl FnMut(&str),
) -> (Vec<StepCost>, Vec<SizeCost>) {
    let mut steps_out = Vec::new();
    let mut sizes_out = Vec::new();
    let n = train.len();
    let mut order: Vec<u32> = (0..n as u32).collect();
    Rng::new(config.seed).shuffle(&mut order);
    for &h in &config.hidden {
        progress(&format!("H={h}: steps"));
        let sizes = [train.pixels(), h, 10];
        let mut runs: Vec<Run> = config
            .optimizers
            .iter()
            .map(|&kind| {
                let net = Network::new(&sizes, config.seed);
                let opt = Optimizer::new(&OptimizerConfig::new(kind), &net);
                let ws = Workspace::new(&net);
                Run {
                    kind,
                    net,
                    opt,
                    ws,
                    next: 0,
                    rounds: Vec::new(),
                    steps: 0,
                }
            })
            .collect();
        // Warm up and size the rounds: each optimizer gets enough steps to
        // fill `round_seconds`, at least 20.
        for r in runs.iter_mut() {
            let t = r.time_steps(train, &order, 50);
            r.steps = ((config.round_seconds / t).ceil() as usize).clamp(20, 200_000);
        }
        for round in 0..config.repeats {
            let k = runs.len();
            for i in 0..k {
                // Rotate who goes first each round.
                let r = &mut runs[(i + round) % k];
                let t = r.time_steps(train, &order, r.steps);
                r.rounds.push(t * 1e6);
            }
        }
        for r in runs.iter_mut() {
            r.rounds.sort_by(f64::total_cmp);
            steps_out.push(StepCost {
                optimizer: r.kind,
                hidden: h,
                weights: r.net.n_weights(),
                us_per_step: median(&r.rounds),
                us_min: r.rounds[0],
                us_max: r.rounds[r.rounds.len() - 1],
                steps_per_round: r.steps,
            });
        }
        progress(&format!("H={h}: evaluation"));
        let net = &runs[0].net;
        let mut ws = Workspace::new(net);
        let mut evals: Vec<f64> = (0..config.repeats.clamp(3, 7))
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(net.count_correct(&mut ws, test));
                start.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        evals.sort_by(f64::total_cmp);
        let dlr_epoch_seconds = config.epoch.then(|| {
            progress(&format!("H={h}: one DLR epoch"));
            let mut net = Network::new(&sizes, config.seed);
            let mut opt = Optimizer::new(&OptimizerConfig::new(OptimizerKind::Dlr), &net);
            let mut ws = Workspace::new(&net);
            let start = Instant::now();
            for (k, &i) in order.iter().enumerate() {
                let i = i as usize;
                if let Some(&next) = order.get(k + 1) {
                    train.prefetch(next as usize);
                }
                net.train_step(&mut ws, &mut opt, train.image(i), train.label(i) as usize);
            }
            start.elapsed().as_secs_f64()
        });
        sizes_out.push(SizeCost {
            hidden: h,
            eval_ms: median(&evals),
            dlr_epoch_seconds,
        });
    }
    (steps_out, sizes_out)
}

struct Run {
    kind: OptimizerKind,
    net: Network,
    opt: Optimizer,
    ws: Workspace,
    // Next position in the sample order.
    next: usize,
    // Microseconds per step of each round.
    rounds: Vec<f64>,
    steps: usize,
}

impl Run {
    /// Seconds per step over `steps` consecutive training steps.
    fn time_steps(&mut self, train: &Dataset, order: &[u32], steps: usize) -> f64 {
        let start = Instant::now();
        for _ in 0..steps {
            let i = order[self.next] as usize;
            self.next = (self.next + 1) % order.len();
            train.prefetch(order[self.next] as usize);
            let loss = self.net.train_step(
                &mut self.ws,
                &mut self.opt,
                train.image(i),
                train.label(i) as usize,
            );
            std::hint::black_box(loss);
        }
        start.elapsed().as_secs_f64() / steps as f64
    }
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        sorted[n / 2]
    } else {
        0.5 * (sorted[n / 2 - 1] + sorted[n / 2])
    }
}
