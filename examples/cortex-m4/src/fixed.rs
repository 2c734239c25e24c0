//! Decimal output of non-negative measurements without `core`'s float
//! formatting (which would cost several KB of flash).

use core::fmt;

/// `value` with `decimals` digits after the point, rounded half up.
#[derive(Clone, Copy, Debug)]
pub struct Fixed(pub f64, pub u32);

impl fmt::Display for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Fixed(value, decimals) = *self;
        if !value.is_finite() {
            return f.write_str(if value.is_nan() { "NaN" } else { "inf" });
        }
        let sign = if value < 0.0 { "-" } else { "" };
        let scale = 10u64.pow(decimals);
        let scaled = libm::round(libm::fabs(value) * scale as f64) as u64;
        let (whole, frac) = (scaled / scale, scaled % scale);
        if decimals == 0 {
            write!(f, "{sign}{whole}")
        } else {
            write!(f, "{sign}{whole}.{frac:0width$}", width = decimals as usize)
        }
    }
}
