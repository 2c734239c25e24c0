//! `Network::from_bytes`, the model file reader.
//! The checks are in `common/checks.rs` (shared with the regression tests).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../common/checks.rs"]
mod checks;

fuzz_target!(|bytes: &[u8]| checks::model_load(bytes));
