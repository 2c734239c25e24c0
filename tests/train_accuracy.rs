//! The training-set accuracy a trainer measures at each evaluation
//! ([`Trainer::set_train_accuracy`]) is that of the weights evaluated
//! there: one thread or evaluations overlapped with training, and when the
//! target stops the run (the overlapped trainer then goes back to the
//! evaluation point), the last value is the final network's accuracy on
//! the training set, and measuring never changes the weights.

mod common;

use common::synthetic_dataset;
use dlr::dataset::Dataset;
use dlr::network::{Network, Workspace};
use dlr::optim::{Optimizer, OptimizerKind};
use dlr::train::{TrainConfig, TrainReport, Trainer};

fn run(config: &TrainConfig, measure: bool, data: (&Dataset, &Dataset)) -> (TrainReport, Network) {
    let net = Network::new(&[36, 12, 10], 3);
    let opt = Optimizer::tuned(net.layers(), OptimizerKind::Dlr);
    let mut trainer = Trainer::new(net, opt, data.0, data.1, config);
    trainer.set_train_accuracy(measure);
    trainer.run(|_| {});
    let (net, _, report) = trainer.into_parts();
    (report, net)
}

#[test]
fn train_accuracy_is_that_of_the_evaluated_weights() {
    let train_set = synthetic_dataset(600, 6, 6, 1);
    let test_set = synthetic_dataset(211, 6, 6, 2);
    let data = (&train_set, &test_set);
    // A target reached before the budget, and one never reached.
    for target in [0.6, 2.0] {
        let config = TrainConfig {
            target,
            max_epochs: 3.0,
            eval_every: 50,
            ..TrainConfig::default()
        };
        let (plain, plain_net) = run(
            &TrainConfig {
                eval_threads: 1,
                ..config.clone()
            },
            false,
            data,
        );
        assert!(plain.train_history.is_empty());
        assert_eq!(plain.train_accuracy(), None);
        let mut first: Option<Vec<(u64, f64)>> = None;
        for threads in [1, 2, 3] {
            let (report, net) = run(
                &TrainConfig {
                    eval_threads: threads,
                    ..config.clone()
                },
                true,
                data,
            );
            assert_eq!(net.to_bytes(), plain_net.to_bytes(), "threads {threads}");
            assert_eq!(report.history, plain.history, "threads {threads}");
            let samples: Vec<u64> = report.train_history.iter().map(|h| h.0).collect();
            let want: Vec<u64> = report.history.iter().map(|h| h.0).collect();
            assert_eq!(samples, want, "threads {threads}");
            let mut ws = Workspace::new(&net);
            let correct = net.count_correct(&mut ws, &train_set);
            assert_eq!(
                report.train_accuracy(),
                Some(correct as f64 / train_set.len() as f64),
                "target {target}, threads {threads}"
            );
            match &first {
                None => first = Some(report.train_history.clone()),
                Some(h) => assert_eq!(&report.train_history, h, "threads {threads}"),
            }
        }
        assert_eq!(plain.reached, target < 1.0, "target {target}");
    }
}
