//! IDX arrays from bytes: header, type codes, dimensions, typed errors.
//!
//! Nothing here is hot: a file is parsed once. [`parse`] borrows the payload
//! and never allocates from a declared size, so a hostile header costs only
//! its own bytes: the `dims` list, at most 255 entries (2 KiB), allocated
//! only once the bytes holding it are known to be there. Every length is
//! checked with checked arithmetic before a slice is taken; no input makes it
//! panic.
//!
//! Layout, all big-endian:
//!
//! ```text
//! offset 0   0x00 0x00              magic
//! offset 2   type code              0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64
//! offset 3   rank r                 number of dimensions
//! offset 4   d₀ … d_{r−1}           one u32 each
//! offset 4+4r  data                 size(type) · Π dₖ bytes, row-major
//! ```
//!
//! [`write()`] is the encoder (tests and synthetic data use it); `crate::mnist`
//! adds files, gzip and downloads on top (with `std`).

use alloc::vec::Vec;
use core::fmt;

/// Bytes before the dimensions: magic (2), type code (1), rank (1).
const PREFIX_LEN: usize = 4;

/// Element type of an IDX array, named by its type code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IdxType {
    /// Unsigned byte, code `0x08` (MNIST pixels and labels).
    U8,
    /// Signed byte, code `0x09`.
    I8,
    /// Big-endian `i16`, code `0x0B`.
    I16,
    /// Big-endian `i32`, code `0x0C`.
    I32,
    /// Big-endian IEEE-754 `f32`, code `0x0D`.
    F32,
    /// Big-endian IEEE-754 `f64`, code `0x0E`.
    F64,
}

impl IdxType {
    /// Every type, in code order.
    pub const ALL: [IdxType; 6] = [
        IdxType::U8,
        IdxType::I8,
        IdxType::I16,
        IdxType::I32,
        IdxType::F32,
        IdxType::F64,
    ];

    /// The type code stored in byte 2 of the file.
    pub const fn code(self) -> u8 {
        match self {
            IdxType::U8 => 0x08,
            IdxType::I8 => 0x09,
            IdxType::I16 => 0x0B,
            IdxType::I32 => 0x0C,
            IdxType::F32 => 0x0D,
            IdxType::F64 => 0x0E,
        }
    }

    /// Bytes per element.
    pub const fn size(self) -> usize {
        match self {
            IdxType::U8 | IdxType::I8 => 1,
            IdxType::I16 => 2,
            IdxType::I32 | IdxType::F32 => 4,
            IdxType::F64 => 8,
        }
    }

    /// The type with this code, `None` for a code the format does not define.
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            0x08 => Some(IdxType::U8),
            0x09 => Some(IdxType::I8),
            0x0B => Some(IdxType::I16),
            0x0C => Some(IdxType::I32),
            0x0D => Some(IdxType::F32),
            0x0E => Some(IdxType::F64),
            _ => None,
        }
    }

    /// Rust name of the element type (`"u8"`, `"f32"`, …).
    pub const fn name(self) -> &'static str {
        match self {
            IdxType::U8 => "u8",
            IdxType::I8 => "i8",
            IdxType::I16 => "i16",
            IdxType::I32 => "i32",
            IdxType::F32 => "f32",
            IdxType::F64 => "f64",
        }
    }

    /// Decodes one big-endian element; `None` unless `be.len() == self.size()`.
    pub fn decode_f64(self, be: &[u8]) -> Option<f64> {
        Some(match self {
            IdxType::U8 => f64::from(u8::from_be_bytes(be.try_into().ok()?)),
            IdxType::I8 => f64::from(i8::from_be_bytes(be.try_into().ok()?)),
            IdxType::I16 => f64::from(i16::from_be_bytes(be.try_into().ok()?)),
            IdxType::I32 => f64::from(i32::from_be_bytes(be.try_into().ok()?)),
            IdxType::F32 => f64::from(f32::from_be_bytes(be.try_into().ok()?)),
            IdxType::F64 => f64::from_be_bytes(be.try_into().ok()?),
        })
    }
}

impl fmt::Display for IdxType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What an IDX header declares: element type and dimensions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxHeader {
    /// Element type.
    pub dtype: IdxType,
    /// Dimensions, outermost first (MNIST images: `[n, rows, cols]`).
    pub dims: Vec<usize>,
}

impl IdxHeader {
    /// Number of dimensions.
    pub fn rank(&self) -> usize {
        self.dims.len()
    }

    /// Number of elements, Π dₖ (1 for rank 0), or `None` if it overflows
    /// `usize`. A header from [`parse`] or [`parse_header`] never overflows.
    pub fn checked_len(&self) -> Option<usize> {
        self.dims.iter().try_fold(1usize, |n, &d| n.checked_mul(d))
    }

    /// Number of elements, Π dₖ (1 for rank 0).
    ///
    /// Saturates at `usize::MAX` for hand-built dims whose product overflows;
    /// use [`IdxHeader::checked_len`] where that matters.
    pub fn len(&self) -> usize {
        self.checked_len().unwrap_or(usize::MAX)
    }

    /// True when some dimension is zero (the array holds no element).
    pub fn is_empty(&self) -> bool {
        self.dims.contains(&0)
    }

    /// Bytes of the header: 4 + 4·rank.
    pub fn header_len(&self) -> usize {
        self.rank().saturating_mul(4).saturating_add(PREFIX_LEN)
    }

    /// Bytes of the data, size(type)·Π dₖ, or `None` if it overflows `usize`.
    pub fn payload_len(&self) -> Option<usize> {
        self.checked_len()?.checked_mul(self.dtype.size())
    }

    /// Bytes of the whole array (header + data), or `None` on overflow.
    pub fn file_len(&self) -> Option<usize> {
        self.payload_len()?.checked_add(self.header_len())
    }
}

/// A parsed IDX array: its header and the bytes of its data, borrowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxArray<'a> {
    /// What the header declares.
    pub header: IdxHeader,
    /// Exactly the payload: `header.payload_len()` bytes of big-endian elements.
    pub data: &'a [u8],
}

impl IdxArray<'_> {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.data.len() / self.header.dtype.size()
    }

    /// True when the array holds no element.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Fails unless the array has element type `dtype` and `rank` dimensions
    /// (the type is checked first).
    pub fn require(&self, dtype: IdxType, rank: usize) -> Result<(), IdxError> {
        if self.header.dtype != dtype {
            return Err(IdxError::WrongType {
                expected: dtype,
                found: self.header.dtype,
            });
        }
        if self.header.rank() != rank {
            return Err(IdxError::WrongRank {
                expected: rank,
                found: self.header.rank(),
            });
        }
        Ok(())
    }

    /// The elements in storage order, each converted to `f64` (exact for
    /// every IDX type).
    pub fn values(&self) -> impl Iterator<Item = f64> + '_ {
        let dtype = self.header.dtype;
        self.data
            .chunks_exact(dtype.size())
            .filter_map(move |be| dtype.decode_f64(be))
    }

    /// The elements in storage order as `f64`, `(Π dₖ,)`.
    pub fn to_f64_vec(&self) -> Vec<f64> {
        self.values().collect()
    }
}

/// Why bytes are not the IDX array they should be.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdxError {
    /// Shorter than the 4-byte magic, or than the dimensions it declares.
    TooShort {
        /// Bytes there are.
        len: usize,
    },
    /// The first two bytes are not zero: not an IDX file.
    BadMagic {
        /// The first two bytes.
        found: [u8; 2],
    },
    /// Byte 2 is not a type code the format defines.
    UnknownType {
        /// The byte found.
        code: u8,
    },
    /// The product of the dimensions (times the element size, plus the
    /// header) does not fit in `usize`.
    DimensionOverflow,
    /// The data is shorter than the header declares.
    Truncated {
        /// Data bytes the header declares.
        expected: usize,
        /// Data bytes there are.
        found: usize,
    },
    /// There are more bytes after the data than the header declares.
    TrailingBytes {
        /// Data bytes the header declares.
        expected: usize,
        /// Data bytes there are.
        found: usize,
    },
    /// The element type is not the one this use needs (images must be `u8`).
    WrongType {
        /// The type needed.
        expected: IdxType,
        /// The type declared.
        found: IdxType,
    },
    /// The number of dimensions is not the one this use needs (images are
    /// 3-D, labels 1-D).
    WrongRank {
        /// Rank needed.
        expected: usize,
        /// Rank declared.
        found: usize,
    },
    /// Image and label files hold different numbers of items.
    CountMismatch {
        /// Number of images.
        images: usize,
        /// Number of labels.
        labels: usize,
    },
    /// A label is not below the class count.
    LabelOutOfRange {
        /// Position of the label.
        index: usize,
        /// The label.
        value: u8,
        /// The class count it must be below.
        classes: usize,
    },
    /// Images with no pixel (`rows · cols = 0`).
    ZeroSizeImage {
        /// Declared image height.
        rows: usize,
        /// Declared image width.
        cols: usize,
    },
}

impl fmt::Display for IdxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdxError::TooShort { len } => {
                write!(f, "too short for an IDX header: {len} bytes")
            }
            IdxError::BadMagic { found } => write!(
                f,
                "not an IDX file: magic starts {:02x} {:02x}, expected 00 00",
                found[0], found[1]
            ),
            IdxError::UnknownType { code } => write!(f, "unknown IDX type code 0x{code:02x}"),
            IdxError::DimensionOverflow => {
                f.write_str("declared dimensions overflow the address space")
            }
            IdxError::Truncated { expected, found } => write!(
                f,
                "truncated data: header declares {expected} bytes, file has {found}"
            ),
            IdxError::TrailingBytes { expected, found } => write!(
                f,
                "trailing bytes: header declares {expected} bytes of data, file has {found}"
            ),
            IdxError::WrongType { expected, found } => {
                write!(f, "wrong element type: expected {expected}, found {found}")
            }
            IdxError::WrongRank { expected, found } => write!(
                f,
                "wrong number of dimensions: expected {expected}, found {found}"
            ),
            IdxError::CountMismatch { images, labels } => {
                write!(f, "count mismatch: {images} images but {labels} labels")
            }
            IdxError::LabelOutOfRange {
                index,
                value,
                classes,
            } => write!(
                f,
                "label {value} at index {index} is not a class of 0..{classes}"
            ),
            IdxError::ZeroSizeImage { rows, cols } => {
                write!(f, "images have no pixels ({rows}×{cols})")
            }
        }
    }
}

impl core::error::Error for IdxError {}

/// Reads the header at the start of `bytes`, ignoring what follows it.
///
/// Succeeds once the prefix and the dimensions are there; the data need not
/// be (a streaming reader uses this to learn how much to expect). Checks that
/// the whole declared array, header included, fits in `usize`.
pub fn parse_header(bytes: &[u8]) -> Result<IdxHeader, IdxError> {
    // Magic first when there is one: "not an IDX file" says more than "too short".
    if let Some(&[m0, m1]) = bytes.first_chunk::<2>() {
        if [m0, m1] != [0, 0] {
            return Err(IdxError::BadMagic { found: [m0, m1] });
        }
    }
    let Some(&[_, _, code, rank]) = bytes.first_chunk::<PREFIX_LEN>() else {
        return Err(IdxError::TooShort { len: bytes.len() });
    };
    let dtype = IdxType::from_code(code).ok_or(IdxError::UnknownType { code })?;
    let rank = usize::from(rank);
    // rank ≤ 255, so this cannot overflow; only then is `dims` allocated.
    let header_len = PREFIX_LEN + 4 * rank;
    let Some(dim_bytes) = bytes.get(PREFIX_LEN..header_len) else {
        return Err(IdxError::TooShort { len: bytes.len() });
    };
    let dims = dim_bytes
        .chunks_exact(4)
        .map(|be| {
            let d = u32::from_be_bytes([be[0], be[1], be[2], be[3]]);
            usize::try_from(d).map_err(|_| IdxError::DimensionOverflow)
        })
        .collect::<Result<Vec<usize>, IdxError>>()?;
    let header = IdxHeader { dtype, dims };
    header.file_len().ok_or(IdxError::DimensionOverflow)?;
    Ok(header)
}

/// Parses a whole IDX array: header, then exactly the data it declares.
///
/// Borrows the data; allocates only the `dims` list.
///
/// ```
/// use dlr::idx::{self, IdxError, IdxType};
///
/// // A 2×3 array of big-endian i16, as an IDX file's bytes.
/// let values = [1i16, -2, 3, -4, 5, -6];
/// let data: Vec<u8> = values.iter().flat_map(|v| v.to_be_bytes()).collect();
/// let bytes = idx::write(IdxType::I16, &[2, 3], &data);
/// let array = idx::parse(&bytes)?;
/// assert_eq!(array.header.dtype, IdxType::I16);
/// assert_eq!(array.header.dims, [2, 3]);
/// assert_eq!(array.to_f64_vec(), [1.0, -2.0, 3.0, -4.0, 5.0, -6.0]);
///
/// // A byte short: a typed error, never a panic.
/// let short = idx::parse(&bytes[..bytes.len() - 1]);
/// assert_eq!(short, Err(IdxError::Truncated { expected: 12, found: 11 }));
/// # Ok::<(), IdxError>(())
/// ```
pub fn parse(bytes: &[u8]) -> Result<IdxArray<'_>, IdxError> {
    let header = parse_header(bytes)?;
    let expected = header.payload_len().ok_or(IdxError::DimensionOverflow)?;
    // parse_header saw the whole header, so it is in bounds.
    let data = bytes.get(header.header_len()..).unwrap_or_default();
    let found = data.len();
    if found < expected {
        return Err(IdxError::Truncated { expected, found });
    }
    if found > expected {
        return Err(IdxError::TrailingBytes { expected, found });
    }
    Ok(IdxArray { header, data })
}

/// Encodes an IDX header: magic, type code, rank, then the dims as `u32` BE.
///
/// # Panics
/// If there are more than 255 dims or a dim exceeds `u32::MAX` (the format
/// cannot say either).
pub fn write_header(dtype: IdxType, dims: &[usize]) -> Vec<u8> {
    // The documented panic: an encoder for shapes the caller builds, never
    // reached by input (the reader takes the rank from one byte).
    let rank = u8::try_from(dims.len()).expect("IDX holds at most 255 dimensions");
    let mut out = Vec::with_capacity(PREFIX_LEN + 4 * dims.len());
    out.extend_from_slice(&[0, 0, dtype.code(), rank]);
    for &d in dims {
        // The documented panic, as above: the format stores dims as u32.
        let d = u32::try_from(d).expect("IDX dimensions are u32");
        out.extend_from_slice(&d.to_be_bytes());
    }
    out
}

/// Encodes a whole IDX array; `data_be` is the payload, big-endian elements.
///
/// # Panics
/// As [`write_header`], and if `data_be.len() ≠ size(dtype)·Π dims`.
pub fn write(dtype: IdxType, dims: &[usize], data_be: &[u8]) -> Vec<u8> {
    let mut out = write_header(dtype, dims);
    let payload_len = dims.iter().try_fold(dtype.size(), |n, &d| n.checked_mul(d));
    assert_eq!(
        payload_len,
        Some(data_be.len()),
        "IDX data length must be size(type)·Π dims"
    );
    out.extend_from_slice(data_be);
    out
}
