//! The only module that knows about `wide`: the vector type, the head/tail
//! split every kernel uses, and which instruction set was compiled in.
//!
//! `wide` chooses its instructions from compile-time target features only, so
//! the path is fixed when the crate is built (see the crate docs).

pub use wide::f32x8;

/// Lanes in [`F32s`].
pub const LANES: usize = 8;

/// The vector type of every kernel.
pub type F32s = f32x8;

/// Loads eight lanes from a chunk.
#[inline(always)]
pub fn load(chunk: &[f32; LANES]) -> F32s {
    F32s::from(*chunk)
}

/// Loads eight lanes from `s[k..k + 8]` (any alignment).
///
/// # Panics
/// If `s` has fewer than `k + 8` elements.
#[inline(always)]
pub fn load_at(s: &[f32], k: usize) -> F32s {
    let chunk: &[f32; LANES] = s[k..k + LANES].try_into().unwrap_or(&[0.0; LANES]);
    load(chunk)
}

/// Stores eight lanes into a chunk.
#[inline(always)]
pub fn store(chunk: &mut [f32; LANES], v: F32s) {
    *chunk = v.to_array();
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
