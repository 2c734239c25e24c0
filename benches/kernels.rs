//! Criterion benches: every SIMD kernel against its scalar twin at the sizes
//! of a 784-H-10 network (rows of H = 32, 100, 300 weights, and of 10).
//!
//! `cargo bench --bench kernels`; throughput is in elements per second.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dlr::dataset::Dataset;
use dlr::kernels::{self, reference};
use dlr::network::{BatchWorkspace, Network, Workspace};
use dlr::optim::{Grad, LayerUpdate, Optimizer, OptimizerKind};
use dlr::rng::Rng;
use wide::f32x8;

fn data(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| rng.uniform_symmetric(1.0)).collect()
}

fn rows(c: &mut Criterion) {
    let mut g = c.benchmark_group("row kernels");
    for n in [10usize, 32, 100, 300] {
        g.throughput(Throughput::Elements(n as u64));
        let d = data(n, 1);
        let mut w = data(n, 2);
        let mut v = vec![0.0f32; n];
        let mut m = vec![0.0f32; n];
        let mut s = vec![1.0f32; n];
        g.bench_with_input(BenchmarkId::new("dlr_row simd", n), &n, |b, _| {
            b.iter(|| kernels::dlr_row(black_box(&mut w), 1e-6, 0.4, black_box(&d)))
        });
        g.bench_with_input(BenchmarkId::new("dlr_row twin", n), &n, |b, _| {
            b.iter(|| reference::dlr_row(black_box(&mut w), 1e-6, 0.4, black_box(&d)))
        });
        g.bench_with_input(BenchmarkId::new("dlr_post_row simd", n), &n, |b, _| {
            b.iter(|| kernels::dlr_post_row(black_box(&mut w), 1e-6, 0.4, black_box(&d), &mut s))
        });
        g.bench_with_input(BenchmarkId::new("dlr_post_row twin", n), &n, |b, _| {
            b.iter(|| reference::dlr_post_row(black_box(&mut w), 1e-6, 0.4, black_box(&d), &mut s))
        });
        g.bench_with_input(BenchmarkId::new("sgd_row simd", n), &n, |b, _| {
            b.iter(|| kernels::sgd_row(black_box(&mut w), 1e-6, black_box(&d)))
        });
        g.bench_with_input(BenchmarkId::new("sgd_row twin", n), &n, |b, _| {
            b.iter(|| reference::sgd_row(black_box(&mut w), 1e-6, black_box(&d)))
        });
        g.bench_with_input(BenchmarkId::new("adam_row simd", n), &n, |b, _| {
            b.iter(|| {
                kernels::adam_row(
                    black_box(&mut w),
                    &mut m,
                    &mut v,
                    1.0,
                    &d,
                    0.9,
                    0.999,
                    1e-6,
                    1.0,
                    1e-8,
                )
            })
        });
        g.bench_with_input(BenchmarkId::new("adam_row twin", n), &n, |b, _| {
            b.iter(|| {
                reference::adam_row(
                    black_box(&mut w),
                    &mut m,
                    &mut v,
                    1.0,
                    &d,
                    0.9,
                    0.999,
                    1e-6,
                    1.0,
                    1e-8,
                )
            })
        });
        g.bench_with_input(BenchmarkId::new("adam_decay_row simd", n), &n, |b, _| {
            b.iter(|| {
                kernels::adam_decay_row(
                    black_box(&mut w),
                    &mut m,
                    &mut v,
                    0.9,
                    0.999,
                    1e-6,
                    1.0,
                    1e-8,
                )
            })
        });
        g.bench_with_input(BenchmarkId::new("adam_decay_row twin", n), &n, |b, _| {
            b.iter(|| {
                reference::adam_decay_row(
                    black_box(&mut w),
                    &mut m,
                    &mut v,
                    0.9,
                    0.999,
                    1e-6,
                    1.0,
                    1e-8,
                )
            })
        });
        g.bench_with_input(BenchmarkId::new("sigmoid simd", n), &n, |b, _| {
            b.iter(|| {
                let mut z = d.clone();
                kernels::sigmoid(black_box(&mut z));
                z
            })
        });
        g.bench_with_input(BenchmarkId::new("sigmoid twin", n), &n, |b, _| {
            b.iter(|| {
                let mut z = d.clone();
                reference::sigmoid(black_box(&mut z));
                z
            })
        });
    }
    g.finish();
}

/// The kernels a step runs over a layer's listed rows: 150 of 784 rows
/// (an MNIST image's lit pixels) of H = 10 (the output layer's row
/// length), 30 (the short-row path), 100 and 300 weights.
fn listed_rows(c: &mut Criterion) {
    let mut g = c.benchmark_group("listed rows, 150 of 784");
    let rows: Vec<u32> = (0..784).step_by(5).take(150).collect();
    let a: Vec<f32> = data(784, 5).iter().map(|x| x.abs() + 0.01).collect();
    let row_lanes: Vec<f32> = data(784 * 8, 6).iter().map(|x| x.abs()).collect();
    let mut step = vec![0.0f32; rows.len()];
    g.throughput(Throughput::Elements(rows.len() as u64));
    g.bench_function("dlr_steps simd", |b| {
        b.iter(|| kernels::dlr_steps(&rows, black_box(&a), &row_lanes, 2.0, 0.3, &mut step))
    });
    g.bench_function("dlr_steps twin", |b| {
        b.iter(|| reference::dlr_steps(&rows, black_box(&a), &row_lanes, 2.0, 0.3, &mut step))
    });
    for n in [10usize, 30, 100, 300] {
        let mut w = data(784 * n, 7);
        let d: Vec<f32> = data(n, 8).iter().map(|x| x * 1e-6).collect();
        let mut lanes = row_lanes.clone();
        g.throughput(Throughput::Elements((rows.len() * n) as u64));
        g.bench_with_input(BenchmarkId::new("dlr_rows_lanes simd", n), &n, |b, _| {
            b.iter(|| kernels::dlr_rows_lanes(black_box(&mut w), &rows, &step, 0.3, &d, &mut lanes))
        });
        g.bench_with_input(BenchmarkId::new("dlr_rows_lanes twin", n), &n, |b, _| {
            b.iter(|| {
                reference::dlr_rows_lanes(black_box(&mut w), &rows, &step, 0.3, &d, &mut lanes)
            })
        });
        g.bench_with_input(BenchmarkId::new("sgd_rows simd", n), &n, |b, _| {
            b.iter(|| kernels::sgd_rows(black_box(&mut w), Some(&rows), &a, 1e-6, &d))
        });
        g.bench_with_input(BenchmarkId::new("sgd_rows twin", n), &n, |b, _| {
            b.iter(|| reference::sgd_rows(black_box(&mut w), Some(&rows), &a, 1e-6, &d))
        });
    }
    g.finish();
}

/// A ten-class output layer's update, where a step lists every row (rows of
/// ten go four at a time): `dlr_rows_lanes` over rows `0..H` against its
/// twin and against SGD's `sgd_rows`.
fn output_layer(c: &mut Criterion) {
    let mut g = c.benchmark_group("output layer, every row of ten");
    for h in [100usize, 300, 1000] {
        let mut w = data(h * 10, 9);
        let d: Vec<f32> = data(10, 10).iter().map(|x| x * 1e-6).collect();
        let a: Vec<f32> = data(h, 11).iter().map(|x| x.abs() + 0.01).collect();
        let rows: Vec<u32> = (0..h as u32).collect();
        let step: Vec<f32> = a.iter().map(|x| x * 1e-3).collect();
        let mut lanes: Vec<f32> = data(h * 8, 12).iter().map(|x| x.abs()).collect();
        g.throughput(Throughput::Elements((h * 10) as u64));
        g.bench_with_input(BenchmarkId::new("dlr_rows_lanes simd", h), &h, |b, _| {
            b.iter(|| kernels::dlr_rows_lanes(black_box(&mut w), &rows, &step, 0.3, &d, &mut lanes))
        });
        g.bench_with_input(BenchmarkId::new("dlr_rows_lanes twin", h), &h, |b, _| {
            b.iter(|| {
                reference::dlr_rows_lanes(black_box(&mut w), &rows, &step, 0.3, &d, &mut lanes)
            })
        });
        g.bench_with_input(BenchmarkId::new("sgd_rows simd", h), &h, |b, _| {
            b.iter(|| kernels::sgd_rows(black_box(&mut w), None, &a, 1e-6, &d))
        });
        // The evaluation's forward pass through this layer: four images in
        // lockstep, against one at a time and against the twin.
        let a4: Vec<f32> = data(kernels::GROUP * h, 20)
            .iter()
            .map(|x| x.abs())
            .collect();
        let mut z = vec![0.0f32; kernels::GROUP * 10];
        g.bench_with_input(BenchmarkId::new("forward_group simd", h), &h, |b, _| {
            b.iter(|| kernels::forward_group(black_box(&mut z), &w, &a4))
        });
        g.bench_with_input(
            BenchmarkId::new("forward_rows simd, 4 images", h),
            &h,
            |b, _| {
                b.iter(|| {
                    for (zg, ag) in black_box(&mut z)
                        .chunks_exact_mut(10)
                        .zip(a4.chunks_exact(h))
                    {
                        kernels::forward_rows(zg, &w, ag, &rows);
                    }
                })
            },
        );
        g.bench_with_input(BenchmarkId::new("forward_group twin", h), &h, |b, _| {
            b.iter(|| reference::forward_group(black_box(&mut z), &w, &a4))
        });
    }
    g.finish();
}

fn forward(c: &mut Criterion) {
    let mut g = c.benchmark_group("first-layer forward, 150 of 784 inputs");
    for h in [32usize, 100, 300] {
        let w = data(784 * h, 3);
        let x = data(784, 4);
        let active: Vec<u32> = (0..784).step_by(5).take(150).collect();
        let mut z = vec![0.0f32; h];
        g.throughput(Throughput::Elements((150 * h) as u64));
        g.bench_with_input(BenchmarkId::new("forward_rows simd", h), &h, |b, _| {
            b.iter(|| kernels::forward_rows(black_box(&mut z), &w, &x, &active))
        });
        g.bench_with_input(BenchmarkId::new("forward_rows twin", h), &h, |b, _| {
            b.iter(|| reference::forward_rows(black_box(&mut z), &w, &x, &active))
        });
    }
    g.finish();
}

/// The textbook two-pass DLR step on a dense layer, in SIMD: first every
/// row norm, then every weight with its own rate
/// `η_ij = η₀ (|w_ij| + α) / (‖w_·j‖ + α)` (a division per weight).
fn two_pass_dlr(w: &mut [f32], n_out: usize, a: &[f32], delta: &[f32], eta0: f32, alpha: f32) {
    let norms: Vec<f32> = w
        .chunks_exact(n_out)
        .map(|row| kernels::sum_squares(row).sqrt())
        .collect();
    for ((row, &aj), &norm) in w.chunks_exact_mut(n_out).zip(a).zip(&norms) {
        let (head, tail) = row.as_chunks_mut::<8>();
        let (d_head, d_tail) = delta.as_chunks::<8>();
        let (e, al, nv, av) = (
            f32x8::splat(eta0),
            f32x8::splat(alpha),
            f32x8::splat(norm),
            f32x8::splat(aj),
        );
        for (wc, dc) in head.iter_mut().zip(d_head) {
            let wv = f32x8::from(*wc);
            let eta = e * (wv.abs() + al) / (nv + al);
            *wc = (wv - eta * av * f32x8::from(*dc)).to_array();
        }
        for (wi, &di) in tail.iter_mut().zip(d_tail) {
            let eta = eta0 * (wi.abs() + alpha) / (norm + alpha);
            *wi -= eta * aj * di;
        }
    }
}

fn dlr_layer(c: &mut Criterion) {
    // A dense 784×100 layer, every input non-zero: the whole layer moves.
    let (n_in, n_out) = (784, 100);
    let mut g = c.benchmark_group("dense 784x100 layer update");
    g.throughput(Throughput::Elements((n_in * n_out) as u64));
    let mut net = Network::new(&[n_in, n_out], 1);
    let a: Vec<f32> = data(n_in, 5).iter().map(|x| 0.5 + 0.5 * x).collect();
    let delta: Vec<f32> = data(n_out, 6).iter().map(|x| 1e-4 * x).collect();
    let grad = Grad::Outer {
        a: &a,
        active: None,
        delta: &delta,
    };
    let mut dlr = Optimizer::tuned(net.layers(), OptimizerKind::Dlr);
    let mut sgd = Optimizer::tuned(net.layers(), OptimizerKind::Sgd);
    g.bench_function("dlr fused single pass", |b| {
        b.iter(|| {
            let layer = &mut net.layers_mut()[0];
            dlr.update_layer(0, &mut layer.w, n_out, black_box(&grad))
        })
    });
    g.bench_function("dlr textbook two-pass", |b| {
        b.iter(|| {
            two_pass_dlr(
                &mut net.layers_mut()[0].w,
                n_out,
                &a,
                black_box(&delta),
                2.0,
                0.4,
            )
        })
    });
    g.bench_function("sgd", |b| {
        b.iter(|| {
            let layer = &mut net.layers_mut()[0];
            sgd.update_layer(0, &mut layer.w, n_out, black_box(&grad))
        })
    });
    g.finish();
}

fn evaluation(c: &mut Criterion) {
    // Synthetic MNIST-like images: 28×28, about a fifth of the pixels lit.
    let mut rng = Rng::new(7);
    let n = 2000;
    let images: Vec<u8> = (0..n * 784)
        .map(|_| {
            if rng.uniform() < 0.19 {
                (rng.uniform() * 255.0) as u8
            } else {
                0
            }
        })
        .collect();
    let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
    let set = Dataset::from_parts(images, labels, 28, 28).expect("well formed");
    let mut g = c.benchmark_group("evaluate 2000 images, 784-100-10");
    g.throughput(Throughput::Elements(n as u64));
    let net = Network::new(&[784, 100, 10], 1);
    let mut ws = Workspace::new(&net);
    let mut bws = BatchWorkspace::new(&net, 256);
    g.bench_function("sparse rows", |b| {
        b.iter(|| net.count_correct(&mut ws, black_box(&set)))
    });
    g.bench_function("sgemm batches of 256", |b| {
        b.iter(|| net.count_correct_batched(&mut bws, black_box(&set)))
    });
    g.finish();
}

criterion_group!(
    benches,
    rows,
    listed_rows,
    output_layer,
    forward,
    dlr_layer,
    evaluation
);
criterion_main!(benches);
