//! What a structure allocates, asked before allocating it.
//!
//! Each structure that owns heap memory states it for given layer sizes
//! (`sizes` as [`Network::new`](crate::network::Network::new) takes them,
//! input first): [`Network::heap_need`](crate::network::Network::heap_need),
//! [`Workspace::heap_need`](crate::network::Workspace::heap_need), and every
//! rule's `heap_need` ([`Optimizer::heap_need`](crate::optim::Optimizer::heap_need)
//! for a rule chosen at run time). A program with a fixed heap (a
//! microcontroller's) adds them up and refuses a run that cannot fit before
//! anything is allocated:
//!
//! ```
//! use dlr::network::{Network, Workspace};
//! use dlr::optim::{Adam, Dlr, DlrLayout};
//!
//! let sizes = [784, 32, 10];
//! let dlr = Network::heap_need(&sizes)
//!     + Workspace::heap_need(&sizes)
//!     + Dlr::heap_need(&sizes, dlr::optim::DlrNorm::Pre, DlrLayout::RowSums);
//! let adam = Network::heap_need(&sizes) + Workspace::heap_need(&sizes) + Adam::heap_need(&sizes);
//! // What an allocator adds to each block is the caller's to say (here 16 bytes).
//! assert!(dlr.total(16) < 128 * 1024 && adam.total(16) > 128 * 1024);
//! ```

use core::mem::size_of;
use core::ops::{Add, AddAssign};

/// Heap memory: the bytes requested and in how many allocations.
///
/// The bytes are the sizes asked of the allocator; what it adds to each
/// block (headers, rounding, alignment padding) depends on the allocator,
/// so [`HeapNeed::total`] takes it per allocation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeapNeed {
    /// Bytes requested, summed over the allocations.
    pub bytes: usize,
    /// Allocations made (zero-sized ones are not: they allocate nothing).
    pub allocations: usize,
}

impl HeapNeed {
    /// Nothing.
    pub const NONE: Self = Self {
        bytes: 0,
        allocations: 0,
    };

    /// One allocation of `n` values of `T` (none when `n` or `T` is zero-sized).
    pub const fn array<T>(n: usize) -> Self {
        let bytes = n * size_of::<T>();
        Self {
            bytes,
            allocations: if bytes == 0 { 0 } else { 1 },
        }
    }

    /// The bytes with `per_allocation` more for each allocation (the
    /// allocator's overhead and alignment padding).
    pub const fn total(self, per_allocation: usize) -> usize {
        self.bytes + self.allocations * per_allocation
    }
}

impl Add for HeapNeed {
    type Output = Self;
    fn add(self, other: Self) -> Self {
        Self {
            bytes: self.bytes + other.bytes,
            allocations: self.allocations + other.allocations,
        }
    }
}

impl AddAssign for HeapNeed {
    fn add_assign(&mut self, other: Self) {
        *self = *self + other;
    }
}

impl core::iter::Sum for HeapNeed {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Self::NONE, Add::add)
    }
}

/// `(n_in, n_out)` of every layer of a network of layer sizes `sizes`.
pub(crate) fn shapes(sizes: &[usize]) -> impl Iterator<Item = (usize, usize)> + Clone + '_ {
    sizes.windows(2).map(|p| (p[0], p[1]))
}

/// One `Vec` per layer of `n(n_in, n_out)` values of `T`, in a `Vec` of
/// `Outer` (the shape of per-layer state such as `Vec<Vec<f32>>`).
pub(crate) fn per_layer<Outer, T>(sizes: &[usize], n: impl Fn(usize, usize) -> usize) -> HeapNeed {
    HeapNeed::array::<Outer>(sizes.len().saturating_sub(1))
        + shapes(sizes)
            .map(|(i, o)| HeapNeed::array::<T>(n(i, o)))
            .sum()
}
