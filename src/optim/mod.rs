//! Optimizers: SGD, Nesterov momentum, Adam and DLR (Eq. 1 and Eq. 3).
//!
//! Every optimizer owns its state (velocity, moments, DLR norm cache),
//! allocated in [`Optimizer::new`], and updates one layer at a time from the
//! layer's gradient given as rank-1 factors `g_ij = a_j δ_i` (online) or as a
//! dense matrix (mini-batches), so that the fused per-row kernels in
//! [`crate::kernels`] apply and zero inputs cost nothing for SGD and DLR.

mod adam;
mod dlr;
mod nesterov;
mod sgd;

use alloc::vec::Vec;
use core::fmt;

pub use adam::Adam;
pub(crate) use dlr::DlrCache;
pub use dlr::{Dlr, DlrNorm, RESYNC_EVERY};
pub use nesterov::Nesterov;
pub use sgd::Sgd;

use crate::network::Network;

/// Which update rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OptimizerKind {
    /// Plain gradient descent.
    Sgd,
    /// Nesterov momentum (look-ahead form, see [`crate::kernels::reference::nesterov_row`]).
    Nesterov,
    /// Adam with bias correction.
    Adam,
    /// DLR, Eq. 1: norm of the pre-synaptic neuron's outgoing weights.
    Dlr,
    /// DLR, Eq. 3: norm of the post-synaptic neuron's incoming weights.
    DlrPost,
}

impl OptimizerKind {
    /// Every kind, in the order tables list them.
    pub const ALL: [OptimizerKind; 5] = [
        OptimizerKind::Sgd,
        OptimizerKind::Nesterov,
        OptimizerKind::Adam,
        OptimizerKind::Dlr,
        OptimizerKind::DlrPost,
    ];

    /// The name used on the command line and in JSON.
    pub const fn name(self) -> &'static str {
        match self {
            OptimizerKind::Sgd => "sgd",
            OptimizerKind::Nesterov => "nesterov",
            OptimizerKind::Adam => "adam",
            OptimizerKind::Dlr => "dlr",
            OptimizerKind::DlrPost => "dlr-post",
        }
    }

    /// Parses a command-line name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl fmt::Display for OptimizerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Hyper-parameters of every optimizer; each kind reads its own.
///
/// [`OptimizerConfig::new`] gives the defaults, which are the best values
/// found by scanning at H = 100 (README, "Tuning").
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OptimizerConfig {
    /// The update rule.
    pub kind: OptimizerKind,
    /// η for SGD, Nesterov; α (step size) for Adam; η₀ for DLR.
    pub lr: f32,
    /// DLR's α (added to |w| and to the norm).
    pub alpha: f32,
    /// Nesterov's μ.
    pub momentum: f32,
    /// Adam's β₁.
    pub beta1: f32,
    /// Adam's β₂.
    pub beta2: f32,
    /// Adam's ε.
    pub eps: f32,
}

/// A hyper-parameter that cannot work.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigError(pub &'static str, pub f32);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (got {})", self.0, self.1)
    }
}

impl core::error::Error for ConfigError {}

impl OptimizerConfig {
    /// The tuned defaults of `kind` for a 784-100-10 network.
    pub fn new(kind: OptimizerKind) -> Self {
        let base = Self {
            kind,
            lr: 0.1,
            alpha: 0.0,
            momentum: 0.0,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        };
        match kind {
            OptimizerKind::Sgd => Self { lr: 0.4, ..base },
            OptimizerKind::Nesterov => Self {
                lr: 0.1,
                momentum: 0.8,
                ..base
            },
            OptimizerKind::Adam => Self {
                lr: 0.002,
                eps: 1e-4,
                ..base
            },
            OptimizerKind::Dlr => Self {
                lr: 2.0,
                alpha: 0.3,
                ..base
            },
            OptimizerKind::DlrPost => Self {
                lr: 5.0,
                alpha: 0.3,
                ..base
            },
        }
    }

    /// The hyper-parameters the rule of `self.kind` reads, as `(flag, value)`
    /// with the command-line flag that sets each.
    pub fn used_parameters(&self) -> Vec<(&'static str, f32)> {
        let mut used = alloc::vec![("--lr", self.lr)];
        match self.kind {
            OptimizerKind::Sgd => {}
            OptimizerKind::Nesterov => used.push(("--momentum", self.momentum)),
            OptimizerKind::Adam => used.extend([
                ("--beta1", self.beta1),
                ("--beta2", self.beta2),
                ("--eps", self.eps),
            ]),
            OptimizerKind::Dlr | OptimizerKind::DlrPost => used.push(("--alpha", self.alpha)),
        }
        used
    }

    /// Rejects values that cannot work: non-finite or non-positive rates,
    /// negative α or ε, momentum or betas outside `[0, 1)`.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let finite = [
            self.lr,
            self.alpha,
            self.momentum,
            self.beta1,
            self.beta2,
            self.eps,
        ];
        if let Some(&x) = finite.iter().find(|x| !x.is_finite()) {
            return Err(ConfigError("hyper-parameters must be finite", x));
        }
        if self.lr <= 0.0 {
            return Err(ConfigError("--lr must be > 0", self.lr));
        }
        match self.kind {
            OptimizerKind::Sgd => {}
            OptimizerKind::Nesterov => {
                if !(0.0..1.0).contains(&self.momentum) {
                    return Err(ConfigError("--momentum must be in [0, 1)", self.momentum));
                }
            }
            OptimizerKind::Adam => {
                if !(0.0..1.0).contains(&self.beta1) {
                    return Err(ConfigError("--beta1 must be in [0, 1)", self.beta1));
                }
                if !(0.0..1.0).contains(&self.beta2) {
                    return Err(ConfigError("--beta2 must be in [0, 1)", self.beta2));
                }
                if self.eps < 0.0 {
                    return Err(ConfigError("--eps must be >= 0", self.eps));
                }
            }
            OptimizerKind::Dlr | OptimizerKind::DlrPost => {
                // α = 0 with an all-zero row would divide 0 by 0.
                if self.alpha <= 0.0 {
                    return Err(ConfigError("--alpha must be > 0", self.alpha));
                }
            }
        }
        Ok(())
    }
}

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
    /// Calls `f(j, a_j, δ)` for every row whose gradient `a_j δ` may be
    /// non-zero (dense gradients: every row, with `a_j = 1`, `δ = g_j·`).
    #[inline(always)]
    pub(crate) fn for_each_nonzero_row(&self, n_out: usize, mut f: impl FnMut(usize, f32, &[f32])) {
        match *self {
            Grad::Outer {
                a,
                active: Some(active),
                delta,
            } => {
                for &j in active {
                    f(j as usize, a[j as usize], delta);
                }
            }
            Grad::Outer {
                a,
                active: None,
                delta,
            } => {
                for (j, &aj) in a.iter().enumerate() {
                    if aj != 0.0 {
                        f(j, aj, delta);
                    }
                }
            }
            Grad::Dense(g) => {
                for (j, row) in g.chunks_exact(n_out).enumerate() {
                    f(j, 1.0, row);
                }
            }
        }
    }

    /// Calls `f(j, a_j, δ)` for every row `0..n_in`, zero gradients included
    /// (for optimizers whose state decays every step).
    #[inline(always)]
    pub(crate) fn for_each_row(&self, n_out: usize, mut f: impl FnMut(usize, f32, &[f32])) {
        match *self {
            Grad::Outer { a, delta, .. } => {
                for (j, &aj) in a.iter().enumerate() {
                    f(j, aj, delta);
                }
            }
            Grad::Dense(g) => {
                for (j, row) in g.chunks_exact(n_out).enumerate() {
                    f(j, 1.0, row);
                }
            }
        }
    }
}

/// What a training step ([`Network::train_step`],
/// [`Network::train_batch`]) needs of an optimizer.
///
/// [`Optimizer`] implements it for every rule, chosen at run time. Each
/// rule's own type ([`Sgd`], [`Nesterov`], [`Adam`], [`Dlr`]) implements it
/// too, so that a program which trains with one rule can pass that type and
/// link no other rule's code: `examples/embedded.rs` passes a [`Dlr`] and is
/// about 5 KB smaller for it.
///
/// ```
/// use dlr::network::Workspace;
/// use dlr::optim::{Dlr, DlrNorm};
/// use dlr::Network;
///
/// let mut net = Network::new(&[4, 3, 2], 1);
/// let mut opt = Dlr::new(2.0, 0.3, DlrNorm::Pre, &net);
/// let mut ws = Workspace::new(&net);
/// let before = net.train_step(&mut ws, &mut opt, &[255, 0, 0, 9], 1);
/// assert!(net.train_step(&mut ws, &mut opt, &[255, 0, 0, 9], 1) < before);
/// ```
pub trait LayerUpdate {
    /// Marks the start of a training step (Adam's `t`, DLR's drift re-sync).
    fn begin_step(&mut self);
    /// Updates layer `layer`'s weights `w`, `(n_in, n_out)` pre-major, from
    /// its gradient.
    fn update_layer(&mut self, layer: usize, w: &mut [f32], n_out: usize, grad: &Grad<'_>);
}

impl LayerUpdate for Optimizer {
    fn begin_step(&mut self) {
        Optimizer::begin_step(self);
    }
    fn update_layer(&mut self, layer: usize, w: &mut [f32], n_out: usize, grad: &Grad<'_>) {
        Optimizer::update_layer(self, layer, w, n_out, grad);
    }
}

impl LayerUpdate for Sgd {
    fn begin_step(&mut self) {}
    fn update_layer(&mut self, _layer: usize, w: &mut [f32], n_out: usize, grad: &Grad<'_>) {
        Sgd::update_layer(self, w, n_out, grad);
    }
}

impl LayerUpdate for Nesterov {
    fn begin_step(&mut self) {}
    fn update_layer(&mut self, layer: usize, w: &mut [f32], n_out: usize, grad: &Grad<'_>) {
        Nesterov::update_layer(self, layer, w, n_out, grad);
    }
}

impl LayerUpdate for Adam {
    fn begin_step(&mut self) {
        Adam::begin_step(self);
    }
    fn update_layer(&mut self, layer: usize, w: &mut [f32], n_out: usize, grad: &Grad<'_>) {
        Adam::update_layer(self, layer, w, n_out, grad);
    }
}

impl LayerUpdate for Dlr {
    fn begin_step(&mut self) {
        Dlr::begin_step(self);
    }
    fn update_layer(&mut self, layer: usize, w: &mut [f32], n_out: usize, grad: &Grad<'_>) {
        Dlr::update_layer(self, layer, w, n_out, grad);
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
    /// See [`Dlr`] (both equations).
    Dlr(Dlr),
}

impl Optimizer {
    /// Allocates the state of `config.kind` for `net`'s shape. DLR reads the
    /// current weights to fill its norm cache.
    ///
    /// # Panics
    /// If `config.validate()` fails; validate first to report it.
    ///
    /// ```
    /// use dlr::{Network, Optimizer, OptimizerConfig, OptimizerKind};
    ///
    /// let net = Network::new(&[784, 100, 10], 1);
    /// // The paper's Eq. 3 with a smaller step than the tuned η₀ = 5.
    /// let config = OptimizerConfig { lr: 2.0, ..OptimizerConfig::new(OptimizerKind::DlrPost) };
    /// config.validate()?;
    /// let opt = Optimizer::new(&config, &net);
    /// assert_eq!(opt.learning_rate(), 2.0);
    ///
    /// let bad = OptimizerConfig { alpha: 0.0, ..config };
    /// assert!(bad.validate().is_err()); // DLR divides by ‖w‖ + α
    /// # Ok::<(), dlr::optim::ConfigError>(())
    /// ```
    pub fn new(config: &OptimizerConfig, net: &Network) -> Self {
        if let Err(e) = config.validate() {
            panic!("invalid optimizer configuration: {e}");
        }
        let shapes: Vec<(usize, usize)> = net.layers().iter().map(|l| (l.n_in, l.n_out)).collect();
        match config.kind {
            OptimizerKind::Sgd => Optimizer::Sgd(Sgd::new(config.lr)),
            OptimizerKind::Nesterov => {
                Optimizer::Nesterov(Nesterov::new(config.lr, config.momentum, &shapes))
            }
            OptimizerKind::Adam => Optimizer::Adam(Adam::new(config, &shapes)),
            OptimizerKind::Dlr => {
                Optimizer::Dlr(Dlr::new(config.lr, config.alpha, DlrNorm::Pre, net))
            }
            OptimizerKind::DlrPost => {
                Optimizer::Dlr(Dlr::new(config.lr, config.alpha, DlrNorm::Post, net))
            }
        }
    }

    /// The update rule and the hyper-parameters this optimizer runs with now
    /// (after any [`Optimizer::set_learning_rate`]). The fields its rule does
    /// not read are those of [`OptimizerConfig::new`].
    pub fn config(&self) -> OptimizerConfig {
        match self {
            Optimizer::Sgd(o) => OptimizerConfig {
                lr: o.lr,
                ..OptimizerConfig::new(OptimizerKind::Sgd)
            },
            Optimizer::Nesterov(o) => OptimizerConfig {
                lr: o.lr,
                momentum: o.momentum,
                ..OptimizerConfig::new(OptimizerKind::Nesterov)
            },
            Optimizer::Adam(o) => OptimizerConfig {
                lr: o.lr,
                beta1: o.beta1,
                beta2: o.beta2,
                eps: o.eps,
                ..OptimizerConfig::new(OptimizerKind::Adam)
            },
            Optimizer::Dlr(o) => {
                let kind = match o.norm() {
                    DlrNorm::Pre => OptimizerKind::Dlr,
                    DlrNorm::Post => OptimizerKind::DlrPost,
                };
                OptimizerConfig {
                    lr: o.eta0,
                    alpha: o.alpha,
                    ..OptimizerConfig::new(kind)
                }
            }
        }
    }

    /// Marks the start of a training step (Adam's `t`, DLR's drift re-sync).
    pub fn begin_step(&mut self) {
        match self {
            Optimizer::Adam(o) => o.begin_step(),
            Optimizer::Dlr(o) => o.begin_step(),
            Optimizer::Sgd(_) | Optimizer::Nesterov(_) => {}
        }
    }

    /// Updates layer `layer`'s weights `w`, `(n_in, n_out)` pre-major, from
    /// its gradient.
    pub fn update_layer(&mut self, layer: usize, w: &mut [f32], n_out: usize, grad: &Grad<'_>) {
        match self {
            Optimizer::Sgd(o) => o.update_layer(w, n_out, grad),
            Optimizer::Nesterov(o) => o.update_layer(layer, w, n_out, grad),
            Optimizer::Adam(o) => o.update_layer(layer, w, n_out, grad),
            Optimizer::Dlr(o) => o.update_layer(layer, w, n_out, grad),
        }
    }

    /// The base learning rate (η, Adam's α, DLR's η₀).
    pub fn learning_rate(&self) -> f32 {
        match self {
            Optimizer::Sgd(o) => o.lr,
            Optimizer::Nesterov(o) => o.lr,
            Optimizer::Adam(o) => o.lr,
            Optimizer::Dlr(o) => o.eta0,
        }
    }

    /// Sets the base learning rate (for schedules).
    pub fn set_learning_rate(&mut self, lr: f32) {
        match self {
            Optimizer::Sgd(o) => o.lr = lr,
            Optimizer::Nesterov(o) => o.lr = lr,
            Optimizer::Adam(o) => o.lr = lr,
            Optimizer::Dlr(o) => o.eta0 = lr,
        }
    }
}
