//! Golden tests: every rule's weights after a few steps of a tiny network,
//! against values from an independent implementation (candle-nn's
//! `tests/optim.rs` habit; STYLE.md habit 8).
//!
//! A 6-4-3 logistic network without biases starts from fixed weights and
//! takes four online steps ([`Network::train_step`], one image each), then two
//! mini-batch steps ([`Network::train_batch`], gradient of the mean loss),
//! with one optimizer throughout. After every step all 36 weights are
//! compared with the reference's.
//!
//! The reference is `tools/golden/optim_golden.py`: gradients from torch
//! autograd in f64; SGD, Nesterov (`nesterov=True`), Adam and lazy Adam
//! (`SparseAdam`, given each layer's gradient as a sparse tensor of the rows
//! present: layer 1's lit pixels, layer 2's every row) are `torch.optim`'s; DLR Eq. 1 and Eq. 3 are numpy lines from DESIGN.md §1,
//! since torch has no DLR. The values at the end of this file were printed by
//! torch 2.15.0 and numpy 2.4.6. The script's shared part is pasted below,
//! and each test has its rule's part above it. To regenerate, run
//! `python3 tools/golden/optim_golden.py` and paste the constants it prints
//! over those at the end of this file.
//!
//! **Tolerance.** Every weight after every step must satisfy
//! `|x − ref| ≤ atol + rtol·|ref|` with `atol = rtol = 8ε`, ε = `f32::EPSILON`
//! (8ε ≈ 9.5·10⁻⁷). dlr runs in f32 and the reference in f64, so the
//! difference is dlr's rounding: a step rounds each weight's update a handful
//! of times (sums of at most 6 products, the logistic, the deltas, the
//! update), each time by at most ε/2 of quantities no larger than the weights,
//! which stay below 1 here; the absolute term covers weights near zero, whose
//! error comes from those O(1) terms and not from their own size. SIMD width,
//! summation order and FMA on or off (`-C target-cpu=native`) move only these
//! last bits. Measured: at most 1.1·10⁻⁷ ≈ 0.9ε over all rules and steps
//! (DLR Eq. 3 the largest), a margin of about 9. A rate off by 10⁻⁴ relative
//! already moves a weight by 1.3·10⁻⁵, and the wrong maths we tried (Eq. 1
//! with Eq. 3's norm, Nesterov's classical form, Adam without bias
//! correction) by 3·10⁻² or more.

/*
"""Golden values of tests/optim_golden.rs, from an implementation independent of dlr.

    python3 tools/golden/optim_golden.py > /tmp/golden.rs   # needs torch and numpy

(`pip install torch numpy`: PyPI's Linux wheel brings about 5 GB of CUDA
libraries, which it needs to import, but everything here runs on the CPU.)

A 6-4-3 logistic network without biases, loss 1/2 sum_k (y_k - t_k)^2 with
one-hot targets, starts from the fixed weights W1, W2 below and takes, for
each rule, four online steps (one image each) and then two mini-batch steps
(gradient of the mean loss). The weights after every step are printed as Rust
constants, layer 1 then layer 2, each (n_in, n_out) row-major as dlr stores
them: w[j, i] is the weight from input j to output i.

Gradients come from torch autograd in float64. SGD, Nesterov, Adam and lazy
Adam (SparseAdam) are torch.optim's (foreach=False: the plain per-parameter
loop); torch has no DLR,
so its update is written in numpy from DESIGN.md section 1. The run is in
float64 from the f32 values dlr starts from (inputs, weights and
hyper-parameters are cast from float32), so the printed values are the exact
maths up to f64 rounding.
"""

# --- common: data, network, training loop, printing -----------------------
import numpy as np
import torch

torch.set_default_dtype(torch.float64)

# (n_in, n_out) row-major: W[j, i] from input j to output i. Multiples of
# 1/16, so exact in f32 and f64; one weight is zero.
W1 = [[0.25, -0.5, 0.125, 0.375],
      [-0.25, 0.0625, 0.5, -0.125],
      [0.5, 0.25, -0.375, 0.0],
      [-0.0625, -0.375, 0.25, 0.5],
      [0.375, 0.125, -0.25, -0.5],
      [0.125, -0.25, 0.0625, 0.25]]
W2 = [[0.5, -0.25, 0.375],
      [-0.375, 0.5, -0.125],
      [0.25, 0.125, -0.5],
      [-0.125, -0.375, 0.25]]
# u8 pixels with zeros among them (dlr skips zero inputs), and labels.
IMAGES = [[0, 255, 128, 0, 17, 200],
          [90, 0, 0, 255, 60, 0],
          [255, 30, 0, 140, 0, 77],
          [0, 0, 210, 45, 255, 0]]
LABELS = [2, 0, 1, 2]
ONLINE = [0, 1, 2, 3]          # the image of each online step
BATCHES = [[0, 1, 2, 3], [2, 0]]  # the images of each mini-batch step


def f32(v):
    """A hyper-parameter as dlr holds it: the f32 nearest to v, as a float."""
    return float(np.float32(v))


def inputs(indices):
    """Pixels as dlr scales them, in f32: p * f32(1/255), then widened."""
    p = np.array([IMAGES[k] for k in indices], dtype=np.float32)
    return torch.from_numpy((p * np.float32(1.0 / 255.0)).astype(np.float64))


def targets(indices):
    return torch.nn.functional.one_hot(torch.tensor([LABELS[k] for k in indices]), 3).double()


def gradients(params, indices):
    """Fills p.grad with the gradient of the mean over `indices` of 1/2 sum (y - t)^2."""
    w1, w2 = params
    y = torch.sigmoid(torch.sigmoid(inputs(indices) @ w1) @ w2)
    loss = 0.5 * ((y - targets(indices)) ** 2).sum(dim=1).mean()
    for p in params:
        p.grad = None
    loss.backward()


def run(name, make_step):
    """Online then mini-batch steps from W1, W2; prints the weights after each."""
    params = [torch.tensor(W1, requires_grad=True), torch.tensor(W2, requires_grad=True)]
    step = make_step(params)
    steps = [("online", [k]) for k in ONLINE] + [("batch", b) for b in BATCHES]
    n = sum(p.numel() for p in params)
    print("#[rustfmt::skip]")
    print(f"const {name}: [[f64; {n}]; {len(steps)}] = [")
    for s, (kind, indices) in enumerate(steps):
        gradients(params, indices)
        step()
        print(f"    // after step {s}, {kind}, images {indices}")
        print("    [")
        for l, p in enumerate(params):
            for j, row in enumerate(p.detach().numpy()):
                values = " ".join(f"{v:.10e}," for v in row)
                print(f"        {values} // layer {l + 1}, row {j}")
        print("    ],")
    print("];")


print(f"// torch {torch.__version__}, numpy {np.__version__}")
*/

mod common;

use dlr::dataset::Dataset;
use dlr::network::{BatchWorkspace, Layer, Network, Workspace};
use dlr::optim::{
    Adam, AdamLazy, AdamLazyParams, AdamParams, Dlr, DlrNorm, DlrParams, LayerUpdate, Nesterov,
    NesterovParams, Sgd, SgdParams,
};

// The script's inputs: weights (n_in, n_out) pre-major, images, labels, and
// which images each step takes.
const W1: [f32; 24] = [
    0.25, -0.5, 0.125, 0.375, //
    -0.25, 0.0625, 0.5, -0.125, //
    0.5, 0.25, -0.375, 0.0, //
    -0.0625, -0.375, 0.25, 0.5, //
    0.375, 0.125, -0.25, -0.5, //
    0.125, -0.25, 0.0625, 0.25, //
];
const W2: [f32; 12] = [
    0.5, -0.25, 0.375, //
    -0.375, 0.5, -0.125, //
    0.25, 0.125, -0.5, //
    -0.125, -0.375, 0.25, //
];
const IMAGES: [[u8; 6]; 4] = [
    [0, 255, 128, 0, 17, 200],
    [90, 0, 0, 255, 60, 0],
    [255, 30, 0, 140, 0, 77],
    [0, 0, 210, 45, 255, 0],
];
const LABELS: [u8; 4] = [2, 0, 1, 2];
const ONLINE: [usize; 4] = [0, 1, 2, 3];
const BATCHES: [&[u32]; 2] = [&[0, 1, 2, 3], &[2, 0]];

// |x − ref| ≤ ATOL + RTOL·|ref|; see the module doc.
const ATOL: f64 = 8.0 * f32::EPSILON as f64;
const RTOL: f64 = 8.0 * f32::EPSILON as f64;

fn network() -> Network {
    let layers = vec![
        Layer {
            n_in: 6,
            n_out: 4,
            w: W1.to_vec(),
        },
        Layer {
            n_in: 4,
            n_out: 3,
            w: W2.to_vec(),
        },
    ];
    Network::from_layers(layers).expect("the layers chain")
}

// One constructor per rule, with the script's hyper-parameters.

fn sgd(net: &Network) -> Sgd {
    Sgd::new(net.layers(), SgdParams { lr: 0.5 }).expect("valid parameters")
}

fn nesterov(net: &Network) -> Nesterov {
    let params = NesterovParams {
        lr: 0.25,
        momentum: 0.75,
    };
    Nesterov::new(net.layers(), params).expect("valid parameters")
}

fn adam(net: &Network) -> Adam {
    let params = AdamParams {
        lr: 0.01,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-3,
    };
    Adam::new(net.layers(), params).expect("valid parameters")
}

fn adam_lazy(net: &Network) -> AdamLazy {
    let params = AdamLazyParams {
        lr: 0.01,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-3,
    };
    AdamLazy::new(net.layers(), params).expect("valid parameters")
}

fn dlr_eq1(net: &Network) -> Dlr {
    let params = DlrParams {
        eta0: 2.0,
        alpha: 0.3,
        norm: DlrNorm::Pre,
    };
    Dlr::new(net.layers(), params).expect("valid parameters")
}

fn dlr_eq3(net: &Network) -> Dlr {
    let params = DlrParams {
        eta0: 5.0,
        alpha: 0.3,
        norm: DlrNorm::Post,
    };
    Dlr::new(net.layers(), params).expect("valid parameters")
}

/// Runs the script's steps on `net` with `opt` and compares the weights
/// after step `s` with `golden[s]` (layer 1 then layer 2, as printed).
fn check(rule: &str, mut net: Network, opt: &mut impl LayerUpdate, golden: &[[f64; 36]; 6]) {
    let images: Vec<u8> = IMAGES.concat();
    let data = Dataset::from_parts(images, LABELS.to_vec(), 2, 3).expect("a valid set");
    let mut ws = Workspace::new(&net);
    let mut bws = BatchWorkspace::new(&net, IMAGES.len());
    let steps = ONLINE.len() + BATCHES.len();
    assert_eq!(golden.len(), steps, "{rule}: one golden row per step");
    let mut mismatches = Vec::new();
    for (s, want) in golden.iter().enumerate() {
        let what = if s < ONLINE.len() {
            let k = ONLINE[s];
            net.train_step(&mut ws, opt, &IMAGES[k], LABELS[k] as usize);
            format!("online step {s} (image {k})")
        } else {
            let batch = BATCHES[s - ONLINE.len()];
            net.train_batch(&mut bws, opt, &data, batch);
            format!("batch step {s} (images {batch:?})")
        };
        let got: Vec<f32> = net.layers().iter().flat_map(|l| l.w.clone()).collect();
        for (k, (&x, &r)) in got.iter().zip(want).enumerate() {
            // Written so that NaN counts as a mismatch.
            let within = (x as f64 - r).abs() <= ATOL + RTOL * r.abs();
            if !within {
                mismatches.push(format!("{what}, weight {k}: {x:e} vs reference {r:e}"));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{rule}: {} weight values outside |x − ref| ≤ {ATOL:e} + {RTOL:e}·|ref|, up to five:\n{}",
        mismatches.len(),
        mismatches[..mismatches.len().min(5)].join("\n")
    );
}

/*
# --- sgd ---------------------------------------------------------------------
def sgd(params):
    return torch.optim.SGD(params, lr=f32(0.5), foreach=False).step

run("SGD", sgd)
*/
#[test]
fn sgd_matches_torch() {
    common::force_requested_path();
    let net = network();
    let mut opt = sgd(&net);
    check("SGD", net, &mut opt, &SGD);
}

/*
# --- nesterov ----------------------------------------------------------------
def nesterov(params):
    # v <- mu v + g;  w <- w - lr (g + mu v)
    return torch.optim.SGD(params, lr=f32(0.25), momentum=f32(0.75),
                           nesterov=True, foreach=False).step

run("NESTEROV", nesterov)
*/
#[test]
fn nesterov_matches_torch() {
    common::force_requested_path();
    let net = network();
    let mut opt = nesterov(&net);
    check("Nesterov", net, &mut opt, &NESTEROV);
}

/*
# --- adam --------------------------------------------------------------------
def adam(params):
    return torch.optim.Adam(params, lr=f32(0.01), betas=(f32(0.9), f32(0.999)),
                            eps=f32(1e-3), foreach=False).step

run("ADAM", adam)
*/
#[test]
fn adam_matches_torch() {
    common::force_requested_path();
    let net = network();
    let mut opt = adam(&net);
    check("Adam", net, &mut opt, &ADAM);
}

/*
# --- adam-lazy -----------------------------------------------------------------
def sparse_adam(params):
    """torch.optim.SparseAdam, given each layer's gradient as a sparse tensor
    of its present rows: layer 1's lit pixels (of any image of the step),
    layer 2's every hidden unit (a logistic output is never zero)."""
    opt = torch.optim.SparseAdam(params, lr=f32(0.01), betas=(f32(0.9), f32(0.999)),
                                 eps=f32(1e-3))
    images_of_step = iter([[k] for k in ONLINE] + BATCHES)

    def step():
        indices = next(images_of_step)
        lit = sorted({j for k in indices for j, p in enumerate(IMAGES[k]) if p != 0})
        for p, rows in zip(params, [lit, list(range(len(W2)))]):
            dense = p.grad
            p.grad = torch.sparse_coo_tensor(torch.tensor([rows]), dense[rows], dense.shape,
                                             check_invariants=True)
        opt.step()
    return step

run("ADAM_LAZY", sparse_adam)
*/
/// The same tolerance as the others: `SparseAdam` computes the moments as
/// `m + (1 − β₁)(g − m)` where dlr computes `β₁ m + (1 − β₁) g`, the same
/// value up to the rounding the tolerance covers. Dense Adam with the same
/// values fails it, and so does lazy Adam with ε added to `√v̂` instead of
/// `√v`: both are off by 7·10⁻³ after the first step (where ε = 10⁻³
/// weighs against `√v̂ = |g|`).
#[test]
fn adam_lazy_matches_torch_sparse_adam() {
    common::force_requested_path();
    let net = network();
    let mut opt = adam_lazy(&net);
    check("lazy Adam", net, &mut opt, &ADAM_LAZY);
}

/*
# --- dlr ---------------------------------------------------------------------
def dlr(eta0, alpha, axis):
    """DLR: w_ij <- w_ij - eta0 (|w_ij| + alpha) / (||w||_ + alpha) g_ij, with
    the norms of the weights before the step. With w stored (n_in, n_out),
    Eq. 1's norm over input j's outgoing weights is over axis 1 (a row), and
    Eq. 3's over output i's incoming weights is over axis 0 (a column)."""
    def make(params):
        def step():
            for p in params:
                w, g = p.detach().numpy(), p.grad.numpy()  # w shares p's memory
                norm = np.sqrt((w ** 2).sum(axis=axis, keepdims=True))
                w -= eta0 * (np.abs(w) + alpha) / (norm + alpha) * g
        return step
    return make

run("DLR_EQ1", dlr(f32(2.0), f32(0.3), axis=1))
run("DLR_EQ3", dlr(f32(5.0), f32(0.3), axis=0))
*/
#[test]
fn dlr_eq1_matches_numpy() {
    common::force_requested_path();
    let net = network();
    let mut opt = dlr_eq1(&net);
    check("DLR Eq. 1", net, &mut opt, &DLR_EQ1);
}

/// The numpy step above with `axis=0`: the norm over output `i`'s incoming
/// weights (a column of dlr's `(n_in, n_out)` layout).
#[test]
fn dlr_eq3_matches_numpy() {
    common::force_requested_path();
    let net = network();
    let mut opt = dlr_eq3(&net);
    check("DLR Eq. 3", net, &mut opt, &DLR_EQ3);
}

// Printed by `python3 tools/golden/optim_golden.py` (torch 2.15.0, numpy 2.4.6).
#[rustfmt::skip]
const SGD: [[f64; 36]; 6] = [
    // after step 0, online, images [0]
    [
        2.5000000000e-01, -5.0000000000e-01, 1.2500000000e-01, 3.7500000000e-01, // layer 1, row 0
        -2.4854274759e-01, 5.8997353398e-02, 4.8634099447e-01, -1.1308920770e-01, // layer 1, row 1
        5.0073148360e-01, 2.4824180866e-01, -3.8185628553e-01, 5.9787509972e-03, // layer 1, row 2
        -6.2500000000e-02, -3.7500000000e-01, 2.5000000000e-01, 5.0000000000e-01, // layer 1, row 3
        3.7509715017e-01, 1.2476649021e-01, -2.5091060042e-01, -4.9920594714e-01, // layer 1, row 4
        1.2614294317e-01, -2.5274717406e-01, 5.1787053497e-02, 2.5934179874e-01, // layer 1, row 5
        4.6438604196e-01, -2.8317536731e-01, 4.0865347956e-01, // layer 2, row 0
        -4.0854110623e-01, 4.6875555034e-01, -9.3305265820e-02, // layer 2, row 1
        2.1074894331e-01, 8.8436576709e-02, -4.6290963693e-01, // layer 2, row 2
        -1.5916985023e-01, -4.0683014174e-01, 2.8228886705e-01, // layer 2, row 3
    ],
    // after step 1, online, images [1]
    [
        2.5145630242e-01, -5.0366064104e-01, 1.2828133865e-01, 3.7459621487e-01, // layer 1, row 0
        -2.4854274759e-01, 5.8997353398e-02, 4.8634099447e-01, -1.1308920770e-01, // layer 1, row 1
        5.0073148360e-01, 2.4824180866e-01, -3.8185628553e-01, 5.9787509972e-03, // layer 1, row 2
        -5.8373809905e-02, -3.8537181602e-01, 2.5929712595e-01, 4.9885594217e-01, // layer 1, row 3
        3.7606801849e-01, 1.2232606275e-01, -2.4872304122e-01, -4.9947513723e-01, // layer 1, row 4
        1.2614294317e-01, -2.5274717406e-01, 5.1787053497e-02, 2.5934179874e-01, // layer 1, row 5
        4.9548159031e-01, -3.1299076774e-01, 3.7406982825e-01, // layer 2, row 0
        -3.8663119079e-01, 4.4774762678e-01, -1.1767289772e-01, // layer 2, row 1
        2.4361167809e-01, 5.6926741732e-02, -4.9945870653e-01, // layer 2, row 2
        -1.2233817745e-01, -4.4214552066e-01, 2.4132564896e-01, // layer 2, row 3
    ],
    // after step 2, online, images [2]
    [
        2.3178765575e-01, -4.8959711730e-01, 1.3293660671e-01, 3.6620051485e-01, // layer 1, row 0
        -2.5085670618e-01, 6.0651885713e-02, 4.8688867310e-01, -1.1407693718e-01, // layer 1, row 1
        5.0073148360e-01, 2.4824180866e-01, -3.8185628553e-01, 5.9787509972e-03, // layer 1, row 2
        -6.9172283114e-02, -3.7765066536e-01, 2.6185295952e-01, 4.9424653801e-01, // layer 1, row 3
        3.7606801849e-01, 1.2232606275e-01, -2.4872304122e-01, -4.9947513723e-01, // layer 1, row 4
        1.2020378296e-01, -2.4850054124e-01, 5.3192761944e-02, 2.5680662648e-01, // layer 1, row 5
        4.5739339997e-01, -2.7392234897e-01, 3.3856719392e-01, // layer 2, row 0
        -4.0806371403e-01, 4.6973173225e-01, -1.3765050834e-01, // layer 2, row 1
        2.0359306288e-01, 9.7975266330e-02, -5.3676072193e-01, // layer 2, row 2
        -1.6824846632e-01, -3.9505369572e-01, 1.9853190676e-01, // layer 2, row 3
    ],
    // after step 3, online, images [3]
    [
        2.3178765575e-01, -4.8959711730e-01, 1.3293660671e-01, 3.6620051485e-01, // layer 1, row 0
        -2.5085670618e-01, 6.0651885713e-02, 4.8688867310e-01, -1.1407693718e-01, // layer 1, row 1
        5.0210209683e-01, 2.4610656716e-01, -3.9192615223e-01, 1.5327059662e-02, // layer 1, row 2
        -6.8878580298e-02, -3.7810821708e-01, 2.5969513107e-01, 4.9624974689e-01, // layer 1, row 3
        3.7773233441e-01, 1.1973326972e-01, -2.6095073546e-01, -4.8812362054e-01, // layer 1, row 4
        1.2020378296e-01, -2.4850054124e-01, 5.3192761944e-02, 2.5680662648e-01, // layer 1, row 5
        4.1272270600e-01, -3.1577354118e-01, 3.8065458715e-01, // layer 2, row 0
        -4.4489420015e-01, 4.3522589370e-01, -1.0294992470e-01, // layer 2, row 1
        1.7922760754e-01, 7.5147697201e-02, -5.1380431788e-01, // layer 2, row 2
        -1.9430941105e-01, -4.1946973922e-01, 2.2308575026e-01, // layer 2, row 3
    ],
    // after step 4, batch, images [0, 1, 2, 3]
    [
        2.2770677653e-01, -4.8697418806e-01, 1.3537799720e-01, 3.6443172568e-01, // layer 1, row 0
        -2.5033804061e-01, 6.0808867922e-02, 4.8413607963e-01, -1.1110470575e-01, // layer 1, row 1
        5.0329426263e-01, 2.4579407733e-01, -3.9561064731e-01, 1.9404169120e-02, // layer 1, row 2
        -7.0032786957e-02, -3.7881574135e-01, 2.6250929735e-01, 4.9567000261e-01, // layer 1, row 3
        3.7888674477e-01, 1.1887968402e-01, -2.6326075259e-01, -4.8493651667e-01, // layer 1, row 4
        1.1966826000e-01, -2.4763386167e-01, 5.1367058474e-02, 2.5877983740e-01, // layer 1, row 5
        3.9286011494e-01, -3.3121916236e-01, 3.8223428434e-01, // layer 2, row 0
        -4.6096966083e-01, 4.2007445538e-01, -9.7574407438e-02, // layer 2, row 1
        1.6357855376e-01, 6.3803333285e-02, -5.1728006852e-01, // layer 2, row 2
        -2.0988721838e-01, -4.2986623842e-01, 2.1683569897e-01, // layer 2, row 3
    ],
    // after step 5, batch, images [2, 0]
    [
        2.1876496498e-01, -4.7994635861e-01, 1.3862386061e-01, 3.6104414923e-01, // layer 1, row 0
        -2.4899983083e-01, 6.1379882414e-02, 4.7883646127e-01, -1.0509383283e-01, // layer 1, row 1
        5.0449404319e-01, 2.4566568126e-01, -3.9846252998e-01, 2.2621442456e-02, // layer 1, row 2
        -7.4942017072e-02, -3.7495732499e-01, 2.6429134010e-01, 4.9381015662e-01, // layer 1, row 3
        3.7904609062e-01, 1.1886263142e-01, -2.6363951825e-01, -4.8450922256e-01, // layer 1, row 4
        1.1884284064e-01, -2.4571235156e-01, 4.7891115157e-02, 2.6278391188e-01, // layer 1, row 5
        3.5923276840e-01, -3.2719422889e-01, 3.8174709748e-01, // layer 2, row 0
        -4.8635229998e-01, 4.1688901306e-01, -9.1758540956e-02, // layer 2, row 1
        1.2732510560e-01, 6.7845287795e-02, -5.1750990691e-01, // layer 2, row 2
        -2.4690254229e-01, -4.2126695842e-01, 2.1215735131e-01, // layer 2, row 3
    ],
];
#[rustfmt::skip]
const NESTEROV: [[f64; 36]; 6] = [
    // after step 0, online, images [0]
    [
        2.5000000000e-01, -5.0000000000e-01, 1.2500000000e-01, 3.7500000000e-01, // layer 1, row 0
        -2.4872490415e-01, 5.9435184223e-02, 4.8804837016e-01, -1.1457805674e-01, // layer 1, row 1
        5.0064004815e-01, 2.4846158258e-01, -3.8099924984e-01, 5.2314071226e-03, // layer 1, row 2
        -6.2500000000e-02, -3.7500000000e-01, 2.5000000000e-01, 5.0000000000e-01, // layer 1, row 3
        3.7508500639e-01, 1.2479567894e-01, -2.5079677536e-01, -4.9930520375e-01, // layer 1, row 4
        1.2600007527e-01, -2.5240377730e-01, 5.3126171810e-02, 2.5817407390e-01, // layer 1, row 5
        4.6883778672e-01, -2.7902844639e-01, 4.0444679462e-01, // layer 2, row 0
        -4.0434846796e-01, 4.7266110655e-01, -9.7267107592e-02, // layer 2, row 1
        2.1565532540e-01, 9.3007004620e-02, -4.6754593231e-01, // layer 2, row 2
        -1.5489861895e-01, -4.0285137402e-01, 2.7825275867e-01, // layer 2, row 3
    ],
    // after step 1, online, images [1]
    [
        2.5130037015e-01, -5.0318540697e-01, 1.2788034354e-01, 3.7468534287e-01, // layer 1, row 0
        -2.4831505191e-01, 5.8450064866e-02, 4.8420677486e-01, -1.1122814641e-01, // layer 1, row 1
        5.0084577792e-01, 2.4796709126e-01, -3.8292758015e-01, 6.9129308405e-03, // layer 1, row 2
        -5.8815618006e-02, -3.8402531951e-01, 2.5816097315e-01, 4.9910847148e-01, // layer 1, row 3
        3.7597924335e-01, 1.2260639958e-01, -2.4913265262e-01, -4.9929164781e-01, // layer 1, row 4
        1.2632152804e-01, -2.5317642001e-01, 5.0113155606e-02, 2.6080145480e-01, // layer 1, row 5
        4.8588136115e-01, -3.1459110305e-01, 3.8376540753e-01, // layer 2, row 0
        -3.9471532701e-01, 4.4539038037e-01, -1.0959424943e-01, // layer 2, row 1
        2.3321418531e-01, 5.5000300403e-02, -4.8897436269e-01, // layer 2, row 2
        -1.3245742990e-01, -4.4287442886e-01, 2.5162679571e-01, // layer 2, row 3
    ],
    // after step 2, online, images [2]
    [
        2.3448770178e-01, -4.9194176123e-01, 1.3295151293e-01, 3.6718866211e-01, // layer 1, row 0
        -2.5003479751e-01, 5.9154463862e-02, 4.8181326602e-01, -1.0958577736e-01, // layer 1, row 1
        5.0100007524e-01, 2.4759622278e-01, -3.8437382788e-01, 8.1740736290e-03, // layer 1, row 2
        -6.7091314509e-02, -3.8019120213e-01, 2.6306001872e-01, 4.9476161154e-01, // layer 1, row 3
        3.7627838672e-01, 1.2187455637e-01, -2.4870751590e-01, -4.9919157882e-01, // layer 1, row 4
        1.2135963849e-01, -2.5005158995e-01, 4.9105125034e-02, 2.6053882703e-01, // layer 1, row 5
        4.5398644676e-01, -2.9581004854e-01, 3.4980890059e-01, // layer 2, row 0
        -4.1429216161e-01, 4.5212556664e-01, -1.2740059191e-01, // layer 2, row 1
        1.9939068371e-01, 7.4299775722e-02, -5.2432669061e-01, // layer 2, row 2
        -1.6925425199e-01, -4.1832129279e-01, 2.0913724467e-01, // layer 2, row 3
    ],
    // after step 3, online, images [3]
    [
        2.2926276242e-01, -4.8876653831e-01, 1.3497831368e-01, 3.6473566910e-01, // layer 1, row 0
        -2.5045583466e-01, 5.9064232318e-02, 4.7980912540e-01, -1.0798111613e-01, // layer 1, row 1
        5.0257336840e-01, 2.4593981437e-01, -3.9375557183e-01, 1.7535532710e-02, // layer 1, row 2
        -6.8931480949e-02, -3.8049743184e-01, 2.6398098670e-01, 4.9504493713e-01, // layer 1, row 3
        3.7827265073e-01, 1.1965207626e-01, -2.5846366169e-01, -4.8889758267e-01, // layer 1, row 4
        1.1986806952e-01, -2.4929552973e-01, 4.7812645714e-02, 2.6129892625e-01, // layer 1, row 5
        4.0527762954e-01, -3.3214993680e-01, 3.7417420747e-01, // layer 2, row 0
        -4.5308845142e-01, 4.1945856057e-01, -1.0320767151e-01, // layer 2, row 1
        1.6768663612e-01, 5.3898901279e-02, -5.1690472086e-01, // layer 2, row 2
        -2.0251184899e-01, -4.3847370213e-01, 2.1473269011e-01, // layer 2, row 3
    ],
    // after step 4, batch, images [0, 1, 2, 3]
    [
        2.2177860582e-01, -4.8410331523e-01, 1.3861467239e-01, 3.6132426173e-01, // layer 1, row 0
        -2.5027100862e-01, 5.9224099821e-02, 4.7598686387e-01, -1.0415989929e-01, // layer 1, row 1
        5.0423316117e-01, 2.4513596534e-01, -4.0033906054e-01, 2.4552216266e-02, // layer 1, row 2
        -7.1411658543e-02, -3.8118239221e-01, 2.6792769077e-01, 4.9398602710e-01, // layer 1, row 3
        3.8007803287e-01, 1.1806049386e-01, -2.6338015476e-01, -4.8273202655e-01, // layer 1, row 4
        1.1831559637e-01, -2.4790481011e-01, 4.5309250577e-02, 2.6360235179e-01, // layer 1, row 5
        3.6835301298e-01, -3.5699857578e-01, 3.7840589591e-01, // layer 2, row 0
        -4.8227032126e-01, 3.9481483578e-01, -9.3091234151e-02, // layer 2, row 1
        1.3962203009e-01, 3.7593827771e-02, -5.2279339864e-01, // layer 2, row 2
        -2.3109962426e-01, -4.5318949280e-01, 2.0455075078e-01, // layer 2, row 3
    ],
    // after step 5, batch, images [2, 0]
    [
        2.0990334557e-01, -4.7553675016e-01, 1.4327968681e-01, 3.5645181535e-01, // layer 1, row 0
        -2.4887629552e-01, 6.0064042357e-02, 4.6976834308e-01, -9.7093423967e-02, // layer 1, row 1
        5.0620289689e-01, 2.4465159575e-01, -4.0629618086e-01, 3.1118976451e-02, // layer 1, row 2
        -7.7134677769e-02, -3.7812678557e-01, 2.7138066360e-01, 4.9176533131e-01, // layer 1, row 3
        3.8113340494e-01, 1.1714901671e-01, -2.6655787828e-01, -4.7894014452e-01, // layer 1, row 4
        1.1685708137e-01, -2.4530555013e-01, 4.1277221286e-02, 2.6813508537e-01, // layer 1, row 5
        3.1935835673e-01, -3.6593897496e-01, 3.8067791228e-01, // layer 2, row 0
        -5.1985761725e-01, 3.7960496673e-01, -8.2402226765e-02, // layer 2, row 1
        9.3468113708e-02, 3.3771133650e-02, -5.2611288668e-01, // layer 2, row 2
        -2.7844628032e-01, -4.5240270293e-01, 1.9534938246e-01, // layer 2, row 3
    ],
];
#[rustfmt::skip]
const ADAM: [[f64; 36]; 6] = [
    // after step 0, online, images [0]
    [
        2.5000000000e-01, -5.0000000000e-01, 1.2500000000e-01, 3.7500000000e-01, // layer 1, row 0
        -2.4255460179e-01, 5.3749173731e-02, 4.9035313238e-01, -1.1540287540e-01, // layer 1, row 1
        5.0593985637e-01, 2.4221416161e-01, -3.8432030891e-01, 9.2282460682e-03, // layer 1, row 2
        -6.2500000000e-02, -3.7500000000e-01, 2.5000000000e-01, 5.0000000000e-01, // layer 1, row 3
        3.7662689663e-01, 1.2181654182e-01, -2.5645540984e-01, -4.9386383004e-01, // layer 1, row 4
        1.3195668084e-01, -2.5846019932e-01, 5.2945913357e-02, 2.5949196255e-01, // layer 1, row 5
        4.9013845085e-01, -2.5985152329e-01, 3.8485360181e-01, // layer 2, row 0
        -3.8485311853e-01, 4.9015750808e-01, -1.1515530513e-01, // layer 2, row 1
        2.4012578305e-01, 1.1513490412e-01, -4.9013301304e-01, // layer 2, row 2
        -1.3485578225e-01, -3.8484534533e-01, 2.5984750899e-01, // layer 2, row 3
    ],
    // after step 1, online, images [1]
    [
        2.5517777126e-01, -5.0620557786e-01, 1.3114104148e-01, 3.7362514119e-01, // layer 1, row 0
        -2.3804350151e-01, 4.8174313861e-02, 4.8398243438e-01, -1.0907788231e-01, // layer 1, row 1
        5.0934649893e-01, 2.3743581045e-01, -3.9039430700e-01, 1.5220005686e-02, // layer 1, row 2
        -5.6053335333e-02, -3.8195269545e-01, 2.5692392226e-01, 4.9709019075e-01, // layer 1, row 3
        3.8147377817e-01, 1.1560113534e-01, -2.5309245683e-01, -4.9086387295e-01, // layer 1, row 4
        1.3609584058e-01, -2.6378886937e-01, 4.6660315089e-02, 2.6572093830e-01, // layer 1, row 5
        4.8983184033e-01, -2.6967073302e-01, 3.8430850864e-01, // layer 2, row 0
        -3.8651012640e-01, 4.8058970359e-01, -1.1428847636e-01, // layer 2, row 1
        2.3961183147e-01, 1.0532548680e-01, -4.9046799235e-01, // layer 2, row 2
        -1.3412581870e-01, -3.9471352840e-01, 2.5827452205e-01, // layer 2, row 3
    ],
    // after step 2, online, images [2]
    [
        2.4956077000e-01, -5.0166182427e-01, 1.3858456038e-01, 3.6778293197e-01, // layer 1, row 0
        -2.3992915803e-01, 4.6615180310e-02, 4.7939925620e-01, -1.0470813270e-01, // layer 1, row 1
        5.1171752920e-01, 2.3396613899e-01, -3.9499275087e-01, 1.9743951081e-02, // layer 1, row 2
        -5.9320065274e-02, -3.8252457471e-01, 2.6374217978e-01, 4.9131021688e-01, // layer 1, row 3
        3.8491450296e-01, 1.1103222991e-01, -2.5061933596e-01, -4.8876623820e-01, // layer 1, row 4
        1.3153046500e-01, -2.6156107796e-01, 4.2820256250e-02, 2.6893694366e-01, // layer 1, row 5
        4.8566249218e-01, -2.7142092834e-01, 3.8017479894e-01, // layer 2, row 0
        -3.9060022779e-01, 4.7720669563e-01, -1.1653052134e-01, // layer 2, row 1
        2.3539360373e-01, 1.0343038409e-01, -4.9440279065e-01, // layer 2, row 2
        -1.3799788180e-01, -3.9592734819e-01, 2.5328262891e-01, // layer 2, row 3
    ],
    // after step 3, online, images [3]
    [
        2.4499063129e-01, -4.9797165646e-01, 1.4457124761e-01, 3.6307204393e-01, // layer 1, row 0
        -2.4141706157e-01, 4.5373138328e-02, 4.7567935142e-01, -1.0116583280e-01, // layer 1, row 1
        5.1585472580e-01, 2.2874585281e-01, -4.0163173370e-01, 2.6336300739e-02, // layer 1, row 2
        -6.1850536287e-02, -3.8317121020e-01, 2.6805257647e-01, 4.8919033240e-01, // layer 1, row 3
        3.8982861658e-01, 1.0505501548e-01, -2.5537940910e-01, -4.8320025722e-01, // layer 1, row 4
        1.2786446573e-01, -2.5977628787e-01, 3.9710391374e-02, 2.7153798883e-01, // layer 1, row 5
        4.7946240263e-01, -2.7591793598e-01, 3.8058119851e-01, // layer 2, row 0
        -3.9683198239e-01, 4.7149765590e-01, -1.1462017372e-01, // layer 2, row 1
        2.3011456195e-01, 1.0003341507e-01, -4.9560119593e-01, // layer 2, row 2
        -1.4307499678e-01, -3.9885682309e-01, 2.5134137608e-01, // layer 2, row 3
    ],
    // after step 4, batch, images [0, 1, 2, 3]
    [
        2.4010817666e-01, -4.9400494073e-01, 1.5086060567e-01, 3.5808915148e-01, // layer 1, row 0
        -2.4263482123e-01, 4.4164789212e-02, 4.7153264593e-01, -9.7110625753e-02, // layer 1, row 1
        5.2027006457e-01, 2.2353087762e-01, -4.0852344791e-01, 3.3220306295e-02, // layer 1, row 2
        -6.4525461516e-02, -3.8395112659e-01, 2.7279880649e-01, 4.8688822351e-01, // layer 1, row 3
        3.9490382208e-01, 9.8982643567e-02, -2.6032740205e-01, -4.7739640623e-01, // layer 1, row 4
        1.2409170255e-01, -2.5776696287e-01, 3.6212022918e-02, 2.7460094387e-01, // layer 1, row 5
        4.7292998945e-01, -2.8081931709e-01, 3.8101380310e-01, // layer 2, row 0
        -4.0339924486e-01, 4.6539699962e-01, -1.1253966352e-01, // layer 2, row 1
        2.2447897141e-01, 9.6250949479e-02, -4.9693363844e-01, // layer 2, row 2
        -1.4851570785e-01, -4.0215947841e-01, 2.4922454525e-01, // layer 2, row 3
    ],
    // after step 5, batch, images [2, 0]
    [
        2.3417187993e-01, -4.8881996722e-01, 1.5757543523e-01, 3.5224072617e-01, // layer 1, row 0
        -2.4351453224e-01, 4.2922693359e-02, 4.6634441720e-01, -9.1914748300e-02, // layer 1, row 1
        5.2488761625e-01, 2.1852549538e-01, -4.1541997861e-01, 4.0125280698e-02, // layer 1, row 2
        -6.8577963879e-02, -3.8318486523e-01, 2.7749676472e-01, 4.8339089342e-01, // layer 1, row 3
        3.9925977358e-01, 9.3789228409e-02, -2.6471777105e-01, -4.7227560426e-01, // layer 1, row 4
        1.1969294791e-01, -2.5504773702e-01, 3.1739762213e-02, 2.7872256402e-01, // layer 1, row 5
        4.6566510343e-01, -2.8483406508e-01, 3.8131943824e-01, // layer 2, row 0
        -4.1064057205e-01, 4.5981390325e-01, -1.1027377819e-01, // layer 2, row 1
        2.1775380386e-01, 9.3239709143e-02, -4.9816294610e-01, // layer 2, row 2
        -1.5507573817e-01, -4.0448223744e-01, 2.4705622906e-01, // layer 2, row 3
    ],
];
#[rustfmt::skip]
const DLR_EQ1: [[f64; 36]; 6] = [
    // after step 0, online, images [0]
    [
        2.5000000000e-01, -5.0000000000e-01, 1.2500000000e-01, 3.7500000000e-01, // layer 1, row 0
        -2.4634115893e-01, 5.6703705906e-02, 4.5011670414e-01, -1.0189129228e-01, // layer 1, row 1
        5.0240534154e-01, 2.4602523920e-01, -3.9402281737e-01, 7.3724850498e-03, // layer 1, row 2
        -6.2500000000e-02, -3.7500000000e-01, 2.5000000000e-01, 5.0000000000e-01, // layer 1, row 3
        3.7526639374e-01, 1.2459684624e-01, -2.5203454469e-01, -4.9741942730e-01, // layer 1, row 4
        1.2785663263e-01, -2.5888565996e-01, 3.9662015435e-02, 2.8021579459e-01, // layer 1, row 5
        3.8289042676e-01, -3.2499988562e-01, 4.6837183996e-01, // layer 2, row 0
        -4.7161101654e-01, 3.9333833421e-01, -6.7519366608e-02, // layer 2, row 1
        1.5106536135e-01, 5.3785224014e-02, -3.6401675581e-01, // layer 2, row 2
        -2.0066523818e-01, -4.8694552541e-01, 3.4252943104e-01, // layer 2, row 3
    ],
    // after step 1, online, images [1]
    [
        2.5172377795e-01, -5.1219669245e-01, 1.2977288154e-01, 3.7253511707e-01, // layer 1, row 0
        -2.4634115893e-01, 5.6703705906e-02, 4.5011670414e-01, -1.0189129228e-01, // layer 1, row 1
        5.0240534154e-01, 2.4602523920e-01, -3.9402281737e-01, 7.3724850498e-03, // layer 1, row 2
        -5.9252571464e-02, -4.0441499741e-01, 2.6765498558e-01, 4.9164982716e-01, // layer 1, row 3
        3.7667883777e-01, 1.2027662152e-01, -2.4789706896e-01, -4.9936280321e-01, // layer 1, row 4
        1.2785663263e-01, -2.5888565996e-01, 3.9662015435e-02, 2.8021579459e-01, // layer 1, row 5
        4.7498557975e-01, -3.9464075987e-01, 3.5508251186e-01, // layer 2, row 0
        -3.9278785773e-01, 3.3481902975e-01, -1.0856504755e-01, // layer 2, row 1
        2.4196424597e-01, -5.1204726886e-03, -5.1031190433e-01, // layer 2, row 2
        -1.1564013077e-01, -5.9736430521e-01, 2.2323378701e-01, // layer 2, row 3
    ],
    // after step 2, online, images [2]
    [
        2.0585535915e-01, -4.7159776013e-01, 1.3618507492e-01, 3.4269350965e-01, // layer 1, row 0
        -2.5276867614e-01, 5.9226886212e-02, 4.5170044344e-01, -1.0441479112e-01, // layer 1, row 1
        5.0240534154e-01, 2.4602523920e-01, -3.9402281737e-01, 7.3724850498e-03, // layer 1, row 2
        -7.5661019143e-02, -3.8507049651e-01, 2.7230792711e-01, 4.7235166708e-01, // layer 1, row 3
        3.7667883777e-01, 1.2027662152e-01, -2.4789706896e-01, -4.9936280321e-01, // layer 1, row 4
        1.1270110967e-01, -2.4698264574e-01, 4.1821226891e-02, 2.6924653329e-01, // layer 1, row 5
        3.5864884526e-01, -2.8254550797e-01, 2.6427458801e-01, // layer 2, row 0
        -4.6333564089e-01, 4.0431133960e-01, -1.4698429127e-01, // layer 2, row 1
        1.4200064688e-01, 5.5378264450e-02, -6.4832743371e-01, // layer 2, row 2
        -1.9596499494e-01, -4.1093893398e-01, 1.2985831791e-01, // layer 2, row 3
    ],
    // after step 3, online, images [3]
    [
        2.0585535915e-01, -4.7159776013e-01, 1.3618507492e-01, 3.4269350965e-01, // layer 1, row 0
        -2.5276867614e-01, 5.9226886212e-02, 4.5170044344e-01, -1.0441479112e-01, // layer 1, row 1
        5.0931734225e-01, 2.4375590571e-01, -4.2344355373e-01, 1.8391640626e-02, // layer 1, row 2
        -7.4958661346e-02, -3.8568847474e-01, 2.6704215745e-01, 4.7836133825e-01, // layer 1, row 3
        3.8376255786e-01, 1.1815391637e-01, -2.7612295612e-01, -4.6453740556e-01, // layer 1, row 4
        1.1270110967e-01, -2.4698264574e-01, 4.1821226891e-02, 2.6924653329e-01, // layer 1, row 5
        2.2517007586e-01, -3.9619523631e-01, 3.8611200231e-01, // layer 2, row 0
        -5.7626723353e-01, 3.0400119012e-01, -7.6527299194e-02, // layer 2, row 1
        1.0034940040e-01, 2.3139659033e-02, -5.5311463600e-01, // layer 2, row 2
        -2.5859053583e-01, -4.9735869163e-01, 1.8768892106e-01, // layer 2, row 3
    ],
    // after step 4, batch, images [0, 1, 2, 3]
    [
        1.9757004559e-01, -4.6426271312e-01, 1.4124115112e-01, 3.3732301186e-01, // layer 1, row 0
        -2.4855864765e-01, 6.1014560489e-02, 4.4314161821e-01, -9.8553871040e-02, // layer 1, row 1
        5.1709630959e-01, 2.4566015081e-01, -4.3254524473e-01, 2.3663246594e-02, // layer 1, row 2
        -7.6901639552e-02, -3.8845854606e-01, 2.7417514869e-01, 4.7592119692e-01, // layer 1, row 3
        3.8931097566e-01, 1.1821838745e-01, -2.8053323026e-01, -4.5437563041e-01, // layer 1, row 4
        1.1364364862e-01, -2.4222373231e-01, 3.8884006805e-02, 2.7581689242e-01, // layer 1, row 5
        1.8942234499e-01, -4.3455257555e-01, 3.9274059791e-01, // layer 2, row 0
        -6.2238375882e-01, 2.7237161079e-01, -6.7732663905e-02, // layer 2, row 1
        7.9538420736e-02, 1.0838296418e-02, -5.6679327061e-01, // layer 2, row 2
        -2.8722749090e-01, -5.2473079454e-01, 1.7574114931e-01, // layer 2, row 3
    ],
    // after step 5, batch, images [2, 0]
    [
        1.7984117986e-01, -4.4336311790e-01, 1.4851891642e-01, 3.2694098902e-01, // layer 1, row 0
        -2.3884674783e-01, 6.5426044750e-02, 4.2651080106e-01, -8.6817692662e-02, // layer 1, row 1
        5.2451335154e-01, 2.4756099280e-01, -4.3983064276e-01, 2.7804967828e-02, // layer 1, row 2
        -8.3867361706e-02, -3.7869327297e-01, 2.7908736882e-01, 4.6936500906e-01, // layer 1, row 3
        3.9018183909e-01, 1.1842115772e-01, -2.8133679947e-01, -4.5303208457e-01, // layer 1, row 4
        1.1635919966e-01, -2.3182272553e-01, 3.3343121503e-02, 2.8908435786e-01, // layer 1, row 5
        1.2894667098e-01, -4.1357453788e-01, 3.9384596152e-01, // layer 2, row 0
        -7.0343424830e-01, 2.7086449604e-01, -5.8619100954e-02, // layer 2, row 1
        2.6821662107e-02, 2.1671541871e-02, -5.6769498506e-01, // layer 2, row 2
        -3.6711181825e-01, -4.8493587705e-01, 1.6833311007e-01, // layer 2, row 3
    ],
];
#[rustfmt::skip]
const DLR_EQ3: [[f64; 36]; 6] = [
    // after step 0, online, images [0]
    [
        2.5000000000e-01, -5.0000000000e-01, 1.2500000000e-01, 3.7500000000e-01, // layer 1, row 0
        -2.4223020027e-01, 5.0191172310e-02, 3.9406940307e-01, -8.0897147453e-02, // layer 1, row 1
        5.0567292359e-01, 2.4062564965e-01, -4.1986472618e-01, 1.5626755781e-02, // layer 1, row 2
        -6.2500000000e-02, -3.7500000000e-01, 2.5000000000e-01, 5.0000000000e-01, // layer 1, row 3
        3.7563571092e-01, 1.2403793066e-01, -2.5485515265e-01, -4.9446552417e-01, // layer 1, row 4
        1.2970897000e-01, -2.6464742292e-01, 2.4853092525e-02, 2.9476414484e-01, // layer 1, row 5
        2.1064770215e-01, -4.3530841367e-01, 6.0570151909e-01, // layer 2, row 0
        -6.0493117684e-01, 2.4614859446e-01, 1.1802097267e-02, // layer 2, row 1
        3.0754468134e-02, -3.2816530691e-02, -1.9865237188e-01, // layer 2, row 2
        -2.7248529356e-01, -5.9320216358e-01, 4.3035666879e-01, // layer 2, row 3
    ],
    // after step 1, online, images [1]
    [
        2.4499111301e-01, -5.3425036119e-01, 1.3175015603e-01, 3.6306938777e-01, // layer 1, row 0
        -2.4223020027e-01, 5.0191172310e-02, 3.9406940307e-01, -8.0897147453e-02, // layer 1, row 1
        5.0567292359e-01, 2.4062564965e-01, -4.1986472618e-01, 1.5626755781e-02, // layer 1, row 2
        -7.1853716870e-02, -4.5687976792e-01, 2.7475057135e-01, 4.5993671064e-01, // layer 1, row 3
        3.7153367085e-01, 1.1193505309e-01, -2.4898007972e-01, -5.0382696662e-01, // layer 1, row 4
        1.2970897000e-01, -2.6464742292e-01, 2.4853092525e-02, 2.9476414484e-01, // layer 1, row 5
        3.9896690035e-01, -5.9152835011e-01, 2.7903464102e-01, // layer 2, row 0
        -3.6982796384e-01, 1.6440616378e-01, -6.7424107543e-02, // layer 2, row 1
        1.5960329420e-01, -1.0750840289e-01, -3.8863742126e-01, // layer 2, row 2
        -2.2326397741e-02, -8.1805330152e-01, 1.1822818002e-01, // layer 2, row 3
    ],
    // after step 2, online, images [2]
    [
        1.3050961142e-01, -4.6870370380e-01, 1.3747241687e-01, 2.7756401959e-01, // layer 1, row 0
        -2.5563038245e-01, 5.3428155560e-02, 3.9515163202e-01, -8.6675755429e-02, // layer 1, row 1
        5.0567292359e-01, 2.4062564965e-01, -4.1986472618e-01, 1.5626755781e-02, // layer 1, row 2
        -1.1473876527e-01, -4.2423084043e-01, 2.7893274857e-01, 4.0613455166e-01, // layer 1, row 3
        3.7153367085e-01, 1.1193505309e-01, -2.4898007972e-01, -5.0382696662e-01, // layer 1, row 4
        1.0245242023e-01, -2.5125120940e-01, 2.6153180431e-02, 2.7160461465e-01, // layer 1, row 5
        9.6437180792e-02, -3.1955951094e-01, 2.9369797489e-02, // layer 2, row 0
        -5.2557380922e-01, 2.4051301097e-01, -1.5253051522e-01, // layer 2, row 1
        -4.9915106853e-02, 2.3424309450e-02, -7.0136851420e-01, // layer 2, row 2
        -1.9036454554e-01, -4.0723757106e-01, -9.8975264738e-02, // layer 2, row 3
    ],
    // after step 3, online, images [3]
    [
        1.3050961142e-01, -4.6870370380e-01, 1.3747241687e-01, 2.7756401959e-01, // layer 1, row 0
        -2.5563038245e-01, 5.3428155560e-02, 3.9515163202e-01, -8.6675755429e-02, // layer 1, row 1
        5.2640052925e-01, 2.4377030770e-01, -4.8689841235e-01, 3.0199524457e-02, // layer 1, row 2
        -1.1245233375e-01, -4.2332813306e-01, 2.6738057993e-01, 4.1312087861e-01, // layer 1, row 3
        3.9251239210e-01, 1.1484460683e-01, -3.1105549667e-01, -4.5876069082e-01, // layer 1, row 4
        1.0245242023e-01, -2.5125120940e-01, 2.6153180431e-02, 2.7160461465e-01, // layer 1, row 5
        -6.3031809380e-02, -5.8361171623e-01, 1.8588942224e-01, // layer 2, row 0
        -7.9713797943e-01, 5.2136118405e-02, 2.3321599435e-02, // layer 2, row 1
        -1.2552470536e-01, -5.0620021010e-02, -4.4575058097e-01, // layer 2, row 2
        -3.0492396609e-01, -5.8229557698e-01, 1.1138314009e-02, // layer 2, row 3
    ],
    // after step 4, batch, images [0, 1, 2, 3]
    [
        1.1782016084e-01, -4.6355232330e-01, 1.4592983315e-01, 2.6756092442e-01, // layer 1, row 0
        -2.4492382267e-01, 6.0640028748e-02, 3.8721789481e-01, -7.9157349866e-02, // layer 1, row 1
        5.4893261519e-01, 2.5673635633e-01, -4.9935533574e-01, 3.9371746348e-02, // layer 1, row 2
        -1.1631136119e-01, -4.3865947948e-01, 2.7718544325e-01, 4.0870169998e-01, // layer 1, row 3
        4.0752260901e-01, 1.1936989085e-01, -3.1686891321e-01, -4.4208209791e-01, // layer 1, row 4
        1.0591990952e-01, -2.4023584330e-01, 2.4297309619e-02, 2.7826308250e-01, // layer 1, row 5
        -8.7457544071e-02, -6.4136110881e-01, 2.1569464751e-01, // layer 2, row 0
        -8.6103781748e-01, 2.6840815816e-02, 5.2950179376e-02, // layer 2, row 1
        -1.4108806676e-01, -6.0830686546e-02, -4.6755178702e-01, // layer 2, row 2
        -3.2945235107e-01, -6.0747402856e-01, 3.5843400104e-04, // layer 2, row 3
    ],
    // after step 5, batch, images [2, 0]
    [
        8.9859217552e-02, -4.3697479328e-01, 1.6008017469e-01, 2.4716799328e-01, // layer 1, row 0
        -2.2266674421e-01, 7.6495838844e-02, 3.7114860016e-01, -6.4829658762e-02, // layer 1, row 1
        5.6969262381e-01, 2.6787862203e-01, -5.1023562360e-01, 4.6529125432e-02, // layer 1, row 2
        -1.3160703334e-01, -4.2454359919e-01, 2.8724094249e-01, 3.9472133483e-01, // layer 1, row 3
        4.0982052201e-01, 1.2048459630e-01, -3.1798406078e-01, -4.4000350600e-01, // layer 1, row 4
        1.1322737939e-01, -2.1766385462e-01, 2.0507630796e-02, 2.9104475466e-01, // layer 1, row 5
        -1.4970413221e-01, -5.6956058683e-01, 2.3305452764e-01, // layer 2, row 0
        -1.0047972703e+00, 3.3292972993e-02, 8.4764448435e-02, // layer 2, row 1
        -2.1704462941e-01, -2.5046796421e-02, -4.6183256245e-01, // layer 2, row 2
        -4.4295256588e-01, -5.0281847622e-01, -2.9686446559e-03, // layer 2, row 3
    ],
];

#[rustfmt::skip]
const ADAM_LAZY: [[f64; 36]; 6] = [
    // after step 0, online, images [0]
    [
        2.5000000000e-01, -5.0000000000e-01, 1.2500000000e-01, 3.7500000000e-01, // layer 1, row 0
        -2.4915613293e-01, 6.0686485658e-02, 4.9536519336e-01, -1.2070353135e-01, // layer 1, row 1
        5.0044217174e-01, 2.4899930387e-01, -3.7802468370e-01, 2.7437744425e-03, // layer 1, row 2
        -6.2500000000e-02, -3.7500000000e-01, 2.5000000000e-01, 5.0000000000e-01, // layer 1, row 3
        3.7506106754e-01, 1.2485446571e-01, -2.5054454935e-01, -4.9952181461e-01, // layer 1, row 4
        1.2567412639e-01, -2.5148026489e-01, 5.8461103292e-02, 2.5371394704e-01, // layer 1, row 5
        4.9307464339e-01, -2.5677229931e-01, 3.8180349721e-01, // layer 2, row 0
        -3.8179621894e-01, 4.9336014781e-01, -1.1832829888e-01, // layer 2, row 1
        2.4287155107e-01, 1.1801890550e-01, -4.9298883508e-01, // layer 2, row 2
        -1.3183652114e-01, -3.8168116085e-01, 2.5671281208e-01, // layer 2, row 3
    ],
    // after step 1, online, images [1]
    [
        2.5069761136e-01, -5.0136103289e-01, 1.2629697021e-01, 3.7493895121e-01, // layer 1, row 0
        -2.4915613293e-01, 6.0686485658e-02, 4.9536519336e-01, -1.2070353135e-01, // layer 1, row 1
        5.0044217174e-01, 2.4899930387e-01, -3.7802468370e-01, 2.7437744425e-03, // layer 1, row 2
        -6.0813324797e-02, -3.7788789556e-01, 2.5278488138e-01, 4.9982959148e-01, // layer 1, row 3
        3.7557950636e-01, 1.2380280260e-01, -2.4997038702e-01, -4.9924071048e-01, // layer 1, row 4
        1.2567412639e-01, -2.5148026489e-01, 5.8461103292e-02, 2.5371394704e-01, // layer 1, row 5
        4.9282754706e-01, -2.6416555763e-01, 3.8140046167e-01, // layer 2, row 0
        -3.8301252016e-01, 4.8647202907e-01, -1.1768870569e-01, // layer 2, row 1
        2.4246280326e-01, 1.1049441968e-01, -4.9323906917e-01, // layer 2, row 2
        -1.3129236299e-01, -3.8922972940e-01, 2.5550688561e-01, // layer 2, row 3
    ],
    // after step 2, online, images [2]
    [
        2.4750873993e-01, -4.9902504073e-01, 1.2873934676e-01, 3.7285578947e-01, // layer 1, row 0
        -2.4946650661e-01, 6.0212992520e-02, 4.9284151102e-01, -1.1843821835e-01, // layer 1, row 1
        5.0044217174e-01, 2.4899930387e-01, -3.7802468370e-01, 2.7437744425e-03, // layer 1, row 2
        -6.2258829862e-02, -3.7814013340e-01, 2.5564729937e-01, 4.9840714061e-01, // layer 1, row 3
        3.7557950636e-01, 1.2380280260e-01, -2.4997038702e-01, -4.9924071048e-01, // layer 1, row 4
        1.2430166143e-01, -2.5090978898e-01, 5.6547933425e-02, 2.5525956692e-01, // layer 1, row 5
        4.8947448491e-01, -2.6561130444e-01, 3.7810747971e-01, // layer 2, row 0
        -3.8612253815e-01, 4.8394359054e-01, -1.1937903788e-01, // layer 2, row 1
        2.3902109403e-01, 1.0892762947e-01, -4.9642166988e-01, // layer 2, row 2
        -1.3448323969e-01, -3.9025315792e-01, 2.5142720833e-01, // layer 2, row 3
    ],
    // after step 3, online, images [3]
    [
        2.4750873993e-01, -4.9902504073e-01, 1.2873934676e-01, 3.7285578947e-01, // layer 1, row 0
        -2.4946650661e-01, 6.0212992520e-02, 4.9284151102e-01, -1.1843821835e-01, // layer 1, row 1
        5.0102723914e-01, 2.4780652824e-01, -3.8139139459e-01, 5.9387003986e-03, // layer 1, row 2
        -6.3393598406e-02, -3.7844462869e-01, 2.5748964610e-01, 4.9784716408e-01, // layer 1, row 3
        3.7636016618e-01, 1.2229417841e-01, -2.5221666471e-01, -4.9667675213e-01, // layer 1, row 4
        1.2430166143e-01, -2.5090978898e-01, 5.6547933425e-02, 2.5525956692e-01, // layer 1, row 5
        4.8427837251e-01, -2.6939618850e-01, 3.7846952156e-01, // layer 2, row 0
        -3.9114404692e-01, 4.7939609746e-01, -1.1783187137e-01, // layer 2, row 1
        2.3464413479e-01, 1.0608900623e-01, -4.9737058460e-01, // layer 2, row 2
        -1.3870573196e-01, -3.9270189595e-01, 2.4981694050e-01, // layer 2, row 3
    ],
    // after step 4, batch, images [0, 1, 2, 3]
    [
        2.4443265584e-01, -4.9676251592e-01, 1.3112749588e-01, 3.7083741173e-01, // layer 1, row 0
        -2.4971460300e-01, 5.9778995705e-02, 4.9035982574e-01, -1.1616575629e-01, // layer 1, row 1
        5.0169344914e-01, 2.4655462135e-01, -3.8495196554e-01, 9.3450345947e-03, // layer 1, row 2
        -6.4610042789e-02, -3.7881955291e-01, 2.5957375737e-01, 4.9722181653e-01, // layer 1, row 3
        3.7722309744e-01, 1.2068187364e-01, -2.5460542528e-01, -4.9393694283e-01, // layer 1, row 4
        1.2299895720e-01, -2.5032746122e-01, 5.4657104982e-02, 2.5683214754e-01, // layer 1, row 5
        4.7876000100e-01, -2.7354265541e-01, 3.7885079913e-01, // layer 2, row 0
        -3.9649462670e-01, 4.7447293523e-01, -1.1612892218e-01, // layer 2, row 1
        2.2992850534e-01, 1.0289877827e-01, -4.9840794909e-01, // layer 2, row 2
        -1.4325326058e-01, -3.9547068136e-01, 2.4804352006e-01, // layer 2, row 3
    ],
    // after step 5, batch, images [2, 0]
    [
        2.4062981936e-01, -4.9375522757e-01, 1.3377281949e-01, 3.6837118630e-01, // layer 1, row 0
        -2.4992121171e-01, 5.9296736094e-02, 4.8728385400e-01, -1.1327637376e-01, // layer 1, row 1
        5.0243298947e-01, 2.4530518722e-01, -3.8855872516e-01, 1.2812170332e-02, // layer 1, row 2
        -6.6560039973e-02, -3.7842947967e-01, 2.6166926176e-01, 4.9618996600e-01, // layer 1, row 3
        3.7798851092e-01, 1.1927062434e-01, -2.5674175120e-01, -4.9149982240e-01, // layer 1, row 4
        1.2143431485e-01, -2.4953574941e-01, 5.2280596752e-02, 2.5888895539e-01, // layer 1, row 5
        4.7252600532e-01, -2.7695530563e-01, 3.7912163991e-01, // layer 2, row 0
        -4.0249483630e-01, 4.6992948107e-01, -1.1425768045e-01, // layer 2, row 1
        2.2418486791e-01, 1.0029638630e-01, -4.9932990990e-01, // layer 2, row 2
        -1.4885085198e-01, -3.9741907624e-01, 2.4620735144e-01, // layer 2, row 3
    ],
];
