//! Same seed and options → byte-identical models, whatever `eval_every` is;
//! a different seed → a different model.

mod common;

use common::synthetic_dataset;
use dlr::network::Network;
use dlr::optim::{Optimizer, OptimizerKind};
use dlr::train::{train, TrainConfig};

fn trained_bytes(kind: OptimizerKind, seed: u64, eval_every: usize, batch: usize) -> Vec<u8> {
    let train_set = synthetic_dataset(600, 6, 6, 1);
    let test_set = synthetic_dataset(100, 6, 6, 2);
    let mut net = Network::new(&[36, 12, 10], seed);
    let mut opt = Optimizer::tuned(net.layers(), kind);
    let config = TrainConfig {
        target: 2.0,
        max_epochs: 1.5,
        eval_every,
        batch,
        seed,
        // Odd eval_every settings also get a different thread count.
        eval_threads: if eval_every == 100 { 1 } else { 2 },
    };
    let report = train(&mut net, &mut opt, &train_set, &test_set, &config, |_| {});
    assert_eq!(report.samples, 900);
    assert!(!report.reached);
    net.to_bytes()
}

#[test]
fn same_seed_gives_identical_models_for_every_optimizer() {
    common::force_requested_path();
    for kind in OptimizerKind::ALL {
        for batch in [1, 8] {
            let a = trained_bytes(kind, 7, 100, batch);
            let b = trained_bytes(kind, 7, 100, batch);
            assert_eq!(a, b, "{kind} batch {batch}: two runs differ");
            let c = trained_bytes(kind, 7, 37, batch);
            assert_eq!(a, c, "{kind} batch {batch}: eval_every changed the model");
            let d = trained_bytes(kind, 8, 100, batch);
            assert_ne!(
                a, d,
                "{kind} batch {batch}: another seed gave the same model"
            );
        }
    }
}

#[test]
fn batched_sgemm_evaluation_agrees_with_the_sparse_path() {
    common::force_requested_path();
    use dlr::network::{BatchWorkspace, Workspace};
    let data = synthetic_dataset(333, 6, 6, 9);
    for seed in 0..3 {
        let net = Network::with_init_scale(&[36, 20, 10], seed, 3.0);
        let sparse = net.count_correct(&mut Workspace::new(&net), &data);
        let dense = net.count_correct_batched(&mut BatchWorkspace::new(&net, 64), &data);
        assert_eq!(sparse, dense, "seed {seed}");
        assert!(
            sparse > 0 && sparse < data.len(),
            "a random net is neither always right nor wrong"
        );
    }
}

#[test]
fn lit_pixel_evaluation_counts_what_the_image_path_counts() {
    common::force_requested_path();
    use dlr::dataset::LitImages;
    use dlr::network::Workspace;
    let data = synthetic_dataset(333, 6, 6, 9);
    let lit = LitImages::new(&data);
    assert_eq!((lit.len(), lit.pixels()), (data.len(), data.pixels()));
    for i in 0..data.len() {
        let (rows, pixels) = lit.lit(i);
        let expected: Vec<(u32, u8)> = (0..data.pixels() as u32)
            .map(|j| (j, data.image(i)[j as usize]))
            .filter(|&(_, p)| p != 0)
            .collect();
        let got: Vec<(u32, u8)> = rows.iter().copied().zip(pixels.iter().copied()).collect();
        assert_eq!(got, expected, "image {i}");
        assert_eq!(lit.label(i), data.label(i));
    }
    // Two layers with 8 to 23 outputs: the evaluation runs groups of images
    // in lockstep (kernels::forward_group), and single images after the
    // last whole group; other output sizes and deeper networks run image by
    // image.
    let shapes: [&[usize]; 6] = [
        &[36, 20, 10],
        &[36, 3, 8],
        &[36, 20, 23],
        &[36, 20, 24],
        &[36, 20, 7],
        &[36, 20, 7, 10],
    ];
    for (seed, shape) in (0..3).flat_map(|s| shapes.map(|shape| (s, shape))) {
        let net = Network::with_init_scale(shape, seed, 3.0);
        let mut ws = Workspace::new(&net);
        for range in [0..data.len(), 17..18, 100..250, 5..5, 3..10, 8..12] {
            let by_image = net.count_correct_in(&mut ws, &data, range.clone());
            let by_lit = net.count_correct_lit(&mut ws, &lit, range.clone());
            assert_eq!(by_lit, by_image, "{shape:?}, seed {seed}, images {range:?}");
        }
        let all = net.count_correct(&mut ws, &data);
        // Threads need `std`; the no_std run of this file skips the loop.
        #[cfg(feature = "std")]
        for threads in [1, 2, 3, 400] {
            assert_eq!(
                net.count_correct_threaded(&data, threads),
                all,
                "{threads} threads"
            );
            assert_eq!(
                net.count_correct_lit_threaded(&lit, threads),
                all,
                "{threads} threads, lit"
            );
        }
        // With one output per class, a random net gets some images right
        // and some wrong (with other output counts it may get none right).
        if shape[shape.len() - 1] == 10 {
            assert!(
                all > 0 && all < data.len(),
                "{shape:?}: a random net is neither always right nor wrong"
            );
        }
    }
}

/// `shuffle_by` hands out the swaps of `shuffle` (`i` from `n − 1` down to
/// 1, `j ≤ i`), which, applied to a slice, give `shuffle`'s permutation;
/// an error stops it at once, having drawn for the swaps made.
#[test]
fn shuffle_by_makes_the_swaps_of_shuffle() {
    use dlr::rng::Rng;
    for n in [0usize, 1, 2, 7, 1000] {
        let mut by_slice: Vec<u32> = (0..n as u32).collect();
        Rng::new(5).shuffle(&mut by_slice);
        let (mut by_swaps, mut calls) = ((0..n as u32).collect::<Vec<_>>(), Vec::new());
        let done: Result<(), ()> = Rng::new(5).shuffle_by(n, |i, j| {
            calls.push((i, j));
            by_swaps.swap(i, j);
            Ok(())
        });
        assert_eq!(done, Ok(()));
        assert_eq!(by_swaps, by_slice, "n = {n}");
        let is: Vec<usize> = calls.iter().map(|&(i, _)| i).collect();
        assert_eq!(is, (1..n).rev().collect::<Vec<_>>(), "n = {n}");
        assert!(calls.iter().all(|&(i, j)| j <= i), "n = {n}");
    }
    let (mut rng, mut calls) = (Rng::new(5), 0);
    let stopped = rng.shuffle_by(1000, |_, _| {
        calls += 1;
        if calls == 3 {
            Err("full")
        } else {
            Ok(())
        }
    });
    assert_eq!((stopped, calls), (Err("full"), 3));
    let mut twin = Rng::new(5);
    for i in [999u64, 998, 997] {
        twin.below(i + 1);
    }
    assert_eq!(rng.state(), twin.state(), "three draws, no more");
}
