//! The `dlr` program's commands, as a library so that its tests reach them.
//!
//! The program's commands (`main.rs` and its `cmd/` modules, one per
//! command) parse the command line and call into these modules; the
//! numeric work is the [`dlr`] library's.
//!
//! - [`mod@bench`]: `dlr bench`, the per-step costs, their table and JSON.
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

use std::path::Path;

/// `text` with its line breaks and runs of blanks turned into single
/// spaces: an error from elsewhere (the system, a parser) inside a one-line
/// message.
pub fn one_line(text: impl std::fmt::Display) -> String {
    text.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `path` ends with a separator. `Path` drops it ("dir/" has the
/// file name "dir"), but the system does not: such a path can only name a
/// directory, never a file to write.
pub fn ends_with_separator(path: &Path) -> bool {
    path.as_os_str()
        .to_string_lossy()
        .ends_with(std::path::is_separator)
}

/// The directory a file at `path` goes in: its parent, or `.` for a bare
/// file name.
pub fn parent_dir(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// The most weights a network the program builds may have: 2³⁰, 4 GiB of
/// `f32` for the weights alone before any optimizer state. Larger requests
/// are refused with one line and exit 2 before anything is allocated,
/// instead of the allocator aborting the process.
pub const MAX_WEIGHTS: usize = 1 << 30;

/// Whether layers of `sizes` (inputs, hidden layers, outputs) make a network
/// of at most [`MAX_WEIGHTS`] weights; the error says how many it would have.
pub fn check_network_size(sizes: &[usize]) -> Result<(), String> {
    let weights = sizes
        .windows(2)
        .try_fold(0usize, |n, w| n.checked_add(w[0].checked_mul(w[1])?));
    match weights {
        Some(n) if n <= MAX_WEIGHTS => Ok(()),
        Some(n) => Err(format!(
            "a {} network has {n} weights, more than the {MAX_WEIGHTS} this program builds",
            join_sizes(sizes, '-')
        )),
        None => Err(format!(
            "a {} network has more weights than a usize counts",
            join_sizes(sizes, '-')
        )),
    }
}

pub use dlr::network::join_sizes;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_size_is_refused_past_the_limit_and_on_overflow() {
        assert!(check_network_size(&[784, 100, 10]).is_ok());
        // 2^30 weights exactly is the limit.
        assert!(check_network_size(&[1 << 15, 1 << 15]).is_ok());
        let err = check_network_size(&[784, 100_000_000, 10]).unwrap_err();
        assert!(err.contains("79400000000 weights"), "{err}");
        let err = check_network_size(&[784, usize::MAX, 10]).unwrap_err();
        assert!(err.contains("more weights than a usize counts"), "{err}");
    }
}
