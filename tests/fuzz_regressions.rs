//! Every input a fuzz target ever failed on (`tests/fuzz_regressions/`,
//! named `<target>-<what>`), replayed through that target's checks
//! (`fuzz/common/checks.rs`, the very code the targets run), plus what each
//! one must now give.

#[path = "../fuzz/common/checks.rs"]
mod checks;

use std::path::{Path, PathBuf};

use dlr::checkpoint::{Checkpoint, CheckpointError};
use dlr::train::Trainer;

fn regressions() -> Vec<(String, PathBuf)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let mut found: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("a directory entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, path)
        })
        .collect();
    found.sort();
    found
}

#[test]
fn every_recorded_fuzz_finding_passes_its_target_checks() {
    let found = regressions();
    assert!(!found.is_empty(), "no recorded findings");
    for (name, path) in found {
        let bytes = std::fs::read(&path).unwrap();
        let check: fn(&[u8]) = match name.split('-').next() {
            Some("idx_parse") => checks::idx_parse,
            Some("idx_gzip") => checks::idx_gzip,
            Some("model_load") => checks::model_load,
            Some("checkpoint_load") => checks::checkpoint_load,
            _ => panic!("{name}: no fuzz target of that name"),
        };
        let outcome = std::panic::catch_unwind(|| check(&bytes));
        assert!(outcome.is_ok(), "{name} fails its target's checks again");
    }
}

/// A recorded `checkpoint_load` input: the checkpoint bytes themselves.
fn checkpoint_input(name: &str) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    std::fs::read(dir.join(name)).unwrap()
}

#[test]
fn a_hyper_parameter_the_rule_does_not_read_must_have_its_default() {
    // DLR with an ε other than the default: accepted, it wrote back
    // differently (ε is not part of DLR's state). Now refused.
    let input = checkpoint_input("checkpoint_load-unused-hyper-parameter");
    assert_eq!(
        Checkpoint::from_bytes(&input).unwrap_err(),
        CheckpointError::BadField("unused hyper-parameter")
    );
}

#[test]
fn a_step_counter_at_its_limit_is_refused() {
    // The trainer's step counter near u64::MAX: accepted, it overflowed at
    // the first step of the resumed run. Now the trainer refuses it.
    let input = checkpoint_input("checkpoint_load-step-counter-overflow");
    let ck = Checkpoint::from_bytes(&input).expect("well formed");
    assert!(ck.progress.steps > u64::MAX - 10);
    let (train_set, test_set) = checks::checkpoint_data();
    let err = Trainer::from_checkpoint(ck, train_set, test_set).unwrap_err();
    assert_eq!(err, CheckpointError::BadField("counters"));
}

#[test]
fn a_trainer_near_the_count_limit_writes_a_checkpoint_that_reads_back() {
    // Step counter just under the limit the reader had: accepted, resumed
    // for 25 samples, and the new checkpoint was refused by the reader. The
    // reader now takes any count; only resuming is limited.
    let input = checkpoint_input("checkpoint_load-count-limit-reread");
    let ck = Checkpoint::from_bytes(&input).expect("well formed");
    let (train_set, test_set) = checks::checkpoint_data();
    let mut trainer = Trainer::from_checkpoint(ck, train_set, test_set).expect("resumable");
    let before = trainer.steps();
    trainer.run_until(trainer.samples() + 25, |_| {});
    let again = trainer.checkpoint().expect("finite").to_bytes();
    let reread = Checkpoint::from_bytes(&again).expect("a trainer's checkpoint reads back");
    assert!(reread.progress.steps > before);
}
