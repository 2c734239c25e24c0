//! `dlr fetch`: MNIST downloaded and verified.

use std::path::PathBuf;

use clap::Args;

use super::{emit, Failure};

/// The options of `dlr fetch`. No `--simd`: it runs no kernel, so it does
/// not read `DLR_SIMD` either.
#[derive(Args, Debug)]
pub struct FetchArgs {
    /// Directory to download into.
    #[arg(long, default_value = "data/mnist")]
    dir: PathBuf,
}

/// Runs `dlr fetch`.
pub fn run(args: &FetchArgs) -> Result<(), Failure> {
    dlr_cli::fetch::fetch(&args.dir, &dlr_cli::fetch::mirrors())
        .map_err(|e| Failure::bad_input(e.to_string()))?;
    emit(&format!("MNIST is in {}\n", args.dir.display()))
}
