//! Backprop against central finite differences of an independent f64
//! forward pass, on random small networks.

#![allow(clippy::needless_range_loop)] // index maths reads like the formulas

mod common;

use dlr::network::{Network, Workspace};
use dlr::rng::Rng;

/// Loss `½ Σ (y − t)²` of `layers` (pre-major f64 copies) on input `x`.
fn loss_f64(layers: &[(usize, usize, Vec<f64>)], x: &[f64], label: usize) -> f64 {
    let mut a = x.to_vec();
    for (n_in, n_out, w) in layers {
        let mut z = vec![0.0; *n_out];
        for j in 0..*n_in {
            for i in 0..*n_out {
                z[i] += w[j * n_out + i] * a[j];
            }
        }
        a = z.iter().map(|z| 1.0 / (1.0 + (-z).exp())).collect();
    }
    a.iter()
        .enumerate()
        .map(|(k, y)| {
            let t = if k == label { 1.0 } else { 0.0 };
            0.5 * (y - t) * (y - t)
        })
        .sum()
}

fn check(sizes: &[usize], seed: u64) {
    let mut rng = Rng::new(seed);
    // Scale 3: outputs away from saturation, gradients not tiny.
    let net = Network::with_init_scale(sizes, seed, 3.0);
    let image: Vec<u8> = (0..sizes[0])
        .map(|_| {
            if rng.uniform() < 0.3 {
                0
            } else {
                (rng.uniform() * 255.0) as u8
            }
        })
        .collect();
    let label = rng.below(*sizes.last().unwrap() as u64) as usize;
    let mut ws = Workspace::new(&net);
    net.forward(&mut ws, &image);
    net.backward(&mut ws, label);

    let x: Vec<f64> = image
        .iter()
        .map(|&p| p as f32 as f64 * (1.0f32 / 255.0) as f64)
        .collect();
    let mut layers: Vec<(usize, usize, Vec<f64>)> = net
        .layers()
        .iter()
        .map(|l| (l.n_in, l.n_out, l.w.iter().map(|&w| w as f64).collect()))
        .collect();
    let h = 1e-6;
    let mut worst = 0.0f64;
    for l in 0..layers.len() {
        let (n_in, n_out) = (layers[l].0, layers[l].1);
        let inputs: Vec<f64> = if l == 0 {
            x.clone()
        } else {
            ws.activations(l - 1).iter().map(|&a| a as f64).collect()
        };
        for j in 0..n_in {
            for i in 0..n_out {
                let k = j * n_out + i;
                let w0 = layers[l].2[k];
                layers[l].2[k] = w0 + h;
                let plus = loss_f64(&layers, &x, label);
                layers[l].2[k] = w0 - h;
                let minus = loss_f64(&layers, &x, label);
                layers[l].2[k] = w0;
                let numeric = (plus - minus) / (2.0 * h);
                let analytic = inputs[j] * ws.deltas(l)[i] as f64;
                let err = (analytic - numeric).abs() / (analytic.abs() + numeric.abs()).max(1e-7);
                worst = worst.max(err);
                assert!(
                    err < 1e-3,
                    "sizes {sizes:?} seed {seed}: layer {l} w[{j},{i}]: analytic {analytic:e}, numeric {numeric:e}, rel err {err:e}"
                );
            }
        }
    }
    assert!(worst.is_finite());
}

#[test]
fn backprop_matches_finite_differences_on_random_small_networks() {
    common::force_requested_path();
    let shapes: [&[usize]; 5] = [
        &[7, 5, 3],
        &[9, 4, 10],
        &[13, 11, 7, 5],
        &[20, 17, 10],
        &[5, 3],
    ];
    for (s, sizes) in shapes.iter().enumerate() {
        for seed in 0..4 {
            check(sizes, 100 * s as u64 + seed);
        }
    }
}
