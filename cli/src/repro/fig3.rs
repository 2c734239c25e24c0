//! Fig. 3: DLR's mean rate per layer logged, fitted, and followed by SGD.

use std::fmt::Write as _;

use serde_json::json;

use super::fit::fit_decay;
use super::{io_err, ReproConfig, FIG3_HIDDEN};
use crate::bench::layer_sizes;
use crate::report::{mean_sd, median, plot_lines, Panel, Series, SeriesStyle};
use crate::sweep::SweepError;
use dlr::dataset::Dataset;
use dlr::network::Network;
use dlr::optim::{LayerUpdate, Optimizer, OptimizerKind, Scheduled, Sgd, SgdParams};
use dlr::train::{RunSpec, TrainConfig, Trainer};

/// The mean DLR rate `η_ij` over all weights of each layer, from the
/// optimizer's norm cache (`None` for other optimizers).
pub fn mean_dlr_rates(net: &Network, opt: &Optimizer) -> Option<Vec<f64>> {
    let Optimizer::Dlr(d) = opt else { return None };
    Some(
        net.layers()
            .iter()
            .enumerate()
            .map(|(l, layer)| {
                let sum = d.rates(l, layer).fold(0.0f64, |s, r| s + r as f64);
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

pub(super) fn figure3(
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
