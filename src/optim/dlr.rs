//! DLR, the dynamic learning rate, with its norm cache.
//!
//! ```text
//! Eq. 1 (Pre):  η_ij = η₀ (|w_ij| + α) / (‖w_·j‖ + α)   ‖w_·j‖ = norm of row j (outgoing weights of input j)
//! Eq. 3 (Post): η_ij = η₀ (|w_ij| + α) / (‖w_i·‖ + α)   ‖w_i·‖ = norm of column i (incoming weights of output i)
//! w_ij ← w_ij − η_ij a_j δ_i                            (norms of the weights before the step)
//! ```
//!
//! **Single pass.** The cache holds the squared norms of the current weights.
//! Eq. 1: a step reads row `j`'s cached norm, updates the row and sums the
//! new squares as it writes ([`kernels::dlr_row_lanes`]); the cache is then
//! exact again (up to the order of summation) and nothing else reads the
//! weights. Rows with `a_j = 0` are unchanged, so their cached norm stays
//! valid. The cache keeps each row's sum as the eight partial sums the
//! kernel leaves in its vector lanes, and the next step that touches the row
//! totals them, eight rows at once, as it computes the rows' step factors
//! ([`kernels::dlr_steps`]): a horizontal sum at the end of every row update
//! cost more than the transposed one (BENCHMARKS.md).
//!
//! That lane layout costs 32 bytes per row plus three `(n_in,)` scratch
//! vectors, 35 KB at 784 inputs. [`DlrLayout::RowSums`] keeps one `f32` per
//! row instead: a step computes row `j`'s factor from its sum and runs the
//! same fused row kernel, whose lanes it totals at once
//! ([`kernels::dlr_row`]). It is the default where the kernels run on the
//! scalar path ([`DlrLayout::for_active_path`]), where eight lanes cost
//! eight times the work and a microcontroller cannot spare the memory.
//!
//! Eq. 3: the column factors `η₀ δ_i / (‖w_i·‖ + α)` are computed once per
//! step from the cache, then each touched row is updated while adding
//! `w_new² − w_old²` to a per-step increment of its columns' sums
//! ([`kernels::dlr_post_row`]). The cache itself is kept in `f64` and takes
//! the increments once per step: a sum of squares kept in `f32` would gain a
//! rounding error of about `ε·Σw²` at every step, and the increments are
//! small against the sums. To bound what drift remains, the column sums are
//! recomputed exactly from the weights every [`RESYNC_EVERY`] steps (tested
//! over 10⁵ steps in `tests/optim.rs`).

use alloc::vec;
use alloc::vec::Vec;

use super::{DlrNorm, DlrParams, Grad, LayerUpdate, ParamError};
use crate::kernels;
use crate::kernels::update;
use crate::layer::Layer;
use crate::memory::{per_layer, HeapNeed};
use crate::simd::{dispatched, lane_total, AlignedF32s, Isa, LANES};

/// Steps between exact recomputations of Eq. 3's column sums.
pub const RESYNC_EVERY: u64 = 1000;

/// How [`Dlr`] keeps Eq. 1's squared row norms (Eq. 3 keeps column sums
/// either way).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DlrLayout {
    /// Eight partial sums per row, totalled eight rows at once by a vector
    /// kernel, with three `(n_in,)` scratch vectors: 44 bytes per input row.
    /// Faster where the kernels run on SIMD lanes.
    Lanes,
    /// One sum per row, 4 bytes per input row, each row's factor computed
    /// alone. Smaller, and faster where there are no SIMD lanes.
    RowSums,
}

impl DlrLayout {
    /// [`DlrLayout::Lanes`] where the kernels run on a SIMD path,
    /// [`DlrLayout::RowSums`] on the scalar path ([`crate::simd::active_path`]):
    /// the only path on a core without a vector unit, and the device's
    /// arithmetic when a desktop forces it.
    pub fn for_active_path() -> Self {
        // Where the scalar path is the only one, without asking.
        let scalar_only = cfg!(not(any(target_arch = "x86_64", dlr_wide)));
        if scalar_only || crate::simd::active_path() == crate::simd::SimdPath::Scalar {
            DlrLayout::RowSums
        } else {
            DlrLayout::Lanes
        }
    }
}

impl Default for DlrLayout {
    /// [`DlrLayout::for_active_path`].
    fn default() -> Self {
        Self::for_active_path()
    }
}

/// DLR optimizer state: the squared-norm cache of every layer.
#[derive(Clone, Debug)]
pub struct Dlr {
    params: DlrParams,
    layout: DlrLayout,
    // Pre, `RowSums`: (n_in,) Σ_i w_ij² per row.
    row_sums: Vec<Vec<f32>>,
    // Pre, `Lanes`: (n_in · 8,) Σ_i w_ij² per row, as eight partial sums whose
    // `simd::lane_total` is the sum; row j's are one aligned vector.
    row_lanes: Vec<AlignedF32s>,
    // Post: (n_out,) Σ_j w_ij² per column, in f64 (see the module doc).
    col_sum_sq: Vec<Vec<f64>>,
    // Post only, (n_out,) scratch: this step's column factors, the scaled
    // deltas of a row, and the increments of the column sums.
    col_factor: Vec<f32>,
    scaled_delta: AlignedF32s,
    col_increment: AlignedF32s,
    // Pre, `Lanes` only, (n_in,) scratch: the rows a step touches when the gradient
    // does not list them, a dense gradient's inputs (all 1), and the rows'
    // step factors.
    touched: Vec<u32>,
    ones: Vec<f32>,
    touched_step: Vec<f32>,
    steps: u64,
    resync_pending: bool,
}

impl Dlr {
    /// DLR for `layers`, its norm cache filled from their current weights,
    /// after checking `params`; Eq. 1's cache in the active path's layout
    /// ([`DlrLayout::for_active_path`]).
    pub fn new(layers: &[Layer], params: DlrParams) -> Result<Self, ParamError> {
        Self::with_layout(layers, params, DlrLayout::for_active_path())
    }

    /// [`Dlr::new`] with Eq. 1's cache in `layout`. Both layouts take the
    /// same steps up to the order in which each row's squares are summed
    /// (rounding).
    ///
    /// ```
    /// use dlr::network::{Network, Workspace};
    /// use dlr::optim::{Dlr, DlrLayout, DlrParams};
    ///
    /// let mut net = Network::new(&[784, 32, 10], 1);
    /// let mut opt = Dlr::with_layout(net.layers(), DlrParams::default(), DlrLayout::RowSums)?;
    /// let mut ws = Workspace::new(&net);
    /// net.train_step(&mut ws, &mut opt, &[200; 784], 3);
    /// // One f32 per input row of each layer, and no scratch.
    /// let need = Dlr::heap_need(&[784, 32, 10], DlrParams::default().norm, DlrLayout::RowSums);
    /// assert_eq!(need.bytes, 4 * (784 + 32) + 2 * core::mem::size_of::<Vec<f32>>());
    /// # Ok::<(), dlr::optim::ParamError>(())
    /// ```
    pub fn with_layout(
        layers: &[Layer],
        params: DlrParams,
        layout: DlrLayout,
    ) -> Result<Self, ParamError> {
        params.validate()?;
        Ok(Self::unchecked_in(layers, params, layout))
    }

    /// The heap [`Dlr::with_layout`] allocates for a network of layer sizes
    /// `sizes` with equation `norm` and Eq. 1's cache in `layout`, without
    /// allocating it.
    pub fn heap_need(sizes: &[usize], norm: DlrNorm, layout: DlrLayout) -> HeapNeed {
        let shapes = || crate::memory::shapes(sizes);
        let widest = shapes().map(|(_, o)| o).max().unwrap_or(0);
        let tallest = shapes().map(|(i, _)| i).max().unwrap_or(0);
        match (norm, layout) {
            (DlrNorm::Pre, DlrLayout::Lanes) => {
                HeapNeed::array::<AlignedF32s>(shapes().count())
                    + shapes().map(|(n_in, _)| aligned_need(n_in * LANES)).sum()
                    + HeapNeed::array::<u32>(tallest)
                    + HeapNeed::array::<f32>(tallest)
                    + HeapNeed::array::<f32>(tallest)
            }
            (DlrNorm::Pre, DlrLayout::RowSums) => per_layer::<Vec<f32>, f32>(sizes, |n_in, _| n_in),
            (DlrNorm::Post, _) => {
                per_layer::<Vec<f64>, f64>(sizes, |_, n_out| n_out)
                    + HeapNeed::array::<f32>(widest)
                    + aligned_need(widest)
                    + aligned_need(widest)
            }
        }
    }

    pub(crate) fn unchecked(layers: &[Layer], params: DlrParams) -> Self {
        Self::unchecked_in(layers, params, DlrLayout::for_active_path())
    }

    // Each buffer only where its equation and layout use it (see
    // `heap_need`).
    fn unchecked_in(layers: &[Layer], params: DlrParams, layout: DlrLayout) -> Self {
        let widest = layers.iter().map(|l| l.n_out).max().unwrap_or(0);
        let tallest = layers.iter().map(|l| l.n_in).max().unwrap_or(0);
        let post = params.norm == DlrNorm::Post;
        let lanes = !post && layout == DlrLayout::Lanes;
        let (widest, tallest) = (
            if post { widest } else { 0 },
            if lanes { tallest } else { 0 },
        );
        let mut dlr = Self {
            params,
            layout,
            row_sums: Vec::new(),
            row_lanes: Vec::new(),
            col_sum_sq: Vec::new(),
            col_factor: vec![0.0; widest],
            scaled_delta: AlignedF32s::zeros(widest),
            col_increment: AlignedF32s::zeros(widest),
            touched: vec![0; tallest],
            ones: vec![1.0; tallest],
            touched_step: vec![0.0; tallest],
            steps: 0,
            resync_pending: false,
        };
        dlr.resync(layers);
        dlr
    }

    /// DLR restored from a checkpoint: the cache exactly as it was (Eq. 1:
    /// `row_sum_sq`, `f32` per row; Eq. 3: `col_sum_sq`, `f64` per column;
    /// the other is empty), the step counter that schedules Eq. 3's exact
    /// re-sync, and whether one is pending. Shapes are checked by the caller;
    /// the scratch buffers are sized for `layers`.
    /// In the active path's layout ([`DlrLayout::for_active_path`]).
    pub(crate) fn from_state(layers: &[Layer], params: DlrParams, cache: DlrCache) -> Self {
        let mut dlr = Self::unchecked(layers, params);
        match dlr.layout {
            // Each sum in lane 0, zeros in the others: its lane total is
            // the sum exactly, so a restored run takes the very steps of
            // one that never stopped.
            DlrLayout::Lanes => {
                dlr.row_lanes = cache.row_sum_sq.iter().map(|l| lanes_of_sums(l)).collect()
            }
            DlrLayout::RowSums => dlr.row_sums = cache.row_sum_sq,
        }
        dlr.col_sum_sq = cache.col_sum_sq;
        dlr.steps = cache.steps;
        dlr.resync_pending = cache.resync_pending;
        dlr
    }

    /// The state a checkpoint needs (see [`Dlr::from_state`]).
    pub(crate) fn cache(&self) -> DlrCache {
        DlrCache {
            row_sum_sq: match self.layout {
                DlrLayout::Lanes => self.row_lanes.iter().map(row_totals).collect(),
                DlrLayout::RowSums => self.row_sums.clone(),
            },
            col_sum_sq: self.col_sum_sq.clone(),
            steps: self.steps,
            resync_pending: self.resync_pending,
        }
    }

    /// How Eq. 1's norms are kept.
    pub fn layout(&self) -> DlrLayout {
        self.layout
    }

    /// Which equation this is.
    pub fn norm(&self) -> DlrNorm {
        self.params.norm
    }

    /// The parameters in use (after any [`LayerUpdate::set_learning_rate`]).
    pub fn params(&self) -> DlrParams {
        self.params
    }

    /// Steps taken; Eq. 3 recomputes its column sums exactly when this
    /// reaches a multiple of [`RESYNC_EVERY`].
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Recomputes the norm cache exactly from the weights of `layers`. Call
    /// it after changing the weights other than through this optimizer.
    pub fn resync(&mut self, layers: &[Layer]) {
        match self.params.norm {
            DlrNorm::Pre => {
                let sums = |l: &Layer| -> Vec<f32> {
                    l.w.chunks_exact(l.n_out)
                        .map(kernels::sum_squares)
                        .collect()
                };
                match self.layout {
                    DlrLayout::Lanes => {
                        self.row_lanes = layers.iter().map(|l| lanes_of_sums(&sums(l))).collect()
                    }
                    DlrLayout::RowSums => self.row_sums = layers.iter().map(sums).collect(),
                }
            }
            DlrNorm::Post => {
                self.col_sum_sq = layers
                    .iter()
                    .map(|l| exact_col_sum_sq(&l.w, l.n_out))
                    .collect()
            }
        }
        self.resync_pending = false;
    }

    /// Cached squared norms of layer `layer`: per row (Eq. 1) or per column (Eq. 3).
    pub fn cached_sum_sq(&self, layer: usize) -> Vec<f64> {
        match self.params.norm {
            DlrNorm::Pre => match self.layout {
                DlrLayout::Lanes => row_totals(&self.row_lanes[layer]),
                DlrLayout::RowSums => self.row_sums[layer].clone(),
            }
            .into_iter()
            .map(f64::from)
            .collect(),
            DlrNorm::Post => self.col_sum_sq[layer].clone(),
        }
    }

    /// The learning rate `η_ij` of weight `w` in a neuron of squared norm
    /// `sum_sq`: `η₀ (|w| + α) / (‖·‖ + α)`.
    pub fn rate(&self, w: f32, sum_sq: f32) -> f32 {
        let DlrParams { eta0, alpha, .. } = self.params;
        eta0 * (w.abs() + alpha) / (crate::simd::exact_sqrt(sum_sq.max(0.0)) + alpha)
    }

    /// The learning rate `η_ij` of every weight of layer `layer`, whose
    /// weights are `weights` (as this optimizer left them), in `w`'s
    /// pre-major order: [`Dlr::rate`] of each weight with the cached norm
    /// its equation reads (row `j`'s for Eq. 1, column `i`'s for Eq. 3), so
    /// that a caller need not know which.
    ///
    /// ```
    /// use dlr::optim::{Dlr, DlrParams};
    /// use dlr::network::Network;
    ///
    /// let net = Network::new(&[4, 3, 2], 1);
    /// let layer = &net.layers()[0];
    /// for params in [DlrParams::default(), DlrParams::post()] {
    ///     let opt = Dlr::new(net.layers(), params)?;
    ///     let rates: Vec<f32> = opt.rates(0, layer).collect();
    ///     assert_eq!(rates.len(), 4 * 3);
    ///     // w_21: input j = 2, output i = 1, at 2·3 + 1.
    ///     let sum_sq = opt.cached_sum_sq(0);
    ///     let s = if params == DlrParams::default() { sum_sq[2] } else { sum_sq[1] };
    ///     assert_eq!(rates[7], opt.rate(layer.w[7], s as f32));
    /// }
    /// # Ok::<(), dlr::optim::ParamError>(())
    /// ```
    pub fn rates<'a>(&'a self, layer: usize, weights: &'a Layer) -> impl Iterator<Item = f32> + 'a {
        let sum_sq = self.cached_sum_sq(layer);
        let (n_out, norm) = (weights.n_out, self.params.norm);
        weights.w.iter().enumerate().map(move |(k, &w)| {
            let (j, i) = (k / n_out, k % n_out);
            let s = match norm {
                DlrNorm::Pre => sum_sq[j],
                DlrNorm::Post => sum_sq[i],
            };
            self.rate(w, s as f32)
        })
    }
}

impl LayerUpdate for Dlr {
    /// Counts the step; Eq. 3 schedules its exact re-sync.
    fn begin_step(&mut self) {
        self.steps += 1;
        if self.params.norm == DlrNorm::Post && self.steps.is_multiple_of(RESYNC_EVERY) {
            self.resync_pending = true;
        }
    }

    fn update_layer(&mut self, layer: usize, w: &mut [f32], n_out: usize, grad: &Grad<'_>) {
        if self.params.norm == DlrNorm::Pre && self.layout == DlrLayout::RowSums {
            update_row_sums(self, layer, w, n_out, grad);
        } else {
            update_layer_dispatched(self, layer, w, n_out, grad);
        }
    }

    /// η₀.
    fn learning_rate(&self) -> f32 {
        self.params.eta0
    }

    /// Sets η₀ (for schedules).
    fn set_learning_rate(&mut self, eta0: f32) {
        self.params.eta0 = eta0;
    }
}

/// The row kernel of [`update_row_sums`]: the public one, which reads the
/// active path, where there are several paths; the scalar path's, the twin,
/// called directly where it is the only one (a core without a vector unit).
#[cfg(any(target_arch = "x86_64", dlr_wide))]
use kernels::dlr_row_lanes as row_kernel;
#[cfg(not(any(target_arch = "x86_64", dlr_wide)))]
use kernels::reference::dlr_row_lanes as row_kernel;

/// [`Dlr::update_layer`] for Eq. 1 in [`DlrLayout::RowSums`]: row `j`'s
/// step `η₀ a_j / (‖w_·j‖ + α)` from its sum, then the fused update, whose
/// lanes total the row's new sum. Outside the layer's dispatch, and out of
/// line where there are several paths, so that a binary holds one copy of
/// this loop (inlined into every path's layer update, it took the `no_std`
/// example over its 64 KB); inlined where the scalar path is the only one,
/// where the call cost instructions per step. The same bits as the lane
/// layout's many-row kernel on every path, so a run moved to another path,
/// or resumed there from a checkpoint, takes the same steps. (A loop, not a
/// closure: see `Grad::n_listed`.)
#[cfg_attr(any(target_arch = "x86_64", dlr_wide), inline(never))]
fn update_row_sums(o: &mut Dlr, layer: usize, w: &mut [f32], n_out: usize, grad: &Grad<'_>) {
    let DlrParams { eta0, alpha, .. } = o.params;
    let sums = &mut o.row_sums[layer];
    for k in 0..grad.n_listed(n_out) {
        let (j, a_j, delta) = grad.listed_row(n_out, k);
        if a_j != 0.0 {
            let step = eta0 * a_j / (crate::simd::exact_sqrt(sums[j]) + alpha);
            let row = &mut w[j * n_out..(j + 1) * n_out];
            sums[j] = lane_total(&row_kernel(row, step, alpha, delta));
        }
    }
}

dispatched! {
    /// [`Dlr::update_layer`] on the active SIMD path, chosen once per layer.
    fn update_layer_dispatched(o: &mut Dlr, layer: usize, w: &mut [f32], n_out: usize, grad: &Grad<'_>)
        => update_layer_on; narrow_on_avx2 if crate::simd::narrow_for_avx512(n_out)
}

/// [`Dlr::update_layer`]'s work on path `P`.
#[inline(always)]
fn update_layer_on<P: Isa>(
    isa: P,
    o: &mut Dlr,
    layer: usize,
    w: &mut [f32],
    n_out: usize,
    grad: &Grad<'_>,
) {
    let DlrParams { eta0, alpha, norm } = o.params;
    match norm {
        DlrNorm::Pre => {
            let lanes = o.row_lanes[layer].as_mut_slice();
            let n_in = w.len() / n_out;
            // Every row's step η₀ a_j / (‖w_·j‖ + α) first, eight rows
            // per vector, then one fused pass per row.
            match *grad {
                Grad::Outer { a, active, delta } => {
                    // The rows to update: a sparse input's list of lit
                    // pixels, else the rows with a non-zero input. When
                    // that is every row, the steps come from contiguous
                    // loads.
                    let (rows, every_row) = match active {
                        Some(active) => (active, false),
                        None => {
                            let rows = nonzero_rows(a, &mut o.touched[..n_in]);
                            (rows, rows.len() == n_in)
                        }
                    };
                    let step = &mut o.touched_step[..rows.len()];
                    if every_row {
                        update::dlr_steps_every_row::<P>(isa, a, lanes, eta0, alpha, step);
                    } else {
                        update::dlr_steps::<P>(isa, rows, a, lanes, eta0, alpha, step);
                    }
                    update::dlr_rows_lanes::<P>(isa, w, rows, step, alpha, delta, lanes);
                }
                Grad::Dense(g) => {
                    // Every row, input 1, each row its own δ; last row
                    // first, as `dlr_rows_lanes` goes.
                    let step = &mut o.touched_step[..n_in];
                    update::dlr_steps_every_row::<P>(
                        isa,
                        &o.ones[..n_in],
                        lanes,
                        eta0,
                        alpha,
                        step,
                    );
                    for (j, &s) in step.iter().enumerate().rev() {
                        let row = j * n_out..(j + 1) * n_out;
                        let new_lanes =
                            update::dlr_row_lanes::<P>(isa, &mut w[row.clone()], s, alpha, &g[row]);
                        lanes[j * LANES..(j + 1) * LANES].copy_from_slice(&new_lanes);
                    }
                }
            }
        }
        DlrNorm::Post => {
            let n_layers = o.col_sum_sq.len();
            let sum_sq = &mut o.col_sum_sq[layer];
            if o.resync_pending {
                write_exact_col_sum_sq(w, sum_sq);
                if layer + 1 == n_layers {
                    o.resync_pending = false;
                }
            }
            // Column factors from the norms before the step.
            let factor = &mut o.col_factor[..n_out];
            for (f, &s) in factor.iter_mut().zip(sum_sq.iter()) {
                // max(0): increments may round a tiny sum below zero.
                *f = eta0 / (crate::simd::exact_sqrt_f64(s.max(0.0)) as f32 + alpha);
            }
            let scaled = &mut o.scaled_delta.as_mut_slice()[..n_out];
            let increment = &mut o.col_increment.as_mut_slice()[..n_out];
            increment.fill(0.0);
            match *grad {
                Grad::Outer { delta, .. } => {
                    for ((s, &f), &d) in scaled.iter_mut().zip(factor.iter()).zip(delta) {
                        *s = f * d;
                    }
                    let scaled = &*scaled;
                    for k in 0..grad.n_listed(n_out) {
                        let (j, a, _) = grad.listed_row(n_out, k);
                        if a != 0.0 {
                            let row = &mut w[j * n_out..(j + 1) * n_out];
                            update::dlr_post_row::<P>(isa, row, a, alpha, scaled, increment);
                        }
                    }
                }
                Grad::Dense(g) => {
                    for (j, g_row) in g.chunks_exact(n_out).enumerate() {
                        for ((s, &f), &gi) in scaled.iter_mut().zip(factor.iter()).zip(g_row) {
                            *s = f * gi;
                        }
                        let row = &mut w[j * n_out..(j + 1) * n_out];
                        update::dlr_post_row::<P>(isa, row, 1.0, alpha, scaled, increment);
                    }
                }
            }
            for (s, &inc) in sum_sq.iter_mut().zip(increment.iter()) {
                *s += inc as f64;
            }
        }
    }
}

/// The `j` with `a_j ≠ 0`, written to the front of `rows` (`(a.len(),)`
/// scratch), in order.
fn nonzero_rows<'r>(a: &[f32], rows: &'r mut [u32]) -> &'r [u32] {
    let n = crate::kernels::nonzero_indices(a, rows);
    &rows[..n]
}

/// Everything of [`Dlr`]'s state that is not recomputed every step.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DlrCache {
    /// Eq. 1: per layer, `(n_in,)` squared row norms; empty for Eq. 3.
    pub row_sum_sq: Vec<Vec<f32>>,
    /// Eq. 3: per layer, `(n_out,)` squared column norms; empty for Eq. 1.
    pub col_sum_sq: Vec<Vec<f64>>,
    /// Steps taken.
    pub steps: u64,
    /// An exact re-sync is due in the current step.
    pub resync_pending: bool,
}

/// Squared norms of the columns of `w`, `(n_in, n_out)`, summed in f64.
fn exact_col_sum_sq(w: &[f32], n_out: usize) -> Vec<f64> {
    let mut cols = vec![0.0f64; n_out];
    write_exact_col_sum_sq(w, &mut cols);
    cols
}

/// [`exact_col_sum_sq`] into `cols`, `(n_out,)`, without allocating (the
/// resync runs inside training steps).
fn write_exact_col_sum_sq(w: &[f32], cols: &mut [f64]) {
    cols.fill(0.0);
    for row in w.chunks_exact(cols.len()) {
        for (c, &x) in cols.iter_mut().zip(row) {
            *c += x as f64 * x as f64;
        }
    }
}

/// What [`AlignedF32s::zeros`]`(len)` allocates: whole 64-byte lines of
/// sixteen `f32`s.
fn aligned_need(len: usize) -> HeapNeed {
    HeapNeed::array::<[f32; 16]>(len.div_ceil(16))
}

/// Lanes holding each of `sums` in lane 0 and zeros elsewhere (their
/// [`lane_total`] is the sum itself).
fn lanes_of_sums(sums: &[f32]) -> AlignedF32s {
    let mut lanes = AlignedF32s::zeros(sums.len() * LANES);
    for (l, &s) in lanes.as_mut_slice().chunks_exact_mut(LANES).zip(sums) {
        l[0] = s;
    }
    lanes
}

/// The sum of every row's lanes.
fn row_totals(lanes: &AlignedF32s) -> Vec<f32> {
    lanes
        .as_slice()
        .as_chunks::<LANES>()
        .0
        .iter()
        .map(lane_total)
        .collect()
}
