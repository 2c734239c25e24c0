//! x86-64's run-time paths: `core::arch` vector types behind
//! [`Vector`](super::Vector), the paths built from them, and the CPU
//! feature detection that decides which may run.
//!
//! | path | `Wide` | `Eight` | `Four` | multiply-add |
//! |---|---|---|---|---|
//! | [`Avx512`] | [`F32x16`] (`__m512`) | [`F32x8`] (`__m256`) | [`F32x4<true>`] (`__m128`) | fused |
//! | [`Avx2`] | [`F32x8`] | [`F32x8`] | [`F32x4<true>`] | fused |
//! | [`Sse2`] | [`F32x8Pair`] (two `__m128`) | [`F32x8Pair`] | [`F32x4<false>`] | separate |
//!
//! **Safety.** The intrinsics these types call need their instruction set
//! on the CPU. Each path is a token type: [`Avx512`] and [`Avx2`] have a
//! private field, and the only functions that make one
//! ([`Avx512::detected`], [`Avx2::detected`], [`Avx512::avx2`]) do so where
//! detection ([`super::best_path`], from [`features`]) saw the instruction
//! set on this CPU with the OS saving its registers. A vector is made only
//! from its token ([`Vector::zero`], [`Vector::splat`], [`Vector::load`]):
//! a value of `F32x16` therefore proves AVX-512F and VL, and one of `F32x8`
//! or `F32x4<true>` proves AVX2 and FMA, which is what every method's
//! intrinsics need ("see the module doc" below). The fields are private
//! to this module. SSE2 (`F32x8Pair`, `F32x4<false>`, token [`Sse2`]) is
//! part of every x86-64.

// Without the `avx2` or `avx512` feature, the types only those paths use
// stay unused.
#![cfg_attr(not(all(dlr_avx2, dlr_avx512)), allow(dead_code))]

use core::arch::x86_64::*;
use core::ops::{Add, Mul, Neg, Sub};

use super::{lane_total, Isa, SimdPath, Vector, Vector8};

/// What [`super::detect`] needs to know of the CPU.
pub(crate) struct Features {
    pub avx2: bool,
    pub fma: bool,
    pub avx512f: bool,
    /// AVX-512's masks and EVEX encodings on 8- and 4-lane vectors: without
    /// it, the compiler widens the AVX-512 path's 8-lane kernels' compares
    /// and selects to 16 lanes.
    pub avx512vl: bool,
}

/// The CPU's features, with the OS's consent: AVX registers count only
/// where the OS saves them (`xgetbv`).
#[cfg(feature = "std")]
pub(crate) fn features() -> Features {
    Features {
        avx2: std::is_x86_feature_detected!("avx2"),
        fma: std::is_x86_feature_detected!("fma"),
        avx512f: std::is_x86_feature_detected!("avx512f"),
        avx512vl: std::is_x86_feature_detected!("avx512vl"),
    }
}

/// The CPU's features from `cpuid`, with the OS's consent from `xgetbv`
/// (without `std`, whose `is_x86_feature_detected!` does the same).
#[cfg(not(feature = "std"))]
pub(crate) fn features() -> Features {
    // `cpuid` exists on every x86-64 CPU; leaf 7 is read only when leaf 0
    // says it exists.
    let (max_leaf, leaf1) = (__cpuid(0).eax, __cpuid(1));
    let leaf7_ebx = if max_leaf >= 7 {
        __cpuid_count(7, 0).ebx
    } else {
        0
    };
    let osxsave = leaf1.ecx & (1 << 27) != 0;
    let xcr0 = if osxsave {
        // SAFETY: OSXSAVE set means the OS enabled `xgetbv`.
        unsafe { read_xcr0() }
    } else {
        0
    };
    // XCR0: SSE (1) and AVX (2) state; opmask (5), upper zmm (6, 7).
    let os_ymm = xcr0 & 0b110 == 0b110;
    let os_zmm = os_ymm && xcr0 & 0b1110_0000 == 0b1110_0000;
    let avx = leaf1.ecx & (1 << 28) != 0;
    Features {
        avx2: os_ymm && avx && leaf7_ebx & (1 << 5) != 0,
        fma: os_ymm && avx && leaf1.ecx & (1 << 12) != 0,
        avx512f: os_zmm && leaf7_ebx & (1 << 16) != 0,
        avx512vl: os_zmm && leaf7_ebx & (1 << 31) != 0,
    }
}

/// XCR0, the register state the OS saves.
///
/// # Safety
/// Only where CPUID leaf 1 reports OSXSAVE (the OS enabled `xgetbv`).
#[cfg(not(feature = "std"))]
#[target_feature(enable = "xsave")]
unsafe fn read_xcr0() -> u64 {
    _xgetbv(0)
}

/// The AVX-512 path (F and VL): 16 lanes, fused multiply-add; VL lets the
/// 8- and 4-lane bodies use its masks instead of widening to 16 lanes. A
/// value is the proof that this CPU has AVX-512F and VL, AVX2 and FMA.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx512(());

impl Avx512 {
    /// The token, where detection saw the path's instruction sets.
    #[inline(always)]
    pub(crate) fn detected() -> Option<Self> {
        (super::best_path() == SimdPath::Avx512).then_some(Avx512(()))
    }

    /// The AVX2 path's token: detection gives the AVX-512 path only where
    /// AVX2 and FMA are there too (`best_x86_path`).
    #[inline(always)]
    pub(crate) fn avx2(self) -> Avx2 {
        Avx2(())
    }
}

impl Isa for Avx512 {
    const WIDE_FROM: usize = 512;
    type Wide = F32x16;
    type Eight = F32x8;
    type Four = F32x4<true>;
    #[inline(always)]
    fn wide(self) -> Avx512 {
        self
    }
    #[inline(always)]
    fn eight(self) -> Avx2 {
        self.avx2()
    }
    #[inline(always)]
    fn four(self) -> Avx2 {
        self.avx2()
    }
    #[inline(always)]
    fn eights(v: F32x16) -> [F32x8; 2] {
        // SAFETY: see the module doc (an `F32x16` exists only under AVX-512F).
        unsafe {
            let d = _mm512_castps_pd(v.0);
            [
                F32x8(_mm256_castpd_ps(_mm512_castpd512_pd256(d))),
                F32x8(_mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(d))),
            ]
        }
    }
}

/// The AVX2 + FMA path: 8 lanes, fused multiply-add. A value is the proof
/// that this CPU has AVX2 and FMA.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx2(());

impl Avx2 {
    /// The token, where detection saw AVX2 and FMA (the AVX2 or the
    /// AVX-512 path).
    #[inline(always)]
    pub(crate) fn detected() -> Option<Self> {
        matches!(super::best_path(), SimdPath::Avx2 | SimdPath::Avx512).then_some(Avx2(()))
    }
}

impl Isa for Avx2 {
    type Wide = F32x8;
    type Eight = F32x8;
    type Four = F32x4<true>;
    #[inline(always)]
    fn wide(self) -> Avx2 {
        self
    }
    #[inline(always)]
    fn eight(self) -> Avx2 {
        self
    }
    #[inline(always)]
    fn four(self) -> Avx2 {
        self
    }
    #[inline(always)]
    fn eights(v: F32x8) -> [F32x8; 2] {
        [v, F32x8::zero(v.token())]
    }
}

/// The SSE2 path (x86-64's baseline): 4 lanes, an 8-lane vector as two,
/// multiply and add separate. Every x86-64 has it: no proof needed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sse2;

impl Isa for Sse2 {
    const FORWARD_BLOCK: usize = 6;
    type Wide = F32x8Pair;
    type Eight = F32x8Pair;
    type Four = F32x4<false>;
    #[inline(always)]
    fn wide(self) -> Sse2 {
        self
    }
    #[inline(always)]
    fn eight(self) -> Sse2 {
        self
    }
    #[inline(always)]
    fn four(self) -> Sse2 {
        self
    }
    #[inline(always)]
    fn eights(v: F32x8Pair) -> [F32x8Pair; 2] {
        [v, F32x8Pair::zero(Sse2)]
    }
}

/// Implements `Add`, `Sub`, `Mul` and `Neg` from intrinsics; `$sign` is
/// the sign mask, `$xor` the bitwise exclusive or (negation flips the sign
/// bit, as `wide` does: `−(+0) = −0`).
macro_rules! arith {
    ($t:ty, $add:ident, $sub:ident, $mul:ident, $xor:ident, $splat:ident) => {
        impl Add for $t {
            type Output = Self;
            #[inline(always)]
            fn add(self, b: Self) -> Self {
                // SAFETY: see the module doc.
                Self(unsafe { $add(self.0, b.0) })
            }
        }
        impl Sub for $t {
            type Output = Self;
            #[inline(always)]
            fn sub(self, b: Self) -> Self {
                // SAFETY: see the module doc.
                Self(unsafe { $sub(self.0, b.0) })
            }
        }
        impl Mul for $t {
            type Output = Self;
            #[inline(always)]
            fn mul(self, b: Self) -> Self {
                // SAFETY: see the module doc.
                Self(unsafe { $mul(self.0, b.0) })
            }
        }
        impl Neg for $t {
            type Output = Self;
            #[inline(always)]
            fn neg(self) -> Self {
                // SAFETY: see the module doc.
                Self(unsafe { $xor(self.0, $splat(-0.0)) })
            }
        }
    };
}

/// 4 lanes in an `__m128`; `FUSED`: `mul_add` is one FMA instruction
/// (the AVX paths), else a multiply and an add (SSE2).
#[derive(Clone, Copy, Debug)]
pub(crate) struct F32x4<const FUSED: bool>(__m128);

arith!(
    F32x4<true>,
    _mm_add_ps,
    _mm_sub_ps,
    _mm_mul_ps,
    _mm_xor_ps,
    _mm_set1_ps
);
arith!(
    F32x4<false>,
    _mm_add_ps,
    _mm_sub_ps,
    _mm_mul_ps,
    _mm_xor_ps,
    _mm_set1_ps
);

macro_rules! impl_f32x4 {
    ($fused:literal, $token:ident) => {
        impl Vector for F32x4<$fused> {
            type Token = $token;
            const LANES: usize = 4;
            #[inline(always)]
            fn zero(_: $token) -> Self {
                // SAFETY: the token proves the path (module doc).
                Self(unsafe { _mm_setzero_ps() })
            }
            #[inline(always)]
            fn splat(_: $token, x: f32) -> Self {
                // SAFETY: the token proves the path (module doc).
                Self(unsafe { _mm_set1_ps(x) })
            }
            #[inline(always)]
            fn load(_: $token, s: &[f32]) -> Self {
                let s = &s[..4];
                // SAFETY: `s` has 4 elements; the load may be unaligned;
                // the token proves the path (module doc).
                Self(unsafe { _mm_loadu_ps(s.as_ptr()) })
            }
            #[inline(always)]
            fn token(self) -> $token {
                // The vector's existence is the proof (module doc).
                $token::from_vector()
            }
            #[inline(always)]
            fn store(self, s: &mut [f32]) {
                let s = &mut s[..4];
                // SAFETY: `s` has 4 elements; the store may be unaligned.
                unsafe { _mm_storeu_ps(s.as_mut_ptr(), self.0) }
            }
            #[inline(always)]
            fn mul_add(self, b: Self, c: Self) -> Self {
                if $fused {
                    // SAFETY: `F32x4<true>` exists only on the AVX paths,
                    // which have FMA (module doc).
                    Self(unsafe { _mm_fmadd_ps(self.0, b.0, c.0) })
                } else {
                    self * b + c
                }
            }
            #[inline(always)]
            fn abs(self) -> Self {
                // SAFETY: see the module doc.
                Self(unsafe { _mm_and_ps(self.0, _mm_castsi128_ps(_mm_set1_epi32(i32::MAX))) })
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                // SAFETY: see the module doc.
                Self(unsafe { _mm_sqrt_ps(self.0) })
            }
            #[inline(always)]
            fn div(self, rhs: Self) -> Self {
                // SAFETY: see the module doc.
                Self(unsafe { _mm_div_ps(self.0, rhs.0) })
            }
            #[inline(always)]
            fn reduce_add(self) -> f32 {
                // In order, as `wide::f32x4::reduce_add` adds.
                let mut a = [0.0f32; 4];
                self.store(&mut a);
                ((a[0] + a[1]) + a[2]) + a[3]
            }
            #[inline(always)]
            fn fast_min(self, rhs: Self) -> Self {
                // SAFETY: see the module doc.
                Self(unsafe { _mm_min_ps(self.0, rhs.0) })
            }
            #[inline(always)]
            fn fast_max(self, rhs: Self) -> Self {
                // SAFETY: see the module doc.
                Self(unsafe { _mm_max_ps(self.0, rhs.0) })
            }
            #[inline(always)]
            fn simd_lt(self, rhs: Self) -> Self {
                // SAFETY: see the module doc.
                Self(unsafe { _mm_cmplt_ps(self.0, rhs.0) })
            }
            #[inline(always)]
            fn simd_gt(self, rhs: Self) -> Self {
                // SAFETY: see the module doc.
                Self(unsafe { _mm_cmpgt_ps(self.0, rhs.0) })
            }
            #[inline(always)]
            fn select(self, if_true: Self, if_false: Self) -> Self {
                // SAFETY: see the module doc (SSE2 has no blend: and, andnot, or).
                Self(unsafe {
                    _mm_or_ps(
                        _mm_and_ps(self.0, if_true.0),
                        _mm_andnot_ps(self.0, if_false.0),
                    )
                })
            }
            #[inline(always)]
            fn flush_below(self, floor: Self) -> Self {
                // `!(|x| < floor)` is true for NaN, so NaN lanes keep their
                // value; one `and` with that mask instead of a select.
                // SAFETY: see the module doc.
                Self(unsafe { _mm_and_ps(self.0, _mm_cmpnlt_ps(self.abs().0, floor.0)) })
            }
            #[inline(always)]
            fn round_int(self) -> Self {
                // SAFETY: see the module doc; rounds to nearest even (MXCSR default).
                Self(unsafe { _mm_cvtepi32_ps(_mm_cvtps_epi32(self.0)) })
            }
            #[inline(always)]
            fn pow2_int(self) -> Self {
                // SAFETY: see the module doc.
                Self(unsafe {
                    let e = _mm_add_epi32(_mm_cvtps_epi32(self.0), _mm_set1_epi32(127));
                    _mm_castsi128_ps(_mm_slli_epi32::<23>(e))
                })
            }
        }
    };
}
impl_f32x4!(true, Avx2);
impl_f32x4!(false, Sse2);

impl Sse2 {
    /// The token a vector of the path carries.
    #[inline(always)]
    fn from_vector() -> Self {
        Sse2
    }
}

impl Avx2 {
    /// The token a vector of the path carries: only for vectors that were
    /// made from one (module doc).
    #[inline(always)]
    fn from_vector() -> Self {
        Avx2(())
    }
}

/// 8 lanes in an `__m256`, fused multiply-add (the AVX paths).
#[derive(Clone, Copy, Debug)]
pub(crate) struct F32x8(__m256);

arith!(
    F32x8,
    _mm256_add_ps,
    _mm256_sub_ps,
    _mm256_mul_ps,
    _mm256_xor_ps,
    _mm256_set1_ps
);

impl Vector for F32x8 {
    type Token = Avx2;
    const LANES: usize = 8;
    #[inline(always)]
    fn zero(_: Avx2) -> Self {
        // SAFETY: the token proves AVX (module doc).
        Self(unsafe { _mm256_setzero_ps() })
    }
    #[inline(always)]
    fn splat(_: Avx2, x: f32) -> Self {
        // SAFETY: the token proves AVX (module doc).
        Self(unsafe { _mm256_set1_ps(x) })
    }
    #[inline(always)]
    fn load(_: Avx2, s: &[f32]) -> Self {
        let s = &s[..8];
        // SAFETY: `s` has 8 elements; the load may be unaligned; the token
        // proves AVX (module doc).
        Self(unsafe { _mm256_loadu_ps(s.as_ptr()) })
    }
    #[inline(always)]
    fn token(self) -> Avx2 {
        Avx2(())
    }
    #[inline(always)]
    fn store(self, s: &mut [f32]) {
        let s = &mut s[..8];
        // SAFETY: `s` has 8 elements; the store may be unaligned.
        unsafe { _mm256_storeu_ps(s.as_mut_ptr(), self.0) }
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        // SAFETY: see the module doc (the AVX paths have FMA).
        Self(unsafe { _mm256_fmadd_ps(self.0, b.0, c.0) })
    }
    #[inline(always)]
    fn abs(self) -> Self {
        // SAFETY: see the module doc.
        Self(unsafe { _mm256_and_ps(self.0, _mm256_castsi256_ps(_mm256_set1_epi32(i32::MAX))) })
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        // SAFETY: see the module doc.
        Self(unsafe { _mm256_sqrt_ps(self.0) })
    }
    #[inline(always)]
    fn div(self, rhs: Self) -> Self {
        // SAFETY: see the module doc.
        Self(unsafe { _mm256_div_ps(self.0, rhs.0) })
    }
    #[inline(always)]
    fn reduce_add(self) -> f32 {
        // ((l₀ + l₄) + (l₂ + l₆)) + ((l₁ + l₅) + (l₃ + l₇)): `lane_total`,
        // as `wide::f32x8::reduce_add` adds under AVX.
        // SAFETY: see the module doc.
        unsafe {
            let quad = _mm_add_ps(
                _mm256_castps256_ps128(self.0),
                _mm256_extractf128_ps::<1>(self.0),
            );
            let dual = _mm_add_ps(quad, _mm_movehl_ps(quad, quad));
            let sum = _mm_add_ss(dual, _mm_shuffle_ps::<0b01>(dual, dual));
            _mm_cvtss_f32(sum)
        }
    }
    #[inline(always)]
    fn fast_min(self, rhs: Self) -> Self {
        // SAFETY: see the module doc.
        Self(unsafe { _mm256_min_ps(self.0, rhs.0) })
    }
    #[inline(always)]
    fn fast_max(self, rhs: Self) -> Self {
        // SAFETY: see the module doc.
        Self(unsafe { _mm256_max_ps(self.0, rhs.0) })
    }
    #[inline(always)]
    fn simd_lt(self, rhs: Self) -> Self {
        // SAFETY: see the module doc.
        Self(unsafe { _mm256_cmp_ps::<_CMP_LT_OQ>(self.0, rhs.0) })
    }
    #[inline(always)]
    fn simd_gt(self, rhs: Self) -> Self {
        // SAFETY: see the module doc.
        Self(unsafe { _mm256_cmp_ps::<_CMP_GT_OQ>(self.0, rhs.0) })
    }
    #[inline(always)]
    fn select(self, if_true: Self, if_false: Self) -> Self {
        // SAFETY: see the module doc.
        Self(unsafe { _mm256_blendv_ps(if_false.0, if_true.0, self.0) })
    }
    #[inline(always)]
    fn flush_below(self, floor: Self) -> Self {
        // `!(|x| < floor)` (unordered: true for NaN, so NaN lanes keep their
        // value); one `and` with that mask stays in the float domain, where
        // LLVM turns a blend with zero into an integer compare and `andn`.
        // SAFETY: see the module doc.
        Self(unsafe { _mm256_and_ps(self.0, _mm256_cmp_ps::<_CMP_NLT_UQ>(self.abs().0, floor.0)) })
    }
    #[inline(always)]
    fn round_int(self) -> Self {
        // SAFETY: see the module doc; rounds to nearest even (MXCSR default).
        Self(unsafe { _mm256_cvtepi32_ps(_mm256_cvtps_epi32(self.0)) })
    }
    #[inline(always)]
    fn pow2_int(self) -> Self {
        // SAFETY: see the module doc (AVX2 for the integer lanes).
        Self(unsafe {
            let e = _mm256_add_epi32(_mm256_cvtps_epi32(self.0), _mm256_set1_epi32(127));
            _mm256_castsi256_ps(_mm256_slli_epi32::<23>(e))
        })
    }
}

impl Vector8 for F32x8 {
    const PERMUTES: bool = true;
    #[inline(always)]
    fn from_array(t: Avx2, a: [f32; 8]) -> Self {
        Self::load(t, &a)
    }
    #[inline(always)]
    fn to_array(self) -> [f32; 8] {
        let mut a = [0.0; 8];
        self.store(&mut a);
        a
    }
    /// A transpose that does the same additions as eight separate totals:
    /// the halves of rows `k` and `k + 4` are added in one vector, then
    /// pairs of lanes twice, with shuffles in between (12 shuffles and 7
    /// additions for eight rows, against 4 shuffles and 4 additions for
    /// every single row).
    #[inline(always)]
    fn lane_totals(v: &[Self; 8]) -> Self {
        // SAFETY: see the module doc.
        unsafe {
            // [lo(a) + hi(a) | lo(b) + hi(b)]: t_i = l_i + l_{i+4} of rows a, b.
            let t04 = add_halves(v[0].0, v[4].0);
            let t15 = add_halves(v[1].0, v[5].0);
            let t26 = add_halves(v[2].0, v[6].0);
            let t37 = add_halves(v[3].0, v[7].0);
            // Per 128-bit half, rows (r, s): [t₀ + t₂, t₁ + t₃] of r, then of s.
            let u0145 = add_pairs(t04, t15);
            let u2367 = add_pairs(t26, t37);
            // (t₀ + t₂) + (t₁ + t₃) of rows 0–3 in the low half, 4–7 in the high.
            Self(_mm256_add_ps(
                _mm256_shuffle_ps::<0b10_00_10_00>(u0145, u2367),
                _mm256_shuffle_ps::<0b11_01_11_01>(u0145, u2367),
            ))
        }
    }
    #[inline(always)]
    fn permute(self, idx: [i32; 8]) -> Self {
        // SAFETY: see the module doc (a lane-crossing permute: AVX2);
        // `idx` is read from an 8-element array.
        Self(unsafe { _mm256_permutevar8x32_ps(self.0, _mm256_loadu_si256(idx.as_ptr().cast())) })
    }
    #[inline(always)]
    fn blend<const IMM: i32>(self, b: Self) -> Self {
        // SAFETY: see the module doc.
        Self(unsafe { _mm256_blend_ps::<IMM>(self.0, b.0) })
    }
}

/// `[lo(a) + hi(a) | lo(b) + hi(b)]`: `lane_totals`' first step. (Functions,
/// not closures, so that they inline with the path's target features.)
///
/// # Safety
/// AVX: see the module doc.
#[inline(always)]
unsafe fn add_halves(a: __m256, b: __m256) -> __m256 {
    _mm256_add_ps(
        _mm256_permute2f128_ps::<0x20>(a, b),
        _mm256_permute2f128_ps::<0x31>(a, b),
    )
}

/// Per 128-bit half: `[a₀ + a₂, a₁ + a₃, b₀ + b₂, b₁ + b₃]`.
///
/// # Safety
/// AVX: see the module doc.
#[inline(always)]
unsafe fn add_pairs(a: __m256, b: __m256) -> __m256 {
    _mm256_add_ps(
        _mm256_shuffle_ps::<0b01_00_01_00>(a, b),
        _mm256_shuffle_ps::<0b11_10_11_10>(a, b),
    )
}

/// 16 lanes in an `__m512`, fused multiply-add (the AVX-512 path).
#[derive(Clone, Copy, Debug)]
pub(crate) struct F32x16(__m512);

impl Add for F32x16 {
    type Output = Self;
    #[inline(always)]
    fn add(self, b: Self) -> Self {
        // SAFETY: see the module doc.
        Self(unsafe { _mm512_add_ps(self.0, b.0) })
    }
}
impl Sub for F32x16 {
    type Output = Self;
    #[inline(always)]
    fn sub(self, b: Self) -> Self {
        // SAFETY: see the module doc.
        Self(unsafe { _mm512_sub_ps(self.0, b.0) })
    }
}
impl Mul for F32x16 {
    type Output = Self;
    #[inline(always)]
    fn mul(self, b: Self) -> Self {
        // SAFETY: see the module doc.
        Self(unsafe { _mm512_mul_ps(self.0, b.0) })
    }
}
impl Neg for F32x16 {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        // Flips the sign bit (AVX-512F has the integer `xor` only).
        // SAFETY: see the module doc.
        Self(unsafe {
            _mm512_castsi512_ps(_mm512_xor_si512(
                _mm512_castps_si512(self.0),
                _mm512_set1_epi32(i32::MIN),
            ))
        })
    }
}

impl F32x16 {
    /// All-ones lanes where `k` has a bit set.
    #[inline(always)]
    fn mask_vector(k: __mmask16) -> Self {
        // SAFETY: see the module doc.
        Self(unsafe { _mm512_castsi512_ps(_mm512_maskz_mov_epi32(k, _mm512_set1_epi32(-1))) })
    }
}

impl Vector for F32x16 {
    type Token = Avx512;
    const LANES: usize = 16;
    #[inline(always)]
    fn zero(_: Avx512) -> Self {
        // SAFETY: the token proves AVX-512F (module doc).
        Self(unsafe { _mm512_setzero_ps() })
    }
    #[inline(always)]
    fn splat(_: Avx512, x: f32) -> Self {
        // SAFETY: the token proves AVX-512F (module doc).
        Self(unsafe { _mm512_set1_ps(x) })
    }
    #[inline(always)]
    fn load(_: Avx512, s: &[f32]) -> Self {
        let s = &s[..16];
        // SAFETY: `s` has 16 elements; the load may be unaligned; the token
        // proves AVX-512F (module doc).
        Self(unsafe { _mm512_loadu_ps(s.as_ptr()) })
    }
    #[inline(always)]
    fn token(self) -> Avx512 {
        Avx512(())
    }
    #[inline(always)]
    fn store(self, s: &mut [f32]) {
        let s = &mut s[..16];
        // SAFETY: `s` has 16 elements; the store may be unaligned.
        unsafe { _mm512_storeu_ps(s.as_mut_ptr(), self.0) }
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        // SAFETY: see the module doc.
        Self(unsafe { _mm512_fmadd_ps(self.0, b.0, c.0) })
    }
    #[inline(always)]
    fn abs(self) -> Self {
        // SAFETY: see the module doc.
        Self(unsafe { _mm512_abs_ps(self.0) })
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        // SAFETY: see the module doc.
        Self(unsafe { _mm512_sqrt_ps(self.0) })
    }
    #[inline(always)]
    fn div(self, rhs: Self) -> Self {
        // SAFETY: see the module doc.
        Self(unsafe { _mm512_div_ps(self.0, rhs.0) })
    }
    #[inline(always)]
    fn reduce_add(self) -> f32 {
        // The two halves' `lane_total`s, low first.
        let [lo, hi] = Avx512::eights(self);
        lo.reduce_add() + hi.reduce_add()
    }
    #[inline(always)]
    fn fast_min(self, rhs: Self) -> Self {
        // SAFETY: see the module doc.
        Self(unsafe { _mm512_min_ps(self.0, rhs.0) })
    }
    #[inline(always)]
    fn fast_max(self, rhs: Self) -> Self {
        // SAFETY: see the module doc.
        Self(unsafe { _mm512_max_ps(self.0, rhs.0) })
    }
    #[inline(always)]
    fn simd_lt(self, rhs: Self) -> Self {
        // SAFETY: see the module doc.
        Self::mask_vector(unsafe { _mm512_cmp_ps_mask::<_CMP_LT_OQ>(self.0, rhs.0) })
    }
    #[inline(always)]
    fn simd_gt(self, rhs: Self) -> Self {
        // SAFETY: see the module doc.
        Self::mask_vector(unsafe { _mm512_cmp_ps_mask::<_CMP_GT_OQ>(self.0, rhs.0) })
    }
    #[inline(always)]
    fn select(self, if_true: Self, if_false: Self) -> Self {
        // SAFETY: see the module doc.
        Self(unsafe {
            let m = _mm512_castps_si512(self.0);
            _mm512_mask_blend_ps(_mm512_test_epi32_mask(m, m), if_false.0, if_true.0)
        })
    }
    #[inline(always)]
    fn round_int(self) -> Self {
        // SAFETY: see the module doc; rounds to nearest even (MXCSR default).
        Self(unsafe { _mm512_cvtepi32_ps(_mm512_cvtps_epi32(self.0)) })
    }
    #[inline(always)]
    fn pow2_int(self) -> Self {
        // SAFETY: see the module doc.
        Self(unsafe {
            let e = _mm512_add_epi32(_mm512_cvtps_epi32(self.0), _mm512_set1_epi32(127));
            _mm512_castsi512_ps(_mm512_slli_epi32::<23>(e))
        })
    }
    #[inline(always)]
    fn flush_below(self, floor: Self) -> Self {
        // A compare into a mask register and a masked move: what the
        // generic version's mask vector and blend come to here.
        // SAFETY: see the module doc.
        Self(unsafe {
            let tiny = _mm512_cmp_ps_mask::<_CMP_LT_OQ>(_mm512_abs_ps(self.0), floor.0);
            _mm512_mask_mov_ps(self.0, tiny, _mm512_setzero_ps())
        })
    }
}

/// 8 lanes as two SSE2 halves, multiply and add separate (the SSE2 path).
#[derive(Clone, Copy, Debug)]
pub(crate) struct F32x8Pair(F32x4<false>, F32x4<false>);

impl F32x8Pair {
    #[inline(always)]
    fn map(self, f: impl Fn(F32x4<false>) -> F32x4<false>) -> Self {
        Self(f(self.0), f(self.1))
    }
    #[inline(always)]
    fn zip(self, b: Self, f: impl Fn(F32x4<false>, F32x4<false>) -> F32x4<false>) -> Self {
        Self(f(self.0, b.0), f(self.1, b.1))
    }
}

impl Add for F32x8Pair {
    type Output = Self;
    #[inline(always)]
    fn add(self, b: Self) -> Self {
        self.zip(b, |x, y| x + y)
    }
}
impl Sub for F32x8Pair {
    type Output = Self;
    #[inline(always)]
    fn sub(self, b: Self) -> Self {
        self.zip(b, |x, y| x - y)
    }
}
impl Mul for F32x8Pair {
    type Output = Self;
    #[inline(always)]
    fn mul(self, b: Self) -> Self {
        self.zip(b, |x, y| x * y)
    }
}
impl Neg for F32x8Pair {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        self.map(|x| -x)
    }
}

impl Vector for F32x8Pair {
    type Token = Sse2;
    const LANES: usize = 8;
    #[inline(always)]
    fn zero(t: Sse2) -> Self {
        Self(F32x4::zero(t), F32x4::zero(t))
    }
    #[inline(always)]
    fn splat(t: Sse2, x: f32) -> Self {
        let h = F32x4::splat(t, x);
        Self(h, h)
    }
    #[inline(always)]
    fn load(t: Sse2, s: &[f32]) -> Self {
        let s = &s[..8];
        Self(F32x4::load(t, s), F32x4::load(t, &s[4..]))
    }
    #[inline(always)]
    fn token(self) -> Sse2 {
        Sse2
    }
    #[inline(always)]
    fn store(self, s: &mut [f32]) {
        let s = &mut s[..8];
        self.0.store(s);
        self.1.store(&mut s[4..]);
    }
    #[inline(always)]
    fn mul_add(self, b: Self, c: Self) -> Self {
        self * b + c
    }
    #[inline(always)]
    fn abs(self) -> Self {
        self.map(F32x4::abs)
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        self.map(F32x4::sqrt)
    }
    #[inline(always)]
    fn div(self, rhs: Self) -> Self {
        self.zip(rhs, F32x4::div)
    }
    #[inline(always)]
    fn reduce_add(self) -> f32 {
        lane_total(&self.to_array())
    }
    #[inline(always)]
    fn fast_min(self, rhs: Self) -> Self {
        self.zip(rhs, F32x4::fast_min)
    }
    #[inline(always)]
    fn fast_max(self, rhs: Self) -> Self {
        self.zip(rhs, F32x4::fast_max)
    }
    #[inline(always)]
    fn simd_lt(self, rhs: Self) -> Self {
        self.zip(rhs, F32x4::simd_lt)
    }
    #[inline(always)]
    fn simd_gt(self, rhs: Self) -> Self {
        self.zip(rhs, F32x4::simd_gt)
    }
    #[inline(always)]
    fn select(self, if_true: Self, if_false: Self) -> Self {
        Self(
            self.0.select(if_true.0, if_false.0),
            self.1.select(if_true.1, if_false.1),
        )
    }
    #[inline(always)]
    fn flush_below(self, floor: Self) -> Self {
        Self(self.0.flush_below(floor.0), self.1.flush_below(floor.1))
    }
    #[inline(always)]
    fn round_int(self) -> Self {
        self.map(F32x4::round_int)
    }
    #[inline(always)]
    fn pow2_int(self) -> Self {
        self.map(F32x4::pow2_int)
    }
}

impl Vector8 for F32x8Pair {
    const PERMUTES: bool = false;
    #[inline(always)]
    fn from_array(t: Sse2, a: [f32; 8]) -> Self {
        Self::load(t, &a)
    }
    #[inline(always)]
    fn to_array(self) -> [f32; 8] {
        let mut a = [0.0; 8];
        self.store(&mut a);
        a
    }
    #[inline(always)]
    fn lane_totals(v: &[Self; 8]) -> Self {
        Self::from_array(Sse2, v.map(|x| lane_total(&x.to_array())))
    }
    #[inline(always)]
    fn permute(self, idx: [i32; 8]) -> Self {
        let a = self.to_array();
        Self::from_array(Sse2, idx.map(|i| a[i as usize]))
    }
    #[inline(always)]
    fn blend<const IMM: i32>(self, b: Self) -> Self {
        let (a, b) = (self.to_array(), b.to_array());
        Self::from_array(
            Sse2,
            core::array::from_fn(|k| if IMM & (1 << k) != 0 { b[k] } else { a[k] }),
        )
    }
}
