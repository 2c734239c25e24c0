//! The JSON of a run: its description ([`RunSpec`]) and its result, the one
//! writer behind `dlr train --json` and every line of a sweep's file.
//!
//! A run's parameters are written under their [`Param`] names; the
//! parameters its rule does not have are `null`, so every line has the
//! same keys.

use dlr::optim::{OptimizerKind, OptimizerParams, Param};
use dlr::train::{RunField, RunSpec, TrainReport};
use serde_json::{json, Map, Value};

use crate::join_sizes;

/// An `f32` as the shortest decimal that reads back to it (0.9, not
/// 0.8999999761581421), as a JSON number.
pub fn json_f32(x: f32) -> Value {
    let shortest: f64 = x.to_string().parse().unwrap_or(x as f64);
    json!(shortest)
}

/// The process's peak resident set size in MB (Linux: `VmHWM` of
/// /proc/self/status); `None` where that is not available.
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// The command-line option that sets `field` (`--lr`, `--init-scale`, …).
///
/// ```
/// use dlr::optim::Param;
/// use dlr::train::RunField;
/// use dlr_cli::record::flag;
///
/// assert_eq!(flag(RunField::Param(Param::Beta1)), "--beta1");
/// assert_eq!(flag(RunField::InitScale), "--init-scale");
/// ```
pub fn flag(field: RunField) -> String {
    format!("--{}", field.name().replace('_', "-"))
}

/// What the program reads and writes of a [`RunSpec`].
pub trait RunRecord: Sized {
    /// The rule's parameters as `name=value` (shortest decimals), e.g.
    /// `lr=2 alpha=0.3`.
    fn params_text(&self) -> String;
    /// Everything but the seed: runs with the same `config_key` are the
    /// same configuration on different seeds.
    fn config_key(&self) -> String;
    /// The identity of a run: its whole configuration, seed included. A
    /// sweep skips the runs whose key its output file already holds.
    fn key(&self) -> String;
    /// The configuration as JSON keys.
    fn to_json(&self) -> Map<String, Value>;
    /// Reads the configuration back from a JSON line.
    fn from_json(v: &Value) -> Result<Self, String>;
}

impl RunRecord for RunSpec {
    fn params_text(&self) -> String {
        self.optimizer
            .values()
            .map(|(p, v)| format!("{p}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn config_key(&self) -> String {
        format!(
            "{} hidden={} {} batch={} init_scale={} target={} max_epochs={} eval_every={}",
            self.optimizer.kind(),
            join_sizes(&self.hidden, ','),
            self.params_text(),
            self.batch,
            self.init_scale,
            self.target,
            self.max_epochs,
            self.eval_every
        )
    }

    fn key(&self) -> String {
        format!("{} seed={}", self.config_key(), self.seed)
    }

    fn to_json(&self) -> Map<String, Value> {
        let hidden = if self.hidden.len() == 1 {
            json!(self.hidden[0])
        } else {
            json!(self.hidden)
        };
        let mut m = Map::new();
        m.insert("optimizer".into(), json!(self.optimizer.kind().name()));
        m.insert("hidden".into(), hidden);
        for p in Param::ALL {
            let value = self.optimizer.get(p).map_or(Value::Null, json_f32);
            m.insert(p.name().into(), value);
        }
        m.insert("batch".into(), json!(self.batch));
        m.insert("init_scale".into(), json_f32(self.init_scale));
        m.insert("seed".into(), json!(self.seed));
        m.insert("target".into(), json!(self.target));
        m.insert("max_epochs".into(), json!(self.max_epochs));
        m.insert("eval_every".into(), json!(self.eval_every));
        m
    }

    fn from_json(v: &Value) -> Result<Self, String> {
        let o = v.as_object().ok_or("not a JSON object")?;
        let num = |k: &str| -> Result<f64, String> {
            o.get(k)
                .and_then(Value::as_f64)
                .ok_or_else(|| format!("missing or non-numeric '{k}'"))
        };
        let uint = |k: &str| -> Result<u64, String> {
            o.get(k)
                .and_then(Value::as_u64)
                .ok_or_else(|| format!("missing or non-integer '{k}'"))
        };
        let name = o
            .get("optimizer")
            .and_then(Value::as_str)
            .ok_or("missing 'optimizer'")?;
        let kind =
            OptimizerKind::from_name(name).ok_or_else(|| format!("unknown optimizer '{name}'"))?;
        let hidden = match o.get("hidden") {
            Some(Value::Array(a)) => a
                .iter()
                .map(|h| h.as_u64().map(|h| h as usize))
                .collect::<Option<Vec<_>>>()
                .ok_or("non-integer 'hidden'")?,
            Some(h) => vec![h.as_u64().ok_or("non-integer 'hidden'")? as usize],
            None => return Err("missing 'hidden'".into()),
        };
        // Only the rule's own parameters are read: lines written before
        // unused ones became null hold placeholders there.
        let mut optimizer = OptimizerParams::default_for(kind);
        for &p in kind.params() {
            optimizer
                .set(p, num(p.name())? as f32)
                .map_err(|e| e.to_string())?;
        }
        Ok(Self {
            optimizer,
            hidden,
            batch: uint("batch")? as usize,
            init_scale: num("init_scale")? as f32,
            seed: uint("seed")?,
            target: num("target")?,
            max_epochs: num("max_epochs")?,
            eval_every: uint("eval_every")? as usize,
        })
    }
}

/// The JSON of a finished run: its configuration, `layers`, and the result
/// keys (`reached`, `test_accuracy`, `samples`, `epochs`, `train_seconds`,
/// `eval_seconds`, `diverged`, `diverged_step`, `simd`, `peak_rss_mb`).
pub fn result_json(spec: &RunSpec, layers: &[usize], report: &TrainReport) -> Map<String, Value> {
    let mut m = spec.to_json();
    m.insert("layers".into(), json!(layers));
    m.insert("reached".into(), json!(report.reached));
    m.insert("test_accuracy".into(), json!(report.test_accuracy));
    m.insert("samples".into(), json!(report.samples));
    m.insert("epochs".into(), json!(report.epochs));
    m.insert("train_seconds".into(), json!(report.train_seconds));
    m.insert("eval_seconds".into(), json!(report.eval_seconds));
    m.insert("diverged".into(), json!(report.diverged_at.is_some()));
    m.insert("diverged_step".into(), json!(report.diverged_at));
    m.insert("simd".into(), json!(dlr::simd::simd_path()));
    m.insert("peak_rss_mb".into(), json!(peak_rss_mb()));
    m
}

/// Adds what `--train-accuracy` measured to a result's JSON: the last
/// training-set accuracy as `train_accuracy` (`null` when no evaluation
/// measured it) and `history`, one `{"samples", "test_accuracy",
/// "train_accuracy"}` object per evaluation (`train_accuracy` `null` at the
/// evaluations of a resumed run before it resumed, which its checkpoint
/// does not hold).
pub fn add_train_accuracy(m: &mut Map<String, Value>, report: &TrainReport) {
    m.insert("train_accuracy".into(), json!(report.train_accuracy()));
    let history: Vec<Value> = report
        .history
        .iter()
        .map(|&(samples, test_accuracy)| {
            let train_accuracy = report
                .train_history
                .iter()
                .find(|&&(s, _)| s == samples)
                .map(|&(_, a)| a);
            json!({
                "samples": samples,
                "test_accuracy": test_accuracy,
                "train_accuracy": train_accuracy,
            })
        })
        .collect();
    m.insert("history".into(), json!(history));
}
