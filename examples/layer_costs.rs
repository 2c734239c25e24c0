//! Where an online step's time goes, per optimizer: forward + backward, the
//! first layer's update (the lit pixels' rows) and the output layer's
//! update (every row), each timed around its call and summed over 50,000
//! real MNIST steps after 5,000 of warm-up, SGD and DLR taking turns twice.
//! BENCHMARKS.md quotes it.
//!
//! ```sh
//! DLR_DATA=../shared/data/mnist cargo run --release --example layer_costs -- 100
//! ```
//!
//! The argument is the hidden size (default 100). The clock is read four
//! times a step, which adds the same few tens of nanoseconds to every
//! optimizer's figures.

mod support;

use std::time::Instant;

use dlr::optim::Grad;
use dlr::optim::LayerUpdate;
use dlr::optim::OptimizerKind;

fn main() {
    let hidden = support::hidden_arg("layer_costs", std::env::args().nth(1), 100);
    let mnist = support::load_mnist("layer_costs");
    let train = &mnist.train;
    let (warm_up, steps) = (5_000, 50_000);
    let kinds = [OptimizerKind::Sgd, OptimizerKind::Dlr];
    for kind in kinds.into_iter().chain(kinds) {
        let (mut net, mut opt, mut ws) = support::warmed_up(train, hidden, kind, warm_up);
        let mut seconds = [0.0f64; 3];
        for i in (warm_up..warm_up + steps).map(|i| i % train.len()) {
            let t0 = Instant::now();
            net.forward(&mut ws, train.image(i));
            net.backward(&mut ws, train.label(i).into());
            opt.begin_step();
            let t1 = Instant::now();
            let (first, output) = net.layers_mut().split_at_mut(1);
            // The gradients as `train_step` passes them.
            let grad = Grad::Outer {
                a: ws.input(),
                active: Some(ws.lit_inputs()),
                delta: ws.deltas(0),
            };
            opt.update_layer(0, &mut first[0].w, hidden, &grad);
            let t2 = Instant::now();
            let grad = Grad::Outer {
                a: ws.activations(0),
                active: None,
                delta: ws.deltas(1),
            };
            opt.update_layer(1, &mut output[0].w, 10, &grad);
            let t3 = Instant::now();
            for (s, (a, b)) in seconds.iter_mut().zip([(t0, t1), (t1, t2), (t2, t3)]) {
                *s += (b - a).as_secs_f64();
            }
        }
        let us = seconds.map(|s| s / steps as f64 * 1e6);
        println!(
            "{kind:<4} H={hidden}: forward+backward {:.3} us, first-layer update {:.3} us, output-layer update {:.3} us",
            us[0], us[1], us[2]
        );
    }
}
