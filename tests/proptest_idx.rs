//! Property tests of the IDX reader: for every type code and random shapes
//! and values, the writer's bytes parse back to the same header, payload and
//! values; every strict prefix is refused as short, every extension as
//! trailing bytes; image/label pairs (plain and gzip) load back to the same
//! dataset.
#![cfg(feature = "std")]

use std::io::Write;

use dlr::dataset::Dataset;
use dlr::idx::{self, IdxError, IdxType};
use proptest::prelude::*;

/// Any IDX element type.
fn dtype() -> impl Strategy<Value = IdxType> {
    prop::sample::select(IdxType::ALL.to_vec())
}

/// Ranks 0..=4, dimensions 0..=7, at most 7⁴ = 2401 elements.
fn dims() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0usize..=7, 0..=4)
}

/// `count` random elements of `dtype`, as (values as f64, big-endian bytes).
/// Floats take any bit pattern, NaN and infinities included.
fn elements(dtype: IdxType, count: usize) -> impl Strategy<Value = (Vec<f64>, Vec<u8>)> {
    prop::collection::vec(any::<u64>(), count).prop_map(move |raw| {
        let mut values = Vec::with_capacity(raw.len());
        let mut bytes = Vec::with_capacity(raw.len() * dtype.size());
        for r in raw {
            match dtype {
                IdxType::U8 => {
                    values.push(f64::from(r as u8));
                    bytes.extend((r as u8).to_be_bytes());
                }
                IdxType::I8 => {
                    values.push(f64::from(r as i8));
                    bytes.extend((r as i8).to_be_bytes());
                }
                IdxType::I16 => {
                    values.push(f64::from(r as i16));
                    bytes.extend((r as i16).to_be_bytes());
                }
                IdxType::I32 => {
                    values.push(f64::from(r as i32));
                    bytes.extend((r as i32).to_be_bytes());
                }
                IdxType::F32 => {
                    let x = f32::from_bits(r as u32);
                    values.push(f64::from(x));
                    bytes.extend(x.to_be_bytes());
                }
                IdxType::F64 => {
                    let x = f64::from_bits(r);
                    values.push(x);
                    bytes.extend(x.to_be_bytes());
                }
            }
        }
        (values, bytes)
    })
}

/// An array: type, dims, values and payload.
fn array() -> impl Strategy<Value = (IdxType, Vec<usize>, Vec<f64>, Vec<u8>)> {
    (dtype(), dims()).prop_flat_map(|(t, d)| {
        let count = d.iter().product();
        (Just(t), Just(d), elements(t, count))
            .prop_map(|(t, d, (values, bytes))| (t, d, values, bytes))
    })
}

fn same_bits(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn writer_and_reader_round_trip((t, d, values, payload) in array()) {
        let bytes = idx::write(t, &d, &payload);
        prop_assert_eq!(bytes.len(), 4 + 4 * d.len() + payload.len());
        let array = idx::parse(&bytes).expect("the writer's bytes parse");
        prop_assert_eq!(array.header.dtype, t);
        prop_assert_eq!(&array.header.dims, &d);
        prop_assert_eq!(array.data, &payload[..]);
        prop_assert_eq!(array.len(), values.len());
        prop_assert!(same_bits(&array.to_f64_vec(), &values));
        prop_assert_eq!(array.header.file_len(), Some(bytes.len()));
        prop_assert_eq!(idx::parse_header(&bytes).expect("header"), array.header.clone());
    }

    #[test]
    fn every_prefix_is_short_and_every_extension_trailing(
        (t, d, _values, payload) in array(),
        extra in prop::collection::vec(any::<u8>(), 1..16),
        cut in any::<prop::sample::Index>(),
    ) {
        let bytes = idx::write(t, &d, &payload);
        let len = cut.index(bytes.len());
        let err = idx::parse(&bytes[..len]).expect_err("a strict prefix");
        let header_len = 4 + 4 * d.len();
        if len < header_len {
            prop_assert_eq!(err, IdxError::TooShort { len });
        } else {
            prop_assert_eq!(
                err,
                IdxError::Truncated { expected: payload.len(), found: len - header_len }
            );
        }
        let mut longer = bytes.clone();
        longer.extend_from_slice(&extra);
        prop_assert_eq!(
            idx::parse(&longer).expect_err("trailing bytes"),
            IdxError::TrailingBytes {
                expected: payload.len(),
                found: payload.len() + extra.len()
            }
        );
    }

    #[test]
    fn image_and_label_files_load_back(
        (n, rows, cols) in (0usize..40, 1usize..9, 1usize..9),
        seed in any::<u64>(),
        gzipped in any::<bool>(),
    ) {
        let mut rng = dlr::rng::Rng::new(seed);
        let pixels: Vec<u8> = (0..n * rows * cols).map(|_| rng.next_u64() as u8).collect();
        let labels: Vec<u8> = (0..n).map(|_| rng.below(10) as u8).collect();
        let mut images_idx = idx::write(IdxType::U8, &[n, rows, cols], &pixels);
        let mut labels_idx = idx::write(IdxType::U8, &[n], &labels);
        if gzipped {
            // Through the loader's gzip path, bounded by the header.
            images_idx = dlr::mnist::decode_idx_gzip(&gzip(&images_idx)).expect("gzip");
            labels_idx = dlr::mnist::decode_idx_gzip(&gzip(&labels_idx)).expect("gzip");
        }
        let set = Dataset::from_idx(&images_idx, &labels_idx).expect("a valid pair");
        prop_assert_eq!(set.len(), n);
        prop_assert_eq!(set.shape(), (rows, cols));
        prop_assert_eq!(set.images(), &pixels[..]);
        prop_assert_eq!(set.labels(), &labels[..]);
        let owned = Dataset::from_idx_owned(images_idx, labels_idx).expect("owned");
        prop_assert_eq!(owned, set);
    }

    #[test]
    fn gzip_decoding_stops_at_the_declared_size(
        (t, d, _values, payload) in array(),
        extra in 1usize..5000,
    ) {
        let mut bytes = idx::write(t, &d, &payload);
        let declared = bytes.len();
        prop_assert_eq!(dlr::mnist::decode_idx_gzip(&gzip(&bytes)).expect("exact"), bytes.clone());
        bytes.resize(declared + extra, 0);
        let err = dlr::mnist::decode_idx_gzip(&gzip(&bytes)).expect_err("longer than declared");
        let expected = format!("{declared} bytes");
        prop_assert!(err.to_string().contains(&expected), "{}", err);
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).expect("in memory");
    enc.finish().expect("in memory")
}
