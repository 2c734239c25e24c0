//! The fused DLR update against the textbook two-pass formula, and the
//! other optimizers against their formulas, step by step.

#![allow(clippy::needless_range_loop)] // index maths reads like the formulas

mod common;

use dlr::network::{Layer, Network};
use dlr::optim::{
    AdamLazy, AdamLazyParams, AdamParams, DlrParams, Grad, LayerUpdate, NesterovParams, Optimizer,
    OptimizerKind, OptimizerParams, Param, ParamError, SgdParams, RESYNC_EVERY,
};
use dlr::rng::Rng;

/// Textbook DLR in f64, two passes: first every norm from the weights before
/// the step, then `w_ij ← w_ij − η₀ (|w_ij| + α)/(‖·‖ + α) a_j δ_i`.
/// `w`: (n_in, n_out) pre-major; `post`: Eq. 3 (column norms) else Eq. 1 (rows).
#[allow(clippy::too_many_arguments)]
fn textbook_dlr_step(
    w: &mut [f64],
    n_in: usize,
    n_out: usize,
    a: &[f64],
    delta: &[f64],
    eta0: f64,
    alpha: f64,
    post: bool,
) {
    let norms: Vec<f64> = if post {
        (0..n_out)
            .map(|i| {
                (0..n_in)
                    .map(|j| w[j * n_out + i].powi(2))
                    .sum::<f64>()
                    .sqrt()
            })
            .collect()
    } else {
        (0..n_in)
            .map(|j| {
                (0..n_out)
                    .map(|i| w[j * n_out + i].powi(2))
                    .sum::<f64>()
                    .sqrt()
            })
            .collect()
    };
    for j in 0..n_in {
        for i in 0..n_out {
            let k = j * n_out + i;
            let norm = if post { norms[i] } else { norms[j] };
            let eta = eta0 * (w[k].abs() + alpha) / (norm + alpha);
            w[k] -= eta * a[j] * delta[i];
        }
    }
}

/// Max over weights of `|fused − textbook| / max(|textbook|, 10⁻³·max|textbook|)`:
/// elementwise relative difference, floored so that weights crossing zero
/// are measured against the layer's scale.
fn max_rel_diff(fused: &[f32], textbook: &[f64]) -> f64 {
    let scale = textbook.iter().fold(0.0f64, |m, w| m.max(w.abs()));
    fused
        .iter()
        .zip(textbook)
        .map(|(&f, &t)| (f as f64 - t).abs() / t.abs().max(1e-3 * scale))
        .fold(0.0, f64::max)
}

/// `‖fused − textbook‖_∞ / ‖textbook‖_rms` over a layer.
fn max_diff_over_rms(fused: &[f32], textbook: &[f64]) -> f64 {
    let rms = (textbook.iter().map(|t| t * t).sum::<f64>() / textbook.len() as f64).sqrt();
    fused
        .iter()
        .zip(textbook)
        .map(|(&f, &t)| (f as f64 - t).abs())
        .fold(0.0, f64::max)
        / rms
}

/// 1,000 random sparse steps. Two measures:
/// - per step: from the same weights, the fused f32 step against the
///   textbook f64 step, elementwise relative difference < 1e-5;
/// - over the trajectory: fused f32 against textbook f64 run side by side
///   from the same start, max difference over the rms weight < 1e-5.
fn fused_matches_textbook(kind: OptimizerKind, n_in: usize, n_out: usize, seed: u64) {
    let mut rng = Rng::new(seed);
    let mut net = Network::with_init_scale(&[n_in, n_out], seed, 1.0);
    let (eta0, alpha) = (0.5, 0.3);
    let mut params = OptimizerParams::default_for(kind);
    params.set(Param::Lr, eta0).unwrap();
    params.set(Param::Alpha, alpha).unwrap();
    let mut opt = Optimizer::new(net.layers(), params).unwrap();
    let post = kind == OptimizerKind::DlrPost;
    let mut trajectory: Vec<f64> = net.layers()[0].w.iter().map(|&w| w as f64).collect();
    let (mut worst_step, mut worst_trajectory) = (0.0f64, 0.0f64);
    for step in 0..1000 {
        // Sparse inputs as MNIST's: most zero; every fourth step none zero
        // (as logistic inputs are, which take their own path).
        let p_zero = if step % 4 == 1 { 0.0 } else { 0.7 };
        let a: Vec<f32> = (0..n_in)
            .map(|_| {
                if rng.uniform() < p_zero {
                    0.0
                } else {
                    rng.uniform()
                }
            })
            .collect();
        let delta: Vec<f32> = (0..n_out).map(|_| rng.uniform_symmetric(0.05)).collect();
        let active: Vec<u32> = (0..n_in as u32).filter(|&j| a[j as usize] != 0.0).collect();
        let a64: Vec<f64> = a.iter().map(|&x| x as f64).collect();
        let d64: Vec<f64> = delta.iter().map(|&x| x as f64).collect();
        let mut one_step: Vec<f64> = net.layers()[0].w.iter().map(|&w| w as f64).collect();
        textbook_dlr_step(
            &mut one_step,
            n_in,
            n_out,
            &a64,
            &d64,
            eta0 as f64,
            alpha as f64,
            post,
        );
        textbook_dlr_step(
            &mut trajectory,
            n_in,
            n_out,
            &a64,
            &d64,
            eta0 as f64,
            alpha as f64,
            post,
        );
        // Alternate the two ways of naming the active rows.
        let grad = Grad::Outer {
            a: &a,
            active: (step % 2 == 0).then_some(&active[..]),
            delta: &delta,
        };
        opt.begin_step();
        let layer = &mut net.layers_mut()[0];
        opt.update_layer(0, &mut layer.w, n_out, &grad);
        worst_step = worst_step.max(max_rel_diff(&net.layers()[0].w, &one_step));
        worst_trajectory = worst_trajectory.max(max_diff_over_rms(&net.layers()[0].w, &trajectory));
    }
    assert!(
        worst_step < 1e-5,
        "{kind} {n_in}x{n_out}: max relative difference of one step {worst_step:e}"
    );
    assert!(
        worst_trajectory < 1e-5,
        "{kind} {n_in}x{n_out}: trajectories differ by {worst_trajectory:e} of the rms weight"
    );
    // The updates did move the weights (the comparison is not vacuous).
    let start = Network::with_init_scale(&[n_in, n_out], seed, 1.0);
    let moved = net.layers()[0]
        .w
        .iter()
        .zip(&start.layers()[0].w)
        .any(|(a, b)| (a - b).abs() > 1e-3);
    assert!(moved, "weights did not move");
}

#[test]
fn fused_dlr_eq1_matches_two_pass_formula() {
    common::force_requested_path();
    for (s, (n_in, n_out)) in [(50, 37), (17, 8), (31, 100), (9, 1)]
        .into_iter()
        .enumerate()
    {
        fused_matches_textbook(OptimizerKind::Dlr, n_in, n_out, s as u64);
    }
}

#[test]
fn fused_dlr_eq3_matches_two_pass_formula() {
    common::force_requested_path();
    for (s, (n_in, n_out)) in [(50, 37), (17, 8), (31, 100), (9, 1)]
        .into_iter()
        .enumerate()
    {
        fused_matches_textbook(OptimizerKind::DlrPost, n_in, n_out, 10 + s as u64);
    }
}

#[test]
fn dlr_eq3_column_norm_cache_drift_stays_bounded_over_1e5_steps() {
    common::force_requested_path();
    let (n_in, n_out) = (40, 13);
    let mut rng = Rng::new(5);
    let mut net = Network::with_init_scale(&[n_in, n_out], 5, 1.0);
    let params = DlrParams {
        eta0: 0.2,
        ..DlrParams::post()
    };
    let mut opt = Optimizer::new(net.layers(), params.into()).unwrap();
    let mut worst = 0.0f64;
    for step in 1..=100_000u64 {
        let a: Vec<f32> = (0..n_in)
            .map(|_| {
                if rng.uniform() < 0.5 {
                    0.0
                } else {
                    rng.uniform()
                }
            })
            .collect();
        let delta: Vec<f32> = (0..n_out).map(|_| rng.uniform_symmetric(0.02)).collect();
        opt.begin_step();
        let layer = &mut net.layers_mut()[0];
        opt.update_layer(
            0,
            &mut layer.w,
            n_out,
            &Grad::Outer {
                a: &a,
                active: None,
                delta: &delta,
            },
        );
        // Worst case: just before a re-sync. Measured: about 1.2e-5.
        if step % RESYNC_EVERY == RESYNC_EVERY - 1 {
            let Optimizer::Dlr(dlr) = &opt else {
                panic!("expected DLR")
            };
            let w = &net.layers()[0].w;
            for i in 0..n_out {
                let exact: f64 = (0..n_in).map(|j| (w[j * n_out + i] as f64).powi(2)).sum();
                let cached = dlr.cached_sum_sq(0)[i];
                worst = worst.max((cached - exact).abs() / exact);
            }
        }
    }
    assert!(
        worst < 5e-5,
        "column-norm cache drifted by {worst:e} (relative)"
    );
}

#[test]
fn dlr_skips_rows_with_zero_input() {
    common::force_requested_path();
    let mut net = Network::with_init_scale(&[6, 5], 3, 1.0);
    let before: Layer = net.layers()[0].clone();
    for kind in [
        OptimizerKind::Dlr,
        OptimizerKind::DlrPost,
        OptimizerKind::Sgd,
        OptimizerKind::AdamLazy,
    ] {
        let mut opt = Optimizer::tuned(net.layers(), kind);
        let a = [0.0, 0.5, 0.0, 0.0, 1.0, 0.0];
        let delta = [0.1, -0.2, 0.3, 0.0, 0.05];
        opt.begin_step();
        let layer = &mut net.layers_mut()[0];
        opt.update_layer(
            0,
            &mut layer.w,
            5,
            &Grad::Outer {
                a: &a,
                active: None,
                delta: &delta,
            },
        );
        for j in [0, 2, 3, 5] {
            assert_eq!(
                net.layers()[0].row(j),
                before.row(j),
                "{kind}: row {j} with zero input changed"
            );
        }
        assert_ne!(
            net.layers()[0].row(1),
            before.row(1),
            "{kind}: active row unchanged"
        );
        net.layers_mut()[0] = before.clone();
    }
}

#[test]
fn adam_first_step_moves_each_weight_by_about_lr() {
    common::force_requested_path();
    // With m̂ = g and v̂ = g² after one step, Adam moves every weight with a
    // non-zero gradient by α g/(|g| + ε) ≈ α sign(g).
    let mut net = Network::with_init_scale(&[4, 3], 1, 1.0);
    let w0 = net.layers()[0].w.clone();
    let params = AdamParams {
        lr: 0.01,
        eps: 1e-8,
        ..AdamParams::default()
    };
    let mut opt = Optimizer::new(net.layers(), params.into()).unwrap();
    let a = [1.0, 0.0, 0.5, 0.25];
    let delta = [0.3, -0.2, 0.1];
    opt.begin_step();
    let layer = &mut net.layers_mut()[0];
    opt.update_layer(
        0,
        &mut layer.w,
        3,
        &Grad::Outer {
            a: &a,
            active: None,
            delta: &delta,
        },
    );
    for j in 0..4 {
        for i in 0..3 {
            let g = a[j] * delta[i];
            let moved = w0[j * 3 + i] - net.layers()[0].w[j * 3 + i];
            let expected = if g == 0.0 { 0.0 } else { 0.01 * g.signum() };
            assert!(
                (moved - expected).abs() < 1e-6,
                "w[{j},{i}] moved {moved}, expected {expected}"
            );
        }
    }
}

/// Dense Adam's online step (whose rows of input 0 take the decay-only
/// kernel) gives the bits of the same step from the gradient as a matrix
/// (which runs every row through Adam's full row), over several steps: with
/// finite deltas, and with an infinite one, where `0 · ∞` makes the rows of
/// input 0 NaN as the formula says, rather than a decay.
#[test]
fn adam_rows_of_input_zero_are_adams_rows_bit_for_bit() {
    common::force_requested_path();
    let a = [1.0, 0.0, 0.5, -0.0, 0.25];
    let n_out = 11;
    let same = |x: &[f32], y: &[f32]| {
        x.iter()
            .zip(y)
            .all(|(p, q)| p.to_bits() == q.to_bits() || (p.is_nan() && q.is_nan()))
    };
    for infinite in [false, true] {
        let mut rng = Rng::new(41);
        let mut outer = Network::with_init_scale(&[a.len(), n_out], 1, 1.0);
        let mut dense = outer.clone();
        let params: OptimizerParams = AdamParams::default().into();
        let mut opt_outer = Optimizer::new(outer.layers(), params).unwrap();
        let mut opt_dense = Optimizer::new(dense.layers(), params).unwrap();
        for step in 0..5 {
            let mut delta: Vec<f32> = (0..n_out).map(|_| rng.uniform_symmetric(0.1)).collect();
            if infinite && step == 3 {
                delta[4] = f32::INFINITY;
            }
            let g: Vec<f32> = a
                .iter()
                .flat_map(|&aj| delta.iter().map(move |&d| aj * d))
                .collect();
            opt_outer.begin_step();
            opt_outer.update_layer(
                0,
                &mut outer.layers_mut()[0].w,
                n_out,
                &Grad::Outer {
                    a: &a,
                    active: None,
                    delta: &delta,
                },
            );
            opt_dense.begin_step();
            opt_dense.update_layer(0, &mut dense.layers_mut()[0].w, n_out, &Grad::Dense(&g));
            assert!(
                same(&outer.layers()[0].w, &dense.layers()[0].w),
                "step {step} (an infinite delta: {infinite}): {:?} against {:?}",
                outer.layers()[0].w,
                dense.layers()[0].w
            );
        }
        let nan_rows = outer.layers()[0].w.iter().any(|x| x.is_nan());
        assert_eq!(
            nan_rows, infinite,
            "NaN weights: {nan_rows}, an infinite delta: {infinite}"
        );
    }
}

/// One online step of layer 0 (`n_out` outputs) with inputs `a`.
fn lazy_step(opt: &mut AdamLazy, w: &mut [f32], a: &[f32], delta: &[f32]) {
    opt.begin_step();
    let active: Vec<u32> = (0..a.len() as u32)
        .filter(|&j| a[j as usize] != 0.0)
        .collect();
    opt.update_layer(
        0,
        w,
        delta.len(),
        &Grad::Outer {
            a,
            active: Some(&active),
            delta,
        },
    );
}

/// Lazy Adam against `SparseAdam`'s formula in f64: a row absent from the
/// gradient (zero input) keeps `w`, `m` and `v` exactly; when it comes back
/// at global step `t`, its step is `α √(1 − β₂ᵗ)/(1 − β₁ᵗ) · m/(√v + ε)`
/// with that `t`, not the count of the row's own updates.
#[test]
fn adam_lazy_leaves_absent_rows_and_corrects_bias_with_the_global_step() {
    common::force_requested_path();
    let (n_in, n_out) = (3, 4);
    let net = Network::with_init_scale(&[n_in, n_out], 7, 1.0);
    let p = AdamLazyParams {
        lr: 0.01,
        eps: 1e-3,
        ..AdamLazyParams::default()
    };
    let mut opt = AdamLazy::new(net.layers(), p).unwrap();
    let mut w = net.layers()[0].w.clone();
    let delta = [0.3f32, -0.2, 0.1, 0.0];
    // Step 1 lights rows 0 and 1; steps 2–4 row 1 only; step 5 rows 0 and 2.
    let inputs: [[f32; 3]; 5] = [
        [0.5, 1.0, 0.0],
        [0.0, 1.0, 0.0],
        [0.0, 0.25, 0.0],
        [0.0, 1.0, 0.0],
        [0.75, 0.0, 1.0],
    ];
    let (b1, b2) = (p.beta1 as f64, p.beta2 as f64);
    let mut w_ref: Vec<f64> = w.iter().map(|&x| x as f64).collect();
    let (mut m_ref, mut v_ref) = (vec![0.0f64; w.len()], vec![0.0f64; w.len()]);
    for (step, a) in inputs.iter().enumerate() {
        let t = step as i32 + 1;
        let (w_before, m_before) = (w.clone(), opt.first_moment(0).to_vec());
        let v_before = opt.second_moment(0).to_vec();
        lazy_step(&mut opt, &mut w, a, &delta);
        let size = p.lr as f64 * (1.0 - b2.powi(t)).sqrt() / (1.0 - b1.powi(t));
        for j in 0..n_in {
            let r = j * n_out..(j + 1) * n_out;
            if a[j] == 0.0 {
                assert_eq!(
                    w[r.clone()],
                    w_before[r.clone()],
                    "t={t}: absent row {j} moved w"
                );
                assert_eq!(
                    opt.first_moment(0)[r.clone()],
                    m_before[r.clone()],
                    "t={t}: row {j} m"
                );
                assert_eq!(
                    opt.second_moment(0)[r.clone()],
                    v_before[r],
                    "t={t}: row {j} v"
                );
                continue;
            }
            for k in r {
                let g = a[j] as f64 * delta[k % n_out] as f64;
                m_ref[k] = b1 * m_ref[k] + (1.0 - b1) * g;
                v_ref[k] = b2 * v_ref[k] + (1.0 - b2) * g * g;
                w_ref[k] -= size * m_ref[k] / (v_ref[k].sqrt() + p.eps as f64);
                let err = (w[k] as f64 - w_ref[k]).abs();
                assert!(
                    err <= 1e-6 * (1.0 + w_ref[k].abs()),
                    "t={t}, row {j}, weight {k}: {} vs SparseAdam's {}",
                    w[k],
                    w_ref[k]
                );
            }
        }
    }
    assert_eq!(opt.steps(), 5);
}

/// With ε = 0 and every input non-zero, lazy Adam is Adam: `SparseAdam`'s
/// `α √(1 − β₂ᵗ)/(1 − β₁ᵗ) · m/√v` equals `α/(1 − β₁ᵗ) · m/√(v/(1 − β₂ᵗ))`
/// up to rounding. With zero inputs they differ: Adam goes on stepping a
/// row with the decaying moments of its earlier inputs.
#[test]
fn adam_lazy_without_eps_on_dense_inputs_is_adam() {
    common::force_requested_path();
    let start = Network::with_init_scale(&[5, 3, 2], 4, 1.0);
    let adam = AdamParams {
        eps: 0.0,
        ..AdamParams::default()
    };
    let lazy = AdamLazyParams {
        eps: 0.0,
        ..AdamLazyParams::default()
    };
    let mut ws = dlr::network::Workspace::new(&start);
    let run = |opt: &mut Optimizer, images: &[[u8; 5]], ws: &mut dlr::network::Workspace| {
        let mut net = start.clone();
        for (k, image) in images.iter().enumerate() {
            net.train_step(ws, opt, image, k % 2);
        }
        net
    };
    let dense: Vec<[u8; 5]> = (0..40u8)
        .map(|k| [k + 1, 200, 3 * k + 7, 90, 255 - k])
        .collect();
    // Pixel 2 lit in the first five images only: Adam's step on its row
    // goes on with the decaying moments, lazy Adam's stops.
    let mut sparse = dense.clone();
    sparse.iter_mut().skip(5).for_each(|im| im[2] = 0);
    for (images, same) in [(&dense, true), (&sparse, false)] {
        let mut a = Optimizer::new(start.layers(), adam.into()).unwrap();
        let mut l = Optimizer::new(start.layers(), lazy.into()).unwrap();
        let (net_a, net_l) = (run(&mut a, images, &mut ws), run(&mut l, images, &mut ws));
        let diff = net_a.layers()[0]
            .w
            .iter()
            .zip(&net_l.layers()[0].w)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0f32, f32::max);
        if same {
            assert!(
                diff <= 1e-5,
                "dense inputs: lazy Adam differs from Adam by {diff}"
            );
        } else {
            assert!(
                diff > 1e-3,
                "a never-lit input: lazy Adam equals Adam ({diff})"
            );
        }
    }
}

/// A mini-batch step (dense gradient): the rows whose summed gradient is
/// zero (no image of the batch lights them) keep `w`, `m` and `v`.
#[test]
fn adam_lazy_mini_batch_skips_rows_of_zero_gradient() {
    common::force_requested_path();
    let net = Network::with_init_scale(&[3, 2], 2, 1.0);
    let mut opt = AdamLazy::new(net.layers(), AdamLazyParams::default()).unwrap();
    let mut w = net.layers()[0].w.clone();
    let g = [0.1f32, -0.2, 0.0, 0.0, 0.0, 0.3];
    opt.begin_step();
    opt.update_layer(0, &mut w, 2, &Grad::Dense(&g));
    assert_eq!(w[2..4], net.layers()[0].w[2..4], "row 1 has no gradient");
    assert_eq!(opt.first_moment(0)[2..4], [0.0, 0.0]);
    assert!(w[0] != net.layers()[0].w[0] && w[5] != net.layers()[0].w[5]);
    assert_eq!(opt.steps(), 1);
}

#[test]
fn nesterov_two_steps_follow_the_formula() {
    common::force_requested_path();
    let mut net = Network::with_init_scale(&[2, 2], 1, 1.0);
    let w0 = net.layers()[0].w.clone();
    let (lr, mu) = (0.1f32, 0.9f32);
    let params = NesterovParams { lr, momentum: mu };
    let mut opt = Optimizer::new(net.layers(), params.into()).unwrap();
    let a = [1.0f32, 0.0];
    let delta = [0.5f32, -1.0];
    for _ in 0..2 {
        opt.begin_step();
        let layer = &mut net.layers_mut()[0];
        opt.update_layer(
            0,
            &mut layer.w,
            2,
            &Grad::Outer {
                a: &a,
                active: None,
                delta: &delta,
            },
        );
    }
    for i in 0..2 {
        let g = delta[i];
        // v1 = g, w1 = w0 − η(g + μ g); v2 = μ g + g, w2 = w1 − η(g + μ v2).
        let v2 = mu * g + g;
        let expected = w0[i] - lr * (g + mu * g) - lr * (g + mu * v2);
        assert!((net.layers()[0].w[i] - expected).abs() < 1e-6);
        assert_eq!(
            net.layers()[0].w[2 + i],
            w0[2 + i],
            "zero-input row with zero velocity moved"
        );
    }
}

#[test]
fn invalid_hyper_parameters_are_rejected_naming_the_parameter() {
    common::force_requested_path();
    let net = Network::new(&[3, 2], 1);
    let bad: [(OptimizerParams, Param); 8] = [
        (SgdParams { lr: -0.1 }.into(), Param::Lr),
        (
            DlrParams {
                eta0: f32::NAN,
                ..DlrParams::default()
            }
            .into(),
            Param::Lr,
        ),
        (
            DlrParams {
                alpha: 0.0,
                ..DlrParams::default()
            }
            .into(),
            Param::Alpha,
        ),
        (
            AdamParams {
                eps: -1.0,
                ..AdamParams::default()
            }
            .into(),
            Param::Eps,
        ),
        (
            AdamParams {
                beta1: 1.0,
                ..AdamParams::default()
            }
            .into(),
            Param::Beta1,
        ),
        (
            AdamParams {
                beta2: -0.1,
                ..AdamParams::default()
            }
            .into(),
            Param::Beta2,
        ),
        (
            AdamLazyParams {
                beta2: 1.0,
                ..AdamLazyParams::default()
            }
            .into(),
            Param::Beta2,
        ),
        (
            NesterovParams {
                momentum: 1.0,
                ..NesterovParams::default()
            }
            .into(),
            Param::Momentum,
        ),
    ];
    for (params, param) in bad {
        match Optimizer::new(net.layers(), params) {
            Err(ParamError::OutOfRange { param: p, .. }) => {
                assert_eq!(p, param, "{params:?}: the error names another parameter")
            }
            other => panic!("{params:?} was not rejected for {param}: {other:?}"),
        }
        assert!(params.validate().is_err());
    }
    for kind in OptimizerKind::ALL {
        let params = OptimizerParams::default_for(kind);
        params.validate().expect("defaults are valid");
        assert_eq!(params.kind(), kind);
        // Each rule reads exactly the parameters its kind lists.
        for p in Param::ALL {
            assert_eq!(
                params.get(p).is_some(),
                kind.params().contains(&p),
                "{kind} {p}"
            );
        }
    }
    // A parameter the rule does not have cannot be set.
    let mut sgd = OptimizerParams::default_for(OptimizerKind::Sgd);
    assert_eq!(
        sgd.set(Param::Alpha, 0.3),
        Err(ParamError::NotARuleParam {
            kind: OptimizerKind::Sgd,
            param: Param::Alpha
        })
    );
}

/// Every rule's own type, passed to `train_step` through `LayerUpdate`,
/// trains exactly as the `Optimizer` that wraps it (Adam's step count and
/// DLR's re-sync included: 1,200 steps pass two of DLR-post's re-syncs).
#[test]
fn each_rule_type_trains_as_its_optimizer() {
    common::force_requested_path();
    use dlr::network::Workspace;
    fn train(net: &mut Network, opt: &mut impl LayerUpdate) {
        let mut rng = Rng::new(5);
        let mut ws = Workspace::new(net);
        for step in 0..1200 {
            let image: Vec<u8> = (0..16)
                .map(|_| {
                    if rng.below(3) == 0 {
                        rng.below(256) as u8
                    } else {
                        0
                    }
                })
                .collect();
            net.train_step(&mut ws, opt, &image, step % 4);
        }
    }
    for kind in OptimizerKind::ALL {
        let start = Network::new(&[16, 12, 4], 2);
        let (mut by_enum, mut by_type) = (start.clone(), start.clone());
        train(&mut by_enum, &mut Optimizer::tuned(start.layers(), kind));
        match Optimizer::tuned(start.layers(), kind) {
            Optimizer::Sgd(mut o) => train(&mut by_type, &mut o),
            Optimizer::Nesterov(mut o) => train(&mut by_type, &mut o),
            Optimizer::Adam(mut o) => train(&mut by_type, &mut o),
            Optimizer::AdamLazy(mut o) => train(&mut by_type, &mut o),
            Optimizer::Dlr(mut o) => train(&mut by_type, &mut o),
        }
        assert!(by_enum != start, "{kind}: training changed nothing");
        assert!(
            by_enum == by_type,
            "{kind}: the rule's own type trains differently"
        );
    }
}
