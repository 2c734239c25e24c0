//! Helpers shared by the program's integration tests: the library's test
//! helpers (`tests/common/mod.rs` at the root) and the `dlr` program.
#![allow(dead_code)]

#[path = "../../../tests/common/mod.rs"]
mod library;
pub use library::*;

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The built `dlr` program, through `$DLR_TEST_RUNNER` when it is set (an
/// emulator and its arguments, such as `qemu-aarch64 -L /usr/aarch64-linux-gnu`
/// for tests of a cross-compiled build: the kernel may not know how to run
/// the binary itself, binfmt_misc being unmounted; tools/ci/cross.sh).
pub fn dlr_program() -> std::process::Command {
    let runner = std::env::var("DLR_TEST_RUNNER").unwrap_or_default();
    let mut words = runner.split_whitespace();
    match words.next() {
        Some(emulator) => {
            let mut c = std::process::Command::new(emulator);
            c.args(words).arg(env!("CARGO_BIN_EXE_dlr"));
            c
        }
        None => std::process::Command::new(env!("CARGO_BIN_EXE_dlr")),
    }
}

/// The `dlr` program, kept away from `$DLR_DATA` and the real mirrors.
pub fn dlr() -> std::process::Command {
    let mut c = dlr_program();
    c.env_remove("DLR_DATA");
    // Never reach the real mirrors from a test.
    c.env("DLR_MNIST_MIRRORS", "http://127.0.0.1:9/");
    c
}

/// `cmd`'s output, or a failed test when it has not ended within `secs`
/// (it is then killed): a command that blocks (a sweep reading a FIFO) or
/// trains when it should have refused at once must not hang the suite.
pub fn output_within(cmd: &mut Command, secs: u64) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let read_out = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stdout, &mut b);
        b
    });
    let read_err = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stderr, &mut b);
        b
    });
    let t0 = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if t0.elapsed() > Duration::from_secs(secs) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} did not end within {secs} s");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Output {
        status,
        stdout: read_out.join().unwrap(),
        stderr: read_err.join().unwrap(),
    }
}
