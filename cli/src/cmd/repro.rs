//! `dlr repro`: the paper's figures, from sweeps to plots, on MNIST or any
//! IDX classification set.

use std::path::{Path, PathBuf};

use clap::Args;
use dlr::dataset::Dataset;
use dlr_cli::repro::ReproConfig;

use super::flags::{DataArgs, JobsArgs, SimdArgs};
use super::Failure;

/// The options of `dlr repro`.
#[derive(Args, Debug)]
#[command(allow_negative_numbers = true)]
pub struct ReproArgs {
    /// Small grids and few seeds: minutes instead of hours.
    #[arg(long)]
    quick: bool,
    /// Output directory (results are resumed from the JSONL files in it)
    /// [default: results/NAME].
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    jobs: JobsArgs,
    /// Only these figures, comma-separated (1, 2, 3) [default: 1,2,3; with --target, 1,2].
    #[arg(long, value_delimiter = ',')]
    figures: Option<Vec<u8>>,
    /// The test accuracy to reach, in (0, 1). Given, Fig. 1 and 2 run the
    /// protocol for any data set (every rule: presets any-fig1,
    /// any-fig2); without it, the paper's (its four rules and lazy Adam,
    /// 96 %).
    #[arg(long)]
    target: Option<f64>,
    /// The data set's name: the results folder's (results/NAME) and the
    /// headings' [default: the data folder's name].
    #[arg(long)]
    name: Option<String>,
    /// Output units (classes) the data set declares; a label at or above it
    /// is refused [default: the largest training label plus one].
    #[arg(long)]
    classes: Option<usize>,
    /// Fig. 1's grid: a preset (see `dlr sweep --list-presets`) or a grid file.
    #[arg(long)]
    fig1_grid: Option<String>,
    /// Fig. 2's grid: a preset or a grid file.
    #[arg(long)]
    fig2_grid: Option<String>,
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    simd: SimdArgs,
}

/// Runs `dlr repro`.
pub fn run(args: &ReproArgs) -> Result<(), Failure> {
    args.simd.apply()?;
    if let Some(t) = args.target {
        if !(t > 0.0 && t < 1.0) {
            return Err(Failure::bad_input(format!(
                "--target must be in (0, 1) (got {t})"
            )));
        }
    }
    let paper = args.target.is_none();
    let figures =
        args.figures
            .clone()
            .unwrap_or_else(|| if paper { vec![1, 2, 3] } else { vec![1, 2] });
    if let Some(f) = figures.iter().find(|f| !(1..=3).contains(*f)) {
        return Err(Failure::bad_input(format!(
            "--figures: there is no figure {f} (expected 1, 2, 3)"
        )));
    }
    if !paper && figures.contains(&3) {
        return Err(Failure::bad_input(
            "--figures 3 is the paper's MNIST protocol at 96 %: it takes no --target",
        ));
    }
    if args.classes == Some(0) || args.classes.is_some_and(|c| c > 256) {
        return Err(Failure::bad_input("--classes must be in 1..=256"));
    }
    if let Some(name) = &args.name {
        if name.is_empty() || name.contains(['/', '\\']) || name == "." || name == ".." {
            return Err(Failure::bad_input(format!(
                "--name must be a folder name, without separators (got '{name}')"
            )));
        }
    }
    let jobs = args.jobs.threads()?;
    let (dir, _) = dlr::mnist::resolve_data_dir(args.data.dir());
    let mnist = args.data.load_with_classes(args.classes)?;
    check_labels(&mnist.train, &mnist.test, &dir)?;
    let name = match &args.name {
        Some(name) => name.clone(),
        None => data_name(&dir),
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(&name));
    let mut config = ReproConfig::paper(out.clone(), args.quick, jobs, figures);
    config.grids = [args.fig1_grid.clone(), args.fig2_grid.clone()];
    if let Some(target) = args.target {
        config.target = target;
        config.name = name;
        config.paper = false;
    }
    dlr_cli::repro::run(&config, &mnist.train, &mnist.test, |msg| eprintln!("{msg}"))
        .map_err(|e| Failure::bad_input(e.to_string()))?;
    outln!("results in {}", out.display());
    Ok(())
}

/// The name of the data in `dir`: the folder's own name (`mnist` for
/// `data/mnist`), made absolute first so that `.` has one.
fn data_name(dir: &Path) -> String {
    let abs = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    abs.file_name()
        .map_or("data".into(), |n| n.to_string_lossy().into_owned())
}

/// Refuses a test set with a label the training set never has: no network
/// trained on it could answer that class.
fn check_labels(train: &Dataset, test: &Dataset, dir: &Path) -> Result<(), Failure> {
    if let Some((i, &label)) = test
        .labels()
        .iter()
        .enumerate()
        .find(|(_, &l)| l as usize >= train.classes())
    {
        return Err(Failure::bad_input(format!(
            "{}: test label {label} (image {i}) is not a class of the training set (classes 0..{})",
            dir.join(dlr::mnist::TEST_LABELS).display(),
            train.classes()
        )));
    }
    Ok(())
}
