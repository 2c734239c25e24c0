//! `dlr` embedded as a low-resource program would: no `std`, no Rust
//! runtime; the entry point, the heap and the output come from the C library
//! alone. It trains a 16-12-4 network with DLR on tiny IDX files compiled
//! into the binary (4×4 images of lines, made by `tests/embedded.rs`),
//! writes the model to bytes, reads it back and reports the accuracy of the
//! copy on the test images.
//!
//! ```sh
//! cargo build --profile min-size --example embedded --no-default-features
//! target/min-size/examples/embedded
//! ```
//!
//! The `min-size` profile (Cargo.toml) optimizes for size with LTO, one
//! codegen unit, `panic = "abort"` and stripped symbols. Exit status: 0 when
//! the copy classifies every test image, 1 otherwise, 2 on bad data.
//!
//! Only with `panic = "abort"` (as in `min-size`) and without the `std`
//! feature is the binary free of `std`. Otherwise `std` is linked, for the
//! library's `std` layers (a plain `cargo build --examples`, `cargo test`,
//! `cargo clippy --all-targets`) or for unwinding (`core` alone cannot
//! unwind, so a `no_std` binary in the `dev` or `release` profile does not
//! build), and provides the panic handler; the program is the same.
#![no_std]
#![no_main]

extern crate alloc;

use core::alloc::{GlobalAlloc, Layout};
use core::ffi::{c_char, c_int, c_void, CStr};

use alloc::vec::Vec;

use dlr::network::Workspace;
use dlr::optim::{Dlr, DlrParams};
use dlr::rng::Rng;
use dlr::{dataset::Dataset, network::Network};

// The tiny data set, regenerated and checked by `tests/embedded.rs`.
static TRAIN_IMAGES: &[u8] = include_bytes!("data/lines-train-images.idx");
static TRAIN_LABELS: &[u8] = include_bytes!("data/lines-train-labels.idx");
static TEST_IMAGES: &[u8] = include_bytes!("data/lines-test-images.idx");
static TEST_LABELS: &[u8] = include_bytes!("data/lines-test-labels.idx");

/// Training stops here if the test images are not all classified by then
/// (network seeds 1–10 need 25–34 epochs).
const MAX_EPOCHS: usize = 60;

// Everything this program takes from the system.
#[link(name = "c")]
extern "C" {
    fn malloc(size: usize) -> *mut c_void;
    fn calloc(n: usize, size: usize) -> *mut c_void;
    fn realloc(ptr: *mut c_void, size: usize) -> *mut c_void;
    fn free(ptr: *mut c_void);
    fn posix_memalign(out: *mut *mut c_void, align: usize, size: usize) -> c_int;
    fn printf(format: *const c_char, ...) -> c_int;
    fn write(fd: c_int, buf: *const c_void, count: usize) -> isize;
}

/// The heap: libc's `malloc` family. `malloc` aligns to 16 bytes on x86-64
/// glibc; larger alignments go through `posix_memalign`.
struct LibcAlloc;

const MALLOC_ALIGN: usize = 16;

// SAFETY: `alloc` returns memory from `malloc` (alignment ≤ 16) or
// `posix_memalign` (any power of two ≥ a pointer), of at least
// `layout.size()` bytes, or null; `dealloc` hands it back to `free`, which
// takes both.
unsafe impl GlobalAlloc for LibcAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= MALLOC_ALIGN {
            malloc(layout.size()).cast()
        } else {
            let mut p = core::ptr::null_mut();
            let align = layout.align().max(size_of::<usize>());
            if posix_memalign(&mut p, align, layout.size()) == 0 {
                p.cast()
            } else {
                core::ptr::null_mut()
            }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= MALLOC_ALIGN {
            calloc(1, layout.size()).cast()
        } else {
            let p = self.alloc(layout);
            if !p.is_null() {
                p.write_bytes(0, layout.size());
            }
            p
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        free(ptr.cast());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= MALLOC_ALIGN {
            return realloc(ptr.cast(), new_size).cast();
        }
        // `realloc` may lose the alignment: move by hand.
        let new = self.alloc(Layout::from_size_align_unchecked(new_size, layout.align()));
        if !new.is_null() {
            new.copy_from_nonoverlapping(ptr, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        new
    }
}

#[global_allocator]
static HEAP: LibcAlloc = LibcAlloc;

/// Writes `msg` to stderr, unbuffered.
fn eprint(msg: &CStr) {
    let bytes = msg.to_bytes();
    // SAFETY: the pointer and length describe `bytes`.
    unsafe { write(2, bytes.as_ptr().cast(), bytes.len()) };
}

// `core` alone cannot unwind: with `panic = "unwind"` (the `dev` and
// `release` profiles) a `no_std` binary does not build. There, and only
// there, link `std` for its panic runtime; nothing here calls it.
#[cfg(all(not(feature = "std"), panic = "unwind"))]
extern crate std;

#[cfg(all(not(feature = "std"), panic = "abort"))]
mod no_std_runtime {
    extern "C" {
        fn abort() -> !;
    }

    /// Panics abort: there is no unwinding (`panic = "abort"`), and the
    /// message is not formatted, which saves code.
    #[panic_handler]
    fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
        super::eprint(c"embedded: panic\n");
        // SAFETY: `abort` takes nothing and never returns.
        unsafe { abort() }
    }

    /// The precompiled `core` and `alloc` are built for unwinding and name
    /// this symbol, which `std` would otherwise provide. With
    /// `panic = "abort"` nothing calls it, and LTO drops the reference, but
    /// a build without LTO fails to link without it.
    #[no_mangle]
    extern "C" fn rust_eh_personality() {}
}

/// The program: parse, train, serialize, read back, evaluate.
#[no_mangle]
extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    let (Ok(train_set), Ok(test_set)) = (
        Dataset::from_idx(TRAIN_IMAGES, TRAIN_LABELS),
        Dataset::from_idx(TEST_IMAGES, TEST_LABELS),
    ) else {
        eprint(c"embedded: the built-in IDX data does not parse\n");
        return 2;
    };
    let (rows, cols) = train_set.shape();
    let sizes = [rows * cols, 12, 4];
    // SAFETY: the format is a literal whose conversions match the argument
    // types (usize as `%zu`, f64 as `%f`, a C string as `%s`).
    unsafe {
        printf(
            c"dlr embedded: %zu training and %zu test images of %zux%zu pixels, network %zu-%zu-%zu, optimizer %s\n"
                .as_ptr(),
            train_set.len(),
            test_set.len(),
            rows,
            cols,
            sizes[0],
            sizes[1],
            sizes[2],
            c"dlr".as_ptr(),
        );
    }

    // Online DLR steps over a fresh permutation each epoch, until the test
    // images are all classified or the budget is spent (the loop of
    // `dlr::train::train`, without its mini-batch path: this binary never
    // links the sgemm kernels).
    let mut net = Network::new(&sizes, 1);
    // DLR's own type rather than `Optimizer`: the binary then links no other
    // rule's code (about 5 KB).
    let Ok(mut opt) = Dlr::new(net.layers(), DlrParams::default()) else {
        return 2;
    };
    let mut ws = Workspace::new(&net);
    let mut rng = Rng::new(1);
    let mut order: Vec<u32> = (0..train_set.len() as u32).collect();
    let mut epochs = 0;
    let mut accuracy = 0.0;
    while epochs < MAX_EPOCHS && accuracy < 1.0 {
        rng.shuffle(&mut order);
        for &i in &order {
            let i = i as usize;
            net.train_step(
                &mut ws,
                &mut opt,
                train_set.image(i),
                train_set.label(i).into(),
            );
        }
        epochs += 1;
        accuracy = net.accuracy(&mut ws, &test_set);
    }
    // SAFETY: a literal format whose conversions match the arguments.
    unsafe {
        printf(
            c"trained %zu epochs (%zu samples): test accuracy %.1f %%\n".as_ptr(),
            epochs,
            epochs * train_set.len(),
            100.0 * accuracy,
        );
    }

    let bytes = net.to_bytes();
    let Ok(copy) = Network::from_bytes(&bytes) else {
        eprint(c"embedded: the model does not read back\n");
        return 1;
    };
    let correct = copy.count_correct(&mut ws, &test_set);
    let accuracy = correct as f64 / test_set.len() as f64;
    // SAFETY: a literal format whose conversions match the arguments.
    unsafe {
        printf(
            c"model file: %zu bytes, read back %s; its accuracy: %zu/%zu = %.1f %%\n".as_ptr(),
            bytes.len(),
            if copy == net {
                c"bit-exact"
            } else {
                c"CHANGED"
            }
            .as_ptr(),
            correct,
            test_set.len(),
            100.0 * accuracy,
        );
    }
    if copy == net && correct == test_set.len() {
        0
    } else {
        1
    }
}
