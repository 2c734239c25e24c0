//! DLR's first-layer update in its two passes, timed apart in real MNIST
//! steps: the step factors of the lit pixels' rows (`kernels::dlr_steps`)
//! and the fused row update (`kernels::dlr_rows_lanes`), with the forward
//! and backward pass and the output layer's update around them. 50,000
//! steps after 5,000 of warm-up, twice. BENCHMARKS.md ("Where H = 30's
//! gap comes from") quotes it.
//!
//! ```sh
//! DLR_DATA=../shared/data/mnist cargo run --release --example dlr_passes -- 30
//! DLR_DATA=../shared/data/mnist cargo run --release --example dlr_passes -- 30 --hot
//! ```
//!
//! The first argument is the hidden size (default 30). With `--hot` the
//! steps pass runs twice on the same rows: the second call finds its data
//! in L1, so the difference to a plain run is its cost without misses.
//! The first layer's norm cache is this program's own, filled from the
//! weights after the warm-up, as `Dlr` keeps it.

mod support;

use std::time::Instant;

use dlr::optim::Grad;
use dlr::optim::{DlrParams, LayerUpdate};
use dlr::{kernels, optim::OptimizerKind};

fn main() {
    let mut args = std::env::args().skip(1);
    let hidden = support::hidden_arg("dlr_passes", args.next(), 30);
    let hot = match args.next().as_deref() {
        None => false,
        Some("--hot") => true,
        Some(other) => {
            eprintln!("dlr_passes: unknown argument {other:?} (only --hot)");
            std::process::exit(2);
        }
    };
    let mnist = support::load_mnist("dlr_passes");
    let train = &mnist.train;
    let n_in = train.pixels();
    let (warm_up, steps) = (5_000, 50_000);
    let DlrParams { eta0, alpha, .. } = DlrParams::default();
    for _ in 0..2 {
        let (mut net, mut opt, mut ws) =
            support::warmed_up(train, hidden, OptimizerKind::Dlr, warm_up);
        // Eight lane sums of squares per row, as the row kernel leaves
        // them: a zero step leaves the weights as they are.
        let mut lanes = vec![0.0f32; n_in * 8];
        let zeros = vec![0.0f32; hidden];
        for (j, row) in net.layers_mut()[0].w.chunks_exact_mut(hidden).enumerate() {
            lanes[j * 8..(j + 1) * 8]
                .copy_from_slice(&kernels::dlr_row_lanes(row, 0.0, alpha, &zeros));
        }
        let mut step = vec![0.0f32; n_in];
        let mut seconds = [0.0f64; 4];
        for i in (warm_up..warm_up + steps).map(|i| i % train.len()) {
            let t0 = Instant::now();
            net.forward(&mut ws, train.image(i));
            net.backward(&mut ws, train.label(i).into());
            opt.begin_step();
            let t1 = Instant::now();
            let (first, output) = net.layers_mut().split_at_mut(1);
            let rows = ws.lit_inputs();
            let step = &mut step[..rows.len()];
            kernels::dlr_steps(rows, ws.input(), &lanes, eta0, alpha, step);
            if hot {
                kernels::dlr_steps(rows, ws.input(), &lanes, eta0, alpha, step);
            }
            let t2 = Instant::now();
            kernels::dlr_rows_lanes(&mut first[0].w, rows, step, alpha, ws.deltas(0), &mut lanes);
            let t3 = Instant::now();
            let grad = Grad::Outer {
                a: ws.activations(0),
                active: None,
                delta: ws.deltas(1),
            };
            opt.update_layer(1, &mut output[0].w, 10, &grad);
            let t4 = Instant::now();
            for (s, (a, b)) in seconds
                .iter_mut()
                .zip([(t0, t1), (t1, t2), (t2, t3), (t3, t4)])
            {
                *s += (b - a).as_secs_f64();
            }
        }
        let us = seconds.map(|s| s / steps as f64 * 1e6);
        println!(
            "dlr H={hidden}: forward+backward {:.3} us, steps pass{} {:.3} us, row update {:.3} us, output-layer update {:.3} us",
            us[0],
            if hot { " (twice)" } else { "" },
            us[1],
            us[2],
            us[3]
        );
    }
}
