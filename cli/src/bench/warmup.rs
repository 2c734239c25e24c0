//! The warm-up of `dlr bench`: each optimizer trained, untimed, for the
//! epochs asked for, in the trainer's way (online, each epoch a fresh
//! shuffle), so that the timed steps are the ones a training pays.

use dlr::dataset::Dataset;
use dlr::network::{Network, Workspace};
use dlr::optim::{Optimizer, OptimizerKind};
use dlr::rng::Rng;

use super::{layer_sizes, BenchConfig};

/// Samples of a warm-up of `epochs` epochs over `n` samples.
pub fn warmup_samples(n: usize, epochs: f64) -> u64 {
    (epochs.max(0.0) * n as f64).round() as u64
}

/// The order of the epoch in which step `samples` (from 0) of a run over
/// `n` samples falls, and that step's position in it: epoch `e` is the
/// `e + 1`-th shuffle of the previous epoch's order by
/// `Rng::new(shuffle_seed(seed))`: the order in which `dlr train --seed
/// seed` (the library's trainer) visits the samples.
pub fn order_after(n: usize, seed: u64, samples: u64) -> (Vec<u32>, usize) {
    let mut order: Vec<u32> = (0..n as u32).collect();
    let mut rng = Rng::new(dlr::train::shuffle_seed(seed));
    let epochs = if n == 0 { 0 } else { samples / n as u64 };
    for _ in 0..=epochs {
        rng.shuffle(&mut order);
    }
    (
        order,
        if n == 0 {
            0
        } else {
            (samples % n as u64) as usize
        },
    )
}

/// An optimizer's network and state after its warm-up.
pub struct Warm {
    /// The trained network.
    pub net: Network,
    /// The optimizer with its state.
    pub opt: Optimizer,
    /// Training steps taken.
    pub samples: u64,
}

/// Trains a fresh network (seed `seed`) with `kind`'s tuned defaults for
/// `samples` online steps over `train`, epoch after epoch in the orders of
/// [`order_after`], without evaluating: the network and state of `dlr
/// train --seed seed` (online, the same defaults) after `samples` steps.
pub fn warm_up(
    train: &Dataset,
    sizes: &[usize],
    kind: OptimizerKind,
    seed: u64,
    samples: u64,
) -> Warm {
    let mut net = Network::new(sizes, seed);
    let mut opt = Optimizer::tuned(net.layers(), kind);
    let mut ws = Workspace::new(&net);
    let n = train.len() as u64;
    let mut done = 0;
    while done < samples && n > 0 {
        let (order, _) = order_after(train.len(), seed, done);
        let take = (samples - done).min(n) as usize;
        for (k, &i) in order[..take].iter().enumerate() {
            if let Some(&next) = order.get(k + 1) {
                train.prefetch(next as usize);
            }
            let i = i as usize;
            std::hint::black_box(net.train_step(
                &mut ws,
                &mut opt,
                train.image(i),
                train.label(i) as usize,
            ));
        }
        done += take as u64;
    }
    Warm {
        net,
        opt,
        samples: done,
    }
}

/// [`warm_up`] for every hidden size and optimizer of `config`, in their
/// order, on one thread per core, the costliest first (so that the threads
/// finish together).
pub(super) fn warm_up_all(
    train: &Dataset,
    test: &Dataset,
    config: &BenchConfig,
    samples: u64,
) -> Vec<Vec<Warm>> {
    let k = config.optimizers.len();
    let mut jobs: Vec<(usize, usize)> = (0..config.hidden.len())
        .flat_map(|h| (0..k).map(move |o| (h, o)))
        .collect();
    // Rough cost of a step: the weights, times the passes over them that
    // a dense momentum (2) or Adam (4) update adds.
    let cost = |&(h, o): &(usize, usize)| {
        let passes = match config.optimizers[o] {
            OptimizerKind::Adam => 4,
            OptimizerKind::AdamLazy => 2,
            OptimizerKind::Nesterov => 2,
            _ => 1,
        };
        config.hidden[h] * passes
    };
    jobs.sort_by_key(|j| std::cmp::Reverse(cost(j)));
    let slots: Vec<std::sync::Mutex<Option<Warm>>> =
        jobs.iter().map(|_| Default::default()).collect();
    let threads = crate::jobs::jobs_or_cores(0);
    let _ = crate::jobs::try_for_each(&jobs, threads, |i, &(h, o)| {
        let sizes = layer_sizes(train, test, config.hidden[h]);
        let warm = warm_up(train, &sizes, config.optimizers[o], config.seed, samples);
        *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(warm);
        Ok::<(), ()>(())
    });
    let mut out: Vec<Vec<Option<Warm>>> = config
        .hidden
        .iter()
        .map(|_| (0..k).map(|_| None).collect())
        .collect();
    for (&(h, o), slot) in jobs.iter().zip(slots) {
        out[h][o] = slot.into_inner().unwrap_or_else(|e| e.into_inner());
    }
    out.into_iter()
        .map(|ws| {
            ws.into_iter()
                .map(|w| w.expect("every warm-up ran"))
                .collect()
        })
        .collect()
}
