#!/usr/bin/env python3
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

# --- sgd ---------------------------------------------------------------------
def sgd(params):
    return torch.optim.SGD(params, lr=f32(0.5), foreach=False).step

run("SGD", sgd)

# --- nesterov ----------------------------------------------------------------
def nesterov(params):
    # v <- mu v + g;  w <- w - lr (g + mu v)
    return torch.optim.SGD(params, lr=f32(0.25), momentum=f32(0.75),
                           nesterov=True, foreach=False).step

run("NESTEROV", nesterov)

# --- adam --------------------------------------------------------------------
def adam(params):
    return torch.optim.Adam(params, lr=f32(0.01), betas=(f32(0.9), f32(0.999)),
                            eps=f32(1e-3), foreach=False).step

run("ADAM", adam)

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
