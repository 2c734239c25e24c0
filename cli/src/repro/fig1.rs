//! Fig. 1: epochs (and seconds) to the target against the hidden size, the
//! best setting of the grid at each size, and the ratio to SGD; a row of the
//! two per hidden-layer layout when the grid has deeper nets (`H-H/2`,
//! `H-2H`), with the first hidden layer's size on the x axis.

use std::fmt::Write as _;

use super::{sweep_and_report, ReproConfig};
use crate::report::{
    best_configs, best_markdown, best_series_by, config_stats, plot_rows, ConfigStats, ShapeSeries,
};
use crate::sweep::SweepError;
use dlr::dataset::Dataset;
use dlr::optim::OptimizerKind;

pub(super) fn figure1(
    config: &ReproConfig,
    train_set: &Dataset,
    test_set: &Dataset,
    log: &(impl Fn(&str) + Sync),
) -> Result<String, SweepError> {
    let Some(grid) = config.grid(1, train_set, test_set)? else {
        return Ok(String::new());
    };
    let name = grid.name.as_str();
    let records = sweep_and_report(config, &grid, train_set, test_set, log)?;
    let pct = config.pct();
    let stats = config_stats(&records);
    let best = best_configs(&stats);
    let epochs = best_series_by(&best, |s| (s.mean_epochs, s.sd_epochs));
    let secs = best_series_by(&best, |s| (s.mean_seconds, s.sd_seconds));
    // A row per hidden-layer layout: its values, then their ratios to SGD's.
    let panels =
        |shapes: &[ShapeSeries], title: &str, y: &str, ratio_title: &str, ratio_y: &str| {
            shapes
                .iter()
                .flat_map(|sh| {
                    [
                        sh.panel(title, y, false),
                        sh.panel(ratio_title, ratio_y, true),
                    ]
                })
                .collect::<Vec<_>>()
        };
    let size = (1300, 520 * epochs.len().max(1) as u32);
    plot_rows(
        &config.out.join("fig1.svg"),
        size,
        2,
        &panels(
            &epochs,
            &format!("Epochs to {pct} (best parameters per size, mean ± sd)"),
            &format!("epochs to {pct}"),
            "Ratio to SGD (epochs)",
            "epochs / SGD's epochs",
        ),
    )?;
    plot_rows(
        &config.out.join("fig1_seconds.svg"),
        size,
        2,
        &panels(
            &secs,
            &format!("Training seconds to {pct} (best per size, mean ± sd)"),
            "seconds",
            "Ratio to SGD (seconds)",
            "seconds / SGD's seconds",
        ),
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
