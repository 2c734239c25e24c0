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

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::json;

use crate::bench::layer_sizes;
use crate::report::{
    best_configs, best_markdown, best_series_by, config_stats, mean_sd, median, plot_lines,
    read_records, write_report, Panel, Record, Series, SeriesStyle,
};
use crate::sweep::{
    check_networks, check_results_file, preset, run_sweep, SweepError, SweepOptions,
};
use dlr::network::Network;
use dlr::optim::{DlrNorm, LayerUpdate, Optimizer, OptimizerKind, Scheduled, Sgd, SgdParams};
use dlr::train::{RunSpec, TrainConfig, Trainer};
use dlr::Dataset;

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
            3 => figure3(config, train_set, test_set, &log)?,
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

/// A fit of `a exp(b t^(1/3) + c t) + d`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DecayFit {
    /// Amplitude.
    pub a: f64,
    /// Coefficient of `t^(1/3)`.
    pub b: f64,
    /// Coefficient of `t`.
    pub c: f64,
    /// Offset.
    pub d: f64,
    /// Root mean square residual.
    pub rmse: f64,
    /// Coefficient of determination.
    pub r2: f64,
    /// Points fitted.
    pub n: usize,
}

impl DecayFit {
    /// The fitted value at `t`.
    pub fn eval(&self, t: f64) -> f64 {
        model(&[self.a, self.b, self.c, self.d], t)
    }
}

fn model(p: &[f64; 4], t: f64) -> f64 {
    p[0] * (p[1] * t.max(0.0).cbrt() + p[2] * t).exp() + p[3]
}

fn sse(p: &[f64; 4], pts: &[(f64, f64)]) -> f64 {
    let s: f64 = pts.iter().map(|&(t, y)| (model(p, t) - y).powi(2)).sum();
    if s.is_finite() {
        s
    } else {
        f64::INFINITY
    }
}

/// Solves the 4×4 system `a x = b` by Gaussian elimination with partial
/// pivoting; `None` when singular.
fn solve4(mut a: [[f64; 4]; 4], mut b: [f64; 4]) -> Option<[f64; 4]> {
    for col in 0..4 {
        let piv = (col..4).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[piv][col].abs() < 1e-300 {
            return None;
        }
        a.swap(col, piv);
        b.swap(col, piv);
        let pivot_row = a[col];
        for row in col + 1..4 {
            let f = a[row][col] / pivot_row[col];
            for (x, &p) in a[row][col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= f * p;
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = [0.0; 4];
    for row in (0..4).rev() {
        let s: f64 = (row + 1..4).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// Levenberg–Marquardt from `p`: returns the local minimum of the SSE.
fn levenberg_marquardt(mut p: [f64; 4], pts: &[(f64, f64)]) -> [f64; 4] {
    let mut lambda = 1e-3;
    let mut cost = sse(&p, pts);
    for _ in 0..500 {
        let mut jtj = [[0.0; 4]; 4];
        let mut jtr = [0.0; 4];
        for &(t, y) in pts {
            let ct = t.max(0.0).cbrt();
            let e = (p[1] * ct + p[2] * t).exp();
            let r = p[0] * e + p[3] - y;
            let j = [e, p[0] * e * ct, p[0] * e * t, 1.0];
            for u in 0..4 {
                jtr[u] += j[u] * r;
                for v in 0..4 {
                    jtj[u][v] += j[u] * j[v];
                }
            }
        }
        let mut improved = false;
        for _ in 0..12 {
            let mut a = jtj;
            for (u, row) in a.iter_mut().enumerate() {
                row[u] += lambda * (jtj[u][u] + 1e-12);
            }
            let Some(step) = solve4(a, [-jtr[0], -jtr[1], -jtr[2], -jtr[3]]) else {
                lambda *= 10.0;
                continue;
            };
            let q = [
                p[0] + step[0],
                p[1] + step[1],
                p[2] + step[2],
                p[3] + step[3],
            ];
            let c = sse(&q, pts);
            if c < cost {
                let gain = (cost - c) / cost.max(1e-300);
                p = q;
                cost = c;
                lambda = (lambda / 10.0).max(1e-12);
                improved = gain > 1e-12;
                break;
            }
            lambda *= 10.0;
        }
        if !improved {
            break;
        }
    }
    p
}

/// Fits `a exp(b t^(1/3) + c t) + d` to `(t, y)` points: for a grid of
/// `(b, c)` the linear `(a, d)` by least squares, then Levenberg–Marquardt
/// from the best few. `None` with fewer than 5 points.
pub fn fit_decay(pts: &[(f64, f64)]) -> Option<DecayFit> {
    if pts.len() < 5 {
        return None;
    }
    let mut starts: Vec<(f64, [f64; 4])> = Vec::new();
    for &b in &[-0.3, -0.6, -1.0, -1.5, -2.5, -4.0, -6.0, 0.5, 1.0] {
        for &c in &[0.0, -0.1, -0.3, -1.0, 0.1] {
            // Linear least squares of y on e = exp(b t^(1/3) + c t).
            let (mut se, mut see, mut sy, mut sey) = (0.0, 0.0, 0.0, 0.0);
            let n = pts.len() as f64;
            for &(t, y) in pts {
                let e = (b * t.max(0.0).cbrt() + c * t).exp();
                se += e;
                see += e * e;
                sy += y;
                sey += e * y;
            }
            let det = n * see - se * se;
            if det.abs() < 1e-12 || !det.is_finite() {
                continue;
            }
            let a = (n * sey - se * sy) / det;
            let d = (sy - a * se) / n;
            let p = [a, b, c, d];
            starts.push((sse(&p, pts), p));
        }
    }
    starts.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut best: Option<([f64; 4], f64)> = None;
    for (_, p) in starts.iter().take(6) {
        let q = levenberg_marquardt(*p, pts);
        let c = sse(&q, pts);
        if best.is_none_or(|(_, bc)| c < bc) {
            best = Some((q, c));
        }
    }
    let (p, cost) = best?;
    let n = pts.len() as f64;
    let mean = pts.iter().map(|q| q.1).sum::<f64>() / n;
    let sst: f64 = pts.iter().map(|q| (q.1 - mean).powi(2)).sum();
    Some(DecayFit {
        a: p[0],
        b: p[1],
        c: p[2],
        d: p[3],
        rmse: (cost / n).sqrt(),
        r2: if sst > 0.0 { 1.0 - cost / sst } else { 1.0 },
        n: pts.len(),
    })
}

/// The mean DLR rate `η_ij` over all weights of each layer, from the
/// optimizer's norm cache (`None` for other optimizers).
pub fn mean_dlr_rates(net: &Network, opt: &Optimizer) -> Option<Vec<f64>> {
    let Optimizer::Dlr(d) = opt else { return None };
    Some(
        net.layers()
            .iter()
            .enumerate()
            .map(|(l, layer)| {
                let ss = d.cached_sum_sq(l);
                let mut sum = 0.0f64;
                for (k, &w) in layer.w.iter().enumerate() {
                    let (j, i) = (k / layer.n_out, k % layer.n_out);
                    let s = match d.norm() {
                        DlrNorm::Pre => ss[j],
                        DlrNorm::Post => ss[i],
                    };
                    sum += d.rate(w, s as f32) as f64;
                }
                sum / layer.w.len().max(1) as f64
            })
            .collect(),
    )
}

/// What a logged run saw.
#[derive(Clone, Debug, Default)]
pub struct Logged {
    /// `(samples, test accuracy)` at every evaluation.
    pub history: Vec<(u64, f64)>,
    /// `(samples, mean DLR rate per layer)`, from 0 then at every evaluation
    /// (DLR only).
    pub rates: Vec<(u64, Vec<f64>)>,
    /// Samples at the first evaluation at or above the target.
    pub reached_at: Option<u64>,
    /// Whether the loss or the weights became non-finite.
    pub diverged: bool,
    /// Samples trained.
    pub samples: u64,
}

/// Runs `trainer` to its end one evaluation period at a time, logging DLR's
/// mean rate per layer after each (from `rates`, which sees the network and
/// the optimizer), and the first evaluation at or above `target`.
fn run_logged<O: LayerUpdate + Clone + Send>(
    mut trainer: Trainer<'_, O>,
    target: f64,
    rates: impl Fn(&Network, &O) -> Option<Vec<f64>>,
) -> Logged {
    let mut out = Logged::default();
    let every = trainer.config().eval_every.max(1) as u64;
    if let Some(r) = rates(trainer.network(), trainer.optimizer()) {
        out.rates.push((0, r));
    }
    loop {
        let until = (trainer.samples() / every + 1) * every;
        let going = trainer.run_until(until, |_| {});
        if let Some(r) = rates(trainer.network(), trainer.optimizer()) {
            out.rates.push((trainer.samples(), r));
        }
        if !going {
            break;
        }
    }
    let report = trainer.report();
    out.reached_at = report
        .history
        .iter()
        .find(|&&(_, acc)| acc >= target)
        .map(|&(s, _)| s);
    out.diverged = report.diverged_at.is_some();
    out.samples = report.samples;
    out.history = report.history;
    out
}

/// Median over runs of the accuracy at each evaluation point; a run that
/// stopped carries its last accuracy forward.
fn median_curve(runs: &[Logged], n: usize) -> Vec<(f64, f64, f64)> {
    let mut points: Vec<u64> = runs
        .iter()
        .flat_map(|r| r.history.iter().map(|h| h.0))
        .collect();
    points.sort_unstable();
    points.dedup();
    points
        .into_iter()
        .map(|s| {
            let accs: Vec<f64> = runs
                .iter()
                .filter_map(|r| {
                    r.history
                        .iter()
                        .take_while(|h| h.0 <= s)
                        .last()
                        .map(|h| h.1)
                })
                .collect();
            (s as f64 / n as f64, median(&accs), 0.0)
        })
        .collect()
}

fn figure3(
    config: &ReproConfig,
    train_set: &Dataset,
    test_set: &Dataset,
    log: &(impl Fn(&str) + Sync),
) -> Result<String, SweepError> {
    let (seeds, log_epochs, budget): (Vec<u64>, f64, f64) = if config.quick {
        ((1..=4).collect(), 1.5, 3.0)
    } else {
        ((1..=10).collect(), 2.0, 5.0)
    };
    let hidden = FIG3_HIDDEN;
    let sizes = layer_sizes(train_set, test_set, FIG3_HIDDEN);
    let classes = sizes[2];
    let n = train_set.len();
    let eval_every = 1000;
    let target = 0.96;
    let jobs = config.jobs.clamp(1, seeds.len());

    // 1. DLR runs that log their mean rates (not stopped at the target, so
    //    the rate is known beyond it).
    log(&format!(
        "fig3: {} DLR runs logging the mean rate per layer, {log_epochs} epochs each",
        seeds.len()
    ));
    let dlr_runs: Vec<Logged> = crate::jobs::map(&seeds, jobs, |&seed| {
        // Not stopped at the target (it is out of reach), so the rate is
        // known beyond it.
        let spec = RunSpec {
            hidden: vec![hidden],
            seed,
            target: 2.0,
            max_epochs: log_epochs,
            eval_every,
            ..RunSpec::new(OptimizerKind::Dlr)
        };
        match Trainer::for_run(&spec, train_set, test_set, classes, 1) {
            Ok(trainer) => run_logged(trainer, target, mean_dlr_rates),
            Err(_) => Logged {
                diverged: true,
                ..Logged::default()
            },
        }
    });

    // 2. Fit each layer's rate, all seeds pooled.
    let n_layers = sizes.len() - 1;
    let mut fits = Vec::new();
    for l in 0..n_layers {
        let pts: Vec<(f64, f64)> = dlr_runs
            .iter()
            .flat_map(|r| {
                r.rates
                    .iter()
                    .map(move |(s, v)| (*s as f64 / n as f64, v[l]))
            })
            .collect();
        let fit = fit_decay(&pts)
            .ok_or_else(|| SweepError("fig3: too few rate samples to fit".into()))?;
        fits.push(fit);
    }

    // 3. SGD with one global rate per layer following the fit.
    log(&format!(
        "fig3: {} runs of SGD with the fitted per-layer rate, up to {budget} epochs",
        seeds.len()
    ));
    let avg_runs: Vec<Logged> = crate::jobs::map(&seeds, jobs, |&seed| {
        let net = Network::new(&sizes, seed);
        let sgd = Sgd::new(net.layers(), SgdParams::default());
        let Ok(sgd) = sgd else {
            return Logged::default();
        };
        let schedule = Scheduled::new(sgd, n as u64, |layer: usize, epochs: f64| {
            fits.get(layer)
                .map_or(0.0, |f| f.eval(epochs).max(0.0) as f32)
        });
        let config = TrainConfig {
            target,
            max_epochs: budget,
            eval_every,
            seed,
            eval_threads: 1,
            ..TrainConfig::default()
        };
        let trainer = Trainer::new(net, schedule, train_set, test_set, &config);
        run_logged(trainer, target, |_, _| None)
    });

    // Records.
    let p = config.out.join(if config.quick {
        "fig3-quick_runs.jsonl"
    } else {
        "fig3_runs.jsonl"
    });
    let mut lines = String::new();
    for (label, runs) in [("dlr", &dlr_runs), ("dlr-average-rate", &avg_runs)] {
        for (seed, r) in seeds.iter().zip(runs.iter()) {
            let line = json!({
                "run": label, "hidden": hidden, "seed": seed,
                "reached": r.reached_at.is_some(),
                "epochs": r.reached_at.map(|s| s as f64 / n as f64),
                "diverged": r.diverged,
                "history": r.history,
                "mean_rates": r.rates,
            });
            lines.push_str(&line.to_string());
            lines.push('\n');
        }
    }
    std::fs::write(&p, lines).map_err(|e| io_err(&p, e))?;

    let epochs_of = |runs: &[Logged]| -> (Vec<f64>, usize) {
        let e: Vec<f64> = runs
            .iter()
            .filter_map(|r| r.reached_at.map(|s| s as f64 / n as f64))
            .collect();
        let k = e.len();
        (e, k)
    };
    let (dlr_e, dlr_k) = epochs_of(&dlr_runs);
    let (avg_e, avg_k) = epochs_of(&avg_runs);
    let (dm, dsd) = mean_sd(&dlr_e);
    let (am, asd) = mean_sd(&avg_e);

    // Plots: (a) rates and fits, (b) median accuracy.
    let mut rate_series = Vec::new();
    for (l, fit) in fits.iter().enumerate() {
        let mut times: Vec<u64> = dlr_runs
            .iter()
            .flat_map(|r| r.rates.iter().map(|x| x.0))
            .collect();
        times.sort_unstable();
        times.dedup();
        let measured: Vec<(f64, f64, f64)> = times
            .iter()
            .map(|&s| {
                let v: Vec<f64> = dlr_runs
                    .iter()
                    .filter_map(|r| r.rates.iter().find(|x| x.0 == s).map(|x| x.1[l]))
                    .collect();
                (s as f64 / n as f64, median(&v), 0.0)
            })
            .collect();
        let t_max = log_epochs.max(budget);
        let curve: Vec<(f64, f64, f64)> = (0..=200)
            .map(|k| {
                let t = t_max * k as f64 / 200.0;
                (t, fit.eval(t), 0.0)
            })
            .collect();
        rate_series.push(Series {
            name: format!("layer {} measured (median over seeds)", l + 1),
            color: 3 * l,
            points: measured,
            style: SeriesStyle::Points,
        });
        rate_series.push(Series {
            name: format!("layer {} fit", l + 1),
            color: 3 * l,
            points: curve,
            style: SeriesStyle::Line,
        });
    }
    let truncate = |c: Vec<(f64, f64, f64)>| -> Vec<(f64, f64, f64)> {
        // Up to the point where the median first reaches the target, as the paper shows.
        let mut out = Vec::new();
        for p in c {
            out.push(p);
            if p.1 >= target {
                break;
            }
        }
        out
    };
    let acc_series = vec![
        Series {
            name: "DLR".into(),
            color: 3,
            points: truncate(median_curve(&dlr_runs, n)),
            style: SeriesStyle::LineWithMarkers,
        },
        Series {
            name: "SGD with DLR's mean rate per layer".into(),
            color: 0,
            points: truncate(median_curve(&avg_runs, n)),
            style: SeriesStyle::LineWithMarkers,
        },
    ];
    plot_lines(
        &config.out.join("fig3.svg"),
        (1300, 520),
        &[
            Panel {
                title: "Mean DLR rate per layer and its fit a·exp(b·t^(1/3)+c·t)+d".into(),
                x_label: "training time t (epochs)".into(),
                y_label: "mean learning rate".into(),
                series: rate_series,
                ..Panel::default()
            },
            Panel {
                title: format!(
                    "Median test accuracy over {} seeds (until 96 %)",
                    seeds.len()
                ),
                x_label: "training time (epochs)".into(),
                y_label: "test accuracy".into(),
                series: acc_series,
                ..Panel::default()
            },
        ],
    )?;

    let mut md = format!(
        "## Figure 3: synapse-specific rates against DLR's mean rate\n\n![Fig. 3](fig3.svg)\n\nH = {hidden}, DLR η₀ = {}, α = {}; {} seeds; rates logged every {eval_every} samples for {log_epochs} epochs and pooled over seeds for the fit (t in epochs). The schedule runs are SGD whose rate for layer l at time t is the fit of layer l.\n\n| layer | a | b | c | d | points | RMSE | R² |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n",
        dlr::optim::DlrParams::default().eta0,
        dlr::optim::DlrParams::default().alpha,
        seeds.len()
    );
    for (l, f) in fits.iter().enumerate() {
        let _ = writeln!(
            md,
            "| {} | {:.4} | {:.4} | {:.4} | {:.4} | {} | {:.4} | {:.4} |",
            l + 1,
            f.a,
            f.b,
            f.c,
            f.d,
            f.n,
            f.rmse,
            f.r2
        );
    }
    let _ = writeln!(
        md,
        "\n| training | reached 96 % | epochs to 96 %, mean ± sd | median | paper |\n| --- | --- | --- | --- | --- |\n| DLR | {dlr_k}/{} | {dm:.3} ± {dsd:.3} | {:.3} | 0.77 ± 0.10 |\n| SGD, DLR's mean rate per layer | {avg_k}/{} (budget {budget} epochs) | {am:.3} ± {asd:.3} | {:.3} | 1.14 ± 0.22 |",
        seeds.len(),
        median(&dlr_e),
        seeds.len(),
        median(&avg_e),
    );
    Ok(md)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_recovers_known_curve() {
        let truth = [1.2, -1.5, -0.2, 0.3];
        let pts: Vec<(f64, f64)> = (0..100)
            .map(|k| {
                let t = k as f64 * 0.03;
                (t, model(&truth, t))
            })
            .collect();
        // Test code: 100 exact points of the model always fit; a panic here
        // is the test failing.
        let f = fit_decay(&pts).expect("fit");
        assert!(f.r2 > 0.999_999, "{f:?}");
        for &(t, y) in &pts {
            assert!((f.eval(t) - y).abs() < 1e-4, "{f:?} at {t}");
        }
    }

    #[test]
    fn fit_needs_points() {
        assert!(fit_decay(&[(0.0, 1.0), (1.0, 0.5)]).is_none());
    }
}
