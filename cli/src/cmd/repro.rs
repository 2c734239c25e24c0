//! `dlr repro`: the paper's figures, from sweeps to plots.

use std::path::PathBuf;

use clap::Args;
use dlr_cli::repro::ReproConfig;

use super::flags::{DataArgs, JobsArgs, SimdArgs};
use super::Failure;

/// The options of `dlr repro`.
#[derive(Args, Debug)]
pub struct ReproArgs {
    /// Small grids and few seeds: minutes instead of hours.
    #[arg(long)]
    quick: bool,
    /// Output directory (results are resumed from the JSONL files in it).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    jobs: JobsArgs,
    /// Only these figures, comma-separated (1, 2, 3).
    #[arg(long, value_delimiter = ',', default_value = "1,2,3")]
    figures: Vec<u8>,
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    simd: SimdArgs,
}

/// Runs `dlr repro`.
pub fn run(args: &ReproArgs) -> Result<(), Failure> {
    args.simd.apply()?;
    if let Some(f) = args.figures.iter().find(|f| !(1..=3).contains(*f)) {
        return Err(Failure::bad_input(format!(
            "--figures: there is no figure {f} (expected 1, 2, 3)"
        )));
    }
    let Some(out) = &args.out else {
        return Err(Failure::bad_input("--out DIR is required"));
    };
    let jobs = args.jobs.threads()?;
    let mnist = args.data.load()?;
    let config = ReproConfig {
        quick: args.quick,
        out: out.clone(),
        jobs,
        figures: args.figures.clone(),
    };
    dlr_cli::repro::run(&config, &mnist.train, &mnist.test, |msg| eprintln!("{msg}"))
        .map_err(|e| Failure::bad_input(e.to_string()))?;
    outln!("results in {}", out.display());
    Ok(())
}
