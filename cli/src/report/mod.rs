//! Merged sweep results: per-configuration statistics over seeds, the best
//! configuration of each optimizer at each hidden size, Markdown and CSV
//! tables, and SVG plots (drawn with `plotters`, no font library).
//!
//! **Ranking.** A configuration's score is its median epochs to the target
//! over its seeds, a run that missed the target or diverged counting as
//! infinitely slow; ties go to the lower mean over the runs that reached it.
//! Tables give the median, and mean ± sample standard deviation over the
//! runs that reached the target; plots show mean ± sd as error bars.

//!
//! The plots are drawn in [`plot`].

pub mod plot;
mod series;

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use dlr::optim::OptimizerKind;
use dlr::train::RunSpec;

use crate::join_sizes;
use crate::record::RunRecord;
use crate::sweep::{read_results, SweepError};

/// One finished run.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// Its configuration.
    pub spec: RunSpec,
    /// Whether it reached the target.
    pub reached: bool,
    /// Whether it diverged.
    pub diverged: bool,
    /// Epochs trained until the target (or the stop).
    pub epochs: f64,
    /// Seconds of training steps.
    pub train_seconds: f64,
    /// Last measured test accuracy.
    pub test_accuracy: f64,
}

impl Record {
    /// Epochs to the target, or `None` when it was not reached.
    pub fn time(&self) -> Option<f64> {
        (self.reached && !self.diverged).then_some(self.epochs)
    }
}

/// Reads and merges result files. A run (same key) present in several files,
/// or several times, counts once (its first occurrence).
pub fn read_records(paths: &[PathBuf]) -> Result<Vec<Record>, SweepError> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for path in paths {
        for (line, spec, v) in read_results(path)? {
            let field = |k: &str| {
                v.get(k)
                    .ok_or_else(|| SweepError(format!("{}:{line}: missing '{k}'", path.display())))
            };
            let flag = |k: &str| -> Result<bool, SweepError> {
                field(k)?.as_bool().ok_or_else(|| {
                    SweepError(format!("{}:{line}: '{k}' is not a boolean", path.display()))
                })
            };
            let num = |k: &str| -> Result<f64, SweepError> {
                field(k)?.as_f64().ok_or_else(|| {
                    SweepError(format!("{}:{line}: '{k}' is not a number", path.display()))
                })
            };
            if !seen.insert(spec.key()) {
                continue;
            }
            out.push(Record {
                reached: flag("reached")?,
                diverged: flag("diverged")?,
                epochs: num("epochs")?,
                train_seconds: num("train_seconds")?,
                test_accuracy: num("test_accuracy")?,
                spec,
            });
        }
    }
    Ok(out)
}

/// Median of `xs` (`NaN` when empty); `∞` entries sort last.
pub fn median(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    // Odd count, or an infinite upper middle (the mean would hide it).
    if n % 2 == 1 || v[n / 2].is_infinite() {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Mean and sample standard deviation (0 for one value; `NaN`s when empty).
pub fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    if xs.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mean = xs.iter().sum::<f64>() / n;
    if xs.len() < 2 {
        return (mean, 0.0);
    }
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

/// Statistics of one configuration over its seeds.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigStats {
    /// The configuration (the seed of its first run).
    pub spec: RunSpec,
    /// Runs.
    pub runs: usize,
    /// Runs that reached the target.
    pub reached: usize,
    /// Runs that diverged.
    pub diverged: usize,
    /// Median epochs to the target, misses as `∞`.
    pub median_epochs: f64,
    /// Mean epochs over the runs that reached it.
    pub mean_epochs: f64,
    /// Their sample standard deviation.
    pub sd_epochs: f64,
    /// Median training seconds to the target, misses as `∞`.
    pub median_seconds: f64,
    /// Mean training seconds over the runs that reached it.
    pub mean_seconds: f64,
    /// Their sample standard deviation.
    pub sd_seconds: f64,
}

impl ConfigStats {
    fn score(&self) -> (f64, f64) {
        (self.median_epochs, self.mean_epochs)
    }
}

/// Groups runs by configuration (everything but the seed).
pub fn config_stats(records: &[Record]) -> Vec<ConfigStats> {
    let mut groups: BTreeMap<String, Vec<&Record>> = BTreeMap::new();
    for r in records {
        groups.entry(r.spec.config_key()).or_default().push(r);
    }
    groups
        .into_values()
        .map(|rs| {
            let times: Vec<f64> = rs
                .iter()
                .map(|r| r.time().unwrap_or(f64::INFINITY))
                .collect();
            let secs: Vec<f64> = rs
                .iter()
                .map(|r| r.time().map_or(f64::INFINITY, |_| r.train_seconds))
                .collect();
            let ok: Vec<f64> = times.iter().copied().filter(|t| t.is_finite()).collect();
            let ok_secs: Vec<f64> = secs.iter().copied().filter(|t| t.is_finite()).collect();
            let (mean_epochs, sd_epochs) = mean_sd(&ok);
            let (mean_seconds, sd_seconds) = mean_sd(&ok_secs);
            ConfigStats {
                spec: rs[0].spec.clone(),
                runs: rs.len(),
                reached: ok.len(),
                diverged: rs.iter().filter(|r| r.diverged).count(),
                median_epochs: median(&times),
                mean_epochs,
                sd_epochs,
                median_seconds: median(&secs),
                mean_seconds,
                sd_seconds,
            }
        })
        .collect()
}

/// The best configuration of each optimizer at each hidden size (only
/// configurations whose median is finite), keyed by (optimizer, hidden).
pub fn best_configs(stats: &[ConfigStats]) -> BTreeMap<(usize, Vec<usize>), ConfigStats> {
    let mut best: BTreeMap<(usize, Vec<usize>), ConfigStats> = BTreeMap::new();
    for s in stats.iter().filter(|s| s.median_epochs.is_finite()) {
        let k = (kind_index(s.spec.optimizer.kind()), s.spec.hidden.clone());
        let better = best
            .get(&k)
            .is_none_or(|b| s.score().partial_cmp(&b.score()).is_some_and(|o| o.is_lt()));
        if better {
            best.insert(k, s.clone());
        }
    }
    best
}

fn kind_index(k: OptimizerKind) -> usize {
    OptimizerKind::ALL.iter().position(|&x| x == k).unwrap_or(0)
}

fn fmt_num(x: f64, digits: usize) -> String {
    if x.is_nan() {
        "–".into()
    } else if x.is_infinite() {
        "miss".into()
    } else {
        format!("{x:.digits$}")
    }
}

fn csv_num(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else if x.is_infinite() {
        "inf".into()
    } else {
        String::new()
    }
}

const CSV_HEADER: &str = "optimizer,hidden,params,runs,reached,diverged,median_epochs,mean_epochs,sd_epochs,median_seconds,mean_seconds,sd_seconds";

fn csv_row(s: &ConfigStats) -> String {
    format!(
        "{},\"{}\",\"{}\",{},{},{},{},{},{},{},{},{}",
        s.spec.optimizer.kind(),
        join_sizes(&s.spec.hidden, ','),
        s.spec.params_text(),
        s.runs,
        s.reached,
        s.diverged,
        csv_num(s.median_epochs),
        csv_num(s.mean_epochs),
        csv_num(s.sd_epochs),
        csv_num(s.median_seconds),
        csv_num(s.mean_seconds),
        csv_num(s.sd_seconds)
    )
}

/// The Markdown table of the best configurations.
pub fn best_markdown(best: &BTreeMap<(usize, Vec<usize>), ConfigStats>) -> String {
    let mut md = String::from(
        "| optimizer | hidden | best parameters | seeds reached | median epochs | mean ± sd epochs | mean ± sd train s |\n| --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for s in best.values() {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {}/{} | {} | {} ± {} | {} ± {} |",
            s.spec.optimizer.kind(),
            join_sizes(&s.spec.hidden, ','),
            s.spec.params_text(),
            s.reached,
            s.runs,
            fmt_num(s.median_epochs, 3),
            fmt_num(s.mean_epochs, 3),
            fmt_num(s.sd_epochs, 3),
            fmt_num(s.mean_seconds, 2),
            fmt_num(s.sd_seconds, 2),
        );
    }
    md
}

/// What [`write_report`] wrote.
#[derive(Clone, Debug, Default)]
pub struct ReportFiles {
    /// Files written.
    pub files: Vec<PathBuf>,
    /// The Markdown text of `report.md`.
    pub markdown: String,
}

/// Writes `report.md`, `best.csv`, `configs.csv`, `epochs.svg` (best mean ±
/// sd epochs against hidden size, per optimizer) and `ratio_to_sgd.svg`
/// into `dir` (created if needed).
pub fn write_report(records: &[Record], dir: &Path) -> Result<ReportFiles, SweepError> {
    let io = |p: &Path, e: std::io::Error| SweepError(format!("{}: {e}", p.display()));
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let stats = config_stats(records);
    let best = best_configs(&stats);
    let mut out = ReportFiles::default();

    let mut md = format!(
        "# Sweep report\n\n{} runs, {} configurations. Best configuration per optimizer and hidden size: lowest median epochs to the target over seeds (a miss counts as infinite); mean ± sd over the seeds that reached it.\n\n",
        records.len(),
        stats.len()
    );
    md.push_str(&best_markdown(&best));
    md.push_str("\n## Every configuration\n\n| optimizer | hidden | parameters | reached | diverged | median epochs | mean ± sd epochs |\n| --- | --- | --- | --- | --- | --- | --- |\n");
    let mut sorted: Vec<&ConfigStats> = stats.iter().collect();
    sorted.sort_by(|a, b| {
        (kind_index(a.spec.optimizer.kind()), &a.spec.hidden)
            .cmp(&(kind_index(b.spec.optimizer.kind()), &b.spec.hidden))
            .then(
                a.score()
                    .partial_cmp(&b.score())
                    .unwrap_or(std::cmp::Ordering::Equal),
            )
    });
    for s in &sorted {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {}/{} | {} | {} | {} ± {} |",
            s.spec.optimizer.kind(),
            join_sizes(&s.spec.hidden, ','),
            s.spec.params_text(),
            s.reached,
            s.runs,
            s.diverged,
            fmt_num(s.median_epochs, 3),
            fmt_num(s.mean_epochs, 3),
            fmt_num(s.sd_epochs, 3),
        );
    }
    let write = |name: &str, text: &str, out: &mut ReportFiles| -> Result<(), SweepError> {
        let p = dir.join(name);
        std::fs::write(&p, text).map_err(|e| io(&p, e))?;
        out.files.push(p);
        Ok(())
    };
    write("report.md", &md, &mut out)?;
    let mut csv = format!("{CSV_HEADER}\n");
    for s in best.values() {
        csv.push_str(&csv_row(s));
        csv.push('\n');
    }
    write("best.csv", &csv, &mut out)?;
    let mut csv = format!("{CSV_HEADER}\n");
    for s in &sorted {
        csv.push_str(&csv_row(s));
        csv.push('\n');
    }
    write("configs.csv", &csv, &mut out)?;

    let shapes = best_series(&best);
    if !shapes.is_empty() {
        // One panel per hidden-layer layout, side by side.
        let size = ((600 * shapes.len() as u32).max(900), 560);
        let panels = |title: &str, y_label: &str, ratios: bool| -> Vec<Panel> {
            shapes
                .iter()
                .map(|sh| sh.panel(title, y_label, ratios))
                .collect()
        };
        let p = dir.join("epochs.svg");
        plot_lines(
            &p,
            size,
            &panels(
                "Epochs to the target, best parameters per size (mean ± sd)",
                "epochs to target",
                false,
            ),
        )?;
        out.files.push(p);
        let p = dir.join("ratio_to_sgd.svg");
        plot_lines(
            &p,
            size,
            &panels(
                "Epochs to the target relative to SGD (mean / SGD's mean)",
                "ratio to SGD",
                true,
            ),
        )?;
        out.files.push(p);
    }
    out.markdown = md;
    Ok(out)
}

pub use plot::{palette, plot_lines, plot_rows, Panel, Series, SeriesStyle};
pub use series::{best_series, best_series_by, hidden_shape, ShapeSeries};
