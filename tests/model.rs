//! The model file: round trip, and every corruption rejected.

use dlr::model::{ModelError, MAGIC};
use dlr::network::Network;

#[test]
fn round_trip_is_exact() {
    for sizes in [&[784, 100, 10][..], &[5, 3], &[10, 7, 6, 2]] {
        let net = Network::new(sizes, 3);
        let bytes = net.to_bytes();
        let back = Network::from_bytes(&bytes).expect("reads back");
        assert_eq!(back, net);
        assert_eq!(back.to_bytes(), bytes);
    }
}

#[test]
fn corruptions_are_rejected() {
    let bytes = Network::new(&[6, 4, 3], 1).to_bytes();
    assert_eq!(Network::from_bytes(&[]), Err(ModelError::Truncated));
    assert_eq!(
        Network::from_bytes(&bytes[..bytes.len() - 1]),
        Err(ModelError::Truncated)
    );
    assert_eq!(
        Network::from_bytes(&bytes[..20]),
        Err(ModelError::Truncated)
    );
    let mut long = bytes.clone();
    long.push(0);
    assert_eq!(Network::from_bytes(&long), Err(ModelError::TrailingBytes));
    let mut magic = bytes.clone();
    magic[0] ^= 1;
    assert_eq!(Network::from_bytes(&magic), Err(ModelError::BadMagic));
    let mut version = bytes.clone();
    version[8] = 9;
    assert_eq!(
        Network::from_bytes(&version),
        Err(ModelError::UnsupportedVersion(9))
    );
    let mut flipped = bytes.clone();
    flipped[40] ^= 0x10;
    assert_eq!(
        Network::from_bytes(&flipped),
        Err(ModelError::ChecksumMismatch)
    );
    // Sizes declaring far more weights than the bytes hold: no allocation, an error.
    let mut huge = Vec::from(&MAGIC[..]);
    huge.extend_from_slice(&1u32.to_le_bytes());
    huge.extend_from_slice(&2u32.to_le_bytes());
    huge.extend_from_slice(&u32::MAX.to_le_bytes());
    huge.extend_from_slice(&u32::MAX.to_le_bytes());
    huge.extend_from_slice(&[0; 8]);
    assert_eq!(
        Network::from_bytes(&huge),
        Err(ModelError::BadShape),
        "byte count overflows"
    );
    huge[16..24].copy_from_slice(&[0, 0, 1, 0, 0, 0, 1, 0]);
    // 65536² = 2³² weights: more than the bytes hold, or, with a 32-bit
    // `usize` (wasm32), more than it can count.
    let expected = if usize::BITS > 32 {
        ModelError::Truncated
    } else {
        ModelError::BadShape
    };
    assert_eq!(
        Network::from_bytes(&huge),
        Err(expected),
        "65536² weights declared"
    );
    let mut zero = bytes.clone();
    zero[16..20].copy_from_slice(&0u32.to_le_bytes());
    assert_eq!(Network::from_bytes(&zero), Err(ModelError::BadShape));
}

#[test]
fn crc32_matches_the_standard_check_value() {
    // The CRC-32/ISO-HDLC check value of "123456789".
    assert_eq!(dlr::crc32::crc32(b"123456789"), 0xCBF4_3926);
}

/// The file as the format describes it, built here field by field with the
/// one-shot CRC.
fn by_the_format(net: &Network) -> Vec<u8> {
    let mut out = b"DLRMODEL".to_vec();
    out.extend_from_slice(&1u32.to_le_bytes());
    let sizes = net.sizes();
    out.extend_from_slice(&(sizes.len() as u32).to_le_bytes());
    for s in sizes {
        out.extend_from_slice(&(s as u32).to_le_bytes());
    }
    for layer in net.layers() {
        for w in &layer.w {
            out.extend_from_slice(&w.to_le_bytes());
        }
    }
    let crc = dlr::crc32::crc32(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

#[test]
fn the_streaming_writer_writes_the_format_in_pieces() {
    // Lengths around the writer's chunk: 52 B, 3 chunks and 4 bytes, many.
    for sizes in [
        &[3, 2][..],
        &[20, 9][..],
        &[4, 59, 3][..],
        &[784, 32, 10][..],
    ] {
        let net = Network::new(sizes, 11);
        let mut pieces: Vec<usize> = Vec::new();
        let mut file = Vec::new();
        let len = net
            .write_model(|bytes| {
                pieces.push(bytes.len());
                file.extend_from_slice(bytes);
                Ok::<(), ()>(())
            })
            .unwrap();
        assert_eq!(file, by_the_format(&net), "{sizes:?}");
        assert_eq!((len, net.to_bytes()), (file.len(), file.clone()));
        assert!(pieces
            .iter()
            .all(|&p| (1..=dlr::model::WRITE_CHUNK).contains(&p)));
        assert_eq!(Network::from_bytes(&file).unwrap(), net);
    }
}

#[test]
fn the_streaming_writer_stops_at_the_sinks_first_error() {
    let net = Network::new(&[100, 10], 1);
    let mut calls = 0;
    let result = net.write_model(|_| {
        calls += 1;
        if calls == 2 {
            Err("disk full")
        } else {
            Ok(())
        }
    });
    assert_eq!((result, calls), (Err("disk full"), 2));
}
