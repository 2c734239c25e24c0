//! Grids: parsing (JSON or TOML, see the [module doc](super)), counting
//! and expanding them into runs, and their shards.

use std::collections::HashSet;
use std::path::Path;

use serde_json::{Map, Value};

use dlr::optim::{OptimizerKind, OptimizerParams, Param};
use dlr::train::RunSpec;

use super::{err, RunRecord, SweepError};
use crate::one_line;

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
