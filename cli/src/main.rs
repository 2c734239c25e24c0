//! `dlr`: the command-line program, a thin layer over the library.
//!
//! Exit codes: 0 success (for `train`, whether or not the target was reached:
//! the output says which), 2 bad usage or bad input, 3 training diverged.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use dlr::optim::{OptimizerKind, OptimizerParams, Param, ParamError};
use dlr::train::{Event, RunError, RunField, RunSpec, Trainer};
use dlr_cli::jobs::jobs_or_cores;
use dlr_cli::record::{flag, hidden_text, result_json, RunRecord};
use dlr_cli::{ends_with_separator, one_line, parent_dir};

/// Exit code for bad usage or bad input.
const EXIT_BAD_INPUT: u8 = 2;
/// Exit code for a diverged training run.
const EXIT_DIVERGED: u8 = 3;

#[derive(Parser)]
#[command(
    name = "dlr",
    version,
    about = "Dynamic learning rate (DLR) and its baselines on MNIST"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train once; the defaults train DLR (Eq. 1), H=100, to 96 % test accuracy.
    Train(TrainArgs),
    /// Per-step cost (forward + backward + update, batch 1) of every optimizer x hidden size.
    Bench(BenchArgs),
    /// Download MNIST from the public mirrors into data/mnist and verify its SHA-256.
    Fetch {
        /// Directory to download into.
        #[arg(long, default_value = "data/mnist")]
        dir: PathBuf,
    },
    /// Run a grid of trainings in parallel, one JSON line per run appended to --out (resumable).
    Sweep(SweepArgs),
    /// Merge sweep JSONL files into Markdown/CSV tables and SVG plots.
    Report(ReportArgs),
    /// Reproduce the paper's Figures 1-3 (sweeps, tables, plots) into --out.
    Repro(ReproArgs),
    /// Accuracy of a saved model (--save) on the test set.
    Eval(EvalArgs),
}

#[derive(Args, Debug)]
struct EvalArgs {
    /// The model file.
    #[arg(long)]
    model: PathBuf,
    /// Directory with the four IDX files (else $DLR_DATA, else data/mnist).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Print one JSON object instead of the sentence.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct SweepArgs {
    /// Grid file, TOML (*.toml) or JSON (anything else).
    #[arg(long, conflicts_with = "preset")]
    grid: Option<PathBuf>,
    /// A named grid (see --list-presets).
    #[arg(long)]
    preset: Option<String>,
    /// Print the presets and exit.
    #[arg(long)]
    list_presets: bool,
    /// Append one JSON line per finished run here; runs already in it are skipped.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Concurrent trainings (threads), 0 = one per core.
    #[arg(long, default_value_t = 0)]
    jobs: usize,
    /// Run only slice i of n (0 <= i < n): runs whose grid index is i mod n.
    #[arg(long, value_parser = dlr_cli::sweep::parse_shard)]
    shard: Option<(usize, usize)>,
    /// Threads that evaluate the test set inside each training.
    #[arg(long, default_value_t = 1)]
    eval_threads: usize,
    /// Print the keys of the runs of this shard, one per line, and exit.
    #[arg(long)]
    list: bool,
    /// Directory with the four MNIST files (else $DLR_DATA, else data/mnist).
    #[arg(long)]
    data: Option<PathBuf>,
    /// No line per finished run on stderr.
    #[arg(long)]
    quiet: bool,
    /// SIMD path of the kernels: scalar, sse2, avx2, avx512, neon, simd128
    /// or portable (default: $DLR_SIMD, else the best this CPU has).
    #[arg(long, value_name = "PATH")]
    simd: Option<String>,
}

#[derive(Args, Debug)]
struct ReportArgs {
    /// JSONL files written by `dlr sweep`.
    files: Vec<PathBuf>,
    /// Directory for report.md, best.csv, configs.csv and the SVG plots.
    #[arg(long, default_value = "report")]
    out: PathBuf,
}

#[derive(Args, Debug)]
struct ReproArgs {
    /// Small grids and few seeds: minutes instead of hours.
    #[arg(long)]
    quick: bool,
    /// Output directory (results are resumed from the JSONL files in it).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Concurrent trainings, 0 = one per core.
    #[arg(long, default_value_t = 0)]
    jobs: usize,
    /// Only these figures, comma-separated (1, 2, 3).
    #[arg(long, value_delimiter = ',', default_value = "1,2,3")]
    figures: Vec<u8>,
    /// Directory with the four MNIST files (else $DLR_DATA, else data/mnist).
    #[arg(long)]
    data: Option<PathBuf>,
}

#[derive(Args, Debug)]
#[command(allow_negative_numbers = true)]
struct TrainArgs {
    /// Update rule: dlr, dlr-post, sgd, nesterov or adam.
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
    /// Adam's β₁.
    #[arg(long)]
    beta1: Option<f32>,
    /// Adam's β₂.
    #[arg(long)]
    beta2: Option<f32>,
    /// Adam's ε.
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
    /// Directory with the four MNIST files (else $DLR_DATA, else data/mnist).
    #[arg(long)]
    data: Option<PathBuf>,
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
    /// SIMD path of the kernels: scalar, sse2, avx2, avx512, neon, simd128
    /// or portable (default: $DLR_SIMD, else the best this CPU has).
    #[arg(long, value_name = "PATH")]
    simd: Option<String>,
}

#[derive(Args, Debug)]
struct BenchArgs {
    /// Hidden sizes, comma-separated.
    #[arg(long, default_value = "30,100,300,1000", value_delimiter = ',', num_args = 1..)]
    hidden: Vec<usize>,
    /// Optimizers, comma-separated.
    #[arg(long, default_value = "sgd,nesterov,adam,dlr,dlr-post", value_delimiter = ',', value_parser = parse_kind)]
    optimizers: Vec<OptimizerKind>,
    /// Timed rounds per optimizer and size (the median is reported).
    #[arg(long, default_value_t = 11)]
    repeats: usize,
    /// Target seconds per round.
    #[arg(long, default_value_t = 0.02)]
    round_seconds: f64,
    /// Heap layouts to measure (different gaps between the allocations); the
    /// figure is the median over layouts of each layout's median round.
    #[arg(long, default_value_t = 5)]
    layouts: usize,
    /// Seed of the sample order, the initial weights and the layouts' gaps:
    /// runs with different seeds measure different layouts (all but the
    /// first, the program's own allocation, which has no gaps).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Skip timing one online DLR epoch per size.
    #[arg(long)]
    no_epoch: bool,
    /// Directory with the four MNIST files (else $DLR_DATA, else data/mnist).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Print one JSON object per (optimizer, size) instead of the table.
    #[arg(long)]
    json: bool,
    /// SIMD paths to measure, comma-separated (scalar, sse2, avx2, avx512,
    /// neon, simd128, portable), or `all` for every path this CPU has
    /// (default: $DLR_SIMD, else the best this CPU has).
    #[arg(long, value_name = "PATHS", value_delimiter = ',')]
    simd: Vec<String>,
}

fn parse_kind(s: &str) -> Result<OptimizerKind, String> {
    OptimizerKind::from_name(s).ok_or_else(|| {
        let names: Vec<_> = OptimizerKind::ALL.iter().map(|k| k.name()).collect();
        format!(
            "unknown optimizer '{s}' (expected one of: {})",
            names.join(", ")
        )
    })
}

/// A failure to report: one line on stderr and an exit code.
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn bad_input(message: impl Into<String>) -> Self {
        Self {
            code: EXIT_BAD_INPUT,
            message: message.into(),
        }
    }

    /// The end of a command whose standard output was closed by its reader
    /// (`dlr sweep --list | head -1`): nothing to say, and nothing failed.
    fn output_closed() -> Self {
        Self {
            code: 0,
            message: String::new(),
        }
    }
}

/// Writes `text` to standard output, flushed. A reader that has gone (a
/// closed pipe) ends the command quietly with exit 0; any other failure (a
/// full disk) is one line and exit 2. `println!` would panic on either.
fn emit(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(Failure::output_closed()),
        Err(e) => Err(Failure::bad_input(format!(
            "cannot write to standard output: {}",
            one_line(&e)
        ))),
    }
}

/// `println!` through [`emit`], returning its failure from the function.
macro_rules! outln {
    ($($arg:tt)*) => {
        emit(&format!("{}\n", format_args!($($arg)*)))?
    };
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help, --version: clap prints them to stdout.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // One line, as for every bad input: clap's first line plus a hint.
            let text = e.render().to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            let first = first.strip_prefix("error: ").unwrap_or(first);
            eprintln!("dlr: {first} (see 'dlr --help')");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    // A bad DLR_SIMD is one line and exit 2 for a command that runs the
    // kernels on it, before the library would panic on it at the first
    // kernel call. `--simd` overrides it, and `fetch` and `report` run no
    // kernel.
    let reads_dlr_simd = match &cli.command {
        Command::Train(args) => args.simd.is_none(),
        Command::Bench(args) => args.simd.is_empty(),
        Command::Sweep(args) => args.simd.is_none(),
        Command::Repro(_) | Command::Eval(_) => true,
        Command::Fetch { .. } | Command::Report(_) => false,
    };
    if reads_dlr_simd {
        let requested = std::env::var("DLR_SIMD").unwrap_or_default();
        if !requested.is_empty() {
            if let Err(e) = dlr::simd::parse_path(&requested).and_then(dlr::simd::force_path) {
                eprintln!("dlr: DLR_SIMD: {e}");
                return ExitCode::from(EXIT_BAD_INPUT);
            }
        }
    }
    let result = match cli.command {
        Command::Train(args) => run_train(&args),
        Command::Bench(args) => run_bench(&args),
        Command::Fetch { dir } => dlr_cli::fetch::fetch(&dir, &dlr_cli::fetch::mirrors())
            .map_err(|e| Failure::bad_input(e.to_string()))
            .and_then(|()| emit(&format!("MNIST is in {}\n", dir.display()))),
        Command::Sweep(args) => run_sweep(&args),
        Command::Report(args) => run_report(&args),
        Command::Repro(args) => run_repro(&args),
        Command::Eval(args) => run_eval(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            if !f.message.is_empty() {
                eprintln!("dlr: {}", f.message);
            }
            ExitCode::from(f.code)
        }
    }
}

/// Runs the kernels on the path `--simd` names (a bad or missing one is
/// exit 2); without the flag, on `DLR_SIMD`'s or the best.
fn select_simd(flag: Option<&str>) -> Result<(), Failure> {
    if let Some(name) = flag {
        let path =
            dlr::simd::parse_path(name).map_err(|e| Failure::bad_input(format!("--simd: {e}")))?;
        dlr::simd::force_path(path).map_err(|e| Failure::bad_input(format!("--simd: {e}")))?;
    }
    Ok(())
}

/// The paths `dlr bench --simd` names: `all` for every path this CPU has,
/// none for the active one.
fn bench_paths(names: &[String]) -> Result<Vec<dlr::simd::SimdPath>, Failure> {
    if names.is_empty() {
        return Ok(vec![dlr::simd::active_path()]);
    }
    // Every name but `all` is checked, with it or not: `all,neon` on a
    // machine without NEON fails as `neon` alone does.
    let named: Vec<dlr::simd::SimdPath> = names
        .iter()
        .filter(|n| *n != "all")
        .map(|n| {
            let path =
                dlr::simd::parse_path(n).map_err(|e| Failure::bad_input(format!("--simd: {e}")))?;
            if !path.is_available() {
                return Err(Failure::bad_input(format!(
                    "--simd: {}",
                    dlr::simd::PathError::Unavailable(path)
                )));
            }
            Ok(path)
        })
        .collect::<Result<_, _>>()?;
    if names.iter().any(|n| n == "all") {
        return Ok(dlr::simd::available_paths());
    }
    Ok(named)
}

fn run_bench(args: &BenchArgs) -> Result<(), Failure> {
    let paths = bench_paths(&args.simd)?;
    if args.hidden.is_empty() || args.hidden.contains(&0) {
        return Err(Failure::bad_input("--hidden sizes must be positive"));
    }
    if args.repeats == 0
        || args.layouts == 0
        || !(args.round_seconds.is_finite() && args.round_seconds > 0.0)
    {
        return Err(Failure::bad_input(
            "--repeats, --layouts and --round-seconds must be positive",
        ));
    }
    let interactive = std::io::stderr().is_terminal();
    let mnist = load_nonempty(args.data.as_deref(), interactive)?;
    for &h in &args.hidden {
        dlr_cli::check_network_size(&dlr_cli::bench::layer_sizes(&mnist.train, &mnist.test, h))
            .map_err(Failure::bad_input)?;
    }
    let config = dlr_cli::bench::BenchConfig {
        hidden: args.hidden.clone(),
        optimizers: args.optimizers.clone(),
        repeats: args.repeats,
        round_seconds: args.round_seconds,
        epoch: !args.no_epoch,
        seed: args.seed,
        layouts: args.layouts,
    };
    for &path in &paths {
        dlr::simd::force_path(path).map_err(|e| Failure::bad_input(format!("--simd: {e}")))?;
        let (steps, sizes) = dlr_cli::bench::run(&mnist.train, &mnist.test, &config, |what| {
            if interactive {
                eprint!("\r\x1b[Kmeasuring {what} ({path})");
            }
        });
        if interactive {
            eprint!("\r\x1b[K");
        }
        let simd = path.name();
        if args.json {
            for s in &steps {
                let size = sizes.iter().find(|z| z.hidden == s.hidden);
                let line = serde_json::json!({
                    "optimizer": s.optimizer.name(),
                    "hidden": s.hidden,
                    "us_per_step": s.us_per_step,
                    "us_min": s.us_min,
                    "us_max": s.us_max,
                    "ns_per_weight": 1e3 * s.us_per_step / s.weights as f64,
                    "weights": s.weights,
                    "steps_per_round": s.steps_per_round,
                    "repeats": args.repeats,
                    "layouts": args.layouts,
                    "seed": args.seed,
                    "eval_ms": size.map(|z| z.eval_ms),
                    "dlr_epoch_seconds": size.and_then(|z| z.dlr_epoch_seconds),
                    "simd": simd,
                });
                outln!("{line}");
            }
            continue;
        }
        outln!(
            "per-step cost, batch 1: median over {} heap layouts of the median of {} rounds, seed {} (SIMD path: {simd})",
            args.layouts, args.repeats, args.seed
        );
        let mut header = format!("{:>6}", "H");
        for k in &args.optimizers {
            header += &format!("{:>12}", k.name());
        }
        outln!(
            "{header}{:>12}{:>12}{:>14}{:>12}",
            "adam/dlr",
            "dlr/sgd",
            "eval 10k ms",
            "epoch s"
        );
        for size in &sizes {
            let h = size.hidden;
            let cost = |k: OptimizerKind| {
                steps
                    .iter()
                    .find(|s| s.hidden == h && s.optimizer == k)
                    .map(|s| s.us_per_step)
            };
            let mut row = format!("{h:>6}");
            for &k in &args.optimizers {
                row += &format!("{:>10.2}us", cost(k).unwrap_or(f64::NAN));
            }
            let ratio = |a: OptimizerKind, b: OptimizerKind| match (cost(a), cost(b)) {
                (Some(x), Some(y)) => format!("{:.2}", x / y),
                _ => "-".into(),
            };
            let epoch = size
                .dlr_epoch_seconds
                .map_or("-".into(), |s| format!("{s:.3}"));
            outln!(
                "{row}{:>12}{:>12}{:>14.2}{:>12}",
                ratio(OptimizerKind::Adam, OptimizerKind::Dlr),
                ratio(OptimizerKind::Dlr, OptimizerKind::Sgd),
                size.eval_ms,
                epoch
            );
        }
    }
    Ok(())
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

/// The most threads `--eval-threads` and `--jobs` may ask for: far more than
/// any machine this runs on has cores, and few enough that the system can
/// always start them (each takes a stack).
const MAX_THREADS: usize = 1024;

fn check_threads(n: usize, flag: &str) -> Result<(), Failure> {
    if n > MAX_THREADS {
        return Err(Failure::bad_input(format!(
            "{flag} must be at most {MAX_THREADS} (got {n}; 0 means one per core)"
        )));
    }
    Ok(())
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

/// Loads the data, refusing a training or test set without images: there
/// would be nothing to train on, or no accuracy to report.
fn load_nonempty(data: Option<&Path>, interactive: bool) -> Result<dlr::mnist::Mnist, Failure> {
    let mnist =
        dlr_cli::fetch::load(data, interactive).map_err(|e| Failure::bad_input(e.to_string()))?;
    let (dir, _) = dlr::mnist::resolve_data_dir(data);
    for (set, file) in [
        (&mnist.train, dlr::mnist::TRAIN_IMAGES),
        (&mnist.test, dlr::mnist::TEST_IMAGES),
    ] {
        if set.is_empty() {
            return Err(Failure::bad_input(format!(
                "{}: {file} has no images",
                dir.display()
            )));
        }
    }
    Ok(mnist)
}

/// Loads the data and applies `--classes`.
fn load_data(
    data: Option<&Path>,
    classes: Option<usize>,
    interactive: bool,
) -> Result<dlr::mnist::Mnist, Failure> {
    let mut mnist = load_nonempty(data, interactive)?;
    if let Some(classes) = classes {
        let (dir, _) = dlr::mnist::resolve_data_dir(data);
        let label_error = |file: &str, e: dlr::idx::IdxError| {
            Failure::bad_input(format!(
                "{}: {e} (--classes {classes})",
                dir.join(file).display()
            ))
        };
        mnist.train = mnist
            .train
            .with_classes(classes)
            .map_err(|e| label_error(dlr::mnist::TRAIN_LABELS, e))?;
        mnist.test = mnist
            .test
            .with_classes(classes)
            .map_err(|e| label_error(dlr::mnist::TEST_LABELS, e))?;
    }
    Ok(mnist)
}

fn run_train(args: &TrainArgs) -> Result<(), Failure> {
    select_simd(args.simd.as_deref())?;
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
    let interactive = std::io::stderr().is_terminal();
    let mnist = load_data(args.data.as_deref(), args.classes, interactive)?;
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
            let outputs = dlr::Dataset::output_units(train_set, test_set, classes);
            dlr_cli::check_network_size(&spec.layers(train_set.pixels(), outputs))
                .map_err(Failure::bad_input)?;
            Trainer::for_run(&spec, train_set, test_set, classes, args.eval_threads)
                .map_err(run_failure)?
        }
    };

    let bar = interactive.then(|| {
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
    let summary = match (report.diverged_at, report.reached) {
        (Some(step), _) => format!("{kind} diverged at step {step} (non-finite loss or weights)"),
        (None, true) => format!(
            "{kind} H={} reached {:.2} % test accuracy after {} samples ({:.3} epochs) in {:.2} s training + {:.2} s evaluation",
            hidden_text(&args.hidden),
            100.0 * report.test_accuracy,
            report.samples,
            report.epochs,
            report.train_seconds,
            report.eval_seconds
        ),
        (None, false) => format!(
            "{kind} H={} did not reach {:.2} % in {:.3} epochs: test accuracy {:.2} % ({:.2} s training + {:.2} s evaluation)",
            hidden_text(&args.hidden),
            100.0 * args.target,
            report.epochs,
            100.0 * report.test_accuracy,
            report.train_seconds,
            report.eval_seconds
        ),
    };
    if args.json {
        eprintln!("{summary}");
        let line = serde_json::Value::Object(result_json(&spec, &net.sizes(), &report));
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

/// The largest model file `dlr eval` reads: the header and
/// [`dlr_cli::MAX_WEIGHTS`] weights of four bytes, with room to spare for
/// the layer sizes. A longer file is no model this program wrote.
const MAX_MODEL_BYTES: u64 = 4 * dlr_cli::MAX_WEIGHTS as u64 + 4096;

/// The bytes of the model file at `path`, which must be a regular file of
/// at most [`MAX_MODEL_BYTES`]: a FIFO or a device (`/dev/zero`) would
/// block or never end.
fn read_model_file(path: &Path) -> Result<Vec<u8>, Failure> {
    use std::io::Read;
    let fail = |what: String| {
        Failure::bad_input(format!("{}: cannot read the model: {what}", path.display()))
    };
    let meta = std::fs::metadata(path).map_err(|e| fail(one_line(&e)))?;
    if !meta.is_file() {
        return Err(fail("not a regular file".into()));
    }
    if meta.len() > MAX_MODEL_BYTES {
        return Err(fail(format!(
            "{} bytes, more than any model of at most {} weights",
            meta.len(),
            dlr_cli::MAX_WEIGHTS
        )));
    }
    let file = std::fs::File::open(path).map_err(|e| fail(one_line(&e)))?;
    let mut bytes = Vec::new();
    file.take(MAX_MODEL_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(one_line(&e)))?;
    Ok(bytes)
}

/// `dlr eval`: reads a model file and reports its accuracy on the test set.
fn run_eval(args: &EvalArgs) -> Result<(), Failure> {
    let bytes = read_model_file(&args.model)?;
    let net = dlr::Network::from_bytes(&bytes)
        .map_err(|e| Failure::bad_input(format!("{}: {e}", args.model.display())))?;
    let interactive = std::io::stderr().is_terminal();
    let mnist = load_data(args.data.as_deref(), None, interactive)?;
    let test = &mnist.test;
    if net.n_inputs() != test.pixels() || net.n_outputs() < test.classes() {
        return Err(Failure::bad_input(format!(
            "{}: the model has {} inputs and {} outputs, the test set {} pixels and {} classes",
            args.model.display(),
            net.n_inputs(),
            net.n_outputs(),
            test.pixels(),
            test.classes()
        )));
    }
    let start = std::time::Instant::now();
    let correct = net.count_correct_threaded(test, jobs_or_cores(0));
    let seconds = start.elapsed().as_secs_f64();
    let accuracy = correct as f64 / test.len().max(1) as f64;
    if args.json {
        let line = serde_json::json!({
            "model": args.model.display().to_string(),
            "layers": net.sizes(),
            "test_images": test.len(),
            "correct": correct,
            "test_accuracy": accuracy,
            "eval_seconds": seconds,
            "simd": dlr::simd::simd_path(),
        });
        outln!("{line}");
    } else {
        outln!(
            "{}: {correct}/{} test images correct = {:.2} % (layers {})",
            args.model.display(),
            test.len(),
            100.0 * accuracy,
            hidden_text(&net.sizes())
        );
    }
    Ok(())
}

fn run_sweep(args: &SweepArgs) -> Result<(), Failure> {
    select_simd(args.simd.as_deref())?;
    if args.list_presets {
        for (name, what) in dlr_cli::sweep::PRESETS {
            outln!("{name:<12} {what}");
        }
        return Ok(());
    }
    let grid = match (&args.grid, &args.preset) {
        (Some(path), _) => dlr_cli::sweep::Grid::from_file(path),
        (None, Some(name)) => dlr_cli::sweep::preset(name),
        (None, None) => {
            return Err(Failure::bad_input(
                "give --grid FILE or --preset NAME (see --list-presets)",
            ))
        }
    }
    .map_err(|e| Failure::bad_input(e.to_string()))?;
    let (index, count) = args.shard.unwrap_or((0, 1));
    let runs = grid.shard(index, count);
    if args.list {
        for r in &runs {
            outln!("{}", r.key());
        }
        return Ok(());
    }
    let Some(out) = &args.out else {
        return Err(Failure::bad_input("--out FILE is required"));
    };
    check_threads(args.jobs, "--jobs")?;
    check_threads(args.eval_threads, "--eval-threads")?;
    let interactive = std::io::stderr().is_terminal();
    let mnist = dlr_cli::fetch::load(args.data.as_deref(), interactive)
        .map_err(|e| Failure::bad_input(e.to_string()))?;
    let opts = dlr_cli::sweep::SweepOptions {
        jobs: jobs_or_cores(args.jobs),
        eval_threads: args.eval_threads.max(1),
        out: out.clone(),
    };
    let quiet = args.quiet;
    let summary = dlr_cli::sweep::run_sweep(
        &grid.name,
        &runs,
        &mnist.train,
        &mnist.test,
        &opts,
        |k, n, run, report| {
            if !quiet {
                let what = match (report.diverged_at, report.reached) {
                    (Some(step), _) => format!("diverged at step {step}"),
                    (None, true) => format!("{:.3} epochs", report.epochs),
                    (None, false) => format!("missed ({:.2} %)", 100.0 * report.test_accuracy),
                };
                eprintln!("[{k}/{n}] {}: {what}", run.key());
            }
        },
    )
    .map_err(|e| Failure::bad_input(e.to_string()))?;
    outln!(
        "sweep {} shard {index}/{count}: {} runs, {} already in {}, {} trained ({} reached the target, {} diverged)",
        grid.name,
        summary.total,
        summary.skipped,
        out.display(),
        summary.done,
        summary.reached,
        summary.diverged
    );
    Ok(())
}

fn run_report(args: &ReportArgs) -> Result<(), Failure> {
    if args.files.is_empty() {
        return Err(Failure::bad_input(
            "give the JSONL files of one or more sweeps: dlr report FILES... [--out DIR]",
        ));
    }
    let records = dlr_cli::report::read_records(&args.files)
        .map_err(|e| Failure::bad_input(e.to_string()))?;
    let files = dlr_cli::report::write_report(&records, &args.out)
        .map_err(|e| Failure::bad_input(e.to_string()))?;
    let stats = dlr_cli::report::config_stats(&records);
    emit(&dlr_cli::report::best_markdown(
        &dlr_cli::report::best_configs(&stats),
    ))?;
    for f in &files.files {
        eprintln!("wrote {}", f.display());
    }
    Ok(())
}

fn run_repro(args: &ReproArgs) -> Result<(), Failure> {
    if let Some(f) = args.figures.iter().find(|f| !(1..=3).contains(*f)) {
        return Err(Failure::bad_input(format!(
            "--figures: there is no figure {f} (expected 1, 2, 3)"
        )));
    }
    let Some(out) = &args.out else {
        return Err(Failure::bad_input("--out DIR is required"));
    };
    check_threads(args.jobs, "--jobs")?;
    let interactive = std::io::stderr().is_terminal();
    let mnist = dlr_cli::fetch::load(args.data.as_deref(), interactive)
        .map_err(|e| Failure::bad_input(e.to_string()))?;
    let config = dlr_cli::repro::ReproConfig {
        quick: args.quick,
        out: out.clone(),
        jobs: jobs_or_cores(args.jobs),
        figures: args.figures.clone(),
    };
    dlr_cli::repro::run(&config, &mnist.train, &mnist.test, |msg| eprintln!("{msg}"))
        .map_err(|e| Failure::bad_input(e.to_string()))?;
    outln!("results in {}", out.display());
    Ok(())
}
