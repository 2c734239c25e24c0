//! Optimizers: SGD, Nesterov momentum, Adam, lazy Adam and DLR (Eq. 1 and
//! Eq. 3).
//!
//! Each rule is a type ([`Sgd`], [`Nesterov`], [`Adam`], [`AdamLazy`],
//! [`Dlr`]) built as
//! `Rule::new(layers, params)` from the layers it will update and its
//! parameter struct ([`SgdParams`], [`NesterovParams`], [`AdamParams`],
//! [`AdamLazyParams`], [`DlrParams`]), whose `Default` is the tuned value; [`Optimizer`] is any
//! of them, chosen at run time from [`OptimizerParams`]. A constructor
//! checks the parameters and returns a [`ParamError`] naming the parameter,
//! its value and its bound.
//!
//! Every optimizer owns its state (velocity, moments, DLR norm cache),
//! allocated in `new`, and updates one layer at a time from the
//! layer's gradient given as rank-1 factors `g_ij = a_j δ_i` (online) or as a
//! dense matrix (mini-batches), so that the fused per-row kernels in
//! [`crate::kernels`] apply and zero inputs cost nothing for SGD, lazy Adam
//! and DLR.

mod adam;
mod adam_lazy;
mod adam_moments;
mod dlr;
mod nesterov;
mod params;
mod schedule;
mod sgd;

pub use adam::Adam;
pub use adam_lazy::AdamLazy;
pub(crate) use adam_moments::AdamMoments;
pub(crate) use dlr::DlrCache;
pub use dlr::{Dlr, DlrLayout, RESYNC_EVERY};
pub use nesterov::Nesterov;
pub use params::{
    AdamLazyParams, AdamParams, Bound, DlrNorm, DlrParams, NesterovParams, OptimizerKind,
    OptimizerParams, Param, ParamError, SgdParams,
};
pub use schedule::Scheduled;
pub use sgd::Sgd;

use crate::layer::Layer;
use crate::memory::HeapNeed;

/// The gradient of one layer, `(n_in, n_out)`.
#[derive(Clone, Copy, Debug)]
pub enum Grad<'a> {
    /// Online step: `g_ij = a_j δ_i`.
    Outer {
        /// `(n_in,)` the layer's inputs.
        a: &'a [f32],
        /// The `j` with `a_j ≠ 0`, when the caller knows them (sparse input);
        /// `None` visits every row and skips zero `a_j`.
        active: Option<&'a [u32]>,
        /// `(n_out,)` the layer's deltas.
        delta: &'a [f32],
    },
    /// Mini-batch step: `g`, `(n_in, n_out)` pre-major.
    Dense(&'a [f32]),
}

impl Grad<'_> {
    /// Rows a layer update loops over when it visits the rows whose
    /// gradient may be non-zero: a sparse input's listed rows, else every
    /// row. With [`Grad::listed_row`], for the dispatched update bodies,
    /// which loop themselves rather than pass a closure: a closure is a
    /// function of its own, compiled without the SIMD path's target features
    /// when LLVM does not inline it.
    #[inline(always)]
    pub(crate) fn n_listed(&self, n_out: usize) -> usize {
        match *self {
            Grad::Outer {
                active: Some(active),
                ..
            } => active.len(),
            Grad::Outer { a, .. } => a.len(),
            Grad::Dense(g) => g.len() / n_out,
        }
    }

    /// Entry `k < n_listed` of the list: `(j, a_j, δ)`; `a_j` may be zero
    /// (skip the row then), and is 1 for dense gradients, `δ = g_j·`.
    #[inline(always)]
    pub(crate) fn listed_row(&self, n_out: usize, k: usize) -> (usize, f32, &[f32]) {
        match *self {
            Grad::Outer {
                a,
                active: Some(active),
                delta,
            } => {
                let j = active[k] as usize;
                (j, a[j], delta)
            }
            Grad::Outer { a, delta, .. } => (k, a[k], delta),
            Grad::Dense(g) => (k, 1.0, &g[k * n_out..(k + 1) * n_out]),
        }
    }

    /// Rows of the layer, `n_in`.
    #[inline(always)]
    pub(crate) fn n_rows(&self, n_out: usize) -> usize {
        match *self {
            Grad::Outer { a, .. } => a.len(),
            Grad::Dense(g) => g.len() / n_out,
        }
    }

    /// Row `j`'s factors `(a_j, δ)`, zero or not (dense: `(1, g_j·)`).
    #[inline(always)]
    pub(crate) fn row(&self, n_out: usize, j: usize) -> (f32, &[f32]) {
        match *self {
            Grad::Outer { a, delta, .. } => (a[j], delta),
            Grad::Dense(g) => (1.0, &g[j * n_out..(j + 1) * n_out]),
        }
    }
}

/// What a training step ([`crate::network::Network::train_step`],
/// [`crate::network::Network::train_batch`]) needs of an optimizer.
///
/// [`Optimizer`] implements it for every rule, chosen at run time. Each
/// rule's own type ([`Sgd`], [`Nesterov`], [`Adam`], [`AdamLazy`], [`Dlr`]) implements it
/// too, so that a program which trains with one rule can pass that type and
/// link no other rule's code (`examples/embedded.rs` passes a [`Dlr`]). A
/// wrapper that changes the rate as training goes on (a schedule) implements
/// it around another rule.
///
/// ```
/// use dlr::network::Workspace;
/// use dlr::optim::{Dlr, DlrParams};
/// use dlr::network::Network;
///
/// let mut net = Network::new(&[4, 3, 2], 1);
/// let mut opt = Dlr::new(net.layers(), DlrParams::default())?;
/// let mut ws = Workspace::new(&net);
/// let before = net.train_step(&mut ws, &mut opt, &[255, 0, 0, 9], 1);
/// assert!(net.train_step(&mut ws, &mut opt, &[255, 0, 0, 9], 1) < before);
/// # Ok::<(), dlr::optim::ParamError>(())
/// ```
pub trait LayerUpdate {
    /// Marks the start of a training step (Adam's `t`, DLR's drift re-sync).
    fn begin_step(&mut self);
    /// Updates layer `layer`'s weights `w`, `(n_in, n_out)` pre-major, from
    /// its gradient.
    fn update_layer(&mut self, layer: usize, w: &mut [f32], n_out: usize, grad: &Grad<'_>);
    /// The base learning rate (η, Adam's α, DLR's η₀).
    fn learning_rate(&self) -> f32;
    /// Sets the base learning rate (for schedules).
    fn set_learning_rate(&mut self, lr: f32);
}

impl LayerUpdate for Optimizer {
    fn begin_step(&mut self) {
        match self {
            Optimizer::Sgd(o) => o.begin_step(),
            Optimizer::Nesterov(o) => o.begin_step(),
            Optimizer::Adam(o) => o.begin_step(),
            Optimizer::AdamLazy(o) => o.begin_step(),
            Optimizer::Dlr(o) => o.begin_step(),
        }
    }

    fn update_layer(&mut self, layer: usize, w: &mut [f32], n_out: usize, grad: &Grad<'_>) {
        match self {
            Optimizer::Sgd(o) => o.update_layer(layer, w, n_out, grad),
            Optimizer::Nesterov(o) => o.update_layer(layer, w, n_out, grad),
            Optimizer::Adam(o) => o.update_layer(layer, w, n_out, grad),
            Optimizer::AdamLazy(o) => o.update_layer(layer, w, n_out, grad),
            Optimizer::Dlr(o) => o.update_layer(layer, w, n_out, grad),
        }
    }

    fn learning_rate(&self) -> f32 {
        match self {
            Optimizer::Sgd(o) => o.learning_rate(),
            Optimizer::Nesterov(o) => o.learning_rate(),
            Optimizer::Adam(o) => o.learning_rate(),
            Optimizer::AdamLazy(o) => o.learning_rate(),
            Optimizer::Dlr(o) => o.learning_rate(),
        }
    }

    fn set_learning_rate(&mut self, lr: f32) {
        match self {
            Optimizer::Sgd(o) => o.set_learning_rate(lr),
            Optimizer::Nesterov(o) => o.set_learning_rate(lr),
            Optimizer::Adam(o) => o.set_learning_rate(lr),
            Optimizer::AdamLazy(o) => o.set_learning_rate(lr),
            Optimizer::Dlr(o) => o.set_learning_rate(lr),
        }
    }
}

/// An optimizer with its state for one network shape.
#[derive(Clone, Debug)]
pub enum Optimizer {
    /// See [`Sgd`].
    Sgd(Sgd),
    /// See [`Nesterov`].
    Nesterov(Nesterov),
    /// See [`Adam`].
    Adam(Adam),
    /// See [`AdamLazy`].
    AdamLazy(AdamLazy),
    /// See [`Dlr`] (both equations).
    Dlr(Dlr),
}

impl Optimizer {
    /// The rule of `params` with its state allocated for `layers` (DLR reads
    /// their weights to fill its norm cache), after checking `params`.
    ///
    /// ```
    /// use dlr::optim::{DlrParams, Optimizer, OptimizerParams, Param, ParamError};
    /// use dlr::network::Network;
    ///
    /// let net = Network::new(&[784, 100, 10], 1);
    /// // The paper's Eq. 3 with a smaller step than its tuned η₀ = 5.
    /// let params = DlrParams { eta0: 2.0, ..DlrParams::post() };
    /// let opt = Optimizer::new(net.layers(), params.into())?;
    /// assert_eq!(opt.params().get(Param::Lr), Some(2.0));
    ///
    /// let bad = DlrParams { alpha: 0.0, ..params }; // DLR divides by ‖w‖ + α
    /// let err = Optimizer::new(net.layers(), bad.into()).unwrap_err();
    /// assert!(matches!(err, ParamError::OutOfRange { param: Param::Alpha, .. }));
    /// # Ok::<(), ParamError>(())
    /// ```
    pub fn new(layers: &[Layer], params: OptimizerParams) -> Result<Self, ParamError> {
        Ok(match params {
            OptimizerParams::Sgd(p) => Optimizer::Sgd(Sgd::new(layers, p)?),
            OptimizerParams::Nesterov(p) => Optimizer::Nesterov(Nesterov::new(layers, p)?),
            OptimizerParams::Adam(p) => Optimizer::Adam(Adam::new(layers, p)?),
            OptimizerParams::AdamLazy(p) => Optimizer::AdamLazy(AdamLazy::new(layers, p)?),
            OptimizerParams::Dlr(p) => Optimizer::Dlr(Dlr::new(layers, p)?),
        })
    }

    /// The rule `kind` at its tuned parameters
    /// ([`OptimizerParams::default_for`]), which need no check.
    pub fn tuned(layers: &[Layer], kind: OptimizerKind) -> Self {
        match OptimizerParams::default_for(kind) {
            OptimizerParams::Sgd(p) => Optimizer::Sgd(Sgd::unchecked(layers, p)),
            OptimizerParams::Nesterov(p) => Optimizer::Nesterov(Nesterov::unchecked(layers, p)),
            OptimizerParams::Adam(p) => Optimizer::Adam(Adam::unchecked(layers, p)),
            OptimizerParams::AdamLazy(p) => Optimizer::AdamLazy(AdamLazy::unchecked(layers, p)),
            OptimizerParams::Dlr(p) => Optimizer::Dlr(Dlr::unchecked(layers, p)),
        }
    }

    /// The heap [`Optimizer::new`] allocates for rule `params` on a network
    /// of layer sizes `sizes`, without allocating it: each rule's own
    /// `heap_need` (DLR's in the active path's layout, [`DlrLayout::for_active_path`]).
    ///
    /// ```
    /// use dlr::optim::{Optimizer, OptimizerKind, OptimizerParams};
    ///
    /// let adam = OptimizerParams::default_for(OptimizerKind::Adam);
    /// // m and v: two f32 per weight, in one Vec per layer each.
    /// let need = Optimizer::heap_need(&adam, &[784, 32, 10]);
    /// assert_eq!(need.bytes, 2 * 4 * (784 * 32 + 32 * 10) + 4 * core::mem::size_of::<Vec<f32>>());
    /// ```
    pub fn heap_need(params: &OptimizerParams, sizes: &[usize]) -> HeapNeed {
        match params {
            OptimizerParams::Sgd(_) => Sgd::heap_need(sizes),
            OptimizerParams::Nesterov(_) => Nesterov::heap_need(sizes),
            OptimizerParams::Adam(_) => Adam::heap_need(sizes),
            OptimizerParams::AdamLazy(_) => AdamLazy::heap_need(sizes),
            OptimizerParams::Dlr(p) => Dlr::heap_need(sizes, p.norm, DlrLayout::for_active_path()),
        }
    }

    /// The rule and the parameters it runs with now (after any
    /// [`LayerUpdate::set_learning_rate`]).
    pub fn params(&self) -> OptimizerParams {
        match self {
            Optimizer::Sgd(o) => o.params().into(),
            Optimizer::Nesterov(o) => o.params().into(),
            Optimizer::Adam(o) => o.params().into(),
            Optimizer::AdamLazy(o) => o.params().into(),
            Optimizer::Dlr(o) => o.params().into(),
        }
    }

    /// The rule.
    pub fn kind(&self) -> OptimizerKind {
        self.params().kind()
    }
}
