//! Instructions executed, counted by SysTick under QEMU's `-icount`.
//!
//! QEMU is not cycle-accurate and mps2-an386 models no DWT cycle counter.
//! With `-icount shift=0` QEMU advances its virtual clock by exactly 1 ns
//! per guest instruction, and SysTick, clocked from the core clock that
//! QEMU's mps2 model runs at 25 MHz, then ticks once per
//! [`INSTRUCTIONS_PER_TICK`] instructions. The 24-bit counter wraps every
//! 2²⁴ ticks; the SysTick exception counts the wraps.

use core::sync::atomic::{AtomicU32, Ordering};

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::SYST;
use cortex_m_rt::exception;

/// Guest instructions per SysTick tick under `-icount shift=0` on
/// mps2-an386 (1 ns per instruction, 25 MHz core clock: 40 ns per tick).
pub const INSTRUCTIONS_PER_TICK: u64 = 40;

const RELOAD: u32 = 0x00FF_FFFF;

static WRAPS: AtomicU32 = AtomicU32::new(0);

#[exception]
fn SysTick() {
    WRAPS.fetch_add(1, Ordering::Relaxed);
}

/// Starts SysTick free-running from the core clock, with its wrap
/// interrupt.
pub fn start(mut syst: SYST) {
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(RELOAD);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
}

/// Ticks since [`start`].
pub fn ticks() -> u64 {
    loop {
        let before = WRAPS.load(Ordering::Relaxed);
        let current = SYST::get_current();
        let after = WRAPS.load(Ordering::Relaxed);
        // A wrap between the two loads: read again.
        if before == after {
            return u64::from(before) * (u64::from(RELOAD) + 1) + u64::from(RELOAD - current);
        }
    }
}

/// Instructions since [`start`] (valid under `-icount shift=0`).
pub fn instructions() -> u64 {
    ticks() * INSTRUCTIONS_PER_TICK
}
