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
//! The module is in three parts: this file runs the figures and draws Fig. 1
//! and Fig. 2; [`fit`] fits the decay curve of Fig. 3; `fig3` logs DLR's
//! rates and trains with the fitted schedule.

pub mod dataset;
mod fig3;
pub mod fit;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::bench::layer_sizes;
use crate::report::{
    best_configs, best_markdown, best_series_by, config_stats, mean_sd, plot_lines, read_records,
    write_report, ConfigStats, Panel, Record, Series, SeriesStyle,
};
use crate::sweep::{
    check_networks, check_results_file, preset, run_sweep, Grid, SweepError, SweepOptions, PRESETS,
};
use dlr::dataset::Dataset;
use dlr::optim::OptimizerKind;

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
    /// for Fig. 3.
    fn grid(&self, fig: u8) -> Result<Option<Grid>, SweepError> {
        let given = match fig {
            1 | 2 => self.grids[fig as usize - 1].clone(),
            _ => None,
        };
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
        for run in &mut grid.runs {
            run.target = self.target;
        }
        Ok(Some(grid))
    }

    /// The target as a percentage, for the headings ("96 %").
    fn pct(&self) -> String {
        format!("{} %", 100.0 * self.target)
    }
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
        match config.grid(fig)? {
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
            1 => figure1(config, train_set, test_set, &log)?,
            2 => figure2(config, train_set, test_set, &log)?,
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

fn figure1(
    config: &ReproConfig,
    train_set: &Dataset,
    test_set: &Dataset,
    log: &(impl Fn(&str) + Sync),
) -> Result<String, SweepError> {
    let Some(grid) = config.grid(1)? else {
        return Ok(String::new());
    };
    let name = grid.name.as_str();
    let records = sweep_and_report(config, &grid, train_set, test_set, log)?;
    let pct = config.pct();
    let stats = config_stats(&records);
    let best = best_configs(&stats);
    let (epochs, ratio) = best_series_by(&best, |s| (s.mean_epochs, s.sd_epochs));
    let (secs, secs_ratio) = best_series_by(&best, |s| (s.mean_seconds, s.sd_seconds));
    let panel = |title: &str, y: &str, series: Vec<Series>| Panel {
        title: title.into(),
        x_label: "hidden units H".into(),
        y_label: y.into(),
        series,
        ..Panel::default()
    };
    plot_lines(
        &config.out.join("fig1.svg"),
        (1300, 520),
        &[
            panel(
                &format!("Epochs to {pct} (best parameters per size, mean ± sd)"),
                &format!("epochs to {pct}"),
                epochs,
            ),
            panel("Ratio to SGD (epochs)", "epochs / SGD's epochs", ratio),
        ],
    )?;
    plot_lines(
        &config.out.join("fig1_seconds.svg"),
        (1300, 520),
        &[
            panel(
                &format!("Training seconds to {pct} (best per size, mean ± sd)"),
                "seconds",
                secs,
            ),
            panel(
                "Ratio to SGD (seconds)",
                "seconds / SGD's seconds",
                secs_ratio,
            ),
        ],
    )?;
    let mut md = format!("## Figure 1: time to {pct} against hidden size ({})\n\n![Fig. 1](fig1.svg)\n\n![Fig. 1, seconds](fig1_seconds.svg)\n\n", config.name);
    md.push_str(&best_markdown(&best));
    md.push_str(&missed_everywhere(&stats, &best, &pct));
    let _ = writeln!(
        md,
        "\nEvery configuration: `{name}/report.md`, `{name}/configs.csv`."
    );
    Ok(md)
}

/// The rules and sizes at which no setting of the grid reached the target
/// on a majority of seeds (so they have no best setting, no row in the
/// table and no point in the plot), as a Markdown list with their runs and
/// how many reached; empty when there are none.
fn missed_everywhere(
    stats: &[ConfigStats],
    best: &std::collections::BTreeMap<(usize, Vec<usize>), ConfigStats>,
    pct: &str,
) -> String {
    // ((rule, hidden sizes), (runs, runs that reached)).
    type Missed = ((OptimizerKind, Vec<usize>), (usize, usize));
    let mut missed: Vec<Missed> = Vec::new();
    for s in stats {
        let kind = s.spec.optimizer.kind();
        if best
            .values()
            .any(|b| b.spec.optimizer.kind() == kind && b.spec.hidden == s.spec.hidden)
        {
            continue;
        }
        let key = (kind, s.spec.hidden.clone());
        match missed.iter_mut().find(|m| m.0 == key) {
            Some(m) => {
                m.1 .0 += s.runs;
                m.1 .1 += s.reached;
            }
            None => missed.push((key, (s.runs, s.reached))),
        }
    }
    if missed.is_empty() {
        return String::new();
    }
    let mut md = format!("\nNo setting reached {pct} on half the seeds or more (no best setting, no point in the plot; its runs count as misses):\n\n");
    for ((kind, hidden), (runs, reached)) in missed {
        let _ = writeln!(
            md,
            "- {kind} H={}: {reached} of {runs} runs reached it",
            crate::join_sizes(&hidden, ',')
        );
    }
    md
}

/// The paper's Fig. 2 values: (optimizer, mean, sd) of the smallest hidden size.
pub const PAPER_FIG2: [(OptimizerKind, f64, f64); 4] = [
    (OptimizerKind::Sgd, 36.3, 1.2),
    (OptimizerKind::Nesterov, 33.7, 2.0),
    (OptimizerKind::Adam, 35.3, 1.6),
    (OptimizerKind::Dlr, 29.7, 1.6),
];

/// Per optimizer, the smallest hidden size of each seed (descending from the
/// largest size of the grid until one fails; `None` when even the largest
/// fails), from sweep records.
pub fn smallest_sizes(
    records: &[crate::report::Record],
    kind: OptimizerKind,
) -> Vec<(u64, Option<usize>)> {
    let mut seeds: Vec<u64> = records
        .iter()
        .filter(|r| r.spec.optimizer.kind() == kind)
        .map(|r| r.spec.seed)
        .collect();
    seeds.sort_unstable();
    seeds.dedup();
    let mut sizes: Vec<usize> = records
        .iter()
        .filter(|r| r.spec.optimizer.kind() == kind && r.spec.hidden.len() == 1)
        .map(|r| r.spec.hidden[0])
        .collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    sizes.dedup();
    seeds
        .into_iter()
        .map(|seed| {
            let mut smallest = None;
            for &h in &sizes {
                let ok = records.iter().any(|r| {
                    r.spec.optimizer.kind() == kind
                        && r.spec.seed == seed
                        && r.spec.hidden == [h]
                        && r.time().is_some()
                });
                if !ok {
                    break;
                }
                smallest = Some(h);
            }
            (seed, smallest)
        })
        .collect()
}

fn figure2(
    config: &ReproConfig,
    train_set: &Dataset,
    test_set: &Dataset,
    log: &(impl Fn(&str) + Sync),
) -> Result<String, SweepError> {
    let Some(grid) = config.grid(2)? else {
        return Ok(String::new());
    };
    let budget = grid.runs.first().map_or(0.0, |r| r.max_epochs);
    let records = sweep_and_report(config, &grid, train_set, test_set, log)?;
    let pct = config.pct();
    let mut md = format!(
        "## Figure 2: smallest hidden size reaching {pct} within {budget} epochs ({})\n\n![Fig. 2](fig2.svg)\n\nPer seed: from the largest size of the grid down, the last size at which some parameter setting of the grid reached {pct}; `none` when even the largest missed.\n\n| optimizer | smallest H, mean ± sd (ours) | seeds | per seed | paper |\n| --- | --- | --- | --- | --- |\n",
        config.name
    );
    let mut ours = Vec::new();
    let mut paper = Vec::new();
    let mut categories = Vec::new();
    // The grid's rules, in its order; the paper's values beside them
    // where it has some.
    let mut kinds: Vec<OptimizerKind> = Vec::new();
    for run in &grid.runs {
        let kind = run.optimizer.kind();
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    for (i, &kind) in kinds.iter().enumerate() {
        let published = PAPER_FIG2
            .iter()
            .find(|p| p.0 == kind)
            .filter(|_| config.paper)
            .map(|&(_, m, sd)| (m, sd));
        let per_seed = smallest_sizes(&records, kind);
        let found: Vec<f64> = per_seed
            .iter()
            .filter_map(|(_, h)| h.map(|h| h as f64))
            .collect();
        let (m, sd) = mean_sd(&found);
        let list: Vec<String> = per_seed
            .iter()
            .map(|(s, h)| format!("{s}:{}", h.map_or("none".into(), |h| h.to_string())))
            .collect();
        let ours_text = if found.is_empty() {
            "none: the largest size missed".to_string()
        } else {
            format!("{m:.1} ± {sd:.1}")
        };
        let paper_text = published.map_or("–".into(), |(pm, psd)| format!("{pm} ± {psd}"));
        let _ = writeln!(
            md,
            "| {kind} | {ours_text} | {}/{} | {} | {paper_text} |",
            found.len(),
            per_seed.len(),
            list.join(" ")
        );
        categories.push(kind.name().to_string());
        if m.is_finite() {
            ours.push((i as f64 - 0.1, m, sd));
        }
        if let Some((pm, psd)) = published {
            paper.push((i as f64 + 0.1, pm, psd));
        }
    }
    plot_lines(
        &config.out.join("fig2.svg"),
        (800, 520),
        &[Panel {
            title: format!("Smallest H reaching {pct} within {budget} epochs (mean ± sd)"),
            x_label: "optimizer".into(),
            y_label: "smallest hidden size H".into(),
            series: [("this crate", 0, ours), ("paper", 5, paper)]
                .into_iter()
                .filter(|s| !s.2.is_empty())
                .map(|(name, color, points)| Series {
                    name: name.into(),
                    color,
                    points,
                    style: SeriesStyle::LineWithMarkers,
                })
                .collect(),
            categories,
            ..Panel::default()
        }],
    )?;
    Ok(md)
}

pub use fig3::{mean_dlr_rates, Logged};
pub use fit::{fit_decay, DecayFit};
