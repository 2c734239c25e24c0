//! `idx::parse` and `Dataset::from_idx` on arbitrary bytes: never a panic,
//! and whatever they accept is consistent with what its header declares.
#![no_main]

use dlr::idx;
use dlr::Dataset;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
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
});
