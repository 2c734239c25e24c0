//! What a training run is, before it runs: the trainer's options
//! ([`TrainConfig`]) and the whole description of a run from the options
//! to the training ([`RunSpec`]), which `dlr train`, every run of a sweep
//! and the paper's figures share. [`crate::train::Trainer::for_run`]
//! starts one; [`crate::checkpoint::Checkpoint::check_run`] says whether a
//! checkpoint belongs to one.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::network::{Network, DEFAULT_INIT_SCALE};
use crate::optim::{OptimizerKind, OptimizerParams, Param, ParamError};

/// How to train.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    /// Stop at the first evaluation with test accuracy ≥ `target`.
    pub target: f64,
    /// Budget in epochs (fractions allowed).
    pub max_epochs: f64,
    /// Samples between evaluations on the test set (0: only at the end).
    pub eval_every: usize,
    /// Samples per step (1 = online).
    pub batch: usize,
    /// Seed of the shuffling (the network's initialisation has its own).
    pub seed: u64,
    /// Threads that evaluate the test set (0: one per core). Evaluation is
    /// read-only, so this changes timings, never results. Without `std`, 1.
    pub eval_threads: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            target: 0.96,
            max_epochs: 10.0,
            eval_every: 1000,
            batch: 1,
            seed: 1,
            eval_threads: 0,
        }
    }
}

/// One training run, described from the options to the training: the rule
/// and its parameters, the hidden sizes, the batch, the initialisation, the
/// seed, the target and the budget. `dlr train`, every run of a sweep and
/// the paper's figures are all `RunSpec`s started by
/// [`crate::train::Trainer::for_run`].
#[derive(Clone, Debug, PartialEq)]
pub struct RunSpec {
    /// The update rule and its parameters.
    pub optimizer: OptimizerParams,
    /// Hidden layer sizes (the input and output sizes come from the data).
    pub hidden: Vec<usize>,
    /// Samples per step.
    pub batch: usize,
    /// Half-width of the initial weights, times `1/√n_in`.
    pub init_scale: f32,
    /// Seed of the initialisation and the shuffling.
    pub seed: u64,
    /// Target test accuracy.
    pub target: f64,
    /// Budget in epochs.
    pub max_epochs: f64,
    /// Samples between evaluations.
    pub eval_every: usize,
}

/// A field of a [`RunSpec`], for errors and mismatches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunField {
    /// [`RunSpec::optimizer`]'s rule.
    Optimizer,
    /// One of the rule's parameters.
    Param(Param),
    /// [`RunSpec::hidden`].
    Hidden,
    /// [`RunSpec::batch`].
    Batch,
    /// [`RunSpec::init_scale`].
    InitScale,
    /// [`RunSpec::seed`].
    Seed,
    /// [`RunSpec::target`].
    Target,
    /// [`RunSpec::max_epochs`].
    MaxEpochs,
}

impl RunField {
    /// The field's name, as the program's options and JSON keys spell it.
    pub fn name(self) -> &'static str {
        match self {
            RunField::Optimizer => "optimizer",
            RunField::Param(p) => p.name(),
            RunField::Hidden => "hidden",
            RunField::Batch => "batch",
            RunField::InitScale => "init_scale",
            RunField::Seed => "seed",
            RunField::Target => "target",
            RunField::MaxEpochs => "max_epochs",
        }
    }
}

/// Why a [`RunSpec`] cannot run, or cannot go on from a checkpoint.
#[derive(Clone, Debug, PartialEq)]
pub enum RunError {
    /// A parameter of the rule is out of range.
    Param(ParamError),
    /// `field` cannot take its value: `what` says what it must be.
    Invalid {
        /// The field.
        field: RunField,
        /// What it must be, e.g. "positive sizes".
        what: &'static str,
    },
    /// A checkpoint was written with another value of `field`.
    Mismatch {
        /// The field.
        field: RunField,
        /// This run's value.
        ours: String,
        /// The checkpoint's value.
        theirs: String,
    },
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Param(e) => e.fmt(f),
            RunError::Invalid { field, what } => write!(f, "{} must be {what}", field.name()),
            RunError::Mismatch {
                field,
                ours,
                theirs,
            } => write!(
                f,
                "{} {ours} contradicts the checkpoint ({} {theirs})",
                field.name(),
                field.name()
            ),
        }
    }
}

impl core::error::Error for RunError {}

impl From<ParamError> for RunError {
    fn from(e: ParamError) -> Self {
        RunError::Param(e)
    }
}

impl RunSpec {
    /// The default run of `kind`: its tuned parameters, one hidden layer of
    /// 100, online, seed 1, target 96 %, 10 epochs, an evaluation every
    /// 1000 samples.
    pub fn new(kind: OptimizerKind) -> Self {
        Self {
            optimizer: OptimizerParams::default_for(kind),
            hidden: alloc::vec![100],
            batch: 1,
            init_scale: DEFAULT_INIT_SCALE,
            seed: 1,
            target: 0.96,
            max_epochs: 10.0,
            eval_every: 1000,
        }
    }

    /// Checks every field without building anything, for a program that
    /// refuses a run before it loads data: the rule's parameters by their
    /// rule's own check ([`OptimizerParams::validate`], the one its
    /// constructor makes), then the run's other fields. The first that
    /// cannot work is the error. [`crate::train::Trainer::for_run`] refuses
    /// what this refuses.
    pub fn validate(&self) -> Result<(), RunError> {
        self.optimizer.validate()?;
        self.check_fields()
    }

    /// Checks the fields other than the rule's parameters, which the rule's
    /// constructor checks when [`crate::train::Trainer::for_run`] builds it.
    pub(crate) fn check_fields(&self) -> Result<(), RunError> {
        let invalid = |field, what| Err(RunError::Invalid { field, what });
        if self.hidden.contains(&0) {
            return invalid(RunField::Hidden, "positive sizes");
        }
        if self.batch == 0 {
            return invalid(RunField::Batch, "at least 1");
        }
        if !(self.max_epochs.is_finite() && self.max_epochs > 0.0) {
            return invalid(RunField::MaxEpochs, "a positive number");
        }
        if !(self.init_scale.is_finite() && self.init_scale >= 0.0) {
            return invalid(RunField::InitScale, "finite and >= 0");
        }
        if !self.target.is_finite() {
            return invalid(RunField::Target, "finite");
        }
        Ok(())
    }

    /// The layer sizes for `inputs` inputs and `classes` outputs.
    pub fn layers(&self, inputs: usize, classes: usize) -> Vec<usize> {
        let mut sizes = alloc::vec![inputs];
        sizes.extend(&self.hidden);
        sizes.push(classes);
        sizes
    }

    /// The trainer's options, evaluating on `eval_threads` threads.
    pub fn train_config(&self, eval_threads: usize) -> TrainConfig {
        TrainConfig {
            target: self.target,
            max_epochs: self.max_epochs,
            eval_every: self.eval_every,
            batch: self.batch,
            seed: self.seed,
            eval_threads,
        }
    }

    /// The network of this run for `inputs` inputs and `classes` outputs,
    /// initialised from the seed.
    pub fn network(&self, inputs: usize, classes: usize) -> Network {
        Network::with_init_scale(&self.layers(inputs, classes), self.seed, self.init_scale)
    }
}
