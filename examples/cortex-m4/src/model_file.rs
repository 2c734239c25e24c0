//! The model file (`dlr::model`'s format, the bytes of
//! `Network::to_bytes`), written to the host a piece at a time: the
//! library builds the whole file in one `Vec`, 102 KB at 784-32-10, which
//! the device cannot hold beside the weights.
//!
//! The CRC is the library's streaming [`Crc32`] (its table loop without
//! `std`), fed as the bytes go out.
//!
//! ```text
//! "DLRMODEL" | version u32 | L+1 u32 | sizes u32… | weights f32… | CRC-32 of all before
//! ```
//! (little-endian; weights layer by layer, pre-major.)

use dlr::crc32::Crc32;
use dlr::model::{MAGIC, VERSION};

use crate::host::{File, FileError, Mode};

/// A file being written with the CRC of everything written so far.
struct Writer {
    file: File,
    crc: Crc32,
    buf: [u8; 256],
    len: usize,
}

impl Writer {
    fn put(&mut self, bytes: &[u8]) -> Result<(), FileError> {
        self.crc.update(bytes);
        for &b in bytes {
            if self.len == self.buf.len() {
                self.flush()?;
            }
            self.buf[self.len] = b;
            self.len += 1;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), FileError> {
        let len = self.len;
        self.len = 0;
        self.file.write_all(&self.buf[..len])
    }
}

/// Writes the model of layer sizes `sizes` and weights `layers` (input side
/// first, each `(n_in, n_out)` pre-major) to `path` on the host; returns the
/// bytes written.
pub fn write<'a>(
    path: &str,
    sizes: &[usize],
    layers: impl Iterator<Item = &'a [f32]>,
) -> Result<usize, FileError> {
    let mut w = Writer {
        file: File::open(path, Mode::Write)?,
        crc: Crc32::new(),
        buf: [0; 256],
        len: 0,
    };
    w.put(MAGIC)?;
    w.put(&VERSION.to_le_bytes())?;
    w.put(&(sizes.len() as u32).to_le_bytes())?;
    for &s in sizes {
        w.put(&(s as u32).to_le_bytes())?;
    }
    let mut n_weights = 0;
    for layer in layers {
        for &x in layer {
            w.put(&x.to_le_bytes())?;
        }
        n_weights += layer.len();
    }
    let crc = w.crc.finish();
    w.put(&crc.to_le_bytes())?;
    w.flush()?;
    Ok(8 + 4 + 4 + 4 * sizes.len() + 4 * n_weights + 4)
}
