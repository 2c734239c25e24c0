//! The sgemm wrapper by algebra, on small integers (exact in f32).

use dlr::gemm::{gemm, MatRef};

fn small_ints(n: usize, seed: usize) -> Vec<f32> {
    (0..n)
        .map(|i| ((i * 7 + seed * 13) % 11) as f32 - 5.0)
        .collect()
}

fn naive(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
    let mut c = vec![0.0; m * n];
    for i in 0..m {
        for j in 0..n {
            for p in 0..k {
                c[i * n + j] += a[i * k + p] * b[p * n + j];
            }
        }
    }
    c
}

#[test]
fn gemm_matches_naive_and_never_reads_c_with_beta_zero() {
    for m in (0..20).chain([33, 49]) {
        for (k, n) in [(0, 3), (1, 1), (7, 5), (19, 13), (21, 35)] {
            let a = small_ints(m * k, 1);
            let b = small_ints(k * n, 2);
            let mut c = vec![f32::NAN; m * n];
            gemm(
                1.0,
                MatRef::row_major(&a, m, k),
                MatRef::row_major(&b, k, n),
                0.0,
                &mut c,
            );
            // k = 0 is an empty sum: zeros, the NaN poison never read.
            assert_eq!(c, naive(&a, &b, m, k, n), "m={m} k={k} n={n}");
        }
    }
}

#[test]
fn three_ab_is_ab_plus_two_ab_and_transposes_swap_strides() {
    let (m, k, n) = (9, 14, 6);
    let a = small_ints(m * k, 3);
    let b = small_ints(k * n, 4);
    let (am, bm) = (MatRef::row_major(&a, m, k), MatRef::row_major(&b, k, n));
    let mut three = vec![0.0; m * n];
    gemm(3.0, am, bm, 0.0, &mut three);
    let mut sum = vec![0.0; m * n];
    gemm(1.0, am, bm, 0.0, &mut sum);
    gemm(2.0, am, bm, 1.0, &mut sum);
    assert_eq!(three, sum);
    // (B^T A^T)^T = A B: compute B^T A^T with transposed views.
    let mut bt_at = vec![0.0; n * m];
    gemm(1.0, bm.t(), am.t(), 0.0, &mut bt_at);
    for i in 0..m {
        for j in 0..n {
            assert_eq!(bt_at[j * m + i], sum[i * n + j] / 3.0);
        }
    }
}
