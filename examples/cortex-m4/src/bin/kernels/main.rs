//! Every public kernel of the library (`dlr::kernels::X`) against its
//! scalar twin (`dlr::kernels::reference::X`) on the device target: odd
//! lengths, misaligned sub-slices, random data, and inputs sprinkled with
//! NaN, ±∞, ±0, subnormals and extremes. Prints one line per kernel and
//! exits 1 if any kernel mismatched; then the instructions one call of
//! each kernel takes at the sizes of a 784-32-10 step (meaningful under
//! QEMU's `-icount shift=0`, which `run.sh` passes).
//!
//! On the scalar path (this target's only one) a kernel must give its
//! twin's bits exactly, NaN for NaN. On a vector path it must agree within
//! `|simd − twin| ≤ atol + rtol·|twin|` (the tolerances of the repository's
//! `tests/kernels.rs`), where an infinity on either side must be the same
//! infinity and a NaN on one side must be a NaN on the other.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec;
use alloc::vec::Vec;

use cortex_m_rt::entry;
use dlr::kernels::{self, reference, GROUP};
use dlr::rng::Rng;
use dlr::simd::active_path;
use dlr_cortex_m4::host::{self, EXIT_FAILURE, EXIT_SUCCESS};
use dlr_cortex_m4::{board, icount, outln};

mod checker;
mod timing;

use checker::{tolerance_rejects_what_it_must, Checker};

const EPS: f32 = f32::EPSILON;

/// Lengths 1..=40, then 67, 100 and 784: every tail, and the real rows.
fn lengths() -> impl Iterator<Item = usize> {
    (1..=40).chain([67, 100, 784])
}

fn uniform(rng: &mut Rng, n: usize, lo: f32, hi: f32) -> Vec<f32> {
    (0..n).map(|_| lo + (hi - lo) * rng.uniform()).collect()
}

/// Values no random draw gives.
const SPECIAL: [f32; 12] = [
    f32::NAN,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::MAX,
    f32::MIN,
    1e30,
    -1e-30,
    f32::MIN_POSITIVE,
    1e-40, // subnormal
    0.0,
    -0.0,
    -1.0,
];

/// `x` with about one element in four replaced by a value of [`SPECIAL`].
fn sprinkled(rng: &mut Rng, mut x: Vec<f32>) -> Vec<f32> {
    for v in x.iter_mut() {
        if rng.below(4) == 0 {
            *v = SPECIAL[rng.below(SPECIAL.len() as u64) as usize];
        }
    }
    x
}

/// The factors of an update of 11 rows of `n` weights, drawn in this
/// order: the deltas `δ` (`n`, sprinkled with [`SPECIAL`] when `n` is a
/// multiple of 3), the 11 inputs `a` (row `n mod 11`'s zero), and a list of
/// `1 + n mod 13` rows, drawn with repeats.
fn row_step_factors(rng: &mut Rng, n: usize) -> (Vec<f32>, Vec<f32>, Vec<u32>) {
    let d = uniform(rng, n, -1.0, 1.0);
    let d = if n.is_multiple_of(3) {
        sprinkled(rng, d)
    } else {
        d
    };
    let mut a = uniform(rng, 11, 0.0, 1.0);
    a[n % 11] = 0.0;
    let rows = (0..1 + n % 13).map(|_| rng.below(11) as u32).collect();
    (d, a, rows)
}

#[entry]
fn main() -> ! {
    board::init_heap();
    if let Some(p) = cortex_m::Peripherals::take() {
        icount::start(p.SYST);
    }
    let mut rng = Rng::new(16);
    outln!("kernels on the {} path", active_path());
    let mut ok = tolerance_rejects_what_it_must();

    let mut c = Checker::start("axpy (random, misaligned, special)");
    for n in lengths() {
        for offset in [0, 1, 3] {
            let x = uniform(&mut rng, n + offset, -1.0, 1.0);
            let y0 = uniform(&mut rng, n + offset, -1.0, 1.0);
            let x = if offset == 3 {
                sprinkled(&mut rng, x)
            } else {
                x
            };
            let (mut y, mut y_ref) = (y0.clone(), y0);
            kernels::axpy(&mut y[offset..], 0.7, &x[offset..]);
            reference::axpy(&mut y_ref[offset..], 0.7, &x[offset..]);
            c.close(n, &y, &y_ref, 12.0 * EPS, 0.0);
        }
    }
    ok &= c.finish();

    let mut c = Checker::start("dot, sum_squares (random, special)");
    for n in lengths() {
        for special in [false, true] {
            let x = uniform(&mut rng, n + 1, -1.0, 1.0);
            let y = uniform(&mut rng, n + 1, -1.0, 1.0);
            let x = if special { sprinkled(&mut rng, x) } else { x };
            let (x, y) = (&x[1..], &y[1..]);
            let scale: f32 = x.iter().zip(y).map(|(a, b)| (a * b).abs()).sum();
            let tol = n as f32 * EPS * scale + 1e-7;
            c.close(n, &[kernels::dot(x, y)], &[reference::dot(x, y)], tol, 0.0);
            let s_ref = reference::sum_squares(x);
            let tol = n as f32 * EPS * s_ref + 1e-7;
            c.close(n, &[kernels::sum_squares(x)], &[s_ref], tol, 0.0);
        }
    }
    ok &= c.finish();

    let mut c = Checker::start("sigmoid (random, special)");
    for n in lengths() {
        let z0 = uniform(&mut rng, n, -20.0, 20.0);
        let z0 = if n % 2 == 1 {
            sprinkled(&mut rng, z0)
        } else {
            z0
        };
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
        f32::NAN,
        3.0,
        f32::MAX,
        f32::MIN,
    ];
    let (mut z, mut z_ref) = (extremes, extremes);
    kernels::sigmoid(&mut z);
    reference::sigmoid(&mut z_ref);
    c.close(extremes.len(), &z, &z_ref, 1e-7, 8.0 * EPS);
    ok &= c.finish();

    let mut c = Checker::start("output_delta, hidden_delta (random, special)");
    for n in lengths().take(24) {
        let special = n % 3 == 0;
        let y = uniform(&mut rng, n, 0.0, 1.0);
        let y = if special { sprinkled(&mut rng, y) } else { y };
        let label = rng.below(n as u64) as usize;
        let (mut d, mut d_ref) = (vec![f32::NAN; n], vec![f32::NAN; n]);
        let loss = kernels::output_delta(&y, label, 0, &mut d);
        let loss_ref = reference::output_delta(&y, label, 0, &mut d_ref);
        c.close(n, &d, &d_ref, 1e-7, 4.0 * EPS);
        c.close(n, &[loss], &[loss_ref], 1e-7, n as f32 * EPS);
        let n_h = 1 + n % 37;
        let h = uniform(&mut rng, n_h, 0.0, 1.0);
        let w = uniform(&mut rng, n_h * n, -1.0, 1.0);
        let w = if special { sprinkled(&mut rng, w) } else { w };
        let dn = uniform(&mut rng, n, -0.25, 0.25);
        let (mut e, mut e_ref) = (vec![f32::NAN; n_h], vec![f32::NAN; n_h]);
        kernels::hidden_delta(&h, &w, &dn, &mut e);
        reference::hidden_delta(&h, &w, &dn, &mut e_ref);
        c.close(n, &e, &e_ref, n as f32 * EPS * 0.25, 0.0);
    }
    ok &= c.finish();

    let mut c = Checker::start("forward_rows, forward_lit (random, special)");
    for n_out in lengths().take(41) {
        let n_in = 37;
        let w = uniform(&mut rng, n_in * n_out, -1.0, 1.0);
        let w = if n_out % 4 == 1 {
            sprinkled(&mut rng, w)
        } else {
            w
        };
        let x = uniform(&mut rng, n_in, 0.0, 1.0);
        let rows: Vec<u32> = (0..n_in as u32).filter(|_| rng.uniform() < 0.4).collect();
        let (mut z, mut z_ref) = (vec![f32::NAN; n_out], vec![f32::NAN; n_out]);
        kernels::forward_rows(&mut z, &w, &x, &rows);
        reference::forward_rows(&mut z_ref, &w, &x, &rows);
        c.close(n_out, &z, &z_ref, rows.len() as f32 * 2.0 * EPS, 0.0);
        let pixels: Vec<u8> = rows.iter().map(|_| 1 + rng.below(255) as u8).collect();
        kernels::forward_lit(&mut z, &w, &rows, &pixels);
        reference::forward_lit(&mut z_ref, &w, &rows, &pixels);
        c.close(n_out, &z, &z_ref, rows.len() as f32 * 2.0 * EPS, 0.0);
    }
    ok &= c.finish();

    let mut c = Checker::start("forward_group (random, special)");
    for n_out in 8..24 {
        let n_in = 1 + n_out % 13;
        let w = uniform(&mut rng, n_in * n_out, -1.0, 1.0);
        let a = uniform(&mut rng, GROUP * n_in, 0.0, 1.0);
        let a = if n_out % 2 == 1 {
            sprinkled(&mut rng, a)
        } else {
            a
        };
        let (mut z, mut z_ref) = (vec![f32::NAN; GROUP * n_out], vec![0.0; GROUP * n_out]);
        kernels::forward_group(&mut z, &w, &a);
        reference::forward_group(&mut z_ref, &w, &a);
        c.close(n_out, &z, &z_ref, n_in as f32 * 2.0 * EPS, 0.0);
    }
    ok &= c.finish();

    let mut c = Checker::start("sgd_row, sgd_rows (random, special)");
    // 11 rows of up to 100: three copies of 11 rows of 784 would not fit.
    for n in lengths().filter(|&n| n <= 100) {
        let w0 = uniform(&mut rng, 11 * n, -1.0, 1.0);
        let (d, a, rows) = row_step_factors(&mut rng, n);
        let (mut w, mut w_ref) = (w0.clone(), w0.clone());
        kernels::sgd_row(&mut w[1..=n], 0.3, &d);
        reference::sgd_row(&mut w_ref[1..=n], 0.3, &d);
        c.close(n, &w, &w_ref, 4.0 * EPS, 0.0);
        let (mut w, mut w_ref) = (w0.clone(), w0);
        kernels::sgd_rows(&mut w, Some(&rows), &a, 0.3, &d);
        reference::sgd_rows(&mut w_ref, Some(&rows), &a, 0.3, &d);
        c.close(n, &w, &w_ref, 8.0 * EPS, 0.0);
        kernels::sgd_rows(&mut w, None, &a, 0.3, &d);
        reference::sgd_rows(&mut w_ref, None, &a, 0.3, &d);
        c.close(n, &w, &w_ref, 16.0 * EPS, 0.0);
    }
    ok &= c.finish();

    let mut c = Checker::start("nesterov_row, adam_row (random, special)");
    for n in lengths().filter(|&n| n <= 100) {
        let special = n % 3 == 0;
        let w0 = uniform(&mut rng, n, -1.0, 1.0);
        let d = uniform(&mut rng, n, -1.0, 1.0);
        let d = if special { sprinkled(&mut rng, d) } else { d };
        let v0 = uniform(&mut rng, n, -0.1, 0.1);
        let (mut w, mut w_ref) = (w0.clone(), w0.clone());
        let (mut v, mut v_ref) = (v0.clone(), v0.clone());
        kernels::nesterov_row(&mut w, &mut v, 0.7, &d, 0.1, 0.8);
        reference::nesterov_row(&mut w_ref, &mut v_ref, 0.7, &d, 0.1, 0.8);
        c.close(n, &w, &w_ref, 4.0 * EPS, 4.0 * EPS);
        c.close(n, &v, &v_ref, 0.0, 2.0 * EPS);
        let m0 = uniform(&mut rng, n, -0.1, 0.1);
        let v0: Vec<f32> = v0.iter().map(|x| x * x).collect();
        let (mut w, mut w_ref) = (w0.clone(), w0);
        let (mut m, mut m_ref) = (m0.clone(), m0);
        let (mut v, mut v_ref) = (v0.clone(), v0);
        kernels::adam_row(
            &mut w, &mut m, &mut v, 0.7, &d, 0.9, 0.999, 0.002, 1.2, 1e-8,
        );
        reference::adam_row(
            &mut w_ref, &mut m_ref, &mut v_ref, 0.7, &d, 0.9, 0.999, 0.002, 1.2, 1e-8,
        );
        c.close(n, &w, &w_ref, 4.0 * EPS, 8.0 * EPS);
        c.close(n, &m, &m_ref, 0.0, 2.0 * EPS);
        c.close(n, &v, &v_ref, 0.0, 2.0 * EPS);
    }
    ok &= c.finish();

    let mut c = Checker::start("adam_lazy_rows (random, special)");
    for n in lengths().filter(|&n| n <= 100) {
        let w0 = uniform(&mut rng, 11 * n, -1.0, 1.0);
        let m0 = uniform(&mut rng, 11 * n, -0.1, 0.1);
        let v0: Vec<f32> = m0.iter().map(|x| x * x).collect();
        let (d, a, rows) = row_step_factors(&mut rng, n);
        for listed in [Some(&rows[..]), None] {
            let (mut w, mut w_ref) = (w0.clone(), w0.clone());
            let (mut m, mut m_ref) = (m0.clone(), m0.clone());
            let (mut v, mut v_ref) = (v0.clone(), v0.clone());
            kernels::adam_lazy_rows(
                &mut w, &mut m, &mut v, listed, &a, &d, 0.9, 0.999, 0.002, 1e-8,
            );
            reference::adam_lazy_rows(
                &mut w_ref, &mut m_ref, &mut v_ref, listed, &a, &d, 0.9, 0.999, 0.002, 1e-8,
            );
            c.close(n, &w, &w_ref, 4.0 * EPS, 8.0 * EPS);
            c.close(n, &m, &m_ref, 0.0, 2.0 * EPS);
            c.close(n, &v, &v_ref, 0.0, 2.0 * EPS);
        }
    }
    ok &= c.finish();

    let mut c = Checker::start("dlr_row, dlr_row_lanes (random, misaligned, special)");
    for n in lengths() {
        for offset in [0, 1, 5] {
            let w0 = uniform(&mut rng, n + offset, -1.0, 1.0);
            let w0 = if offset == 5 {
                sprinkled(&mut rng, w0)
            } else {
                w0
            };
            let d = uniform(&mut rng, n, -1.0, 1.0);
            let (mut w, mut w_ref) = (w0.clone(), w0.clone());
            let s = kernels::dlr_row(&mut w[offset..], 0.2, 0.3, &d);
            let s_ref = reference::dlr_row(&mut w_ref[offset..], 0.2, 0.3, &d);
            c.close(n, &w, &w_ref, 4.0 * EPS, 0.0);
            c.close(n, &[s], &[s_ref], 0.0, 2.0 * n as f32 * EPS);
            let (mut w, mut w_ref) = (w0.clone(), w0);
            let lanes = kernels::dlr_row_lanes(&mut w[offset..], 0.2, 0.3, &d);
            let lanes_ref = reference::dlr_row_lanes(&mut w_ref[offset..], 0.2, 0.3, &d);
            c.close(n, &w, &w_ref, 4.0 * EPS, 0.0);
            let total = dlr::simd::lane_total(&lanes);
            let total_ref = dlr::simd::lane_total(&lanes_ref);
            c.close(n, &[total], &[total_ref], 0.0, 2.0 * n as f32 * EPS);
            if c.exact {
                c.close(n, &lanes, &lanes_ref, 0.0, 0.0);
            }
        }
    }
    ok &= c.finish();

    let mut c = Checker::start("dlr_rows_lanes, dlr_steps (random, special)");
    for n in lengths().filter(|&n| n <= 100) {
        let n_in = 9;
        let w0 = uniform(&mut rng, n_in * n, -1.0, 1.0);
        let w0 = if n % 3 == 0 {
            sprinkled(&mut rng, w0)
        } else {
            w0
        };
        let d = uniform(&mut rng, n, -1.0, 1.0);
        let rows: Vec<u32> = (0..n_in as u32).filter(|_| rng.uniform() < 0.6).collect();
        let step = uniform(&mut rng, rows.len(), 0.0, 0.5);
        let (mut w, mut w_ref) = (w0.clone(), w0);
        let (mut lanes, mut lanes_ref) = (vec![0.0; n_in * 8], vec![0.0; n_in * 8]);
        kernels::dlr_rows_lanes(&mut w, &rows, &step, 0.3, &d, &mut lanes);
        reference::dlr_rows_lanes(&mut w_ref, &rows, &step, 0.3, &d, &mut lanes_ref);
        c.close(n, &w, &w_ref, 4.0 * EPS, 0.0);
        // Each path spreads a row's sum over the lanes its own way: the
        // totals (and the steps made of them) are what must agree.
        let totals = |l: &[f32]| -> Vec<f32> {
            l.chunks_exact(8)
                .map(|c| dlr::simd::lane_total(c.try_into().unwrap_or(&[0.0; 8])))
                .collect()
        };
        c.close(
            n,
            &totals(&lanes),
            &totals(&lanes_ref),
            0.0,
            2.0 * n as f32 * EPS,
        );
        let a = uniform(&mut rng, n_in, 0.0, 1.0);
        let (mut s, mut s_ref) = (vec![0.0; rows.len()], vec![0.0; rows.len()]);
        kernels::dlr_steps(&rows, &a, &lanes_ref, 2.0, 0.3, &mut s);
        reference::dlr_steps(&rows, &a, &lanes_ref, 2.0, 0.3, &mut s_ref);
        c.close(n, &s, &s_ref, 0.0, 0.0);
        let (mut s, mut s_ref) = (vec![0.0; n_in], vec![0.0; n_in]);
        kernels::dlr_steps_every_row(&a, &lanes_ref, 2.0, 0.3, &mut s);
        reference::dlr_steps_every_row(&a, &lanes_ref, 2.0, 0.3, &mut s_ref);
        c.close(n, &s, &s_ref, 0.0, 0.0);
    }
    ok &= c.finish();

    let mut c = Checker::start("dlr_post_row (random, special)");
    for n in lengths() {
        let w0 = uniform(&mut rng, n, -1.0, 1.0);
        let w0 = if n % 2 == 1 {
            sprinkled(&mut rng, w0)
        } else {
            w0
        };
        let sd = uniform(&mut rng, n, -0.5, 0.5);
        let col0 = uniform(&mut rng, n, 0.0, 4.0);
        let (mut w, mut w_ref) = (w0.clone(), w0);
        let (mut col, mut col_ref) = (col0.clone(), col0);
        kernels::dlr_post_row(&mut w, 0.7, 0.3, &sd, &mut col);
        reference::dlr_post_row(&mut w_ref, 0.7, 0.3, &sd, &mut col_ref);
        c.close(n, &w, &w_ref, 4.0 * EPS, 0.0);
        c.close(n, &col, &col_ref, 8.0 * EPS, 4.0 * EPS);
    }
    ok &= c.finish();

    let mut c = Checker::start("nonzero_indices (random, special)");
    for n in lengths() {
        let a = uniform(&mut rng, n, 0.0, 1.0);
        let a = sprinkled(&mut rng, a);
        let (mut got, mut want) = (vec![u32::MAX; n], vec![u32::MAX; n]);
        let k = kernels::nonzero_indices(&a, &mut got);
        let k_ref = reference::nonzero_indices(&a, &mut want);
        c.same_u32(n, &got[..k], &want[..k_ref]);
    }
    ok &= c.finish();

    let heap_peak = board::HEAP.peak();
    outln!(
        "kernel tests on thumbv7em-none-eabihf: {} (heap peak {heap_peak} B)",
        if ok { "all passed" } else { "FAILED" }
    );
    if ok {
        timing::instructions_per_call(&mut rng);
        timing::predict_instructions(&mut rng);
    }
    host::exit(if ok { EXIT_SUCCESS } else { EXIT_FAILURE })
}
