//! The named grids of `dlr sweep --preset`.

use dlr::optim::OptimizerKind;
use serde_json::json;

use super::{err, Grid, SweepError};

/// The named grids `dlr sweep --preset NAME` knows, with a line each.
pub const PRESETS: [(&str, &str); 13] = [
    (
        "tiny",
        "2 optimizers x 2 sizes x 2 rates x 2 seeds, 0.2 epochs, target 85 % (tests, SLURM check)",
    ),
    (
        "h100",
        "the defaults of all five optimizers at H=100, seeds 1-5",
    ),
    (
        "fig1-quick",
        "Fig. 1, quick: H in {50,100,200}, 2 settings per optimizer, 3 seeds, eval every 2000",
    ),
    (
        "fig1",
        "Fig. 1: H in {30,50,100,200,400}, 3-6 settings per optimizer, 5 seeds, 5 epochs, eval every 2000",
    ),
    (
        "fig2-quick",
        "Fig. 2, quick: H in {30,40,50,60,80}, defaults, 3 seeds, 3 epochs, eval every 2000",
    ),
    (
        "fig2",
        "Fig. 2: H in {24,...,48} step 4, 2 settings per optimizer, 10 seeds, 10 epochs",
    ),
    (
        "fig3",
        "not a sweep: dlr repro runs Fig. 3 itself (listed for completeness)",
    ),
    (
        "any-fig1-quick",
        "Fig. 1 on any data set (dlr repro --target), quick: every rule, H in {30,100}, 2 settings each, 2 seeds, 1 epoch, eval every 5000",
    ),
    (
        "any-fig1",
        "Fig. 1 on any data set (dlr repro --target): every rule, H in {30,50,100,200,400}, 2-6 settings each, 5 seeds, 5 epochs",
    ),
    (
        "any-fig2-quick",
        "Fig. 2 on any data set (dlr repro --target), quick: every rule's defaults, H in {16,32,64}, 2 seeds, 1 epoch, eval every 5000",
    ),
    (
        "any-fig2",
        "Fig. 2 on any data set (dlr repro --target): every rule, H in {16,...,80}, 2 settings each, 10 seeds, 10 epochs",
    ),
    (
        "deep-fig1-quick",
        "Fig. 1 with two hidden layers, quick: H-H/2 and H-2H for H in {32,100}, every rule, 2 settings each, 2 seeds, 2 epochs",
    ),
    (
        "deep-fig1",
        "Fig. 1 with two hidden layers: H-H/2 and H-2H for H in {30,50,100,200}, every rule, 2-6 settings each, 5 seeds, 5 epochs",
    ),
];

/// Every rule's settings of the quick Fig. 1 grids on any data set
/// (`any-fig1-quick`, `deep-fig1-quick`): two per rule around its MNIST
/// tuning.
fn quick_params() -> serde_json::Value {
    json!({
        "sgd": {"lr": [0.2, 0.4]},
        "nesterov": {"lr": [0.05, 0.1], "momentum": [0.8]},
        "adam": {"lr": [0.001, 0.004], "eps": [1e-4]},
        "adam-lazy": {"lr": [0.001, 0.004], "eps": [1e-3]},
        "dlr": {"lr": [2], "alpha": [0.3, 0.5]},
        "dlr-post": {"lr": [2.5, 5], "alpha": [0.3]}
    })
}

/// Every rule's settings of the full Fig. 1 grids on any data set
/// (`any-fig1`, `deep-fig1`): those of `fig1`, and Eq. 3 around its
/// tuned η₀ = 5.
fn full_params() -> serde_json::Value {
    json!({
        "sgd": {"lr": [0.2, 0.4, 0.8]},
        "nesterov": {"lr": [0.05, 0.1], "momentum": [0.8, 0.9]},
        "adam": {"lr": [0.001, 0.002, 0.004], "eps": [1e-4, 1e-3]},
        "adam-lazy": {"lr": [0.001, 0.002, 0.004], "eps": [1e-4, 1e-3]},
        "dlr": {"lr": [1, 2, 4], "alpha": [0.3, 1]},
        "dlr-post": {"lr": [2.5, 5, 10], "alpha": [0.3, 1]}
    })
}

/// The rules of the grids on any data set: every rule the library has, in
/// the order tables list them (a rule without settings in the grid's
/// `params` runs its defaults).
fn all_rules() -> Vec<&'static str> {
    OptimizerKind::ALL.iter().map(|k| k.name()).collect()
}

/// Two-hidden-layer sizes for each `h`: tapering `h-h/2` and widening
/// `h-2h`.
fn deep_sizes(hs: &[usize]) -> serde_json::Value {
    let sizes: Vec<[usize; 2]> = hs
        .iter()
        .flat_map(|&h| [[h, (h / 2).max(1)], [h, 2 * h]])
        .collect();
    json!(sizes)
}

/// The grid of a named preset (see [`PRESETS`]).
pub fn preset(name: &str) -> Result<Grid, SweepError> {
    let v = match name {
        "tiny" => json!({
            "optimizers": ["sgd", "dlr"], "hidden": [8, 16], "seeds": 2,
            "target": 0.85, "max_epochs": 0.2, "eval_every": 2000,
            "params": {"sgd": {"lr": [0.2, 0.4]}, "dlr": {"lr": [1, 2]}}
        }),
        "h100" => json!({"hidden": [100], "seeds": 5}),
        "fig1-quick" => json!({
            "optimizers": ["sgd", "nesterov", "adam", "adam-lazy", "dlr"],
            "hidden": [50, 100, 200], "seeds": 3, "max_epochs": 3, "eval_every": 2000,
            "params": {
                "sgd": {"lr": [0.2, 0.4]},
                "nesterov": {"lr": [0.05, 0.1], "momentum": [0.8]},
                "adam": {"lr": [0.002, 0.004], "eps": [1e-4]},
                "adam-lazy": {"lr": [0.002, 0.004], "eps": [1e-3]},
                "dlr": {"lr": [2], "alpha": [0.3, 0.5]}
            }
        }),
        "fig1" => json!({
            "optimizers": ["sgd", "nesterov", "adam", "adam-lazy", "dlr"],
            "hidden": [30, 50, 100, 200, 400], "seeds": 5, "max_epochs": 5, "eval_every": 2000,
            "params": {
                "sgd": {"lr": [0.2, 0.4, 0.8]},
                "nesterov": {"lr": [0.05, 0.1], "momentum": [0.8, 0.9]},
                "adam": {"lr": [0.001, 0.002, 0.004], "eps": [1e-4, 1e-3]},
                "adam-lazy": {"lr": [0.001, 0.002, 0.004], "eps": [1e-4, 1e-3]},
                // η₀ = 1 for the wide layers: at H = 400, η₀ = 2 reached
                // 96 % in 4 of 5 seeds only.
                "dlr": {"lr": [1, 2, 4], "alpha": [0.3, 1]}
            }
        }),
        "fig2-quick" => json!({
            "optimizers": ["sgd", "nesterov", "adam", "adam-lazy", "dlr"],
            "hidden": [30, 40, 50, 60, 80], "seeds": 3, "max_epochs": 3, "eval_every": 2000
        }),
        "fig2" => json!({
            "optimizers": ["sgd", "nesterov", "adam", "adam-lazy", "dlr"],
            "hidden": [24, 28, 32, 36, 40, 44, 48],
            "seeds": 10, "max_epochs": 10, "eval_every": 2000,
            "params": {
                "sgd": {"lr": [0.4, 0.8]},
                "nesterov": {"lr": [0.1], "momentum": [0.8, 0.9]},
                "adam": {"lr": [0.002, 0.004], "eps": [1e-4]},
                "adam-lazy": {"lr": [0.002, 0.004], "eps": [1e-3]},
                "dlr": {"lr": [2, 4], "alpha": [0.3]}
            }
        }),
        // Quick: misses run to the budget, so the budget bounds the time.
        "any-fig1-quick" => json!({
            "optimizers": all_rules(), "hidden": [30, 100], "seeds": 2,
            "max_epochs": 1, "eval_every": 5000, "params": quick_params()
        }),
        "any-fig1" => json!({
            "optimizers": all_rules(), "hidden": [30, 50, 100, 200, 400], "seeds": 5,
            "max_epochs": 5, "eval_every": 2000, "params": full_params()
        }),
        "any-fig2-quick" => json!({
            "optimizers": all_rules(), "hidden": [16, 32, 64], "seeds": 2,
            "max_epochs": 1, "eval_every": 5000
        }),
        "any-fig2" => json!({
            "optimizers": all_rules(), "hidden": [16, 24, 32, 40, 48, 64, 80],
            "seeds": 10, "max_epochs": 10, "eval_every": 2000,
            "params": {
                "sgd": {"lr": [0.4, 0.8]},
                "nesterov": {"lr": [0.1], "momentum": [0.8, 0.9]},
                "adam": {"lr": [0.002, 0.004], "eps": [1e-4]},
                "adam-lazy": {"lr": [0.002, 0.004], "eps": [1e-3]},
                "dlr": {"lr": [2, 4], "alpha": [0.3]},
                "dlr-post": {"lr": [5, 10], "alpha": [0.3]}
            }
        }),
        "deep-fig1-quick" => json!({
            "optimizers": all_rules(), "hidden": deep_sizes(&[32, 100]), "seeds": 2,
            "max_epochs": 2, "eval_every": 2000, "params": quick_params()
        }),
        "deep-fig1" => json!({
            "optimizers": all_rules(), "hidden": deep_sizes(&[30, 50, 100, 200]), "seeds": 5,
            "max_epochs": 5, "eval_every": 2000, "params": full_params()
        }),
        _ => {
            let names: Vec<_> = PRESETS
                .iter()
                .map(|p| p.0)
                .filter(|&n| n != "fig3")
                .collect();
            return err(format!(
                "unknown preset '{name}' (expected one of: {})",
                names.join(", ")
            ));
        }
    };
    let mut g = Grid::from_value(&v)?;
    g.name = name.to_string();
    Ok(g)
}

#[cfg(test)]
mod tests {
    use super::{preset, PRESETS};
    use dlr::optim::OptimizerKind;

    /// Every listed preset but Fig. 3's expands; the two-hidden-layer ones
    /// hold, for every first size H, the tapering H-H/2 and the widening
    /// H-2H network, each under Eq. 1 and Eq. 3; the grids for any data set
    /// hold every rule.
    #[test]
    fn presets_expand_and_deep_ones_taper_and_widen() {
        for (name, _) in PRESETS.iter().filter(|p| p.0 != "fig3") {
            let grid = preset(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!grid.runs.is_empty(), "{name}");
        }
        for name in ["deep-fig1", "deep-fig1-quick"] {
            let grid = preset(name).unwrap();
            let firsts: Vec<usize> = grid.runs.iter().map(|r| r.hidden[0]).collect();
            assert!(firsts.len() > 1, "{name}");
            for &h in &firsts {
                for shape in [vec![h, h / 2], vec![h, 2 * h]] {
                    for kind in [OptimizerKind::Dlr, OptimizerKind::DlrPost] {
                        assert!(
                            grid.runs
                                .iter()
                                .any(|r| r.hidden == shape && r.optimizer.kind() == kind),
                            "{name}: no {kind} run of {shape:?}"
                        );
                    }
                }
            }
            assert!(grid.runs.iter().all(|r| r.hidden.len() == 2), "{name}");
        }
        for name in ["any-fig1", "any-fig1-quick", "any-fig2", "any-fig2-quick"] {
            let grid = preset(name).unwrap();
            for kind in OptimizerKind::ALL {
                assert!(
                    grid.runs.iter().any(|r| r.optimizer.kind() == kind),
                    "{name}: no {kind} run"
                );
            }
        }
    }
}
