//! The firmware's one boundary with `dlr`'s training API: the network, its
//! workspace, the optimizers, one online step, a prediction, and what each
//! of them allocates (so that a run that cannot fit is refused before
//! anything is allocated). `compact_dlr.rs` is the only other file that
//! calls into the library's training code.
//!
//! Library API used here: `Network::{new, layers, sizes, is_finite,
//! train_step, predict}`, `network::Workspace::new`, `Layer::{n_in, n_out,
//! w}`, `optim::{Sgd::new, SgdParams}`, `DlrParams`, `SgdParams::validate`, `OptimizerKind`, `optim::{LayerUpdate, Grad,
//! Param, ParamError}`.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::mem::size_of;

use dlr::network::{Layer, Workspace};
use dlr::optim::{DlrParams, Grad, LayerUpdate, ParamError, Sgd, SgdParams};
use dlr::{network::Network, optim::OptimizerKind};

use crate::compact_dlr::CompactDlr;
use crate::fixed::FixedF32;

/// The update rule: DLR Eq. 1 in its compact form, or the library's SGD.
/// Each rule's own type, not `dlr::optim::Optimizer`, so that the firmware links
/// no code of the rules it does not run: within 64 KB of flash there is no
/// room for the library's `Dlr`, `Adam` or `Nesterov` code, and at the
/// paper's H = 32 neither Adam's nor Nesterov's state fits in 128 KB of RAM
/// anyway (`need`).
#[derive(Debug)]
pub enum Rule {
    /// DLR Eq. 1, one squared norm per row.
    CompactDlr(CompactDlr),
    /// `dlr::optim::Sgd`.
    Sgd(Sgd),
}

impl LayerUpdate for Rule {
    fn begin_step(&mut self) {
        match self {
            Rule::CompactDlr(o) => o.begin_step(),
            Rule::Sgd(o) => LayerUpdate::begin_step(o),
        }
    }
    fn update_layer(&mut self, layer: usize, w: &mut [f32], n_out: usize, grad: &Grad<'_>) {
        match self {
            Rule::CompactDlr(o) => o.update_layer(layer, w, n_out, grad),
            Rule::Sgd(o) => LayerUpdate::update_layer(o, layer, w, n_out, grad),
        }
    }
    fn learning_rate(&self) -> f32 {
        match self {
            Rule::CompactDlr(o) => o.learning_rate(),
            Rule::Sgd(o) => LayerUpdate::learning_rate(o),
        }
    }
    fn set_learning_rate(&mut self, lr: f32) {
        match self {
            Rule::CompactDlr(o) => o.set_learning_rate(lr),
            Rule::Sgd(o) => LayerUpdate::set_learning_rate(o, lr),
        }
    }
}

/// The rule and the two parameters the firmware's rules read.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RuleConfig {
    /// The rule.
    pub kind: OptimizerKind,
    /// η (SGD) or η₀ (DLR).
    pub lr: f32,
    /// DLR's α; 0 for SGD, which has none.
    pub alpha: f32,
}

/// Whether the firmware has the code of `kind`'s rule: DLR Eq. 1 and SGD.
pub fn supported(kind: OptimizerKind) -> bool {
    matches!(kind, OptimizerKind::Dlr | OptimizerKind::Sgd)
}

/// The hyper-parameters of `kind`: the crate's tuned defaults, with `lr`
/// and `alpha` replaced when given; an error line when they cannot work.
pub fn config(
    kind: OptimizerKind,
    lr: Option<f32>,
    alpha: Option<f32>,
) -> Result<RuleConfig, String> {
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
        // Not produced by `validate`.
        ParamError::NotARuleParam { .. } => String::new(),
    };
    // Only the two rules built in: their parameter structs alone, so that
    // no other rule's parameter code is linked.
    let (lr, alpha) = match kind {
        OptimizerKind::Sgd => {
            if alpha.is_some() {
                return Err("--alpha does not apply to --optimizer sgd".into());
            }
            let p = SgdParams {
                lr: lr.unwrap_or(SgdParams::default().lr),
            };
            p.validate().map_err(message)?;
            (p.lr, 0.0)
        }
        _ => {
            let defaults = DlrParams::default();
            let p = DlrParams {
                eta0: lr.unwrap_or(defaults.eta0),
                alpha: alpha.unwrap_or(defaults.alpha),
                ..defaults
            };
            p.validate().map_err(message)?;
            (p.eta0, p.alpha)
        }
    };
    Ok(RuleConfig { kind, lr, alpha })
}

/// Heap bytes a training run allocates, by purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Need {
    /// The weights (`4 · Σ n_in n_out`) and the layer list.
    pub weights: usize,
    /// The optimizer's state.
    pub optimizer: usize,
    /// The step's scratch buffers (`Workspace`).
    pub workspace: usize,
}

impl Need {
    /// Everything.
    pub fn total(&self) -> usize {
        self.weights + self.optimizer + self.workspace
    }
}

/// Bytes the allocator may add to each allocation (rounding to its 8-byte
/// blocks, and up to 32 bytes of alignment for `wide`'s vectors).
const PER_ALLOCATION: usize = 40;

/// What a run of `config.kind` on layers `sizes` allocates, computed from
/// the library's data structures as they are today (`Network`, `Workspace`,
/// `Nesterov`, `Adam`, `Dlr`) without allocating any of them.
pub fn need(kind: OptimizerKind, sizes: &[usize]) -> Need {
    let shapes: Vec<(usize, usize)> = sizes.windows(2).map(|p| (p[0], p[1])).collect();
    let layers = shapes.len();
    let n_weights: usize = shapes.iter().map(|&(i, o)| i * o).sum();
    let outputs: usize = shapes.iter().map(|&(_, o)| o).sum();
    let tallest = shapes.iter().map(|&(i, _)| i).max().unwrap_or(0);
    let f32s = |n: usize| 4 * n;
    let vec_header = size_of::<Vec<f32>>();
    // Weights: one Vec per layer, in a Vec of layers.
    let weights = f32s(n_weights) + layers * (size_of::<Layer>() + PER_ALLOCATION);
    // Workspace: x, the lit-pixel list and the hidden-row list (one entry
    // per input each), then every layer's activations and deltas.
    let workspace = 2 * f32s(sizes[0])
        + f32s(tallest)
        + 2 * (f32s(outputs) + layers * (vec_header + PER_ALLOCATION))
        + 5 * PER_ALLOCATION;
    // One copy of the weights per layer, and the list of them.
    let weight_copy = f32s(n_weights) + layers * (vec_header + PER_ALLOCATION) + PER_ALLOCATION;
    let optimizer = match kind {
        OptimizerKind::Sgd => 0,
        // Velocity.
        OptimizerKind::Nesterov => weight_copy,
        // First and second moments.
        OptimizerKind::Adam | OptimizerKind::AdamLazy => 2 * weight_copy,
        OptimizerKind::Dlr => {
            CompactDlr::state_bytes(shapes.iter().copied()) + (layers + 1) * PER_ALLOCATION
        }
        // The library's Dlr in Eq. 3: f64 column sums, three (n_out,) and
        // three (n_in,) scratch vectors (not built in: see `supported`).
        OptimizerKind::DlrPost => {
            8 * outputs + 6 * f32s(tallest.max(outputs)) + (2 * layers + 6) * PER_ALLOCATION
        }
    };
    Need {
        weights,
        optimizer,
        workspace,
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
    /// (`Network::new`), its workspace, and the rule of `config`.
    pub fn new(sizes: &[usize], seed: u64, config: &RuleConfig) -> Self {
        let net = Network::new(sizes, seed);
        let ws = Workspace::new(&net);
        let rule = match config.kind {
            OptimizerKind::Dlr => Rule::CompactDlr(CompactDlr::new(config.lr, config.alpha, &net)),
            OptimizerKind::Sgd => {
                // `config` validated the rate; a bad one would not get here.
                let sgd = Sgd::new(net.layers(), SgdParams { lr: config.lr });
                Rule::Sgd(sgd.unwrap_or_else(|_| unreachable!()))
            }
            // `run` refuses the rules it lacks first (see `supported`).
            _ => unreachable!(),
        };
        Self { net, ws, rule }
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

    /// True when every weight is finite.
    pub fn is_finite(&self) -> bool {
        self.net.is_finite()
    }

    /// Layer sizes, input first.
    pub fn sizes(&self) -> Vec<usize> {
        self.net.sizes()
    }

    /// Every layer's weights, `(n_in, n_out)` pre-major, input side first.
    pub fn weights(&self) -> impl Iterator<Item = &[f32]> {
        self.net.layers().iter().map(|l| &l.w[..])
    }

    /// The network (for tests that compare with the library's own code).
    pub fn network(&self) -> &Network {
        &self.net
    }
}
