//! Which SIMD path the kernels run, and how to choose one: [`SimdPath`],
//! [`active_path`], [`force_path`]. Inside the crate: the vector trait the
//! kernels are written against (`Vector`), the paths that give it types
//! (`Isa`, each a token) and the macro that dispatches to them
//! (`dispatched!`). Those are crate-private: a user calls kernels, and an
//! AVX vector made outside detection would run instructions the CPU may
//! lack.
//!
//! Paths are chosen where they can be:
//! - **x86-64, at run time.** On first use the crate asks the CPU (cpuid and
//!   xgetbv) what it has and runs every layer-level kernel through the best
//!   of AVX-512F + VL (16 lanes), AVX2 + FMA (8 lanes) and SSE2 (the x86-64
//!   baseline, two 4-lane halves, multiply-adds not fused). Each is a set
//!   of `core::arch` vector types (`x86` module); a kernel is one
//!   `#[inline(always)]` body generic over the path, compiled once per path
//!   inside a `#[target_feature]` function that takes the path's token,
//!   which only detection makes. A build for any x86-64 therefore runs on
//!   every x86-64 and is fast on each. Which of the AVX paths a build
//!   compiles is stated once, in `build.rs` (`cfg(dlr_avx2)`,
//!   `cfg(dlr_avx512)`).
//! - **Elsewhere, at compile time**, through [`wide`]: NEON on aarch64,
//!   simd128 on wasm32 built with `+simd128` (`cfg(dlr_wide)`, stated in
//!   `build.rs`).
//! - **scalar** everywhere: the scalar twins of `kernels::reference`, plain
//!   loops with no fused multiply-add. On a target with none of those
//!   vector units (a Cortex-M4F, say) it is the only path: `wide` would
//!   only emulate its vectors lane by lane there. Forcing it on a desktop
//!   therefore runs the arithmetic of such a device, bit for bit.
//!
//! [`force_path`] picks a path instead of the best one (the library reads
//! no environment variable; the `dlr` program maps `--simd` and `DLR_SIMD`
//! onto this call).
//!
//! Results: each path is deterministic. AVX-512 and AVX2 give the same bits
//! (every 16-lane operation does, lane for lane, what two 8-lane ones did,
//! and the reductions keep AVX2's 8-lane order); SSE2 (not fused) and scalar
//! differ from them by rounding only.
//!
//! Kernels run the head of a slice in the widest vectors, then at most one
//! 8-lane and one 4-lane step, then hand the last 0–3 elements to their
//! scalar twin. AVX-512's 16 lanes start at `Isa::WIDE_FROM` (512)
//! elements, so H = 100 is 12·8 + 4 on every x86 path: no scalar work at all.

use core::ops::{Add, Mul, Neg, Sub};
use core::sync::atomic::{AtomicU8, Ordering};

// Hidden: `wide`'s vectors, reachable for the tests of `lane_totals`; not
// part of the API a user needs.
#[doc(hidden)]
pub use wide::{f32x4, f32x8};

#[cfg(target_arch = "x86_64")]
pub(crate) mod x86;

/// Lanes of the vectors whose partial sums the DLR norm cache keeps (8 on
/// every path; see [`lane_total`]). Hidden with the lane-cache kernels
/// (`kernels::dlr_rows_lanes`): `Dlr`'s private layout, reachable for the
/// tests and benches.
#[doc(hidden)]
pub const LANES: usize = 8;

/// What the kernels need of a vector of `f32` lanes. A mask is a vector
/// whose lanes are all ones (true) or all zeros (false).
///
/// A vector is made only from its path's [`Vector::Token`], which only
/// detection makes where the instructions need it (the x86 AVX paths), so
/// that a value of the type proves its methods may run. Crate-private: a
/// user calls the kernels, never the vectors.
pub(crate) trait Vector:
    Copy + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Neg<Output = Self>
{
    /// The proof that this CPU runs the vector's instructions.
    type Token: Copy;
    /// Lanes.
    const LANES: usize;
    /// All lanes `0`.
    fn zero(t: Self::Token) -> Self;
    /// All lanes `x`.
    fn splat(t: Self::Token, x: f32) -> Self;
    /// Lanes from the first `LANES` elements of `s`.
    fn load(t: Self::Token, s: &[f32]) -> Self;
    /// The proof this vector's existence carries.
    fn token(self) -> Self::Token;
    /// Writes the lanes to the first `LANES` elements of `s`.
    fn store(self, s: &mut [f32]);
    /// `self · b + c` (one rounding where FMA is part of the path).
    fn mul_add(self, b: Self, c: Self) -> Self;
    /// Lane-wise `|x|`.
    fn abs(self) -> Self;
    /// Lane-wise exact `√x`.
    fn sqrt(self) -> Self;
    /// Lane-wise exact division.
    fn div(self, rhs: Self) -> Self;
    /// Sum of the lanes.
    fn reduce_add(self) -> f32;
    /// Lane-wise minimum as x86's `minps` takes it: `rhs` when either is NaN.
    fn fast_min(self, rhs: Self) -> Self;
    /// Lane-wise maximum as x86's `maxps` takes it: `rhs` when either is NaN.
    fn fast_max(self, rhs: Self) -> Self;
    /// Mask of `self < rhs` (false for NaN).
    fn simd_lt(self, rhs: Self) -> Self;
    /// Mask of `self > rhs` (false for NaN).
    fn simd_gt(self, rhs: Self) -> Self;
    /// `if_true` where the mask `self` is set, `if_false` elsewhere.
    fn select(self, if_true: Self, if_false: Self) -> Self;
    /// The nearest integer, ties to even, for `|x| < 2³¹`.
    fn round_int(self) -> Self;
    /// `2^r` for integral `r ∈ [−126, 126]`, from the exponent bits.
    fn pow2_int(self) -> Self;

    /// Lane-wise `e^x` for `x` in `[−87, 87]`, the callers' clamp; relative
    /// error below `2 ε` there (tested against `f64`). NaN stays NaN;
    /// outside the range the result is wrong, not undefined behaviour.
    ///
    /// Not `wide`'s `exp`: that one handles the whole `f32` range with two
    /// `any()` branches and six selects, and took 3× as long in `sigmoid`.
    #[inline(always)]
    fn exp_bounded(self) -> Self {
        // x = r ln 2 + f with r = round(x log₂e), |f| ≤ ln 2 / 2;
        // ln 2 in two parts so that r·LN2_HI (9 + 7 bits) is exact.
        const LN2_HI: f32 = 0.693_359_4;
        const LN2_LO: f32 = -2.121_944_4e-4;
        let t = self.token();
        let r = (self * Self::splat(t, core::f32::consts::LOG2_E)).round_int();
        let f = (-r).mul_add(Self::splat(t, LN2_HI), self);
        let f = (-r).mul_add(Self::splat(t, LN2_LO), f);
        // e^f by Taylor to f⁷: the first omitted term is below
        // 0.35⁸/8! = 5·10⁻⁹, 0.04 ulp.
        let mut p = Self::splat(t, 1.0 / 5040.0);
        for c in [
            1.0 / 720.0,
            1.0 / 120.0,
            1.0 / 24.0,
            1.0 / 6.0,
            0.5,
            1.0,
            1.0,
        ] {
            p = p.mul_add(f, Self::splat(t, c));
        }
        // 2^r from its exponent bits: r ∈ [−126, 126] keeps it normal.
        p * r.pow2_int()
    }

    /// Lane-wise clamp to `[lo, hi]` that keeps NaN lanes NaN.
    #[inline(always)]
    fn clamp_keep_nan(self, lo: f32, hi: f32) -> Self {
        // maxps/minps return their second operand when either is NaN: with
        // x second, a NaN lane stays NaN.
        let t = self.token();
        Self::splat(t, hi).fast_min(Self::splat(t, lo).fast_max(self))
    }

    /// Lanes with `|x| < f32::MIN_POSITIVE` (subnormals) set to `+0`; NaN
    /// and every normal value pass unchanged. Twin:
    /// [`crate::kernels::reference::flush_subnormal`].
    #[inline(always)]
    fn flush_subnormal(self) -> Self {
        self.flush_below(Self::splat(self.token(), f32::MIN_POSITIVE))
    }

    /// Lanes with `|x| < floor` set to `+0`; NaN and every other value pass
    /// unchanged. Twin: [`crate::kernels::reference::flush_below`].
    #[inline(always)]
    fn flush_below(self, floor: Self) -> Self {
        // `<` is false for NaN, so NaN lanes keep their value.
        let t = self.token();
        self.abs().simd_lt(floor).select(Self::zero(t), self)
    }
}

/// What the kernels need beyond [`Vector`] of an 8-lane vector: arrays in
/// and out, the transposed total of eight rows' partial sums, and (where
/// the path has them) lane permutes.
pub(crate) trait Vector8: Vector {
    /// Whether [`Vector8::permute`] and [`Vector8::blend`] are single
    /// instructions (AVX2), so that kernels built on them pay.
    const PERMUTES: bool;
    /// The lanes of `a`.
    fn from_array(t: Self::Token, a: [f32; 8]) -> Self;
    /// The lanes as an array.
    fn to_array(self) -> [f32; 8];
    /// [`lane_total`] of eight vectors at once: lane `k` of the result is
    /// `lane_total(v[k])`, bit for bit.
    fn lane_totals(v: &[Self; 8]) -> Self;
    /// Lane `k` of the result is lane `idx[k]` of `self` (`idx[k] < 8`).
    fn permute(self, idx: [i32; 8]) -> Self;
    /// Lanes of `self`, and of `b` where bit `k` of `IMM` is set.
    fn blend<const IMM: i32>(self, b: Self) -> Self;
}

/// One SIMD path: the vector types a kernel body is instantiated with, and
/// a value that proves the CPU runs them (a token: the x86 AVX paths' are
/// made only by detection, `x86::Avx2::detected`). Every kernel body takes
/// one as its first argument and makes its vectors from it.
///
/// A kernel written over `P: Isa` runs its head in `P::Wide` (slices of
/// [`Isa::WIDE_FROM`] elements or more), then in `P::Eight` where `Wide`
/// has 16 lanes (one step after a `Wide` head, all of a shorter slice), then one `P::Four` step, and
/// the scalar twin on the rest; on the scalar path (`SCALAR`) it runs the
/// twin alone.
pub(crate) trait Isa: Copy + 'static {
    /// The scalar path: kernels run their twins.
    const SCALAR: bool = false;
    /// Slices shorter than this run in 8 lanes where `Wide` has 16: a
    /// 16-lane vector of a short row straddles cache lines more often than
    /// it saves instructions (BENCHMARKS.md, "SIMD paths"). The results are
    /// the same bits either way.
    const WIDE_FROM: usize = 0;
    /// The most `Wide` accumulators the forward pass keeps in registers
    /// (16 vector registers on SSE2, where an 8-lane vector takes two).
    const FORWARD_BLOCK: usize = 12;
    /// The widest vector: 16 lanes with AVX-512, else `Eight`.
    type Wide: Vector;
    /// 8 lanes.
    type Eight: Vector8;
    /// 4 lanes.
    type Four: Vector;
    /// The token of the widest vectors.
    fn wide(self) -> <Self::Wide as Vector>::Token;
    /// The token of the 8-lane vectors.
    fn eight(self) -> <Self::Eight as Vector>::Token;
    /// The token of the 4-lane vectors.
    fn four(self) -> <Self::Four as Vector>::Token;
    /// `v` as 8-lane vectors: `[v]` (then a zero) when `Wide` is `Eight`,
    /// its low and high halves when it has 16 lanes.
    fn eights(v: Self::Wide) -> [Self::Eight; 2];
}

/// The scalar path: every kernel runs its twin in `kernels::reference`.
/// Its token needs no proof: plain `f32` arithmetic runs everywhere.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scalar;

impl Isa for Scalar {
    const SCALAR: bool = true;
    type Wide = Lanes<8>;
    type Eight = Lanes<8>;
    type Four = Lanes<4>;
    #[inline(always)]
    fn wide(self) -> Scalar {
        self
    }
    #[inline(always)]
    fn eight(self) -> Scalar {
        self
    }
    #[inline(always)]
    fn four(self) -> Scalar {
        self
    }
    #[inline(always)]
    fn eights(v: Lanes<8>) -> [Lanes<8>; 2] {
        [v, Lanes::zero(Scalar)]
    }
}

/// The token of `wide`'s vectors, which run whatever instructions the
/// build's target features allow: no proof needed. On aarch64 with NEON
/// and wasm32 with simd128 it is also the path compiled in through `wide`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Compiled;

#[cfg(dlr_wide)]
impl Isa for Compiled {
    type Wide = f32x8;
    type Eight = f32x8;
    type Four = f32x4;
    #[inline(always)]
    fn wide(self) -> Compiled {
        self
    }
    #[inline(always)]
    fn eight(self) -> Compiled {
        self
    }
    #[inline(always)]
    fn four(self) -> Compiled {
        self
    }
    #[inline(always)]
    fn eights(v: f32x8) -> [f32x8; 2] {
        [v, f32x8::ZERO]
    }
}

/// The name of the path `wide` compiles to on this target.
#[cfg(dlr_wide)]
const COMPILED_PATH: SimdPath = if cfg!(target_arch = "aarch64") {
    SimdPath::Neon
} else {
    SimdPath::Simd128
};

/// Plain `f32` lanes with unfused arithmetic: the vector type of the
/// [`Scalar`] path (whose kernels run their twins instead; it exists so
/// that the generic bodies compile for it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Lanes<const N: usize>(pub [f32; N]);

impl<const N: usize> Lanes<N> {
    #[inline(always)]
    fn map(self, f: impl Fn(f32) -> f32) -> Self {
        Self(self.0.map(f))
    }
    #[inline(always)]
    fn zip(self, b: Self, f: impl Fn(f32, f32) -> f32) -> Self {
        Self(core::array::from_fn(|k| f(self.0[k], b.0[k])))
    }
}

macro_rules! lanes_op {
    ($tr:ident, $f:ident, $op:tt) => {
        impl<const N: usize> $tr for Lanes<N> {
            type Output = Self;
            #[inline(always)]
            fn $f(self, b: Self) -> Self {
                self.zip(b, |x, y| x $op y)
            }
        }
    };
}
lanes_op!(Add, add, +);
lanes_op!(Sub, sub, -);
lanes_op!(Mul, mul, *);

impl<const N: usize> Neg for Lanes<N> {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        self.map(|x| -x)
    }
}

/// All ones (true) or all zeros (false), as a lane of a mask.
#[inline(always)]
fn mask_lane(b: bool) -> f32 {
    f32::from_bits(if b { u32::MAX } else { 0 })
}

impl<const N: usize> Vector for Lanes<N> {
    type Token = Scalar;
    const LANES: usize = N;
    #[inline(always)]
    fn zero(_: Scalar) -> Self {
        Self([0.0; N])
    }
    #[inline(always)]
    fn splat(_: Scalar, x: f32) -> Self {
        Self([x; N])
    }
    #[inline(always)]
    fn load(_: Scalar, s: &[f32]) -> Self {
        Self(core::array::from_fn(|k| s[k]))
    }
    #[inline(always)]
    fn token(self) -> Scalar {
        Scalar
    }
    #[inline(always)]
    fn store(self, s: &mut [f32]) {
        s[..N].copy_from_slice(&self.0);
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        self * b + c
    }
    #[inline(always)]
    fn abs(self) -> Self {
        self.map(f32::abs)
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        self.map(exact_sqrt)
    }
    #[inline(always)]
    fn div(self, rhs: Self) -> Self {
        self.zip(rhs, |x, y| x / y)
    }
    #[inline(always)]
    fn reduce_add(self) -> f32 {
        if N == LANES {
            let mut l = [0.0; LANES];
            l.copy_from_slice(&self.0[..LANES]);
            lane_total(&l)
        } else {
            self.0.iter().fold(-0.0, |s, &x| s + x)
        }
    }
    #[inline(always)]
    fn fast_min(self, rhs: Self) -> Self {
        self.zip(rhs, |x, y| if x < y { x } else { y })
    }
    #[inline(always)]
    fn fast_max(self, rhs: Self) -> Self {
        self.zip(rhs, |x, y| if x > y { x } else { y })
    }
    #[inline(always)]
    fn simd_lt(self, rhs: Self) -> Self {
        self.zip(rhs, |x, y| mask_lane(x < y))
    }
    #[inline(always)]
    fn simd_gt(self, rhs: Self) -> Self {
        self.zip(rhs, |x, y| mask_lane(x > y))
    }
    #[inline(always)]
    fn select(self, if_true: Self, if_false: Self) -> Self {
        Self(core::array::from_fn(|k| {
            if self.0[k].to_bits() != 0 {
                if_true.0[k]
            } else {
                if_false.0[k]
            }
        }))
    }
    #[inline(always)]
    fn round_int(self) -> Self {
        self.map(libm::rintf)
    }
    #[inline(always)]
    fn pow2_int(self) -> Self {
        self.map(|r| f32::from_bits(((r as i32 + 127) as u32) << 23))
    }
}

impl Vector8 for Lanes<8> {
    const PERMUTES: bool = false;
    #[inline(always)]
    fn from_array(_: Scalar, a: [f32; 8]) -> Self {
        Self(a)
    }
    #[inline(always)]
    fn to_array(self) -> [f32; 8] {
        self.0
    }
    #[inline(always)]
    fn lane_totals(v: &[Self; 8]) -> Self {
        Self(v.map(|x| lane_total(&x.0)))
    }
    #[inline(always)]
    fn permute(self, idx: [i32; 8]) -> Self {
        Self(idx.map(|i| self.0[i as usize]))
    }
    #[inline(always)]
    fn blend<const IMM: i32>(self, b: Self) -> Self {
        Self(core::array::from_fn(|k| {
            if IMM & (1 << k) != 0 {
                b.0[k]
            } else {
                self.0[k]
            }
        }))
    }
}

macro_rules! impl_vector_wide {
    ($t:ty, $i:ty, $from_int:ident, $n:literal) => {
        impl Vector for $t {
            type Token = Compiled;
            const LANES: usize = $n;
            #[inline(always)]
            fn zero(_: Compiled) -> Self {
                <$t>::ZERO
            }
            #[inline(always)]
            fn splat(_: Compiled, x: f32) -> Self {
                <$t>::splat(x)
            }
            #[inline(always)]
            fn load(_: Compiled, s: &[f32]) -> Self {
                let chunk: [f32; $n] = s[..$n].try_into().unwrap_or([0.0; $n]);
                <$t>::from(chunk)
            }
            #[inline(always)]
            fn token(self) -> Compiled {
                Compiled
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
            // A compare and a select rather than `wide`'s `fast_min`: that
            // one is `minps` (the second operand on NaN) on x86 only, and
            // lets NaN go on wasm32's simd128.
            #[inline(always)]
            fn fast_min(self, rhs: Self) -> Self {
                <$t>::simd_lt(self, rhs).select(self, rhs)
            }
            #[inline(always)]
            fn fast_max(self, rhs: Self) -> Self {
                <$t>::simd_gt(self, rhs).select(self, rhs)
            }
            #[inline(always)]
            fn simd_lt(self, rhs: Self) -> Self {
                <$t>::simd_lt(self, rhs)
            }
            #[inline(always)]
            fn simd_gt(self, rhs: Self) -> Self {
                <$t>::simd_gt(self, rhs)
            }
            #[inline(always)]
            fn select(self, if_true: Self, if_false: Self) -> Self {
                <$t>::select(self, if_true, if_false)
            }
            #[inline(always)]
            fn round_int(self) -> Self {
                <$t>::$from_int(self.fast_round_int())
            }
            #[inline(always)]
            fn pow2_int(self) -> Self {
                bytemuck::cast((self.fast_round_int() + <$i>::splat(127)) << 23)
            }
        }
    };
}

impl_vector_wide!(f32x8, wide::i32x8, from_i32x8, 8);
impl_vector_wide!(f32x4, wide::i32x4, from_i32x4, 4);

impl Vector8 for f32x8 {
    const PERMUTES: bool = false;
    #[inline(always)]
    fn from_array(_: Compiled, a: [f32; 8]) -> Self {
        f32x8::from(a)
    }
    #[inline(always)]
    fn to_array(self) -> [f32; 8] {
        f32x8::to_array(self)
    }
    #[inline(always)]
    fn lane_totals(v: &[Self; 8]) -> Self {
        lane_totals(v)
    }
    #[inline(always)]
    fn permute(self, idx: [i32; 8]) -> Self {
        let a = f32x8::to_array(self);
        f32x8::from(idx.map(|i| a[i as usize]))
    }
    #[inline(always)]
    fn blend<const IMM: i32>(self, b: Self) -> Self {
        let (a, b) = (f32x8::to_array(self), f32x8::to_array(b));
        f32x8::from(core::array::from_fn::<f32, 8, _>(|k| {
            if IMM & (1 << k) != 0 {
                b[k]
            } else {
                a[k]
            }
        }))
    }
}

/// Exact `√x` (IEEE correctly rounded, so the same bits on every target):
/// `sqrtss` on x86-64, VEX-encoded (`vsqrtps`) inside the AVX paths'
/// kernels; the vector unit's square root through `wide` (`cfg(dlr_wide)`);
/// the FPU's `VSQRT.F32` on 32-bit Arm with a hard-float ABI (a Cortex-M4F);
/// `libm::sqrtf` elsewhere.
///
/// The crate's only square root (with [`exact_sqrt_f64`]). Not
/// `libm::sqrtf` on x86-64: its version there is an inline-asm legacy-SSE
/// `sqrtss`, and legacy-SSE instructions between 256-bit AVX ones cost a
/// state transition, paid at every scalar tail weight of a row
/// (BENCHMARKS.md, "Legacy-SSE square roots", measures it on Adam's rows of
/// 30 and 10). Not `wide` without a vector unit: there it takes a software
/// square root in `f64` for each of four lanes.
#[inline(always)]
pub fn exact_sqrt(x: f32) -> f32 {
    #[cfg(any(target_arch = "x86_64", dlr_wide))]
    return f32x4::splat(x).sqrt().as_array()[0];
    #[cfg(all(target_arch = "arm", target_abi = "eabihf", not(dlr_wide)))]
    return arm_fpu::vsqrt(x);
    #[cfg(not(any(
        target_arch = "x86_64",
        dlr_wide,
        all(target_arch = "arm", target_abi = "eabihf")
    )))]
    return libm::sqrtf(x);
}

/// The FPU's square root on 32-bit Arm with a hard-float ABI.
#[cfg(all(target_arch = "arm", target_abi = "eabihf", not(dlr_wide)))]
mod arm_fpu {
    /// `VSQRT.F32`, correctly rounded, as a function of its own: stable
    /// Rust offers no square root in `core`, and its inline assembly names
    /// single-precision registers only with the `vfp2` feature, which a
    /// Cortex-M4F (single precision only) lacks. Three instructions
    /// (call, `VSQRT.F32`, return) where `wide` or `libm` take a software
    /// square root.
    // SAFETY: with the hard-float ABI (`eabihf`) an `extern "C"` function
    // takes its `f32` argument in s0 and returns its result in s0, which
    // the caller does not expect preserved; the body writes nothing else,
    // touches no memory or stack, and returns through lr. Every FPU a
    // hard-float Arm target has (VFPv2 and later, FPv4-SP, FPv5) has
    // `VSQRT.F32`.
    #[unsafe(naked)]
    pub(super) extern "C" fn vsqrt(x: f32) -> f32 {
        // `.fpu`: the assembler that lists an LTO build's symbols reads
        // this text with the target's default features, without the FPU.
        core::arch::naked_asm!(".fpu vfpv2", "vsqrt.f32 s0, s0", "bx lr")
    }
}

/// [`exact_sqrt`] in `f64`: `vsqrtpd` on x86-64 (for the same reason), the
/// vector unit's through `wide` (`cfg(dlr_wide)`), else `libm::sqrt`, one
/// software or hardware square root where `wide` takes two.
#[inline(always)]
pub fn exact_sqrt_f64(x: f64) -> f64 {
    #[cfg(any(target_arch = "x86_64", dlr_wide))]
    return wide::f64x2::splat(x).sqrt().as_array()[0];
    #[cfg(not(any(target_arch = "x86_64", dlr_wide)))]
    return libm::sqrt(x);
}

/// The total of eight partial sums in the order an AVX horizontal sum adds
/// them, `((l₀ + l₄) + (l₂ + l₆)) + ((l₁ + l₅) + (l₃ + l₇))`, so that a total
/// taken here, by [`lane_totals`] or by an 8-lane `reduce_add` is the same
/// number to the last bit.
#[doc(hidden)]
#[inline(always)]
pub fn lane_total(l: &[f32; LANES]) -> f32 {
    ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]))
}

/// [`lane_total`] of eight vectors at once: lane `k` of the result is
/// `lane_total(v[k])`, bit for bit. (The AVX paths' version,
/// `Vector8::lane_totals`, does it with shuffles.) Hidden as [`LANES`] is.
#[doc(hidden)]
#[inline(always)]
pub fn lane_totals(v: &[f32x8; LANES]) -> f32x8 {
    f32x8::from(v.map(|x| lane_total(x.as_array())))
}

/// Asks the CPU to start loading every cache line of `s` into L1; does
/// nothing where no prefetch instruction is compiled in. Hidden: a helper
/// of the program's overlapped evaluation, not part of the optimizer API.
#[doc(hidden)]
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

/// One cache line of `f32`s, the unit of [`AlignedF32s`].
#[derive(Clone, Copy, Debug)]
#[repr(C, align(64))]
struct Line([f32; 16]);

// SAFETY: `Line` is `repr(C)` around `[f32; 16]`, 64 bytes with no padding
// (its alignment equals its size), and every bit pattern is an `f32` array.
unsafe impl bytemuck::Zeroable for Line {}
// SAFETY: as above; `Line` is `Copy` and `'static`.
unsafe impl bytemuck::Pod for Line {}

/// A zeroed `f32` buffer whose start is 64-byte aligned (it is stored as
/// whole cache lines).
///
/// For scratch rows that a kernel loads and stores again every row (DLR
/// Eq. 3's column increments). From `Vec<f32>` they are only 16-byte
/// aligned, half the time by the allocator's whim: then every other 32-byte
/// vector straddles two cache lines, the next row's load of it cannot be
/// forwarded from the split store, and the whole DLR-post step slows down
/// in such processes (BENCHMARKS.md, "Misaligned scratch"). 64 bytes keeps
/// AVX-512's vectors whole as well.
///
/// Hidden: a buffer of `Dlr`'s private state, reachable for its tests.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct AlignedF32s {
    lines: alloc::vec::Vec<Line>,
    len: usize,
}

impl AlignedF32s {
    /// `len` zeros.
    pub fn zeros(len: usize) -> Self {
        Self {
            lines: alloc::vec![Line([0.0; 16]); len.div_ceil(16)],
            len,
        }
    }

    /// The `len` values.
    pub fn as_slice(&self) -> &[f32] {
        &bytemuck::cast_slice::<Line, f32>(&self.lines)[..self.len]
    }

    /// The `len` values, mutable.
    pub fn as_mut_slice(&mut self) -> &mut [f32] {
        &mut bytemuck::cast_slice_mut::<Line, f32>(&mut self.lines)[..self.len]
    }
}

/// The parts of an `n`-element slice a kernel on path `P` runs in each
/// width: `(wide, eight, four)` lengths (no `wide` part below
/// [`Isa::WIDE_FROM`]); the twin takes the rest (0–3).
#[inline(always)]
pub(crate) fn split_lens<P: Isa>(n: usize) -> (usize, usize, usize) {
    let wide = if n >= P::WIDE_FROM {
        n / P::Wide::LANES * P::Wide::LANES
    } else {
        0
    };
    let eight = if P::Wide::LANES > 8 {
        (n - wide) / 8 * 8
    } else {
        0
    };
    let four = (n - wide - eight) / 4 * 4;
    (wide, eight, four)
}

/// `x` cut at [`split_lens`]' lengths `(wide, eight, four)`: the parts for
/// each vector width, then the tail the twin takes.
#[inline(always)]
pub(crate) fn split_parts_mut(
    x: &mut [f32],
    (wide, eight, four): (usize, usize, usize),
) -> [&mut [f32]; 4] {
    let (w, rest) = x.split_at_mut(wide);
    let (e, rest) = rest.split_at_mut(eight);
    let (f, tail) = rest.split_at_mut(four);
    [w, e, f, tail]
}

/// [`split_parts_mut`] for a slice read only.
#[inline(always)]
pub(crate) fn split_parts(x: &[f32], (wide, eight, four): (usize, usize, usize)) -> [&[f32]; 4] {
    let (w, rest) = x.split_at(wide);
    let (e, rest) = rest.split_at(eight);
    let (f, tail) = rest.split_at(four);
    [w, e, f, tail]
}

/// A SIMD path: the instruction set the kernels run with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SimdPath {
    /// The scalar twins (`kernels::reference`): plain loops, no fused
    /// multiply-add. The only path on a target without a vector unit.
    Scalar,
    /// x86-64's baseline: 4-lane SSE2, an 8-lane vector as two halves,
    /// multiply and add separate.
    Sse2,
    /// x86-64 with AVX2 and FMA: 8 lanes, fused multiply-add.
    Avx2,
    /// x86-64 with AVX-512F and AVX-512VL: 16 lanes (and AVX2 + FMA for 8 and 4).
    Avx512,
    /// aarch64's NEON through `wide` (compiled in).
    Neon,
    /// wasm32's simd128 through `wide` (compiled in with `+simd128`).
    Simd128,
}

impl SimdPath {
    /// Every path, in the order of [`SimdPath::name`]'s list.
    pub const ALL: [SimdPath; 6] = [
        SimdPath::Scalar,
        SimdPath::Sse2,
        SimdPath::Avx2,
        SimdPath::Avx512,
        SimdPath::Neon,
        SimdPath::Simd128,
    ];

    /// `"scalar"`, `"sse2"`, `"avx2"`, `"avx512"`, `"neon"` or
    /// `"simd128"`: the names [`SimdPath::from_name`] takes.
    pub const fn name(self) -> &'static str {
        match self {
            SimdPath::Scalar => "scalar",
            SimdPath::Sse2 => "sse2",
            SimdPath::Avx2 => "avx2",
            SimdPath::Avx512 => "avx512",
            SimdPath::Neon => "neon",
            SimdPath::Simd128 => "simd128",
        }
    }

    /// The path named `name` (see [`SimdPath::name`]); `"portable"` is
    /// also read as [`SimdPath::Scalar`], the path of targets without a
    /// vector unit, which once ran `wide`'s plain arrays under that name.
    pub fn from_name(name: &str) -> Option<Self> {
        if name == "portable" {
            return Some(SimdPath::Scalar);
        }
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Whether this build can run the path on this CPU.
    pub fn is_available(self) -> bool {
        let best = best_path();
        match self {
            SimdPath::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            SimdPath::Sse2 => true,
            #[cfg(target_arch = "x86_64")]
            SimdPath::Avx2 => AVX2_BUILT && matches!(best, SimdPath::Avx2 | SimdPath::Avx512),
            _ => self == best,
        }
    }

    fn index(self) -> u8 {
        Self::ALL.iter().position(|&p| p == self).unwrap_or(0) as u8
    }
}

impl core::fmt::Display for SimdPath {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// The paths this build can run on this CPU, fastest last.
pub fn available_paths() -> alloc::vec::Vec<SimdPath> {
    SimdPath::ALL
        .into_iter()
        .filter(|p| p.is_available())
        .collect()
}

/// The fastest path this build can run on this CPU.
pub fn best_path() -> SimdPath {
    static BEST: AtomicU8 = AtomicU8::new(UNSET);
    match BEST.load(Ordering::Relaxed) {
        UNSET => {
            let best = detect();
            BEST.store(best.index(), Ordering::Relaxed);
            best
        }
        i => SimdPath::ALL[i as usize],
    }
}

/// The best path for this CPU.
#[cfg(target_arch = "x86_64")]
fn detect() -> SimdPath {
    best_x86_path(&x86::features())
}

/// The decision table: the best path from what the CPU and the OS support,
/// among the paths this build compiled (cargo features `avx512`, `avx2`,
/// or the same target features enabled at build time).
#[cfg(target_arch = "x86_64")]
fn best_x86_path(f: &x86::Features) -> SimdPath {
    if AVX512_BUILT && f.avx512f && f.avx512vl && f.avx2 && f.fma {
        SimdPath::Avx512
    } else if AVX2_BUILT && f.avx2 && f.fma {
        SimdPath::Avx2
    } else {
        SimdPath::Sse2
    }
}

/// Whether this build has the AVX-512 path.
#[cfg(target_arch = "x86_64")]
const AVX512_BUILT: bool = cfg!(dlr_avx512);
/// Whether this build has the AVX2 path.
#[cfg(target_arch = "x86_64")]
const AVX2_BUILT: bool = cfg!(dlr_avx2);

/// The decision table where `wide` compiles the path in.
#[cfg(dlr_wide)]
fn detect() -> SimdPath {
    COMPILED_PATH
}

/// Without a vector unit: the scalar path.
#[cfg(not(any(target_arch = "x86_64", dlr_wide)))]
fn detect() -> SimdPath {
    SimdPath::Scalar
}

const UNSET: u8 = u8::MAX;

/// The path the kernels run: one set by [`force_path`], else [`best_path`].
/// Read at every layer-level kernel call.
static ACTIVE: AtomicU8 = AtomicU8::new(UNSET);

/// The path the kernels run now: the one [`force_path`] chose, else the
/// best this CPU has. The library reads no environment variable: a
/// program that wants one (the `dlr` program's `DLR_SIMD`) maps it onto
/// [`force_path`].
#[inline]
pub fn active_path() -> SimdPath {
    match ACTIVE.load(Ordering::Relaxed) {
        UNSET => init_active_path(),
        i => SimdPath::ALL[i as usize],
    }
}

#[cold]
fn init_active_path() -> SimdPath {
    let path = best_path();
    // A path forced meanwhile by another thread wins.
    match ACTIVE.compare_exchange(UNSET, path.index(), Ordering::Relaxed, Ordering::Relaxed) {
        Ok(_) => path,
        Err(i) => SimdPath::ALL[i as usize],
    }
}

/// The active path as the token its kernels run with (`dispatched!`
/// matches on it). The AVX tokens come from detection only.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Active {
    /// The scalar twins.
    Scalar(Scalar),
    /// x86-64's baseline.
    #[cfg(target_arch = "x86_64")]
    Sse2(x86::Sse2),
    /// AVX2 + FMA.
    #[cfg(dlr_avx2)]
    Avx2(x86::Avx2),
    /// AVX-512F + VL (with AVX2 + FMA).
    #[cfg(dlr_avx512)]
    Avx512(x86::Avx512),
    /// What `wide` compiles to on this target.
    #[cfg(dlr_wide)]
    Compiled(Compiled),
}

impl Active {
    /// The AVX-512 path's layers narrower than [`Isa::WIDE_FROM`] on the
    /// AVX2 instantiation when `narrow` (see `dispatched!`): the same
    /// 8-lane bodies, so the same bits. Every other path stays.
    #[inline(always)]
    pub(crate) fn narrowed(self, narrow: bool) -> Self {
        #[cfg(dlr_avx512)]
        if let (Active::Avx512(isa), true) = (self, narrow) {
            return Active::Avx2(isa.avx2());
        }
        let _ = narrow;
        self
    }
}

/// The token of [`active_path`]'s path.
#[inline(always)]
pub(crate) fn active() -> Active {
    let path = active_path();
    #[cfg(dlr_avx512)]
    if path == SimdPath::Avx512 {
        if let Some(isa) = x86::Avx512::detected() {
            return Active::Avx512(isa);
        }
    }
    #[cfg(dlr_avx2)]
    if path == SimdPath::Avx2 {
        if let Some(isa) = x86::Avx2::detected() {
            return Active::Avx2(isa);
        }
    }
    if path == SimdPath::Scalar {
        return Active::Scalar(Scalar);
    }
    #[cfg(target_arch = "x86_64")]
    return Active::Sse2(x86::Sse2);
    #[cfg(dlr_wide)]
    return Active::Compiled(Compiled);
    #[cfg(not(any(target_arch = "x86_64", dlr_wide)))]
    Active::Scalar(Scalar)
}

/// Why a path cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathError {
    /// The name is none of [`SimdPath::name`]'s.
    Unknown(alloc::string::String),
    /// This CPU (or this build's target) lacks the path.
    Unavailable(SimdPath),
}

impl core::fmt::Display for PathError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            PathError::Unknown(name) => write!(
                f,
                "unknown SIMD path {name:?} (expected one of scalar, sse2, avx2, avx512, neon, simd128)"
            ),
            PathError::Unavailable(p) => {
                let have: alloc::vec::Vec<&str> =
                    available_paths().into_iter().map(SimdPath::name).collect();
                write!(
                    f,
                    "SIMD path {p} is not available on this machine (it has: {})",
                    have.join(", ")
                )
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for PathError {}

/// The path named `name`, if this machine has it.
pub fn parse_path(name: &str) -> Result<SimdPath, PathError> {
    let path = SimdPath::from_name(name).ok_or_else(|| PathError::Unknown(name.into()))?;
    if path.is_available() {
        Ok(path)
    } else {
        Err(PathError::Unavailable(path))
    }
}

/// Runs the kernels on `path` from the next layer-level call on, in every
/// thread, instead of the best one; an error (and no change) when this
/// build or this CPU lacks it. The one way to choose a path: the library
/// reads no environment variable.
pub fn force_path(path: SimdPath) -> Result<(), PathError> {
    if !path.is_available() {
        return Err(PathError::Unavailable(path));
    }
    ACTIVE.store(path.index(), Ordering::Relaxed);
    Ok(())
}

/// The name of the path the kernels run: [`active_path`]'s
/// [`SimdPath::name`].
pub fn simd_path() -> &'static str {
    active_path().name()
}

/// Whether a layer of `width` outputs runs the AVX2 instantiation on the
/// AVX-512 path (`dispatched!`'s `narrow_on_avx2`): below
/// [`Isa::WIDE_FROM`] its kernels run 8-lane bodies either way.
#[inline(always)]
pub(crate) fn narrow_for_avx512(width: usize) -> bool {
    #[cfg(dlr_avx512)]
    return width < <x86::Avx512 as Isa>::WIDE_FROM;
    #[cfg(not(dlr_avx512))]
    {
        let _ = width;
        false
    }
}

/// Defines a function that runs the generic kernel body `$generic` on the
/// active path: the path's token is read once per call and passed as the
/// body's first argument, and each x86-64 AVX path's instantiation is
/// compiled inside a `#[target_feature]` function so that its vector
/// types' intrinsics inline into it. Those functions take the path's token,
/// which only detection makes, so nothing reaches them on a CPU without
/// their instructions.
///
/// With `; narrow_on_avx2 if <condition on the arguments>`, the AVX-512
/// path runs the AVX2 instantiation when the condition holds
/// ([`Active::narrowed`], decided before the match): for layers narrower
/// than [`Isa::WIDE_FROM`], which run 8-lane bodies on either path, so the
/// bits are the same. Why: the AVX2 build of those bodies measured faster
/// on an Intel Xeon for the network passes and DLR's update
/// (BENCHMARKS.md, "AVX-512's narrow layers on AVX2 code"). Inside an
/// AVX-512 function LLVM auto-vectorizes the plain loops around the
/// kernels (column factors, the twins that end short rows) with 512-bit
/// instructions and masked stores; on Intel cores the first slow the
/// 256-bit work around them, and a load of bytes a masked store has just
/// written may wait for the store.
macro_rules! dispatched {
    (
        $(#[$attr:meta])*
        $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?
        => $($generic:ident)::+
    ) => {
        $crate::simd::dispatched! {
            $(#[$attr])*
            $vis fn $name($($arg: $ty),*) $(-> $ret)? => $($generic)::+; narrow_on_avx2 if false
        }
    };
    (
        $(#[$attr:meta])*
        $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?
        => $($generic:ident)::+; narrow_on_avx2 if $narrow:expr
    ) => {
        $(#[$attr])*
        #[inline]
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(dlr_avx512)]
            #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
            #[allow(clippy::too_many_arguments)] // the kernel's, and the token
            fn avx512(isa: $crate::simd::x86::Avx512, $($arg: $ty),*) $(-> $ret)? {
                $($generic)::+(isa, $($arg),*)
            }
            #[cfg(dlr_avx2)]
            #[target_feature(enable = "avx2,fma")]
            #[allow(clippy::too_many_arguments)] // the kernel's, and the token
            fn avx2(isa: $crate::simd::x86::Avx2, $($arg: $ty),*) $(-> $ret)? {
                $($generic)::+(isa, $($arg),*)
            }
            let narrow: bool = $narrow;
            match $crate::simd::active().narrowed(narrow) {
                #[cfg(dlr_avx512)]
                $crate::simd::Active::Avx512(isa) => {
                    // SAFETY: an `Avx512` token exists only where detection
                    // saw AVX-512F and VL, AVX2 and FMA, with the OS saving
                    // the zmm and ymm registers: what `avx512` enables.
                    unsafe { avx512(isa, $($arg),*) }
                }
                #[cfg(dlr_avx2)]
                $crate::simd::Active::Avx2(isa) => {
                    // SAFETY: an `Avx2` token exists only where detection
                    // saw AVX2 and FMA, with the OS saving the ymm
                    // registers: what `avx2` enables.
                    unsafe { avx2(isa, $($arg),*) }
                }
                #[cfg(target_arch = "x86_64")]
                $crate::simd::Active::Sse2(isa) => $($generic)::+(isa, $($arg),*),
                #[cfg(dlr_wide)]
                $crate::simd::Active::Compiled(isa) => $($generic)::+(isa, $($arg),*),
                $crate::simd::Active::Scalar(isa) => $($generic)::+(isa, $($arg),*),
            }
        }
    };
}
pub(crate) use dispatched;

#[cfg(all(test, target_arch = "x86_64"))]
mod decision_table_tests {
    use super::x86::Features;
    use super::*;

    fn cpu(avx2: bool, fma: bool, avx512f: bool, avx512vl: bool) -> Features {
        Features {
            avx2,
            fma,
            avx512f,
            avx512vl,
        }
    }

    #[test]
    fn each_path_needs_all_of_its_features() {
        // A path this build left out falls to the next one it has.
        let avx2 = if AVX2_BUILT {
            SimdPath::Avx2
        } else {
            SimdPath::Sse2
        };
        let avx512 = if AVX512_BUILT { SimdPath::Avx512 } else { avx2 };
        assert_eq!(best_x86_path(&cpu(true, true, true, true)), avx512);
        // AVX-512F without VL (the Xeon Phi): the AVX-512 path's 8-lane
        // bodies need VL, so AVX2.
        assert_eq!(best_x86_path(&cpu(true, true, true, false)), avx2);
        assert_eq!(best_x86_path(&cpu(true, true, false, false)), avx2);
        assert_eq!(best_x86_path(&cpu(true, false, true, true)), SimdPath::Sse2);
        assert_eq!(
            best_x86_path(&cpu(false, true, false, false)),
            SimdPath::Sse2
        );
        assert_eq!(
            best_x86_path(&cpu(false, false, false, false)),
            SimdPath::Sse2
        );
    }
}

#[cfg(test)]
mod path_name_tests {
    use super::*;

    #[test]
    fn names_read_back_and_portable_is_the_scalar_path() {
        for path in SimdPath::ALL {
            assert_eq!(SimdPath::from_name(path.name()), Some(path));
        }
        assert_eq!(SimdPath::from_name("portable"), Some(SimdPath::Scalar));
        assert_eq!(parse_path("portable"), Ok(SimdPath::Scalar));
        assert_eq!(SimdPath::from_name("Scalar"), None);
        // The device's arithmetic runs on every machine.
        assert!(SimdPath::Scalar.is_available());
        assert!(available_paths().contains(&SimdPath::Scalar));
    }
}

/// The vectors' own maths on every path's vector types this CPU runs (the
/// kernels' tests reach them only through kernels): `flush_subnormal`
/// against its twin, `exp_bounded` against `f64`.
#[cfg(test)]
mod vector_tests {
    use super::*;
    use crate::kernels::reference;
    use alloc::vec::Vec;

    /// Runs `check` on each vector type of every path this CPU has, with
    /// the type's name.
    /// A vector operation applied to a slice, `LANES` at a time.
    type OnSlice<'a> = &'a mut dyn FnMut(&[f32]) -> Vec<f32>;

    fn for_each_vector_type(check: &mut dyn FnMut(&str, OnSlice<'_>, OnSlice<'_>)) {
        fn on<V: Vector>(t: V::Token, f: impl Fn(V) -> V) -> impl FnMut(&[f32]) -> Vec<f32> {
            move |x: &[f32]| {
                let mut out = alloc::vec![0.0; x.len()];
                for (xc, oc) in x.chunks_exact(V::LANES).zip(out.chunks_exact_mut(V::LANES)) {
                    f(V::load(t, xc)).store(oc);
                }
                out
            }
        }
        macro_rules! each {
            ($name:expr, $v:ty, $t:expr) => {
                check(
                    $name,
                    &mut on::<$v>($t, |v| v.flush_subnormal()),
                    &mut on::<$v>($t, |v| v.exp_bounded()),
                );
            };
        }
        each!("scalar 8", Lanes<8>, Scalar);
        each!("scalar 4", Lanes<4>, Scalar);
        each!("wide f32x8", f32x8, Compiled);
        each!("wide f32x4", f32x4, Compiled);
        #[cfg(target_arch = "x86_64")]
        {
            each!("sse2 8", x86::F32x8Pair, x86::Sse2);
            each!("sse2 4", x86::F32x4<false>, x86::Sse2);
            #[cfg(dlr_avx2)]
            if let Some(t) = x86::Avx2::detected() {
                each!("avx2 8", x86::F32x8, t);
                each!("avx2 4", x86::F32x4<true>, t);
            }
            #[cfg(dlr_avx512)]
            if let Some(t) = x86::Avx512::detected() {
                each!("avx512 16", x86::F32x16, t);
            }
        }
    }

    #[test]
    fn flush_subnormal_matches_twin_on_every_kind_of_value() {
        let tiny = f32::MIN_POSITIVE;
        let values: [f32; 16] = [
            0.0,
            -0.0,
            f32::from_bits(1),  // smallest subnormal
            -f32::from_bits(3), // a negative subnormal
            tiny * 0.5,         // a large subnormal
            tiny,               // smallest normal: kept
            -tiny,              // kept
            1.5,
            f32::MAX,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            f32::from_bits(0x007f_ffff), // largest subnormal
            -1e-30,
            3e-39,
            1e-3,
        ];
        for_each_vector_type(&mut |name, flush, _| {
            for (&x, &y) in values.iter().zip(&flush(&values)) {
                let twin = reference::flush_subnormal(x);
                assert_eq!(
                    y.to_bits(),
                    twin.to_bits(),
                    "{name}: flush({x:e}) = {y:e}, twin {twin:e}"
                );
                if x.is_nan() {
                    assert!(y.is_nan(), "NaN must stay NaN so divergence is seen");
                } else if x.abs() < tiny {
                    assert_eq!(y, 0.0, "{x:e} is subnormal and must be flushed");
                } else {
                    assert_eq!(y, x, "{x:e} is normal and must pass unchanged");
                }
            }
        });
    }

    #[test]
    fn exp_bounded_is_within_two_eps_on_its_range() {
        let mut xs: Vec<f32> = (-87_000..=87_000)
            .map(|k| k as f32 * 1e-3)
            .chain([
                -87.0,
                87.0,
                0.0,
                -0.0,
                1e-30,
                -1e-30,
                0.346_573_6,
                -0.346_573_6,
            ])
            .collect();
        xs.resize(xs.len().next_multiple_of(16), 0.0);
        let mut first: Option<Vec<f32>> = None;
        for_each_vector_type(&mut |name, _, exp| {
            let out = exp(&xs);
            let mut worst = 0.0f64;
            for (&x, &y) in xs.iter().zip(&out) {
                let exact = libm::exp(x as f64);
                let rel = libm::fabs(y as f64 - exact) / exact;
                worst = worst.max(rel);
                assert!(
                    rel < 2.0 * f32::EPSILON as f64,
                    "{name}: exp({x}) = {y:e}, exact {exact:e}, relative error {rel:e}"
                );
            }
            assert!(worst > 0.0, "{name}: the comparison measured something");
            let nan = exp(&[f32::NAN; 16]);
            assert!(nan.iter().all(|x| x.is_nan()), "{name}: NaN must stay NaN");
            // Fused and unfused paths may differ by rounding; the widths of
            // one path may not.
            if name.ends_with(" 4") {
                if let Some(eight) = &first {
                    assert!(
                        eight
                            .iter()
                            .zip(&out)
                            .all(|(a, b)| a.to_bits() == b.to_bits()),
                        "{name}: differs from the same path's wider vector"
                    );
                }
            }
            first = Some(out);
        });
    }
}
