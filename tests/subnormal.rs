//! Optimizer state never stalls on subnormal arithmetic.
//!
//! x86 takes a microcode assist of 100 cycles or more for a multiply or
//! divide whose input or output is subnormal, so flushing subnormal
//! *results* is not enough: a state value just above `f32::MIN_POSITIVE`
//! makes the next step's `β₁ m`, `lr_t m`, `η μ v` subnormal, and a tiny
//! gradient makes `(1 − β₂) g²` subnormal. These tests replay Adam's and
//! Nesterov's twins ([`reference::adam_row`], [`reference::nesterov_row`])
//! with every intermediate value recorded, check that the replay gives the
//! twins' bits, and that no intermediate value and no state value is
//! subnormal, over
//!
//! + a long decay with zero gradient, from state at every magnitude the
//!   rules can leave (`0`, or `2⁻¹⁰⁰` up to `10⁻²`), and
//! + a run of tiny gradients (`|g| ≈ 10⁻²⁴ … 10⁻¹⁶`) mixed with normal ones;
//!
//! and that every SIMD path's state stays off the subnormal range too.

use std::sync::Mutex;

use dlr::kernels::{self, reference};
use dlr::rng::Rng;
use dlr::simd::{force_path, SimdPath};

/// A row that runs every part of the kernels: wide vectors, 8 and 4 lanes
/// and a scalar tail on every path.
const N: usize = 37;

static PATH_LOCK: Mutex<()> = Mutex::new(());

/// Adam's hyper-parameters and hoisted scalars for one run.
#[derive(Clone, Copy, Debug)]
struct Adam {
    beta1: f32,
    beta2: f32,
    lr_t: f32,
    inv_sqrt_bc2: f32,
    eps: f32,
}

/// The settings the tests run: the defaults (α = 0.002, ε = 10⁻⁴), the
/// paper's ε = 10⁻⁸, a fresh bias correction, and a long-memory β₂.
const ADAMS: [Adam; 4] = [
    Adam {
        beta1: 0.9,
        beta2: 0.999,
        lr_t: 0.002,
        inv_sqrt_bc2: 1.0,
        eps: 1e-4,
    },
    Adam {
        beta1: 0.9,
        beta2: 0.999,
        lr_t: 0.001,
        inv_sqrt_bc2: 1.0,
        eps: 1e-8,
    },
    Adam {
        beta1: 0.9,
        beta2: 0.999,
        lr_t: 0.02,
        inv_sqrt_bc2: 22.4,
        eps: 1e-8,
    },
    Adam {
        beta1: 0.99,
        beta2: 0.99999,
        lr_t: 0.001,
        inv_sqrt_bc2: 1.0,
        eps: 1e-8,
    },
];

/// Nesterov's (η, μ): the defaults and a slow-decaying velocity.
const NESTEROVS: [(f32, f32); 2] = [(0.1, 0.8), (0.01, 0.99)];

#[track_caller]
fn normal_or_zero(what: &str, x: f32, step: usize, i: usize) {
    assert!(
        !x.is_subnormal(),
        "{what} = {x:e} is subnormal (step {step}, element {i})"
    );
}

/// Adam's twin on one row, replayed with every intermediate value checked
/// for subnormals; asserts the replay has the twin's bits.
fn adam_replay(
    s: Adam,
    w: &mut [f32],
    m: &mut [f32],
    v: &mut [f32],
    a: f32,
    delta: &[f32],
    step: usize,
) {
    let (mut w_t, mut m_t, mut v_t) = (w.to_vec(), m.to_vec(), v.to_vec());
    reference::adam_row(
        &mut w_t,
        &mut m_t,
        &mut v_t,
        a,
        delta,
        s.beta1,
        s.beta2,
        s.lr_t,
        s.inv_sqrt_bc2,
        s.eps,
    );
    let (c1, c2) = (1.0 - s.beta1, 1.0 - s.beta2);
    for i in 0..w.len() {
        let ck = |what: &str, x: f32| normal_or_zero(what, x, step, i);
        let g_raw = a * delta[i];
        ck("a δ", g_raw);
        let g = reference::flush_below(g_raw, reference::GRAD_FLOOR);
        let (b1m, c1g) = (s.beta1 * m[i], c1 * g);
        ck("β₁ m", b1m);
        ck("(1 − β₁) g", c1g);
        ck("β₁ m + (1 − β₁) g", b1m + c1g);
        m[i] = reference::flush_below(b1m + c1g, reference::STATE_FLOOR);
        ck("m", m[i]);
        let (b2v, c2g) = (s.beta2 * v[i], c2 * g);
        let c2gg = c2g * g;
        ck("β₂ v", b2v);
        ck("(1 − β₂) g", c2g);
        ck("(1 − β₂) g g", c2gg);
        ck("β₂ v + (1 − β₂) g²", b2v + c2gg);
        v[i] = reference::flush_below(b2v + c2gg, reference::STATE_FLOOR);
        ck("v", v[i]);
        let root = reference_sqrt(v[i]);
        ck("√v", root);
        ck("√v inv_sqrt_bc2", root * s.inv_sqrt_bc2);
        let den = root * s.inv_sqrt_bc2 + s.eps;
        ck("√v̂ + ε", den);
        let num = s.lr_t * m[i];
        ck("lr_t m", num);
        ck("lr_t m / (√v̂ + ε)", num / den);
        w[i] -= num / den;
        ck("w", w[i]);
    }
    assert_eq!(bits(w), bits(&w_t), "replay of adam_row: w");
    assert_eq!(bits(m), bits(&m_t), "replay of adam_row: m");
    assert_eq!(bits(v), bits(&v_t), "replay of adam_row: v");
}

/// Nesterov's twin on one row, replayed as [`adam_replay`].
#[allow(clippy::too_many_arguments)]
fn nesterov_replay(
    (lr, mu): (f32, f32),
    w: &mut [f32],
    v: &mut [f32],
    a: f32,
    delta: &[f32],
    step: usize,
) {
    let (mut w_t, mut v_t) = (w.to_vec(), v.to_vec());
    reference::nesterov_row(&mut w_t, &mut v_t, a, delta, lr, mu);
    for i in 0..w.len() {
        let ck = |what: &str, x: f32| normal_or_zero(what, x, step, i);
        let g_raw = a * delta[i];
        ck("a δ", g_raw);
        let g = reference::flush_below(g_raw, reference::GRAD_FLOOR);
        ck("μ v", mu * v[i]);
        ck("μ v + g", mu * v[i] + g);
        v[i] = reference::flush_below(mu * v[i] + g, reference::STATE_FLOOR);
        ck("v", v[i]);
        let look = g + mu * v[i];
        ck("μ v (new v)", mu * v[i]);
        ck("g + μ v", look);
        ck("η (g + μ v)", lr * look);
        w[i] -= lr * look;
        ck("w", w[i]);
    }
    assert_eq!(bits(w), bits(&w_t), "replay of nesterov_row: w");
    assert_eq!(bits(v), bits(&v_t), "replay of nesterov_row: v");
}

fn reference_sqrt(x: f32) -> f32 {
    dlr::simd::exact_sqrt(x)
}

fn bits(x: &[f32]) -> Vec<u32> {
    x.iter().map(|x| x.to_bits()).collect()
}

#[track_caller]
fn assert_state_normal(what: &str, path: SimdPath, step: usize, x: &[f32]) {
    for (i, &x) in x.iter().enumerate() {
        assert!(
            !x.is_subnormal(),
            "{path}: {what}[{i}] = {x:e} is subnormal after step {step}"
        );
    }
}

/// State at every magnitude a rule can leave: `±` `2⁻¹⁰⁰` (the floor),
/// just above it, and log-spaced up to `10⁻²`; and zero.
fn ladder(rng: &mut Rng, positive: bool) -> Vec<f32> {
    let floor = reference::STATE_FLOOR;
    (0..N)
        .map(|i| {
            let x = match i {
                0 => 0.0,
                1 => floor,
                2 => f32::from_bits(floor.to_bits() + 1),
                3 => floor * 1.5,
                4 => floor / 0.9,
                _ => 10f32.powf(-2.0 - 28.0 * rng.uniform()),
            };
            if positive || rng.uniform() < 0.5 {
                x
            } else {
                -x
            }
        })
        .collect()
}

/// `±10^e`, `e` uniform in `[lo, hi]`.
fn log_uniform(rng: &mut Rng, lo: f32, hi: f32) -> f32 {
    let x = 10f32.powf(lo + (hi - lo) * rng.uniform());
    if rng.uniform() < 0.5 {
        x
    } else {
        -x
    }
}

/// The gradient of step `k` of a run: zero (`a = 0`) in `decay` runs;
/// otherwise tiny deltas (`10⁻²⁴ … 10⁻¹⁶`) on most steps, normal ones on
/// every 50th, with inputs `a` as a pixel (`1/255 … 1`) or `1`.
fn gradient(rng: &mut Rng, decay: bool, k: usize) -> (f32, Vec<f32>) {
    if decay {
        return (0.0, vec![0.5; N]);
    }
    let a = match k % 3 {
        0 => 1.0,
        1 => 1.0 / 255.0,
        _ => rng.uniform().max(1.0 / 255.0),
    };
    let (lo, hi) = if k.is_multiple_of(50) {
        (-3.0, 0.0)
    } else {
        (-24.0, -16.0)
    };
    (a, (0..N).map(|_| log_uniform(rng, lo, hi)).collect())
}

/// Runs `steps` steps from the ladder on the twin (replayed) and on every
/// path, checking the state after each.
fn adam_run(decay: bool, steps: usize) {
    let _guard = PATH_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    for (n, &s) in ADAMS.iter().enumerate() {
        let mut rng = Rng::new(0x5ab0 + n as u64);
        let w0: Vec<f32> = (0..N).map(|_| rng.uniform_symmetric(0.5)).collect();
        let (m0, v0) = (ladder(&mut rng, false), ladder(&mut rng, true));
        let grads: Vec<_> = (0..steps).map(|k| gradient(&mut rng, decay, k)).collect();

        let (mut w, mut m, mut v) = (w0.clone(), m0.clone(), v0.clone());
        for (k, (a, delta)) in grads.iter().enumerate() {
            adam_replay(s, &mut w, &mut m, &mut v, *a, delta, k);
        }
        if decay {
            assert!(m.iter().all(|&x| x == 0.0), "{s:?}: m decays to 0");
        }
        for path in dlr::simd::available_paths() {
            force_path(path).unwrap();
            let (mut w, mut m, mut v) = (w0.clone(), m0.clone(), v0.clone());
            for (k, (a, delta)) in grads.iter().enumerate() {
                kernels::adam_row(
                    &mut w,
                    &mut m,
                    &mut v,
                    *a,
                    delta,
                    s.beta1,
                    s.beta2,
                    s.lr_t,
                    s.inv_sqrt_bc2,
                    s.eps,
                );
                assert_state_normal("m", path, k, &m);
                assert_state_normal("v", path, k, &v);
                assert_state_normal("w", path, k, &w);
            }
        }
    }
    force_path(dlr::simd::best_path()).unwrap();
}

fn nesterov_run(decay: bool, steps: usize) {
    let _guard = PATH_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    for (n, &p) in NESTEROVS.iter().enumerate() {
        let mut rng = Rng::new(0x4e57 + n as u64);
        let w0: Vec<f32> = (0..N).map(|_| rng.uniform_symmetric(0.5)).collect();
        let v0 = ladder(&mut rng, false);
        let grads: Vec<_> = (0..steps).map(|k| gradient(&mut rng, decay, k)).collect();

        let (mut w, mut v) = (w0.clone(), v0.clone());
        for (k, (a, delta)) in grads.iter().enumerate() {
            nesterov_replay(p, &mut w, &mut v, *a, delta, k);
        }
        if decay {
            assert!(v.iter().all(|&x| x == 0.0), "{p:?}: v decays to 0");
        }
        for path in dlr::simd::available_paths() {
            force_path(path).unwrap();
            let (mut w, mut v) = (w0.clone(), v0.clone());
            for (k, (a, delta)) in grads.iter().enumerate() {
                kernels::nesterov_row(&mut w, &mut v, *a, delta, p.0, p.1);
                assert_state_normal("v", path, k, &v);
                assert_state_normal("w", path, k, &w);
            }
        }
    }
    force_path(dlr::simd::best_path()).unwrap();
}

/// Zero gradient for 30 000 steps: Adam's `m` (β₁ = 0.9) falls through the
/// whole range to 0, `v` (β₂ = 0.999) by 13 decades.
#[test]
fn adam_zero_gradient_decay_never_goes_subnormal() {
    adam_run(true, 30_000);
}

#[test]
fn adam_tiny_gradients_never_go_subnormal() {
    adam_run(false, 3_000);
}

/// Zero gradient for 10 000 steps: the velocity (μ = 0.8, 0.99) falls
/// through the whole range to 0.
#[test]
fn nesterov_zero_gradient_decay_never_goes_subnormal() {
    nesterov_run(true, 10_000);
}

#[test]
fn nesterov_tiny_gradients_never_go_subnormal() {
    nesterov_run(false, 3_000);
}

/// The floors are the stated powers of two, far above the subnormal range.
#[test]
fn floors_are_as_stated() {
    assert_eq!(reference::STATE_FLOOR, 2f32.powi(-100));
    assert_eq!(reference::GRAD_FLOOR, 2f32.powi(-54));
}
