//! The scalar path's forward kernels: the sums of their twins
//! ([`super::reference::forward_rows`], [`super::reference::forward_lit`]),
//! each output's rows added in the twin's order, so the same bits, with
//! sixteen or eight outputs kept in registers while every selected row
//! streams through them. The twin adds one row to all of `z` at a time,
//! loading and storing `z` once per row; these write it once, which on a
//! core without a vector unit, optimised for size, takes far fewer
//! instructions (BENCHMARKS.md, "Cortex-M4F").
//!
//! No multiply-add is fused: Rust never contracts `a * b + c`, and where an
//! FPU has a multiply-accumulate that rounds twice (Arm's `VMLA`), it is
//! the same two roundings. Every other kernel runs its twin on the scalar
//! path: unrolled four times, the row kernels (`axpy`, `dlr_row`) took
//! more instructions there, not fewer (BENCHMARKS.md, "Cortex-M4F").

use super::reference::pixel_value;

/// Outputs the forward kernels keep in registers at once, and in the block
/// after the wide ones.
const WIDE_BLOCK: usize = 16;
const BLOCK: usize = 8;

/// The inputs of a forward pass: `x_k`, the value of the `k`-th selected
/// row `r`. A trait rather than a closure: a compiler optimising for size
/// inlines the method, where it called the closure once per row and block.
trait Inputs {
    /// Whether [`Inputs::value`] may be asked for row `r` (at any `k` below
    /// the number of rows the inputs were built for).
    fn holds_row(&self, r: u32) -> bool;

    /// The value of the `k`-th selected row, `r`.
    ///
    /// # Safety
    /// `k` is below the number of selected rows and `holds_row(r)`.
    unsafe fn value(&self, k: usize, r: u32) -> f32;
}

/// `x[rows[k]]`.
struct Selected<'a> {
    x: &'a [f32],
}

impl Inputs for Selected<'_> {
    #[inline(always)]
    fn holds_row(&self, r: u32) -> bool {
        (r as usize) < self.x.len()
    }

    #[inline(always)]
    unsafe fn value(&self, _k: usize, r: u32) -> f32 {
        // SAFETY: the caller checked `holds_row(r)`, so `r < x.len()`.
        unsafe { *self.x.get_unchecked(r as usize) }
    }
}

/// `pixel_value(pixels[k])`, one pixel per selected row.
struct Lit<'a> {
    pixels: &'a [u8],
}

impl Inputs for Lit<'_> {
    #[inline(always)]
    fn holds_row(&self, _r: u32) -> bool {
        true
    }

    #[inline(always)]
    unsafe fn value(&self, k: usize, _r: u32) -> f32 {
        // SAFETY: `pixels` holds one pixel per selected row (`forward_lit`
        // cuts it to `rows.len()`), and the caller's `k` is below that.
        pixel_value(unsafe { *self.pixels.get_unchecked(k) })
    }
}

/// Outputs `start..start + N` of a forward pass in `N` registers: every
/// selected row streams through them once. `$k` lists `0..N`, spelled out
/// so that a compiler that does not unroll still keeps each sum in a
/// register. Only for `forward_blocked`, after its check of the rows.
macro_rules! forward_block {
    ($z:ident, $w:ident, $rows:ident, $inputs:ident, $n:ident, $start:ident; $($k:literal)+) => {{
        const N: usize = [$($k),+].len();
        let mut acc = [0.0f32; N];
        for (k, &r) in $rows.iter().enumerate() {
            // SAFETY: `forward_blocked` checked `holds_row(r)` and
            // `(r + 1) n <= w.len()` for every row, and `start + N <= n`,
            // so `r n + start + N <= w.len()`; `k < rows.len()`.
            let (x, wr) = unsafe {
                let at = r as usize * $n + $start;
                ($inputs.value(k, r), &*($w.as_ptr().add(at) as *const [f32; N]))
            };
            $(acc[$k] += x * wr[$k];)+
        }
        $z[$start..$start + N].copy_from_slice(&acc);
        $start += N;
    }};
}

/// `z_i ← Σ_k x_k w_{r_k i}` over `k` in order: the sums
/// [`super::reference::forward_rows`] makes. Blocks of sixteen outputs (sixteen of
/// a Cortex-M4F's 32 single-precision registers, beside the input and the
/// streamed weight), then one of eight, then pairs, then a single output.
///
/// The rows are checked once, up front, rather than at every block: on a
/// core without a vector unit the per-row checks of the weights' and the
/// input's indices were a tenth of a forward pass's instructions
/// (BENCHMARKS.md, "Cortex-M4F").
///
/// # Panics
/// If a selected row is not a row of `w` (of `z.len()` weights) or has no
/// input.
#[inline(always)]
fn forward_blocked(z: &mut [f32], w: &[f32], rows: &[u32], inputs: &impl Inputs) {
    let n = z.len();
    let w_rows = w.len().checked_div(n).unwrap_or(usize::MAX);
    assert!(
        rows.iter()
            .all(|&r| (r as usize) < w_rows && inputs.holds_row(r)),
        "a selected row outside the layer"
    );
    let mut start = 0;
    while start + WIDE_BLOCK <= n {
        forward_block!(z, w, rows, inputs, n, start; 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
    }
    if start + BLOCK <= n {
        forward_block!(z, w, rows, inputs, n, start; 0 1 2 3 4 5 6 7);
    }
    while start + 2 <= n {
        forward_block!(z, w, rows, inputs, n, start; 0 1);
    }
    // At most one output is left.
    while start < n {
        forward_block!(z, w, rows, inputs, n, start; 0);
    }
}

/// Forward pass of a pre-major layer over selected rows, as
/// [`super::reference::forward_rows`].
#[inline]
pub(crate) fn forward_rows(z: &mut [f32], w: &[f32], x: &[f32], rows: &[u32]) {
    forward_blocked(z, w, rows, &Selected { x });
}

/// Forward pass of a pre-major layer over an image's lit pixels, as
/// [`super::reference::forward_lit`].
#[inline]
pub(crate) fn forward_lit(z: &mut [f32], w: &[f32], rows: &[u32], pixels: &[u8]) {
    debug_assert_eq!(rows.len(), pixels.len());
    let pixels = &pixels[..rows.len()];
    forward_blocked(z, w, rows, &Lit { pixels });
}

#[cfg(test)]
mod tests {
    use super::super::reference;
    use crate::rng::Rng;
    use alloc::vec;
    use alloc::vec::Vec;

    /// The register blocks give the twins' bits, on every host (on x86-64
    /// the scalar path runs the twins, and only these tests run `plain`):
    /// widths across the 16- and 8-output blocks and their remainders,
    /// rows in any order and repeated, NaN, infinities and extremes among
    /// the weights and inputs.
    #[test]
    fn forward_kernels_give_the_twins_bits() {
        let mut rng = Rng::new(41);
        let specials = [
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::MAX,
            1e-40,
            -0.0,
        ];
        for n_out in [1, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 100] {
            let n_in = 13;
            let mut w: Vec<f32> = (0..n_in * n_out)
                .map(|_| rng.uniform_symmetric(1.0))
                .collect();
            let mut x: Vec<f32> = (0..n_in).map(|_| rng.uniform()).collect();
            if n_out % 2 == 1 {
                for (k, &s) in specials.iter().enumerate() {
                    let at = (k * 7 + n_out) % w.len();
                    w[at] = s;
                }
                x[n_out % n_in] = f32::MAX;
            }
            let rows: Vec<u32> = (0..1 + n_out % 11)
                .map(|_| rng.below(n_in as u64) as u32)
                .collect();
            let pixels: Vec<u8> = rows.iter().map(|&j| (j * 37 + 5) as u8).collect();
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            let (mut z, mut z_ref) = (vec![f32::NAN; n_out], vec![f32::NAN; n_out]);
            super::forward_rows(&mut z, &w, &x, &rows);
            reference::forward_rows(&mut z_ref, &w, &x, &rows);
            assert_eq!(bits(&z), bits(&z_ref), "forward_rows, {n_out} outputs");
            super::forward_lit(&mut z, &w, &rows, &pixels);
            reference::forward_lit(&mut z_ref, &w, &rows, &pixels);
            assert_eq!(bits(&z), bits(&z_ref), "forward_lit, {n_out} outputs");
        }
    }

    /// The rows are checked before the unchecked loads: a row past the
    /// weights, or past the inputs, panics instead of reading memory that
    /// is not the layer's.
    #[cfg(feature = "std")]
    #[test]
    fn a_row_outside_the_layer_panics() {
        let (w, x) = (vec![1.0f32; 3 * 17], vec![1.0f32; 4]);
        let mut z = vec![0.0f32; 17];
        let outside = |rows: &'static [u32], x: &[f32]| {
            let (mut z, w, x) = (z.clone(), w.clone(), x.to_vec());
            std::panic::catch_unwind(move || super::forward_rows(&mut z, &w, &x, rows)).is_err()
        };
        assert!(outside(&[0, 3], &x), "row 3 of a 3-row layer");
        assert!(outside(&[2, 1], &x[..2]), "row 2 of 2 inputs");
        assert!(!outside(&[2, 1, 0], &x), "rows inside");
        let lit = std::panic::catch_unwind(move || super::forward_lit(&mut z, &w, &[5], &[9]));
        assert!(lit.is_err(), "forward_lit, row 5 of a 3-row layer");
    }
}
