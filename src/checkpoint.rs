//! Training checkpoints: everything a run needs to go on exactly where it
//! stopped, as bytes (core + alloc) and, with `std`, as files written
//! atomically.
//!
//! A checkpoint holds the model, the optimizer's whole state (Nesterov's
//! velocity; Adam's and lazy Adam's moments and `t`; DLR's norm cache as it is, the `f32` row
//! sums of Eq. 1 or the `f64` column sums of Eq. 3 with the step counter that
//! schedules their exact re-sync), the shuffling generator's state, the
//! current epoch's order and position in it, the sample, step and
//! next-evaluation counters, the evaluation history, the options that decide
//! the result, and a fingerprint of the data. A [`crate::train::Trainer`]
//! resumed from it takes the very steps the uninterrupted run would have
//! taken, so the final model is byte-identical.
//!
//! # Format, version 1
//!
//! Little-endian throughout; `f32`/`f64` are IEEE-754 bit patterns.
//!
//! ```text
//! size        field
//! 8           magic "DLRCKPT\0"
//! 4           format version, u32 (= 1)
//!             -- options that decide the result --
//! 1           optimizer: 0 sgd, 1 nesterov, 2 adam, 3 dlr, 4 dlr-post, 5 adam-lazy
//! 4·6         lr, alpha, momentum, beta1, beta2, eps: f32 (the values in use)
//! 8           seed, u64
//! 4           init_scale, f32
//! 8           batch, u64 (≥ 1)
//! 8           target, f64
//! 8           max_epochs, f64 (finite, ≥ 0)
//! 8           eval_every, u64 (0: only at the end)
//!             -- data fingerprint --
//! 8 4 4 4     training set: images n, rows, cols (u64, u32, u32), CRC-32 of its labels
//! 8 4         test set: images, CRC-32 of its labels
//!             -- model --
//! 8           length m of the model file, u64
//! m           the model file (crate::model's format, with its own CRC)
//!             -- optimizer state, shapes from the model --
//!             sgd:      nothing
//!             nesterov: velocity, f32 per weight, layer by layer, pre-major
//!             adam, adam-lazy: t u64; first moments, then second moments, f32 per weight
//!             dlr:      steps u64; re-sync pending u8 (0/1); f32 per input row of every layer
//!             dlr-post: steps u64; re-sync pending u8 (0/1); f64 per output column of every layer
//!             -- progress --
//! 16          shuffling generator state, u128 (odd)
//! 8           n, u64 (= training images)
//! 4·n         this epoch's order, u32 each (a permutation of 0..n)
//! 8 8 8 8     position in the order (≤ n), samples, steps, next evaluation at (u64 each)
//!             -- report --
//! 1           target reached, u8 (0/1)
//! 8 8 8       last test accuracy, training seconds, evaluation seconds (f64)
//! 8           evaluations h, u64
//! 16·h        (samples u64, accuracy f64) each
//!             --
//! 4           CRC-32 (IEEE) of every byte before it, u32
//! ```
//!
//! [`Checkpoint::from_bytes`] checks every field against the others (the
//! order is a permutation, the position within it, the next evaluation the
//! one the counters imply, the weights finite, the hyper-parameters valid
//! and the unused ones at their defaults); it allocates only what the bytes
//! hold. [`Trainer::from_checkpoint`](crate::train::Trainer::from_checkpoint)
//! adds the checks against the data and that every step counter is at most
//! [`MAX_COUNT`]; what both accept resumes without a panic.

use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use crate::crc32::crc32;
use crate::dataset::Dataset;
use crate::le::{self, Truncated};
use crate::model::ModelError;
use crate::network::Network;
use crate::optim::{
    Adam, AdamLazy, AdamMoments, Dlr, DlrCache, DlrNorm, Nesterov, Optimizer, OptimizerKind,
    OptimizerParams, Param, Sgd,
};
use crate::rng::Rng;
use crate::run::{RunError, RunField, RunSpec, TrainConfig};

/// The file's first eight bytes.
pub const MAGIC: &[u8; 8] = b"DLRCKPT\0";
/// The format version written and read.
pub const VERSION: u32 = 1;

/// Largest step or sample count a run resumes from
/// ([`crate::train::Trainer::from_checkpoint`]): 2⁶², which no run reaches,
/// so the counters go on without overflowing. The reader takes any count.
pub const MAX_COUNT: u64 = 1 << 62;

/// Why bytes are not a checkpoint, or not one for this data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckpointError {
    /// Shorter than its fields say.
    Truncated,
    /// Does not start with [`MAGIC`].
    BadMagic,
    /// A version this build cannot read.
    UnsupportedVersion(u32),
    /// The checksum does not match the contents.
    ChecksumMismatch,
    /// Bytes after the checksum.
    TrailingBytes,
    /// The embedded model file is bad.
    Model(ModelError),
    /// The weights hold NaN or infinity (a checkpoint is never written so).
    NonFiniteWeights,
    /// A field outside its range or inconsistent with the others; names it.
    BadField(&'static str),
    /// The checkpoint was made on other data; names which.
    OtherData(&'static str),
}

impl fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckpointError::Truncated => f.write_str("truncated checkpoint"),
            CheckpointError::BadMagic => f.write_str("not a dlr checkpoint (bad magic)"),
            CheckpointError::UnsupportedVersion(v) => {
                write!(f, "unsupported checkpoint format version {v}")
            }
            CheckpointError::ChecksumMismatch => {
                f.write_str("checkpoint checksum mismatch (corrupt file)")
            }
            CheckpointError::TrailingBytes => {
                f.write_str("unexpected bytes after the checkpoint's checksum")
            }
            CheckpointError::Model(e) => write!(f, "checkpoint's model: {e}"),
            CheckpointError::NonFiniteWeights => f.write_str("checkpoint's weights are not finite"),
            CheckpointError::BadField(what) => write!(f, "invalid checkpoint: bad {what}"),
            CheckpointError::OtherData(what) => write!(
                f,
                "checkpoint was made on another {what} (sizes or labels differ)"
            ),
        }
    }
}

impl core::error::Error for CheckpointError {}

impl From<ModelError> for CheckpointError {
    fn from(e: ModelError) -> Self {
        CheckpointError::Model(e)
    }
}

/// What a checkpoint records of the data, to refuse resuming on other data:
/// sizes, image shape, and the CRC-32 of the labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DataFingerprint {
    /// Training images.
    pub train_len: u64,
    /// Image rows.
    pub rows: u32,
    /// Image columns.
    pub cols: u32,
    /// CRC-32 of the training labels.
    pub train_labels_crc: u32,
    /// Test images.
    pub test_len: u64,
    /// CRC-32 of the test labels.
    pub test_labels_crc: u32,
}

impl DataFingerprint {
    /// The fingerprint of a training and a test set.
    pub fn of(train_set: &Dataset, test_set: &Dataset) -> Self {
        let (rows, cols) = train_set.shape();
        Self {
            train_len: train_set.len() as u64,
            rows: rows as u32,
            cols: cols as u32,
            train_labels_crc: crc32(train_set.labels()),
            test_len: test_set.len() as u64,
            test_labels_crc: crc32(test_set.labels()),
        }
    }

    /// Which set differs from `other`'s, if one does.
    pub fn check(&self, other: &Self) -> Result<(), CheckpointError> {
        let train = (self.train_len, self.rows, self.cols, self.train_labels_crc);
        let other_train = (
            other.train_len,
            other.rows,
            other.cols,
            other.train_labels_crc,
        );
        if train != other_train {
            return Err(CheckpointError::OtherData("training set"));
        }
        if (self.test_len, self.test_labels_crc) != (other.test_len, other.test_labels_crc) {
            return Err(CheckpointError::OtherData("test set"));
        }
        Ok(())
    }
}

/// Where a run stands: the shuffling, the counters and the report so far.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    /// The shuffling generator's state ([`Rng::state`]).
    pub rng_state: u128,
    /// This epoch's order of the training images, a permutation of `0..n`.
    pub order: Vec<u32>,
    /// Position in `order` of the next sample (`n`: the next step shuffles).
    pub pos: u64,
    /// Samples trained.
    pub samples: u64,
    /// Steps taken.
    pub steps: u64,
    /// Samples count at which the next evaluation falls (`u64::MAX`: none
    /// before the end): always the first multiple of `eval_every` above
    /// `samples`.
    pub next_eval: u64,
    /// Whether the target accuracy was reached.
    pub reached: bool,
    /// The last measured test accuracy.
    pub test_accuracy: f64,
    /// Seconds spent in training steps so far.
    pub train_seconds: f64,
    /// Seconds spent evaluating so far.
    pub eval_seconds: f64,
    /// Every evaluation so far, as `(samples, accuracy)`.
    pub history: Vec<(u64, f64)>,
}

/// The first evaluation point after `samples` for evaluations every
/// `eval_every` samples (`u64::MAX` for 0: only at the end).
pub fn next_eval_after(samples: u64, eval_every: u64) -> u64 {
    if eval_every == 0 {
        return u64::MAX;
    }
    (samples / eval_every)
        .saturating_add(1)
        .saturating_mul(eval_every)
}

/// A training run's whole state (see the [module docs](self) for the format).
#[derive(Clone, Debug)]
pub struct Checkpoint {
    /// The training options (`eval_threads` is not stored: 0 when read).
    pub config: TrainConfig,
    /// Half-width scale of the initial weights, recorded so that a resume
    /// can refuse another one.
    pub init_scale: f32,
    /// The data it was made on.
    pub data: DataFingerprint,
    /// The model.
    pub net: Network,
    /// The optimizer with its state.
    pub opt: Optimizer,
    /// Where the run stands.
    pub progress: Progress,
}

impl Checkpoint {
    /// Checks that this checkpoint was written by the run `spec`: every
    /// field that changes the weights must be the same (the evaluation
    /// cadence and threads may differ, as they never change them).
    pub fn check_run(&self, spec: &RunSpec) -> Result<(), RunError> {
        let (checkpoint, this) = (self, spec);
        let mismatch = |field, ours: String, theirs: String| {
            Err(RunError::Mismatch {
                field,
                ours,
                theirs,
            })
        };
        let theirs = checkpoint.opt.params();
        if theirs.kind() != this.optimizer.kind() {
            return mismatch(
                RunField::Optimizer,
                this.optimizer.kind().name().into(),
                theirs.kind().name().into(),
            );
        }
        for ((param, ours), (_, stored)) in this.optimizer.values().zip(theirs.values()) {
            if ours.to_bits() != stored.to_bits() {
                return mismatch(RunField::Param(param), ours.to_string(), stored.to_string());
            }
        }
        let sizes = checkpoint.net.sizes();
        let hidden = &sizes[1..sizes.len() - 1];
        if hidden != this.hidden.as_slice() {
            return mismatch(
                RunField::Hidden,
                crate::network::join_sizes(&this.hidden, ','),
                crate::network::join_sizes(hidden, ','),
            );
        }
        let c = &checkpoint.config;
        if c.seed != this.seed {
            return mismatch(RunField::Seed, this.seed.to_string(), c.seed.to_string());
        }
        if c.batch != this.batch {
            return mismatch(RunField::Batch, this.batch.to_string(), c.batch.to_string());
        }
        if checkpoint.init_scale.to_bits() != this.init_scale.to_bits() {
            return mismatch(
                RunField::InitScale,
                this.init_scale.to_string(),
                checkpoint.init_scale.to_string(),
            );
        }
        if c.target.to_bits() != this.target.to_bits() {
            return mismatch(
                RunField::Target,
                this.target.to_string(),
                c.target.to_string(),
            );
        }
        if c.max_epochs.to_bits() != this.max_epochs.to_bits() {
            return mismatch(
                RunField::MaxEpochs,
                this.max_epochs.to_string(),
                c.max_epochs.to_string(),
            );
        }
        Ok(())
    }

    /// The checkpoint file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let model = self.net.to_bytes();
        let mut w = Writer(Vec::with_capacity(
            256 + model.len()
                + 12 * self.net.n_weights()
                + 4 * self.progress.order.len()
                + 16 * self.progress.history.len(),
        ));
        w.bytes(MAGIC);
        w.u32(VERSION);
        // Options.
        let params = self.opt.params();
        w.u8(kind_code(params.kind()));
        for x in param_slots(&params) {
            w.f32(x);
        }
        let c = &self.config;
        w.u64(c.seed);
        w.f32(self.init_scale);
        w.u64(c.batch as u64);
        w.f64(c.target);
        w.f64(c.max_epochs);
        w.u64(c.eval_every as u64);
        // Data.
        let d = &self.data;
        w.u64(d.train_len);
        w.u32(d.rows);
        w.u32(d.cols);
        w.u32(d.train_labels_crc);
        w.u64(d.test_len);
        w.u32(d.test_labels_crc);
        // Model.
        w.u64(model.len() as u64);
        w.bytes(&model);
        // Optimizer state.
        let layers = self.net.layers();
        match &self.opt {
            Optimizer::Sgd(_) => {}
            Optimizer::Nesterov(o) => {
                for l in 0..layers.len() {
                    w.f32s(o.velocity(l));
                }
            }
            Optimizer::Adam(o) => write_adam_moments(&mut w, o.moments()),
            Optimizer::AdamLazy(o) => write_adam_moments(&mut w, o.moments()),
            Optimizer::Dlr(o) => {
                let cache = o.cache();
                w.u64(cache.steps);
                w.u8(u8::from(cache.resync_pending));
                match o.norm() {
                    DlrNorm::Pre => cache.row_sum_sq.iter().for_each(|r| w.f32s(r)),
                    DlrNorm::Post => cache.col_sum_sq.iter().flatten().for_each(|&x| w.f64(x)),
                }
            }
        }
        // Progress.
        let p = &self.progress;
        w.bytes(&p.rng_state.to_le_bytes());
        w.u64(p.order.len() as u64);
        for &i in &p.order {
            w.u32(i);
        }
        for x in [p.pos, p.samples, p.steps, p.next_eval] {
            w.u64(x);
        }
        // Report.
        w.u8(u8::from(p.reached));
        for x in [p.test_accuracy, p.train_seconds, p.eval_seconds] {
            w.f64(x);
        }
        w.u64(p.history.len() as u64);
        for &(s, a) in &p.history {
            w.u64(s);
            w.f64(a);
        }
        let crc = crc32(&w.0);
        w.u32(crc);
        w.0
    }

    /// Reads a checkpoint file's bytes, checking every field (see the
    /// [module docs](self)). Allocates only what the bytes hold.
    pub fn from_bytes(bytes: &[u8]) -> Result<Checkpoint, CheckpointError> {
        let mut r = Reader::new(bytes);
        if r.take(MAGIC.len())? != MAGIC {
            return Err(CheckpointError::BadMagic);
        }
        let version = r.u32()?;
        if version != VERSION {
            return Err(CheckpointError::UnsupportedVersion(version));
        }
        let ck = read_body(&mut r)?;
        // The fields are all there; the checksum tells whether they are the
        // ones written.
        let end = r.pos();
        let stored = r.u32()?;
        if r.pos() != bytes.len() {
            return Err(CheckpointError::TrailingBytes);
        }
        if crc32(&bytes[..end]) != stored {
            return Err(CheckpointError::ChecksumMismatch);
        }
        Ok(ck)
    }
}

/// Everything between the version and the checksum.
fn read_body(r: &mut Reader<'_>) -> Result<Checkpoint, CheckpointError> {
    // Options.
    let kind = kind_from_code(r.u8()?).ok_or(CheckpointError::BadField("optimizer"))?;
    let mut slots = [0.0; SLOTS.len()];
    for x in &mut slots {
        *x = r.f32()?;
    }
    let mut params = OptimizerParams::default_for(kind);
    for &p in kind.params() {
        params
            .set(p, slots[slot_of(p)])
            .map_err(|_| CheckpointError::BadField("hyper-parameters"))?;
    }
    params
        .validate()
        .map_err(|_| CheckpointError::BadField("hyper-parameters"))?;
    // The slots its rule does not read hold their placeholders, so that a
    // checkpoint has one encoding (found by fuzzing).
    if param_slots(&params).map(f32::to_bits) != slots.map(f32::to_bits) {
        return Err(CheckpointError::BadField("unused hyper-parameter"));
    }
    let seed = r.u64()?;
    let init_scale = r.f32()?;
    let batch = usize::try_from(r.u64()?)
        .ok()
        .filter(|&b| b >= 1)
        .ok_or(CheckpointError::BadField("batch"))?;
    let target = r.f64()?;
    let max_epochs = r.f64()?;
    if !(max_epochs.is_finite() && max_epochs >= 0.0) {
        return Err(CheckpointError::BadField("max_epochs"));
    }
    let eval_every_u64 = r.u64()?;
    let eval_every =
        usize::try_from(eval_every_u64).map_err(|_| CheckpointError::BadField("eval_every"))?;
    let config = TrainConfig {
        target,
        max_epochs,
        eval_every,
        batch,
        seed,
        eval_threads: 0,
    };
    // Data.
    let data = DataFingerprint {
        train_len: r.u64()?,
        rows: r.u32()?,
        cols: r.u32()?,
        train_labels_crc: r.u32()?,
        test_len: r.u64()?,
        test_labels_crc: r.u32()?,
    };
    // Model.
    let model_len = usize::try_from(r.u64()?).map_err(|_| CheckpointError::Truncated)?;
    let net = Network::from_bytes(r.take(model_len)?)?;
    if !net.is_finite() {
        return Err(CheckpointError::NonFiniteWeights);
    }
    // Optimizer.
    let opt = read_optimizer(r, params, &net)?;
    // Progress.
    let rng_state = u128::from_le_bytes(r.array::<16>()?);
    if Rng::from_state(rng_state).is_none() {
        return Err(CheckpointError::BadField("generator state"));
    }
    let n = r.u64()?;
    if n != data.train_len {
        return Err(CheckpointError::BadField("order length"));
    }
    let order = r.u32s(n)?;
    if !is_permutation(&order) {
        return Err(CheckpointError::BadField("shuffled order"));
    }
    let pos = r.u64()?;
    if pos > n {
        return Err(CheckpointError::BadField("position"));
    }
    let samples = r.u64()?;
    let steps = r.u64()?;
    let next_eval = r.u64()?;
    if next_eval != next_eval_after(samples, eval_every_u64) {
        return Err(CheckpointError::BadField("next evaluation"));
    }
    // Report.
    let reached = read_bool(r)?;
    let test_accuracy = r.f64()?;
    let train_seconds = r.f64()?;
    let eval_seconds = r.f64()?;
    let h = r.u64()?;
    let history_bytes = r.take_items(h, 16)?;
    let history = history_bytes
        .chunks_exact(16)
        .map(|c| {
            let mut s = [0u8; 8];
            let mut a = [0u8; 8];
            s.copy_from_slice(&c[..8]);
            a.copy_from_slice(&c[8..]);
            (u64::from_le_bytes(s), f64::from_le_bytes(a))
        })
        .collect();
    Ok(Checkpoint {
        config,
        init_scale,
        data,
        net,
        opt,
        progress: Progress {
            rng_state,
            order,
            pos,
            samples,
            steps,
            next_eval,
            reached,
            test_accuracy,
            train_seconds,
            eval_seconds,
            history,
        },
    })
}

/// The optimizer state for `net`'s shape.
fn read_optimizer(
    r: &mut Reader<'_>,
    params: OptimizerParams,
    net: &Network,
) -> Result<Optimizer, CheckpointError> {
    let layers = net.layers();
    let per_weight = |r: &mut Reader<'_>| -> Result<Vec<Vec<f32>>, CheckpointError> {
        layers.iter().map(|l| r.f32s(l.w.len())).collect()
    };
    // Adam's and lazy Adam's state: t, then every first moment, then every
    // second moment.
    let adam_moments = |r: &mut Reader<'_>| -> Result<AdamMoments, CheckpointError> {
        let t = r.u64()?;
        let first = per_weight(r)?;
        let second = per_weight(r)?;
        Ok(AdamMoments { t, first, second })
    };
    let bad = |_| CheckpointError::BadField("hyper-parameters");
    Ok(match params {
        OptimizerParams::Sgd(p) => Optimizer::Sgd(Sgd::new(layers, p).map_err(bad)?),
        OptimizerParams::Nesterov(p) => {
            Optimizer::Nesterov(Nesterov::from_velocity(p, per_weight(r)?))
        }
        OptimizerParams::Adam(p) => Optimizer::Adam(Adam::from_state(p, adam_moments(r)?)),
        OptimizerParams::AdamLazy(p) => {
            Optimizer::AdamLazy(AdamLazy::from_state(p, adam_moments(r)?))
        }
        OptimizerParams::Dlr(p) => {
            let steps = r.u64()?;
            let resync_pending = read_bool(r)?;
            let (row_sum_sq, col_sum_sq) = if p.norm == DlrNorm::Pre {
                let rows = layers
                    .iter()
                    .map(|l| r.f32s(l.n_in))
                    .collect::<Result<_, _>>()?;
                (rows, Vec::new())
            } else {
                let cols = layers
                    .iter()
                    .map(|l| r.f64s(l.n_out))
                    .collect::<Result<_, _>>()?;
                (Vec::new(), cols)
            };
            let cache = DlrCache {
                row_sum_sq,
                col_sum_sq,
                steps,
                resync_pending,
            };
            Optimizer::Dlr(Dlr::from_state(layers, p, cache))
        }
    })
}

/// The checkpoint's six hyper-parameter slots, in this order; a rule
/// writes its own parameters into theirs and leaves the placeholder in the
/// others.
const SLOTS: [(Param, f32); 6] = [
    (Param::Lr, 0.1),
    (Param::Alpha, 0.0),
    (Param::Momentum, 0.0),
    (Param::Beta1, 0.9),
    (Param::Beta2, 0.999),
    (Param::Eps, 1e-8),
];

fn slot_of(param: Param) -> usize {
    SLOTS.iter().position(|&(p, _)| p == param).unwrap_or(0)
}

/// The six slots of `params`.
fn param_slots(params: &OptimizerParams) -> [f32; 6] {
    SLOTS.map(|(p, placeholder)| params.get(p).unwrap_or(placeholder))
}

/// Whether `order` holds every index `0..order.len()` once.
fn is_permutation(order: &[u32]) -> bool {
    let n = order.len();
    let mut seen = vec![0u64; n.div_ceil(64)];
    for &i in order {
        let i = i as usize;
        if i >= n {
            return false;
        }
        let (word, bit) = (i / 64, 1u64 << (i % 64));
        if seen[word] & bit != 0 {
            return false;
        }
        seen[word] |= bit;
    }
    true
}

fn kind_code(kind: OptimizerKind) -> u8 {
    match kind {
        OptimizerKind::Sgd => 0,
        OptimizerKind::Nesterov => 1,
        OptimizerKind::Adam => 2,
        OptimizerKind::Dlr => 3,
        OptimizerKind::DlrPost => 4,
        OptimizerKind::AdamLazy => 5,
    }
}

fn kind_from_code(code: u8) -> Option<OptimizerKind> {
    Some(match code {
        0 => OptimizerKind::Sgd,
        1 => OptimizerKind::Nesterov,
        2 => OptimizerKind::Adam,
        3 => OptimizerKind::Dlr,
        4 => OptimizerKind::DlrPost,
        5 => OptimizerKind::AdamLazy,
        _ => return None,
    })
}

struct Writer(Vec<u8>);

impl Writer {
    fn bytes(&mut self, b: &[u8]) {
        self.0.extend_from_slice(b);
    }
    fn u8(&mut self, x: u8) {
        self.0.push(x);
    }
    fn u32(&mut self, x: u32) {
        self.bytes(&x.to_le_bytes());
    }
    fn u64(&mut self, x: u64) {
        self.bytes(&x.to_le_bytes());
    }
    fn f32(&mut self, x: f32) {
        self.bytes(&x.to_le_bytes());
    }
    fn f64(&mut self, x: f64) {
        self.bytes(&x.to_le_bytes());
    }
    fn f32s(&mut self, xs: &[f32]) {
        for &x in xs {
            self.f32(x);
        }
    }
}

/// Adam's and lazy Adam's state, in the order [`read_optimizer`] reads it:
/// `t`, then the first moments of every layer, then the second moments.
fn write_adam_moments(w: &mut Writer, moments: &AdamMoments) {
    w.u64(moments.t);
    moments.first.iter().for_each(|m| w.f32s(m));
    moments.second.iter().for_each(|v| w.f32s(v));
}

type Reader<'a> = le::Reader<'a, CheckpointError>;

impl Truncated for CheckpointError {
    const TRUNCATED: Self = CheckpointError::Truncated;
}

/// A `u8` flag: 0 or 1.
fn read_bool(r: &mut Reader<'_>) -> Result<bool, CheckpointError> {
    match r.u8()? {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(CheckpointError::BadField("flag")),
    }
}

#[cfg(feature = "std")]
pub use file::{read_file, write_atomically, FileError, MAX_FILE_BYTES};

/// Checkpoint files (with `std`).
#[cfg(feature = "std")]
mod file {
    use std::fmt;
    use std::fs::File;
    use std::io::{self, Read, Write};
    use std::path::{Path, PathBuf};

    use super::{Checkpoint, CheckpointError, MAGIC};

    /// Largest checkpoint file read (4 GiB).
    pub const MAX_FILE_BYTES: u64 = 1 << 32;

    /// Why a checkpoint file could not be read. `Display` is one line that
    /// names the file.
    #[derive(Debug)]
    pub enum FileError {
        /// The OS could not read it.
        Io {
            /// The file.
            path: PathBuf,
            /// What the OS said.
            err: io::Error,
        },
        /// Its bytes are not a good checkpoint.
        Bad {
            /// The file.
            path: PathBuf,
            /// What is wrong.
            err: CheckpointError,
        },
    }

    impl fmt::Display for FileError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                FileError::Io { path, err } => {
                    let text = err.to_string();
                    let text: Vec<&str> = text.split_whitespace().collect();
                    write!(f, "{}: {}", path.display(), text.join(" "))
                }
                FileError::Bad { path, err } => write!(f, "{}: {err}", path.display()),
            }
        }
    }

    impl std::error::Error for FileError {}

    /// Reads and checks the checkpoint at `path`. Reads the magic before
    /// anything else (so `/dev/zero` is refused at once), and never more
    /// than [`MAX_FILE_BYTES`].
    pub fn read_file(path: &Path) -> Result<Checkpoint, FileError> {
        let io_err = |err| FileError::Io {
            path: path.to_path_buf(),
            err,
        };
        let bad = |err| FileError::Bad {
            path: path.to_path_buf(),
            err,
        };
        let mut file = File::open(path).map_err(io_err)?;
        let mut bytes = Vec::new();
        (&mut file)
            .take(MAGIC.len() as u64)
            .read_to_end(&mut bytes)
            .map_err(io_err)?;
        if bytes.len() < MAGIC.len() {
            return Err(bad(CheckpointError::Truncated));
        }
        if bytes != MAGIC {
            return Err(bad(CheckpointError::BadMagic));
        }
        let size = file.metadata().map_or(0, |m| m.len());
        bytes.reserve(usize::try_from(size.min(MAX_FILE_BYTES)).unwrap_or(0));
        file.take(MAX_FILE_BYTES + 1 - MAGIC.len() as u64)
            .read_to_end(&mut bytes)
            .map_err(io_err)?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(bad(CheckpointError::TrailingBytes));
        }
        Checkpoint::from_bytes(&bytes).map_err(bad)
    }

    /// Replaces `path` by `bytes` atomically and durably: writes a temporary
    /// file beside it (`.<name>.tmp`, same directory, so the rename cannot
    /// cross file systems), syncs it, renames it over `path`, then syncs the
    /// directory so the rename itself survives a power cut. A reader (or a
    /// process killed at any moment) sees the old file or the new one, never
    /// a mix. One writer per `path` at a time.
    pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
        let name = path
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(".tmp");
        let tmp = path.with_file_name(tmp_name);
        let result = (|| {
            let mut f = File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            drop(f);
            std::fs::rename(&tmp, path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
            return result;
        }
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        // Not every OS can open a directory to sync it; the file is already
        // in place, so that is not an error.
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}
