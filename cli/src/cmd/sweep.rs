//! `dlr sweep`: a grid of trainings, one JSON line per run appended to a
//! file.

use std::path::PathBuf;

use clap::Args;
use dlr_cli::record::RunRecord;
use dlr_cli::sweep::{parse_shard, preset, run_sweep, Grid, SweepOptions, PRESETS};

use super::flags::{DataArgs, JobsArgs, SimdArgs};
use super::{check_threads, Failure};

/// The options of `dlr sweep`.
#[derive(Args, Debug)]
pub struct SweepArgs {
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
    #[command(flatten)]
    jobs: JobsArgs,
    /// Run only slice i of n (0 <= i < n): runs whose grid index is i mod n.
    #[arg(long, value_parser = parse_shard)]
    shard: Option<(usize, usize)>,
    /// Threads that evaluate the test set inside each training.
    #[arg(long, default_value_t = 1)]
    eval_threads: usize,
    /// Print the keys of the runs of this shard, one per line, and exit.
    #[arg(long)]
    list: bool,
    #[command(flatten)]
    data: DataArgs,
    /// No line per finished run on stderr.
    #[arg(long)]
    quiet: bool,
    #[command(flatten)]
    simd: SimdArgs,
}

/// Runs `dlr sweep`.
pub fn run(args: &SweepArgs) -> Result<(), Failure> {
    args.simd.apply()?;
    if args.list_presets {
        for (name, what) in PRESETS {
            outln!("{name:<12} {what}");
        }
        return Ok(());
    }
    let grid = match (&args.grid, &args.preset) {
        (Some(path), _) => Grid::from_file(path),
        (None, Some(name)) => preset(name),
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
    let jobs = args.jobs.threads()?;
    check_threads(args.eval_threads, "--eval-threads")?;
    let mnist = args.data.load()?;
    let opts = SweepOptions {
        jobs,
        eval_threads: args.eval_threads.max(1),
        out: out.clone(),
    };
    let quiet = args.quiet;
    let summary = run_sweep(
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
