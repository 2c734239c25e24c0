//! The `dlr` program's commands, as a library so that its tests reach them.
//!
//! `main.rs` parses the command line and calls into these modules; the
//! numeric work is the [`dlr`] library's.
//!
//! - [`mod@bench`]: `dlr bench`, the per-step cost table.
//! - [`fetch`]: `dlr fetch`, downloading and verifying MNIST.
//! - [`cache`]: the checked cache of decompressed MNIST files.
//! - [`sweep`]: `dlr sweep`, grids of trainings as JSON lines.
//! - [`jobs`]: the thread pool of sweep and repro.
//! - [`record`]: the JSON of a run, one writer for train and sweep.
//! - [`report`]: `dlr report`, merged tables and SVG plots.
//! - [`repro`]: `dlr repro`, the paper's three figures.
#![warn(missing_docs)]

pub mod bench;
pub mod cache;
pub mod fetch;
pub mod jobs;
pub mod record;
pub mod report;
pub mod repro;
pub mod sweep;
