#!/usr/bin/env python3
"""PyTorch reference for `dlr bench`: per-step cost of batch-1 online training.

What it measures
    The wall-clock time of one online training step -- zero_grad, forward,
    loss, backward and optimizer.step -- of the paper's network in PyTorch,
    on real MNIST training samples taken one at a time in a shuffled order.
    This is the same unit of work as a row of `dlr bench`:

    * network 784-H-10, logistic (sigmoid) hidden and output layers, no
      biases, float32, weights uniform in +-1/sqrt(fan_in);
    * inputs are the pixels scaled by 1/255, targets one-hot;
    * loss C = 0.5 * sum_k (y_k - t_k)^2 over the 10 outputs, batch of 1;
    * optimizers (torch.optim, default implementation choice):
        sgd        SGD(lr=0.4)
        nesterov   SGD(lr=0.1, momentum=0.8, nesterov=True)
        adam       Adam(lr=0.002, eps=1e-4)
        adam-lazy  SparseAdam(lr=0.002, eps=1e-4) on the first layer, taken
                   as an EmbeddingBag(784, H, mode="sum", sparse=True) over
                   the lit pixels weighted by their values (the same sums as
                   the dense layer, and a sparse gradient of the lit rows),
                   and Adam on the second layer, whose rows are all present
                   (SparseAdam takes sparse gradients only);
    * one intra-op and one inter-op thread (torch.set_num_threads(1));
    * denormals as torch leaves them (not flushed) unless --flush-denormal
      (torch.set_flush_denormal(True)); the JSON says which.

    Per hidden size, every optimizer is warmed up (--warmup-epochs epochs of
    training, as `dlr bench` does by default, then --warmup steps), the number
    of steps per round is set so a round takes about --round-seconds, and then
    --repeats rounds are timed per optimizer, taking turns and rotating which
    optimizer goes first (as `dlr bench` does), so that drift on a shared
    machine hits all of them alike. The reported figure is the median round's
    mean microseconds per step; the fastest and slowest rounds are reported too.

How to run
    DLR_DATA=/path/to/mnist python tools/torch_step.py [--hidden 30,100] [--json]

    DLR_DATA must name a directory holding train-images-idx3-ubyte and
    train-labels-idx1-ubyte (plain or .gz). With --json it prints one JSON
    object per (optimizer, hidden size):
        {"impl": "pytorch", "torch_version": ..., "optimizer": ...,
         "hidden": ..., "us_per_step": ..., "threads": 1, ...}
    otherwise a small table. tools/torch_vs_dlr.sh runs it next to
    `dlr bench --json`.
"""

import argparse
import gzip
import json
import os
import statistics
import struct
import sys
import time

import numpy as np
import torch

# Optimizers in the order `dlr bench` lists them, with the hyper-parameters of
# the comparison. Each entry builds a torch.optim optimizer over `params`.
OPTIMIZERS = {
    "sgd": lambda params: torch.optim.SGD(params, lr=0.4),
    "nesterov": lambda params: torch.optim.SGD(
        params, lr=0.1, momentum=0.8, nesterov=True
    ),
    "adam": lambda params: torch.optim.Adam(params, lr=0.002, eps=1e-4),
    # Built by LazyAdam below (two optimizers over the two layers).
    "adam-lazy": None,
}


class LazyAdam:
    """SparseAdam on the sparse first layer, Adam on the dense second one."""

    def __init__(self, net):
        first, second = net.first.parameters(), net.second.parameters()
        self.parts = [torch.optim.SparseAdam(first, lr=0.002, eps=1e-4),
                      torch.optim.Adam(second, lr=0.002, eps=1e-4)]

    def zero_grad(self):
        for o in self.parts:
            o.zero_grad()

    def step(self):
        for o in self.parts:
            o.step()


class SparseNet(torch.nn.Module):
    """784-H-10 logistic network whose first layer is an EmbeddingBag over
    the lit pixels: forward(pixels, values) = sigmoid(W2 sigmoid(sum_j
    values_j W1[pixels_j]))."""

    def __init__(self, dense):
        super().__init__()
        w1 = dense[0].weight.detach()  # (H, 784)
        self.first = torch.nn.EmbeddingBag(784, w1.shape[0], mode="sum", sparse=True)
        self.second = dense[2]
        with torch.no_grad():
            self.first.weight.copy_(w1.t())

    def forward(self, pixels, values):
        h = torch.sigmoid(self.first(pixels.unsqueeze(0), per_sample_weights=values.unsqueeze(0)))
        return torch.sigmoid(self.second(h))


def read_idx(directory, name, magic):
    """Reads one IDX file (`name` or `name.gz`) and returns it as a numpy array.

    Only unsigned-byte IDX files are needed here (MNIST images and labels);
    `magic` is the expected big-endian magic number (2051 images, 2049 labels).
    """
    for candidate, opener in ((name + ".gz", gzip.open), (name, open)):
        path = os.path.join(directory, candidate)
        if os.path.exists(path):
            with opener(path, "rb") as f:
                data = f.read()
            break
    else:
        sys.exit(f"torch_step.py: {name}[.gz] not found in {directory}")
    (got,) = struct.unpack(">I", data[:4])
    if got != magic:
        sys.exit(f"torch_step.py: {path}: magic {got}, expected {magic}")
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        sys.exit(f"torch_step.py: {path}: {body.size} bytes of data, header says {dims}")
    return body.reshape(dims)


def load_mnist_train(directory):
    """MNIST training set as (x, t): x float32 [N, 784] in [0, 1], t one-hot [N, 10]."""
    images = read_idx(directory, "train-images-idx3-ubyte", 2051)
    labels = read_idx(directory, "train-labels-idx1-ubyte", 2049)
    if images.shape[0] != labels.shape[0]:
        sys.exit("torch_step.py: image and label counts differ")
    x = torch.from_numpy(images.reshape(images.shape[0], -1).astype(np.float32) / 255.0)
    t = torch.nn.functional.one_hot(torch.from_numpy(labels.astype(np.int64)), 10)
    return x.contiguous(), t.to(torch.float32).contiguous()


def make_network(hidden, seed):
    """784-hidden-10 logistic network without biases, weights U(+-1/sqrt(fan_in))."""
    gen = torch.Generator().manual_seed(seed)
    layers = []
    for n_in, n_out in ((784, hidden), (hidden, 10)):
        linear = torch.nn.Linear(n_in, n_out, bias=False)
        with torch.no_grad():
            r = 1.0 / n_in**0.5
            linear.weight.uniform_(-r, r, generator=gen)
        layers += [linear, torch.nn.Sigmoid()]
    return torch.nn.Sequential(*layers)


class Stepper:
    """One optimizer's network, optimizer and position in the shuffled sample order."""

    def __init__(self, name, hidden, x, t, seed):
        self.name = name
        self.x, self.t = x, t
        self.net = make_network(hidden, seed)
        if name == "adam-lazy":
            self.net = SparseNet(self.net)
            self.opt = LazyAdam(self.net)
            # Each sample's lit pixels and their values, once.
            self.lit = [torch.nonzero(x[i]).flatten() for i in range(x.shape[0])]
        else:
            self.opt = OPTIMIZERS[name](self.net.parameters())
            self.lit = None
        self.order = torch.randperm(x.shape[0], generator=torch.Generator().manual_seed(seed)).tolist()
        self.pos = 0

    def steps(self, n):
        """Runs n consecutive online steps (batch 1) and returns the elapsed seconds."""
        net, opt, x, t, order = self.net, self.opt, self.x, self.t, self.order
        pos = self.pos
        start = time.perf_counter()
        lit = self.lit
        for _ in range(n):
            i = order[pos]
            pos = pos + 1 if pos + 1 < len(order) else 0
            opt.zero_grad()
            if lit is None:
                y = net(x[i : i + 1])  # a [1, 784] view: no copy
            else:
                y = net(lit[i], x[i][lit[i]])
            loss = 0.5 * (y - t[i : i + 1]).pow(2).sum()
            loss.backward()
            opt.step()
        elapsed = time.perf_counter() - start
        self.pos = pos
        return elapsed


def bench_hidden(hidden, names, x, t, args):
    """Times every optimizer at one hidden size; returns one result dict per optimizer."""
    steppers = [Stepper(name, hidden, x, t, args.seed) for name in names]
    steps_per_round = {}
    for s in steppers:
        s.steps(round(args.warmup_epochs * x.shape[0]))
        s.steps(args.warmup)
        # Calibrate: steps that fill about round_seconds at the warmed-up speed.
        probe = max(20, args.warmup // 4)
        per_step = s.steps(probe) / probe
        steps_per_round[s.name] = max(1, round(args.round_seconds / per_step))
    times = {s.name: [] for s in steppers}
    for r in range(args.repeats):
        # Take turns, rotating who goes first, so machine drift hits all alike.
        for k in range(len(steppers)):
            s = steppers[(r + k) % len(steppers)]
            n = steps_per_round[s.name]
            times[s.name].append(s.steps(n) / n * 1e6)
    return [
        {
            "impl": "pytorch",
            "torch_version": torch.__version__,
            "optimizer": s.name,
            "hidden": hidden,
            "us_per_step": statistics.median(times[s.name]),
            "us_min": min(times[s.name]),
            "us_max": max(times[s.name]),
            "steps_per_round": steps_per_round[s.name],
            "repeats": args.repeats,
            "threads": torch.get_num_threads(),
            "warmup_epochs": args.warmup_epochs,
            "flush_denormal": args.flush_denormal,
        }
        for s in steppers
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hidden", default="100", help="hidden sizes, comma-separated (default 100)")
    parser.add_argument("--optimizers", default=",".join(OPTIMIZERS), help="comma-separated subset of sgd,nesterov,adam,adam-lazy")
    parser.add_argument("--repeats", type=int, default=7, help="timed rounds per optimizer and size; the median is reported (default 7)")
    parser.add_argument("--round-seconds", type=float, default=0.3, help="target seconds per round (default 0.3)")
    parser.add_argument("--warmup", type=int, default=200, help="untimed steps before calibration (default 200)")
    parser.add_argument("--warmup-epochs", type=float, default=1.0, help="epochs of training before the timing, as dlr bench's default (default 1; 0 times the first steps)")
    parser.add_argument("--flush-denormal", action="store_true", help="torch.set_flush_denormal(True) (default: denormals as torch leaves them)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the weights and the sample order (default 1)")
    parser.add_argument("--json", action="store_true", help="print one JSON object per (optimizer, size)")
    args = parser.parse_args()

    hidden = [int(h) for h in args.hidden.split(",") if h]
    names = [n for n in args.optimizers.split(",") if n]
    unknown = [n for n in names if n not in OPTIMIZERS]
    if unknown or not hidden or any(h <= 0 for h in hidden):
        parser.error(f"bad --hidden or unknown optimizer(s): {unknown}")
    data_dir = os.environ.get("DLR_DATA")
    if not data_dir:
        sys.exit("torch_step.py: set DLR_DATA to the directory with the MNIST files")

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    if args.flush_denormal and not torch.set_flush_denormal(True):
        sys.exit("torch_step.py: this CPU cannot flush denormals")
    x, t = load_mnist_train(data_dir)

    if not args.json:
        print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread, batch 1, "
              f"median of {args.repeats} rounds of ~{args.round_seconds} s")
        print(f"{'optimizer':<10} {'hidden':>6} {'us/step':>9} {'min':>9} {'max':>9}")
    for h in hidden:
        for row in bench_hidden(h, names, x, t, args):
            if args.json:
                print(json.dumps(row), flush=True)
            else:
                print(f"{row['optimizer']:<10} {h:>6} {row['us_per_step']:>9.2f} "
                      f"{row['us_min']:>9.2f} {row['us_max']:>9.2f}", flush=True)


if __name__ == "__main__":
    main()
