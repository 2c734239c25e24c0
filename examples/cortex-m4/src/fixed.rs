//! Decimal numbers without `f64` (soft-float on this FPU) and without
//! `core`'s float formatting (several KB of flash each).

use core::fmt;

/// A decimal number as the integer `mantissa` times `10^exponent`, as the
/// options give it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decimal {
    /// The digits, without the point.
    pub mantissa: u64,
    /// The power of ten.
    pub exponent: i32,
}

impl Decimal {
    /// Parses `[+]digits[.digits][e[±]digits]`, at most 7 significant
    /// digits and a power of ten of at most 10 in magnitude: the range in
    /// which `to_f32` is one correct rounding (Clinger's fast path), so the
    /// value is the one `dlr train` parses.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.strip_prefix('+').unwrap_or(text);
        let (number, exponent) = match text.split_once(['e', 'E']) {
            Some((n, e)) => (n, parse_i32(e)?),
            None => (text, 0),
        };
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if whole.is_empty() && fraction.is_empty() {
            return None;
        }
        let mut mantissa: u64 = 0;
        for c in whole.bytes().chain(fraction.bytes()) {
            if !c.is_ascii_digit() {
                return None;
            }
            mantissa = mantissa.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
        }
        let exponent = exponent.checked_sub(i32::try_from(fraction.len()).ok()?)?;
        (mantissa < 1 << 24 && exponent.abs() <= 10).then_some(Self { mantissa, exponent })
    }

    /// The nearest `f32` (exact mantissa and power of ten, one rounding).
    pub fn to_f32(self) -> f32 {
        let power = 10u64.pow(self.exponent.unsigned_abs()) as f32;
        if self.exponent >= 0 {
            self.mantissa as f32 * power
        } else {
            self.mantissa as f32 / power
        }
    }

    /// The nearest `f64` (exact mantissa and power of ten, one rounding):
    /// the value `dlr train` parses from the same text.
    pub fn to_f64(self) -> f64 {
        let power = 10u64.pow(self.exponent.unsigned_abs()) as f64;
        if self.exponent >= 0 {
            self.mantissa as f64 * power
        } else {
            self.mantissa as f64 / power
        }
    }

    /// Whether `numerator / denominator ≥ self`, exactly.
    pub fn at_most_ratio(self, numerator: u64, denominator: u64) -> bool {
        // Both sides are below 2⁶⁴ for the options' range (mantissa < 2²⁴,
        // |exponent| ≤ 10) and counts up to 10⁸; saturation keeps the rest
        // ordered.
        let power = 10u64.pow(self.exponent.unsigned_abs());
        let (lhs, rhs) = if self.exponent >= 0 {
            (
                numerator,
                self.mantissa
                    .saturating_mul(power)
                    .saturating_mul(denominator),
            )
        } else {
            (
                numerator.saturating_mul(power),
                self.mantissa.saturating_mul(denominator),
            )
        };
        lhs >= rhs
    }

    /// Whether the value exceeds `limit`.
    pub fn exceeds(self, limit: u64) -> bool {
        !self.at_most_ratio(limit, 1)
    }
}

fn parse_i32(text: &str) -> Option<i32> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let value = digits
        .bytes()
        .fold(0i32, |v, c| v * 10 + i32::from(c - b'0'));
    Some(if negative { -value } else { value })
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.exponent >= 0 {
            let power = 10u64.pow(self.exponent.unsigned_abs());
            return write!(f, "{}", self.mantissa.saturating_mul(power));
        }
        let power = 10u64.pow(self.exponent.unsigned_abs());
        let width = self.exponent.unsigned_abs() as usize;
        write!(
            f,
            "{}.{:0width$}",
            self.mantissa / power,
            self.mantissa % power
        )
    }
}

/// `numerator / denominator` with `decimals` digits after the point,
/// rounded half up, in integers.
#[derive(Clone, Copy, Debug)]
pub struct Ratio {
    /// Above the line.
    pub numerator: u64,
    /// Below the line (0 prints as 0).
    pub denominator: u64,
    /// Digits after the point.
    pub decimals: u32,
}

impl Ratio {
    /// `numerator / denominator` to `decimals` places.
    pub fn new(numerator: u64, denominator: u64, decimals: u32) -> Self {
        Self {
            numerator,
            denominator,
            decimals,
        }
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Exact while numerator · 10^decimals < 2⁶³ (the firmware's counts
        // are far below).
        let scale = 10u64.pow(self.decimals);
        let scaled = match self.denominator {
            0 => 0,
            d => (self.numerator.saturating_mul(2 * scale).saturating_add(d)) / (2 * d),
        };
        let (whole, frac) = (scaled / scale, scaled % scale);
        if self.decimals == 0 {
            write!(f, "{whole}")
        } else {
            write!(f, "{whole}.{frac:0width$}", width = self.decimals as usize)
        }
    }
}

/// An `f32` with `decimals` digits after the point (up to 6), for
/// hyper-parameters; `f32` arithmetic is the FPU's.
#[derive(Clone, Copy, Debug)]
pub struct FixedF32(pub f32, pub u32);

impl fmt::Display for FixedF32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let FixedF32(value, decimals) = *self;
        if !value.is_finite() {
            return f.write_str(if value.is_nan() { "NaN" } else { "inf" });
        }
        let sign = if value < 0.0 { "-" } else { "" };
        let scale = 10u32.pow(decimals.min(6));
        // Whole and fractional parts apart, so that large values keep
        // their integer digits.
        let magnitude = value.abs();
        let whole = magnitude as u64;
        let frac = ((magnitude - whole as f32) * scale as f32 + 0.5) as u64;
        let (whole, frac) = if frac >= u64::from(scale) {
            (whole + 1, frac - u64::from(scale))
        } else {
            (whole, frac)
        };
        if decimals == 0 {
            write!(f, "{sign}{whole}")
        } else {
            write!(
                f,
                "{sign}{whole}.{frac:0width$}",
                width = decimals.min(6) as usize
            )
        }
    }
}
