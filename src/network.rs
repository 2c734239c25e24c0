//! A stack of logistic layers without biases, trained on the MSE loss.
//!
//! The model is wired here as a call list over the kernels: forward (sparse
//! first layer, dense after), backward (output delta, hidden deltas with the
//! weights before the update), then one optimizer update per layer.

use alloc::vec;
use alloc::vec::Vec;

use crate::dataset::Dataset;
use crate::gemm::{gemm, MatRef};
use crate::kernels;
use crate::kernels::dense;
pub use crate::layer::Layer;
use crate::optim::{Grad, LayerUpdate};
use crate::rng::Rng;
use crate::simd::{dispatched, Isa};

/// Default half-width of the initial weights, times `1/√n_in`.
pub const DEFAULT_INIT_SCALE: f32 = 1.0;

/// A multi-layer logistic network without biases (784-H-10 in the paper).
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    layers: Vec<Layer>,
}

impl Network {
    /// A network with layer sizes `sizes` (`[784, 100, 10]` is the paper's),
    /// weights drawn i.i.d. uniform in `[−s/√n_in, s/√n_in)` with
    /// `s` = [`DEFAULT_INIT_SCALE`], from a generator seeded by `seed`.
    ///
    /// # Panics
    /// If fewer than two sizes are given or one is zero.
    pub fn new(sizes: &[usize], seed: u64) -> Self {
        Self::with_init_scale(sizes, seed, DEFAULT_INIT_SCALE)
    }

    /// As [`Network::new`], with half-width `scale/√n_in`. Layers are drawn
    /// in order, each row-major in its pre-major layout.
    ///
    /// # Panics
    /// If fewer than two sizes are given or one is zero.
    pub fn with_init_scale(sizes: &[usize], seed: u64, scale: f32) -> Self {
        assert!(
            sizes.len() >= 2,
            "a network needs at least an input and an output size"
        );
        assert!(sizes.iter().all(|&s| s > 0), "layer sizes must be positive");
        let mut rng = Rng::new(seed);
        let layers = sizes
            .windows(2)
            .map(|pair| {
                let (n_in, n_out) = (pair[0], pair[1]);
                let r = scale / crate::simd::exact_sqrt(n_in as f32);
                let w = (0..n_in * n_out)
                    .map(|_| rng.uniform_symmetric(r))
                    .collect();
                Layer { n_in, n_out, w }
            })
            .collect();
        Self { layers }
    }

    /// Builds a network from existing layers (checked to chain).
    pub fn from_layers(layers: Vec<Layer>) -> Option<Self> {
        let chains = layers.windows(2).all(|p| p[0].n_out == p[1].n_in);
        let sized = layers
            .iter()
            .all(|l| l.n_in > 0 && l.n_out > 0 && l.w.len() == l.n_in * l.n_out);
        (!layers.is_empty() && chains && sized).then_some(Self { layers })
    }

    /// Layer sizes, input first.
    pub fn sizes(&self) -> Vec<usize> {
        let mut s = vec![self.layers[0].n_in];
        s.extend(self.layers.iter().map(|l| l.n_out));
        s
    }

    /// The layers, input side first.
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// Mutable layers (an optimizer with a cache, like DLR, must then be
    /// re-synced).
    pub fn layers_mut(&mut self) -> &mut [Layer] {
        &mut self.layers
    }

    /// Inputs of the first layer.
    pub fn n_inputs(&self) -> usize {
        self.layers[0].n_in
    }

    /// Outputs of the last layer.
    pub fn n_outputs(&self) -> usize {
        self.layers[self.layers.len() - 1].n_out
    }

    /// Total number of weights.
    pub fn n_weights(&self) -> usize {
        self.layers.iter().map(|l| l.w.len()).sum()
    }

    /// True when every weight is finite.
    pub fn is_finite(&self) -> bool {
        self.layers
            .iter()
            .all(|l| l.w.iter().all(|w| w.is_finite()))
    }

    /// Forward pass of one `u8` image (pixels scaled by 1/255); the outputs
    /// are in `ws.output()`.
    ///
    /// # Panics
    /// If `image.len() != self.n_inputs()` or `ws` is for another shape.
    pub fn forward(&self, ws: &mut Workspace, image: &[u8]) {
        // `assert!`, not `assert_eq!`: the latter's `Debug` formatting of
        // the two lengths costs an embedding binary about 400 bytes.
        assert!(
            image.len() == self.n_inputs(),
            "image has {} pixels, the network {} inputs",
            image.len(),
            self.n_inputs()
        );
        assert!(ws.fits(self), "workspace is for another network shape");
        forward_dispatched(self, ws, image);
    }

    /// Backward pass after [`Network::forward`]: fills every layer's deltas
    /// (with the current weights) and returns the loss `½ Σ (y − t)²`.
    ///
    /// # Panics
    /// If `label >= n_outputs`.
    pub fn backward(&self, ws: &mut Workspace, label: usize) -> f32 {
        assert!(label < self.n_outputs(), "label outside the output layer");
        backward_dispatched(self, ws, label)
    }

    /// One online step on `(image, label)`: forward, backward, update every
    /// layer with `opt` (an [`Optimizer`](crate::Optimizer), or one rule's
    /// own type: see [`LayerUpdate`]). Returns the loss before the update.
    ///
    /// The building block of a training loop of your own (no `std` needed):
    ///
    /// ```
    /// use dlr::network::Workspace;
    /// use dlr::{Network, Optimizer, OptimizerKind};
    ///
    /// // Four 2×2 images: image k lights pixel k and is labelled k.
    /// let images = [[255, 0, 0, 0], [0, 255, 0, 0], [0, 0, 255, 0], [0, 0, 0, 255u8]];
    /// let mut net = Network::new(&[4, 8, 4], 1);
    /// let mut opt = Optimizer::tuned(net.layers(), OptimizerKind::Dlr);
    /// let mut ws = Workspace::new(&net); // scratch buffers, reused by every step
    /// let first = net.train_step(&mut ws, &mut opt, &images[0], 0);
    /// for _ in 0..200 {
    ///     for (label, image) in images.iter().enumerate() {
    ///         net.train_step(&mut ws, &mut opt, image, label);
    ///     }
    /// }
    /// assert!(net.train_step(&mut ws, &mut opt, &images[0], 0) < first);
    /// assert!((0..4).all(|k| net.predict(&mut ws, &images[k]) == k));
    /// ```
    pub fn train_step(
        &mut self,
        ws: &mut Workspace,
        opt: &mut (impl LayerUpdate + ?Sized),
        image: &[u8],
        label: usize,
    ) -> f32 {
        self.forward(ws, image);
        let loss = self.backward(ws, label);
        opt.begin_step();
        for (l, layer) in self.layers.iter_mut().enumerate() {
            let grad = if l == 0 {
                Grad::Outer {
                    a: &ws.x,
                    active: Some(&ws.active),
                    delta: &ws.deltas[0],
                }
            } else {
                Grad::Outer {
                    a: &ws.acts[l - 1],
                    active: None,
                    delta: &ws.deltas[l],
                }
            };
            opt.update_layer(l, &mut layer.w, layer.n_out, &grad);
        }
        loss
    }

    /// The most active output for `image` (ties: the lowest index).
    pub fn predict(&self, ws: &mut Workspace, image: &[u8]) -> usize {
        self.forward(ws, image);
        argmax(ws.output())
    }

    /// Number of images of `data` classified correctly.
    pub fn count_correct(&self, ws: &mut Workspace, data: &Dataset) -> usize {
        (0..data.len())
            .filter(|&i| self.predict(ws, data.image(i)) == data.label(i) as usize)
            .count()
    }

    /// Fraction of `data` classified correctly (0 for an empty set).
    pub fn accuracy(&self, ws: &mut Workspace, data: &Dataset) -> f64 {
        if data.is_empty() {
            return 0.0;
        }
        self.count_correct(ws, data) as f64 / data.len() as f64
    }

    /// Forward pass of the images `batch` of `data` through sgemm: the
    /// outputs of layer `l` land in `bws`, `(b, n_out_l)` row-major.
    fn forward_batch(&self, bws: &mut BatchWorkspace, data: &Dataset, batch: &[u32]) {
        let b = batch.len();
        assert!(
            b > 0 && b <= bws.capacity,
            "batch larger than its workspace"
        );
        let n0 = self.n_inputs();
        assert_eq!(data.pixels(), n0, "images have the wrong number of pixels");
        // x: (b, n0) pixels as f32.
        for (row, &i) in bws.x.chunks_exact_mut(n0).zip(batch) {
            for (xj, &p) in row.iter_mut().zip(data.image(i as usize)) {
                *xj = p as f32 * (1.0 / 255.0);
            }
        }
        // Z_l = A_{l−1} W_l, A_l = σ(Z_l); shapes (b, n_out_l).
        for (l, layer) in self.layers.iter().enumerate() {
            let (before, rest) = bws.acts.split_at_mut(l);
            let input = if l == 0 {
                &bws.x[..b * n0]
            } else {
                &before[l - 1][..b * layer.n_in]
            };
            let z = &mut rest[0][..b * layer.n_out];
            gemm(
                1.0,
                MatRef::row_major(input, b, layer.n_in),
                MatRef::row_major(&layer.w, layer.n_in, layer.n_out),
                0.0,
                z,
            );
            kernels::sigmoid(z);
        }
    }

    /// Number of images of `data` classified correctly, evaluated in
    /// batches of `bws`'s capacity through sgemm (dense: every pixel is
    /// multiplied, zero or not). [`Network::count_correct`] is the sparse
    /// path; `benches/kernels.rs` compares the two.
    pub fn count_correct_batched(&self, bws: &mut BatchWorkspace, data: &Dataset) -> usize {
        let last = self.layers.len() - 1;
        let n_last = self.n_outputs();
        let all: Vec<u32> = (0..data.len() as u32).collect();
        let mut correct = 0;
        for batch in all.chunks(bws.capacity) {
            self.forward_batch(bws, data, batch);
            for (s, &i) in batch.iter().enumerate() {
                let y = &bws.acts[last][s * n_last..(s + 1) * n_last];
                correct += usize::from(argmax(y) == data.label(i as usize) as usize);
            }
        }
        correct
    }

    /// [`Network::count_correct`] on `threads` threads, each taking a
    /// contiguous share of `data` (the count does not depend on `threads`).
    #[cfg(feature = "std")]
    pub fn count_correct_threaded(&self, data: &Dataset, threads: usize) -> usize {
        let threads = threads.clamp(1, data.len().max(1));
        if threads == 1 {
            return self.count_correct(&mut Workspace::new(self), data);
        }
        let share = data.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|t| {
                    let range = (t * share).min(data.len())..((t + 1) * share).min(data.len());
                    scope.spawn(move || {
                        let mut ws = Workspace::new(self);
                        range
                            .filter(|&i| {
                                self.predict(&mut ws, data.image(i)) == data.label(i) as usize
                            })
                            .count()
                    })
                })
                .collect();
            // A worker only panics on a broken invariant; re-raise it here.
            workers
                .into_iter()
                .map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .sum()
        })
    }

    /// One mini-batch step on the images `batch` of `data`: the gradient of
    /// the mean loss over the batch, through sgemm, then the update of every
    /// layer with `opt` (as in [`Network::train_step`]). Returns the mean loss.
    pub fn train_batch(
        &mut self,
        bws: &mut BatchWorkspace,
        opt: &mut (impl LayerUpdate + ?Sized),
        data: &Dataset,
        batch: &[u32],
    ) -> f32 {
        let b = batch.len();
        let n0 = self.n_inputs();
        self.forward_batch(bws, data, batch);
        // Output deltas and the loss, one sample per row.
        let last = self.layers.len() - 1;
        let n_last = self.layers[last].n_out;
        let mut loss = 0.0;
        for (s, &i) in batch.iter().enumerate() {
            let r = s * n_last..(s + 1) * n_last;
            let label = data.label(i as usize) as usize;
            loss += kernels::output_delta(
                &bws.acts[last][r.clone()],
                label,
                0,
                &mut bws.deltas[last][r],
            );
        }
        // Hidden deltas: E_l = (D_{l+1} W_{l+1}ᵀ) ⊙ A_l ⊙ (1 − A_l).
        for l in (0..last).rev() {
            let (n_h, n_next) = (self.layers[l].n_out, self.layers[l + 1].n_out);
            let (lower, upper) = bws.deltas.split_at_mut(l + 1);
            let e = &mut lower[l][..b * n_h];
            gemm(
                1.0,
                MatRef::row_major(&upper[0][..b * n_next], b, n_next),
                MatRef::row_major(&self.layers[l + 1].w, n_h, n_next).t(),
                0.0,
                e,
            );
            for (ei, &hi) in e.iter_mut().zip(&bws.acts[l][..b * n_h]) {
                *ei *= hi * (1.0 - hi);
            }
        }
        // Gradients G_l = A_{l−1}ᵀ D_l / b, then the updates.
        opt.begin_step();
        let inv_b = 1.0 / b as f32;
        for (l, layer) in self.layers.iter_mut().enumerate() {
            let input = if l == 0 {
                &bws.x[..b * n0]
            } else {
                &bws.acts[l - 1][..b * layer.n_in]
            };
            let g = &mut bws.grads[l];
            gemm(
                inv_b,
                MatRef::row_major(input, b, layer.n_in).t(),
                MatRef::row_major(&bws.deltas[l][..b * layer.n_out], b, layer.n_out),
                0.0,
                g,
            );
            opt.update_layer(l, &mut layer.w, layer.n_out, &Grad::Dense(g));
        }
        loss * inv_b
    }
}

dispatched! {
    /// [`Network::forward`] on the active SIMD path, chosen once per image.
    fn forward_dispatched(net: &Network, ws: &mut Workspace, image: &[u8]) => forward_on
}

/// [`Network::forward`]'s work (shapes checked by the caller), on path `P`.
#[inline(always)]
fn forward_on<P: Isa>(net: &Network, ws: &mut Workspace, image: &[u8]) {
    ws.load_input(image);
    for (l, layer) in net.layers.iter().enumerate() {
        let (before, rest) = ws.acts.split_at_mut(l);
        let z = &mut rest[0];
        // z ← Σ_j a_j w_j· over the non-zero inputs only.
        if l == 0 {
            dense::forward_rows::<P>(z, &layer.w, &ws.x, &ws.active);
        } else {
            let a = &before[l - 1];
            // Logistic outputs are rarely exactly 0; list the others
            // branch-free (write every index, advance past non-zeros).
            ws.rows.resize(a.len(), 0);
            let mut n = 0;
            for (j, &aj) in a.iter().enumerate() {
                ws.rows[n] = j as u32;
                n += (aj != 0.0) as usize;
            }
            dense::forward_rows::<P>(z, &layer.w, a, &ws.rows[..n]);
        }
        dense::sigmoid::<P>(z);
    }
}

dispatched! {
    /// [`Network::backward`] on the active SIMD path, chosen once per image.
    fn backward_dispatched(net: &Network, ws: &mut Workspace, label: usize) -> f32 => backward_on
}

/// [`Network::backward`]'s work (label checked by the caller), on path `P`.
#[inline(always)]
fn backward_on<P: Isa>(net: &Network, ws: &mut Workspace, label: usize) -> f32 {
    let last = net.layers.len() - 1;
    let loss = dense::output_delta::<P>(&ws.acts[last], label, 0, &mut ws.deltas[last]);
    for l in (0..last).rev() {
        let (lower, upper) = ws.deltas.split_at_mut(l + 1);
        dense::hidden_delta::<P>(&ws.acts[l], &net.layers[l + 1].w, &upper[0], &mut lower[l]);
    }
    loss
}

/// Bit `k` set where byte `k` (little-endian) of `x` is non-zero.
#[inline(always)]
fn nonzero_byte_mask(x: u64) -> u8 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    // (b & 0x7F) + 0x7F carries into bit 7 iff the low seven bits are not
    // all zero; or-ing b itself catches b = 0x80. No carry crosses a byte.
    let high_bits = (((x & LOW7) + LOW7) | x) & !LOW7;
    // Bit 0 of byte k, times the magic, lands on bit 56 + k alone: the
    // partial products of distinct bytes never meet in bits 56..63.
    ((high_bits >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8
}

/// Row `m`: the positions of the set bits of `m`, ascending, then zeros.
static BYTE_POSITIONS: [[u8; 8]; 256] = {
    let mut table = [[0u8; 8]; 256];
    let mut m = 0;
    while m < 256 {
        let (mut bit, mut n) = (0, 0);
        while bit < 8 {
            if m & (1 << bit) != 0 {
                table[m][n] = bit as u8;
                n += 1;
            }
            bit += 1;
        }
        m += 1;
    }
    table
};

/// Index of the largest value (the first on ties, NaN never wins).
pub fn argmax(xs: &[f32]) -> usize {
    let mut best = 0;
    for (i, &x) in xs.iter().enumerate() {
        if x > xs[best] {
            best = i;
        }
    }
    best
}

/// Scratch buffers of one online step, allocated once per network shape.
#[derive(Clone, Debug)]
pub struct Workspace {
    // (n_in0,) input pixels as f32 in [0, 1].
    x: Vec<f32>,
    // Indices j with x_j ≠ 0.
    active: Vec<u32>,
    // Indices of the non-zero inputs of a hidden layer (scratch).
    rows: Vec<u32>,
    // acts[l]: (n_out_l,) outputs of layer l.
    acts: Vec<Vec<f32>>,
    // deltas[l]: (n_out_l,) deltas of layer l.
    deltas: Vec<Vec<f32>>,
}

impl Workspace {
    /// Buffers for `net`'s shape.
    pub fn new(net: &Network) -> Self {
        let outs = || net.layers.iter().map(|l| vec![0.0; l.n_out]).collect();
        Self {
            x: vec![0.0; net.n_inputs()],
            active: Vec::with_capacity(net.n_inputs()),
            rows: Vec::with_capacity(net.layers.iter().map(|l| l.n_in).max().unwrap_or(0)),
            acts: outs(),
            deltas: outs(),
        }
    }

    fn fits(&self, net: &Network) -> bool {
        self.x.len() == net.n_inputs()
            && self.acts.len() == net.layers.len()
            && self
                .acts
                .iter()
                .zip(&net.layers)
                .all(|(a, l)| a.len() == l.n_out)
    }

    /// Converts the pixels to `[0, 1]` and lists the non-zero ones.
    fn load_input(&mut self, image: &[u8]) {
        // A plain loop the compiler vectorizes.
        for (xj, &p) in self.x.iter_mut().zip(image) {
            *xj = p as f32 * (1.0 / 255.0);
        }
        // Indices of the non-zero pixels, eight at a time and branch-free:
        // an 8-bit mask of the word's non-zero bytes picks a row of
        // `BYTE_POSITIONS`, all eight entries are written, and `n` advances
        // by the mask's popcount. (A bit-by-bit loop mispredicts its exit on
        // almost every lit word.) `n ≤ 8c` before word `c`, so the eight
        // writes stay inside a buffer of one index per pixel.
        self.active.resize(image.len(), 0);
        let mut n = 0;
        let (words, tail) = image.as_chunks::<8>();
        for (c, word) in words.iter().enumerate() {
            let mask = nonzero_byte_mask(u64::from_le_bytes(*word));
            let base = (c * 8) as u32;
            let out = &mut self.active[n..n + 8];
            for (o, &p) in out.iter_mut().zip(&BYTE_POSITIONS[mask as usize]) {
                *o = base + u32::from(p);
            }
            n += mask.count_ones() as usize;
        }
        let done = words.len() * 8;
        for (k, &p) in tail.iter().enumerate() {
            self.active[n] = (done + k) as u32;
            n += usize::from(p != 0);
        }
        self.active.truncate(n);
    }

    /// The input of the last forward pass, the pixels scaled to `[0, 1]`,
    /// `(n_inputs,)`: the first layer's `a` in a training step's gradient.
    pub fn input(&self) -> &[f32] {
        &self.x
    }

    /// The indices of the last input's non-zero pixels, ascending: the first
    /// layer's rows a training step updates.
    pub fn lit_inputs(&self) -> &[u32] {
        &self.active
    }

    /// Outputs of the last forward pass, `(n_out,)`.
    pub fn output(&self) -> &[f32] {
        &self.acts[self.acts.len() - 1]
    }

    /// Outputs of layer `l` from the last forward pass.
    pub fn activations(&self, l: usize) -> &[f32] {
        &self.acts[l]
    }

    /// Deltas of layer `l` from the last backward pass.
    pub fn deltas(&self, l: usize) -> &[f32] {
        &self.deltas[l]
    }
}

/// Scratch buffers of mini-batch steps of up to `capacity` samples.
#[derive(Clone, Debug)]
pub struct BatchWorkspace {
    capacity: usize,
    x: Vec<f32>,
    acts: Vec<Vec<f32>>,
    deltas: Vec<Vec<f32>>,
    grads: Vec<Vec<f32>>,
}

impl BatchWorkspace {
    /// Buffers for batches of up to `capacity` samples through `net`.
    pub fn new(net: &Network, capacity: usize) -> Self {
        let outs = || {
            net.layers
                .iter()
                .map(|l| vec![0.0; capacity * l.n_out])
                .collect()
        };
        Self {
            capacity,
            x: vec![0.0; capacity * net.n_inputs()],
            acts: outs(),
            deltas: outs(),
            grads: net.layers.iter().map(|l| vec![0.0; l.w.len()]).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn nonzero_byte_mask_matches_a_byte_by_byte_test() {
        let mut rng = Rng::new(3);
        let specials = [
            0u64,
            u64::MAX,
            0x80,
            0x8000_0000_0000_0000,
            0x0101_0101_0101_0101,
            0x7F00,
        ];
        for i in 0..20_000 {
            // Sparse words like MNIST's, dense ones, and every byte value.
            let x = if i < specials.len() {
                specials[i]
            } else {
                let mut x = 0u64;
                for k in 0..8 {
                    if rng.uniform() < 0.3 {
                        x |= u64::from(rng.below(256) as u8 | (i % 2) as u8) << (8 * k);
                    }
                }
                x
            };
            let expected = (0..8).fold(0u8, |m, k| m | (u8::from((x >> (8 * k)) & 0xFF != 0) << k));
            assert_eq!(nonzero_byte_mask(x), expected, "x = {x:#018x}");
        }
    }

    #[test]
    fn active_pixels_are_exactly_the_non_zero_ones() {
        let mut rng = Rng::new(4);
        for len in [1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 784] {
            let net = Network::new(&[len, 3, 2], 1);
            let mut ws = Workspace::new(&net);
            for density in [0.0, 0.05, 0.2, 0.5, 1.0] {
                let image: Vec<u8> = (0..len)
                    .map(|_| {
                        if rng.uniform() < density {
                            1 + rng.below(255) as u8
                        } else {
                            0
                        }
                    })
                    .collect();
                net.forward(&mut ws, &image);
                let expected: Vec<u32> = (0..len as u32)
                    .filter(|&j| image[j as usize] != 0)
                    .collect();
                assert_eq!(ws.lit_inputs(), expected, "len {len}, density {density}");
                for (j, (&x, &p)) in ws.input().iter().zip(&image).enumerate() {
                    assert_eq!(x, p as f32 * (1.0 / 255.0), "pixel {j}");
                }
            }
        }
    }
}
