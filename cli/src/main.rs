//! `dlr`: the command-line program, a thin layer over the library.
//!
//! This file holds the commands and sends each to its module under
//! [`cmd`]; the flags several commands share are in `cmd/flags.rs`.
//!
//! Exit codes: 0 success (for `train`, whether or not the target was reached:
//! the output says which), 2 bad usage or bad input, 3 training diverged.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

use cmd::{bench, eval, fetch, report, repro, sweep, train, EXIT_BAD_INPUT};

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
    Train(train::TrainArgs),
    /// Per-step cost (forward + backward + update, batch 1) of every optimizer x hidden size.
    Bench(bench::BenchArgs),
    /// Download MNIST from the public mirrors into data/mnist and verify its SHA-256.
    Fetch(fetch::FetchArgs),
    /// Run a grid of trainings in parallel, one JSON line per run appended to --out (resumable).
    Sweep(sweep::SweepArgs),
    /// Merge sweep JSONL files into Markdown/CSV tables and SVG plots.
    Report(report::ReportArgs),
    /// Reproduce the paper's Figures 1-3 (sweeps, tables, plots) into --out.
    Repro(repro::ReproArgs),
    /// Accuracy of a saved model (--save) on the test set.
    Eval(eval::EvalArgs),
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
            // One line, as for every bad input: clap's first line plus a
            // hint, or the whole line of the program's own parsers (a bad
            // `--simd` or `DLR_SIMD`, which clap reads for it).
            match cmd::flags::whole_line(&e) {
                Some(line) => eprintln!("dlr: {line}"),
                None => {
                    let text = e.render().to_string();
                    let first = text.lines().next().unwrap_or("invalid arguments");
                    let first = first.strip_prefix("error: ").unwrap_or(first);
                    eprintln!("dlr: {first} (see 'dlr --help')");
                }
            }
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let result = match &cli.command {
        Command::Train(args) => train::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Fetch(args) => fetch::run(args),
        Command::Sweep(args) => sweep::run(args),
        Command::Report(args) => report::run(args),
        Command::Repro(args) => repro::run(args),
        Command::Eval(args) => eval::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            if !failure.message.is_empty() {
                eprintln!("dlr: {}", failure.message);
            }
            ExitCode::from(failure.code)
        }
    }
}
