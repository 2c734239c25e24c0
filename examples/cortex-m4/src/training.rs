//! The firmware's use of the library's training API: the rules built in,
//! their parameters, and what a run needs of the heap, asked of the
//! library's own size queries (`Network::heap_need`,
//! `Workspace::heap_need`, `Optimizer::heap_need`) before anything is
//! allocated.

use alloc::format;
use alloc::string::String;

use dlr::memory::HeapNeed;
use dlr::network::{Network, Workspace};
use dlr::optim::{
    Adam, AdamLazy, Dlr, Grad, LayerUpdate, Nesterov, Optimizer, OptimizerKind, OptimizerParams,
    Param, ParamError, Sgd,
};

use crate::board::PER_ALLOCATION;
use crate::fixed::FixedF32;

/// The update rule: one of the library's rules, each its own type (as
/// `dlr::optim::Optimizer` holds them), so that a program that wants fewer
/// rules can drop a variant and link less (docs/embedding.md has the flash
/// of each).
#[derive(Debug)]
pub enum Rule {
    /// `dlr::optim::Dlr`, in this target's layout (one sum per row).
    Dlr(Dlr),
    /// `dlr::optim::Sgd`.
    Sgd(Sgd),
    /// `dlr::optim::Nesterov`.
    Nesterov(Nesterov),
    /// `dlr::optim::Adam`.
    Adam(Adam),
    /// `dlr::optim::AdamLazy`.
    AdamLazy(AdamLazy),
}

macro_rules! each_rule {
    ($rule:expr, $o:ident => $body:expr) => {
        match $rule {
            Rule::Dlr($o) => $body,
            Rule::Sgd($o) => $body,
            Rule::Nesterov($o) => $body,
            Rule::Adam($o) => $body,
            Rule::AdamLazy($o) => $body,
        }
    };
}

impl LayerUpdate for Rule {
    fn begin_step(&mut self) {
        each_rule!(self, o => o.begin_step())
    }
    fn update_layer(&mut self, layer: usize, w: &mut [f32], n_out: usize, grad: &Grad<'_>) {
        each_rule!(self, o => o.update_layer(layer, w, n_out, grad))
    }
    fn learning_rate(&self) -> f32 {
        each_rule!(self, o => o.learning_rate())
    }
    fn set_learning_rate(&mut self, lr: f32) {
        each_rule!(self, o => o.set_learning_rate(lr))
    }
}

/// The parameters of `kind`: the crate's tuned defaults, with `lr` and
/// `alpha` replaced when given; an error line when they cannot work.
pub fn config(
    kind: OptimizerKind,
    lr: Option<f32>,
    alpha: Option<f32>,
) -> Result<OptimizerParams, String> {
    // The message's own text and value: `ParamError`'s `Display` would
    // link `core`'s float formatting (over 10 KB of flash).
    let message = |e: ParamError| match e {
        ParamError::OutOfRange {
            param,
            value,
            bound,
        } => format!(
            "--{} must be finite and {bound} (got {})",
            param.name(),
            FixedF32(value, 6)
        ),
        ParamError::NotARuleParam { param, .. } => {
            format!("--{} does not apply to --optimizer {kind}", param.name())
        }
    };
    let mut params = OptimizerParams::default_for(kind);
    if let Some(lr) = lr {
        params.set(Param::Lr, lr).map_err(message)?;
    }
    if let Some(alpha) = alpha {
        params.set(Param::Alpha, alpha).map_err(message)?;
    }
    params.validate().map_err(message)?;
    Ok(params)
}

/// What a training run allocates, by purpose, as the library states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Need {
    /// The network (`Network::heap_need`).
    pub weights: HeapNeed,
    /// The rule's state (`Optimizer::heap_need`).
    pub optimizer: HeapNeed,
    /// The step's scratch buffers (`Workspace::heap_need`).
    pub workspace: HeapNeed,
}

impl Need {
    /// The heap of a run of `params` on layers `sizes`.
    pub fn of(params: &OptimizerParams, sizes: &[usize]) -> Self {
        Self {
            weights: Network::heap_need(sizes),
            optimizer: Optimizer::heap_need(params, sizes),
            workspace: Workspace::heap_need(sizes),
        }
    }

    /// Heap bytes of `part` with this allocator's overhead.
    pub fn bytes(part: HeapNeed) -> usize {
        part.total(PER_ALLOCATION)
    }

    /// Everything, with this allocator's overhead.
    pub fn total(&self) -> usize {
        Self::bytes(self.weights + self.optimizer + self.workspace)
    }
}

/// A network in training: weights, scratch buffers and the update rule.
#[derive(Debug)]
pub struct Trainee {
    net: Network,
    ws: Workspace,
    rule: Rule,
}

impl Trainee {
    /// The network `sizes` initialised from `seed` as `dlr train` does
    /// (`Network::new`), its workspace, and the rule of `params` (checked
    /// by `config`).
    pub fn new(sizes: &[usize], seed: u64, params: &OptimizerParams) -> Self {
        let net = Network::new(sizes, seed);
        let ws = Workspace::new(&net);
        let layers = net.layers();
        let rule = match *params {
            OptimizerParams::Dlr(p) => Dlr::new(layers, p).map(Rule::Dlr),
            OptimizerParams::Sgd(p) => Sgd::new(layers, p).map(Rule::Sgd),
            OptimizerParams::Nesterov(p) => Nesterov::new(layers, p).map(Rule::Nesterov),
            OptimizerParams::Adam(p) => Adam::new(layers, p).map(Rule::Adam),
            OptimizerParams::AdamLazy(p) => AdamLazy::new(layers, p).map(Rule::AdamLazy),
        };
        Self {
            rule: rule.unwrap_or_else(|_| unreachable!()),
            net,
            ws,
        }
    }

    /// One online step on `(image, label)`; returns the loss before it.
    pub fn step(&mut self, image: &[u8], label: usize) -> f32 {
        self.net
            .train_step(&mut self.ws, &mut self.rule, image, label)
    }

    /// The most active output for `image`.
    pub fn predict(&mut self, image: &[u8]) -> usize {
        self.net.predict(&mut self.ws, image)
    }

    /// The network.
    pub fn network(&self) -> &Network {
        &self.net
    }
}
