//! The fused DLR update against the textbook two-pass formula, and the
//! other optimizers against their formulas, step by step.

#![allow(clippy::needless_range_loop)] // index maths reads like the formulas

mod common;

use dlr::network::{Layer, Network};
use dlr::optim::{
    AdamParams, DlrParams, Grad, LayerUpdate, NesterovParams, Optimizer, OptimizerKind,
    OptimizerParams, Param, ParamError, SgdParams, RESYNC_EVERY,
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
    let bad: [(OptimizerParams, Param); 7] = [
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
            Optimizer::Dlr(mut o) => train(&mut by_type, &mut o),
        }
        assert!(by_enum != start, "{kind}: training changed nothing");
        assert!(
            by_enum == by_type,
            "{kind}: the rule's own type trains differently"
        );
    }
}
