//! Little-endian fields read off a byte slice: the one reader of the model
//! file ([`crate::model`]) and the checkpoint ([`crate::checkpoint`]).
//!
//! Running out of bytes is the caller's own error type's "truncated"
//! ([`Truncated`]), so each format keeps its error type. Counts that cannot
//! be a slice length are truncation too, and are checked before anything is
//! allocated.

use alloc::vec::Vec;
use core::marker::PhantomData;

/// An error type with a value for "fewer bytes than the fields need".
pub(crate) trait Truncated {
    /// That value.
    const TRUNCATED: Self;
}

/// A cursor over `bytes`: each read takes the next bytes or fails with
/// `E::TRUNCATED`, leaving the position where it was.
pub(crate) struct Reader<'a, E> {
    bytes: &'a [u8],
    pos: usize,
    error: PhantomData<fn() -> E>,
}

impl<'a, E: Truncated> Reader<'a, E> {
    /// A reader at the start of `bytes`.
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            pos: 0,
            error: PhantomData,
        }
    }

    /// How many bytes have been read.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// The next `n` bytes.
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], E> {
        let end = self.pos.checked_add(n).ok_or(E::TRUNCATED)?;
        let s = self.bytes.get(self.pos..end).ok_or(E::TRUNCATED)?;
        self.pos = end;
        Ok(s)
    }

    /// The next `count · size` bytes, `count` items of `size` bytes; a
    /// product that cannot be a slice length is truncation.
    pub(crate) fn take_items(&mut self, count: u64, size: usize) -> Result<&'a [u8], E> {
        let n = usize::try_from(count)
            .ok()
            .and_then(|c| c.checked_mul(size))
            .ok_or(E::TRUNCATED)?;
        self.take(n)
    }

    /// The next `N` bytes as an array.
    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], E> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, E> {
        Ok(self.array::<1>()?[0])
    }

    pub(crate) fn u32(&mut self) -> Result<u32, E> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, E> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    pub(crate) fn f32(&mut self) -> Result<f32, E> {
        Ok(f32::from_le_bytes(self.array()?))
    }

    pub(crate) fn f64(&mut self) -> Result<f64, E> {
        Ok(f64::from_le_bytes(self.array()?))
    }

    /// `count` `u32`s; the bytes are checked to be there before allocating.
    pub(crate) fn u32s(&mut self, count: u64) -> Result<Vec<u32>, E> {
        let raw = self.take_items(count, 4)?;
        Ok(raw
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }

    /// `n` `f32`s; the bytes are checked to be there before allocating.
    pub(crate) fn f32s(&mut self, n: usize) -> Result<Vec<f32>, E> {
        let raw = self.take_items(n as u64, 4)?;
        Ok(raw
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }

    /// `n` `f64`s; the bytes are checked to be there before allocating.
    pub(crate) fn f64s(&mut self, n: usize) -> Result<Vec<f64>, E> {
        let raw = self.take_items(n as u64, 8)?;
        Ok(raw
            .chunks_exact(8)
            .map(|c| {
                let mut b = [0u8; 8];
                b.copy_from_slice(c);
                f64::from_le_bytes(b)
            })
            .collect())
    }
}
