//! `dlr train`: one training run, its model, checkpoints and summary.

use std::path::{Path, PathBuf};

use clap::Args;
use dlr::optim::{OptimizerKind, OptimizerParams, Param, ParamError};
use dlr::train::{Event, RunError, RunField, RunSpec, Trainer};
use dlr_cli::record::{add_train_accuracy, flag, result_json};
use dlr_cli::{ends_with_separator, join_sizes, one_line, parent_dir};

use super::flags::{parse_kind, DataArgs, SimdArgs};
use super::{check_threads, interactive, Failure, EXIT_DIVERGED};

/// The options of `dlr train`.
#[derive(Args, Debug)]
#[command(allow_negative_numbers = true)]
pub struct TrainArgs {
    /// Update rule: dlr, dlr-post, sgd, nesterov, adam or adam-lazy.
    #[arg(long, default_value = "dlr", value_parser = parse_kind)]
    optimizer: OptimizerKind,
    /// Hidden layer sizes, comma-separated (e.g. 100 or 300,100).
    #[arg(long, default_value = "100", value_delimiter = ',', num_args = 1..)]
    hidden: Vec<usize>,
    /// Learning rate (η; Adam's α; DLR's η₀). Default: the optimizer's tuned value.
    #[arg(long)]
    lr: Option<f32>,
    /// DLR's α.
    #[arg(long)]
    alpha: Option<f32>,
    /// Nesterov's momentum μ.
    #[arg(long)]
    momentum: Option<f32>,
    /// Adam's (and lazy Adam's) β₁.
    #[arg(long)]
    beta1: Option<f32>,
    /// Adam's (and lazy Adam's) β₂.
    #[arg(long)]
    beta2: Option<f32>,
    /// Adam's (and lazy Adam's) ε.
    #[arg(long)]
    eps: Option<f32>,
    /// Output units (classes); default: the largest label of the data plus one.
    #[arg(long)]
    classes: Option<usize>,
    /// Samples per step (1 = online, as in the paper).
    #[arg(long, default_value_t = 1)]
    batch: usize,
    /// Stop at this test accuracy.
    #[arg(long, default_value_t = 0.96)]
    target: f64,
    /// Stop after this many epochs (fractions allowed).
    #[arg(long, default_value_t = 10.0)]
    max_epochs: f64,
    /// Samples between test-set evaluations.
    #[arg(long, default_value_t = 1000)]
    eval_every: usize,
    /// Seed of the initialisation and the shuffling.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Threads that evaluate the test set (0: one per core); with 2 or more, evaluations overlap
    /// training, on a copy of the weights. Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    eval_threads: usize,
    /// Half-width of the uniform initial weights, times 1/sqrt(n_in).
    #[arg(long, default_value_t = dlr::network::DEFAULT_INIT_SCALE)]
    init_scale: f32,
    #[command(flatten)]
    data: DataArgs,
    /// Write the final model here.
    #[arg(long)]
    save: Option<PathBuf>,
    /// Keep a checkpoint here (atomically replaced): at the start, every
    /// --checkpoint-every samples and at the end.
    #[arg(long)]
    checkpoint: Option<PathBuf>,
    /// Samples between checkpoints [default: 10000].
    #[arg(long)]
    checkpoint_every: Option<u64>,
    /// Go on from this checkpoint; the options must be those of the run that wrote it.
    #[arg(long)]
    resume: Option<PathBuf>,
    /// Print one JSON object as the last line of stdout.
    #[arg(long)]
    json: bool,
    /// Also measure the accuracy on the whole training set at each evaluation (on a copy of the
    /// weights; it never changes them): the JSON gets `train_accuracy` and a `history`.
    #[arg(long)]
    train_accuracy: bool,
    #[command(flatten)]
    simd: SimdArgs,
}

/// Runs `dlr train`.
pub fn run(args: &TrainArgs) -> Result<(), Failure> {
    args.simd.apply()?;
    let spec = run_spec(args)?;
    check_train_args(args)?;
    // The checkpoint before the data: a bad one fails at once.
    let resumed = match &args.resume {
        Some(path) => {
            let ck =
                dlr::checkpoint::read_file(path).map_err(|e| Failure::bad_input(e.to_string()))?;
            ck.check_run(&spec).map_err(|e| {
                let f = run_failure(e);
                Failure::bad_input(format!("{}: {}", path.display(), f.message))
            })?;
            Some((path, ck))
        }
        None => None,
    };
    let mnist = args.data.load_with_classes(args.classes)?;
    let (train_set, test_set) = (&mnist.train, &mnist.test);
    let classes = args.classes.unwrap_or(0);

    let mut trainer = match resumed {
        Some((path, ck)) => {
            let mut trainer = Trainer::from_checkpoint(ck, train_set, test_set)
                .map_err(|e| Failure::bad_input(format!("{}: {e}", path.display())))?;
            trainer.set_eval(args.eval_every, args.eval_threads);
            trainer
        }
        None => {
            let outputs = dlr::dataset::Dataset::output_units(train_set, test_set, classes);
            dlr_cli::check_network_size(&spec.layers(train_set.pixels(), outputs))
                .map_err(Failure::bad_input)?;
            Trainer::for_run(&spec, train_set, test_set, classes, args.eval_threads)
                .map_err(run_failure)?
        }
    };

    trainer.set_train_accuracy(args.train_accuracy);

    let bar = interactive().then(|| {
        let bar = indicatif::ProgressBar::new(trainer.total_samples());
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} samples  {msg}  [{elapsed}]",
        ) {
            bar.set_style(style);
        }
        bar.set_position(trainer.samples());
        bar
    });
    let on_event = |event: &Event| {
        let Event::Eval { samples, accuracy } = *event;
        if let Some(bar) = &bar {
            bar.set_position(samples);
            bar.set_message(format!("test accuracy {:.2} %", 100.0 * accuracy));
        }
    };
    // With --checkpoint: one at the start (so a run killed at any moment
    // can be resumed), then as the trainer's cadence says.
    let kept = match &args.checkpoint {
        Some(path) => {
            let mut kept = None;
            if resumes_from(args, path) {
                kept = Some(trainer.samples());
            } else if let Some(ck) = trainer.checkpoint() {
                write_checkpoint(&ck, path)?;
                kept = Some(ck.progress.samples);
            }
            let every = args.checkpoint_every.unwrap_or(DEFAULT_CHECKPOINT_EVERY);
            trainer
                .run_with_checkpoints(every, on_event, |ck| write_checkpoint(ck, path))?
                .or(kept)
        }
        None => {
            trainer.run(on_event);
            None
        }
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let (net, _, report) = trainer.into_parts();

    // A diverged run's weights are not finite: saving them would replace
    // whatever the user had at --save with a model that answers nothing.
    let save = args.save.as_ref().filter(|_| report.diverged_at.is_none());
    if let Some(path) = save {
        dlr::checkpoint::write_atomically(path, &net.to_bytes()).map_err(|e| {
            Failure::bad_input(format!(
                "{}: cannot save the model: {}",
                path.display(),
                one_line(&e)
            ))
        })?;
    }

    let kind = spec.optimizer.kind();
    let mut summary = match (report.diverged_at, report.reached) {
        (Some(step), _) => format!("{kind} diverged at step {step} (non-finite loss or weights)"),
        (None, true) => format!(
            "{kind} H={} reached {:.2} % test accuracy after {} samples ({:.3} epochs) in {:.2} s training + {:.2} s evaluation",
            join_sizes(&args.hidden, ','),
            100.0 * report.test_accuracy,
            report.samples,
            report.epochs,
            report.train_seconds,
            report.eval_seconds
        ),
        (None, false) => format!(
            "{kind} H={} did not reach {:.2} % in {:.3} epochs: test accuracy {:.2} % ({:.2} s training + {:.2} s evaluation)",
            join_sizes(&args.hidden, ','),
            100.0 * args.target,
            report.epochs,
            100.0 * report.test_accuracy,
            report.train_seconds,
            report.eval_seconds
        ),
    };
    if let Some(train_accuracy) = report.train_accuracy() {
        summary += &format!("; training-set accuracy {:.2} %", 100.0 * train_accuracy);
    }
    if args.json {
        eprintln!("{summary}");
        let mut result = result_json(&spec, &net.sizes(), &report);
        if args.train_accuracy {
            add_train_accuracy(&mut result, &report);
        }
        let line = serde_json::Value::Object(result);
        outln!("{line}");
    } else {
        outln!("{summary}");
    }
    match report.diverged_at {
        Some(step) => {
            let mut message = format!(
                "training diverged at step {step}: loss or weights became NaN/Inf (try a smaller --lr)"
            );
            if let (Some(path), Some(samples)) = (&args.checkpoint, kept) {
                message += &format!(
                    "; the last good checkpoint ({samples} samples) stays in {}",
                    path.display()
                );
            }
            if let Some(path) = &args.save {
                message += &format!("; no model was saved ({} is as it was)", path.display());
            }
            Err(Failure {
                code: EXIT_DIVERGED,
                message,
            })
        }
        None => Ok(()),
    }
}

/// The run `args` describe, checked.
fn run_spec(args: &TrainArgs) -> Result<RunSpec, Failure> {
    let mut optimizer = OptimizerParams::default_for(args.optimizer);
    let given = [
        (Param::Lr, args.lr),
        (Param::Alpha, args.alpha),
        (Param::Momentum, args.momentum),
        (Param::Beta1, args.beta1),
        (Param::Beta2, args.beta2),
        (Param::Eps, args.eps),
    ];
    for (param, value) in given {
        if let Some(value) = value {
            optimizer.set(param, value).map_err(param_failure)?;
        }
    }
    let spec = RunSpec {
        optimizer,
        hidden: args.hidden.clone(),
        batch: args.batch,
        init_scale: args.init_scale,
        seed: args.seed,
        target: args.target,
        max_epochs: args.max_epochs,
        eval_every: args.eval_every,
    };
    spec.validate().map_err(run_failure)?;
    Ok(spec)
}

/// A parameter error in the words of the command line.
fn param_failure(e: ParamError) -> Failure {
    Failure::bad_input(match e {
        ParamError::OutOfRange {
            param,
            value,
            bound,
        } => format!(
            "{} must be finite and {bound} (got {value})",
            flag(RunField::Param(param))
        ),
        ParamError::NotARuleParam { kind, param } => format!(
            "{} does not apply to --optimizer {kind} (it reads: {})",
            flag(RunField::Param(param)),
            kind.params()
                .iter()
                .map(|&p| flag(RunField::Param(p)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}

/// A run error in the words of the command line.
fn run_failure(e: RunError) -> Failure {
    match e {
        RunError::Param(e) => param_failure(e),
        RunError::Invalid { field, what } => {
            Failure::bad_input(format!("{} must be {what}", flag(field)))
        }
        RunError::Mismatch {
            field,
            ours,
            theirs,
        } => Failure::bad_input(format!(
            "{} {ours} contradicts the checkpoint ({} {theirs})",
            flag(field),
            flag(field)
        )),
    }
}

/// Fails unless a file can be created in `path`'s directory (by creating
/// and removing a probe there), so that a run never ends with nowhere to
/// write its result.
fn check_writable(path: &Path, what: &str) -> Result<(), Failure> {
    let parent = parent_dir(path);
    if ends_with_separator(path) {
        return Err(Failure::bad_input(format!(
            "{}: cannot write {what} there: the path ends with a separator, so it names a directory",
            path.display()
        )));
    }
    if !parent.is_dir() || path.file_name().is_none() {
        return Err(Failure::bad_input(format!(
            "{}: cannot write {what} there: directory {} does not exist",
            path.display(),
            parent.display()
        )));
    }
    if path.is_dir() {
        return Err(Failure::bad_input(format!(
            "{}: cannot write {what} there: it is a directory",
            path.display()
        )));
    }
    let probe = parent.join(format!(".dlr-probe-{}", std::process::id()));
    match std::fs::File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(Failure::bad_input(format!(
            "{}: cannot write {what} there: {}",
            path.display(),
            one_line(&e)
        ))),
    }
}

fn check_train_args(args: &TrainArgs) -> Result<(), Failure> {
    if let Some(path) = &args.save {
        check_writable(path, "the model")?;
        if args
            .checkpoint
            .as_deref()
            .is_some_and(|ck| same_file(ck, path))
        {
            return Err(Failure::bad_input(format!(
                "--save and --checkpoint both name {}: the model would replace the checkpoint",
                path.display()
            )));
        }
    }
    check_threads(args.eval_threads, "--eval-threads")?;
    if args.checkpoint_every.is_some() && args.checkpoint.is_none() {
        return Err(Failure::bad_input(
            "--checkpoint-every needs --checkpoint PATH",
        ));
    }
    if args.checkpoint_every == Some(0) {
        return Err(Failure::bad_input("--checkpoint-every must be at least 1"));
    }
    if args.classes == Some(0) || args.classes.is_some_and(|c| c > 256) {
        return Err(Failure::bad_input("--classes must be in 1..=256"));
    }
    if let Some(path) = &args.checkpoint {
        check_writable(path, "a checkpoint")?;
        // A run never replaces a checkpoint it did not start from.
        if path.exists() && !resumes_from(args, path) {
            return Err(Failure::bad_input(format!(
                "{}: a checkpoint is already there; continue it with --resume {0}, or remove it",
                path.display()
            )));
        }
    }
    Ok(())
}

/// Whether `--resume` names the file at `path` (`ck` and `./ck` alike).
fn resumes_from(args: &TrainArgs, path: &Path) -> bool {
    args.resume
        .as_deref()
        .is_some_and(|resume| same_file(resume, path))
}

/// Whether `a` and `b` name one file: the same path, or paths that resolve
/// to the same one (`ck` and `./ck`; only for files that exist). Two paths
/// of files not yet created compare as written, after dropping `./`.
fn same_file(a: &Path, b: &Path) -> bool {
    a == b
        || a.components().eq(b.components())
        || matches!(
            (std::fs::canonicalize(a), std::fs::canonicalize(b)),
            (Ok(a), Ok(b)) if a == b
        )
}

/// Samples between checkpoints when `--checkpoint-every` is not given.
const DEFAULT_CHECKPOINT_EVERY: u64 = 10_000;

/// Writes `ck` to `path` atomically.
fn write_checkpoint(ck: &dlr::checkpoint::Checkpoint, path: &Path) -> Result<(), Failure> {
    dlr::checkpoint::write_atomically(path, &ck.to_bytes()).map_err(|e| {
        Failure::bad_input(format!(
            "{}: cannot write the checkpoint: {}",
            path.display(),
            one_line(&e)
        ))
    })
}
