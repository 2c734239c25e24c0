//! The device side: the heap between the statics and the stack, peak-heap
//! tracking, the stack's high-water mark, the memory map from the linker's
//! symbols, and the panic handler.
//!
//! RAM (memory.x): `[statics | heap → … | ← stack]`, 128 KiB in all. The
//! stack reservation is painted with `0xCCCC_CCCC` at reset by cortex-m-rt
//! (`paint-stack`); the deepest word no longer painted is the high-water
//! mark.

use core::alloc::{GlobalAlloc, Layout};
use core::sync::atomic::{AtomicUsize, Ordering};

use embedded_alloc::LlffHeap;

use crate::host;

// cortex-m-rt's fallback for every exception without a handler.
extern "C" {
    fn DefaultHandler();
}

/// The device interrupt vectors after the 16 core exceptions: one, the
/// least cortex-m-rt's linker script accepts, as the firmware enables no
/// peripheral interrupt (device.x) and the default table of 240 entries
/// would take 960 bytes of flash.
#[link_section = ".vector_table.interrupts"]
#[no_mangle]
#[used]
static __INTERRUPTS: [unsafe extern "C" fn(); 1] = [DefaultHandler];

/// What cortex-m-rt paints the stack reservation with.
const STACK_PAINT: u32 = 0xCCCC_CCCC;

// Symbols of cortex-m-rt's link.x and our memory.x. Only their addresses
// mean anything.
extern "C" {
    static __sdata: u8;
    static __edata: u8;
    static __sidata: u8;
    static __sheap: u8;
    static _stack_end: u8;
    static _stack_start: u8;
}

/// Address of a linker symbol.
macro_rules! symbol_address {
    ($name:ident) => {
        // Only the address is taken (safe for an extern static); the
        // symbol is never read through.
        core::ptr::addr_of!($name) as usize
    };
}

/// The memory map as the linker laid it out.
#[derive(Clone, Copy, Debug)]
pub struct MemoryMap {
    /// `.data` + `.bss` (+ `.uninit`): bytes of statics in RAM.
    pub statics: usize,
    /// Bytes the heap was given: from the end of the statics to the stack.
    pub heap: usize,
    /// Bytes reserved for the stack.
    pub stack: usize,
    /// Bytes of code and read-only data in flash, including the vector
    /// table and `.data`'s initial values.
    pub flash: usize,
}

/// The memory map of this build.
pub fn memory_map() -> MemoryMap {
    let data_start = symbol_address!(__sdata);
    let heap_start = symbol_address!(__sheap);
    let stack_end = symbol_address!(_stack_end);
    let stack_start = symbol_address!(_stack_start);
    let data_len = symbol_address!(__edata) - data_start;
    // Flash runs from the vector table at 0 to the end of `.data`'s image.
    let flash = symbol_address!(__sidata) + data_len;
    MemoryMap {
        statics: heap_start - data_start,
        heap: stack_end - heap_start,
        stack: stack_start - stack_end,
        flash,
    }
}

/// The global allocator: embedded-alloc's linked-list heap, wrapped to keep
/// the peak of bytes in use and to turn an allocation that does not fit
/// into one line and a failed exit instead of a fault.
pub struct TrackedHeap {
    heap: LlffHeap,
    in_use: AtomicUsize,
    peak: AtomicUsize,
    size: AtomicUsize,
}

impl TrackedHeap {
    const fn empty() -> Self {
        Self {
            heap: LlffHeap::empty(),
            in_use: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            size: AtomicUsize::new(0),
        }
    }

    /// Bytes the heap was given.
    pub fn size(&self) -> usize {
        self.size.load(Ordering::Relaxed)
    }

    /// Bytes allocated now (as the caller asked, without the allocator's
    /// rounding).
    pub fn in_use(&self) -> usize {
        self.in_use.load(Ordering::Relaxed)
    }

    /// The most bytes allocated at once so far.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::Relaxed)
    }

    /// Bytes the allocator still has, by its own count (rounding and block
    /// headers included).
    pub fn free(&self) -> usize {
        self.heap.free()
    }
}

// SAFETY: every call is forwarded to embedded-alloc's heap, which upholds
// `GlobalAlloc`'s contract; the wrapper only counts bytes.
unsafe impl GlobalAlloc for TrackedHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let p = unsafe { self.heap.alloc(layout) };
        if p.is_null() {
            out_of_memory(layout.size(), self.heap.free());
        }
        let now = self.in_use.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        self.peak.fetch_max(now, Ordering::Relaxed);
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        self.in_use.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` with this layout (the caller's
        // contract), and is handed back unchanged.
        unsafe { self.heap.dealloc(ptr, layout) }
    }
}

/// Bytes the allocator may add to an allocation beyond the bytes asked:
/// embedded-alloc's linked-list heap rounds each block up to 8 bytes (up
/// to 7 more), and pads an allocation aligned beyond 8 by up to its
/// alignment less 8 (the library aligns nothing beyond 64 bytes).
pub const PER_ALLOCATION: usize = 7 + 56;

/// The allocator every `Vec` of the firmware and of `dlr` uses.
#[global_allocator]
pub static HEAP: TrackedHeap = TrackedHeap::empty();

/// Hands the RAM between the statics and the stack reservation to the heap.
/// Call once, first thing in `main`.
pub fn init_heap() {
    let start = symbol_address!(__sheap);
    let size = symbol_address!(_stack_end) - start;
    HEAP.size.store(size, Ordering::Relaxed);
    // SAFETY: `[__sheap, _stack_end)` is RAM that nothing else uses: the
    // linker places every static below `__sheap` and the stack above
    // `_stack_end` (memory.x). `main` calls this once, before allocating.
    unsafe { HEAP.heap.init(start, size) }
}

fn out_of_memory(asked: usize, free: usize) -> ! {
    host::fail(
        host::EXIT_FAILURE,
        format_args!(
            "out of memory: an allocation of {asked} bytes does not fit ({free} bytes of heap free)"
        ),
    )
}

/// Bytes of the stack reservation used so far: from its top down to the
/// deepest word that no longer holds the paint.
pub fn stack_high_water() -> usize {
    let bottom = symbol_address!(_stack_end);
    let top = symbol_address!(_stack_start);
    let mut addr = bottom;
    while addr < top {
        // SAFETY: `addr` is a word-aligned address inside the stack
        // reservation `[_stack_end, _stack_start)` (both 4-aligned, checked
        // by cortex-m-rt's linker script), which is RAM; a volatile read of
        // a word there is always valid.
        let word = unsafe { core::ptr::read_volatile(addr as *const u32) };
        if word != STACK_PAINT {
            break;
        }
        addr += 4;
    }
    top - addr
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    // One line and a failed exit; a panic is a bug, never an answer to
    // input (that is exit 2 with its own line).
    match info.location() {
        Some(at) => host::fail(
            host::EXIT_FAILURE,
            format_args!("panic at {}:{}: {}", at.file(), at.line(), info.message()),
        ),
        None => host::fail(
            host::EXIT_FAILURE,
            format_args!("panic: {}", info.message()),
        ),
    }
}
