//! Firmware for a Cortex-M4F with 128 KB of RAM (QEMU's mps2-an386) that
//! trains the paper's 784-H-10 network online with DLR on MNIST, streamed
//! from the host through semihosting; docs/embedding.md has the figures.
//!
//! Two binaries share this library: `dlr-cortex-m4` (src/main.rs) trains,
//! `kernels` (src/bin/kernels/) tests the library's SIMD kernels against
//! their scalar twins on this target.
//!
//! Where the library is used: `training.rs` (network, workspace, rules,
//! steps, and their heap needs), `main.rs` (the trainer's schedule,
//! `dlr::train::Schedule`, and the model writer, `Network::write_model`);
//! `order.rs` uses `dlr::rng::Rng`, `mnist.rs` `dlr::idx`.
#![no_std]

extern crate alloc;

pub mod board;
pub mod fixed;
pub mod host;
pub mod icount;
pub mod mnist;
pub mod options;
pub mod order;
pub mod training;
