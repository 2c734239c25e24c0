//! Helpers shared by the program's integration tests: the library's test
//! helpers (`tests/common/mod.rs` at the root) and the `dlr` program.
#![allow(dead_code)]

#[path = "../../../tests/common/mod.rs"]
mod library;
pub use library::*;

/// The `dlr` program, kept away from `$DLR_DATA` and the real mirrors.
pub fn dlr() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_dlr"));
    c.env_remove("DLR_DATA");
    // Never reach the real mirrors from a test.
    c.env("DLR_MNIST_MIRRORS", "http://127.0.0.1:9/");
    c
}
