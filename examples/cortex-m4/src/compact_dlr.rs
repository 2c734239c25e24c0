//! DLR, Eq. 1, with one `f32` squared norm per row: the state a device
//! with 128 KB can afford.
//!
//! ```text
//! η_ij = η₀ (|w_ij| + α) / (‖w_·j‖ + α)      ‖w_·j‖ = √(Σ_i w_ij²), row j's norm
//! w_ij ← w_ij − η_ij a_j δ_i                  (norms of the weights before the step)
//! ```
//!
//! The library's `dlr::optim::Dlr` keeps each row's squared norm as eight
//! lane sums plus three scratch vectors of `n_in` entries, about 35 KB at
//! 784-32-10, so that its SIMD step-factor kernel can total eight rows at
//! once. Here each row keeps one sum: a step computes row `j`'s factor
//! `η₀ a_j / (‖w_·j‖ + α)` from it and runs the library's fused kernel
//! `dlr::kernels::dlr_row`, which updates the row and returns its new Σw²,
//! so the cache stays valid for the next step without a norm pass. The
//! result differs from the library's only in the order in which the squares
//! are summed: rounding.
//!
//! This is one of the two places that use the library's training API
//! (`LayerUpdate`, `Grad`, the kernels); `training.rs` is the other.

use alloc::vec::Vec;

use dlr::kernels;
use dlr::network::Network;
use dlr::optim::{Grad, LayerUpdate};

/// DLR Eq. 1 state: η₀, α and every row's `Σ_i w_ij²`.
#[derive(Clone, Debug)]
pub struct CompactDlr {
    eta0: f32,
    alpha: f32,
    // Per layer, (n_in,): the squared norm of each row of the current weights.
    row_sum_sq: Vec<Vec<f32>>,
}

impl CompactDlr {
    /// Bytes of state for layers of `(n_in, n_out)`: one `f32` per row
    /// (plus each layer's `Vec` header).
    pub fn state_bytes(shapes: impl Iterator<Item = (usize, usize)>) -> usize {
        shapes
            .map(|(n_in, _)| 4 * n_in + core::mem::size_of::<Vec<f32>>())
            .sum()
    }

    /// DLR with rate `eta0` and offset `alpha`, its cache filled from
    /// `net`'s current weights.
    pub fn new(eta0: f32, alpha: f32, net: &Network) -> Self {
        let row_sum_sq = net
            .layers()
            .iter()
            .map(|l| {
                l.w.chunks_exact(l.n_out)
                    .map(kernels::sum_squares)
                    .collect()
            })
            .collect();
        Self {
            eta0,
            alpha,
            row_sum_sq,
        }
    }

    /// One row: factor from the cached norm, fused update, new norm cached.
    #[inline(always)]
    fn update_row(&self, row: &mut [f32], sum_sq: &mut f32, a_j: f32, delta: &[f32]) {
        // step = η₀ a_j / (‖w_·j‖ + α)
        let step = self.eta0 * a_j / (sqrt(*sum_sq) + self.alpha);
        // w ← w − step (|w| + α) δ, and Σw² of the new row.
        *sum_sq = kernels::dlr_row(row, step, self.alpha, delta);
    }
}

/// `√x`, correctly rounded, by the FPU's `vsqrt.f32`: the same value as
/// `dlr::simd::exact_sqrt`, whose `wide` vector falls back to a software
/// square root on every lane on this target.
#[inline(always)]
fn sqrt(x: f32) -> f32 {
    let root: u32;
    // SAFETY: the instructions move `x` into s0, take its square root
    // there and move the result out; s0 is saved and restored around them
    // on the stack (inline assembly cannot name the single-precision
    // registers on this target without the `vfp2` feature, which the
    // hard-float target does not list). No other memory or flags are
    // touched except the FPSCR's cumulative exception bits.
    // thumbv7em-none-eabihf always has the FPU.
    unsafe {
        core::arch::asm!(
            "vpush {{s0}}",
            "vmov s0, {x}",
            "vsqrt.f32 s0, s0",
            "vmov {root}, s0",
            "vpop {{s0}}",
            x = in(reg) x.to_bits(),
            root = lateout(reg) root,
            options(pure, nomem, preserves_flags),
        );
    }
    f32::from_bits(root)
}

impl LayerUpdate for CompactDlr {
    fn begin_step(&mut self) {}

    /// η₀.
    fn learning_rate(&self) -> f32 {
        self.eta0
    }

    /// Sets η₀.
    fn set_learning_rate(&mut self, eta0: f32) {
        self.eta0 = eta0;
    }

    fn update_layer(&mut self, layer: usize, w: &mut [f32], n_out: usize, grad: &Grad<'_>) {
        let mut sums = core::mem::take(&mut self.row_sum_sq[layer]);
        match *grad {
            Grad::Outer { a, active, delta } => match active {
                // A sparse input: the lit pixels' rows.
                Some(rows) => {
                    for &j in rows {
                        let j = j as usize;
                        let row = &mut w[j * n_out..(j + 1) * n_out];
                        self.update_row(row, &mut sums[j], a[j], delta);
                    }
                }
                // A hidden layer's input: every row with a_j ≠ 0.
                None => {
                    for (j, (row, sum_sq)) in
                        w.chunks_exact_mut(n_out).zip(sums.iter_mut()).enumerate()
                    {
                        if a[j] != 0.0 {
                            self.update_row(row, sum_sq, a[j], delta);
                        }
                    }
                }
            },
            // A mini-batch gradient: every row, input 1, its own δ.
            Grad::Dense(g) => {
                for ((row, sum_sq), g_row) in w
                    .chunks_exact_mut(n_out)
                    .zip(sums.iter_mut())
                    .zip(g.chunks_exact(n_out))
                {
                    self.update_row(row, sum_sq, 1.0, g_row);
                }
            }
        }
        self.row_sum_sq[layer] = sums;
    }
}
