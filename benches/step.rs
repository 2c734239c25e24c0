//! Criterion bench of one online training step (forward, backward, update;
//! batch 1) for every optimizer and hidden size, on MNIST-like synthetic
//! images (28×28, about 150 lit pixels). `dlr bench` measures the same on
//! real MNIST.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use dlr::network::{Network, Workspace};
use dlr::optim::{Optimizer, OptimizerKind};
use dlr::rng::Rng;

fn steps(c: &mut Criterion) {
    let mut rng = Rng::new(3);
    let images: Vec<Vec<u8>> = (0..256)
        .map(|_| {
            (0..784)
                .map(|_| {
                    if rng.uniform() < 0.19 {
                        (rng.uniform() * 255.0) as u8
                    } else {
                        0
                    }
                })
                .collect()
        })
        .collect();
    for h in [30usize, 100, 300, 1000] {
        let mut g = c.benchmark_group(format!("step H={h}"));
        for kind in OptimizerKind::ALL {
            let mut net = Network::new(&[784, h, 10], 1);
            let mut opt = Optimizer::tuned(net.layers(), kind);
            let mut ws = Workspace::new(&net);
            let mut i = 0;
            g.bench_function(BenchmarkId::from_parameter(kind.name()), |b| {
                b.iter(|| {
                    i = (i + 1) % images.len();
                    net.train_step(&mut ws, &mut opt, black_box(&images[i]), i % 10)
                })
            });
        }
        g.finish();
    }
}

criterion_group!(benches, steps);
criterion_main!(benches);
