//! `dlr eval`: the accuracy of a saved model on the test set.

use std::path::{Path, PathBuf};

use clap::Args;
use dlr_cli::jobs::jobs_or_cores;
use dlr_cli::{join_sizes, one_line};

use super::flags::{DataArgs, SimdArgs};
use super::Failure;

/// The options of `dlr eval`.
#[derive(Args, Debug)]
pub struct EvalArgs {
    /// The model file.
    #[arg(long)]
    model: PathBuf,
    #[command(flatten)]
    data: DataArgs,
    /// Print one JSON object instead of the sentence.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    simd: SimdArgs,
}

/// The largest model file `dlr eval` reads: the header and
/// [`dlr_cli::MAX_WEIGHTS`] weights of four bytes, with room to spare for
/// the layer sizes. A longer file is no model this program wrote.
const MAX_MODEL_BYTES: u64 = 4 * dlr_cli::MAX_WEIGHTS as u64 + 4096;

/// The bytes of the model file at `path`, which must be a regular file of
/// at most [`MAX_MODEL_BYTES`]: a FIFO or a device (`/dev/zero`) would
/// block or never end.
fn read_model_file(path: &Path) -> Result<Vec<u8>, Failure> {
    use std::io::Read;
    let fail = |what: String| {
        Failure::bad_input(format!("{}: cannot read the model: {what}", path.display()))
    };
    let meta = std::fs::metadata(path).map_err(|e| fail(one_line(&e)))?;
    if !meta.is_file() {
        return Err(fail("not a regular file".into()));
    }
    if meta.len() > MAX_MODEL_BYTES {
        return Err(fail(format!(
            "{} bytes, more than any model of at most {} weights",
            meta.len(),
            dlr_cli::MAX_WEIGHTS
        )));
    }
    let file = std::fs::File::open(path).map_err(|e| fail(one_line(&e)))?;
    let mut bytes = Vec::new();
    file.take(MAX_MODEL_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(one_line(&e)))?;
    Ok(bytes)
}

/// Runs `dlr eval`: reads a model file and reports its accuracy on the
/// test set.
pub fn run(args: &EvalArgs) -> Result<(), Failure> {
    args.simd.apply()?;
    let bytes = read_model_file(&args.model)?;
    let net = dlr::network::Network::from_bytes(&bytes)
        .map_err(|e| Failure::bad_input(format!("{}: {e}", args.model.display())))?;
    let mnist = args.data.load_nonempty()?;
    let test = &mnist.test;
    if net.n_inputs() != test.pixels() || net.n_outputs() < test.classes() {
        return Err(Failure::bad_input(format!(
            "{}: the model has {} inputs and {} outputs, the test set {} pixels and {} classes",
            args.model.display(),
            net.n_inputs(),
            net.n_outputs(),
            test.pixels(),
            test.classes()
        )));
    }
    let start = std::time::Instant::now();
    let correct = net.count_correct_threaded(test, jobs_or_cores(0));
    let seconds = start.elapsed().as_secs_f64();
    let accuracy = correct as f64 / test.len().max(1) as f64;
    if args.json {
        let line = serde_json::json!({
            "model": args.model.display().to_string(),
            "layers": net.sizes(),
            "test_images": test.len(),
            "correct": correct,
            "test_accuracy": accuracy,
            "eval_seconds": seconds,
            "simd": dlr::simd::simd_path(),
        });
        outln!("{line}");
    } else {
        outln!(
            "{}: {correct}/{} test images correct = {:.2} % (layers {})",
            args.model.display(),
            test.len(),
            100.0 * accuracy,
            join_sizes(&net.sizes(), ',')
        );
    }
    Ok(())
}
