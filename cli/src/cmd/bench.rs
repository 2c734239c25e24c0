//! `dlr bench`: the per-step cost table, one per SIMD path asked for.

use clap::Args;
use dlr::optim::OptimizerKind;

use super::flags::{force, parse_kind, BenchSimdArgs, DataArgs};
use super::{emit, interactive, Failure};

/// The options of `dlr bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Hidden sizes, comma-separated.
    #[arg(long, default_value = "30,100,300,1000", value_delimiter = ',', num_args = 1..)]
    hidden: Vec<usize>,
    /// Optimizers, comma-separated.
    #[arg(long, default_value = "sgd,nesterov,adam,adam-lazy,dlr,dlr-post", value_delimiter = ',', value_parser = parse_kind)]
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
    /// Epochs of untimed training of each optimizer (once per size, on the
    /// training set in shuffled order) before the timed steps, so that they
    /// are the steps a training pays; 0 times the first steps of a training
    /// (the early figure).
    #[arg(long, default_value_t = 1.0)]
    warmup_epochs: f64,
    /// Skip timing one online DLR epoch per size.
    #[arg(long)]
    no_epoch: bool,
    #[command(flatten)]
    data: DataArgs,
    /// Print one JSON object per (optimizer, size) instead of the table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    simd: BenchSimdArgs,
}

/// Runs `dlr bench`: every path of `--simd` in turn, a table (or JSON
/// lines) each.
pub fn run(args: &BenchArgs) -> Result<(), Failure> {
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
    if !(args.warmup_epochs.is_finite() && args.warmup_epochs >= 0.0) {
        return Err(Failure::bad_input(
            "--warmup-epochs must be a number of epochs, 0 or more",
        ));
    }
    let mnist = args.data.load_nonempty()?;
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
        warmup_epochs: args.warmup_epochs,
    };
    let interactive = interactive();
    for path in args.simd.paths() {
        force(path)?;
        let (steps, sizes) = dlr_cli::bench::run(&mnist.train, &mnist.test, &config, |what| {
            if interactive {
                eprint!("\r\x1b[Kmeasuring {what} ({path})");
            }
        });
        if interactive {
            eprint!("\r\x1b[K");
        }
        if args.json {
            for line in dlr_cli::bench::json_lines(&config, &steps, &sizes, path.name()) {
                outln!("{line}");
            }
        } else {
            emit(&dlr_cli::bench::table(&config, &steps, &sizes, path.name()))?;
        }
    }
    Ok(())
}
