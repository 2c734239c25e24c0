//! Parameter sweeps: a grid of trainings (optimizers × hidden sizes ×
//! hyper-parameters × seeds) run on a pool of threads, one JSON line per
//! finished run appended to a file.
//!
//! **Grid files** are JSON or TOML (by extension: `.toml` is TOML, anything
//! else JSON) with these keys, all optional but `hidden`:
//!
//! ```toml
//! name = "tiny"                 # free text, copied into every line
//! optimizers = ["sgd", "dlr"]   # default: the keys of [params], else all five
//! hidden = [16, 32]             # sizes; [300, 100]-style arrays for deeper nets
//! seeds = [1, 2, 3]             # or a count: seeds = 3 means 1, 2, 3
//! target = 0.96
//! max_epochs = 10
//! eval_every = 1000
//! batch = 1
//! init_scale = 1.0
//! [params.sgd]                  # per optimizer, lists of values to cross
//! lr = [0.2, 0.4]
//! [params.dlr]
//! lr = [1, 2]
//! alpha = [0.3, 0.5]
//! ```
//!
//! Parameters an optimizer does not read (`alpha` for SGD, …) are rejected,
//! as are unknown keys. An optimizer without `params` runs its defaults
//! ([`dlr::optim::OptimizerParams::default_for`]). `grids = [{…}, {…}]` concatenates several
//! grids, each inheriting the top-level keys it does not set. Every entry of
//! `hidden` is a size or a non-empty list of sizes (`[[]]`, a network
//! without hidden layers, is refused). A grid that expands to more than
//! [`MAX_RUNS`] runs (counted before duplicates are dropped) is refused
//! before any run is built, and [`run_sweep`] checks every network of its
//! runs against [`crate::MAX_WEIGHTS`] before the first one starts.
//!
//! **The output file** is JSON lines. Each line is written whole with one
//! `write` and synced before the next run is recorded, so a killed sweep
//! loses only the runs in progress. On start an existing file must be a
//! regular file, and all of it is checked before anything in it changes:
//! every line must be a result line of a sweep (configuration and result
//! keys). Only then is a trailing partial line (no newline, not JSON,
//! starting as a record does) cut off, or the newline added after a last
//! line that is a whole record; every run already there (same
//! [`RunRecord::key`], seed included) is skipped.
//!
//! **Shards**: `shard i/n` runs the runs whose index in the expanded,
//! de-duplicated grid is `i` modulo `n`: the `n` shards are disjoint and
//! together cover the grid, whatever is already done.
//!
//! The module is in three parts: [`grid`] parses grids and shards (and
//! [`presets`] names a few), [`results`] reads, checks and repairs the
//! results file and holds its lock, and [`runner`] trains the runs a file
//! lacks and appends their lines.

use std::fmt;

pub mod grid;
pub mod presets;
pub mod results;
pub mod runner;

pub use crate::record::RunRecord;
pub use grid::{parse_shard, Grid, MAX_RUNS};
pub use presets::{preset, PRESETS};
pub use results::{
    check_out_path, check_results_file, open_results, read_results, result_line, WriterLock,
};
pub use runner::{check_networks, run_sweep, train_one, SweepOptions, SweepSummary};

/// A sweep's failure: bad grid, unreadable or corrupt output file, I/O.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepError(pub String);

impl fmt::Display for SweepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SweepError {}

fn err<T>(msg: impl Into<String>) -> Result<T, SweepError> {
    Err(SweepError(msg.into()))
}
