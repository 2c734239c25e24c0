//! The named grids of `dlr sweep --preset`.

use serde_json::json;

use super::{err, Grid, SweepError};

/// The named grids `dlr sweep --preset NAME` knows, with a line each.
pub const PRESETS: [(&str, &str); 7] = [
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
];

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
