//! The library reads no configuration from its caller's environment: a
//! program that depends on `dlr` (as this test binary does) runs on the
//! best path with any `DLR_SIMD` in its environment, an invalid one
//! included, and never panics on it. Only `simd::force_path` chooses a
//! path; the `dlr` program maps its own `DLR_SIMD` onto that call.
//!
//! One test in this binary: it sets the variable before the first kernel
//! call of the process, which no other test may make first.

use dlr::network::Network;
use dlr::network::Workspace;
use dlr::optim::{Dlr, DlrParams};
use dlr::simd::{active_path, best_path};

#[test]
fn a_bad_dlr_simd_in_the_environment_is_not_read() {
    // A name that is no path, as a user's shell might hold.
    std::env::set_var("DLR_SIMD", "bogus");
    let mut net = Network::new(&[16, 9, 3], 1);
    let mut opt = Dlr::new(net.layers(), DlrParams::default()).expect("default parameters");
    let mut ws = Workspace::new(&net);
    let image: Vec<u8> = (0..16).map(|k| (k * 17) as u8).collect();
    let first = net.train_step(&mut ws, &mut opt, &image, 2);
    let mut last = first;
    for _ in 0..20 {
        last = net.train_step(&mut ws, &mut opt, &image, 2);
    }
    assert!(last < first, "training ran: loss {first} → {last}");
    assert_eq!(
        active_path(),
        best_path(),
        "the kernels run on the best path, whatever DLR_SIMD says"
    );
}
