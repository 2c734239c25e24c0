//! A program that keeps its samples itself (the Cortex-M4 firmware streams
//! them from its host) runs the trainer's loop by following a
//! `dlr::train::Schedule` around its own steps: the same shuffled order,
//! evaluations, stop and report, and the same weights to the bit.

mod common;

use dlr::dataset::Dataset;
use dlr::network::{Network, Workspace};
use dlr::optim::{LayerUpdate, Optimizer, OptimizerKind};
use dlr::rng::Rng;
use dlr::train::{shuffle_seed, Next, Schedule, TrainConfig, TrainReport, Trainer};

/// The firmware's loop: samples fetched one at a time by index from
/// `fetch`, the order drawn with `Rng::shuffle`, evaluation by
/// `Network::predict` one test image at a time.
fn streamed(
    net: &mut Network,
    opt: &mut impl LayerUpdate,
    train: &Dataset,
    test: &Dataset,
    config: &TrainConfig,
) -> TrainReport {
    let fetch = |i: usize| (train.image(i).to_vec(), train.label(i) as usize);
    let n = train.len();
    let mut ws = Workspace::new(net);
    let mut rng = Rng::new(shuffle_seed(config.seed));
    let mut order: Vec<u32> = (0..n as u32).collect();
    let mut pos = n;
    let mut schedule = Schedule::new(config, n);
    while schedule.wants_step() {
        if pos == n {
            rng.shuffle(&mut order);
            pos = 0;
        }
        let (image, label) = fetch(order[pos] as usize);
        pos += 1;
        let loss = net.train_step(&mut ws, opt, &image, label);
        if schedule.stepped(1, loss) == Next::Evaluate {
            let correct = (0..test.len())
                .filter(|&i| net.predict(&mut ws, test.image(i)) == test.label(i) as usize)
                .count();
            schedule.evaluated(correct as f64 / test.len() as f64, net.is_finite());
        }
    }
    schedule.report(n)
}

fn without_seconds(mut r: TrainReport) -> TrainReport {
    (r.train_seconds, r.eval_seconds) = (0.0, 0.0);
    r
}

#[test]
fn a_streamed_loop_on_a_schedule_is_the_trainers_run() {
    let train = common::synthetic_dataset(150, 6, 6, 1);
    let test = common::synthetic_dataset(40, 6, 6, 2);
    let sizes = [36, 12, 10];
    // A budget that ends mid-epoch, evaluations between and at the end; a
    // target that stops the run early.
    for (target, max_epochs, eval_every) in [(2.0, 2.3, 70), (0.3, 20.0, 25)] {
        for kind in [OptimizerKind::Dlr, OptimizerKind::Sgd, OptimizerKind::Adam] {
            let config = TrainConfig {
                target,
                max_epochs,
                eval_every,
                seed: 9,
                ..TrainConfig::default()
            };
            let net = Network::new(&sizes, config.seed);
            let opt = Optimizer::tuned(net.layers(), kind);
            let mut trainer = Trainer::new(net.clone(), opt.clone(), &train, &test, &config);
            trainer.run(|_| {});
            let (desktop_net, _, desktop) = trainer.into_parts();

            let (mut device_net, mut device_opt) = (net, opt);
            let device = streamed(&mut device_net, &mut device_opt, &train, &test, &config);
            assert_eq!(
                without_seconds(device),
                without_seconds(desktop.clone()),
                "{kind}"
            );
            assert_eq!(device_net.to_bytes(), desktop_net.to_bytes(), "{kind}");
            assert!(desktop.samples > 0 && !desktop.history.is_empty());
        }
    }
}
