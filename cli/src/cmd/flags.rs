//! The flags several commands share, each group a struct that the commands
//! take with `#[command(flatten)]`, so that a flag's name, help and checks
//! are written once: the data directory ([`DataArgs`]), the SIMD path of
//! the kernels ([`SimdArgs`], and [`BenchSimdArgs`] for `bench`'s list),
//! the pool of trainings ([`JobsArgs`]), and the optimizer names
//! ([`parse_kind`]).
//!
//! `DLR_SIMD` reaches the library only through here: clap reads it as the
//! default of `--simd` (its `env`), so a command without `--simd` (`fetch`,
//! `report`, which run no kernel) never reads it, and a value given on the
//! command line wins over it.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use clap::builder::TypedValueParser;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::parser::ValueSource;
use clap::Args;
use dlr::mnist::Mnist;
use dlr::optim::OptimizerKind;
use dlr::simd::SimdPath;
use dlr_cli::jobs::jobs_or_cores;

use super::{check_threads, interactive, Failure};

/// The environment variable that gives `--simd` when the flag is absent.
const SIMD_VAR: &str = "DLR_SIMD";

/// Parses an optimizer name (`--optimizer`, `--optimizers`).
pub fn parse_kind(s: &str) -> Result<OptimizerKind, String> {
    OptimizerKind::from_name(s).ok_or_else(|| {
        let names: Vec<_> = OptimizerKind::ALL.iter().map(|k| k.name()).collect();
        format!(
            "unknown optimizer '{s}' (expected one of: {})",
            names.join(", ")
        )
    })
}

/// Where the data is: `--data`.
#[derive(Args, Debug)]
pub struct DataArgs {
    /// Directory with the four IDX files (else $DLR_DATA, else data/mnist).
    #[arg(long)]
    data: Option<PathBuf>,
}

impl DataArgs {
    /// The directory `--data` names, if it is given.
    pub fn dir(&self) -> Option<&Path> {
        self.data.as_deref()
    }

    /// Loads the data (downloading MNIST into data/mnist when no directory
    /// is given and nothing is there).
    pub fn load(&self) -> Result<Mnist, Failure> {
        dlr_cli::fetch::load(self.dir(), interactive())
            .map_err(|e| Failure::bad_input(e.to_string()))
    }

    /// Loads the data, refusing a training or test set without images:
    /// there would be nothing to train on, or no accuracy to report.
    pub fn load_nonempty(&self) -> Result<Mnist, Failure> {
        let mnist = self.load()?;
        let (dir, _) = dlr::mnist::resolve_data_dir(self.dir());
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

    /// [`DataArgs::load_nonempty`], with `classes` output units (`--classes`)
    /// when given.
    pub fn load_with_classes(&self, classes: Option<usize>) -> Result<Mnist, Failure> {
        let mut mnist = self.load_nonempty()?;
        if let Some(classes) = classes {
            let (dir, _) = dlr::mnist::resolve_data_dir(self.dir());
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
}

/// The pool of trainings of `sweep` and `repro`: `--jobs`.
#[derive(Args, Debug)]
pub struct JobsArgs {
    /// Concurrent trainings (threads), 0 = one per core.
    #[arg(long, default_value_t = 0)]
    jobs: usize,
}

impl JobsArgs {
    /// The number of threads, checked.
    pub fn threads(&self) -> Result<usize, Failure> {
        check_threads(self.jobs, "--jobs")?;
        Ok(jobs_or_cores(self.jobs))
    }
}

/// The SIMD path of the kernels: `--simd`, else `$DLR_SIMD`.
#[derive(Args, Debug)]
pub struct SimdArgs {
    /// SIMD path of the kernels: scalar, sse2, avx2, avx512, neon or
    /// simd128 (default: $DLR_SIMD, else the best this CPU has).
    #[arg(long, value_name = "PATH", env = SIMD_VAR, hide_env = true, value_parser = PathParser)]
    simd: Option<SimdPath>,
}

impl SimdArgs {
    /// Runs the kernels on the path asked for, if any (else on the best).
    pub fn apply(&self) -> Result<(), Failure> {
        match self.simd {
            Some(path) => force(path),
            None => Ok(()),
        }
    }
}

/// The SIMD paths `dlr bench` measures: `--simd LIST`, else `$DLR_SIMD`.
#[derive(Args, Debug)]
pub struct BenchSimdArgs {
    /// SIMD paths to measure, comma-separated (scalar, sse2, avx2, avx512,
    /// neon, simd128), or `all` for every path this CPU has
    /// (default: $DLR_SIMD, else the best this CPU has).
    #[arg(
        long,
        value_name = "PATHS",
        value_delimiter = ',',
        env = SIMD_VAR,
        hide_env = true,
        value_parser = PathListParser
    )]
    simd: Vec<PathChoice>,
}

impl BenchSimdArgs {
    /// The paths to measure, in order: the best one when none is named,
    /// every path this CPU has for `all`. Every name but `all` was checked
    /// while parsing, with it or not: `all,neon` on a machine without NEON
    /// fails as `neon` alone does.
    pub fn paths(&self) -> Vec<SimdPath> {
        if self.simd.is_empty() {
            vec![dlr::simd::best_path()]
        } else if self.simd.contains(&PathChoice::All) {
            dlr::simd::available_paths()
        } else {
            self.simd
                .iter()
                .filter_map(|choice| match choice {
                    PathChoice::One(path) => Some(*path),
                    PathChoice::All => None,
                })
                .collect()
        }
    }
}

/// Runs the kernels on `path` from now on.
pub fn force(path: SimdPath) -> Result<(), Failure> {
    dlr::simd::force_path(path).map_err(|e| Failure::bad_input(format!("--simd: {e}")))
}

/// One entry of `bench --simd`.
#[derive(Clone, Copy, Debug, PartialEq)]
enum PathChoice {
    /// `all`: every path this CPU has.
    All,
    /// One path, which this CPU has.
    One(SimdPath),
}

/// The path named `value`, which this CPU must have. An error names where
/// the value came from (`--simd` or `DLR_SIMD`) and is one line. An empty
/// `DLR_SIMD` asks for nothing: the best path.
fn named_path(value: &OsStr, source: ValueSource) -> Result<SimdPath, clap::Error> {
    let name = value.to_string_lossy();
    if source == ValueSource::EnvVariable && name.is_empty() {
        return Ok(dlr::simd::best_path());
    }
    dlr::simd::parse_path(&name).map_err(|e| {
        let origin = match source {
            ValueSource::EnvVariable => SIMD_VAR,
            _ => "--simd",
        };
        whole_line_error(format!("{origin}: {e}"))
    })
}

/// A usage error whose message is the whole line to print (it names the
/// flag or variable and the value): clap's rendering of it would add
/// nothing, and `main` prints it as it is ([`whole_line`]).
fn whole_line_error(line: String) -> clap::Error {
    let mut e = clap::Error::raw(ErrorKind::ValueValidation, &line);
    e.insert(ContextKind::Custom, ContextValue::String(line));
    e
}

/// The line of a usage error made by [`whole_line_error`].
pub fn whole_line(e: &clap::Error) -> Option<&str> {
    match e.get(ContextKind::Custom) {
        Some(ContextValue::String(line)) => Some(line),
        _ => None,
    }
}

/// `--simd PATH` (and `DLR_SIMD`): [`named_path`].
#[derive(Clone)]
struct PathParser;

impl TypedValueParser for PathParser {
    type Value = SimdPath;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<SimdPath, clap::Error> {
        self.parse_ref_(cmd, arg, value, ValueSource::CommandLine)
    }

    fn parse_ref_(
        &self,
        _cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &OsStr,
        source: ValueSource,
    ) -> Result<SimdPath, clap::Error> {
        named_path(value, source)
    }
}

/// One entry of `bench --simd LIST` (and of `DLR_SIMD` there): `all` or
/// [`named_path`].
#[derive(Clone)]
struct PathListParser;

impl TypedValueParser for PathListParser {
    type Value = PathChoice;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<PathChoice, clap::Error> {
        self.parse_ref_(cmd, arg, value, ValueSource::CommandLine)
    }

    fn parse_ref_(
        &self,
        _cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &OsStr,
        source: ValueSource,
    ) -> Result<PathChoice, clap::Error> {
        if value == "all" {
            return Ok(PathChoice::All);
        }
        named_path(value, source).map(PathChoice::One)
    }
}
