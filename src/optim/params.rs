//! The hyper-parameters of every rule, in one place.
//!
//! Each rule has its own parameter struct whose [`Default`] is the tuned
//! value for the paper's 784-100-10 network (docs/tuning.md), and every
//! constructor takes `(layers, params)` and validates `params` first.
//! [`Param`] names a hyper-parameter across rules; [`OptimizerKind::params`]
//! says which of them a rule has, in the order tables, JSON lines and
//! checkpoints list them. Trainers, sweeps, checkpoints and the program's
//! JSON all read and write parameters through [`OptimizerParams::get`] and
//! [`OptimizerParams::set`], so that adding a parameter touches this file.

use core::fmt;

/// Which update rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OptimizerKind {
    /// Plain gradient descent.
    Sgd,
    /// Nesterov momentum (look-ahead form, see [`crate::kernels::reference::nesterov_row`]).
    Nesterov,
    /// Adam with bias correction.
    Adam,
    /// Lazy Adam (`SparseAdam`'s semantics): only the rows whose input is
    /// non-zero take a step; the others keep their weights and moments.
    AdamLazy,
    /// DLR, Eq. 1: norm of the pre-synaptic neuron's outgoing weights.
    Dlr,
    /// DLR, Eq. 3: norm of the post-synaptic neuron's incoming weights.
    DlrPost,
}

impl OptimizerKind {
    /// Every kind, in the order tables list them.
    pub const ALL: [OptimizerKind; 6] = [
        OptimizerKind::Sgd,
        OptimizerKind::Nesterov,
        OptimizerKind::Adam,
        OptimizerKind::AdamLazy,
        OptimizerKind::Dlr,
        OptimizerKind::DlrPost,
    ];

    /// The rule's name (`sgd`, `nesterov`, `adam`, `adam-lazy`, `dlr`,
    /// `dlr-post`).
    pub const fn name(self) -> &'static str {
        match self {
            OptimizerKind::Sgd => "sgd",
            OptimizerKind::Nesterov => "nesterov",
            OptimizerKind::Adam => "adam",
            OptimizerKind::AdamLazy => "adam-lazy",
            OptimizerKind::Dlr => "dlr",
            OptimizerKind::DlrPost => "dlr-post",
        }
    }

    /// The kind named `name` (see [`OptimizerKind::name`]).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The hyper-parameters this rule has, in their listing order.
    pub const fn params(self) -> &'static [Param] {
        match self {
            OptimizerKind::Sgd => &[Param::Lr],
            OptimizerKind::Nesterov => &[Param::Lr, Param::Momentum],
            OptimizerKind::Adam | OptimizerKind::AdamLazy => {
                &[Param::Lr, Param::Beta1, Param::Beta2, Param::Eps]
            }
            OptimizerKind::Dlr | OptimizerKind::DlrPost => &[Param::Lr, Param::Alpha],
        }
    }
}

impl fmt::Display for OptimizerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A hyper-parameter, named alike across rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Param {
    /// The base learning rate: SGD's and Nesterov's η, Adam's α, DLR's η₀.
    Lr,
    /// DLR's α, added to `|w|` and to the norm.
    Alpha,
    /// Nesterov's μ.
    Momentum,
    /// Adam's β₁.
    Beta1,
    /// Adam's β₂.
    Beta2,
    /// Adam's ε.
    Eps,
}

impl Param {
    /// Every parameter, in listing order.
    pub const ALL: [Param; 6] = [
        Param::Lr,
        Param::Alpha,
        Param::Momentum,
        Param::Beta1,
        Param::Beta2,
        Param::Eps,
    ];

    /// Its name: `lr`, `alpha`, `momentum`, `beta1`, `beta2`, `eps`.
    pub const fn name(self) -> &'static str {
        match self {
            Param::Lr => "lr",
            Param::Alpha => "alpha",
            Param::Momentum => "momentum",
            Param::Beta1 => "beta1",
            Param::Beta2 => "beta2",
            Param::Eps => "eps",
        }
    }

    /// The parameter named `name` (see [`Param::name`]).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The range a parameter must lie in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    /// `x > 0` (and finite).
    Positive,
    /// `x ≥ 0` (and finite).
    NonNegative,
    /// `0 ≤ x < 1`.
    UnitInterval,
}

impl Bound {
    /// Whether `x` lies in the range.
    pub fn contains(self, x: f32) -> bool {
        x.is_finite()
            && match self {
                Bound::Positive => x > 0.0,
                Bound::NonNegative => x >= 0.0,
                Bound::UnitInterval => (0.0..1.0).contains(&x),
            }
    }
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Bound::Positive => "> 0",
            Bound::NonNegative => ">= 0",
            Bound::UnitInterval => "in [0, 1)",
        })
    }
}

/// A hyper-parameter value a rule cannot work with, or one it does not have.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ParamError {
    /// `param` is `value`, outside `bound`.
    OutOfRange {
        /// The parameter.
        param: Param,
        /// Its value.
        value: f32,
        /// Where it must lie.
        bound: Bound,
    },
    /// The rule `kind` has no parameter `param`.
    NotARuleParam {
        /// The rule.
        kind: OptimizerKind,
        /// The parameter it lacks.
        param: Param,
    },
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ParamError::OutOfRange {
                param,
                value,
                bound,
            } => write!(f, "{param} must be finite and {bound} (got {value})"),
            ParamError::NotARuleParam { kind, param } => {
                write!(f, "{kind} has no parameter {param}")
            }
        }
    }
}

impl core::error::Error for ParamError {}

fn check(param: Param, value: f32, bound: Bound) -> Result<(), ParamError> {
    if bound.contains(value) {
        Ok(())
    } else {
        Err(ParamError::OutOfRange {
            param,
            value,
            bound,
        })
    }
}

/// SGD: `w ← w − η g`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdParams {
    /// η, > 0.
    pub lr: f32,
}

impl Default for SgdParams {
    fn default() -> Self {
        Self { lr: 0.4 }
    }
}

impl SgdParams {
    /// Checks every value against its [`Bound`].
    pub fn validate(&self) -> Result<(), ParamError> {
        check(Param::Lr, self.lr, Bound::Positive)
    }
}

/// Nesterov momentum: `v ← μ v + g`, `w ← w − η (g + μ v)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NesterovParams {
    /// η, > 0.
    pub lr: f32,
    /// μ, in `[0, 1)`.
    pub momentum: f32,
}

impl Default for NesterovParams {
    fn default() -> Self {
        Self {
            lr: 0.1,
            momentum: 0.8,
        }
    }
}

impl NesterovParams {
    /// Checks every value against its [`Bound`].
    pub fn validate(&self) -> Result<(), ParamError> {
        check(Param::Lr, self.lr, Bound::Positive)?;
        check(Param::Momentum, self.momentum, Bound::UnitInterval)
    }
}

/// Adam (Kingma & Ba) with bias correction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamParams {
    /// α, the step size, > 0.
    pub lr: f32,
    /// β₁, in `[0, 1)`.
    pub beta1: f32,
    /// β₂, in `[0, 1)`.
    pub beta2: f32,
    /// ε, ≥ 0.
    pub eps: f32,
}

impl Default for AdamParams {
    fn default() -> Self {
        Self {
            lr: 0.002,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-4,
        }
    }
}

impl AdamParams {
    /// Checks every value against its [`Bound`].
    pub fn validate(&self) -> Result<(), ParamError> {
        check(Param::Lr, self.lr, Bound::Positive)?;
        check(Param::Beta1, self.beta1, Bound::UnitInterval)?;
        check(Param::Beta2, self.beta2, Bound::UnitInterval)?;
        check(Param::Eps, self.eps, Bound::NonNegative)
    }
}

/// Lazy Adam, as `torch.optim.SparseAdam` and TensorFlow Addons' `LazyAdam`
/// compute it: on the rows present in the gradient (a non-zero input),
///
/// ```text
/// m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²
/// w ← w − α √(1 − β₂ᵗ) / (1 − β₁ᵗ) · m / (√v + ε)
/// ```
///
/// with `t` the global step count; the other rows keep `w`, `m` and `v`.
/// ε is added to `√v`, not to `√v̂` as in [`AdamParams`]: both libraries
/// do so, and it equals Adam with ε scaled by `√(1 − β₂ᵗ)`, which tends to
/// ε as `t` grows. The fields are [`AdamParams`]'; `Default` is the value
/// tuned for this rule (docs/tuning.md).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamLazyParams {
    /// α, the step size, > 0.
    pub lr: f32,
    /// β₁, in `[0, 1)`.
    pub beta1: f32,
    /// β₂, in `[0, 1)`.
    pub beta2: f32,
    /// ε, ≥ 0.
    pub eps: f32,
}

impl Default for AdamLazyParams {
    fn default() -> Self {
        Self {
            lr: 0.002,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-3,
        }
    }
}

impl AdamLazyParams {
    /// Checks every value against its [`Bound`] (those of [`AdamParams`]).
    pub fn validate(&self) -> Result<(), ParamError> {
        self.as_adam().validate()
    }

    /// The same four values as [`AdamParams`].
    pub(crate) fn as_adam(&self) -> AdamParams {
        AdamParams {
            lr: self.lr,
            beta1: self.beta1,
            beta2: self.beta2,
            eps: self.eps,
        }
    }
}

/// Which neuron's norm scales DLR's rate.
///
/// A rule's name decides it once: [`OptimizerParams::default_for`] gives
/// `dlr` [`DlrNorm::Pre`] and `dlr-post` [`DlrNorm::Post`] in
/// [`DlrParams::norm`] ([`OptimizerParams::kind`] names the rule back from
/// that field). Everything after reads the field: the rule's cache and
/// update ([`crate::optim::Dlr`]), and [`crate::optim::Dlr::rates`] for a
/// caller that wants each weight's rate without knowing the equation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DlrNorm {
    /// Eq. 1: the pre-synaptic neuron's outgoing weights (a row).
    Pre,
    /// Eq. 3: the post-synaptic neuron's incoming weights (a column).
    Post,
}

/// DLR: `η_ij = η₀ (|w_ij| + α) / (‖w‖ + α)`, the norm chosen by `norm`.
///
/// `Default` is Eq. 1 at its tuned values; [`DlrParams::post`] is Eq. 3 at
/// its own.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DlrParams {
    /// η₀, > 0.
    pub eta0: f32,
    /// α, > 0 (with α = 0 an all-zero row would divide 0 by 0).
    pub alpha: f32,
    /// Eq. 1 ([`DlrNorm::Pre`]) or Eq. 3 ([`DlrNorm::Post`]).
    pub norm: DlrNorm,
}

impl Default for DlrParams {
    fn default() -> Self {
        Self {
            eta0: 2.0,
            alpha: 0.3,
            norm: DlrNorm::Pre,
        }
    }
}

impl DlrParams {
    /// Eq. 3 at its tuned values.
    pub fn post() -> Self {
        Self {
            eta0: 5.0,
            alpha: 0.3,
            norm: DlrNorm::Post,
        }
    }

    /// Checks every value against its [`Bound`].
    pub fn validate(&self) -> Result<(), ParamError> {
        check(Param::Lr, self.eta0, Bound::Positive)?;
        check(Param::Alpha, self.alpha, Bound::Positive)
    }
}

/// The parameters of any rule: what a run chosen at run time carries.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OptimizerParams {
    /// See [`SgdParams`].
    Sgd(SgdParams),
    /// See [`NesterovParams`].
    Nesterov(NesterovParams),
    /// See [`AdamParams`].
    Adam(AdamParams),
    /// See [`AdamLazyParams`].
    AdamLazy(AdamLazyParams),
    /// See [`DlrParams`] (both equations).
    Dlr(DlrParams),
}

impl OptimizerParams {
    /// The tuned parameters of `kind`.
    pub fn default_for(kind: OptimizerKind) -> Self {
        match kind {
            OptimizerKind::Sgd => Self::Sgd(SgdParams::default()),
            OptimizerKind::Nesterov => Self::Nesterov(NesterovParams::default()),
            OptimizerKind::Adam => Self::Adam(AdamParams::default()),
            OptimizerKind::AdamLazy => Self::AdamLazy(AdamLazyParams::default()),
            OptimizerKind::Dlr => Self::Dlr(DlrParams::default()),
            OptimizerKind::DlrPost => Self::Dlr(DlrParams::post()),
        }
    }

    /// The rule.
    pub fn kind(&self) -> OptimizerKind {
        match self {
            Self::Sgd(_) => OptimizerKind::Sgd,
            Self::Nesterov(_) => OptimizerKind::Nesterov,
            Self::Adam(_) => OptimizerKind::Adam,
            Self::AdamLazy(_) => OptimizerKind::AdamLazy,
            Self::Dlr(p) => match p.norm {
                DlrNorm::Pre => OptimizerKind::Dlr,
                DlrNorm::Post => OptimizerKind::DlrPost,
            },
        }
    }

    /// The value of `param`, `None` when the rule has no such parameter.
    pub fn get(&self, param: Param) -> Option<f32> {
        match (self, param) {
            (Self::Sgd(p), Param::Lr) => Some(p.lr),
            (Self::Nesterov(p), Param::Lr) => Some(p.lr),
            (Self::Nesterov(p), Param::Momentum) => Some(p.momentum),
            (Self::Adam(p), Param::Lr) => Some(p.lr),
            (Self::Adam(p), Param::Beta1) => Some(p.beta1),
            (Self::Adam(p), Param::Beta2) => Some(p.beta2),
            (Self::Adam(p), Param::Eps) => Some(p.eps),
            (Self::AdamLazy(p), Param::Lr) => Some(p.lr),
            (Self::AdamLazy(p), Param::Beta1) => Some(p.beta1),
            (Self::AdamLazy(p), Param::Beta2) => Some(p.beta2),
            (Self::AdamLazy(p), Param::Eps) => Some(p.eps),
            (Self::Dlr(p), Param::Lr) => Some(p.eta0),
            (Self::Dlr(p), Param::Alpha) => Some(p.alpha),
            _ => None,
        }
    }

    /// Sets `param` to `value` (checked later by [`OptimizerParams::validate`]
    /// or the rule's constructor); an error when the rule has no such
    /// parameter.
    pub fn set(&mut self, param: Param, value: f32) -> Result<(), ParamError> {
        let kind = self.kind();
        let slot = match (self, param) {
            (Self::Sgd(p), Param::Lr) => &mut p.lr,
            (Self::Nesterov(p), Param::Lr) => &mut p.lr,
            (Self::Nesterov(p), Param::Momentum) => &mut p.momentum,
            (Self::Adam(p), Param::Lr) => &mut p.lr,
            (Self::Adam(p), Param::Beta1) => &mut p.beta1,
            (Self::Adam(p), Param::Beta2) => &mut p.beta2,
            (Self::Adam(p), Param::Eps) => &mut p.eps,
            (Self::AdamLazy(p), Param::Lr) => &mut p.lr,
            (Self::AdamLazy(p), Param::Beta1) => &mut p.beta1,
            (Self::AdamLazy(p), Param::Beta2) => &mut p.beta2,
            (Self::AdamLazy(p), Param::Eps) => &mut p.eps,
            (Self::Dlr(p), Param::Lr) => &mut p.eta0,
            (Self::Dlr(p), Param::Alpha) => &mut p.alpha,
            _ => return Err(ParamError::NotARuleParam { kind, param }),
        };
        *slot = value;
        Ok(())
    }

    /// The rule's parameters with their values, in listing order.
    pub fn values(&self) -> impl Iterator<Item = (Param, f32)> + '_ {
        self.kind()
            .params()
            .iter()
            .filter_map(|&p| self.get(p).map(|v| (p, v)))
    }

    /// Checks every value against its [`Bound`].
    pub fn validate(&self) -> Result<(), ParamError> {
        match self {
            Self::Sgd(p) => p.validate(),
            Self::Nesterov(p) => p.validate(),
            Self::Adam(p) => p.validate(),
            Self::AdamLazy(p) => p.validate(),
            Self::Dlr(p) => p.validate(),
        }
    }

    /// Whether `self` and `other` are the same rule with bit-identical values.
    pub fn same_bits(&self, other: &Self) -> bool {
        self.kind() == other.kind()
            && self
                .values()
                .zip(other.values())
                .all(|((_, a), (_, b))| a.to_bits() == b.to_bits())
    }
}

impl From<SgdParams> for OptimizerParams {
    fn from(p: SgdParams) -> Self {
        Self::Sgd(p)
    }
}

impl From<NesterovParams> for OptimizerParams {
    fn from(p: NesterovParams) -> Self {
        Self::Nesterov(p)
    }
}

impl From<AdamParams> for OptimizerParams {
    fn from(p: AdamParams) -> Self {
        Self::Adam(p)
    }
}

impl From<AdamLazyParams> for OptimizerParams {
    fn from(p: AdamLazyParams) -> Self {
        Self::AdamLazy(p)
    }
}

impl From<DlrParams> for OptimizerParams {
    fn from(p: DlrParams) -> Self {
        Self::Dlr(p)
    }
}
