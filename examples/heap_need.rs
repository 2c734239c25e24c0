//! What each rule needs of the heap to train 784-H-10, from the library's
//! own size queries, as a Markdown table (docs/embedding.md):
//!
//! ```sh
//! cargo run --release --example heap_need -- 63 16 30 32 35 38 64 100
//! ```
//!
//! The first argument is the allocator's overhead per allocation (63 for
//! the Cortex-M4 firmware's embedded-alloc heap, `board::PER_ALLOCATION`),
//! the rest the hidden sizes.

use dlr::memory::HeapNeed;
use dlr::network::{Network, Workspace};
use dlr::optim::{Adam, AdamLazy, Dlr, DlrLayout, DlrNorm, Nesterov, Sgd};

/// A rule's `heap_need` for layer sizes.
type RuleNeed = fn(&[usize]) -> HeapNeed;

fn main() {
    let mut args = std::env::args().skip(1).map(|a| {
        a.parse::<usize>().unwrap_or_else(|_| {
            eprintln!("heap_need: {a}: not a byte count or a size");
            std::process::exit(2)
        })
    });
    let overhead = args.next().unwrap_or(0);
    let hidden: Vec<usize> = args.collect();
    let rules: [(&str, RuleNeed); 7] = [
        ("DLR Eq. 1, one sum per row", |s| {
            Dlr::heap_need(s, DlrNorm::Pre, DlrLayout::RowSums)
        }),
        ("DLR Eq. 1, lanes", |s| {
            Dlr::heap_need(s, DlrNorm::Pre, DlrLayout::Lanes)
        }),
        ("DLR Eq. 3", |s| {
            Dlr::heap_need(s, DlrNorm::Post, DlrLayout::RowSums)
        }),
        ("SGD", Sgd::heap_need),
        ("Nesterov", Nesterov::heap_need),
        ("Adam", Adam::heap_need),
        ("lazy Adam", AdamLazy::heap_need),
    ];
    // One row per H: the network and workspace, then each rule's total.
    print!("| H | network + workspace |");
    for (name, _) in &rules {
        print!(" {name} |");
    }
    println!();
    println!("|{}", " --- |".repeat(rules.len() + 2));
    for &h in &hidden {
        let sizes = [784, h, 10];
        let base = (Network::heap_need(&sizes) + Workspace::heap_need(&sizes)).total(overhead);
        print!("| {h} | {base} |");
        for (_, need) in &rules {
            print!(" {} |", base + need(&sizes).total(overhead));
        }
        println!();
    }
}
