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
