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
//! grids, each inheriting the top-level keys it does not set.
//!
//! **The output file** is JSON lines. Each line is written whole with one
//! `write` and synced before the next run is recorded, so a killed sweep
//! loses only the runs in progress. On start an existing file is read: a
//! trailing partial line (no newline) is cut off, and every run already there
//! (same [`RunSpec::key`], seed included) is skipped.
//!
//! **Shards**: `shard i/n` runs the runs whose index in the expanded,
//! de-duplicated grid is `i` modulo `n`: the `n` shards are disjoint and
//! together cover the grid, whatever is already done.

use std::collections::HashSet;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde_json::{json, Map, Value};

use dlr::optim::{OptimizerKind, OptimizerParams, Param};
use dlr::Dataset;

pub use crate::record::RunRecord;
use dlr::train::{RunSpec, TrainReport, Trainer};

use crate::record::result_json;

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
        let mut runs = Vec::new();
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
                    expand(&merged, &mut runs)
                        .map_err(|e| SweepError(format!("grids[{i}]: {e}")))?;
                }
            }
            Some(_) => return err("'grids' must be an array of tables/objects"),
            None => expand(top, &mut runs)?,
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

fn one_line(e: &impl fmt::Display) -> String {
    e.to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
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

fn expand(g: &Map<String, Value>, runs: &mut Vec<RunSpec>) -> Result<(), SweepError> {
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
    let hidden: Vec<Vec<usize>> = match g.get("hidden") {
        Some(Value::Array(a)) if !a.is_empty() => a
            .iter()
            .map(|h| match h {
                Value::Array(layers) => layers
                    .iter()
                    .map(|x| x.as_u64().map(|x| x as usize))
                    .collect::<Option<Vec<_>>>(),
                x => x.as_u64().map(|x| vec![x as usize]),
            })
            .collect::<Option<_>>()
            .ok_or_else(|| SweepError("'hidden' must hold positive integers".into()))?,
        Some(Value::Number(n)) => vec![vec![n
            .as_u64()
            .ok_or_else(|| SweepError("'hidden' must hold positive integers".into()))?
            as usize]],
        _ => return err("'hidden' (a list of sizes) is required"),
    };
    let seeds: Vec<u64> = match g.get("seeds") {
        None => vec![1],
        Some(Value::Number(n)) => {
            let n = n
                .as_u64()
                .filter(|&n| n > 0)
                .ok_or_else(|| SweepError("'seeds' must be a positive count or a list".into()))?;
            (1..=n).collect()
        }
        Some(Value::Array(a)) if !a.is_empty() => a
            .iter()
            .map(Value::as_u64)
            .collect::<Option<_>>()
            .ok_or_else(|| SweepError("'seeds' must hold non-negative integers".into()))?,
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
    let integer = |k: &str, default: u64| -> Result<u64, SweepError> {
        match g.get(k) {
            None => Ok(default),
            Some(v) => v
                .as_u64()
                .ok_or_else(|| SweepError(format!("'{k}' must be a non-negative integer"))),
        }
    };
    let base = RunSpec::new(OptimizerKind::Sgd);
    let target = scalar("target", base.target)?;
    let max_epochs = scalar("max_epochs", base.max_epochs)?;
    let eval_every = integer("eval_every", base.eval_every as u64)? as usize;
    let batch = integer("batch", base.batch as u64)? as usize;
    let init_scale = scalar("init_scale", base.init_scale as f64)? as f32;

    for &kind in &kinds {
        // Cartesian product of this optimizer's parameter lists.
        let mut combos: Vec<OptimizerParams> = vec![OptimizerParams::default_for(kind)];
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
                let values = numbers(values, &format!("params.{kind}.{name}"))?;
                let mut next = Vec::with_capacity(combos.len() * values.len());
                for c in &combos {
                    for &x in &values {
                        let mut probe = *c;
                        probe.set(param, x as f32).or_else(|e| err(e.to_string()))?;
                        next.push(probe);
                    }
                }
                combos = next;
            }
        }
        for h in &hidden {
            for c in &combos {
                for &seed in &seeds {
                    let run = RunSpec {
                        optimizer: *c,
                        hidden: h.clone(),
                        batch,
                        init_scale,
                        seed,
                        target,
                        max_epochs,
                        eval_every,
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

/// Reads the result lines of `path`: `(line number, configuration, JSON)`.
/// A last line without a newline (a write cut short) is ignored; any other
/// line that does not parse is an error naming the file and line.
pub fn read_results(path: &Path) -> Result<Vec<(usize, RunSpec, Value)>, SweepError> {
    let text =
        std::fs::read(path).or_else(|e| err(format!("{}: cannot read: {e}", path.display())))?;
    let complete = match text.iter().rposition(|&b| b == b'\n') {
        Some(p) => &text[..=p],
        None => &text[..0],
    };
    let complete = std::str::from_utf8(complete)
        .or_else(|_| err(format!("{}: not UTF-8 text", path.display())))?;
    let mut out = Vec::new();
    for (i, line) in complete.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line).or_else(|e| {
            err(format!(
                "{}:{}: not a JSON line: {e}",
                path.display(),
                i + 1
            ))
        })?;
        let spec = RunSpec::from_json(&v)
            .or_else(|e| err(format!("{}:{}: {e}", path.display(), i + 1)))?;
        out.push((i + 1, spec, v));
    }
    Ok(out)
}

/// Opens `path` for appending results, creating it if needed. A trailing
/// partial line is truncated away (and the cut synced). Returns the file
/// and the keys of the runs it holds.
pub fn open_results(path: &Path) -> Result<(File, HashSet<String>), SweepError> {
    let ctx = |e: std::io::Error| SweepError(format!("{}: {e}", path.display()));
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .map_err(ctx)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(ctx)?;
    let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    if keep < bytes.len() {
        file.set_len(keep as u64).map_err(ctx)?;
        file.sync_all().map_err(ctx)?;
        file.seek(SeekFrom::End(0)).map_err(ctx)?;
    }
    let done = read_results(path)?
        .into_iter()
        .map(|(_, spec, _)| spec.key())
        .collect();
    Ok((file, done))
}

/// The lock that makes a process the only writer of a results file:
/// `<file>.lock`, locked exclusively with `flock` (through
/// [`File::try_lock`]) for as long as the value lives, and holding the
/// holder's process id and host name so that a second process can say who
/// has it.
///
/// Linux's NFS client turns `flock` into a POSIX byte-range lock on the
/// server (NFSv4, or NFSv3 with the lock manager), so the lock holds
/// across the nodes of a cluster that share the directory; Lustre and
/// BeeGFS need their `flock` mount option, and without it locking fails,
/// which is reported rather than ignored. A lock dies with its process, so
/// a killed sweep never leaves a stale one.
#[derive(Debug)]
pub struct WriterLock {
    _file: File,
}

impl WriterLock {
    /// Takes the lock of `results`, or says who holds it.
    pub fn acquire(results: &Path) -> Result<Self, SweepError> {
        let mut name = results.as_os_str().to_owned();
        name.push(".lock");
        let path = PathBuf::from(name);
        let ctx = |e: std::io::Error| SweepError(format!("{}: {e}", path.display()));
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(ctx)?;
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
                return err(format!("{}: cannot lock: {e}", path.display()))
            }
        }
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_owned())
            .unwrap_or_else(|_| "unknown host".to_owned());
        let holder = format!("pid {} on {host}\n", std::process::id());
        file.set_len(0)
            .and_then(|()| file.write_all(holder.as_bytes()))
            .and_then(|()| file.sync_data())
            .map_err(ctx)?;
        Ok(Self { _file: file })
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
/// at a time, appending one line per finished run. `on_done(line_text)` is
/// called after each line is on disk (for progress).
pub fn run_sweep(
    name: &str,
    runs: &[RunSpec],
    train_set: &Dataset,
    test_set: &Dataset,
    opts: &SweepOptions,
    on_done: impl Fn(usize, usize, &RunSpec, &TrainReport) + Sync,
) -> Result<SweepSummary, SweepError> {
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
