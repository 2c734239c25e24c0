//! # dlr: the dynamic learning rate optimizer, with hand-written SIMD kernels
//!
//! DLR is gradient descent in which every synapse `w_ij` (post-synaptic
//! neuron `i`, pre-synaptic neuron `j`) gets its own learning rate, large for
//! strong weights and scaled down by the L2 norm of a neuron's weights:
//!
//! ```text
//! η_ij = η₀ (|w_ij| + α) / (‖w_·j‖ + α)      Eq. 1: norm of j's outgoing weights (default)
//! η_ij = η₀ (|w_ij| + α) / (‖w_i·‖ + α)      Eq. 3: norm of i's incoming weights
//! w_ij ← w_ij − η_ij ∂C/∂w_ij                (norms of the weights before the step)
//! ```
//!
//! It keeps no memory of past updates. This crate implements it and the
//! baselines it is measured against (SGD, Nesterov momentum, Adam) for
//! multi-layer logistic networks without biases trained on the mean squared
//! error, the setting of the paper (784-H-10 on MNIST).
//!
//! ## Layout of the weights
//! A layer with `n_in` inputs and `n_out` outputs stores `w` **pre-major**:
//! `w[j·n_out + i]`, row `j` holds the outgoing weights of input `j`. The
//! forward pass is then a sum of rows scaled by the inputs, the gradient of row
//! `j` is `a_j · δ`, and the Eq. 1 norm of neuron `j` is the norm of row `j`.
//! Zero inputs (most MNIST pixels) leave their row untouched, so SGD and DLR
//! skip those rows entirely.
//!
//! ## Where the maths lives
//! | formula | SIMD kernel | scalar twin |
//! |---|---|---|
//! | `z = Σ_j a_j w_j·` over the non-zero `a_j` (forward pass of a training step) | [`kernels::forward_rows`] | [`kernels::reference::forward_rows`] |
//! | the same over an image's lit pixels, `a_j = p_j / 255` (evaluation) | [`kernels::forward_lit`] | [`kernels::reference::forward_lit`] |
//! | the same over every row for four inputs at once (evaluation's output layer) | [`kernels::forward_group`] | [`kernels::reference::forward_group`] |
//! | `y += a x` (SGD's row update, in `sgd_row`) | [`kernels::axpy`] | [`kernels::reference::axpy`] |
//! | `σ(z) = 1/(1+e^{−z})` | [`kernels::sigmoid`] | [`kernels::reference::sigmoid`] |
//! | `d_k = (y_k − t_k) y_k (1 − y_k)` | [`kernels::output_delta`] | [`kernels::reference::output_delta`] |
//! | `e_i = h_i (1 − h_i) Σ_k w_ik d_k` | [`kernels::hidden_delta`] | [`kernels::reference::hidden_delta`] |
//! | SGD `w ← w − η a_j δ` | [`kernels::sgd_row`]; [`kernels::sgd_rows`] (a layer's rows with `a_j ≠ 0`) | [`kernels::reference::sgd_row`], [`kernels::reference::sgd_rows`] |
//! | Nesterov | [`kernels::nesterov_row`] | [`kernels::reference::nesterov_row`] |
//! | Adam | [`kernels::adam_row`] | [`kernels::reference::adam_row`] |
//! | lazy Adam (`SparseAdam`: a layer's rows with `a_j ≠ 0`) | [`kernels::adam_lazy_rows`] | [`kernels::reference::adam_lazy_rows`] |
//! | DLR Eq. 1, fused with the new row norm | [`kernels::dlr_row`], [`kernels::dlr_row_lanes`] (the norm as 8 lane sums, as the optimizer keeps it); [`kernels::dlr_rows_lanes`] (a layer's listed rows) | [`kernels::reference::dlr_row`], [`kernels::reference::dlr_row_lanes`], [`kernels::reference::dlr_rows_lanes`] |
//! | DLR Eq. 1 steps `η₀ a_j / (‖w_·j‖ + α)`, 8 rows at a time | [`kernels::dlr_steps`], [`kernels::dlr_steps_every_row`] | [`kernels::reference::dlr_steps`], [`kernels::reference::dlr_steps_every_row`] |
//! | DLR Eq. 3, fused with column-norm upkeep | [`kernels::dlr_post_row`] | [`kernels::reference::dlr_post_row`] |
//! | which rows an input touches, `{j : a_j ≠ 0}` | [`kernels::nonzero_indices`] | [`kernels::reference::nonzero_indices`] |
//!
//! Each public kernel reads the active SIMD path once per call. A training
//! step runs the same generic bodies (`kernels/dense.rs`,
//! `kernels/update.rs`) through one path read per layer instead: the
//! network's passes and each rule's `update_layer_dispatched` (on an
//! AVX-512 CPU, layers under 512 outputs on the AVX2 instantiation, the
//! same bits); docs/architecture.md lists the route from the command line
//! to them.
//!
//! ## SIMD paths
//! The kernels are written once over `simd::Vector` (crate-private) and compiled for
//! several instruction sets. On x86-64 the path is chosen **at run time**:
//! on first use the crate asks the CPU (cpuid, xgetbv; with or without
//! `std`) and runs AVX-512F + VL (16 lanes), AVX2 + FMA (8 lanes) or the SSE2
//! baseline, so a plain `cargo build`, `cargo install` or a dependent
//! crate runs on every x86-64 and uses the best path it has, without
//! `RUSTFLAGS`. Elsewhere [`wide`] picks the path at compile time (NEON on
//! aarch64, simd128 on wasm32 built with `+simd128`). The scalar twins are a
//! path too. [`simd::force_path`] forces one (an error, never a panic,
//! for a path this build or this CPU lacks); the library reads no
//! environment variable (the `dlr` program maps its `--simd` and
//! `DLR_SIMD` onto that call). [`simd::simd_path`] names the path that
//! runs. Each path is deterministic; AVX-512 and AVX2 give the same bits,
//! SSE2 and scalar differ from them by rounding (`tests/simd_paths.rs`).
//! The cargo features `avx2` and `avx512` (default) compile those paths.
//!
//! ## Training in a few lines
//! ```
//! use dlr::train::{train, TrainConfig};
//! use dlr::optim::{Dlr, DlrParams};
//! use dlr::{dataset::Dataset, network::Network};
//!
//! // Ten 2×5 images, image c lights pixel c and is labelled c.
//! let images = (0..100).map(|i| if i % 10 == i / 10 { 255 } else { 0 }).collect();
//! let data = Dataset::from_parts(images, (0..10).collect(), 2, 5)?;
//! let mut net = Network::new(&[10, 16, 10], 42);
//! let mut opt = Dlr::new(net.layers(), DlrParams::default())?;
//! let config = TrainConfig { target: 1.0, max_epochs: 100.0, eval_every: 10, ..Default::default() };
//! let mut opt = dlr::optim::Optimizer::Dlr(opt);
//! let report = train(&mut net, &mut opt, &data, &data, &config, |_| {});
//! assert!(report.reached);
//! let model_file: Vec<u8> = net.to_bytes();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Optimizers
//! Each rule is a type built from the layers it updates and its parameter
//! struct, whose `Default` is the tuned value: [`optim::Sgd`] and
//! [`optim::SgdParams`], [`optim::Nesterov`] and [`optim::NesterovParams`],
//! [`optim::Adam`] and [`optim::AdamParams`], [`optim::Dlr`] and
//! [`optim::DlrParams`] (Eq. 1 or Eq. 3). [`optim::Optimizer`] is any of them,
//! chosen at run time from [`optim::OptimizerParams`]; bad parameters are a
//! [`optim::ParamError`] naming the parameter, its value and its bound.
//! [`train::RunSpec`] describes a whole run, from the options to the
//! training, and [`train::Trainer`] runs it, with checkpoints
//! ([`checkpoint`]) that resume exactly.
//!
//! ## Features
//! `std` (default) adds files (the `mnist` module, checkpoint files), gzip, threads
//! (evaluating the test set) and clocks; nothing of a command line, which
//! is the `dlr-cli` crate's. `avx2` and `avx512` (default) compile the
//! x86-64 SIMD paths beside SSE2. Without `std` the
//! crate is `no_std` + `alloc` and depends only on `wide` (and its
//! `bytemuck`), `matrixmultiply`, `rand_core`, `rand_pcg` and `libm`: the
//! kernels, the network, every optimizer, the trainer, IDX parsing from
//! bytes ([`idx`], [`dataset::Dataset::from_idx`]) and the model file
//! ([`network::Network::to_bytes`], [`network::Network::from_bytes`]) all work.
//! `examples/embedded.rs` is a `no_std`, `no_main` program over libc that
//! trains, saves, reloads and evaluates a network (docs/embedding-linux.md).
#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

pub mod checkpoint;
pub mod crc32;
pub mod dataset;
pub mod gemm;
pub mod idx;
pub mod kernels;
mod layer;
mod le;
pub mod memory;
#[cfg(feature = "std")]
pub mod mnist;
pub mod model;
pub mod network;
pub mod optim;
pub mod rng;
mod run;
pub mod simd;
pub mod train;

/// The examples of README.md, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
