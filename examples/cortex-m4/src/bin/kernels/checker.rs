//! The comparison of a kernel's output with its twin's: bit for bit on the
//! scalar path, within a tolerance on a vector path.

use dlr::simd::{active_path, SimdPath};
use dlr_cortex_m4::outln;

use crate::EPS;

/// Whether `x` is close enough to the twin's `r`: the same value (NaN for
/// NaN), else, both finite, `|x − r| ≤ atol + rtol·|r|`. An infinity must
/// be met exactly: with `r = ∞` the bound `rtol·|r|` is infinite and would
/// let any finite `x` through.
fn within(x: f32, r: f32, atol: f32, rtol: f32) -> bool {
    if x.is_nan() || r.is_nan() {
        return x.is_nan() && r.is_nan();
    }
    if x.is_infinite() || r.is_infinite() {
        return x == r;
    }
    (x - r).abs() <= atol + rtol * r.abs()
}

/// Counts checks and reports the first mismatch of each kernel.
pub struct Checker {
    kernel: &'static str,
    /// Whether bits must match (the scalar path).
    pub exact: bool,
    checks: u32,
    failures: u32,
}

impl Checker {
    pub fn start(kernel: &'static str) -> Self {
        Self {
            kernel,
            exact: active_path() == SimdPath::Scalar,
            checks: 0,
            failures: 0,
        }
    }

    pub fn close(&mut self, len: usize, simd: &[f32], twin: &[f32], atol: f32, rtol: f32) {
        self.checks += 1;
        let same_length = simd.len() == twin.len();
        let mismatch = simd.iter().zip(twin).position(|(&x, &r)| {
            let same = x.to_bits() == r.to_bits() || (x.is_nan() && r.is_nan());
            !(same || (!self.exact && within(x, r, atol, rtol)))
        });
        if let Some(i) = mismatch.or((!same_length).then_some(0)) {
            if self.failures == 0 {
                outln!(
                    "{}: mismatch at length {len}, index {i}: simd {:08x} twin {:08x} (f32 bits)",
                    self.kernel,
                    simd.get(i).map_or(0, |x| x.to_bits()),
                    twin.get(i).map_or(0, |x| x.to_bits())
                );
            }
            self.failures += 1;
        }
    }

    pub fn same_u32(&mut self, len: usize, simd: &[u32], twin: &[u32]) {
        self.checks += 1;
        if simd != twin {
            if self.failures == 0 {
                outln!("{}: mismatch at length {len}", self.kernel);
            }
            self.failures += 1;
        }
    }

    pub fn finish(self) -> bool {
        outln!(
            "{}: {} cases{}, {}",
            self.kernel,
            self.checks,
            if self.exact { " bit for bit" } else { "" },
            if self.failures == 0 { "ok" } else { "FAILED" }
        );
        self.failures == 0
    }
}

/// The tolerance check itself: an infinity is met only by the same one, a
/// NaN only by a NaN.
pub fn tolerance_rejects_what_it_must() -> bool {
    let inf = f32::INFINITY;
    let cases = [
        (1.0, inf, false),
        (f32::MAX, inf, false),
        (-inf, inf, false),
        (f32::NAN, inf, false),
        (1.0, -inf, false),
        (inf, 1e30, false),
        (f32::NAN, 1.0, false),
        (1.0, f32::NAN, false),
        (inf, inf, true),
        (-inf, -inf, true),
        (f32::NAN, f32::NAN, true),
        (1.0 + EPS, 1.0, true),
    ];
    let ok = cases
        .iter()
        .all(|&(x, r, want)| within(x, r, 1e-7, 8.0 * EPS) == want);
    outln!(
        "tolerance check: {} cases, {}",
        cases.len(),
        if ok { "ok" } else { "FAILED" }
    );
    ok
}
