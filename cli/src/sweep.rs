//! Parameter sweeps: a grid of trainings (optimizers × hidden sizes ×
//! hyper-parameters × seeds) run on a pool of threads, one JSON line per
//! finished run appended to a file.
//!
//! **Grid files** are JSON or TOML (by extension: `.toml` is TOML, anything
//! else JSON) with these keys, all optional but `hidden`:
//!
//! ```toml
//! name = "tiny"                 # free text, copied into every line
//! optimizers = ["sgd", "dlr"]   # default: the keys of [params], else all five
//! hidden = [16, 32]             # sizes; [300, 100]-style arrays for deeper nets
//! seeds = [1, 2, 3]             # or a count: seeds = 3 means 1, 2, 3
//! target = 0.96
//! max_epochs = 10
//! eval_every = 1000
//! batch = 1
//! init_scale = 1.0
//! [params.sgd]                  # per optimizer, lists of values to cross
//! lr = [0.2, 0.4]
//! [params.dlr]
//! lr = [1, 2]
//! alpha = [0.3, 0.5]
//! ```
//!
//! Parameters an optimizer does not read (`alpha` for SGD, …) are rejected,
//! as are unknown keys. An optimizer without `params` runs its defaults
//! ([`dlr::optim::OptimizerParams::default_for`]). `grids = [{…}, {…}]` concatenates several
//! grids, each inheriting the top-level keys it does not set. Every entry of
//! `hidden` is a size or a non-empty list of sizes (`[[]]`, a network
//! without hidden layers, is refused). A grid that expands to more than
//! [`MAX_RUNS`] runs (counted before duplicates are dropped) is refused
//! before any run is built, and [`run_sweep`] checks every network of its
//! runs against [`crate::MAX_WEIGHTS`] before the first one starts.
//!
//! **The output file** is JSON lines. Each line is written whole with one
//! `write` and synced before the next run is recorded, so a killed sweep
//! loses only the runs in progress. On start an existing file must be a
//! regular file, and all of it is checked before anything in it changes:
//! every line must be a result line of a sweep (configuration and result
//! keys). Only then is a trailing partial line (no newline, not JSON,
//! starting as a record does) cut off, or the newline added after a last
//! line that is a whole record; every run already there (same
//! [`RunSpec::key`], seed included) is skipped.
//!
//! **Shards**: `shard i/n` runs the runs whose index in the expanded,
//! de-duplicated grid is `i` modulo `n`: the `n` shards are disjoint and
//! together cover the grid, whatever is already done.

use std::collections::HashSet;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde_json::{json, Map, Value};

use dlr::optim::{OptimizerKind, OptimizerParams, Param};
use dlr::Dataset;

pub use crate::record::RunRecord;
use dlr::train::{RunSpec, TrainReport, Trainer};

use crate::record::result_json;
use crate::{ends_with_separator, one_line, parent_dir};

/// A sweep's failure: bad grid, unreadable or corrupt output file, I/O.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepError(pub String);

impl fmt::Display for SweepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SweepError {}

fn err<T>(msg: impl Into<String>) -> Result<T, SweepError> {
    Err(SweepError(msg.into()))
}

/// The most runs a grid may expand to (before duplicates are dropped):
/// far more than any sweep runs, few enough that the list of runs is a few
/// hundred MB at most. A larger grid is refused with the count, instead of
/// the allocator aborting the process.
pub const MAX_RUNS: usize = 1_000_000;

/// A parsed grid: its name and its runs, expanded and de-duplicated, in a
/// fixed order (grid, optimizer, hidden size, parameters, seed).
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    /// The grid's `name` (or the preset's).
    pub name: String,
    /// The runs.
    pub runs: Vec<RunSpec>,
}

const TOP_KEYS: [&str; 11] = [
    "name",
    "optimizers",
    "hidden",
    "seeds",
    "target",
    "max_epochs",
    "eval_every",
    "batch",
    "init_scale",
    "params",
    "grids",
];

impl Grid {
    /// Parses a grid from JSON text.
    pub fn from_json_str(text: &str) -> Result<Self, SweepError> {
        let v: Value =
            serde_json::from_str(text).or_else(|e| err(format!("not valid JSON: {e}")))?;
        Self::from_value(&v)
    }

    /// Parses a grid from TOML text.
    pub fn from_toml_str(text: &str) -> Result<Self, SweepError> {
        let t: toml::Table = text
            .parse()
            .or_else(|e: toml::de::Error| err(format!("not valid TOML: {}", one_line(&e))))?;
        let v = serde_json::to_value(&t).or_else(|e| err(format!("unusable TOML: {e}")))?;
        Self::from_value(&v)
    }

    /// Reads a grid file: TOML when the name ends in `.toml`, else JSON.
    /// Errors name the file.
    pub fn from_file(path: &Path) -> Result<Self, SweepError> {
        let text = std::fs::read_to_string(path)
            .or_else(|e| err(format!("{}: cannot read the grid: {e}", path.display())))?;
        let grid = if path.extension().is_some_and(|e| e == "toml") {
            Self::from_toml_str(&text)
        } else {
            Self::from_json_str(&text)
        };
        grid.map_err(|e| SweepError(format!("{}: {e}", path.display())))
    }

    /// A grid from an already parsed JSON value (see the module doc).
    pub fn from_value(v: &Value) -> Result<Self, SweepError> {
        let top = v
            .as_object()
            .ok_or_else(|| SweepError("the grid must be a table/object".into()))?;
        for k in top.keys() {
            if !TOP_KEYS.contains(&k.as_str()) {
                return err(format!(
                    "unknown key '{k}' (expected one of: {})",
                    TOP_KEYS.join(", ")
                ));
            }
        }
        let name = top
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("sweep")
            .to_string();
        // Every grid is parsed and counted before any run is built.
        let mut parts = Vec::new();
        match top.get("grids") {
            Some(Value::Array(grids)) => {
                for (i, g) in grids.iter().enumerate() {
                    let g = g
                        .as_object()
                        .ok_or_else(|| SweepError(format!("grids[{i}] must be a table/object")))?;
                    let mut merged = top.clone();
                    merged.remove("grids");
                    for (k, v) in g {
                        if k == "grids" || !TOP_KEYS.contains(&k.as_str()) {
                            return err(format!("grids[{i}]: unknown key '{k}'"));
                        }
                        merged.insert(k.clone(), v.clone());
                    }
                    let part = GridPart::parse(&merged)
                        .map_err(|e| SweepError(format!("grids[{i}]: {e}")))?;
                    parts.push((format!("grids[{i}]: "), part));
                }
            }
            Some(_) => return err("'grids' must be an array of tables/objects"),
            None => parts.push((String::new(), GridPart::parse(top)?)),
        }
        let count = parts
            .iter()
            .try_fold(0usize, |n, (_, part)| n.checked_add(part.count()?));
        let too_many = |count: String| {
            SweepError(format!(
                "the grid expands to {count} runs, more than the {MAX_RUNS} a sweep may have"
            ))
        };
        match count {
            Some(n) if n <= MAX_RUNS => {}
            Some(n) => return Err(too_many(n.to_string())),
            None => return Err(too_many(format!("more than {}", usize::MAX))),
        }
        let mut runs = Vec::new();
        for (prefix, part) in &parts {
            part.expand(&mut runs)
                .map_err(|e| SweepError(format!("{prefix}{e}")))?;
        }
        let mut seen = HashSet::new();
        runs.retain(|r| seen.insert(r.key()));
        Ok(Self { name, runs })
    }

    /// The runs of shard `index` of `count`: every `count`-th run from
    /// `index`.
    pub fn shard(&self, index: usize, count: usize) -> Vec<RunSpec> {
        self.runs
            .iter()
            .enumerate()
            .filter(|(i, _)| count > 0 && i % count == index)
            .map(|(_, r)| r.clone())
            .collect()
    }
}

fn numbers(v: &Value, what: &str) -> Result<Vec<f64>, SweepError> {
    let list = match v {
        Value::Array(a) => a.clone(),
        x => vec![x.clone()],
    };
    if list.is_empty() {
        return err(format!("'{what}' is empty"));
    }
    list.iter()
        .map(|x| {
            x.as_f64()
                .ok_or_else(|| SweepError(format!("'{what}' must hold numbers, got {x}")))
        })
        .collect()
}

/// The seeds of a grid: a count (`seeds = 3` is 1, 2, 3) or a list.
#[derive(Clone, Debug)]
enum Seeds {
    Count(u64),
    List(Vec<u64>),
}

impl Seeds {
    /// How many seeds; `None` when a `usize` cannot count them.
    fn len(&self) -> Option<usize> {
        match self {
            Seeds::Count(n) => usize::try_from(*n).ok(),
            Seeds::List(list) => Some(list.len()),
        }
    }

    /// The seeds, in order (called once the grid's size is known to be
    /// within [`MAX_RUNS`]).
    fn values(&self) -> Vec<u64> {
        match self {
            Seeds::Count(n) => (1..=*n).collect(),
            Seeds::List(list) => list.clone(),
        }
    }
}

/// A parameter and the values a grid gives it.
type ParamValues = (Param, Vec<f64>);

/// One grid (the top level, or one entry of `grids` merged with it),
/// parsed and checked but not expanded: its size is known before a single
/// run is built.
#[derive(Clone, Debug)]
struct GridPart {
    /// Each optimizer with the lists of values of its parameters, in the
    /// order of the file.
    kinds: Vec<(OptimizerKind, Vec<ParamValues>)>,
    hidden: Vec<Vec<usize>>,
    seeds: Seeds,
    target: f64,
    max_epochs: f64,
    eval_every: usize,
    batch: usize,
    init_scale: f32,
}

/// The hidden layers of a grid: `hidden` is a size or a non-empty list
/// whose entries are sizes (one hidden layer) or non-empty lists of sizes
/// (deeper networks).
fn hidden_layers(v: Option<&Value>) -> Result<Vec<Vec<usize>>, SweepError> {
    let entries = match v {
        Some(Value::Array(a)) if a.is_empty() => {
            return err("'hidden' is empty: give at least one size")
        }
        Some(Value::Array(a)) => a.as_slice(),
        Some(n @ Value::Number(_)) => std::slice::from_ref(n),
        Some(x) => return err(format!("'hidden' must be a list of sizes, got {x}")),
        None => return err("'hidden' (a list of sizes) is required"),
    };
    let size = |x: &Value| {
        x.as_u64()
            .and_then(|x| usize::try_from(x).ok())
            .ok_or_else(|| SweepError(format!("'hidden' must hold positive integers, got {x}")))
    };
    entries
        .iter()
        .map(|h| match h {
            Value::Array(layers) if layers.is_empty() => err(
                "'hidden' holds an empty list []: each entry is a size or a non-empty list of sizes, one per hidden layer",
            ),
            Value::Array(layers) => layers.iter().map(size).collect(),
            x => Ok(vec![size(x)?]),
        })
        .collect()
}

impl GridPart {
    /// Reads one grid's keys (see the module doc).
    fn parse(g: &Map<String, Value>) -> Result<Self, SweepError> {
        let params = match g.get("params") {
            None => Map::new(),
            Some(Value::Object(p)) => p.clone(),
            Some(_) => return err("'params' must be a table/object of optimizers"),
        };
        let kinds: Vec<OptimizerKind> = match g.get("optimizers") {
            Some(Value::Array(names)) => names
                .iter()
                .map(|n| {
                    n.as_str()
                        .and_then(OptimizerKind::from_name)
                        .ok_or_else(|| SweepError(format!("unknown optimizer {n}")))
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return err("'optimizers' must be an array of names"),
            // The optimizers of `params`, in the order of `OptimizerKind::ALL`.
            None if !params.is_empty() => OptimizerKind::ALL
                .into_iter()
                .filter(|k| params.contains_key(k.name()))
                .collect(),
            None => OptimizerKind::ALL.to_vec(),
        };
        if kinds.is_empty() {
            return err("no optimizers");
        }
        for name in params.keys() {
            match OptimizerKind::from_name(name) {
                Some(k) if kinds.contains(&k) => {}
                Some(_) => return err(format!("params for '{name}', which is not in optimizers")),
                None => return err(format!("unknown optimizer '{name}' in params")),
            }
        }
        let hidden = hidden_layers(g.get("hidden"))?;
        let seeds = match g.get("seeds") {
            None => Seeds::List(vec![1]),
            Some(Value::Number(n)) => {
                Seeds::Count(n.as_u64().filter(|&n| n > 0).ok_or_else(|| {
                    SweepError("'seeds' must be a positive count or a list".into())
                })?)
            }
            Some(Value::Array(a)) if !a.is_empty() => Seeds::List(
                a.iter()
                    .map(Value::as_u64)
                    .collect::<Option<_>>()
                    .ok_or_else(|| SweepError("'seeds' must hold non-negative integers".into()))?,
            ),
            Some(_) => return err("'seeds' must be a positive count or a non-empty list"),
        };
        let scalar = |k: &str, default: f64| -> Result<f64, SweepError> {
            match g.get(k) {
                None => Ok(default),
                Some(v) => v
                    .as_f64()
                    .ok_or_else(|| SweepError(format!("'{k}' must be a number"))),
            }
        };
        let integer = |k: &str, default: usize| -> Result<usize, SweepError> {
            match g.get(k) {
                None => Ok(default),
                Some(v) => v
                    .as_u64()
                    .and_then(|x| usize::try_from(x).ok())
                    .ok_or_else(|| SweepError(format!("'{k}' must be a non-negative integer"))),
            }
        };
        let base = RunSpec::new(OptimizerKind::Sgd);
        let mut with_params = Vec::with_capacity(kinds.len());
        for kind in kinds {
            let mut lists = Vec::new();
            if let Some(p) = params.get(kind.name()) {
                let p = p.as_object().ok_or_else(|| {
                    SweepError(format!("params.{kind} must be a table/object of lists"))
                })?;
                for (name, values) in p {
                    let Some(param) = Param::from_name(name).filter(|p| kind.params().contains(p))
                    else {
                        let names: Vec<_> = kind.params().iter().map(|p| p.name()).collect();
                        return err(format!(
                            "params.{kind}: '{name}' does not apply to {kind} (it reads: {})",
                            names.join(", ")
                        ));
                    };
                    lists.push((param, numbers(values, &format!("params.{kind}.{name}"))?));
                }
            }
            with_params.push((kind, lists));
        }
        Ok(Self {
            kinds: with_params,
            hidden,
            seeds,
            target: scalar("target", base.target)?,
            max_epochs: scalar("max_epochs", base.max_epochs)?,
            eval_every: integer("eval_every", base.eval_every)?,
            batch: integer("batch", base.batch)?,
            init_scale: scalar("init_scale", base.init_scale as f64)? as f32,
        })
    }

    /// The runs this grid expands to (duplicates included); `None` when a
    /// `usize` cannot count them.
    fn count(&self) -> Option<usize> {
        let per_setting = self.hidden.len().checked_mul(self.seeds.len()?)?;
        self.kinds.iter().try_fold(0usize, |n, (_, lists)| {
            let settings = lists
                .iter()
                .try_fold(1usize, |c, (_, values)| c.checked_mul(values.len()))?;
            n.checked_add(settings.checked_mul(per_setting)?)
        })
    }

    /// Appends the runs to `runs`, each checked: in the order optimizer,
    /// hidden size, parameters (the Cartesian product of the lists), seed.
    fn expand(&self, runs: &mut Vec<RunSpec>) -> Result<(), SweepError> {
        let seeds = self.seeds.values();
        for (kind, lists) in &self.kinds {
            let kind = *kind;
            // Cartesian product of this optimizer's parameter lists.
            let mut combos: Vec<OptimizerParams> = vec![OptimizerParams::default_for(kind)];
            for (param, values) in lists {
                let mut next = Vec::with_capacity(combos.len() * values.len());
                for c in &combos {
                    for &x in values {
                        let mut probe = *c;
                        probe
                            .set(*param, x as f32)
                            .or_else(|e| err(e.to_string()))?;
                        next.push(probe);
                    }
                }
                combos = next;
            }
            for h in &self.hidden {
                for c in &combos {
                    for &seed in &seeds {
                        let run = RunSpec {
                            optimizer: *c,
                            hidden: h.clone(),
                            batch: self.batch,
                            init_scale: self.init_scale,
                            seed,
                            target: self.target,
                            max_epochs: self.max_epochs,
                            eval_every: self.eval_every,
                        };
                        run.validate()
                            .or_else(|e| err(format!("{}: {e}", run.optimizer.kind())))?;
                        runs.push(run);
                    }
                }
            }
        }
        Ok(())
    }
}

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
            "optimizers": ["sgd", "nesterov", "adam", "dlr"],
            "hidden": [50, 100, 200], "seeds": 3, "max_epochs": 3, "eval_every": 2000,
            "params": {
                "sgd": {"lr": [0.2, 0.4]},
                "nesterov": {"lr": [0.05, 0.1], "momentum": [0.8]},
                "adam": {"lr": [0.002, 0.004], "eps": [1e-4]},
                "dlr": {"lr": [2], "alpha": [0.3, 0.5]}
            }
        }),
        "fig1" => json!({
            "optimizers": ["sgd", "nesterov", "adam", "dlr"],
            "hidden": [30, 50, 100, 200, 400], "seeds": 5, "max_epochs": 5, "eval_every": 2000,
            "params": {
                "sgd": {"lr": [0.2, 0.4, 0.8]},
                "nesterov": {"lr": [0.05, 0.1], "momentum": [0.8, 0.9]},
                "adam": {"lr": [0.001, 0.002, 0.004], "eps": [1e-4, 1e-3]},
                // η₀ = 1 for the wide layers: at H = 400, η₀ = 2 reached
                // 96 % in 4 of 5 seeds only.
                "dlr": {"lr": [1, 2, 4], "alpha": [0.3, 1]}
            }
        }),
        "fig2-quick" => json!({
            "optimizers": ["sgd", "nesterov", "adam", "dlr"],
            "hidden": [30, 40, 50, 60, 80], "seeds": 3, "max_epochs": 3, "eval_every": 2000
        }),
        "fig2" => json!({
            "optimizers": ["sgd", "nesterov", "adam", "dlr"],
            "hidden": [24, 28, 32, 36, 40, 44, 48],
            "seeds": 10, "max_epochs": 10, "eval_every": 2000,
            "params": {
                "sgd": {"lr": [0.4, 0.8]},
                "nesterov": {"lr": [0.1], "momentum": [0.8, 0.9]},
                "adam": {"lr": [0.002, 0.004], "eps": [1e-4]},
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

/// Parses `i/n` with `i < n`.
pub fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let (i, n) = s
        .split_once('/')
        .ok_or_else(|| format!("--shard '{s}': expected i/n, e.g. 0/4"))?;
    let i: usize = i
        .trim()
        .parse()
        .map_err(|_| format!("--shard '{s}': i is not a number"))?;
    let n: usize = n
        .trim()
        .parse()
        .map_err(|_| format!("--shard '{s}': n is not a number"))?;
    if n == 0 || i >= n {
        return Err(format!("--shard '{s}': need 0 <= i < n"));
    }
    Ok((i, n))
}

/// The result line of one finished run: the configuration, the `dlr train
/// --json` result keys, and `sweep`, `key`.
pub fn result_line(sweep: &str, run: &RunSpec, layers: &[usize], report: &TrainReport) -> String {
    let mut m = result_json(run, layers, report);
    m.insert("sweep".into(), json!(sweep));
    m.insert("key".into(), json!(run.key()));
    let mut line = Value::Object(m).to_string();
    line.push('\n');
    line
}

/// The keys a result line holds beside the configuration, with whether
/// each is a boolean (else a number): what `dlr report` reads.
const RESULT_KEYS: [(&str, bool); 5] = [
    ("reached", true),
    ("diverged", true),
    ("epochs", false),
    ("train_seconds", false),
    ("test_accuracy", false),
];

/// One result line's configuration and JSON; `Ok(None)` for a blank line.
fn parse_line(line: &[u8]) -> Result<Option<(RunSpec, Value)>, String> {
    let text = std::str::from_utf8(line).map_err(|_| "not UTF-8 text".to_owned())?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not a JSON line: {e}"))?;
    let spec = RunSpec::from_json(&v)?;
    for (key, boolean) in RESULT_KEYS {
        let ok = v.get(key).is_some_and(|x| {
            if boolean {
                x.is_boolean()
            } else {
                x.is_number()
            }
        });
        if !ok {
            let what = if boolean { "a boolean" } else { "a number" };
            return Err(format!("'{key}' is missing or not {what}"));
        }
    }
    Ok(Some((spec, v)))
}

/// Whether `line`, the last of a file and without a newline, is the start
/// of a result line whose write was cut short: not JSON, and beginning as
/// every result line does (or only NUL bytes, which a crash can leave in
/// place of unwritten data). Anything else there is not the sweep's, and is
/// not cut.
fn cut_short(line: &[u8]) -> bool {
    let starts_as_a_record = line.first() == Some(&b'{') || line.iter().all(|&b| b == 0);
    starts_as_a_record && serde_json::from_slice::<Value>(line).is_err()
}

/// How a results file ends.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Tail {
    /// With a newline (or empty).
    Complete,
    /// With a whole result line that lacks its newline.
    Unterminated,
    /// With a result line cut short, from byte `keep` on.
    Partial { keep: usize },
}

/// The lines of a results file, every one checked: `(line number,
/// configuration, JSON)` and how the file ends.
type Scanned = (Vec<(usize, RunSpec, Value)>, Tail);

/// Checks every line of the results file `path` (whose contents are
/// `bytes`); an error names the file and the line.
fn scan_results(path: &Path, bytes: &[u8]) -> Result<Scanned, SweepError> {
    let mut records = Vec::new();
    let mut tail = Tail::Complete;
    let mut start = 0;
    let mut number = 0;
    while start < bytes.len() {
        number += 1;
        let (line, next, terminated) = match bytes[start..].iter().position(|&b| b == b'\n') {
            Some(p) => (&bytes[start..start + p], start + p + 1, true),
            None => (&bytes[start..], bytes.len(), false),
        };
        match parse_line(line) {
            Ok(Some((spec, v))) => {
                records.push((number, spec, v));
                if !terminated {
                    tail = Tail::Unterminated;
                }
            }
            Ok(None) if terminated => {}
            // Blanks without a newline: nothing to keep.
            Ok(None) => tail = Tail::Partial { keep: start },
            Err(_) if !terminated && cut_short(line) => tail = Tail::Partial { keep: start },
            Err(e) => return err(format!("{}:{number}: {e}", path.display())),
        }
        start = next;
    }
    Ok((records, tail))
}

/// Reads the result lines of `path`: `(line number, configuration, JSON)`.
/// A last line cut short (no newline, not JSON, starting as a result line
/// does) is ignored, and a whole last line without its newline is read;
/// any other line that is not a result line of a sweep is an error naming
/// the file and line.
pub fn read_results(path: &Path) -> Result<Vec<(usize, RunSpec, Value)>, SweepError> {
    let bytes =
        std::fs::read(path).or_else(|e| err(format!("{}: cannot read: {e}", path.display())))?;
    Ok(scan_results(path, &bytes)?.0)
}

/// What a file that is not a regular one is, in a few words.
fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

fn not_regular(path: &Path, meta: &std::fs::Metadata) -> SweepError {
    SweepError(format!(
        "{}: not a regular file (it is {}); results go to a file",
        path.display(),
        file_kind(meta)
    ))
}

/// Checks that the results file `path` can be created or appended to
/// before anything is done: it is a regular file, or does not exist yet in
/// a directory that does. A directory, a FIFO (reading it would block) or a
/// device (`/dev/null`) is refused.
pub fn check_out_path(path: &Path) -> Result<(), SweepError> {
    if ends_with_separator(path) {
        return err(format!(
            "{}: not a regular file (the path ends with a separator, so it names a directory); results go to a file",
            path.display()
        ));
    }
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(()),
        Ok(meta) => Err(not_regular(path, &meta)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let parent = parent_dir(path);
            if parent.is_dir() {
                Ok(())
            } else {
                err(format!(
                    "{}: directory {} does not exist",
                    path.display(),
                    parent.display()
                ))
            }
        }
        Err(e) => err(format!("{}: {}", path.display(), one_line(&e))),
    }
}

/// Checks, without changing it, the results file a sweep would resume
/// from: absent, or a regular file whose every line is a result line (a
/// last line cut short is allowed: the sweep cuts it). `dlr repro` calls it
/// for every figure's file before it trains anything.
pub fn check_results_file(path: &Path) -> Result<(), SweepError> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => read_results(path).map(|_| ()),
        Ok(meta) => Err(not_regular(path, &meta)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => err(format!("{}: {}", path.display(), one_line(&e))),
    }
}

/// Checks every network of `runs`, as [`Trainer::for_run`] would build it
/// on `train_set` and `test_set`, against [`crate::check_network_size`],
/// before any of them is built.
pub fn check_networks(
    runs: &[RunSpec],
    train_set: &Dataset,
    test_set: &Dataset,
) -> Result<(), SweepError> {
    let classes = Dataset::output_units(train_set, test_set, 0);
    let mut seen = HashSet::new();
    for run in runs.iter().filter(|run| seen.insert(&run.hidden)) {
        crate::check_network_size(&run.layers(train_set.pixels(), classes)).map_err(SweepError)?;
    }
    Ok(())
}

/// Opens `path` for appending results, creating it if needed. The whole
/// file is checked first ([`read_results`]), and only when every line is a
/// result line is it changed: a trailing line cut short is truncated away,
/// or a newline is added after a whole last line that lacks it (and synced).
/// Returns the file and the keys of the runs it holds.
pub fn open_results(path: &Path) -> Result<(File, HashSet<String>), SweepError> {
    let ctx = |e: std::io::Error| SweepError(format!("{}: {}", path.display(), one_line(&e)));
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .map_err(ctx)?;
    // Checked again on the file itself: `path` may have changed since
    // `check_out_path`.
    let meta = file.metadata().map_err(ctx)?;
    if !meta.is_file() {
        return Err(not_regular(path, &meta));
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(ctx)?;
    let (records, tail) = scan_results(path, &bytes)?;
    match tail {
        Tail::Complete => {}
        Tail::Partial { keep } => {
            file.set_len(keep as u64).map_err(ctx)?;
            file.sync_all().map_err(ctx)?;
        }
        // In append mode, the newline goes to the end.
        Tail::Unterminated => {
            file.write_all(b"\n").map_err(ctx)?;
            file.sync_data().map_err(ctx)?;
        }
    }
    let done = records.iter().map(|(_, spec, _)| spec.key()).collect();
    Ok((file, done))
}

/// Whether `path` still names the open `file` (the same device and inode).
/// `None` where the system does not say (not Unix).
fn names_file(path: &Path, file: &File) -> Option<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(match (std::fs::metadata(path), file.metadata()) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        })
    }
    #[cfg(not(unix))]
    {
        let _ = (path, file);
        None
    }
}

/// Attempts at taking a lock whose file keeps being replaced under us
/// before giving up.
const LOCK_ATTEMPTS: usize = 20;

/// The lock that makes a process the only writer of a results file:
/// `<file>.lock`, locked exclusively with `flock` (through
/// [`File::try_lock`]) for as long as the value lives, and holding the
/// holder's process id and host name so that a second process can say who
/// has it.
///
/// When the value is dropped, the lock file is removed if this process
/// created it and it is still the one there (same device and inode), while
/// it is still locked: a lock file that was there before (left by a killed
/// sweep) stays, and so does one that replaced it (another process's).
/// Because a finishing sweep removes its file, a process that opened it
/// just before may lock the removed file: after locking, the lock is kept
/// only if the path still names the locked file, and otherwise taken again.
///
/// Linux's NFS client turns `flock` into a POSIX byte-range lock on the
/// server (NFSv4, or NFSv3 with the lock manager), so the lock holds
/// across the nodes of a cluster that share the directory; Lustre and
/// BeeGFS need their `flock` mount option, and without it locking fails,
/// which is reported rather than ignored. A lock dies with its process, so
/// a killed sweep never leaves a stale one.
#[derive(Debug)]
pub struct WriterLock {
    file: File,
    path: PathBuf,
    created: bool,
}

impl WriterLock {
    /// Takes the lock of `results`, or says who holds it.
    pub fn acquire(results: &Path) -> Result<Self, SweepError> {
        let mut name = results.as_os_str().to_owned();
        name.push(".lock");
        let path = PathBuf::from(name);
        let ctx = |e: std::io::Error| SweepError(format!("{}: {}", path.display(), one_line(&e)));
        for _ in 0..LOCK_ATTEMPTS {
            let mut options = OpenOptions::new();
            options.read(true).write(true);
            let (mut file, created) = match options.clone().create_new(true).open(&path) {
                Ok(file) => (file, true),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    match options.open(&path) {
                        Ok(file) => (file, false),
                        // Removed between the two opens: try again.
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                        Err(e) => return Err(ctx(e)),
                    }
                }
                Err(e) => return Err(ctx(e)),
            };
            let meta = file.metadata().map_err(ctx)?;
            if !meta.is_file() {
                return Err(not_regular(&path, &meta));
            }
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = file.read_to_string(&mut holder);
                    let holder = holder.trim();
                    let holder = if holder.is_empty() {
                        "another process".to_owned()
                    } else {
                        holder.to_owned()
                    };
                    return err(format!(
                        "{}: another dlr sweep is writing it ({holder}, lock {})",
                        results.display(),
                        path.display()
                    ));
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return err(format!("{}: cannot lock: {}", path.display(), one_line(&e)))
                }
            }
            if names_file(&path, &file) == Some(false) {
                // The file was removed (or replaced) by the holder we
                // waited for: this lock guards nothing.
                continue;
            }
            let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|h| h.trim().to_owned())
                .unwrap_or_else(|_| "unknown host".to_owned());
            let holder = format!("pid {} on {host}\n", std::process::id());
            file.set_len(0)
                .and_then(|()| file.write_all(holder.as_bytes()))
                .and_then(|()| file.sync_data())
                .map_err(ctx)?;
            return Ok(Self {
                file,
                path,
                created,
            });
        }
        err(format!(
            "{}: cannot lock: the lock file was replaced {LOCK_ATTEMPTS} times in a row",
            path.display()
        ))
    }
}

impl Drop for WriterLock {
    fn drop(&mut self) {
        // Removed while still locked (the lock goes with `file`, after
        // this), and only if it is the file this process created.
        if self.created && names_file(&self.path, &self.file) == Some(true) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// How to run a sweep.
#[derive(Clone, Debug)]
pub struct SweepOptions {
    /// Concurrent trainings (threads).
    pub jobs: usize,
    /// Threads that evaluate the test set inside each training.
    pub eval_threads: usize,
    /// Where the result lines go (appended).
    pub out: PathBuf,
}

/// What a sweep did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SweepSummary {
    /// Runs in the shard.
    pub total: usize,
    /// Runs the file already held.
    pub skipped: usize,
    /// Runs trained and written now.
    pub done: usize,
    /// Of those, runs that diverged.
    pub diverged: usize,
    /// Of those, runs that reached the target.
    pub reached: usize,
}

/// Runs every run of `runs` that `opts.out` does not hold yet, `opts.jobs`
/// at a time, appending one line per finished run. Before anything is
/// trained or written, every network is checked ([`check_networks`]), then
/// `opts.out` ([`check_out_path`]), its lock taken ([`WriterLock`]) and the
/// whole file checked ([`open_results`]). `on_done(line_text)` is
/// called after each line is on disk (for progress).
pub fn run_sweep(
    name: &str,
    runs: &[RunSpec],
    train_set: &Dataset,
    test_set: &Dataset,
    opts: &SweepOptions,
    on_done: impl Fn(usize, usize, &RunSpec, &TrainReport) + Sync,
) -> Result<SweepSummary, SweepError> {
    // Everything that can be checked is, before the file or its lock is
    // touched: the networks, then what --out is.
    check_networks(runs, train_set, test_set)?;
    check_out_path(&opts.out)?;
    // Declared before the file, so dropped after it: the lock file goes
    // once the results file is closed.
    let _lock = WriterLock::acquire(&opts.out)?;
    let (file, done) = open_results(&opts.out)?;
    let pending: Vec<&RunSpec> = runs.iter().filter(|r| !done.contains(&r.key())).collect();
    let mut summary = SweepSummary {
        total: runs.len(),
        skipped: runs.len() - pending.len(),
        ..SweepSummary::default()
    };
    let file = Mutex::new(file);
    let finished = AtomicUsize::new(0);
    let counts = Mutex::new((0usize, 0usize, 0usize));
    crate::jobs::try_for_each(&pending, opts.jobs, |_, run| {
        let (layers, report) = train_one(run, train_set, test_set, opts.eval_threads)?;
        let line = result_line(name, run, &layers, &report);
        {
            let mut f = file.lock().unwrap_or_else(|p| p.into_inner());
            f.write_all(line.as_bytes())
                .and_then(|()| f.sync_data())
                .or_else(|e| err(format!("{}: cannot write: {e}", opts.out.display())))?;
        }
        {
            let mut c = counts.lock().unwrap_or_else(|p| p.into_inner());
            c.0 += 1;
            c.1 += usize::from(report.diverged_at.is_some());
            c.2 += usize::from(report.reached);
        }
        let k = finished.fetch_add(1, Ordering::Relaxed) + 1;
        on_done(k, pending.len(), run, &report);
        Ok(())
    })?;
    let (done, diverged, reached) = counts.into_inner().unwrap_or_else(|p| p.into_inner());
    summary.done = done;
    summary.diverged = diverged;
    summary.reached = reached;
    Ok(summary)
}

/// Trains one run from its start and returns its layer sizes and report.
pub fn train_one(
    run: &RunSpec,
    train_set: &Dataset,
    test_set: &Dataset,
    eval_threads: usize,
) -> Result<(Vec<usize>, TrainReport), SweepError> {
    let mut trainer = Trainer::for_run(run, train_set, test_set, 0, eval_threads)
        .or_else(|e| err(format!("{}: {e}", run.key())))?;
    trainer.run(|_| {});
    let (net, _, report) = trainer.into_parts();
    Ok((net.sizes(), report))
}
