//! Checkpoints in the library: a run stopped at any step, written to bytes,
//! read back and resumed ends byte-identical to the uninterrupted run, for
//! every optimizer; the reader refuses every corrupt, truncated or
//! inconsistent checkpoint with a typed error, without a panic and without
//! allocating more than its input.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use common::synthetic_dataset;
use dlr::checkpoint::{Checkpoint, CheckpointError, DataFingerprint};
use dlr::crc32::crc32;
use dlr::dataset::Dataset;
use dlr::network::Network;
use dlr::optim::{AdamParams, LayerUpdate, Optimizer, OptimizerKind, Sgd, SgdParams, RESYNC_EVERY};
use dlr::train::{train, TrainConfig, TrainReport, Trainer};

// ---------------------------------------------------------------------------
// Allocation counter (per thread: tests run on parallel threads).

struct CountingAlloc;

thread_local! {
    static BYTES_ALLOCATED: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards every call to `System` unchanged; it only adds a counter.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = BYTES_ALLOCATED.try_with(|n| n.set(n.get().saturating_add(layout.size())));
        // SAFETY: the caller upholds `alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

fn bytes_allocated_by<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = BYTES_ALLOCATED.with(Cell::get);
    let out = f();
    (out, BYTES_ALLOCATED.with(Cell::get) - before)
}

// ---------------------------------------------------------------------------

struct Setup {
    train_set: Dataset,
    test_set: Dataset,
}

fn setup() -> Setup {
    Setup {
        train_set: synthetic_dataset(300, 6, 6, 1),
        test_set: synthetic_dataset(60, 6, 6, 2),
    }
}

fn config(batch: usize, max_epochs: f64) -> TrainConfig {
    TrainConfig {
        // Out of reach, so every run spends its whole budget.
        target: 2.0,
        max_epochs,
        eval_every: 70,
        batch,
        seed: 5,
        eval_threads: 1,
    }
}

fn fresh(kind: OptimizerKind) -> (Network, Optimizer) {
    let net = Network::new(&[36, 12, 10], 9);
    let opt = Optimizer::tuned(net.layers(), kind);
    (net, opt)
}

/// A checkpoint's bytes with the wall-clock fields zeroed, to compare states.
fn state_bytes(mut ck: Checkpoint) -> Vec<u8> {
    ck.progress.train_seconds = 0.0;
    ck.progress.eval_seconds = 0.0;
    ck.to_bytes()
}

/// The report without its timings.
fn outcome(r: &TrainReport) -> (bool, u64, Option<u64>, Vec<(u64, f64)>, f64) {
    (
        r.reached,
        r.samples,
        r.diverged_at,
        r.history.clone(),
        r.test_accuracy,
    )
}

/// Runs to the end, stopping at each of `stops` (samples) to go through
/// bytes and a fresh trainer. Returns the final model, state and report.
fn run_with_stops(
    s: &Setup,
    kind: OptimizerKind,
    cfg: &TrainConfig,
    stops: &[u64],
) -> (Vec<u8>, Vec<u8>, TrainReport) {
    let (net, opt) = fresh(kind);
    let mut trainer = Trainer::new(net, opt, &s.train_set, &s.test_set, cfg);
    for &stop in stops {
        trainer.run_until(stop, |_| {});
        let bytes = trainer.checkpoint().expect("finite weights").to_bytes();
        drop(trainer);
        let ck = Checkpoint::from_bytes(&bytes).expect("a checkpoint reads back");
        trainer = Trainer::from_checkpoint(ck, &s.train_set, &s.test_set).expect("same data");
        trainer.set_eval(cfg.eval_every, cfg.eval_threads);
    }
    trainer.run(|_| {});
    let state = state_bytes(trainer.checkpoint().expect("finite"));
    let (net, _, report) = trainer.into_parts();
    (net.to_bytes(), state, report)
}

#[test]
fn resuming_from_bytes_anywhere_gives_the_uninterrupted_run() {
    common::force_requested_path();
    let s = setup();
    for kind in OptimizerKind::ALL {
        for batch in [1, 7] {
            let cfg = config(batch, 2.5);
            let (net0, state0, report0) = run_with_stops(&s, kind, &cfg, &[]);
            // Stops inside an epoch, at its end (300), across a mini-batch
            // cut by the epoch's end, and after the end of the budget.
            let stops = [1, 2, 149, 300, 301, 455, 600, 749, 10_000];
            let (net1, state1, report1) = run_with_stops(&s, kind, &cfg, &stops);
            assert_eq!(net0, net1, "{kind} batch {batch}: model differs");
            assert_eq!(state0, state1, "{kind} batch {batch}: state differs");
            assert_eq!(outcome(&report0), outcome(&report1), "{kind} batch {batch}");
            assert_eq!(report0.samples, 750);
            // The plain `train` wrapper runs the same steps.
            let (mut net, mut opt) = fresh(kind);
            let report = train(&mut net, &mut opt, &s.train_set, &s.test_set, &cfg, |_| {});
            assert_eq!(
                net.to_bytes(),
                net0,
                "{kind} batch {batch}: train() differs"
            );
            assert_eq!(outcome(&report), outcome(&report0));
        }
    }
}

#[test]
fn dlr_post_resumes_exactly_across_its_resync_schedule() {
    common::force_requested_path();
    // Eq. 3 recomputes its column sums every RESYNC_EVERY steps; a resume
    // just before, at and after such a step must not move that schedule.
    let s = setup();
    let cfg = config(1, 7.0);
    let r = RESYNC_EVERY;
    let (net0, state0, _) = run_with_stops(&s, OptimizerKind::DlrPost, &cfg, &[]);
    let stops = [r - 1, r, r + 1, 2 * r - 1, 2 * r];
    let (net1, state1, _) = run_with_stops(&s, OptimizerKind::DlrPost, &cfg, &stops);
    assert_eq!(net0, net1);
    assert_eq!(state0, state1);
}

#[test]
fn a_resume_that_recomputed_the_norm_cache_would_be_caught() {
    common::force_requested_path();
    // The test above can fail: rebuilding DLR's cache from the weights (as
    // `Optimizer::new` would) instead of restoring it changes the run.
    let s = setup();
    let cfg = config(1, 7.0);
    let (net0, _, _) = run_with_stops(&s, OptimizerKind::DlrPost, &cfg, &[]);
    let (net, opt) = fresh(OptimizerKind::DlrPost);
    let mut trainer = Trainer::new(net, opt, &s.train_set, &s.test_set, &cfg);
    trainer.run_until(RESYNC_EVERY / 2 + 3, |_| {});
    let mut ck = trainer.checkpoint().unwrap();
    ck.opt = Optimizer::new(ck.net.layers(), ck.opt.params()).unwrap();
    let mut trainer = Trainer::from_checkpoint(ck, &s.train_set, &s.test_set).unwrap();
    trainer.run(|_| {});
    assert_ne!(trainer.network().to_bytes(), net0);
}

#[test]
fn eval_every_and_stops_never_change_the_weights() {
    common::force_requested_path();
    let s = setup();
    let base = run_with_stops(&s, OptimizerKind::Adam, &config(1, 1.5), &[]).0;
    for eval_every in [0, 1, 33, 1000] {
        let cfg = TrainConfig {
            eval_every,
            ..config(1, 1.5)
        };
        let (net, _, report) = run_with_stops(&s, OptimizerKind::Adam, &cfg, &[77, 78, 300]);
        assert_eq!(net, base, "eval_every {eval_every}");
        let evals = if eval_every == 0 {
            1
        } else {
            450usize.div_ceil(eval_every)
        };
        assert_eq!(report.history.len(), evals, "eval_every {eval_every}");
    }
}

#[test]
fn a_finished_run_resumes_as_finished() {
    common::force_requested_path();
    let s = setup();
    let cfg = TrainConfig {
        target: 0.3,
        ..config(1, 3.0)
    };
    let (net, opt) = fresh(OptimizerKind::Dlr);
    let mut trainer = Trainer::new(net, opt, &s.train_set, &s.test_set, &cfg);
    trainer.run(|_| {});
    assert!(trainer.is_finished());
    let report = trainer.report();
    assert!(report.reached, "{report:?}");
    let bytes = trainer.checkpoint().unwrap().to_bytes();
    let ck = Checkpoint::from_bytes(&bytes).unwrap();
    let mut resumed = Trainer::from_checkpoint(ck, &s.train_set, &s.test_set).unwrap();
    assert!(resumed.is_finished());
    assert!(!resumed.run_until(u64::MAX, |_| {}));
    assert_eq!(resumed.network(), trainer.network());
    assert_eq!(outcome(&resumed.report()), outcome(&report));
}

/// A checkpoint of a short DLR run on `setup()`'s data, mid-epoch.
fn sample_checkpoint(s: &Setup, kind: OptimizerKind) -> Checkpoint {
    let (net, opt) = fresh(kind);
    let mut trainer = Trainer::new(net, opt, &s.train_set, &s.test_set, &config(1, 2.0));
    trainer.run_until(437, |_| {});
    trainer.checkpoint().unwrap()
}

#[test]
fn checkpoints_round_trip_byte_for_byte() {
    common::force_requested_path();
    let s = setup();
    for kind in OptimizerKind::ALL {
        let bytes = sample_checkpoint(&s, kind).to_bytes();
        let again = Checkpoint::from_bytes(&bytes).unwrap().to_bytes();
        assert_eq!(bytes, again, "{kind}");
        assert_eq!(&bytes[..8], b"DLRCKPT\0");
        assert_eq!(u32::from_le_bytes(bytes[8..12].try_into().unwrap()), 1);
    }
}

#[test]
fn every_truncation_is_rejected() {
    common::force_requested_path();
    let s = setup();
    for kind in [OptimizerKind::Nesterov, OptimizerKind::DlrPost] {
        let bytes = sample_checkpoint(&s, kind).to_bytes();
        for len in 0..bytes.len() {
            let err = Checkpoint::from_bytes(&bytes[..len]).expect_err("a truncated checkpoint");
            // A prefix may end inside the embedded model, whose reader sees
            // its own truncation, or leave a length that no longer fits.
            assert!(
                matches!(
                    err,
                    CheckpointError::Truncated
                        | CheckpointError::BadMagic
                        | CheckpointError::Model(_)
                ),
                "{kind} len {len}: {err:?}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(
            Checkpoint::from_bytes(&longer).unwrap_err(),
            CheckpointError::TrailingBytes
        );
    }
}

#[test]
fn every_bit_flip_is_rejected() {
    common::force_requested_path();
    let s = setup();
    let bytes = sample_checkpoint(&s, OptimizerKind::Adam).to_bytes();
    // Every bit of the header, the options and the last kilobyte; every
    // 97th bit elsewhere (the CRC-32 catches any single-bit error anyway).
    let n_bits = bytes.len() * 8;
    let bits = (0..n_bits).filter(|&b| b < 1024 || b + 8192 >= n_bits || b % 97 == 0);
    for bit in bits {
        let mut bad = bytes.clone();
        bad[bit / 8] ^= 1 << (bit % 8);
        assert!(
            Checkpoint::from_bytes(&bad).is_err(),
            "flipping bit {bit} went unnoticed"
        );
    }
}

/// A change made to a checkpoint.
type Change = dyn Fn(&mut Checkpoint);

/// `ck` as bytes, its fields checked only by the reader's consistency
/// checks (the checksum is the right one).
fn reread(ck: &Checkpoint) -> Result<Checkpoint, CheckpointError> {
    Checkpoint::from_bytes(&ck.to_bytes())
}

#[test]
fn inconsistent_fields_are_rejected_even_with_a_good_checksum() {
    common::force_requested_path();
    let s = setup();
    let good = sample_checkpoint(&s, OptimizerKind::Dlr);
    assert!(reread(&good).is_ok());
    let bad_field = |what: &str, f: &dyn Fn(&mut Checkpoint)| {
        let mut ck = good.clone();
        f(&mut ck);
        let err = reread(&ck).expect_err(what);
        assert!(
            matches!(
                err,
                CheckpointError::BadField(_) | CheckpointError::NonFiniteWeights
            ),
            "{what}: {err:?}"
        );
        assert!(!err.to_string().contains('\n'));
    };
    bad_field("repeated index", &|ck| {
        ck.progress.order[3] = ck.progress.order[4];
    });
    bad_field("index out of range", &|ck| {
        ck.progress.order[0] = 300;
    });
    bad_field("short order", &|ck| {
        ck.progress.order.pop();
    });
    bad_field("position past the end", &|ck| ck.progress.pos = 301);
    bad_field("next eval", &|ck| ck.progress.next_eval += 1);
    bad_field("even generator state", &|ck| ck.progress.rng_state = 2);
    bad_field("negative rate", &|ck| {
        // A rate no constructor accepts, set as a schedule would.
        let mut sgd = Sgd::new(ck.net.layers(), SgdParams::default()).unwrap();
        sgd.set_learning_rate(-1.0);
        ck.opt = Optimizer::Sgd(sgd)
    });
    bad_field("batch 0", &|ck| ck.config.batch = 0);
    bad_field("infinite budget", &|ck| {
        ck.config.max_epochs = f64::INFINITY
    });
    bad_field("NaN weight", &|ck| ck.net.layers_mut()[1].w[5] = f32::NAN);
    bad_field("infinite weight", &|ck| {
        ck.net.layers_mut()[0].w[0] = f32::NEG_INFINITY
    });
    // An unknown optimizer code and a flag that is neither 0 nor 1, with
    // the checksum recomputed.
    let bytes = good.to_bytes();
    let resealed = |at: usize, value: u8| {
        let mut b = bytes.clone();
        b[at] = value;
        let end = b.len() - 4;
        let crc = crc32(&b[..end]);
        b[end..].copy_from_slice(&crc.to_le_bytes());
        Checkpoint::from_bytes(&b)
    };
    assert_eq!(
        resealed(12, 6).unwrap_err(),
        CheckpointError::BadField("optimizer")
    );
    let reached_at = bytes.len() - 4 - 8 - 16 * good.progress.history.len() - 24 - 1;
    assert!(resealed(reached_at, 1).is_ok());
    assert_eq!(
        resealed(reached_at, 2).unwrap_err(),
        CheckpointError::BadField("flag")
    );
    assert_eq!(
        resealed(8, 2).unwrap_err(),
        CheckpointError::UnsupportedVersion(2)
    );
    assert_eq!(resealed(0, b'X').unwrap_err(), CheckpointError::BadMagic);
}

#[test]
fn a_checkpoint_refuses_other_data_and_other_shapes() {
    common::force_requested_path();
    let s = setup();
    let ck = sample_checkpoint(&s, OptimizerKind::Dlr);
    let other_train = synthetic_dataset(300, 6, 6, 7);
    let err = Trainer::from_checkpoint(ck.clone(), &other_train, &s.test_set).unwrap_err();
    assert_eq!(err, CheckpointError::OtherData("training set"));
    let fewer = s.train_set.truncated(299);
    let err = Trainer::from_checkpoint(ck.clone(), &fewer, &s.test_set).unwrap_err();
    assert_eq!(err, CheckpointError::OtherData("training set"));
    let other_test = synthetic_dataset(60, 6, 6, 8);
    let err = Trainer::from_checkpoint(ck.clone(), &s.train_set, &other_test).unwrap_err();
    assert_eq!(err, CheckpointError::OtherData("test set"));
    // A network that does not fit the images or the labels, with a
    // fingerprint that claims the data.
    for sizes in [&[35usize, 12, 10][..], &[36, 12, 9]] {
        let mut bad = ck.clone();
        bad.net = Network::new(sizes, 1);
        bad.opt = Optimizer::tuned(bad.net.layers(), OptimizerKind::Dlr);
        let bad = reread(&bad).expect("consistent by itself");
        let err = Trainer::from_checkpoint(bad, &s.train_set, &s.test_set).unwrap_err();
        assert!(
            matches!(err, CheckpointError::OtherData(_)),
            "{sizes:?}: {err:?}"
        );
    }
    // Counters that would overflow as the run goes on: read, not resumed.
    const MAX: u64 = dlr::checkpoint::MAX_COUNT;
    let mut at_limit = ck.clone();
    at_limit.progress.steps = MAX;
    assert!(
        Trainer::from_checkpoint(reread(&at_limit).unwrap(), &s.train_set, &s.test_set).is_ok()
    );
    let changes: [(&str, &Change); 3] = [
        ("steps", &|c: &mut Checkpoint| c.progress.steps = u64::MAX),
        ("samples", &|c: &mut Checkpoint| {
            c.progress.samples = MAX + 1;
            c.progress.next_eval = dlr::checkpoint::next_eval_after(MAX + 1, 70);
        }),
        ("DLR's steps", &|c: &mut Checkpoint| {
            let mut bytes = c.to_bytes();
            // DLR's step count follows the model: header 12, options 69,
            // data 32, the model's length 8, the model.
            let at = 12 + 69 + 32 + 8 + c.net.to_bytes().len();
            assert_eq!(bytes[at..at + 8], c.progress.steps.to_le_bytes());
            bytes[at..at + 8].copy_from_slice(&(MAX + 1).to_le_bytes());
            let end = bytes.len() - 4;
            let crc = crc32(&bytes[..end]);
            bytes[end..].copy_from_slice(&crc.to_le_bytes());
            *c = Checkpoint::from_bytes(&bytes).unwrap();
        }),
    ];
    for (what, f) in changes {
        let mut bad = ck.clone();
        f(&mut bad);
        let bad = reread(&bad).expect("the reader takes any count");
        let err = Trainer::from_checkpoint(bad, &s.train_set, &s.test_set).unwrap_err();
        assert_eq!(err, CheckpointError::BadField("counters"), "{what}");
    }
    assert_eq!(
        DataFingerprint::of(&s.train_set, &s.test_set),
        ck.data,
        "the fingerprint is of the data it was made on"
    );
}

#[test]
fn huge_declared_lengths_fail_without_allocating() {
    common::force_requested_path();
    let s = setup();
    let good = sample_checkpoint(&s, OptimizerKind::Sgd);
    // Declare a training set of 2^40 images: the order's length must match
    // it, and the bytes for it are not there.
    let mut ck = good.clone();
    ck.data.train_len = 1 << 40;
    let mut bytes = ck.to_bytes();
    let n_at = bytes
        .windows(8)
        .rposition(|w| w == 300u64.to_le_bytes())
        .expect("the order's length");
    bytes[n_at..n_at + 8].copy_from_slice(&(1u64 << 40).to_le_bytes());
    let (result, allocated) = bytes_allocated_by(|| Checkpoint::from_bytes(&bytes).map(|_| ()));
    assert_eq!(result.unwrap_err(), CheckpointError::Truncated);
    assert!(
        allocated < 4 * bytes.len(),
        "allocated {allocated} bytes for {} bytes of input",
        bytes.len()
    );
    // A model length of 2^64 − 1.
    let model_at = 12 + 1 + 24 + 8 + 4 + 8 + 8 + 8 + 8 + 8 + 4 + 4 + 4 + 8 + 4;
    let mut bytes = good.to_bytes();
    assert_eq!(
        u64::from_le_bytes(bytes[model_at..model_at + 8].try_into().unwrap()),
        good.net.to_bytes().len() as u64,
        "the model's length field"
    );
    bytes[model_at..model_at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
    let (result, allocated) = bytes_allocated_by(|| Checkpoint::from_bytes(&bytes).map(|_| ()));
    assert_eq!(result.unwrap_err(), CheckpointError::Truncated);
    assert!(allocated < 1024, "allocated {allocated} bytes");
}

#[test]
fn a_diverged_run_makes_no_checkpoint() {
    common::force_requested_path();
    let s = setup();
    // ε = 0 makes Adam divide 0 by 0 on the first weight with no gradient.
    let params = AdamParams {
        eps: 0.0,
        ..AdamParams::default()
    };
    let net = Network::new(&[36, 12, 10], 9);
    let opt = Optimizer::new(net.layers(), params.into()).unwrap();
    let mut trainer = Trainer::new(
        net,
        opt,
        &s.train_set,
        &s.test_set,
        &config_for_divergence(),
    );
    assert!(trainer.checkpoint().is_some(), "the start is finite");
    trainer.run(|_| {});
    let report = trainer.report();
    assert!(report.diverged_at.is_some(), "{report:?}");
    assert!(trainer.is_finished());
    assert!(trainer.checkpoint().is_none());
}

fn config_for_divergence() -> TrainConfig {
    config(1, 1.0)
}

#[test]
fn the_generator_state_continues_rand_pcgs_stream_exactly() {
    common::force_requested_path();
    use rand_core::{Rng as _, SeedableRng};
    for seed in [0, 1, 5, 0x5DEE_CE66_D1CE_5EED, u64::MAX] {
        let mut ours = dlr::rng::Rng::new(seed);
        let mut theirs = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
        for _ in 0..1000 {
            assert_eq!(ours.next_u64(), theirs.next_u64(), "seed {seed}");
        }
        // Saved and restored mid-stream, it goes on with the same numbers.
        let state = ours.state();
        assert_eq!(state, theirs.state());
        let mut restored = dlr::rng::Rng::from_state(state).expect("an odd state");
        for _ in 0..1000 {
            let x = theirs.next_u64();
            assert_eq!(ours.next_u64(), x);
            assert_eq!(restored.next_u64(), x);
        }
    }
    assert!(dlr::rng::Rng::from_state(2).is_none(), "states are odd");
}
