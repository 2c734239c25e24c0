//! The library's SIMD kernels (`dlr::kernels::X`) against their scalar
//! twins (`dlr::kernels::reference::X`) on the device target: odd lengths,
//! misaligned sub-slices, random data, NaN and extreme values. Prints one
//! line per kernel and exits 1 on the first kernel with a mismatch.
//!
//! Tolerances are those of the repository's `tests/kernels.rs`:
//! `|simd − twin| ≤ atol + rtol·|twin|`, NaN on either side a mismatch
//! unless both are NaN where NaN is expected.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec;
use alloc::vec::Vec;

use cortex_m_rt::entry;
use dlr::kernels::{self, reference};
use dlr::rng::Rng;
use dlr_cortex_m4::host::{self, EXIT_FAILURE, EXIT_SUCCESS};
use dlr_cortex_m4::{board, outln};

const EPS: f32 = f32::EPSILON;

/// Lengths 1..=40, then 67, 100 and 784: every tail, and the real rows.
fn lengths() -> impl Iterator<Item = usize> {
    (1..=40).chain([67, 100, 784])
}

fn uniform(rng: &mut Rng, n: usize, lo: f32, hi: f32) -> Vec<f32> {
    (0..n).map(|_| lo + (hi - lo) * rng.uniform()).collect()
}

/// Counts checks and reports the first mismatch of each kernel.
struct Checker {
    kernel: &'static str,
    checks: u32,
    failures: u32,
}

impl Checker {
    fn start(kernel: &'static str) -> Self {
        Self {
            kernel,
            checks: 0,
            failures: 0,
        }
    }

    fn close(&mut self, len: usize, simd: &[f32], twin: &[f32], atol: f32, rtol: f32) {
        self.checks += 1;
        for (i, (&x, &r)) in simd.iter().zip(twin).enumerate() {
            let same = x == r || (x.is_nan() && r.is_nan());
            // Written so that a NaN on one side fails.
            let within = (x - r).abs() <= atol + rtol * r.abs();
            if !(within || same) {
                if self.failures == 0 {
                    outln!(
                        "{}: mismatch at length {len}, index {i}: simd {:08x} twin {:08x} (f32 bits)",
                        self.kernel,
                        x.to_bits(),
                        r.to_bits()
                    );
                }
                self.failures += 1;
                return;
            }
        }
    }

    fn finish(self) -> bool {
        outln!(
            "{}: {} cases, {}",
            self.kernel,
            self.checks,
            if self.failures == 0 { "ok" } else { "FAILED" }
        );
        self.failures == 0
    }
}

#[entry]
fn main() -> ! {
    board::init_heap();
    let mut rng = Rng::new(16);
    let mut ok = true;

    let mut c = Checker::start("axpy (and misaligned)");
    for n in lengths() {
        for offset in [0, 1, 3] {
            let x = uniform(&mut rng, n + offset, -1.0, 1.0);
            let y0 = uniform(&mut rng, n + offset, -1.0, 1.0);
            let (mut y, mut y_ref) = (y0.clone(), y0);
            kernels::axpy(&mut y[offset..], 0.7, &x[offset..]);
            reference::axpy(&mut y_ref[offset..], 0.7, &x[offset..]);
            c.close(n, &y, &y_ref, 12.0 * EPS, 0.0);
        }
    }
    ok &= c.finish();

    let mut c = Checker::start("dot, sum_squares");
    for n in lengths() {
        let x = uniform(&mut rng, n + 1, -1.0, 1.0);
        let y = uniform(&mut rng, n + 1, -1.0, 1.0);
        let (x, y) = (&x[1..], &y[1..]);
        let scale: f32 = x.iter().zip(y).map(|(a, b)| (a * b).abs()).sum();
        let tol = n as f32 * EPS * scale + 1e-7;
        c.close(n, &[kernels::dot(x, y)], &[reference::dot(x, y)], tol, 0.0);
        let s_ref = reference::sum_squares(x);
        let tol = n as f32 * EPS * s_ref + 1e-7;
        c.close(n, &[kernels::sum_squares(x)], &[s_ref], tol, 0.0);
    }
    ok &= c.finish();

    let mut c = Checker::start("sigmoid (random, extremes)");
    for n in lengths() {
        let z0 = uniform(&mut rng, n, -20.0, 20.0);
        let (mut z, mut z_ref) = (z0.clone(), z0);
        kernels::sigmoid(&mut z);
        reference::sigmoid(&mut z_ref);
        c.close(n, &z, &z_ref, 1e-7, 8.0 * EPS);
    }
    let extremes = [
        -1000.0,
        -87.0,
        0.0,
        87.0,
        1000.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        3.0,
        f32::MAX,
        f32::MIN,
    ];
    let (mut z, mut z_ref) = (extremes, extremes);
    kernels::sigmoid(&mut z);
    reference::sigmoid(&mut z_ref);
    c.close(extremes.len(), &z, &z_ref, 1e-7, 8.0 * EPS);
    ok &= c.finish();

    // NaN in one lane of a full vector and in the tail: a diverged network
    // must stay visible on this target too, where `wide` emulates the
    // vectors and the clamp before `exp` has its own NaN rules.
    let mut c = Checker::start("sigmoid NaN propagation");
    let mut z = [
        0.5,
        1.0,
        f32::NAN,
        -2.0,
        0.0,
        3.0,
        4.0,
        5.0,
        6.0,
        f32::NAN,
        1.0,
    ];
    let mut z_ref = z;
    kernels::sigmoid(&mut z);
    reference::sigmoid(&mut z_ref);
    c.close(z.len(), &z, &z_ref, 1e-7, 8.0 * EPS);
    ok &= c.finish();

    let mut c = Checker::start("output_delta, hidden_delta");
    for n in lengths().take(20) {
        let y = uniform(&mut rng, n, 0.0, 1.0);
        let label = rng.below(n as u64) as usize;
        let (mut d, mut d_ref) = (vec![f32::NAN; n], vec![f32::NAN; n]);
        let loss = kernels::output_delta(&y, label, 0, &mut d);
        let loss_ref = reference::output_delta(&y, label, 0, &mut d_ref);
        c.close(n, &d, &d_ref, 1e-7, 4.0 * EPS);
        c.close(n, &[loss], &[loss_ref], 1e-7, n as f32 * EPS);
        let n_h = 1 + n % 37;
        let h = uniform(&mut rng, n_h, 0.0, 1.0);
        let w = uniform(&mut rng, n_h * n, -1.0, 1.0);
        let dn = uniform(&mut rng, n, -0.25, 0.25);
        let (mut e, mut e_ref) = (vec![f32::NAN; n_h], vec![f32::NAN; n_h]);
        kernels::hidden_delta(&h, &w, &dn, &mut e);
        reference::hidden_delta(&h, &w, &dn, &mut e_ref);
        c.close(n, &e, &e_ref, n as f32 * EPS * 0.25, 0.0);
    }
    ok &= c.finish();

    let mut c = Checker::start("forward_rows");
    for n_out in lengths().take(41) {
        let n_in = 37;
        let w = uniform(&mut rng, n_in * n_out, -1.0, 1.0);
        let x = uniform(&mut rng, n_in, 0.0, 1.0);
        let rows: Vec<u32> = (0..n_in as u32).filter(|_| rng.uniform() < 0.4).collect();
        let (mut z, mut z_ref) = (vec![f32::NAN; n_out], vec![f32::NAN; n_out]);
        kernels::forward_rows(&mut z, &w, &x, &rows);
        reference::forward_rows(&mut z_ref, &w, &x, &rows);
        c.close(n_out, &z, &z_ref, rows.len() as f32 * 2.0 * EPS, 0.0);
    }
    ok &= c.finish();

    let mut c = Checker::start("sgd_row, sgd_rows");
    // 11 rows of up to 100: three copies of 11 rows of 784 would not fit.
    for n in lengths().filter(|&n| n <= 100) {
        let w0 = uniform(&mut rng, 11 * n, -1.0, 1.0);
        let d = uniform(&mut rng, n, -1.0, 1.0);
        let mut a = uniform(&mut rng, 11, 0.0, 1.0);
        a[n % 11] = 0.0;
        let (mut w, mut w_ref) = (w0.clone(), w0.clone());
        kernels::sgd_row(&mut w[1..=n], 0.3, &d);
        reference::sgd_row(&mut w_ref[1..=n], 0.3, &d);
        c.close(n, &w, &w_ref, 4.0 * EPS, 0.0);
        let rows: Vec<u32> = (0..1 + n % 13).map(|_| rng.below(11) as u32).collect();
        let (mut w, mut w_ref) = (w0.clone(), w0);
        kernels::sgd_rows(&mut w, Some(&rows), &a, 0.3, &d);
        reference::sgd_rows(&mut w_ref, Some(&rows), &a, 0.3, &d);
        c.close(n, &w, &w_ref, 8.0 * EPS, 0.0);
    }
    ok &= c.finish();

    let mut c = Checker::start("dlr_row (random, misaligned, extremes)");
    for n in lengths() {
        for offset in [0, 1, 5] {
            let w0 = uniform(&mut rng, n + offset, -1.0, 1.0);
            let d = uniform(&mut rng, n, -1.0, 1.0);
            let (mut w, mut w_ref) = (w0.clone(), w0);
            let s = kernels::dlr_row(&mut w[offset..], 0.2, 0.3, &d);
            let s_ref = reference::dlr_row(&mut w_ref[offset..], 0.2, 0.3, &d);
            c.close(n, &w, &w_ref, 4.0 * EPS, 0.0);
            c.close(n, &[s], &[s_ref], 0.0, 2.0 * n as f32 * EPS);
        }
    }
    // Large and non-finite weights and deltas go through both the same way.
    let w0 = [
        1e30,
        -1e30,
        f32::NAN,
        0.0,
        -0.0,
        1e-40,
        f32::INFINITY,
        3.0,
        -2.0,
    ];
    let d = [
        1e10,
        -1e10,
        1.0,
        f32::NAN,
        1.0,
        1.0,
        0.5,
        f32::MIN_POSITIVE,
        0.25,
    ];
    let (mut w, mut w_ref) = (w0, w0);
    let s = kernels::dlr_row(&mut w, 0.5, 0.3, &d);
    let s_ref = reference::dlr_row(&mut w_ref, 0.5, 0.3, &d);
    c.close(w0.len(), &w, &w_ref, 4.0 * EPS, 4.0 * EPS);
    c.close(w0.len(), &[s], &[s_ref], 0.0, 0.0);
    ok &= c.finish();

    let heap_peak = board::HEAP.peak();
    outln!(
        "kernel tests on thumbv7em-none-eabihf: {} (heap peak {heap_peak} B)",
        if ok { "all passed" } else { "FAILED" }
    );
    host::exit(if ok { EXIT_SUCCESS } else { EXIT_FAILURE })
}
