//! Criterion benches: every SIMD kernel against its scalar twin at the sizes
//! of a 784-H-10 network (rows of H = 32, 100, 300 weights, and of 10).
//!
//! `cargo bench --bench kernels`; throughput is in elements per second.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dlr::kernels::{self, reference};
use dlr::rng::Rng;

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

criterion_group!(benches, rows, forward);
criterion_main!(benches);
