//! `dlr report`: sweep files merged into tables and plots.

use std::path::PathBuf;

use clap::Args;
use dlr_cli::report::{best_configs, best_markdown, config_stats, read_records, write_report};

use super::{emit, Failure};

/// The options of `dlr report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// JSONL files written by `dlr sweep`.
    files: Vec<PathBuf>,
    /// Directory for report.md, best.csv, configs.csv and the SVG plots.
    #[arg(long, default_value = "report")]
    out: PathBuf,
}

/// Runs `dlr report`.
pub fn run(args: &ReportArgs) -> Result<(), Failure> {
    if args.files.is_empty() {
        return Err(Failure::bad_input(
            "give the JSONL files of one or more sweeps: dlr report FILES... [--out DIR]",
        ));
    }
    let records = read_records(&args.files).map_err(|e| Failure::bad_input(e.to_string()))?;
    let files = write_report(&records, &args.out).map_err(|e| Failure::bad_input(e.to_string()))?;
    let stats = config_stats(&records);
    emit(&best_markdown(&best_configs(&stats)))?;
    for f in &files.files {
        eprintln!("wrote {}", f.display());
    }
    Ok(())
}
