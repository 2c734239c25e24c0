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
/// row. A trait rather than a closure: a compiler optimising for size
/// inlines the method, where it called the closure once per row and block.
trait Inputs {
    fn value(&self, k: usize) -> f32;
}

/// `x[rows[k]]`.
struct Selected<'a> {
    x: &'a [f32],
    rows: &'a [u32],
}

impl Inputs for Selected<'_> {
    #[inline(always)]
    fn value(&self, k: usize) -> f32 {
        self.x[self.rows[k] as usize]
    }
}

/// `pixel_value(pixels[k])`.
struct Lit<'a> {
    pixels: &'a [u8],
}

impl Inputs for Lit<'_> {
    #[inline(always)]
    fn value(&self, k: usize) -> f32 {
        pixel_value(self.pixels[k])
    }
}

/// Outputs `start..start + N` of a forward pass in `N` registers: every
/// selected row streams through them once. `$k` lists `0..N`, spelled out
/// so that a compiler that does not unroll still keeps each sum in a
/// register.
macro_rules! forward_block {
    ($z:ident, $w:ident, $rows:ident, $inputs:ident, $n:ident, $start:ident; $($k:literal)+) => {{
        const N: usize = [$($k),+].len();
        let mut acc = [0.0f32; N];
        for (row, &r) in $rows.iter().enumerate() {
            let x = $inputs.value(row);
            let at = r as usize * $n + $start;
            let wr: &[f32; N] = $w[at..at + N].try_into().unwrap_or(&[0.0; N]);
            $(acc[$k] += x * wr[$k];)+
        }
        $z[$start..$start + N].copy_from_slice(&acc);
        $start += N;
    }};
}

/// `z_i ← Σ_k x_k w_{r_k i}` over `k` in order: the sums
/// [`super::reference::forward_rows`] makes. Blocks of sixteen outputs (sixteen of
/// a Cortex-M4F's 32 single-precision registers, beside the input and the
/// streamed weight), then one of eight, then single outputs.
#[inline(always)]
fn forward_blocked(z: &mut [f32], w: &[f32], rows: &[u32], inputs: &impl Inputs) {
    let n = z.len();
    let mut start = 0;
    while start + WIDE_BLOCK <= n {
        forward_block!(z, w, rows, inputs, n, start; 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
    }
    if start + BLOCK <= n {
        forward_block!(z, w, rows, inputs, n, start; 0 1 2 3 4 5 6 7);
    }
    for i in start..n {
        let mut acc = 0.0f32;
        for (row, &r) in rows.iter().enumerate() {
            acc += inputs.value(row) * w[r as usize * n + i];
        }
        z[i] = acc;
    }
}

/// Forward pass of a pre-major layer over selected rows, as
/// [`super::reference::forward_rows`].
#[inline]
pub(crate) fn forward_rows(z: &mut [f32], w: &[f32], x: &[f32], rows: &[u32]) {
    forward_blocked(z, w, rows, &Selected { x, rows });
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
}
