//! The paper's three figures, end to end (`dlr repro`).
//!
//! - **Fig. 1**: epochs (and seconds) to the target (96 %) against the
//!   hidden size for each rule of a grid, each with the best parameters of
//!   the grid at every size ([`crate::sweep::preset`] `fig1` / `fig1-quick`
//!   for the paper's four rules and lazy Adam; `any-fig1` /
//!   `any-fig1-quick`, every rule,
//!   on any data set; `deep-fig1` with two hidden layers), and the ratio to
//!   SGD. A run that misses the target is a miss, never a time.
//! - **Fig. 2**: per optimizer and seed, the smallest hidden size that still
//!   reaches the target within the grid's epoch budget with some parameter
//!   setting of the grid, found as the paper did: from the largest size down
//!   until a size fails. Mean ± sd over seeds.
//! - **Fig. 3**: DLR runs log the mean DLR rate of each layer (the mean of
//!   `η_ij` over all the layer's weights) every `eval_every` samples; each
//!   layer's rate is fitted with `a exp(b t^(1/3) + c t) + d` (t in epochs)
//!   by Levenberg–Marquardt; new networks train with SGD whose per-layer rate
//!   follows the fit, and epochs to 96 % are compared.
//!
//! Sweeps append to `<preset>.jsonl` (`fig1.jsonl`, `fig1-quick.jsonl`, …)
//! in the output directory, so an interrupted `dlr repro` resumes where it
//! stopped; each figure writes `figN.md`, and `REPRO.md` gathers them.
//! `DATASET.json` there names the data set the results are of
//! ([`dataset`]).
//!
//! Before the first training, [`run`] checks what every selected figure
//! needs ([`check_inputs`]): the size of each network it will build, and
//! that each `<preset>.jsonl` it resumes from is absent or a regular file
//! of result lines. A bad one is an error then, not after the figures
//! before it have trained for hours.
//!
//! The module is in parts: this file runs the figures and writes
//! `REPRO.md`; `fig1` and `fig2` sweep and draw Fig. 1 and Fig. 2;
//! [`fit`] fits the decay curve of Fig. 3; `fig3` logs DLR's rates and
//! trains with the fitted schedule; [`dataset`] checks `DATASET.json`.

pub mod dataset;
mod fig1;
mod fig2;
mod fig3;
pub mod fit;

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::bench::layer_sizes;
use crate::report::{read_records, write_report, Record};
use crate::sweep::{
    check_networks, check_results_file, preset, run_sweep, Grid, SweepError, SweepOptions, PRESETS,
};
use dlr::dataset::Dataset;

/// What `dlr repro` runs.
#[derive(Clone, Debug)]
pub struct ReproConfig {
    /// Small grids, few seeds (minutes).
    pub quick: bool,
    /// Output directory.
    pub out: PathBuf,
    /// Concurrent trainings.
    pub jobs: usize,
    /// Which figures (1, 2, 3).
    pub figures: Vec<u8>,
    /// The test accuracy every run of Fig. 1 and 2 aims at (the grids' own
    /// targets give way to it).
    pub target: f64,
    /// The data set's name, for the headings.
    pub name: String,
    /// The grids of Fig. 1 and Fig. 2: a preset's name or a grid file
    /// (`None`: [`ReproConfig::paper_grid`]).
    pub grids: [Option<String>; 2],
    /// Whether the figures set the paper's values beside ours (MNIST at
    /// 96 %).
    pub paper: bool,
}

impl ReproConfig {
    /// The paper's protocol on MNIST at 96 % into `out`.
    pub fn paper(out: PathBuf, quick: bool, jobs: usize, figures: Vec<u8>) -> Self {
        Self {
            quick,
            out,
            jobs,
            figures,
            target: 0.96,
            name: "MNIST".into(),
            grids: [None, None],
            paper: true,
        }
    }

    /// The preset figure `fig` sweeps without a grid of its own: the
    /// paper's four rules and lazy Adam (`fig1`, `fig2-quick`, …) when
    /// comparing with the paper, else every rule (`any-fig1`, …); `None`
    /// for Fig. 3, which
    /// is no sweep.
    pub fn paper_grid(&self, fig: u8) -> Option<&'static str> {
        match (fig, self.quick, self.paper) {
            (1, false, true) => Some("fig1"),
            (1, true, true) => Some("fig1-quick"),
            (2, false, true) => Some("fig2"),
            (2, true, true) => Some("fig2-quick"),
            (1, false, false) => Some("any-fig1"),
            (1, true, false) => Some("any-fig1-quick"),
            (2, false, false) => Some("any-fig2"),
            (2, true, false) => Some("any-fig2-quick"),
            _ => None,
        }
    }

    /// The grid figure `fig` sweeps, its runs aiming at the target; `None`
    /// for Fig. 3. A `--quick` preset on another data set than the paper's
    /// runs within [`quick_budget`] of it.
    fn grid(
        &self,
        fig: u8,
        train_set: &Dataset,
        test_set: &Dataset,
    ) -> Result<Option<Grid>, SweepError> {
        let given = match fig {
            1 | 2 => self.grids[fig as usize - 1].clone(),
            _ => None,
        };
        // Only the grid `--quick` chose is bounded: a grid the user gave
        // runs as written.
        let given_is_preset_default = given.is_none();
        let mut grid = match given {
            Some(g) if PRESETS.iter().any(|p| p.0 == g) => preset(&g)?,
            Some(g) => {
                let path = Path::new(&g);
                let mut grid = Grid::from_file(path)
                    .map_err(|e| SweepError(format!("figure {fig}: {g}: {e}")))?;
                // The file's name names the JSONL file and report folder.
                grid.name = path
                    .file_stem()
                    .map_or("grid".into(), |s| s.to_string_lossy().into_owned());
                grid
            }
            None => match self.paper_grid(fig) {
                Some(name) => preset(name)?,
                None => return Ok(None),
            },
        };
        let bound = self.quick && !self.paper && given_is_preset_default;
        for run in &mut grid.runs {
            run.target = self.target;
            if bound {
                (run.max_epochs, run.eval_every) = quick_budget(
                    (run.max_epochs, run.eval_every),
                    (train_set.len(), test_set.len()),
                    train_set.pixels(),
                );
            }
        }
        Ok(Some(grid))
    }

    /// The target as a percentage, for the headings ("96 %").
    fn pct(&self) -> String {
        format!("{} %", 100.0 * self.target)
    }
}

/// One MNIST epoch's work in input values read (60,000 images of 784
/// pixels): a `--quick` run on another data set trains on at most this
/// many, so that the quick grids' time does not grow with the data set.
pub const QUICK_TRAIN_VALUES: usize = 60_000 * 784;

/// The MNIST test set in input values (10,000 images of 784 pixels): the
/// evaluation `--quick`'s grids were timed with.
const QUICK_TEST_VALUES: usize = 10_000 * 784;

/// A `--quick` run's budget, `(max_epochs, eval_every)`, on a data set of
/// `(train, test)` images of `pixels` inputs, from the preset's `(max_epochs,
/// eval_every)`:
/// - the training samples are cut so that samples · pixels ≤
///   [`QUICK_TRAIN_VALUES`] (a set of 240,000 images trains a quarter
///   epoch, one of 3,072 inputs a quarter of MNIST's samples);
/// - the evaluations are spaced out in proportion to a test set larger
///   than MNIST's, and a bounded run evaluates at least four times.
///
/// On MNIST-sized data (or smaller) the preset's budget is returned as is.
pub fn quick_budget(
    (max_epochs, eval_every): (f64, usize),
    (train, test): (usize, usize),
    pixels: usize,
) -> (f64, usize) {
    let wanted = max_epochs * train as f64;
    let samples = wanted.min((QUICK_TRAIN_VALUES / pixels.max(1)) as f64);
    // `wanted` is 0 for an empty training set, so a cut implies `train > 0`.
    let cut = samples < wanted;
    let epochs = if cut {
        samples / train as f64
    } else {
        max_epochs
    };
    let test_values = test.saturating_mul(pixels);
    if !cut && test_values <= QUICK_TEST_VALUES {
        return (max_epochs, eval_every);
    }
    let spaced = if test_values <= QUICK_TEST_VALUES {
        eval_every as f64
    } else {
        (eval_every as f64 * test_values as f64 / QUICK_TEST_VALUES as f64).ceil()
    };
    (
        epochs,
        spaced.min((samples / 4.0).floor()).max(1.0) as usize,
    )
}

/// Fig. 3's hidden size.
const FIG3_HIDDEN: usize = 100;

/// Checks, before anything trains, what the figures of `config` need: every
/// network they build is within [`crate::MAX_WEIGHTS`], and every JSONL
/// file a sweep resumes from is absent or a regular file of result lines
/// ([`check_results_file`]). Nothing is written.
pub fn check_inputs(
    config: &ReproConfig,
    train_set: &Dataset,
    test_set: &Dataset,
) -> Result<(), SweepError> {
    for &fig in &config.figures {
        match config.grid(fig, train_set, test_set)? {
            Some(grid) => {
                check_networks(&grid.runs, train_set, test_set)
                    .map_err(|e| SweepError(format!("figure {fig}: {e}")))?;
                check_results_file(&config.out.join(format!("{}.jsonl", grid.name)))?;
            }
            None if fig == 3 => {
                crate::check_network_size(&layer_sizes(train_set, test_set, FIG3_HIDDEN))
                    .map_err(|e| SweepError(format!("figure 3: {e}")))?
            }
            None => {}
        }
    }
    Ok(())
}

fn io_err(p: &Path, e: std::io::Error) -> SweepError {
    SweepError(format!("{}: {e}", p.display()))
}

/// Runs the selected figures into `config.out` and writes `REPRO.md` there,
/// after checking what they need ([`check_inputs`]).
pub fn run(
    config: &ReproConfig,
    train_set: &Dataset,
    test_set: &Dataset,
    log: impl Fn(&str) + Sync,
) -> Result<(), SweepError> {
    let id = dataset::identity(&config.name, train_set, test_set);
    dataset::check_identity(&config.out, &id, config.paper)?;
    check_inputs(config, train_set, test_set)?;
    std::fs::create_dir_all(&config.out).map_err(|e| io_err(&config.out, e))?;
    dataset::write_identity(&config.out, &id)?;
    let mode = if config.quick { "--quick" } else { "full" };
    for &fig in &config.figures {
        let t0 = Instant::now();
        let section = match fig {
            1 => fig1::figure1(config, train_set, test_set, &log)?,
            2 => fig2::figure2(config, train_set, test_set, &log)?,
            3 => fig3::figure3(config, train_set, test_set, &log)?,
            _ => continue,
        };
        let secs = t0.elapsed().as_secs_f64();
        let trained = if fig == 3 {
            "it trains all of Fig. 3's runs each time"
        } else {
            "training only the runs its JSONL file did not hold yet"
        };
        // The options beyond --quick and --figures that made the figure.
        let mut options = if config.paper {
            String::new()
        } else {
            format!(" --target {}", config.target)
        };
        for (flag, grid) in ["--fig1-grid", "--fig2-grid"].iter().zip(&config.grids) {
            if let Some(grid) = grid {
                options += &format!(" {flag} {grid}");
            }
        }
        let text = format!(
            "{section}\n_Made by `dlr repro{}{options} --figures {fig}` ({mode}) on {}. Its last invocation took {secs:.0} s of wall time with {} concurrent trainings, {trained}._\n\n",
            if config.quick { " --quick" } else { "" },
            config.name,
            config.jobs,
        );
        let p = config.out.join(format!("fig{fig}.md"));
        std::fs::write(&p, text).map_err(|e| io_err(&p, e))?;
        log(&format!("figure {fig} done in {secs:.0} s"));
    }
    // REPRO.md: every figure's section present in the directory.
    let mut md = if config.paper {
        String::from("# Reproduction of the paper's figures\n\n")
    } else {
        format!(
            "# The paper's protocols on {} at {}\n\n",
            config.name,
            config.pct()
        )
    };
    for fig in 1..=3 {
        if let Ok(section) = std::fs::read_to_string(config.out.join(format!("fig{fig}.md"))) {
            md.push_str(&section);
        }
    }
    let p = config.out.join("REPRO.md");
    std::fs::write(&p, md).map_err(|e| io_err(&p, e))?;
    Ok(())
}

/// Runs (or resumes) `grid` into `<out>/<name>.jsonl`, writes its report
/// into `<out>/<name>/`, and returns its records.
fn sweep_and_report(
    config: &ReproConfig,
    grid: &Grid,
    train_set: &Dataset,
    test_set: &Dataset,
    log: &(impl Fn(&str) + Sync),
) -> Result<Vec<Record>, SweepError> {
    let preset_name = grid.name.as_str();
    let out = config.out.join(format!("{preset_name}.jsonl"));
    let opts = SweepOptions {
        jobs: config.jobs,
        eval_threads: 1,
        out: out.clone(),
    };
    log(&format!(
        "sweep {preset_name}: {} runs into {}",
        grid.runs.len(),
        out.display()
    ));
    let s = run_sweep(
        &grid.name,
        &grid.runs,
        train_set,
        test_set,
        &opts,
        |k, n, _, _| {
            if k % 10 == 0 || k == n {
                log(&format!("  {preset_name}: {k}/{n} runs"));
            }
        },
    )?;
    log(&format!(
        "sweep {preset_name}: {} already done, {} trained, {} diverged",
        s.skipped, s.done, s.diverged
    ));
    let records = read_records(&[out])?;
    write_report(&records, &config.out.join(preset_name))?;
    Ok(records)
}

pub use fig2::{smallest_sizes, PAPER_FIG2};
pub use fig3::{mean_dlr_rates, Logged};
pub use fit::{fit_decay, DecayFit};

#[cfg(test)]
mod tests {
    use super::{quick_budget, QUICK_TEST_VALUES, QUICK_TRAIN_VALUES};

    /// The quick presets' budget on MNIST: one epoch, an evaluation every
    /// 5,000 samples.
    const PRESET: (f64, usize) = (1.0, 5000);

    /// On MNIST, and on anything no larger, `--quick` keeps its preset's
    /// budget.
    #[test]
    fn quick_budget_leaves_mnist_sized_sets_alone() {
        for (sets, pixels) in [
            ((60_000, 10_000), 784),
            ((1_000, 200), 784),
            ((60_000, 10_000), 100),
        ] {
            assert_eq!(
                quick_budget(PRESET, sets, pixels),
                PRESET,
                "{sets:?} × {pixels}"
            );
        }
    }

    /// On larger sets the training reads at most one MNIST epoch's input
    /// values, and not much fewer; the evaluations read no more test values
    /// per trained sample than MNIST's, unless that would leave fewer than
    /// four in the budget.
    #[test]
    fn quick_budget_bounds_larger_sets_to_an_mnist_epoch() {
        // EMNIST Digits, EMNIST Balanced, CIFAR-10 in IDX form (3 × 32 × 32).
        for ((train, test), pixels) in [
            ((240_000, 40_000), 784),
            ((112_800, 18_800), 784),
            ((50_000, 10_000), 3072),
        ] {
            let (epochs, every) = quick_budget(PRESET, (train, test), pixels);
            let samples = epochs * train as f64;
            // Samples come back through a division: a relative 1e-12 of
            // rounding either way.
            let read = samples * pixels as f64;
            let limit = QUICK_TRAIN_VALUES as f64;
            assert!(read <= limit * (1.0 + 1e-12), "{train} × {pixels}: {read}");
            assert!(read > 0.99 * limit, "{train} × {pixels}: {read}");
            let per_sample = (test * pixels) as f64 / every as f64;
            let mnist_per_sample = QUICK_TEST_VALUES as f64 / PRESET.1 as f64;
            let four = every == (samples / 4.0 + 1e-6).floor() as usize;
            assert!(
                per_sample <= mnist_per_sample * 1.001 || four,
                "{train}: every {every}"
            );
            assert!(
                samples / every as f64 >= 4.0 - 1e-9,
                "{train}: every {every}"
            );
        }
    }
}
