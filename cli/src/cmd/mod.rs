//! The commands of the `dlr` program, one module each, with the flags they
//! share in [`flags`], and what every command needs: a failure as one line
//! and an exit code, and output that never panics.

use std::io::Write;

use dlr_cli::one_line;

/// `println!` through [`emit`], returning its failure from the function.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cmd::emit(&format!("{}\n", format_args!($($arg)*)))?
    };
}

pub mod bench;
pub mod eval;
pub mod fetch;
pub mod flags;
pub mod report;
pub mod repro;
pub mod sweep;
pub mod train;

/// Exit code for bad usage or bad input.
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit code for a diverged training run.
pub const EXIT_DIVERGED: u8 = 3;

/// A failure to report: one line on stderr and an exit code.
pub struct Failure {
    /// The exit code.
    pub code: u8,
    /// The line, without the `dlr: ` prefix; empty for nothing to say.
    pub message: String,
}

impl Failure {
    /// Bad usage or bad input (exit 2).
    pub fn bad_input(message: impl Into<String>) -> Self {
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
pub fn emit(text: &str) -> Result<(), Failure> {
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

/// Whether standard error is a terminal: progress is drawn there only then.
pub fn interactive() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal()
}

/// The most threads `--eval-threads` and `--jobs` may ask for: far more than
/// any machine this runs on has cores, and few enough that the system can
/// always start them (each takes a stack).
const MAX_THREADS: usize = 1024;

/// Refuses more than [`MAX_THREADS`] threads for `flag`.
pub fn check_threads(n: usize, flag: &str) -> Result<(), Failure> {
    if n > MAX_THREADS {
        return Err(Failure::bad_input(format!(
            "{flag} must be at most {MAX_THREADS} (got {n}; 0 means one per core)"
        )));
    }
    Ok(())
}
