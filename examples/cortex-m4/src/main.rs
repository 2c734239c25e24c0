//! Trains 784-H-10 online on MNIST on a Cortex-M4F in 128 KB of RAM, as
//! `dlr train` does on the desktop: the same initial weights and shuffled
//! order for the same seed, test accuracy every `--eval-every` samples,
//! stop at `--target` or after `--max-epochs`; then writes the model file
//! to the host and reports the memory and instructions it used.
//!
//! Exit status: 0 trained (target reached or not: the output says which),
//! 1 the run does not fit in memory (or a bug), 2 bad usage or bad input,
//! 3 training diverged.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec;

use core::fmt::Write as _;

use cortex_m_rt::entry;
use dlr::optim::Param;
use dlr::rng::Rng;
use dlr::train::{Next, Schedule, TrainConfig};

use dlr_cortex_m4::fixed::{FixedF32, Ratio};
use dlr_cortex_m4::host::{self, EXIT_DIVERGED, EXIT_FAILURE, EXIT_SUCCESS, EXIT_USAGE};
use dlr_cortex_m4::mnist::{DataError, Split};
use dlr_cortex_m4::options::{Options, OptionsError};
use dlr_cortex_m4::order::{shuffle_seed, ShuffledOrder, BLOCK};
use dlr_cortex_m4::training::{self, Need, Trainee};
use dlr_cortex_m4::{board, icount, outln};

/// Output units: MNIST's ten classes, as `dlr train` builds the network.
const CLASSES: usize = 10;
/// Labels read at once while evaluating.
const LABEL_CHUNK: usize = 100;

#[entry]
fn main() -> ! {
    board::init_heap();
    let peripherals = cortex_m::Peripherals::take();
    if let Some(p) = peripherals {
        icount::start(p.SYST);
    }
    let status = run();
    host::exit(status)
}

fn usage_error(args: core::fmt::Arguments<'_>) -> ! {
    host::fail(EXIT_USAGE, args)
}

fn data_error(e: DataError) -> ! {
    usage_error(format_args!("{}", e.0))
}

fn run() -> u32 {
    let mut cmdline = vec![0u8; 1024];
    let Some(line) = host::command_line(&mut cmdline) else {
        usage_error(format_args!(
            "no semihosting command line (run under QEMU with -semihosting-config)"
        ))
    };
    // The first word is the program's name.
    let options = match Options::parse(line.split(' ').skip(1)) {
        Ok(o) => o,
        Err(OptionsError::Help) => {
            outln!("{}", dlr_cortex_m4::options::USAGE);
            return EXIT_SUCCESS;
        }
        Err(e) => usage_error(format_args!("{e}")),
    };
    drop(cmdline);
    let params = match training::config(options.optimizer, options.lr, options.alpha) {
        Ok(c) => c,
        Err(e) => usage_error(format_args!("{e}")),
    };

    let mut train_set = Split::open(&options.data, "train").unwrap_or_else(|e| data_error(e));
    let mut test_set = Split::open(&options.data, "t10k").unwrap_or_else(|e| data_error(e));
    if train_set.pixels() != test_set.pixels() {
        usage_error(format_args!(
            "{}: training images have {} pixels, test images {}",
            options.data,
            train_set.pixels(),
            test_set.pixels()
        ));
    }
    let mut sizes = vec![train_set.pixels()];
    sizes.extend(&options.hidden);
    sizes.push(CLASSES);

    // The firmware's own buffers first, then the question, asked of the
    // library: does the network with its rule fit in what is left?
    let mut image = vec![0u8; train_set.pixels()];
    let mut labels = vec![0u8; LABEL_CHUNK];
    let need = Need::of(&params, &sizes);
    let (weights, optimizer, workspace) = (
        Need::bytes(need.weights),
        Need::bytes(need.optimizer),
        Need::bytes(need.workspace),
    );
    // The cached block of the shuffled order is allocated next.
    let free = board::HEAP
        .free()
        .saturating_sub(Need::bytes(dlr::memory::HeapNeed::array::<u32>(BLOCK)));
    let shape = dlr::network::join_sizes(&sizes, '-');
    if need.total() > free {
        host::fail(
            EXIT_FAILURE,
            format_args!(
                "{} at {shape} needs {} bytes of RAM (weights {weights} + optimizer state {optimizer} + workspace {workspace}); \
                 this device has {free} bytes of heap free of 128 KiB RAM: not training",
                options.optimizer,
                need.total(),
            ),
        );
    }
    outln!(
        "training {shape} with {} (lr {}, alpha {}), seed {}, up to {} epochs, target accuracy {}, test every {} samples",
        options.optimizer,
        FixedF32(params.get(Param::Lr).unwrap_or(0.0), 4),
        FixedF32(params.get(Param::Alpha).unwrap_or(0.0), 4),
        options.seed,
        options.max_epochs,
        options.target,
        options.eval_every
    );
    let mut order = match ShuffledOrder::create(&options.scratch, train_set.len(), BLOCK) {
        Ok(o) => o,
        Err(e) => usage_error(format_args!("{}: {e} (scratch file)", options.scratch)),
    };
    outln!(
        "heap: {} bytes planned (weights {weights} + optimizer state {optimizer} + workspace {workspace}), {free} free",
        need.total(),
    );

    // -- The trainer's loop (`dlr::train::Schedule`), the samples streamed. --
    let mut trainee = Trainee::new(&sizes, options.seed, &params);
    let n = train_set.len();
    let config = TrainConfig {
        seed: options.seed,
        max_epochs: options.max_epochs.to_f64(),
        eval_every: options.eval_every,
        target: options.target.to_f64(),
        ..TrainConfig::default()
    };
    let mut schedule = Schedule::new(&config, n);
    let mut rng = Rng::new(shuffle_seed(options.seed));
    let mut pos = n;
    let (mut step_instructions, mut eval_instructions, mut eval_images) = (0u64, 0u64, 0u64);
    let started = icount::instructions();
    while schedule.wants_step() {
        if pos >= n {
            if let Err(e) = order.shuffle(&mut rng) {
                usage_error(format_args!("{}: {e} (scratch file)", options.scratch));
            }
            pos = 0;
        }
        let i = match order.get(pos) {
            Ok(i) => i as usize,
            Err(e) => usage_error(format_args!("{}: {e} (scratch file)", options.scratch)),
        };
        let label = train_set
            .read(i, &mut image)
            .unwrap_or_else(|e| data_error(e));
        if usize::from(label) >= CLASSES {
            usage_error(format_args!(
                "training label {label} of image {i} is not a digit"
            ));
        }
        let before = icount::instructions();
        let loss = trainee.step(&image, usize::from(label));
        step_instructions += icount::instructions() - before;
        pos += 1;
        if schedule.stepped(1, loss) == Next::Evaluate {
            let before = icount::instructions();
            let mut correct = 0usize;
            test_set
                .for_each(&mut image, &mut labels, |img, label| {
                    correct += usize::from(trainee.predict(img) == usize::from(label));
                })
                .unwrap_or_else(|e| data_error(e));
            eval_instructions += icount::instructions() - before;
            eval_images += test_set.len() as u64;
            let samples = schedule.samples();
            outln!(
                "samples {samples} (epoch {}): test accuracy {} % ({correct}/{})",
                Ratio::new(samples, n as u64, 3),
                Ratio::new(100 * correct as u64, test_set.len() as u64, 2),
                test_set.len()
            );
            let accuracy = correct as f64 / test_set.len() as f64;
            schedule.evaluated(accuracy, trainee.network().is_finite());
        }
    }
    let run_instructions = icount::instructions() - started;
    drop(order);
    let _ = host::remove(&options.scratch);
    let report = schedule.report(n);
    let (samples, steps) = (report.samples, schedule.steps());

    match report.diverged_at {
        Some(step) => outln!("diverged at step {step}: the loss or the weights are not finite"),
        None => {
            let written = host::File::open(&options.save, host::Mode::Write)
                .and_then(|mut file| trainee.network().write_model(|bytes| file.write_all(bytes)));
            match written {
                Ok(bytes) => outln!("model written to {} ({bytes} bytes)", options.save),
                Err(e) => usage_error(format_args!("{}: {e} (model file)", options.save)),
            }
            outln!(
                "{} {} after {samples} samples ({} epochs)",
                if report.reached {
                    "reached"
                } else {
                    "did not reach"
                },
                options.target,
                Ratio::new(samples, n as u64, 3)
            );
        }
    }

    // -- Measurements. --
    let map = board::memory_map();
    let stack = board::stack_high_water();
    let peak = board::HEAP.peak();
    outln!(
        "RAM: statics {} B + heap peak {} B (of {} B) + stack high-water {} B (of {} B) = {} B of 131072 B",
        map.statics,
        peak,
        map.heap,
        stack,
        map.stack,
        map.statics + peak + stack
    );
    outln!("flash: {} B of 65536 B", map.flash);
    let per_step = step_instructions / steps.max(1);
    let per_image = eval_instructions / eval_images.max(1);
    outln!(
        "instructions (QEMU -icount): {per_step} per training step (mean of {steps}), {per_image} per test image, {run_instructions} in all",
    );
    // At 1 instruction per cycle (an assumption: the M4 takes more for
    // loads, divisions and branches).
    let mut json = host::Line::new(host::Stream::Stdout);
    let _ = write!(
        json,
        "{{\"optimizer\":\"{}\",\"hidden\":{},\"lr\":{},\"alpha\":{},\"seed\":{},\"reached\":{},\
         \"test_accuracy\":{},\"samples\":{samples},\"epochs\":{},\"diverged\":{},\
         \"history\":[",
        options.optimizer,
        JsonSizes(&options.hidden),
        FixedF32(params.get(Param::Lr).unwrap_or(0.0), 6),
        FixedF32(params.get(Param::Alpha).unwrap_or(0.0), 6),
        options.seed,
        report.reached,
        Accuracy(report.test_accuracy),
        Ratio::new(samples, n as u64, 4),
        report.diverged_at.is_some(),
    );
    for (k, &(s, a)) in report.history.iter().enumerate() {
        let sep = if k == 0 { "" } else { "," };
        let _ = write!(json, "{sep}[{s},{}]", Accuracy(a));
    }
    let _ = json.write_str("]}");
    json.finish();
    if report.diverged_at.is_some() {
        EXIT_DIVERGED
    } else {
        EXIT_SUCCESS
    }
}

/// An accuracy `correct / images` (at most 10⁷ images) to four decimals,
/// without `core`'s float formatting: the count is recovered exactly from
/// the `f64`.
struct Accuracy(f64);

impl core::fmt::Display for Accuracy {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Tenths of a basis point, rounded: exact for counts of 10⁷ images.
        let scaled = (self.0 * 1e7 + 0.5) as u64;
        write!(f, "{}", Ratio::new(scaled, 10_000_000, 4))
    }
}

/// Hidden sizes as JSON: a number for one layer, a list for several.
struct JsonSizes<'a>(&'a [usize]);

impl core::fmt::Display for JsonSizes<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            [one] => write!(f, "{one}"),
            many => {
                f.write_str("[")?;
                for (k, s) in many.iter().enumerate() {
                    if k > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{s}")?;
                }
                f.write_str("]")
            }
        }
    }
}
