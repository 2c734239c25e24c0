//! Every structure's `heap_need` states what its constructor leaves
//! allocated, byte for byte and allocation for allocation, so that a
//! program with a fixed heap can refuse a run before allocating it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use dlr::memory::HeapNeed;
use dlr::network::{Network, Workspace};
use dlr::optim::{
    Adam, AdamLazy, Dlr, DlrLayout, DlrNorm, DlrParams, Nesterov, Optimizer, OptimizerKind,
    OptimizerParams, Sgd,
};

struct CountingAlloc;

thread_local! {
    // Bytes and blocks this thread holds (tests run on parallel threads).
    static LIVE_BYTES: Cell<isize> = const { Cell::new(0) };
    static LIVE_BLOCKS: Cell<isize> = const { Cell::new(0) };
}

fn count(bytes: isize, blocks: isize) {
    let _ = LIVE_BYTES.try_with(|n| n.set(n.get() + bytes));
    let _ = LIVE_BLOCKS.try_with(|n| n.set(n.get() + blocks));
}

// SAFETY: forwards every call to `System` unchanged; it only adds counters.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize, 1);
        // SAFETY: the caller upholds `alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size as isize - layout.size() as isize, 0);
        // SAFETY: as for `alloc`; `ptr` came from `System` with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize), -1);
        // SAFETY: `ptr` came from `System.alloc` with this `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// What `make` leaves allocated (the value is kept alive while measuring).
fn held<T>(make: impl FnOnce() -> T) -> HeapNeed {
    let (bytes, blocks) = (LIVE_BYTES.with(Cell::get), LIVE_BLOCKS.with(Cell::get));
    let value = make();
    let need = HeapNeed {
        bytes: (LIVE_BYTES.with(Cell::get) - bytes) as usize,
        allocations: (LIVE_BLOCKS.with(Cell::get) - blocks) as usize,
    };
    drop(value);
    need
}

const SHAPES: [&[usize]; 4] = [&[784, 32, 10], &[5, 3], &[20, 7, 4, 3], &[3, 40, 2]];

#[test]
fn network_and_workspace_state_what_they_allocate() {
    for sizes in SHAPES {
        assert_eq!(
            held(|| Network::new(sizes, 1)),
            Network::heap_need(sizes),
            "{sizes:?}"
        );
        let net = Network::new(sizes, 1);
        assert_eq!(
            held(|| Workspace::new(&net)),
            Workspace::heap_need(sizes),
            "{sizes:?}"
        );
    }
}

#[test]
fn every_rule_states_what_it_allocates() {
    for sizes in SHAPES {
        let net = Network::new(sizes, 1);
        let layers = net.layers();
        let sgd = held(|| Sgd::new(layers, Default::default()).unwrap());
        assert_eq!(sgd, Sgd::heap_need(sizes));
        let nesterov = held(|| Nesterov::new(layers, Default::default()).unwrap());
        assert_eq!(nesterov, Nesterov::heap_need(sizes), "{sizes:?}");
        let adam = held(|| Adam::new(layers, Default::default()).unwrap());
        assert_eq!(adam, Adam::heap_need(sizes), "{sizes:?}");
        let lazy = held(|| AdamLazy::new(layers, Default::default()).unwrap());
        assert_eq!(lazy, AdamLazy::heap_need(sizes), "{sizes:?}");
        for params in [DlrParams::default(), DlrParams::post()] {
            for layout in [DlrLayout::Lanes, DlrLayout::RowSums] {
                let dlr = held(|| Dlr::with_layout(layers, params, layout).unwrap());
                let need = Dlr::heap_need(sizes, params.norm, layout);
                assert_eq!(dlr, need, "{sizes:?} {:?} {layout:?}", params.norm);
            }
        }
        for kind in OptimizerKind::ALL {
            let params = OptimizerParams::default_for(kind);
            let opt = held(|| Optimizer::new(layers, params).unwrap());
            assert_eq!(
                opt,
                Optimizer::heap_need(&params, sizes),
                "{sizes:?} {kind}"
            );
        }
    }
}

#[test]
fn row_sums_are_a_tenth_of_the_lanes_at_784_inputs() {
    // The reason for the layout: 4 bytes per row against 32 plus scratch.
    let sizes = [784, 32, 10];
    let lanes = Dlr::heap_need(&sizes, DlrNorm::Pre, DlrLayout::Lanes).bytes;
    let sums = Dlr::heap_need(&sizes, DlrNorm::Pre, DlrLayout::RowSums).bytes;
    assert!(sums * 10 < lanes, "{sums} B against {lanes} B");
}
