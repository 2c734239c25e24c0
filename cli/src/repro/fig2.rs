//! Fig. 2: per optimizer and seed, the smallest hidden size that still
//! reaches the target, beside the paper's values.

use std::fmt::Write as _;

use super::{sweep_and_report, ReproConfig};
use crate::report::{mean_sd, plot_lines, Panel, Series, SeriesStyle};
use crate::sweep::SweepError;
use dlr::dataset::Dataset;
use dlr::optim::OptimizerKind;

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

pub(super) fn figure2(
    config: &ReproConfig,
    train_set: &Dataset,
    test_set: &Dataset,
    log: &(impl Fn(&str) + Sync),
) -> Result<String, SweepError> {
    let Some(grid) = config.grid(2, train_set, test_set)? else {
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
