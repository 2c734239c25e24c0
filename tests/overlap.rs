//! Evaluation overlapped with training (`eval_threads` ≥ 2) ends every run
//! exactly where one evaluation at a time (`eval_threads` 1) ends it: the
//! same stop sample, accuracy history, weights, optimizer state and
//! checkpoints (but for the seconds they record), whether the run stops at
//! the target, at the budget or on divergence.

mod common;

use common::synthetic_dataset;
use dlr::checkpoint::Checkpoint;
use dlr::dataset::Dataset;
use dlr::network::Network;
use dlr::optim::{
    AdamParams, NesterovParams, Optimizer, OptimizerKind, OptimizerParams, SgdParams,
};
use dlr::train::{Event, TrainConfig, TrainReport, Trainer};

struct Outcome {
    report: TrainReport,
    events: Vec<(u64, f64)>,
    // Every checkpoint written, timings zeroed.
    checkpoints: Vec<Vec<u8>>,
    // The final state, timings zeroed.
    last: Vec<u8>,
}

fn without_timings(mut ck: Checkpoint) -> Vec<u8> {
    ck.progress.train_seconds = 0.0;
    ck.progress.eval_seconds = 0.0;
    ck.to_bytes()
}

fn run(
    params: OptimizerParams,
    config: &TrainConfig,
    checkpoint_every: Option<u64>,
    data: (&Dataset, &Dataset),
) -> Outcome {
    let net = Network::new(&[36, 12, 10], 3);
    let opt = Optimizer::new(net.layers(), params).expect("valid parameters");
    let mut trainer = Trainer::new(net, opt, data.0, data.1, config);
    let mut events = Vec::new();
    let mut checkpoints = Vec::new();
    let on_event = |e: &Event| {
        let Event::Eval { samples, accuracy } = *e;
        events.push((samples, accuracy));
    };
    match checkpoint_every {
        Some(every) => {
            trainer
                .run_with_checkpoints(every, on_event, |ck| {
                    checkpoints.push(without_timings(ck.clone()));
                    Ok::<(), ()>(())
                })
                .expect("saving never fails here");
        }
        None => trainer.run(on_event),
    }
    let last = trainer
        .checkpoint()
        .map(without_timings)
        .unwrap_or_default();
    Outcome {
        report: trainer.report(),
        events,
        checkpoints,
        last,
    }
}

/// Runs `params` with one evaluation thread and with 2 and 3, and asserts
/// that the overlapped runs end as the sequential one does. Returns the
/// sequential report.
fn assert_overlap_matches(
    what: &str,
    params: OptimizerParams,
    config: TrainConfig,
    checkpoint_every: Option<u64>,
) -> TrainReport {
    let train_set = synthetic_dataset(600, 6, 6, 1);
    let test_set = synthetic_dataset(211, 6, 6, 2);
    let data = (&train_set, &test_set);
    let sequential = run(
        params,
        &TrainConfig {
            eval_threads: 1,
            ..config.clone()
        },
        checkpoint_every,
        data,
    );
    for threads in [2, 3] {
        let overlapped = run(
            params,
            &TrainConfig {
                eval_threads: threads,
                ..config.clone()
            },
            checkpoint_every,
            data,
        );
        assert_same_end(
            &format!("{what}, {threads} threads"),
            &overlapped.report,
            &sequential.report,
        );
        assert_eq!(
            overlapped.events, sequential.events,
            "{what}, {threads} threads: events"
        );
        assert_eq!(
            overlapped.checkpoints, sequential.checkpoints,
            "{what}, {threads} threads: checkpoints"
        );
        assert!(
            overlapped.last == sequential.last,
            "{what}, {threads} threads: the final state differs"
        );
    }
    sequential.report
}

/// Asserts that `overlapped` ended where `sequential` did: the same stop
/// sample, evaluations, and reason to stop.
#[track_caller]
fn assert_same_end(what: &str, overlapped: &TrainReport, sequential: &TrainReport) {
    let (o, s) = (overlapped, sequential);
    assert_eq!(o.samples, s.samples, "{what}: stop sample");
    assert_eq!(o.history, s.history, "{what}: history");
    assert_eq!(o.reached, s.reached, "{what}: reached");
    assert_eq!(o.diverged_at, s.diverged_at, "{what}: divergence");
}

fn config(target: f64, max_epochs: f64, eval_every: usize) -> TrainConfig {
    TrainConfig {
        target,
        max_epochs,
        eval_every,
        ..TrainConfig::default()
    }
}

#[test]
fn stopping_at_the_target_goes_back_to_that_evaluation() {
    for kind in OptimizerKind::ALL {
        let params = OptimizerParams::default_for(kind);
        // A target the run reaches part-way, so that the overlapped run has
        // trained past its stop and must go back.
        let report = assert_overlap_matches(&format!("{kind}"), params, config(0.6, 5.0, 50), None);
        assert!(
            report.reached && report.history.len() > 2,
            "{kind}: the case must stop at the target after a few evaluations ({report:?})"
        );
    }
}

#[test]
fn the_budget_end_is_the_same() {
    for kind in [OptimizerKind::Adam, OptimizerKind::Dlr] {
        let report = assert_overlap_matches(
            &format!("{kind}"),
            OptimizerParams::default_for(kind),
            config(2.0, 0.9, 70),
            None,
        );
        assert!(!report.reached && report.samples == 540, "{report:?}");
    }
}

#[test]
fn checkpoints_are_written_with_the_same_bits() {
    // Checkpoints more and less often than evaluations, and the stop.
    for every in [30, 125] {
        let report = assert_overlap_matches(
            &format!("checkpoint every {every}"),
            OptimizerParams::Adam(AdamParams::default()),
            config(0.6, 5.0, 50),
            Some(every),
        );
        assert!(report.reached, "{report:?}");
    }
}

#[test]
fn a_diverging_run_stops_where_it_would_one_evaluation_at_a_time() {
    // Steps so large that the weights overflow after some hundred steps,
    // with evaluations at and between the steps where that shows.
    let cases = [
        OptimizerParams::Sgd(SgdParams { lr: 3e38 }),
        OptimizerParams::Nesterov(NesterovParams {
            lr: 1e38,
            ..NesterovParams::default()
        }),
    ];
    for params in cases {
        for eval_every in [20, 30] {
            let what = format!("{params:?}, eval every {eval_every}");
            let report = assert_overlap_matches(&what, params, config(2.0, 3.0, eval_every), None);
            println!("{what}: {:?} {}", report.diverged_at, report.samples);
            assert!(
                report.diverged_at.is_some() && report.history.len() > 2,
                "{what}: the case must diverge after a few evaluations ({report:?})"
            );
        }
    }
}

/// SGD that writes NaN into the output layer at step `at`, so that the
/// loss of step `at + 1` is NaN: a divergence between two evaluations.
#[derive(Clone)]
struct PoisonedAt {
    sgd: dlr::optim::Sgd,
    step: u64,
    at: u64,
}

impl dlr::optim::LayerUpdate for PoisonedAt {
    fn begin_step(&mut self) {
        self.step += 1;
        self.sgd.begin_step();
    }
    fn update_layer(
        &mut self,
        layer: usize,
        w: &mut [f32],
        n_out: usize,
        grad: &dlr::optim::Grad<'_>,
    ) {
        self.sgd.update_layer(layer, w, n_out, grad);
        if layer == 1 && self.step == self.at {
            w.fill(f32::NAN);
        }
    }
    fn learning_rate(&self) -> f32 {
        self.sgd.learning_rate()
    }
    fn set_learning_rate(&mut self, lr: f32) {
        self.sgd.set_learning_rate(lr);
    }
}

#[test]
fn a_loss_diverging_between_evaluations_stops_the_run_there() {
    let train_set = synthetic_dataset(600, 6, 6, 1);
    let test_set = synthetic_dataset(211, 6, 6, 2);
    // Poisoned just before, at and just after an evaluation point (100),
    // and where an earlier evaluation reaches the target first (0.15, at 150).
    for (at, target) in [(97, 2.0), (99, 2.0), (100, 2.0), (101, 2.0), (157, 0.15)] {
        let run = |threads: usize| {
            let net = Network::new(&[36, 12, 10], 3);
            let sgd = dlr::optim::Sgd::new(net.layers(), SgdParams::default()).expect("valid");
            let opt = PoisonedAt { sgd, step: 0, at };
            let config = TrainConfig {
                eval_threads: threads,
                ..config(target, 3.0, 50)
            };
            let mut trainer = Trainer::new(net, opt, &train_set, &test_set, &config);
            trainer.run(|_| {});
            let bytes = trainer.network().to_bytes();
            let steps = trainer.steps();
            (trainer.report(), bytes, steps)
        };
        let (s, s_bytes, s_steps) = run(1);
        if target > 1.0 {
            assert!(s.diverged_at.is_some(), "poisoned at {at}: {s:?}");
        } else {
            assert!(
                s.reached && s.diverged_at.is_none(),
                "poisoned at {at}: {s:?}"
            );
        }
        for threads in [2, 3] {
            let (o, o_bytes, o_steps) = run(threads);
            assert_same_end(&format!("poisoned at {at}, {threads} threads"), &o, &s);
            assert_eq!(o_steps, s_steps, "poisoned at {at}, {threads} threads");
            assert!(
                o_bytes == s_bytes,
                "poisoned at {at}, {threads} threads: weights"
            );
        }
    }
}
