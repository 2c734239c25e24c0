//! The model file: a network's weights as bytes, readable without `std`.
//!
//! ```text
//! offset  size        field
//! 0       8           magic "DLRMODEL"
//! 8       4           format version, u32 LE (= 1)
//! 12      4           number of layer sizes L+1, u32 LE (2 ≤ L+1 ≤ 64)
//! 16      4·(L+1)     layer sizes, input first, u32 LE each
//! …       4·Σ n_in·n_out  weights, f32 LE, layer by layer, pre-major (row j = input j)
//! end−4   4           CRC-32 (IEEE) of every byte before it, u32 LE
//! ```

use alloc::vec::Vec;
use core::fmt;

use crate::crc32::{crc32, Crc32};
use crate::le::{Reader, Truncated};
use crate::network::{Layer, Network};

/// The file's first eight bytes.
pub const MAGIC: &[u8; 8] = b"DLRMODEL";
/// The format version written and read.
pub const VERSION: u32 = 1;
const MAX_SIZES: usize = 64;
/// The most bytes [`Network::write_model`] hands its sink at once.
pub const WRITE_CHUNK: usize = 256;

/// Why bytes are not a model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelError {
    /// Shorter than its header or its declared weights.
    Truncated,
    /// Does not start with [`MAGIC`].
    BadMagic,
    /// A version this build cannot read.
    UnsupportedVersion(u32),
    /// Layer sizes that are zero, too many, or overflow.
    BadShape,
    /// Bytes after the checksum.
    TrailingBytes,
    /// The checksum does not match the contents.
    ChecksumMismatch,
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelError::Truncated => f.write_str("truncated model file"),
            ModelError::BadMagic => f.write_str("not a dlr model file (bad magic)"),
            ModelError::UnsupportedVersion(v) => write!(f, "unsupported model format version {v}"),
            ModelError::BadShape => f.write_str("invalid layer sizes in model file"),
            ModelError::TrailingBytes => f.write_str("unexpected bytes after the model's checksum"),
            ModelError::ChecksumMismatch => f.write_str("model checksum mismatch (corrupt file)"),
        }
    }
}

impl Network {
    /// The model file's bytes (format in [`crate::model`]).
    ///
    /// ```
    /// use dlr::model::{ModelError, MAGIC};
    /// use dlr::network::Network;
    ///
    /// let net = Network::new(&[3, 2], 7);
    /// let bytes = net.to_bytes();
    /// // Magic, version, count 16 + sizes 2·4 + weights 3·2·4 + CRC 4.
    /// assert_eq!((&bytes[..8], bytes.len()), (&MAGIC[..], 52));
    /// assert_eq!(Network::from_bytes(&bytes)?, net); // bit-exact
    /// # Ok::<(), ModelError>(())
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(20 + 4 * (self.layers().len() + 1) + 4 * self.n_weights());
        let written = self.write_model(|bytes| {
            out.extend_from_slice(bytes);
            Ok::<(), core::convert::Infallible>(())
        });
        let Ok(_) = written;
        out
    }

    /// Writes the model file (format in [`crate::model`]) to `sink` a piece
    /// at a time, with no copy of the weights: at most [`WRITE_CHUNK`] bytes
    /// per call, the CRC-32 taken as they go. Returns the bytes written, or
    /// the sink's first error (nothing more is written after it).
    ///
    /// [`Network::to_bytes`] is this into a `Vec`; a device writes to a
    /// file on its host or a UART.
    ///
    /// ```
    /// use dlr::model::WRITE_CHUNK;
    /// use dlr::network::Network;
    ///
    /// let net = Network::new(&[30, 4, 2], 7);
    /// let mut pieces = Vec::new();
    /// let len = net.write_model(|bytes| {
    ///     assert!(bytes.len() <= WRITE_CHUNK);
    ///     pieces.extend_from_slice(bytes);
    ///     Ok::<(), ()>(())
    /// })?;
    /// assert_eq!((len, pieces), (net.to_bytes().len(), net.to_bytes()));
    /// # Ok::<(), ()>(())
    /// ```
    pub fn write_model<E>(&self, mut sink: impl FnMut(&[u8]) -> Result<(), E>) -> Result<usize, E> {
        let mut crc = Crc32::new();
        let mut chunk = [0u8; WRITE_CHUNK];
        let mut len = 0;
        let mut written = 0;
        // Appends `bytes` (at most 8) to the chunk, sending it when full.
        let mut put = |bytes: &[u8], flush: bool| -> Result<(), E> {
            for &b in bytes {
                chunk[len] = b;
                len += 1;
                if len == WRITE_CHUNK {
                    crc.update(&chunk);
                    sink(&chunk)?;
                    written += len;
                    len = 0;
                }
            }
            if flush {
                // The CRC of everything before it, then the last piece.
                crc.update(&chunk[..len]);
                let sum = crc.finish().to_le_bytes();
                for b in sum {
                    chunk[len] = b;
                    len += 1;
                    if len == WRITE_CHUNK {
                        sink(&chunk)?;
                        written += len;
                        len = 0;
                    }
                }
                if len > 0 {
                    sink(&chunk[..len])?;
                    written += len;
                }
            }
            Ok(())
        };
        put(MAGIC, false)?;
        put(&VERSION.to_le_bytes(), false)?;
        put(&((self.layers().len() + 1) as u32).to_le_bytes(), false)?;
        put(&(self.layers()[0].n_in as u32).to_le_bytes(), false)?;
        for layer in self.layers() {
            put(&(layer.n_out as u32).to_le_bytes(), false)?;
        }
        for layer in self.layers() {
            for &w in &layer.w {
                put(&w.to_le_bytes(), false)?;
            }
        }
        put(&[], true)?;
        Ok(written)
    }

    /// Reads a model file's bytes. Allocates only what the bytes hold.
    ///
    /// Every malformed input is an error, checked before the weights are
    /// copied: truncation, bad magic, another version, impossible shapes,
    /// trailing bytes, and any flipped bit (CRC-32).
    ///
    /// ```
    /// use dlr::model::ModelError;
    /// use dlr::network::Network;
    ///
    /// let mut bytes = Network::new(&[3, 2], 7).to_bytes();
    /// bytes[30] ^= 0x10; // one bit of a weight
    /// assert_eq!(Network::from_bytes(&bytes), Err(ModelError::ChecksumMismatch));
    /// assert_eq!(Network::from_bytes(&bytes[..40]), Err(ModelError::Truncated));
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Network, ModelError> {
        let mut r = Reader::<ModelError>::new(bytes);
        if r.take(8)? != MAGIC {
            return Err(ModelError::BadMagic);
        }
        let version = r.u32()?;
        if version != VERSION {
            return Err(ModelError::UnsupportedVersion(version));
        }
        let n_sizes = r.u32()? as usize;
        if !(2..=MAX_SIZES).contains(&n_sizes) {
            return Err(ModelError::BadShape);
        }
        let mut sizes = Vec::with_capacity(n_sizes);
        for _ in 0..n_sizes {
            let s = r.u32()? as usize;
            if s == 0 {
                return Err(ModelError::BadShape);
            }
            sizes.push(s);
        }
        // Check the declared length against the bytes before allocating.
        let mut n_weights: usize = 0;
        for p in sizes.windows(2) {
            let n = p[0].checked_mul(p[1]).ok_or(ModelError::BadShape)?;
            n_weights = n_weights.checked_add(n).ok_or(ModelError::BadShape)?;
        }
        let body = n_weights.checked_mul(4).ok_or(ModelError::BadShape)?;
        let expected = r
            .pos()
            .checked_add(body)
            .and_then(|n| n.checked_add(4))
            .ok_or(ModelError::BadShape)?;
        if bytes.len() < expected {
            return Err(ModelError::Truncated);
        }
        if bytes.len() > expected {
            return Err(ModelError::TrailingBytes);
        }
        let stored = u32::from_le_bytes([
            bytes[expected - 4],
            bytes[expected - 3],
            bytes[expected - 2],
            bytes[expected - 1],
        ]);
        if crc32(&bytes[..expected - 4]) != stored {
            return Err(ModelError::ChecksumMismatch);
        }
        let mut layers = Vec::with_capacity(n_sizes - 1);
        for p in sizes.windows(2) {
            let w = r.f32s(p[0] * p[1])?;
            layers.push(Layer {
                n_in: p[0],
                n_out: p[1],
                w,
            });
        }
        Network::from_layers(layers).ok_or(ModelError::BadShape)
    }
}

impl core::error::Error for ModelError {}

impl Truncated for ModelError {
    const TRUNCATED: Self = ModelError::Truncated;
}
