//! A stack of logistic layers without biases, trained on the MSE loss.
//!
//! The model is wired here as a call list over the kernels: forward (sparse
//! first layer, dense after), backward (output delta, hidden deltas with the
//! weights before the update), then one optimizer update per layer.

use alloc::vec;
use alloc::vec::Vec;

use crate::dataset::{lit_indices, Dataset, LitImages};
use crate::gemm::{gemm, MatRef};
use crate::kernels;
use crate::kernels::dense;
use crate::kernels::GROUP;
pub use crate::layer::Layer;
use crate::memory::HeapNeed;
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

    /// The heap a network of layer sizes `sizes` allocates (its layer list
    /// and every layer's weights), without allocating it.
    pub fn heap_need(sizes: &[usize]) -> HeapNeed {
        crate::memory::per_layer::<Layer, f32>(sizes, |n_in, n_out| n_in * n_out)
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

    /// The most outputs of any layer: what decides whether the AVX-512
    /// path's 16-lane bodies run (`simd::narrow_for_avx512`).
    pub(crate) fn widest_layer(&self) -> usize {
        self.layers.iter().map(|l| l.n_out).max().unwrap_or(0)
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
    /// layer with `opt` (an [`Optimizer`](crate::optim::Optimizer), or one rule's
    /// own type: see [`LayerUpdate`]). Returns the loss before the update.
    ///
    /// The building block of a training loop of your own (no `std` needed):
    ///
    /// ```
    /// use dlr::network::Workspace;
    /// use dlr::{network::Network, optim::Optimizer, optim::OptimizerKind};
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
                    active: Some(ws.lit_inputs()),
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
        self.count_correct_in(ws, data, 0..data.len())
    }

    /// Number of the images `range` of `data` classified correctly.
    ///
    /// # Panics
    /// If `range` reaches past the end of `data`.
    pub fn count_correct_in(
        &self,
        ws: &mut Workspace,
        data: &Dataset,
        range: core::ops::Range<usize>,
    ) -> usize {
        range
            .filter(|&i| self.predict(ws, data.image(i)) == data.label(i) as usize)
            .count()
    }

    /// Number of the images `range` of `images` classified correctly: the
    /// count [`Network::count_correct_in`] gives on the images' [`Dataset`],
    /// without converting each image's pixels again.
    ///
    /// # Panics
    /// If `range` reaches past the end of `images`, or their pixels are not
    /// this network's inputs.
    pub fn count_correct_lit(
        &self,
        ws: &mut Workspace,
        images: &LitImages,
        range: core::ops::Range<usize>,
    ) -> usize {
        assert!(
            images.pixels() == self.n_inputs(),
            "images have {} pixels, the network {} inputs",
            images.pixels(),
            self.n_inputs()
        );
        assert!(ws.fits(self), "workspace is for another network shape");
        assert!(range.end <= images.len(), "images out of range");
        count_correct_lit_dispatched(self, ws, images, range)
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
        self.count_in_shares(data.len(), threads, |ws, range| {
            self.count_correct_in(ws, data, range)
        })
    }

    /// [`Network::count_correct_lit`] of all of `images` on `threads`
    /// threads, each taking a contiguous share (the count does not depend
    /// on `threads`).
    #[cfg(feature = "std")]
    pub fn count_correct_lit_threaded(&self, images: &LitImages, threads: usize) -> usize {
        self.count_in_shares(images.len(), threads, |ws, range| {
            self.count_correct_lit(ws, images, range)
        })
    }

    /// `count` of `0..n` cut into `threads` contiguous shares, each counted
    /// on its own thread with its own workspace, summed.
    #[cfg(feature = "std")]
    fn count_in_shares(
        &self,
        n: usize,
        threads: usize,
        count: impl Fn(&mut Workspace, core::ops::Range<usize>) -> usize + Sync,
    ) -> usize {
        let threads = threads.clamp(1, n.max(1));
        if threads == 1 {
            return count(&mut Workspace::new(self), 0..n);
        }
        let share = n.div_ceil(threads);
        let count = &count;
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|t| {
                    let range = (t * share).min(n)..((t + 1) * share).min(n);
                    scope.spawn(move || count(&mut Workspace::new(self), range))
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
    fn forward_dispatched(net: &Network, ws: &mut Workspace, image: &[u8]) => forward_on;
        narrow_on_avx2 if crate::simd::narrow_for_avx512(net.widest_layer())
}

/// [`Network::forward`]'s work (shapes checked by the caller), on path `P`.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn forward_on<P: Isa>(isa: P, net: &Network, ws: &mut Workspace, image: &[u8]) {
    ws.load_input(image);
    // z ← Σ_j a_j w_j· over the non-zero inputs only.
    dense::forward_rows::<P>(
        isa,
        &mut ws.acts[0],
        &net.layers[0].w,
        &ws.x,
        &ws.active[..ws.n_active],
    );
    forward_from_first::<P>(isa, net, ws);
}

/// The forward pass after the first layer's sums are in `ws.acts[0]`.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn forward_from_first<P: Isa>(isa: P, net: &Network, ws: &mut Workspace) {
    dense::sigmoid::<P>(isa, &mut ws.acts[0]);
    for (l, layer) in net.layers.iter().enumerate().skip(1) {
        let (before, rest) = ws.acts.split_at_mut(l);
        forward_hidden_input::<P>(isa, &mut rest[0], &layer.w, &before[l - 1], &mut ws.rows);
    }
}

/// Layer outputs `z ← σ(Σ_j a_j w_j·)` from the previous layer's outputs
/// `a`, summed over the non-zero `a_j` only (`rows` is scratch).
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn forward_hidden_input<P: Isa>(isa: P, z: &mut [f32], w: &[f32], a: &[f32], rows: &mut Vec<u32>) {
    rows.resize(a.len(), 0);
    let n = crate::kernels::nonzero_indices(a, rows);
    dense::forward_rows::<P>(isa, z, w, a, &rows[..n]);
    dense::sigmoid::<P>(isa, z);
}

dispatched! {
    /// [`Network::count_correct_lit`] on the active SIMD path, chosen once
    /// per call.
    fn count_correct_lit_dispatched(
        net: &Network,
        ws: &mut Workspace,
        images: &LitImages,
        range: core::ops::Range<usize>,
    ) -> usize => count_correct_lit_on
}

/// [`Network::count_correct_lit`]'s work (shapes checked by the caller).
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn count_correct_lit_on<P: Isa>(
    isa: P,
    net: &Network,
    ws: &mut Workspace,
    images: &LitImages,
    range: core::ops::Range<usize>,
) -> usize {
    let mut correct = 0;
    let mut i = range.start;
    if let [first, last] = &net.layers[..] {
        if !P::SCALAR && dense::group_fits(last.n_out) {
            while i + GROUP <= range.end {
                correct += count_correct_group::<P>(isa, first, last, ws, images, i);
                i += GROUP;
            }
        }
    }
    for i in i..range.end {
        let (rows, pixels) = images.lit(i);
        dense::forward_lit::<P>(isa, &mut ws.acts[0], &net.layers[0].w, rows, pixels);
        forward_from_first::<P>(isa, net, ws);
        correct += usize::from(argmax(ws.output()) == images.label(i) as usize);
    }
    correct
}

/// How many of the images `i0..i0 + GROUP` a network of layers `first`
/// and `last` classifies correctly: [`count_correct_lit_on`]'s sums, bit
/// for bit, with the last layer run on the group's images in lockstep
/// ([`kernels::forward_group`]) unless a hidden output is exactly 0.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn count_correct_group<P: Isa>(
    isa: P,
    first: &Layer,
    last: &Layer,
    ws: &mut Workspace,
    images: &LitImages,
    i0: usize,
) -> usize {
    let (h, n_out) = (first.n_out, last.n_out);
    ws.group.resize(GROUP * (h + n_out), 0.0);
    let (hidden, outputs) = ws.group.split_at_mut(GROUP * h);
    for (g, hg) in hidden.chunks_exact_mut(h).enumerate() {
        let (rows, pixels) = images.lit(i0 + g);
        dense::forward_lit::<P>(isa, hg, &first.w, rows, pixels);
        dense::sigmoid::<P>(isa, hg);
    }
    // The single-image sum skips zero inputs and `forward_group` does not;
    // they differ only where `0 × w` is not a zero (w infinite or NaN). The
    // logistic's clamp keeps its outputs above 0 today; should one be 0, the
    // group takes the single-image path. A fold, not `any`, so it vectorizes.
    let has_zero = hidden.iter().fold(false, |z, &v| z | (v == 0.0));
    if has_zero {
        for (hg, zg) in hidden.chunks_exact(h).zip(outputs.chunks_exact_mut(n_out)) {
            forward_hidden_input::<P>(isa, zg, &last.w, hg, &mut ws.rows);
        }
    } else {
        dense::forward_group::<P>(isa, outputs, &last.w, hidden);
        for zg in outputs.chunks_exact_mut(n_out) {
            dense::sigmoid::<P>(isa, zg);
        }
    }
    outputs
        .chunks_exact(n_out)
        .enumerate()
        .filter(|&(g, zg)| argmax(zg) == images.label(i0 + g) as usize)
        .count()
}

dispatched! {
    /// [`Network::backward`] on the active SIMD path, chosen once per image.
    fn backward_dispatched(net: &Network, ws: &mut Workspace, label: usize) -> f32 => backward_on;
        narrow_on_avx2 if crate::simd::narrow_for_avx512(net.widest_layer())
}

/// [`Network::backward`]'s work (label checked by the caller), on path `P`.
#[cfg_attr(target_arch = "x86_64", inline(always))]
fn backward_on<P: Isa>(isa: P, net: &Network, ws: &mut Workspace, label: usize) -> f32 {
    let last = net.layers.len() - 1;
    let loss = dense::output_delta::<P>(isa, &ws.acts[last], label, 0, &mut ws.deltas[last]);
    for l in (0..last).rev() {
        let (lower, upper) = ws.deltas.split_at_mut(l + 1);
        dense::hidden_delta::<P>(
            isa,
            &ws.acts[l],
            &net.layers[l + 1].w,
            &upper[0],
            &mut lower[l],
        );
    }
    loss
}

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
    // Indices j with x_j ≠ 0 in `active[..n_active]`; the rest is scratch
    // for the next listing, kept at the input's length so that listing an
    // image clears nothing.
    active: Vec<u32>,
    n_active: usize,
    // Indices of the non-zero inputs of a hidden layer (scratch).
    rows: Vec<u32>,
    // GROUP hidden then GROUP output vectors of a two-layer network's
    // evaluation (scratch, sized on first use).
    group: Vec<f32>,
    // acts[l]: (n_out_l,) outputs of layer l.
    acts: Vec<Vec<f32>>,
    // deltas[l]: (n_out_l,) deltas of layer l.
    deltas: Vec<Vec<f32>>,
}

impl Workspace {
    /// The heap [`Workspace::new`] allocates for a network of layer sizes
    /// `sizes`, without allocating it. The first evaluation by
    /// [`Network::count_correct`] on a vector path of a two-layer network
    /// allocates a few more outputs' worth of scratch; training and
    /// [`Network::predict`] do not.
    pub fn heap_need(sizes: &[usize]) -> HeapNeed {
        let n_inputs = sizes.first().copied().unwrap_or(0);
        let tallest = crate::memory::shapes(sizes)
            .map(|(i, _)| i)
            .max()
            .unwrap_or(0);
        let outputs = || crate::memory::per_layer::<Vec<f32>, f32>(sizes, |_, n_out| n_out);
        HeapNeed::array::<f32>(n_inputs)
            + HeapNeed::array::<u32>(n_inputs)
            + HeapNeed::array::<u32>(tallest)
            + outputs()
            + outputs()
    }

    /// Buffers for `net`'s shape.
    pub fn new(net: &Network) -> Self {
        let outs = || net.layers.iter().map(|l| vec![0.0; l.n_out]).collect();
        Self {
            x: vec![0.0; net.n_inputs()],
            active: vec![0; net.n_inputs()],
            n_active: 0,
            rows: Vec::with_capacity(net.layers.iter().map(|l| l.n_in).max().unwrap_or(0)),
            acts: outs(),
            deltas: outs(),
            group: Vec::new(),
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
    ///
    /// Inlined into the dispatched forward pass, so that it is compiled for
    /// the path's instructions rather than the SSE2 baseline.
    #[cfg_attr(target_arch = "x86_64", inline(always))]
    fn load_input(&mut self, image: &[u8]) {
        // With vectors, every pixel in a plain loop the compiler vectorizes;
        // without (a microcontroller), only the previous image's lit pixels
        // are cleared and this one's written (a fifth of an MNIST image), as
        // every other entry is already zero.
        let dense = cfg!(any(target_arch = "x86_64", dlr_wide));
        // One length for the three (the caller checked the image and the
        // workspace against the network), so one bounds check per pixel.
        let n_in = image.len();
        let x = &mut self.x[..n_in];
        let active = &mut self.active[..n_in];
        if dense {
            for (xj, &p) in x.iter_mut().zip(image) {
                *xj = kernels::reference::pixel_value(p);
            }
        } else {
            for &j in &active[..self.n_active] {
                x[j as usize] = 0.0;
            }
        }
        let n = lit_indices(image, active);
        if !dense {
            for &j in &active[..n] {
                x[j as usize] = kernels::reference::pixel_value(image[j as usize]);
            }
        }
        self.n_active = n;
    }

    /// The input of the last forward pass, the pixels scaled to `[0, 1]`,
    /// `(n_inputs,)`: the first layer's `a` in a training step's gradient.
    pub fn input(&self) -> &[f32] {
        &self.x
    }

    /// The indices of the last input's non-zero pixels, ascending: the first
    /// layer's rows a training step updates.
    pub fn lit_inputs(&self) -> &[u32] {
        &self.active[..self.n_active]
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

/// Layer sizes as text, joined by `separator`: the one way the crate and
/// its program write sizes. A list (`--hidden`, run keys) takes `,`
/// (`300,100`); a network's shape in a sentence takes `-` (`784-100-10`).
///
/// ```
/// assert_eq!(dlr::network::join_sizes(&[300, 100], ','), "300,100");
/// assert_eq!(dlr::network::join_sizes(&[784, 100, 10], '-'), "784-100-10");
/// ```
pub fn join_sizes(sizes: &[usize], separator: char) -> alloc::string::String {
    use core::fmt::Write;
    let mut text = alloc::string::String::new();
    for (i, size) in sizes.iter().enumerate() {
        if i > 0 {
            text.push(separator);
        }
        let _ = write!(text, "{size}");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

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
