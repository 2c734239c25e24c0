//! The paper's three figures, end to end (`dlr repro`).
//!
//! - **Fig. 1**: epochs (and seconds) to 96 % against the hidden size for
//!   SGD, Nesterov, Adam and DLR, each with the best parameters of a grid at
//!   every size ([`crate::sweep::preset`] `fig1` / `fig1-quick`), and the
//!   ratio to SGD.
//! - **Fig. 2**: per optimizer and seed, the smallest hidden size that still
//!   reaches 96 % within the grid's epoch budget with some parameter setting
//!   of the grid, found as the paper did: from the largest size down until a
//!   size fails. Mean ± sd over seeds.
//! - **Fig. 3**: DLR runs log the mean DLR rate of each layer (the mean of
//!   `η_ij` over all the layer's weights) every `eval_every` samples; each
//!   layer's rate is fitted with `a exp(b t^(1/3) + c t) + d` (t in epochs)
//!   by Levenberg–Marquardt; new networks train with SGD whose per-layer rate
//!   follows the fit, and epochs to 96 % are compared.
//!
//! Sweeps append to `<preset>.jsonl` (`fig1.jsonl`, `fig1-quick.jsonl`, …)
//! in the output directory, so an interrupted `dlr repro` resumes where it
//! stopped; each figure writes `figN.md`, and `REPRO.md` gathers them.
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

mod fig3;
pub mod fit;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::bench::layer_sizes;
use crate::report::{
    best_configs, best_markdown, best_series_by, config_stats, mean_sd, plot_lines, read_records,
    write_report, Panel, Record, Series, SeriesStyle,
};
use crate::sweep::{
    check_networks, check_results_file, preset, run_sweep, SweepError, SweepOptions,
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
}

/// The preset that figure `fig` sweeps (`fig1`, `fig2-quick`, …); `None`
/// for Fig. 3, which is no sweep.
fn sweep_preset(fig: u8, quick: bool) -> Option<&'static str> {
    match (fig, quick) {
        (1, false) => Some("fig1"),
        (1, true) => Some("fig1-quick"),
        (2, false) => Some("fig2"),
        (2, true) => Some("fig2-quick"),
        _ => None,
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
        match sweep_preset(fig, config.quick) {
            Some(name) => {
                let grid = preset(name)?;
                check_networks(&grid.runs, train_set, test_set)
                    .map_err(|e| SweepError(format!("figure {fig}: {e}")))?;
                check_results_file(&config.out.join(format!("{name}.jsonl")))?;
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
    check_inputs(config, train_set, test_set)?;
    std::fs::create_dir_all(&config.out).map_err(|e| io_err(&config.out, e))?;
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
        let text = format!(
            "{section}\n_Made by `dlr repro{} --figures {fig}` ({mode}). Its last invocation took {secs:.0} s of wall time with {} concurrent trainings, {trained}._\n\n",
            if config.quick { " --quick" } else { "" },
            config.jobs,
        );
        let p = config.out.join(format!("fig{fig}.md"));
        std::fs::write(&p, text).map_err(|e| io_err(&p, e))?;
        log(&format!("figure {fig} done in {secs:.0} s"));
    }
    // REPRO.md: every figure's section present in the directory.
    let mut md = String::from("# Reproduction of the paper's figures\n\n");
    for fig in 1..=3 {
        if let Ok(section) = std::fs::read_to_string(config.out.join(format!("fig{fig}.md"))) {
            md.push_str(&section);
        }
    }
    let p = config.out.join("REPRO.md");
    std::fs::write(&p, md).map_err(|e| io_err(&p, e))?;
    Ok(())
}

/// Runs (or resumes) preset `preset_name` into `<out>/<preset_name>.jsonl`,
/// writes its report into `<out>/<preset_name>/`, and returns its records.
fn sweep_and_report(
    config: &ReproConfig,
    preset_name: &str,
    train_set: &Dataset,
    test_set: &Dataset,
    log: &(impl Fn(&str) + Sync),
) -> Result<Vec<Record>, SweepError> {
    let grid = preset(preset_name)?;
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
    let name = sweep_preset(1, config.quick).unwrap_or("fig1");
    let records = sweep_and_report(config, name, train_set, test_set, log)?;
    let best = best_configs(&config_stats(&records));
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
                "Epochs to 96 % (best parameters per size, mean ± sd)",
                "epochs to 96 %",
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
                "Training seconds to 96 % (best per size, mean ± sd)",
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
    let mut md = String::from("## Figure 1: time to 96 % against hidden size\n\n![Fig. 1](fig1.svg)\n\n![Fig. 1, seconds](fig1_seconds.svg)\n\n");
    md.push_str(&best_markdown(&best));
    let _ = writeln!(
        md,
        "\nEvery configuration: `{name}/report.md`, `{name}/configs.csv`."
    );
    Ok(md)
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
    let name = sweep_preset(2, config.quick).unwrap_or("fig2");
    let grid = preset(name)?;
    let budget = grid.runs.first().map_or(0.0, |r| r.max_epochs);
    let records = sweep_and_report(config, name, train_set, test_set, log)?;
    let mut md = format!(
        "## Figure 2: smallest hidden size reaching 96 % within {budget} epochs\n\n![Fig. 2](fig2.svg)\n\nPer seed: from the largest size of the grid down, the last size at which some parameter setting of the grid reached 96 %.\n\n| optimizer | smallest H, mean ± sd (ours) | seeds | per seed | paper |\n| --- | --- | --- | --- | --- |\n"
    );
    let mut ours = Vec::new();
    let mut paper = Vec::new();
    let mut categories = Vec::new();
    for (i, &(kind, pm, psd)) in PAPER_FIG2.iter().enumerate() {
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
        let _ = writeln!(
            md,
            "| {kind} | {ours_text} | {}/{} | {} | {pm} ± {psd} |",
            found.len(),
            per_seed.len(),
            list.join(" ")
        );
        categories.push(kind.name().to_string());
        if m.is_finite() {
            ours.push((i as f64 - 0.1, m, sd));
        }
        paper.push((i as f64 + 0.1, pm, psd));
    }
    plot_lines(
        &config.out.join("fig2.svg"),
        (800, 520),
        &[Panel {
            title: format!("Smallest H reaching 96 % within {budget} epochs (mean ± sd)"),
            x_label: "optimizer".into(),
            y_label: "smallest hidden size H".into(),
            series: vec![
                Series {
                    name: "this crate".into(),
                    color: 0,
                    points: ours,
                    style: SeriesStyle::LineWithMarkers,
                },
                Series {
                    name: "paper".into(),
                    color: 5,
                    points: paper,
                    style: SeriesStyle::LineWithMarkers,
                },
            ],
            categories,
            ..Panel::default()
        }],
    )?;
    Ok(md)
}

pub use fig3::{mean_dlr_rates, Logged};
pub use fit::{fit_decay, DecayFit};
