//! DLR's listed-row update with memory out of the picture: 150 consecutive
//! rows of H weights (at H = 30, 18 KB, which stay in L1) updated over and
//! over by `kernels::dlr_rows_lanes`, as a step at H = 30 updates an MNIST
//! image's 150 lit pixels' rows. The best of five runs of 300,000 calls.
//! BENCHMARKS.md ("Where H = 30's gap comes from") quotes it, and times
//! variants of the kernel with it.
//!
//! ```sh
//! cargo run --release --example rows_in_l1 -- 30
//! ```
//!
//! The argument is the row length H (default 30).

mod support;

use std::hint::black_box;
use std::time::Instant;

use dlr::kernels;

fn main() {
    let hidden = support::hidden_arg("rows_in_l1", std::env::args().nth(1), 30);
    let n_rows = 150;
    let rows: Vec<u32> = (0..n_rows as u32).collect();
    let mut w: Vec<f32> = (0..n_rows * hidden)
        .map(|i| ((i * 7919) % 1000) as f32 * 1e-4 - 0.05)
        .collect();
    let mut lanes = vec![0.0f32; n_rows * 8];
    // Tiny steps and deltas: the weights stay where they started over the
    // 1.5 million updates (no subnormal or huge values to slow them).
    let delta: Vec<f32> = (0..hidden).map(|i| (i as f32 - 15.0) * 1e-7).collect();
    let step: Vec<f32> = (0..n_rows).map(|j| (j % 7) as f32 * 1e-3 + 1e-3).collect();
    let calls = 300_000;
    let best = (0..5)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..calls {
                kernels::dlr_rows_lanes(
                    &mut w,
                    black_box(&rows),
                    &step,
                    0.3,
                    black_box(&delta),
                    &mut lanes,
                );
            }
            start.elapsed().as_secs_f64() / calls as f64 * 1e9
        })
        .fold(f64::INFINITY, f64::min);
    println!(
        "dlr_rows_lanes, {n_rows} rows of {hidden} in L1: {best:.0} ns ({:.2} ns a row)",
        best / n_rows as f64
    );
}
