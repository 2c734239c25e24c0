//! CRC-32 (IEEE 802.3: reflected, polynomial 0xEDB88320, initial value and
//! final XOR `!0`), the value zlib's `crc32()` and gzip compute: the
//! checksum of the model file, the checkpoint and its data fingerprint, and
//! of the program's MNIST cache.
//!
//! One implementation, two back ends:
//! - with the `std` feature, `flate2::Crc`, already a dependency for
//!   gzip. With flate2's `zlib-rs` back end (this crate's choice) that is
//!   zlib-rs's CRC-32: PCLMULQDQ folding on x86-64 and the CRC instructions
//!   on aarch64, picked at run time (a braided table elsewhere), and no
//!   crate of its own. It is the one for the program's 47 MB cache checks,
//!   where the table loop would add a noticeable pause to every start
//!   (BENCHMARKS.md, "Loading MNIST", has the figures);
//! - without `std`, a loop over a 16-entry table (64 bytes of read-only
//!   data, built at compile time), two look-ups per byte: a microcontroller's
//!   flash is the budget there (a 256-entry table took 1 KiB more of the
//!   firmware's 64 KiB), not the speed of checksumming a small model.
//!
//! Both give the same value for the same bytes, however they are split
//! between [`Crc32::update`] calls (the table loop is tested against the
//! `std` back end in this module).
//!
//! ```
//! use dlr::crc32::{crc32, Crc32};
//!
//! assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
//! let mut crc = Crc32::new();
//! crc.update(b"1234");
//! crc.update(b"56789");
//! assert_eq!(crc.finish(), 0xCBF4_3926);
//! ```

/// The CRC-32 of `bytes` (see the [module docs](self)).
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = Crc32::new();
    crc.update(bytes);
    crc.finish()
}

/// A CRC-32 fed piece by piece: [`finish`](Self::finish) gives the
/// [`crc32`] of everything passed to [`update`](Self::update), in order.
#[derive(Debug, Default)]
pub struct Crc32 {
    #[cfg(feature = "std")]
    inner: flate2::Crc,
    /// The CRC of the bytes so far, as zlib keeps it (0 for none).
    #[cfg(not(feature = "std"))]
    crc: u32,
}

impl Crc32 {
    /// The CRC of nothing so far.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `bytes`.
    #[cfg(feature = "std")]
    pub fn update(&mut self, bytes: &[u8]) {
        self.inner.update(bytes);
    }

    /// Adds `bytes`.
    #[cfg(not(feature = "std"))]
    pub fn update(&mut self, bytes: &[u8]) {
        self.crc = table_update(self.crc, bytes);
    }

    /// The CRC of everything added so far.
    #[cfg(feature = "std")]
    pub fn finish(&self) -> u32 {
        self.inner.sum()
    }

    /// The CRC of everything added so far.
    #[cfg(not(feature = "std"))]
    pub fn finish(&self) -> u32 {
        self.crc
    }
}

/// `crc` (the CRC of some bytes, 0 for none) extended by `bytes`, two table
/// look-ups per byte: zlib's `crc32(crc, bytes)`. The back end without
/// `std`, and the twin the `std` one is tested against.
#[cfg(any(not(feature = "std"), test))]
fn table_update(crc: u32, bytes: &[u8]) -> u32 {
    // TABLE[n]: the CRC register after shifting the 4 bits of `n` through.
    const TABLE: [u32; 16] = {
        let mut t = [0u32; 16];
        let mut i = 0;
        while i < 16 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 4 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            t[i] = c;
            i += 1;
        }
        t
    };
    let mut c = !crc;
    for &b in bytes {
        c ^= u32::from(b);
        c = TABLE[(c & 0xF) as usize] ^ (c >> 4);
        c = TABLE[(c & 0xF) as usize] ^ (c >> 4);
    }
    !c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;
    use alloc::vec::Vec;

    /// Check values of the CRC-32/ISO-HDLC catalogue entry (zlib's CRC).
    const KNOWN: [(&[u8], u32); 5] = [
        (b"", 0),
        (b"a", 0xE8B7_BE43),
        (b"123456789", 0xCBF4_3926),
        (b"The quick brown fox jumps over the lazy dog", 0x414F_A339),
        (&[0u8; 32], 0x190A_55AD),
    ];

    #[test]
    fn known_check_values() {
        for (bytes, want) in KNOWN {
            assert_eq!(crc32(bytes), want, "crc32 of {bytes:?}");
            assert_eq!(table_update(0, bytes), want, "table loop of {bytes:?}");
        }
    }

    /// `bytes` cut at `cuts` random points (sorted, repeats allowed, so
    /// empty pieces occur too).
    fn pieces<'a>(bytes: &'a [u8], rng: &mut Rng, cuts: usize) -> Vec<&'a [u8]> {
        let mut at: Vec<usize> = (0..cuts)
            .map(|_| rng.below(bytes.len() as u64 + 1) as usize)
            .collect();
        at.sort_unstable();
        let mut out = Vec::new();
        let mut start = 0;
        for &end in at.iter().chain([bytes.len()].iter()) {
            out.push(&bytes[start..end]);
            start = end;
        }
        out
    }

    /// The back end in use (flate2's under `std`) and the table loop agree
    /// on random bytes of every length up to 300 and of lengths around the
    /// SIMD back end's 16- and 64-byte blocks up to 1 MiB, whole and split
    /// at random points.
    #[test]
    fn the_back_end_and_the_table_loop_agree_whole_and_split() {
        let mut rng = Rng::new(0xC3C3);
        let mut lengths: Vec<usize> = (0..=300).collect();
        for base in [511, 1000, 1023, 4096, 65_536, 1 << 20] {
            lengths.extend([base, base + 1, base + 15, base + 63]);
        }
        for len in lengths {
            let bytes: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
            let want = table_update(0, &bytes);
            assert_eq!(crc32(&bytes), want, "whole, {len} bytes");
            for cuts in [1, 2, 7] {
                let parts = pieces(&bytes, &mut rng, cuts);
                let mut crc = Crc32::new();
                let mut table = 0;
                for p in &parts {
                    crc.update(p);
                    table = table_update(table, p);
                }
                let sizes: Vec<usize> = parts.iter().map(|p| p.len()).collect();
                assert_eq!(crc.finish(), want, "streamed in pieces of {sizes:?}");
                assert_eq!(table, want, "table loop in pieces of {sizes:?}");
            }
        }
    }

    #[test]
    fn finish_leaves_the_hasher_going_on() {
        let mut crc = Crc32::new();
        crc.update(b"1234");
        assert_eq!(crc.finish(), crc32(b"1234"));
        crc.update(b"56789");
        assert_eq!(crc.finish(), 0xCBF4_3926);
    }
}
