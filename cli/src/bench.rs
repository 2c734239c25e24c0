//! `dlr bench`: the per-step cost of every optimizer at several hidden sizes.
//!
//! A step is what online training does per sample: forward, backward and the
//! update, batch 1, on real samples in training (shuffled) order.
//!
//! **The step a training pays.** An optimizer's state changes as training
//! goes on, and so can its step's cost (decaying moments that reach the
//! subnormal range slow a step down long after the first thousand). So each
//! optimizer is first trained, untimed, for `warmup_epochs` epochs of the
//! training set as `dlr train --seed` trains it (each epoch a fresh shuffle
//! in the trainer's order), once per hidden size; every heap layout then
//! times copies of that trained network and state, continuing in the next
//! epoch's order. With `warmup_epochs = 0` it times the first steps of a
//! training instead (the early figure). The warm-ups run on as many
//! threads as there are cores.
//!
//! For each hidden size the optimizers are timed in turns, `repeats` rounds of
//! `steps` consecutive steps each, rotating which goes first, so that drift
//! of a shared machine hits all of them alike; the figure is the median
//! round. Per hidden size it also times the evaluation of the whole test
//! set on one thread, as the trainer runs it (from the lit pixels listed
//! once, `LitImages`), and one online epoch of DLR.
//! [`table`] and [`json_lines`] write the results as the program prints
//! them.
//!
//! **Heap layouts.** Where the allocator happens to put the weights, the
//! optimizer state and the scratch buffers relative to each other moves a
//! step's time by up to ±10 % on the machines we measured (4 KiB aliasing
//! between the rows being written and the vectors being read, cache-set
//! conflicts), and differently for each optimizer: one process can show
//! DLR/SGD = 1.10 and the next 1.25 for the same code. So the whole
//! measurement is repeated for `layouts` layouts, the first as the program
//! allocates it and each other with pseudo-random gaps (under 8 KiB, from
//! the seed) allocated before every network, optimizer and workspace, and
//! the figure is the median over layouts of each layout's median round.

use std::time::Instant;

use dlr::dataset::Dataset;
use dlr::dataset::LitImages;
use dlr::network::{Network, Workspace};
use dlr::optim::{Optimizer, OptimizerKind};
use dlr::rng::Rng;

mod warmup;
use warmup::warm_up_all;
pub use warmup::{order_after, warm_up, warmup_samples, Warm};

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
    /// Seed of the networks, of the sample order and of the gaps between
    /// allocations.
    pub seed: u64,
    /// Heap layouts to measure (see the module doc); at least 1.
    pub layouts: usize,
    /// Epochs of untimed training before the timed steps (see the module
    /// doc); 0 times the first steps of a training.
    pub warmup_epochs: f64,
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
            layouts: 5,
            warmup_epochs: 1.0,
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
    /// Median over heap layouts of the median round's mean step time, in
    /// microseconds.
    pub us_per_step: f64,
    /// Fastest and slowest round of any layout, in microseconds per step.
    pub us_min: f64,
    /// See `us_min`.
    pub us_max: f64,
    /// Steps per round.
    pub steps_per_round: usize,
    /// Untimed training steps this optimizer took before the timed ones.
    pub warmup_samples: u64,
    /// Mean training loss of the first steps the timed network takes (the
    /// first layout's, 50 steps): high untrained, low after a warm-up.
    pub start_loss: f64,
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

/// The layers `dlr bench` builds at hidden size `h`: the images' pixels,
/// `h`, and one output per class of either set (10 on MNIST).
pub fn layer_sizes(train: &Dataset, test: &Dataset, h: usize) -> [usize; 3] {
    [train.pixels(), h, Dataset::output_units(train, test, 0)]
}

/// Runs the benchmark; `progress` is told what is being measured.
///
/// # Panics
/// If `train` has no images (the `dlr` program refuses such data first).
pub fn run(
    train: &Dataset,
    test: &Dataset,
    config: &BenchConfig,
    mut progress: impl FnMut(&str),
) -> (Vec<StepCost>, Vec<SizeCost>) {
    let mut steps_out = Vec::new();
    let mut sizes_out = Vec::new();
    let n = train.len();
    let warmup = warmup_samples(n, config.warmup_epochs);
    // The first epoch's order (the DLR epoch's), then the one the timed
    // steps follow, from where the warm-up stops.
    let (order, _) = order_after(n, config.seed, 0);
    let (timed_order, start) = order_after(n, config.seed, warmup);
    let mut test_lit: Option<LitImages> = None;
    progress(&format!("warm-ups, {} epochs each", config.warmup_epochs));
    let mut warm_all = warm_up_all(train, test, config, warmup);
    for (&h, warm) in config.hidden.iter().zip(warm_all.iter_mut()) {
        let sizes = layer_sizes(train, test, h);
        let warm = std::mem::take(warm);
        progress(&format!("H={h}: steps"));
        // Per optimizer: each layout's median round, and every round.
        let mut layout_medians = vec![Vec::new(); config.optimizers.len()];
        let mut all_rounds = vec![Vec::new(); config.optimizers.len()];
        let mut steps_per_round = vec![0; config.optimizers.len()];
        let mut start_loss = vec![f64::NAN; config.optimizers.len()];
        let mut gaps = Rng::new(config.seed ^ 0x6c61_796f_7574);
        for layout in 0..config.layouts.max(1) {
            let mut runs = allocate_runs(&warm, start, layout, &mut gaps);
            // Warm the caches and size the rounds: each optimizer gets
            // enough steps to fill `round_seconds`, at least 20.
            for (i, r) in runs.iter_mut().enumerate() {
                let (t, loss) = r.time_steps(train, &timed_order, 50);
                if layout == 0 {
                    start_loss[i] = loss;
                }
                r.steps = ((config.round_seconds / t).ceil() as usize).clamp(20, 200_000);
            }
            for round in 0..config.repeats {
                let k = runs.len();
                for i in 0..k {
                    // Rotate who goes first each round.
                    let r = &mut runs[(i + round) % k];
                    let (t, _) = r.time_steps(train, &timed_order, r.steps);
                    r.rounds.push(t * 1e6);
                }
            }
            for (i, r) in runs.iter_mut().enumerate() {
                r.rounds.sort_by(f64::total_cmp);
                layout_medians[i].push(median(&r.rounds));
                all_rounds[i].extend_from_slice(&r.rounds);
                steps_per_round[i] = r.steps;
            }
        }
        // Untrained: its weight count for the table and the evaluation's
        // timing (which does not depend on the weights' values).
        let net = Network::new(&sizes, config.seed);
        let weights = net.n_weights();
        for (i, &kind) in config.optimizers.iter().enumerate() {
            layout_medians[i].sort_by(f64::total_cmp);
            all_rounds[i].sort_by(f64::total_cmp);
            steps_out.push(StepCost {
                optimizer: kind,
                hidden: h,
                weights,
                us_per_step: median(&layout_medians[i]),
                us_min: all_rounds[i].first().copied().unwrap_or(f64::NAN),
                us_max: all_rounds[i].last().copied().unwrap_or(f64::NAN),
                steps_per_round: steps_per_round[i],
                warmup_samples: warm[i].samples,
                start_loss: start_loss[i],
            });
        }
        progress(&format!("H={h}: evaluation"));
        let mut ws = Workspace::new(&net);
        // The trainer's evaluation: the lit pixels listed once per run.
        let lit = test_lit.get_or_insert_with(|| LitImages::new(test));
        let mut evals: Vec<f64> = (0..config.repeats.clamp(3, 7))
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(net.count_correct_lit(&mut ws, lit, 0..lit.len()));
                start.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        evals.sort_by(f64::total_cmp);
        let dlr_epoch_seconds = config.epoch.then(|| {
            progress(&format!("H={h}: one DLR epoch"));
            let mut net = Network::new(&sizes, config.seed);
            let mut opt = Optimizer::tuned(net.layers(), OptimizerKind::Dlr);
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

/// The JSON objects of `dlr bench --json`, one per (optimizer, size) of a
/// [`run`] on the SIMD path `simd`.
pub fn json_lines(
    config: &BenchConfig,
    steps: &[StepCost],
    sizes: &[SizeCost],
    simd: &str,
) -> Vec<serde_json::Value> {
    steps
        .iter()
        .map(|s| {
            let size = sizes.iter().find(|z| z.hidden == s.hidden);
            serde_json::json!({
                "optimizer": s.optimizer.name(),
                "hidden": s.hidden,
                "us_per_step": s.us_per_step,
                "us_min": s.us_min,
                "us_max": s.us_max,
                "ns_per_weight": 1e3 * s.us_per_step / s.weights as f64,
                "weights": s.weights,
                "steps_per_round": s.steps_per_round,
                "repeats": config.repeats,
                "layouts": config.layouts,
                "seed": config.seed,
                "warmup_epochs": config.warmup_epochs,
                "warmup_samples": s.warmup_samples,
                "start_loss": s.start_loss,
                "eval_ms": size.map(|z| z.eval_ms),
                "dlr_epoch_seconds": size.and_then(|z| z.dlr_epoch_seconds),
                "simd": simd,
            })
        })
        .collect()
}

/// The table `dlr bench` prints for a [`run`] on the SIMD path `simd`: a
/// line saying what was measured, the column names, and a row per hidden
/// size (µs per step of each optimizer, Adam/DLR, lazy Adam/DLR, DLR/SGD,
/// the test set's evaluation and a DLR epoch), each line ending in a
/// newline.
pub fn table(config: &BenchConfig, steps: &[StepCost], sizes: &[SizeCost], simd: &str) -> String {
    let when = if config.warmup_epochs > 0.0 {
        format!("after a warm-up of {} epochs", config.warmup_epochs)
    } else {
        "from the start of training".into()
    };
    let mut text = format!(
        "per-step cost, batch 1, {when}: median over {} heap layouts of the median of {} rounds, seed {} (SIMD path: {simd})\n",
        config.layouts, config.repeats, config.seed
    );
    let mut header = format!("{:>6}", "H");
    for k in &config.optimizers {
        header += &format!("{:>12}", k.name());
    }
    text += &format!(
        "{header}{:>12}{:>12}{:>12}{:>14}{:>12}\n",
        "adam/dlr", "lazy/dlr", "dlr/sgd", "eval 10k ms", "epoch s"
    );
    for size in sizes {
        let h = size.hidden;
        let cost = |k: OptimizerKind| {
            steps
                .iter()
                .find(|s| s.hidden == h && s.optimizer == k)
                .map(|s| s.us_per_step)
        };
        let mut row = format!("{h:>6}");
        for &k in &config.optimizers {
            row += &format!("{:>10.2}us", cost(k).unwrap_or(f64::NAN));
        }
        let ratio = |a: OptimizerKind, b: OptimizerKind| match (cost(a), cost(b)) {
            (Some(x), Some(y)) => format!("{:.2}", x / y),
            _ => "-".into(),
        };
        let epoch = size
            .dlr_epoch_seconds
            .map_or("-".into(), |s| format!("{s:.3}"));
        text += &format!(
            "{row}{:>12}{:>12}{:>12}{:>14.2}{:>12}\n",
            ratio(OptimizerKind::Adam, OptimizerKind::Dlr),
            ratio(OptimizerKind::AdamLazy, OptimizerKind::Dlr),
            ratio(OptimizerKind::Dlr, OptimizerKind::Sgd),
            size.eval_ms,
            epoch
        );
    }
    text
}

/// A copy of each warmed network and optimizer, with a workspace, starting
/// at position `start` of the timed order. Layout 0 allocates them back to
/// back; the others put a gap of 0–8 KiB before each.
fn allocate_runs(warm: &[Warm], start: usize, layout: usize, gaps: &mut Rng) -> Vec<Run> {
    let mut gap = || -> Vec<u8> {
        let bytes = if layout == 0 {
            0
        } else {
            gaps.below(8192) as usize
        };
        // Written to, so that the allocation is real.
        vec![1; bytes]
    };
    warm.iter()
        .map(|w| {
            let gap_net = gap();
            let net = w.net.clone();
            let gap_opt = gap();
            let opt = w.opt.clone();
            let gap_ws = gap();
            let ws = Workspace::new(&net);
            Run {
                net,
                opt,
                ws,
                next: start,
                rounds: Vec::new(),
                steps: 0,
                _gaps: [gap_net, gap_opt, gap_ws],
            }
        })
        .collect()
}

struct Run {
    net: Network,
    opt: Optimizer,
    ws: Workspace,
    // Next position in the sample order.
    next: usize,
    // Microseconds per step of each round.
    rounds: Vec<f64>,
    steps: usize,
    // Kept alive while the run is measured, so the layout holds.
    _gaps: [Vec<u8>; 3],
}

impl Run {
    /// Seconds per step over `steps` consecutive training steps, and their
    /// mean loss.
    fn time_steps(&mut self, train: &Dataset, order: &[u32], steps: usize) -> (f64, f64) {
        let mut loss_sum = 0.0;
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
            loss_sum += f64::from(loss);
        }
        let t = start.elapsed().as_secs_f64() / steps as f64;
        (t, loss_sum / steps as f64)
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
