//! Running a sweep: the runs its results file lacks, trained on a pool of
//! threads, each line appended as its run ends.

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use dlr::dataset::Dataset;
use dlr::train::{RunSpec, TrainReport, Trainer};

use super::results::{check_out_path, open_results, result_line, WriterLock};
use super::{err, RunRecord, SweepError};

/// Checks every network of `runs`, as [`Trainer::for_run`] would build it
/// on `train_set` and `test_set`, against [`crate::check_network_size`],
/// before any of them is built.
pub fn check_networks(
    runs: &[RunSpec],
    train_set: &Dataset,
    test_set: &Dataset,
) -> Result<(), SweepError> {
    let classes = Dataset::output_units(train_set, test_set, 0);
    let mut seen = HashSet::new();
    for run in runs.iter().filter(|run| seen.insert(&run.hidden)) {
        crate::check_network_size(&run.layers(train_set.pixels(), classes)).map_err(SweepError)?;
    }
    Ok(())
}

/// How to run a sweep.
#[derive(Clone, Debug)]
pub struct SweepOptions {
    /// Concurrent trainings (threads).
    pub jobs: usize,
    /// Threads that evaluate the test set inside each training.
    pub eval_threads: usize,
    /// Where the result lines go (appended).
    pub out: PathBuf,
}

/// What a sweep did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SweepSummary {
    /// Runs in the shard.
    pub total: usize,
    /// Runs the file already held.
    pub skipped: usize,
    /// Runs trained and written now.
    pub done: usize,
    /// Of those, runs that diverged.
    pub diverged: usize,
    /// Of those, runs that reached the target.
    pub reached: usize,
}

/// Runs every run of `runs` that `opts.out` does not hold yet, `opts.jobs`
/// at a time, appending one line per finished run. Before anything is
/// trained or written, every network is checked ([`check_networks`]), then
/// `opts.out` ([`check_out_path`]), its lock taken ([`WriterLock`]) and the
/// whole file checked ([`open_results`]). `on_done(line_text)` is
/// called after each line is on disk (for progress).
pub fn run_sweep(
    name: &str,
    runs: &[RunSpec],
    train_set: &Dataset,
    test_set: &Dataset,
    opts: &SweepOptions,
    on_done: impl Fn(usize, usize, &RunSpec, &TrainReport) + Sync,
) -> Result<SweepSummary, SweepError> {
    // Everything that can be checked is, before the file or its lock is
    // touched: the networks, then what --out is.
    check_networks(runs, train_set, test_set)?;
    check_out_path(&opts.out)?;
    // Declared before the file, so dropped after it: the lock file goes
    // once the results file is closed.
    let _lock = WriterLock::acquire(&opts.out)?;
    let (file, done) = open_results(&opts.out)?;
    let pending: Vec<&RunSpec> = runs.iter().filter(|r| !done.contains(&r.key())).collect();
    let mut summary = SweepSummary {
        total: runs.len(),
        skipped: runs.len() - pending.len(),
        ..SweepSummary::default()
    };
    let file = Mutex::new(file);
    let finished = AtomicUsize::new(0);
    let counts = Mutex::new((0usize, 0usize, 0usize));
    crate::jobs::try_for_each(&pending, opts.jobs, |_, run| {
        let (layers, report) = train_one(run, train_set, test_set, opts.eval_threads)?;
        let line = result_line(name, run, &layers, &report);
        {
            let mut f = file.lock().unwrap_or_else(|p| p.into_inner());
            f.write_all(line.as_bytes())
                .and_then(|()| f.sync_data())
                .or_else(|e| err(format!("{}: cannot write: {e}", opts.out.display())))?;
        }
        {
            let mut c = counts.lock().unwrap_or_else(|p| p.into_inner());
            c.0 += 1;
            c.1 += usize::from(report.diverged_at.is_some());
            c.2 += usize::from(report.reached);
        }
        let k = finished.fetch_add(1, Ordering::Relaxed) + 1;
        on_done(k, pending.len(), run, &report);
        Ok(())
    })?;
    let (done, diverged, reached) = counts.into_inner().unwrap_or_else(|p| p.into_inner());
    summary.done = done;
    summary.diverged = diverged;
    summary.reached = reached;
    Ok(summary)
}

/// Trains one run from its start and returns its layer sizes and report.
pub fn train_one(
    run: &RunSpec,
    train_set: &Dataset,
    test_set: &Dataset,
    eval_threads: usize,
) -> Result<(Vec<usize>, TrainReport), SweepError> {
    let mut trainer = Trainer::for_run(run, train_set, test_set, 0, eval_threads)
        .or_else(|e| err(format!("{}: {e}", run.key())))?;
    trainer.run(|_| {});
    let (net, _, report) = trainer.into_parts();
    Ok((net.sizes(), report))
}
