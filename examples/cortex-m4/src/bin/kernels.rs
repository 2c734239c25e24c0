#![no_std]
#![no_main]
use cortex_m_rt::entry;
use dlr_cortex_m4::{board, host};
#[entry]
fn main() -> ! {
    board::init_heap();
    host::exit(0)
}
