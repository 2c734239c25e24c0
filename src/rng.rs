//! Seeded, portable randomness: `Pcg64Mcg` plus the few distributions we need,
//! written here so that no upstream change of a distribution can change a
//! training run (rand's `shuffle` and ranges changed their streams in 0.9).
//!
//! The generator's whole state is one odd `u128` ([`Rng::state`],
//! [`Rng::from_state`]): a checkpoint stores it, and the stream continues
//! exactly where it stopped.

use rand_core::{Rng as _, SeedableRng};
use rand_pcg::Pcg64Mcg;

/// The generator behind initialisation and shuffling.
#[derive(Clone, Debug)]
pub struct Rng(Pcg64Mcg);

impl Rng {
    /// A generator seeded from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(Pcg64Mcg::seed_from_u64(seed))
    }

    /// The generator's state: a 128-bit multiplicative congruential state,
    /// always odd. [`Rng::from_state`] continues the stream from it.
    pub fn state(&self) -> u128 {
        self.0.state()
    }

    /// The generator in state `state`, as [`Rng::state`] returned it;
    /// `None` for an even value, which no generator is ever in.
    pub fn from_state(state: u128) -> Option<Self> {
        (state & 1 == 1).then(|| Self(Pcg64Mcg::new(state)))
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform `f32` in `[0, 1)` with 24 random bits.
    pub fn uniform(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 * (1.0 / (1u64 << 24) as f32)
    }

    /// Uniform `f32` in `[−r, r)`.
    pub fn uniform_symmetric(&mut self, r: f32) -> f32 {
        (2.0 * self.uniform() - 1.0) * r
    }

    /// Uniform integer in `0..n` without bias (Lemire's multiply-and-reject).
    /// `n` must be > 0.
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = (self.next_u64() as u128) * (n as u128);
            if (m as u64) >= threshold {
                return (m >> 64) as u64;
            }
        }
    }

    /// Fisher–Yates shuffle: for `i = n−1 … 1`, swaps `xs[i]` and
    /// `xs[j]`, `j = below(i + 1)`.
    pub fn shuffle<T>(&mut self, xs: &mut [T]) {
        let Ok(()) = self.shuffle_by(xs.len(), |i, j| {
            xs.swap(i, j);
            Ok::<(), core::convert::Infallible>(())
        });
    }

    /// [`Rng::shuffle`] of `n` values kept elsewhere: calls `swap(i, j)`
    /// for the same `i` and `j`, in the same order, with the same draws, so
    /// a permutation in a file or in flash (too large for RAM) follows the
    /// very order a slice would. Stops at the first error `swap` returns;
    /// the draws made so far are spent.
    pub fn shuffle_by<E>(
        &mut self,
        n: usize,
        mut swap: impl FnMut(usize, usize) -> Result<(), E>,
    ) -> Result<(), E> {
        for i in (1..n).rev() {
            let j = self.below(i as u64 + 1) as usize;
            swap(i, j)?;
        }
        Ok(())
    }
}
