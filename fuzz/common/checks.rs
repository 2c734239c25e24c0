//! What each fuzz target checks, as plain functions: the targets in
//! `fuzz_targets/` call them on libFuzzer's inputs, `tests/fuzz_regressions.rs`
//! replays every input that ever failed through them, and `corpus-gen`
//! builds the checkpoint seeds on [`checkpoint_data`]. Each panics (an
//! assertion) where the code under test is wrong, and nowhere else.
#![allow(dead_code)]

use std::io::Write;
use std::sync::OnceLock;

use dlr::checkpoint::Checkpoint;
use dlr::crc32::crc32;
use dlr::idx;
use dlr::mnist::{self, DataError};
use dlr::train::Trainer;
use dlr::{dataset::Dataset, network::Network};

/// `idx::parse` and `Dataset::from_idx` on arbitrary bytes: never a panic,
/// and whatever they accept is consistent with what its header declares.
pub fn idx_parse(bytes: &[u8]) {
    if let Ok(array) = idx::parse(bytes) {
        assert_eq!(Some(array.data.len()), array.header.payload_len());
        assert_eq!(array.header.file_len(), Some(bytes.len()));
        assert_eq!(array.values().count(), array.header.len());
    }

    // The first two bytes choose where the rest splits into an image file
    // and a label file, so both halves get explored.
    let Some((&[hi, lo], rest)) = bytes.split_first_chunk::<2>() else {
        return;
    };
    let cut = usize::from(u16::from_be_bytes([hi, lo])).min(rest.len());
    let (images, labels) = rest.split_at(cut);
    if let Ok(set) = Dataset::from_idx(images, labels) {
        assert_eq!(set.images().len(), set.len() * set.pixels());
        assert!(set.labels().iter().all(|&label| label <= 9));
    }
}

/// The gzip path of the IDX loader (`mnist::decode_idx_gzip`, what
/// `read_idx_file` runs on a `.gz` file): never a panic, never more decoded
/// than the IDX header declares, one-line errors. Input that starts like an
/// IDX file (`00 00`) is compressed here first, and the outcome must then be
/// exactly what the plain bytes imply; any other input (a `.gz` file) is the
/// gzip stream itself. So plain and gzip IDX files both make a corpus.
pub fn idx_gzip(bytes: &[u8]) {
    if bytes.first_chunk::<2>() != Some(&[0, 0]) {
        check_decoded(&mnist::decode_idx_gzip(bytes));
        return;
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).expect("compressing into memory");
    let gz = gz.finish().expect("compressing into memory");
    let result = mnist::decode_idx_gzip(&gz);
    check_decoded(&result);
    match idx::parse_header(bytes) {
        Err(_) => assert!(
            matches!(result, Err(DataError::Idx { .. })),
            "bad header accepted or misreported: {result:?}"
        ),
        Ok(header) => {
            let declared = header.file_len().expect("parse_header checks overflow");
            if declared > mnist::MAX_FILE_BYTES {
                assert!(
                    matches!(result, Err(DataError::TooLarge { .. })),
                    "{result:?}"
                );
            } else if bytes.len() > declared {
                assert!(
                    matches!(result, Err(DataError::GzipTooLarge { declared: d, .. }) if d == declared),
                    "{result:?}"
                );
            } else {
                let decoded = result.expect("a well-formed stream within its header decodes");
                assert_eq!(decoded, bytes, "decoding changed the bytes");
            }
        }
    }
}

/// What every outcome of `decode_idx_gzip` must satisfy.
fn check_decoded(result: &Result<Vec<u8>, DataError>) {
    match result {
        Ok(decoded) => {
            let header = idx::parse_header(decoded).expect("decoded bytes have a header");
            let declared = header.file_len().expect("parse_header checks overflow");
            assert!(decoded.len() <= declared, "decoded past the header's size");
            assert!(declared <= mnist::MAX_FILE_BYTES);
            if let Ok(array) = idx::parse(decoded) {
                assert_eq!(array.header.file_len(), Some(decoded.len()));
            }
        }
        Err(err) => {
            let text = err.to_string();
            assert!(!text.contains('\n'), "multi-line error: {text:?}");
            assert!(
                text.starts_with("<memory>"),
                "error without its source: {text:?}"
            );
        }
    }
}

/// `bytes` with its last four bytes replaced by the CRC-32 of the rest, if
/// that changes it: a checksum stops almost every mutation at the door, so
/// each input is also tried resealed, to reach the checks behind it.
fn resealed(bytes: &[u8]) -> Option<Vec<u8>> {
    let body = bytes.len().checked_sub(4)?;
    let crc = crc32(&bytes[..body]).to_le_bytes();
    (bytes[body..] != crc).then(|| [&bytes[..body], &crc[..]].concat())
}

/// `Network::from_bytes` (the model file, `--save`'s format), on the input
/// and on the input resealed: never a panic, and whatever it accepts writes
/// back to the same bytes.
pub fn model_load(bytes: &[u8]) {
    model_load_exact(bytes);
    if let Some(input) = resealed(bytes) {
        model_load_exact(&input);
    }
}

fn model_load_exact(input: &[u8]) {
    match Network::from_bytes(input) {
        Ok(net) => {
            assert_eq!(net.to_bytes(), input, "accepted bytes do not round-trip");
            assert_eq!(net.sizes().len(), net.layers().len() + 1);
        }
        Err(err) => assert!(!err.to_string().contains('\n')),
    }
}

/// `Checkpoint::from_bytes` (what `dlr train --resume` reads), on the input
/// and on the input resealed: never a panic, and whatever it accepts writes
/// back to the same bytes. What it accepts for [`checkpoint_data`] (the
/// data the seeds were made on) must resume: a few steps, then a checkpoint
/// that reads back.
pub fn checkpoint_load(bytes: &[u8]) {
    checkpoint_load_exact(bytes);
    if let Some(input) = resealed(bytes) {
        checkpoint_load_exact(&input);
    }
}

fn checkpoint_load_exact(input: &[u8]) {
    let ck = match Checkpoint::from_bytes(input) {
        Ok(ck) => ck,
        Err(err) => {
            assert!(!err.to_string().contains('\n'));
            return;
        }
    };
    assert_eq!(ck.to_bytes(), input, "accepted bytes do not round-trip");
    let (train_set, test_set) = checkpoint_data();
    let Ok(mut trainer) = Trainer::from_checkpoint(ck, train_set, test_set) else {
        return;
    };
    let samples = trainer.samples();
    trainer.run_until(samples.saturating_add(25), |_| {});
    if let Some(ck) = trainer.checkpoint() {
        let bytes = ck.to_bytes();
        let again = Checkpoint::from_bytes(&bytes).expect("a trainer's checkpoint reads back");
        assert_eq!(again.to_bytes(), bytes);
    }
}

/// Image side of [`checkpoint_data`]: 3×3 pixels.
pub const SIDE: usize = 3;

/// The data of the checkpoint seeds: 40 training and 10 test images, fixed.
pub fn checkpoint_data() -> &'static (Dataset, Dataset) {
    static DATA: OnceLock<(Dataset, Dataset)> = OnceLock::new();
    DATA.get_or_init(|| (fixed_set(40, 1), fixed_set(10, 2)))
}

fn fixed_set(n: usize, salt: usize) -> Dataset {
    let pixels = SIDE * SIDE;
    let labels: Vec<u8> = (0..n).map(|i| ((i * 7 + salt) % 10) as u8).collect();
    let images = (0..n * pixels)
        .map(|k| {
            let (i, p) = (k / pixels, k % pixels);
            if p == usize::from(labels[i]) % pixels {
                200
            } else {
                ((i * 31 + p * 17 + salt) % 97) as u8
            }
        })
        .collect();
    Dataset::from_parts(images, labels, SIDE, SIDE).expect("fixed data is well formed")
}
