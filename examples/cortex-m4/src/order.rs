//! The desktop trainer's shuffled order of the training set, kept in a
//! scratch file on the host: 60,000 `u32` are 240 KB, more than the device
//! has.
//!
//! The trainer (`dlr::train::Trainer`) starts from the identity and, at the
//! start of every epoch, shuffles the previous epoch's order in place with
//! `Rng::shuffle`, from one generator seeded once. This file takes the very
//! same swaps from the library (`Rng::shuffle_by`) with the same generator,
//! so the order is the same permutation, exactly; only where the values
//! live differs. A block of the file is held in RAM: the swap partner `i`
//! walks down through it, and `j` falls in it too when it is close, else it
//! is read and written in place on the host.

use alloc::vec;
use alloc::vec::Vec;

use dlr::rng::Rng;

use crate::host::{File, FileError, Mode};

/// Entries held in RAM at once (4 bytes each).
pub const BLOCK: usize = 512;

/// The seed of the trainer's shuffling stream for `seed`, as the desktop
/// trainer draws it.
pub use dlr::train::shuffle_seed;

/// A permutation of `0..n` in a host file, with one block cached.
#[derive(Debug)]
pub struct ShuffledOrder {
    file: File,
    n: usize,
    block: Vec<u32>,
    // The file positions the block holds, `[lo, hi)`; empty when none.
    lo: usize,
    hi: usize,
    dirty: bool,
}

impl ShuffledOrder {
    /// The identity `0..n` in a new scratch file at `path`, with a cache of
    /// `block` entries.
    pub fn create(path: &str, n: usize, block: usize) -> Result<Self, FileError> {
        let mut order = Self {
            file: File::open(path, Mode::ReadWrite)?,
            n,
            block: vec![0; block.max(1)],
            lo: 0,
            hi: 0,
            dirty: false,
        };
        let mut start = 0;
        while start < n {
            let end = (start + order.block.len()).min(n);
            for (k, v) in order.block[..end - start].iter_mut().enumerate() {
                *v = (start + k) as u32;
            }
            order.lo = start;
            order.hi = end;
            order.dirty = true;
            order.store()?;
            start = end;
        }
        Ok(order)
    }

    /// Length of the permutation.
    pub fn len(&self) -> usize {
        self.n
    }

    /// True for the permutation of nothing.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Writes the block back if it changed.
    fn store(&mut self) -> Result<(), FileError> {
        if self.dirty {
            let mut bytes = [0u8; 4 * 64];
            let mut pos = self.lo;
            for chunk in self.block[..self.hi - self.lo].chunks(64) {
                for (b, v) in bytes.chunks_exact_mut(4).zip(chunk) {
                    b.copy_from_slice(&v.to_le_bytes());
                }
                self.file.write_at(4 * pos, &bytes[..4 * chunk.len()])?;
                pos += chunk.len();
            }
            self.dirty = false;
        }
        Ok(())
    }

    /// Holds `[lo, hi)` in the block (storing the previous one).
    fn load(&mut self, lo: usize, hi: usize) -> Result<(), FileError> {
        self.store()?;
        let mut bytes = [0u8; 4 * 64];
        let mut pos = lo;
        for chunk in self.block[..hi - lo].chunks_mut(64) {
            self.file.read_at(4 * pos, &mut bytes[..4 * chunk.len()])?;
            for (v, b) in chunk.iter_mut().zip(bytes.chunks_exact(4)) {
                *v = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            }
            pos += chunk.len();
        }
        self.lo = lo;
        self.hi = hi;
        Ok(())
    }

    fn read_one(&mut self, pos: usize) -> Result<u32, FileError> {
        let mut b = [0u8; 4];
        self.file.read_at(4 * pos, &mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    /// Shuffles the permutation in place through the library's
    /// `Rng::shuffle_by`: the swaps `rng.shuffle(&mut order)` would make,
    /// applied to the file. `i` walks down, so the block follows it.
    pub fn shuffle(&mut self, rng: &mut Rng) -> Result<(), FileError> {
        let n = self.n;
        if n < 2 {
            return Ok(());
        }
        let size = self.block.len();
        self.load(n - size.min(n), n)?;
        rng.shuffle_by(n, |i, j| {
            if i < self.lo {
                let hi = i + 1;
                self.load(hi.saturating_sub(size), hi)?;
            }
            let (lo, bi) = (self.lo, i - self.lo);
            if j >= lo {
                self.block.swap(bi, j - lo);
            } else {
                let xj = self.read_one(j)?;
                self.file.write_at(4 * j, &self.block[bi].to_le_bytes())?;
                self.block[bi] = xj;
            }
            self.dirty = true;
            Ok(())
        })?;
        self.store()
    }

    /// Entry `pos` of the permutation; sequential reads cost one host read
    /// per block.
    pub fn get(&mut self, pos: usize) -> Result<u32, FileError> {
        if !(self.lo..self.hi).contains(&pos) {
            let lo = pos - pos % self.block.len();
            self.load(lo, (lo + self.block.len()).min(self.n))?;
        }
        Ok(self.block[pos - self.lo])
    }
}
