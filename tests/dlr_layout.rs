//! DLR Eq. 1 with one sum per row (`DlrLayout::RowSums`) takes the steps of
//! the lane layout, up to the order of each row's sum of squares, and keeps
//! its cache equal to the squared norms of the weights it leaves.

use dlr::network::{Network, Workspace};
use dlr::optim::{Dlr, DlrLayout, DlrParams};
use dlr::simd::SimdPath;

/// Images of a few lit pixels each, labels 0–9.
fn sample(k: usize, n: usize) -> (Vec<u8>, usize) {
    let image = (0..n)
        .map(|p| {
            if (p * 7 + k * 13) % 11 < 3 {
                ((p + k) % 255) as u8
            } else {
                0
            }
        })
        .collect();
    (image, k % 10)
}

fn train(layout: DlrLayout, sizes: &[usize], steps: usize) -> (Network, Dlr) {
    let mut net = Network::new(sizes, 5);
    let mut opt = Dlr::with_layout(net.layers(), DlrParams::default(), layout).unwrap();
    let mut ws = Workspace::new(&net);
    for k in 0..steps {
        let (image, label) = sample(k, sizes[0]);
        net.train_step(&mut ws, &mut opt, &image, label);
    }
    (net, opt)
}

#[test]
fn row_sums_take_the_lane_layouts_steps() {
    for sizes in [&[64, 20, 10][..], &[50, 17, 9, 10][..]] {
        let (lanes, _) = train(DlrLayout::Lanes, sizes, 500);
        let (sums, opt) = train(DlrLayout::RowSums, sizes, 500);
        assert_eq!(opt.layout(), DlrLayout::RowSums);
        let mut moved = false;
        for ((a, b), start) in lanes
            .layers()
            .iter()
            .zip(sums.layers())
            .zip(Network::new(sizes, 5).layers())
        {
            for ((&x, &y), &w0) in a.w.iter().zip(&b.w).zip(&start.w) {
                assert!((x - y).abs() <= 1e-4 * (1.0 + x.abs()), "{x} against {y}");
                moved |= x != w0;
            }
        }
        assert!(moved, "training changed no weight");
    }
}

#[test]
fn row_sums_cache_the_norms_of_the_weights() {
    let sizes = [64, 20, 10];
    let (net, opt) = train(DlrLayout::RowSums, &sizes, 300);
    for (l, layer) in net.layers().iter().enumerate() {
        let cached = opt.cached_sum_sq(l);
        assert_eq!(cached.len(), layer.n_in);
        for (row, &c) in layer.w.chunks_exact(layer.n_out).zip(&cached) {
            let exact: f64 = row.iter().map(|&w| f64::from(w) * f64::from(w)).sum();
            assert!(
                (c - exact).abs() <= 1e-5 * exact,
                "cached {c}, weights {exact}"
            );
        }
    }
}

#[test]
fn the_layout_follows_the_active_path() {
    // The lanes on a vector path (the pinned desktop models of
    // cli/tests/train_mnist.rs depend on it), one sum per row on the
    // scalar path (the device's arithmetic).
    let net = Network::new(&[4, 3], 1);
    let layout_on = |path: SimdPath| {
        dlr::simd::force_path(path).unwrap();
        Dlr::new(net.layers(), DlrParams::default())
            .unwrap()
            .layout()
    };
    let before = dlr::simd::active_path();
    let vector = SimdPath::ALL
        .into_iter()
        .filter(|&p| p != SimdPath::Scalar && p.is_available())
        .map(|p| (p, layout_on(p)))
        .collect::<Vec<_>>();
    let scalar = layout_on(SimdPath::Scalar);
    dlr::simd::force_path(before).unwrap();
    assert_eq!(scalar, DlrLayout::RowSums);
    assert!(cfg!(not(target_arch = "x86_64")) || !vector.is_empty());
    for (path, layout) in vector {
        assert_eq!(layout, DlrLayout::Lanes, "{path}");
    }
}
