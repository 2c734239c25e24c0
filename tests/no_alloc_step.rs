//! A training step allocates nothing once its buffers exist: forward,
//! backward and every optimizer's update run on the workspace and the
//! optimizer's own scratch, for any image.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use dlr::network::Workspace;
use dlr::{network::Network, optim::Optimizer, optim::OptimizerKind};

struct CountingAlloc;

thread_local! {
    // Allocations made by this thread (tests run on parallel threads).
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards every call to `System` unchanged; it only adds a counter.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: the caller upholds `alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: as for `alloc`; `ptr` came from `System` with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

#[test]
fn training_steps_allocate_nothing_after_the_first() {
    let data = common::synthetic_dataset(64, 28, 28, 5);
    for kind in OptimizerKind::ALL {
        for sizes in [&[784, 100, 10][..], &[784, 30, 20, 10][..]] {
            let mut net = Network::new(sizes, 3);
            let mut opt = Optimizer::tuned(net.layers(), kind);
            let mut ws = Workspace::new(&net);
            // The first step may size scratch buffers.
            net.train_step(&mut ws, &mut opt, data.image(0), data.label(0) as usize);
            let before = ALLOCATIONS.with(Cell::get);
            // 2,100 steps: past DLR-post's exact resync every 1,000 steps.
            for k in 0..2100 {
                let i = k % data.len();
                net.train_step(&mut ws, &mut opt, data.image(i), data.label(i) as usize);
            }
            let allocations = ALLOCATIONS.with(Cell::get) - before;
            assert_eq!(
                allocations, 0,
                "{kind:?} {sizes:?}: {allocations} allocations in 2,100 steps"
            );
            assert!(net.is_finite(), "{kind:?} {sizes:?} diverged");
        }
    }
}
