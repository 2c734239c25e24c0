//! States once which of x86-64's run-time SIMD paths this build compiles,
//! as `cfg` names the sources test instead of repeating the predicate:
//! - `dlr_wide`: the path `wide` compiles to, on a target where it has a
//!   vector unit to compile to (NEON on aarch64, simd128 on wasm32);
//!   elsewhere but x86-64 the scalar path is the only one;
//! - `dlr_avx2`: the AVX2 + FMA path (cargo feature `avx2`, or the target
//!   features `avx2` and `fma` enabled at build time);
//! - `dlr_avx512`: the AVX-512 path (cargo feature `avx512`, or the target
//!   feature `avx512f`). Its 8- and 4-lane vectors are the AVX2 path's, so
//!   it is built only together with `dlr_avx2`.
fn main() {
    println!("cargo:rustc-check-cfg=cfg(dlr_avx2, dlr_avx512, dlr_wide)");
    println!("cargo:rerun-if-changed=build.rs");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let arch = var("CARGO_CFG_TARGET_ARCH");
    let target_features = var("CARGO_CFG_TARGET_FEATURE");
    let enabled = |f: &str| target_features.split(',').any(|t| t == f);
    // `wide` only where it has vector instructions: on a core without a
    // vector unit its 8-lane vectors are arrays worked lane by lane (and,
    // optimised for size, a call per operation), so the scalar twins' plain
    // loops are the path there.
    let wide = (arch == "aarch64" && enabled("neon")) || (arch == "wasm32" && enabled("simd128"));
    if wide {
        println!("cargo:rustc-cfg=dlr_wide");
    }
    if arch != "x86_64" {
        return;
    }
    let feature = |f: &str| std::env::var_os(format!("CARGO_FEATURE_{f}")).is_some();
    let avx2 = feature("AVX2") || (enabled("avx2") && enabled("fma"));
    let avx512 = feature("AVX512") || enabled("avx512f");
    if avx2 || avx512 {
        println!("cargo:rustc-cfg=dlr_avx2");
    }
    if avx512 {
        println!("cargo:rustc-cfg=dlr_avx512");
    }
}
