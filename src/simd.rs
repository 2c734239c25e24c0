//! The only module that knows about `wide`: the vector types, the [`Vector`]
//! trait the kernels are written against, and which instruction set was
//! compiled in.
//!
//! Kernels run the head of a slice in `f32x8`, then at most one `f32x4`
//! step, then hand the last 0–3 elements to their scalar twin (H = 100 is
//! 12·8 + 4: no scalar work at all).
//!
//! `wide` chooses its instructions from compile-time target features only, so
//! the path is fixed when the crate is built (see the crate docs).

use core::ops::{Add, Mul, Neg, Sub};

pub use wide::{f32x4, f32x8};

/// Lanes of the widest vector the kernels use.
pub const LANES: usize = 8;

/// What the kernels need of a vector of `f32` lanes.
pub trait Vector:
    Copy + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Neg<Output = Self>
{
    /// Lanes.
    const LANES: usize;
    /// All lanes `0`.
    const ZERO: Self;
    /// All lanes `x`.
    fn splat(x: f32) -> Self;
    /// Lanes from the first `LANES` elements of `s`.
    fn load(s: &[f32]) -> Self;
    /// Writes the lanes to the first `LANES` elements of `s`.
    fn store(self, s: &mut [f32]);
    /// `self · b + c` (one rounding when FMA is compiled in).
    fn mul_add(self, b: Self, c: Self) -> Self;
    /// Lane-wise `|x|`.
    fn abs(self) -> Self;
    /// Lane-wise exact `√x`.
    fn sqrt(self) -> Self;
    /// Lane-wise exact division.
    fn div(self, rhs: Self) -> Self;
    /// Sum of the lanes.
    fn reduce_add(self) -> f32;
    /// Lane-wise `e^x` for `x` in `[−87, 87]`, the callers' clamp; relative
    /// error below `2 ε` there (tested against `f64`). NaN stays NaN;
    /// outside the range the result is wrong, not undefined behaviour.
    ///
    /// Not `wide`'s `exp`: that one handles the whole `f32` range with two
    /// `any()` branches and six selects, and took 3× as long in `sigmoid`.
    fn exp_bounded(self) -> Self;
    /// Lane-wise clamp to `[lo, hi]` that keeps NaN lanes NaN.
    fn clamp_keep_nan(self, lo: f32, hi: f32) -> Self;
    /// Lanes with `|x| < f32::MIN_POSITIVE` (subnormals) set to `+0`; NaN
    /// and every normal value pass unchanged. Twin:
    /// [`crate::kernels::reference::flush_subnormal`].
    fn flush_subnormal(self) -> Self;
}

macro_rules! impl_vector {
    ($t:ty, $i:ty, $from_int:ident, $n:literal) => {
        impl Vector for $t {
            const LANES: usize = $n;
            const ZERO: Self = <$t>::ZERO;
            #[inline(always)]
            fn splat(x: f32) -> Self {
                <$t>::splat(x)
            }
            #[inline(always)]
            fn load(s: &[f32]) -> Self {
                let chunk: [f32; $n] = s[..$n].try_into().unwrap_or([0.0; $n]);
                <$t>::from(chunk)
            }
            #[inline(always)]
            fn store(self, s: &mut [f32]) {
                s[..$n].copy_from_slice(self.as_array());
            }
            #[inline(always)]
            fn mul_add(self, b: Self, c: Self) -> Self {
                <$t>::mul_add(self, b, c)
            }
            #[inline(always)]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            #[inline(always)]
            fn div(self, rhs: Self) -> Self {
                self / rhs
            }
            #[inline(always)]
            fn reduce_add(self) -> f32 {
                <$t>::reduce_add(self)
            }
            #[inline(always)]
            fn exp_bounded(self) -> Self {
                // x = r ln 2 + f with r = round(x log₂e), |f| ≤ ln 2 / 2;
                // ln 2 in two parts so that r·LN2_HI (9 + 7 bits) is exact.
                const LN2_HI: f32 = 0.693_359_4;
                const LN2_LO: f32 = -2.121_944_4e-4;
                let r_int = (self * <$t>::splat(core::f32::consts::LOG2_E)).fast_round_int();
                let r = <$t>::$from_int(r_int);
                let f = (-r).mul_add(<$t>::splat(LN2_HI), self);
                let f = (-r).mul_add(<$t>::splat(LN2_LO), f);
                // e^f by Taylor to f⁷: the first omitted term is below
                // 0.35⁸/8! = 5·10⁻⁹, 0.04 ulp.
                let mut p = <$t>::splat(1.0 / 5040.0);
                for c in [
                    1.0 / 720.0,
                    1.0 / 120.0,
                    1.0 / 24.0,
                    1.0 / 6.0,
                    0.5,
                    1.0,
                    1.0,
                ] {
                    p = p.mul_add(f, <$t>::splat(c));
                }
                // 2^r from its exponent bits: r ∈ [−126, 126] keeps it normal.
                let two_r: $t = bytemuck::cast((r_int + <$i>::splat(127)) << 23);
                p * two_r
            }
            #[inline(always)]
            fn clamp_keep_nan(self, lo: f32, hi: f32) -> Self {
                // Which operand a NaN lane yields differs by target, so the
                // order does too: x86's maxps/minps return the second
                // operand when either is NaN; `wide`'s plain-array
                // fallback (Cortex-M) returns `x` from max only with `x`
                // first and from min only with the bound first; wasm's
                // pmax/pmin return `x` with `x` first; NEON's max and min
                // return NaN either way.
                let (lo, hi) = (<$t>::splat(lo), <$t>::splat(hi));
                #[cfg(target_feature = "sse")]
                let clamped = hi.fast_min(lo.fast_max(self));
                #[cfg(all(not(target_feature = "sse"), target_feature = "simd128"))]
                let clamped = self.fast_max(lo).fast_min(hi);
                #[cfg(not(any(target_feature = "sse", target_feature = "simd128")))]
                let clamped = hi.fast_min(self.fast_max(lo));
                clamped
            }
            #[inline(always)]
            fn flush_subnormal(self) -> Self {
                // `<` is false for NaN, so NaN lanes keep their value.
                let tiny = self.abs().simd_lt(<$t>::splat(f32::MIN_POSITIVE));
                tiny.select(<$t>::ZERO, self)
            }
        }
    };
}

impl_vector!(f32x8, wide::i32x8, from_i32x8, 8);
impl_vector!(f32x4, wide::i32x4, from_i32x4, 4);

/// Exact `√x` (IEEE correctly rounded), as the VEX-encoded `vsqrtps` when
/// AVX is compiled in.
///
/// The crate's only square root (with [`exact_sqrt_f64`]). Not
/// `libm::sqrtf`: its x86 version is an inline-asm legacy-SSE `sqrtss`,
/// and legacy-SSE instructions between 256-bit AVX ones cost a state
/// transition, paid at every scalar tail weight of a row (BENCHMARKS.md,
/// "Legacy-SSE square roots", measures it on Adam's rows of 30 and 10).
#[inline(always)]
pub fn exact_sqrt(x: f32) -> f32 {
    f32x4::splat(x).sqrt().as_array()[0]
}

/// [`exact_sqrt`] in `f64` (`vsqrtpd`, for the same reason).
#[inline(always)]
pub fn exact_sqrt_f64(x: f64) -> f64 {
    wide::f64x2::splat(x).sqrt().as_array()[0]
}

/// The total of eight partial sums in the order `f32x8::reduce_add` adds
/// them under AVX, `((l₀ + l₄) + (l₂ + l₆)) + ((l₁ + l₅) + (l₃ + l₇))`,
/// so that a total taken here, by [`lane_totals`] or (with AVX compiled in)
/// by `reduce_add` is the same number to the last bit.
#[inline(always)]
pub fn lane_total(l: &[f32; LANES]) -> f32 {
    ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]))
}

/// [`lane_total`] of eight vectors at once: lane `k` of the result is
/// `lane_total(v[k])`, bit for bit.
///
/// A transpose that does the same additions as eight separate totals: the
/// halves of rows `k` and `k + 4` are added in one vector, then pairs of
/// lanes twice, with shuffles in between (12 shuffles and 7 additions for
/// eight rows, against 4 shuffles and 4 additions for every single row).
#[inline(always)]
pub fn lane_totals(v: &[f32x8; LANES]) -> f32x8 {
    #[cfg(all(target_arch = "x86_64", target_feature = "avx"))]
    {
        use safe_arch::{add_m256, m256, permute2z_m256, shuffle_m256};
        let m = |x: f32x8| -> m256 { bytemuck::cast(x) };
        // [lo(a) + hi(a) | lo(b) + hi(b)]: t_i = l_i + l_{i+4} of rows a, b.
        let halves = |a: f32x8, b: f32x8| {
            add_m256(
                permute2z_m256::<0x20>(m(a), m(b)),
                permute2z_m256::<0x31>(m(a), m(b)),
            )
        };
        let t04 = halves(v[0], v[4]);
        let t15 = halves(v[1], v[5]);
        let t26 = halves(v[2], v[6]);
        let t37 = halves(v[3], v[7]);
        // Per 128-bit half, rows (r, s): [t₀ + t₂, t₁ + t₃] of r, then of s.
        let pairs = |a: m256, b: m256| {
            add_m256(
                shuffle_m256::<0b01_00_01_00>(a, b),
                shuffle_m256::<0b11_10_11_10>(a, b),
            )
        };
        let u0145 = pairs(t04, t15);
        let u2367 = pairs(t26, t37);
        // (t₀ + t₂) + (t₁ + t₃) of rows 0–3 in the low half, 4–7 in the high.
        let totals = add_m256(
            shuffle_m256::<0b10_00_10_00>(u0145, u2367),
            shuffle_m256::<0b11_01_11_01>(u0145, u2367),
        );
        bytemuck::cast(totals)
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "avx")))]
    f32x8::from(v.map(|x| lane_total(x.as_array())))
}

/// Asks the CPU to start loading every cache line of `s` into L1; does
/// nothing where no prefetch instruction is compiled in.
#[inline(always)]
pub fn prefetch<T>(s: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let bytes = core::mem::size_of_val(s);
        let start = s.as_ptr().cast::<i8>();
        // Every 64 bytes from the start, and the last byte: an unaligned
        // slice ends on one more line.
        let offsets = (0..bytes).step_by(64).chain(bytes.checked_sub(1));
        for offset in offsets {
            // SAFETY: a prefetch is only a hint: it never faults, reads
            // nothing into the program and writes nothing; and every
            // address is inside `s` (`offset < bytes`).
            unsafe { _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(offset)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = s;
}

/// A zeroed `f32` buffer whose start is 32-byte aligned (it is stored as
/// whole `f32x8`s).
///
/// For scratch rows that a kernel loads and stores again every row (DLR
/// Eq. 3's column increments). From `Vec<f32>` they are only 16-byte
/// aligned, half the time by the allocator's whim: then every other 32-byte
/// vector straddles two cache lines, the next row's load of it cannot be
/// forwarded from the split store, and the whole DLR-post step slows down
/// in such processes (BENCHMARKS.md, "Misaligned scratch").
#[derive(Clone, Debug)]
pub struct AlignedF32s {
    vectors: alloc::vec::Vec<f32x8>,
    len: usize,
}

impl AlignedF32s {
    /// `len` zeros.
    pub fn zeros(len: usize) -> Self {
        Self {
            vectors: alloc::vec![f32x8::ZERO; len.div_ceil(LANES)],
            len,
        }
    }

    /// The `len` values.
    pub fn as_slice(&self) -> &[f32] {
        &bytemuck::cast_slice::<f32x8, f32>(&self.vectors)[..self.len]
    }

    /// The `len` values, mutable.
    pub fn as_mut_slice(&mut self) -> &mut [f32] {
        &mut bytemuck::cast_slice_mut::<f32x8, f32>(&mut self.vectors)[..self.len]
    }
}

/// Length of the part of an `n`-element slice that the vector loops cover
/// (`f32x8` head plus at most one `f32x4`); the twin takes the rest.
#[inline(always)]
pub const fn vector_len(n: usize) -> usize {
    n / 8 * 8 + (n % 8) / 4 * 4
}

/// The SIMD instruction set the kernels were compiled for: `"avx512"`,
/// `"avx2+fma"`, `"avx"`, `"sse2"` or `"scalar"`.
///
/// `f32x8` is one AVX register with `avx`, two SSE halves without; with
/// `fma`, `mul_add` is one fused instruction.
pub const fn simd_path() -> &'static str {
    if cfg!(target_feature = "avx512f") {
        "avx512"
    } else if cfg!(all(target_feature = "avx2", target_feature = "fma")) {
        "avx2+fma"
    } else if cfg!(target_feature = "avx") {
        "avx"
    } else if cfg!(target_feature = "sse2") {
        "sse2"
    } else {
        "scalar"
    }
}
