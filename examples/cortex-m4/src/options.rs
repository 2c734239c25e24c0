//! The firmware's options, from the semihosting command line, with the
//! names and meanings of `dlr train`'s.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use dlr::optim::OptimizerKind;

use crate::fixed::Decimal;

/// Test images evaluated between evaluations by default. Larger than
/// `dlr train`'s 1000: every evaluation runs the 10,000 test images on the
/// device, ten times the work of the 1000 training steps between them.
pub const DEFAULT_EVAL_EVERY: usize = 10_000;

/// What to run.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// `--optimizer`: dlr (Eq. 1, default), dlr-post, sgd, nesterov, adam, adam-lazy.
    pub optimizer: OptimizerKind,
    /// `--hidden`: hidden layer sizes, comma-separated (default 32).
    pub hidden: Vec<usize>,
    /// `--lr`: η (Adam's α, DLR's η₀); default the optimizer's tuned value.
    pub lr: Option<f32>,
    /// `--alpha`: DLR's α; default the tuned value.
    pub alpha: Option<f32>,
    /// `--seed`: initialisation and shuffling (default 1).
    pub seed: u64,
    /// `--max-epochs`: budget in epochs, fractions allowed (default 10).
    pub max_epochs: Decimal,
    /// `--eval-every`: training samples between test-set evaluations.
    pub eval_every: usize,
    /// `--target`: stop at this test accuracy (default 0.96).
    pub target: Decimal,
    /// `--data`: host directory with the four uncompressed MNIST files.
    pub data: String,
    /// `--save` (or `--model`): host path the trained model is written to.
    pub save: String,
    /// `--scratch`: host path of the scratch file that holds the shuffled
    /// order (deleted at the end).
    pub scratch: String,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            optimizer: OptimizerKind::Dlr,
            hidden: alloc::vec![32],
            lr: None,
            alpha: None,
            seed: 1,
            max_epochs: Decimal {
                mantissa: 10,
                exponent: 0,
            },
            eval_every: DEFAULT_EVAL_EVERY,
            target: Decimal {
                mantissa: 96,
                exponent: -2,
            },
            data: "data/mnist".to_string(),
            save: "cortex-m4.dlrmodel".to_string(),
            scratch: "cortex-m4-order.scratch".to_string(),
        }
    }
}

/// The usage text of `--help`.
pub const USAGE: &str =
    "usage: dlr-cortex-m4 [--optimizer dlr|dlr-post|sgd|nesterov|adam|adam-lazy] \
[--hidden N[,N..]] [--lr X] [--alpha X] [--seed N] [--max-epochs X] [--eval-every N] \
[--target X] [--data DIR] [--save PATH] [--scratch PATH]";

/// A command line that cannot run.
#[derive(Clone, Debug, PartialEq)]
pub enum OptionsError {
    /// `--help` was asked for (not an error, but no run either).
    Help,
    /// An option this firmware does not know.
    Unknown(String),
    /// An option without its value.
    MissingValue(String),
    /// A value that does not parse or is out of range.
    BadValue {
        /// The option.
        option: String,
        /// The value given.
        value: String,
        /// What it must be.
        expected: &'static str,
    },
}

impl fmt::Display for OptionsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OptionsError::Help => f.write_str(USAGE),
            OptionsError::Unknown(o) => write!(f, "unknown option {o} ({USAGE})"),
            OptionsError::MissingValue(o) => write!(f, "{o} needs a value"),
            OptionsError::BadValue {
                option,
                value,
                expected,
            } => write!(f, "{option} {value}: expected {expected}"),
        }
    }
}

/// What the decimal options accept.
const DECIMAL: &str = "a decimal number >= 0 with up to 7 digits (e.g. 0.25, 2e-3)";
/// What `--lr` and `--alpha` accept.
const DECIMAL_POSITIVE: &str = "a decimal number > 0 with up to 7 digits (e.g. 0.3, 2e-3)";

/// A value `T` parses from text.
trait Value: Sized {
    fn parse(text: &str) -> Option<Self>;
}

impl Value for Decimal {
    fn parse(text: &str) -> Option<Self> {
        Decimal::parse(text)
    }
}

impl Value for usize {
    fn parse(text: &str) -> Option<Self> {
        text.parse().ok()
    }
}

impl Value for u64 {
    fn parse(text: &str) -> Option<Self> {
        text.parse().ok()
    }
}

fn parse_value<T: Value>(
    option: &str,
    value: &str,
    expected: &'static str,
    valid: impl Fn(&T) -> bool,
) -> Result<T, OptionsError> {
    T::parse(value)
        .filter(|v| valid(v))
        .ok_or_else(|| OptionsError::BadValue {
            option: option.to_string(),
            value: value.to_string(),
            expected,
        })
}

impl Options {
    /// Parses the words after the program's name: `--name value` or
    /// `--name=value`.
    pub fn parse<'a>(words: impl Iterator<Item = &'a str>) -> Result<Self, OptionsError> {
        let mut o = Options::default();
        let mut words = words.filter(|w| !w.is_empty());
        while let Some(word) = words.next() {
            if word == "--help" || word == "-h" {
                return Err(OptionsError::Help);
            }
            let (name, inline) = match word.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (word, None),
            };
            let known = [
                "--optimizer",
                "--hidden",
                "--lr",
                "--alpha",
                "--seed",
                "--max-epochs",
                "--eval-every",
                "--target",
                "--data",
                "--save",
                "--model",
                "--scratch",
            ];
            if !known.contains(&name) {
                return Err(OptionsError::Unknown(word.to_string()));
            }
            let value = match inline {
                Some(v) => v,
                None => words
                    .next()
                    .ok_or_else(|| OptionsError::MissingValue(name.to_string()))?,
            };
            let positive = |x: &Decimal| x.mantissa > 0;
            match name {
                "--optimizer" => {
                    o.optimizer =
                        OptimizerKind::from_name(value).ok_or_else(|| OptionsError::BadValue {
                            option: name.to_string(),
                            value: value.to_string(),
                            expected: "dlr, dlr-post, sgd, nesterov, adam or adam-lazy",
                        })?
                }
                "--hidden" => {
                    o.hidden = value
                        .split(',')
                        .map(|h| {
                            parse_value(name, h, "sizes from 1 to 100000", |h: &usize| {
                                (1..=100_000).contains(h)
                            })
                        })
                        .collect::<Result<_, _>>()?
                }
                "--lr" => {
                    o.lr = Some(parse_value(name, value, DECIMAL_POSITIVE, positive)?.to_f32())
                }
                "--alpha" => {
                    o.alpha = Some(parse_value(name, value, DECIMAL_POSITIVE, positive)?.to_f32())
                }
                "--seed" => o.seed = parse_value(name, value, "an integer >= 0", |_| true)?,
                "--max-epochs" => {
                    o.max_epochs = parse_value(name, value, DECIMAL, |_: &Decimal| true)?;
                    if o.max_epochs.exceeds(1000) {
                        return Err(OptionsError::BadValue {
                            option: name.to_string(),
                            value: value.to_string(),
                            expected: "at most 1000 epochs",
                        });
                    }
                }
                "--eval-every" => {
                    o.eval_every = parse_value(name, value, "an integer >= 0", |_| true)?
                }
                "--target" => {
                    o.target = parse_value(name, value, DECIMAL, |_: &Decimal| true)?;
                    if o.target.exceeds(1) {
                        return Err(OptionsError::BadValue {
                            option: name.to_string(),
                            value: value.to_string(),
                            expected: "an accuracy from 0 to 1",
                        });
                    }
                }
                "--data" => o.data = value.to_string(),
                "--save" | "--model" => o.save = value.to_string(),
                "--scratch" => o.scratch = value.to_string(),
                _ => unreachable!("every known option is matched"),
            }
        }
        Ok(o)
    }
}
