//! Evaluation off the critical path: the test set (and the training set,
//! when its accuracy is measured) is evaluated on a copy of the weights
//! while training goes on.
//!
//! At each evaluation point the trainer keeps a [`Rewind`], everything it
//! needs to be back at that point, and hands the copied weights to the
//! evaluation threads as an [`EvalJob`] per set. Training goes on for the next
//! interval; at the next evaluation point (or at the end) the training
//! thread helps finish the job, takes its result, and records it exactly as
//! [`Trainer::step`] would have. When that evaluation stops the run (target
//! reached, or weights not finite), the trainer returns to the rewind point:
//! the steps taken since are thrown away, and the run ends with the bits a
//! step-by-step run ends with.
//!
//! At most one job is in flight, so at most one interval of training is
//! ever thrown away, and memory holds one extra copy of the state. A job is
//! cut into blocks of images that any thread takes from a shared counter;
//! the count of correct images is a sum of integers, the same whoever
//! counted which block.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::vec::Vec;

use super::{EvalPoint, Event, Next, Trainer};
use crate::dataset::LitImages;
use crate::network::{Network, Workspace};
use crate::optim::LayerUpdate;
use crate::rng::Rng;

/// Blocks an evaluation is cut into, so that two threads can share one.
const BLOCKS_PER_JOB: usize = 64;

/// One evaluation of a set of images (the test set's, or the training
/// set's), shared by the threads that work on it.
pub(super) struct EvalJob<'i> {
    net: Arc<Network>,
    images: &'i LitImages,
    // The next block to take.
    next: AtomicUsize,
    // Correct images so far and blocks finished.
    tally: Mutex<(usize, usize)>,
    finished: Condvar,
    blocks: usize,
    block_len: usize,
}

impl<'i> EvalJob<'i> {
    fn new(net: Arc<Network>, images: &'i LitImages) -> Self {
        let block_len = images.len().div_ceil(BLOCKS_PER_JOB).max(1);
        Self {
            net,
            images,
            next: AtomicUsize::new(0),
            tally: Mutex::new((0, 0)),
            finished: Condvar::new(),
            blocks: images.len().div_ceil(block_len),
            block_len,
        }
    }

    /// Takes blocks until none is left; `ws` must fit the network.
    fn work(&self, ws: &mut Workspace) {
        let images = self.images;
        loop {
            let block = self.next.fetch_add(1, Ordering::Relaxed);
            if block >= self.blocks {
                return;
            }
            let start = block * self.block_len;
            let end = (start + self.block_len).min(images.len());
            let correct = self.net.count_correct_lit(ws, images, start..end);
            let mut tally = lock(&self.tally);
            tally.0 += correct;
            tally.1 += 1;
            if tally.1 == self.blocks {
                self.finished.notify_all();
            }
        }
    }

    /// Helps with the blocks left, waits for the others', and returns the
    /// number of correct images.
    fn finish(&self, ws: &mut Workspace) -> usize {
        self.work(ws);
        let mut tally = lock(&self.tally);
        while tally.1 < self.blocks {
            tally = self
                .finished
                .wait(tally)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        tally.0
    }
}

/// A worker that panicked leaves the tally consistent (it is updated in
/// one place, after the count), so a poisoned lock is still good to read.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Everything a trainer needs to be back at an evaluation point. (The
/// report is not here: nothing after the point changes it before the
/// point's result is recorded.)
struct Rewind<O> {
    net: Arc<Network>,
    opt: O,
    rng: Rng,
    order: Vec<u32>,
    pos: usize,
    samples: u64,
    steps: u64,
    next_eval: u64,
    finite: bool,
}

/// The body of [`Trainer::run_until`] with evaluations overlapped on
/// `threads` threads in all (the caller's and `threads − 1` workers).
pub(super) fn run_until<O: LayerUpdate + Clone + Send>(
    trainer: &mut Trainer<'_, O>,
    until: u64,
    threads: usize,
    on_event: &mut impl FnMut(&Event),
) {
    let (test_set, train_set) = (trainer.test_set, trainer.train_set);
    let measure_train = trainer.measure_train;
    // Out of the trainer for the scope, so the threads can share them. The
    // first worker lists the lit pixels while training starts; whoever
    // needs them first waits for that.
    let owned = trainer
        .test_lit
        .take()
        .map_or_else(OnceLock::new, OnceLock::from);
    let owned_train = trainer
        .train_lit
        .take()
        .map_or_else(OnceLock::new, OnceLock::from);
    let (cell, train_cell) = (&owned, &owned_train);
    let lit = || cell.get_or_init(|| LitImages::new(test_set));
    let train_lit = || train_cell.get_or_init(|| LitImages::new(train_set));
    std::thread::scope(|scope| {
        let mut workers: Vec<Sender<Arc<EvalJob>>> = Vec::new();
        for _ in 1..threads {
            let (tx, rx): (_, Receiver<Arc<EvalJob>>) = channel();
            scope.spawn(move || {
                lit();
                if measure_train {
                    train_lit();
                }
                let mut ws: Option<Workspace> = None;
                for job in rx {
                    let ws = ws.get_or_insert_with(|| Workspace::new(&job.net));
                    job.work(ws);
                }
            });
            workers.push(tx);
        }
        let mut eval_ws = Workspace::new(&trainer.net);
        let mut pending: Option<Pending<O>> = None;
        while trainer.sched.samples < until {
            match trainer.train_one() {
                Next::Train => {}
                Next::Stop => break,
                Next::Evaluate => {
                    let rewind = Rewind {
                        net: Arc::new(trainer.net.clone()),
                        opt: trainer.opt.clone(),
                        rng: trainer.rng.clone(),
                        order: trainer.order.clone(),
                        pos: trainer.pos,
                        samples: trainer.sched.samples,
                        steps: trainer.sched.steps,
                        next_eval: trainer.sched.next_eval,
                        finite: trainer.net.is_finite(),
                    };
                    if let Some(done) = pending.take() {
                        if resolve(trainer, done, &mut eval_ws, on_event) {
                            break;
                        }
                    }
                    let job = Arc::new(EvalJob::new(rewind.net.clone(), lit()));
                    let train_job = measure_train
                        .then(|| Arc::new(EvalJob::new(rewind.net.clone(), train_lit())));
                    for worker in &workers {
                        // A worker that is gone (it panicked) leaves the
                        // jobs to the others and to this thread.
                        let _ = worker.send(job.clone());
                        if let Some(train_job) = &train_job {
                            let _ = worker.send(train_job.clone());
                        }
                    }
                    pending = Some(Pending {
                        job,
                        train_job,
                        rewind,
                    });
                }
            }
        }
        if let Some(done) = pending.take() {
            resolve(trainer, done, &mut eval_ws, on_event);
        }
        if trainer.sched.samples >= trainer.sched.total {
            trainer.sched.done = true;
        }
        // Closing the channels ends the workers; the scope joins them.
        drop(workers);
    });
    trainer.sched.report.train_seconds += trainer.clock.lap();
    trainer.test_lit = owned.into_inner();
    trainer.train_lit = owned_train.into_inner();
}

/// The evaluation in flight: the test set's job, the training set's when
/// it is measured, and the point they evaluate.
struct Pending<'i, O> {
    job: Arc<EvalJob<'i>>,
    train_job: Option<Arc<EvalJob<'i>>>,
    rewind: Rewind<O>,
}

/// Finishes `job`, records its result as [`Trainer::step`] would have at
/// its point, and goes back there when it stops the run. Returns whether
/// the run stops.
fn resolve<O: LayerUpdate + Clone>(
    trainer: &mut Trainer<'_, O>,
    Pending {
        job,
        train_job,
        rewind,
    }: Pending<'_, O>,
    ws: &mut Workspace,
    on_event: &mut impl FnMut(&Event),
) -> bool {
    trainer.sched.report.train_seconds += trainer.clock.lap();
    let accuracy = job.finish(ws) as f64 / job.images.len() as f64;
    let train_accuracy = train_job.map(|j| j.finish(ws) as f64 / j.images.len().max(1) as f64);
    trainer.sched.report.eval_seconds += trainer.clock.lap();
    drop(job);
    // A loss that diverged after this point never happened if this
    // evaluation stops the run first; `record_eval` sets what applies.
    let diverged_later = trainer.sched.report.diverged_at.take();
    let stop = trainer.record_eval(
        EvalPoint {
            samples: rewind.samples,
            steps: rewind.steps,
            accuracy,
            train_accuracy,
            finite: rewind.finite,
        },
        on_event,
    );
    if stop {
        trainer.net = Arc::unwrap_or_clone(rewind.net);
        trainer.opt = rewind.opt;
        trainer.rng = rewind.rng;
        trainer.order = rewind.order;
        trainer.pos = rewind.pos;
        trainer.sched.samples = rewind.samples;
        trainer.sched.steps = rewind.steps;
        trainer.sched.next_eval = rewind.next_eval;
    } else {
        trainer.sched.report.diverged_at = diverged_later;
    }
    stop
}
