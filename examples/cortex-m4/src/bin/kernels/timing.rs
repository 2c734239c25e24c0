//! The instructions one call of each kernel, and one prediction, take at
//! the sizes of a 784-32-10 step (meaningful under QEMU's
//! `-icount shift=0`).

use alloc::vec;
use alloc::vec::Vec;

use dlr::kernels::{self, reference};
use dlr::rng::Rng;
use dlr_cortex_m4::{icount, outln};

use crate::uniform;

/// Instructions of one call of each kernel at a 784-32-10 step's sizes
/// (150 lit pixels of 200 rows, the heap holding no more), each the mean of
/// 20 calls; for `forward_lit`, which the scalar path runs in register
/// blocks, its twin's plain loop as well.
pub fn instructions_per_call(rng: &mut Rng) {
    const CALLS: u64 = 20;
    let (n_in, lit, h, out) = (200, 150, 32, 10);
    let w = uniform(rng, n_in * h, -0.1, 0.1);
    let mut rows: Vec<u32> = (0..n_in as u32).collect();
    rng.shuffle(&mut rows);
    rows.truncate(lit);
    rows.sort_unstable();
    let pixels: Vec<u8> = rows.iter().map(|_| 1 + rng.below(255) as u8).collect();
    let x = uniform(rng, n_in, 0.0, 1.0);
    let mut z = vec![0.0; h];
    let w2 = uniform(rng, h * out, -0.3, 0.3);
    let (mut y, mut d) = (uniform(rng, out, 0.0, 1.0), vec![0.0; out]);
    let mut row = uniform(rng, h, -0.1, 0.1);
    let delta = uniform(rng, h, -0.01, 0.01);
    let mut col = vec![1.0; out];
    let mut nz = vec![0u32; 784];
    let image = uniform(rng, 784, -1.0, 1.0);
    let image: Vec<f32> = image.iter().map(|&v| v.max(0.0)).collect();
    let per_call = |name: &str, f: &mut dyn FnMut()| {
        let before = icount::instructions();
        for _ in 0..CALLS {
            f();
        }
        let each = (icount::instructions() - before) / CALLS;
        outln!("instructions per call: {name}: {each}");
    };
    per_call("forward_lit, 150 lit rows x 32", &mut || {
        kernels::forward_lit(&mut z, &w, &rows, &pixels)
    });
    per_call("its twin (plain loop)", &mut || {
        reference::forward_lit(&mut z, &w, &rows, &pixels)
    });
    per_call("forward_rows, 150 rows x 32", &mut || {
        kernels::forward_rows(&mut z, &w, &x, &rows)
    });
    let all: Vec<u32> = (0..h as u32).collect();
    per_call("forward_rows, 32 rows x 10", &mut || {
        kernels::forward_rows(&mut y, &w2, &z, &all)
    });
    let z0 = uniform(rng, h, -4.0, 4.0);
    per_call("sigmoid, 32", &mut || {
        z.copy_from_slice(&z0);
        kernels::sigmoid(&mut z)
    });
    per_call("output_delta, 10", &mut || {
        kernels::output_delta(&y, 3, 0, &mut d);
    });
    let mut e = vec![0.0; h];
    per_call("hidden_delta, 32 x 10", &mut || {
        kernels::hidden_delta(&z, &w2, &d, &mut e)
    });
    per_call("dlr_row, 32", &mut || {
        kernels::dlr_row(&mut row, 1e-6, 0.3, &delta);
    });
    per_call("dlr_post_row, 10", &mut || {
        kernels::dlr_post_row(&mut row[..out], 0.5, 0.3, &d, &mut col)
    });
    per_call("sgd_row, 32", &mut || {
        kernels::sgd_row(&mut row, 1e-6, &delta)
    });
    per_call("nonzero_indices, 784", &mut || {
        kernels::nonzero_indices(&image, &mut nz);
    });
    per_call("exact_sqrt", &mut || {
        z[0] = dlr::simd::exact_sqrt(z[1] + 2.0);
    });
}

/// Instructions of `Network::predict` on a 784-32-10 network and a
/// synthetic image with 150 lit pixels: the kernels above and the input's
/// conversion and listing around them (mean of 20 calls).
pub fn predict_instructions(rng: &mut Rng) {
    const CALLS: u64 = 20;
    let net = dlr::network::Network::new(&[784, 32, 10], 1);
    let mut ws = dlr::network::Workspace::new(&net);
    let mut image = [0u8; 784];
    for _ in 0..150 {
        image[rng.below(784) as usize] = 1 + rng.below(255) as u8;
    }
    let before = icount::instructions();
    let mut class = 0;
    for _ in 0..CALLS {
        class += net.predict(&mut ws, &image);
    }
    let each = (icount::instructions() - before) / CALLS;
    outln!("instructions per call: Network::predict, 784-32-10, about 150 lit pixels: {each} (classes {class})");
}
