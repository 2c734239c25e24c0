//! What the timing examples share: their hidden-size argument, the MNIST
//! training set, and a network trained past its first steps. A directory
//! module, so that Cargo does not take it for an example of its own.

// Each example uses the part it needs.
#![allow(dead_code)]

use dlr::network::Workspace;
use dlr::{dataset::Dataset, network::Network, optim::Optimizer, optim::OptimizerKind};

/// The first argument as a hidden size (or row length), `default` when
/// absent; a one-line error and exit code 2 when it is not a positive
/// integer.
pub fn hidden_arg(program: &str, arg: Option<String>, default: usize) -> usize {
    match arg.map(|h| h.parse()) {
        None => default,
        Some(Ok(h)) if h > 0 => h,
        Some(_) => {
            eprintln!("{program}: the argument is a hidden size, a positive integer");
            std::process::exit(2);
        }
    }
}

/// MNIST from `--data`'s usual places (`DLR_DATA`, `data/mnist`); a
/// one-line error and exit code 2 when it is missing.
pub fn load_mnist(program: &str) -> dlr::mnist::Mnist {
    dlr::mnist::load(None).unwrap_or_else(|e| {
        eprintln!("{program}: {e} (set DLR_DATA to the MNIST directory)");
        std::process::exit(2);
    })
}

/// A `784-hidden-10` network (seed 1) with its optimizer and workspace,
/// after `warm_up` online steps on the first training images.
pub fn warmed_up(
    train: &Dataset,
    hidden: usize,
    kind: OptimizerKind,
    warm_up: usize,
) -> (Network, Optimizer, Workspace) {
    let mut net = Network::new(&[train.pixels(), hidden, 10], 1);
    let mut opt = Optimizer::tuned(net.layers(), kind);
    let mut ws = Workspace::new(&net);
    for i in 0..warm_up {
        net.train_step(&mut ws, &mut opt, train.image(i), train.label(i).into());
    }
    (net, opt, ws)
}
