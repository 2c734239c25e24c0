//! The cost of run-time SIMD dispatch: one public kernel call reads the
//! active path (an atomic load) and branches to that path's compiled body.
//! Timed on the smallest call the network makes, a dot product of ten (a
//! hidden unit's back-propagated error at H = 100 has one per unit):
//!
//! - `dispatched`: `kernels::dot` per row, the path chosen at every call;
//! - `once per layer`: `kernels::hidden_delta` over the same rows, the path
//!   chosen once for all of them (as the network's passes do);
//! - `active_path`: the path look-up alone.
//!
//! The best of seven runs of 2,000 rows × 1,000 repetitions, on the active
//! path (`DLR_SIMD=NAME` picks another: this program maps it onto
//! `dlr::simd::force_path`, as the library reads no environment). BENCHMARKS.md ("Run-time dispatch")
//! quotes it.
//!
//! ```sh
//! cargo run --release --example dispatch_cost
//! ```

use std::hint::black_box;
use std::time::Instant;

use dlr::kernels;

fn best_ns_per_row(rows: usize, repeats: usize, mut f: impl FnMut()) -> f64 {
    (0..7)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..repeats {
                f();
            }
            start.elapsed().as_secs_f64() * 1e9 / (rows * repeats) as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    if let Ok(name) = std::env::var("DLR_SIMD") {
        if let Err(e) = dlr::simd::parse_path(&name).and_then(dlr::simd::force_path) {
            eprintln!("dispatch_cost: DLR_SIMD: {e}");
            std::process::exit(2);
        }
    }
    let (rows, n, repeats) = (2000, 10, 1000);
    let w: Vec<f32> = (0..rows * n)
        .map(|i| ((i * 37) % 101) as f32 * 1e-2)
        .collect();
    let d: Vec<f32> = (0..n).map(|i| i as f32 * 0.1 - 0.4).collect();
    let h = vec![0.5f32; rows];
    let mut e = vec![0.0f32; rows];

    let per_call = best_ns_per_row(rows, repeats, || {
        for (ei, row) in e.iter_mut().zip(w.chunks_exact(n)) {
            *ei = 0.25 * kernels::dot(black_box(row), black_box(&d));
        }
        black_box(&e);
    });
    let per_layer = best_ns_per_row(rows, repeats, || {
        kernels::hidden_delta(black_box(&h), black_box(&w), black_box(&d), &mut e);
        black_box(&e);
    });
    let lookup = best_ns_per_row(rows, repeats, || {
        for _ in 0..rows {
            black_box(dlr::simd::active_path());
        }
    });
    println!(
        "path {}: dot of {n} dispatched per call {per_call:.2} ns, \
         once per layer (hidden_delta) {per_layer:.2} ns per row, \
         active_path() alone {lookup:.2} ns",
        dlr::simd::simd_path()
    );
}
