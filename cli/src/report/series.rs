//! The lines of the hidden-size plots: per hidden-layer layout, each
//! optimizer's best configuration against the first hidden layer's size,
//! and its ratio to SGD's.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use dlr::optim::OptimizerKind;

use super::{kind_index, ConfigStats, Panel, Series, SeriesStyle};

/// The layout of a net's hidden layers relative to the first, whose size
/// `H` is the x of the hidden-size plots: `H` for one hidden layer; for more,
/// each further layer as a multiple (`2H`), a fraction (`H/2`) or, if it is
/// neither, its own size (`H-100`). `None` for a net without hidden layers.
pub fn hidden_shape(hidden: &[usize]) -> Option<String> {
    let (&h, rest) = hidden.split_first()?;
    let mut shape = String::from("H");
    for &n in rest {
        shape.push('-');
        if n == h {
            shape.push('H');
        } else if h > 0 && n % h == 0 {
            let _ = write!(shape, "{}H", n / h);
        } else if n > 0 && h % n == 0 {
            let _ = write!(shape, "H/{}", h / n);
        } else {
            let _ = write!(shape, "{n}");
        }
    }
    Some(shape)
}

/// The lines of one hidden-layer layout ([`hidden_shape`]) against `H`.
#[derive(Clone, Debug)]
pub struct ShapeSeries {
    /// The layout: `H` for one hidden layer, e.g. `H-H/2` for two.
    pub shape: String,
    /// Per optimizer, its best configuration's value ± error at each `H`.
    pub values: Vec<Series>,
    /// The same as ratios to SGD's value at the same size and layout.
    pub ratios: Vec<Series>,
}

impl ShapeSeries {
    /// `title`, naming the layout unless it is the one-hidden-layer `H`.
    pub fn title(&self, title: &str) -> String {
        if self.shape == "H" {
            title.to_string()
        } else {
            format!("{title}, hidden {}", self.shape)
        }
    }

    /// The plot panel of this layout against `H`: its values, or with
    /// `ratios` their ratios to SGD's, under [`ShapeSeries::title`].
    pub fn panel(&self, title: &str, y_label: &str, ratios: bool) -> Panel {
        Panel {
            title: self.title(title),
            x_label: "hidden units H".into(),
            y_label: y_label.into(),
            series: if ratios { &self.ratios } else { &self.values }.clone(),
            ..Panel::default()
        }
    }
}

/// Per hidden-layer layout, per optimizer, the best configuration's mean ± sd
/// epochs against the first hidden size, and the ratio of means to SGD's.
pub fn best_series(best: &BTreeMap<(usize, Vec<usize>), ConfigStats>) -> Vec<ShapeSeries> {
    best_series_by(best, |s| (s.mean_epochs, s.sd_epochs))
}

/// As [`best_series`], with the value and error taken by `pick`.
pub fn best_series_by(
    best: &BTreeMap<(usize, Vec<usize>), ConfigStats>,
    pick: impl Fn(&ConfigStats) -> (f64, f64),
) -> Vec<ShapeSeries> {
    // layout -> optimizer index -> (H, value, error)
    type Points = Vec<(f64, f64, f64)>;
    let mut by_shape: BTreeMap<String, BTreeMap<usize, Points>> = BTreeMap::new();
    for ((k, hidden), s) in best {
        let (y, e) = pick(s);
        if let (Some(shape), true) = (hidden_shape(hidden), y.is_finite()) {
            by_shape
                .entry(shape)
                .or_default()
                .entry(*k)
                .or_default()
                .push((hidden[0] as f64, y, e));
        }
    }
    by_shape
        .into_iter()
        .map(|(shape, by_kind)| {
            let (values, ratios) = series_and_ratios(&by_kind);
            ShapeSeries {
                shape,
                values,
                ratios,
            }
        })
        .collect()
}

/// One layout's lines, and their ratios to SGD's at the same `H`.
fn series_and_ratios(
    by_kind: &BTreeMap<usize, Vec<(f64, f64, f64)>>,
) -> (Vec<Series>, Vec<Series>) {
    let sgd = by_kind.get(&kind_index(OptimizerKind::Sgd));
    let mut values = Vec::new();
    let mut ratios = Vec::new();
    for (k, pts) in by_kind {
        let name = OptimizerKind::ALL[*k].name().to_string();
        if let Some(sgd) = sgd {
            let r: Vec<(f64, f64, f64)> = pts
                .iter()
                .filter_map(|&(x, y, e)| {
                    let &(_, base, base_e) = sgd.iter().find(|p| p.0 == x)?;
                    let q = y / base;
                    // First-order error of a ratio of independent means
                    // (none for SGD against itself).
                    let err = if *k == kind_index(OptimizerKind::Sgd) {
                        0.0
                    } else {
                        q * ((e / y).powi(2) + (base_e / base).powi(2)).sqrt()
                    };
                    Some((x, q, if err.is_finite() { err } else { 0.0 }))
                })
                .collect();
            if !r.is_empty() {
                ratios.push(Series {
                    name: name.clone(),
                    color: *k,
                    points: r,
                    style: SeriesStyle::LineWithMarkers,
                });
            }
        }
        values.push(Series {
            name,
            color: *k,
            points: pts.clone(),
            style: SeriesStyle::LineWithMarkers,
        });
    }
    (values, ratios)
}

#[cfg(test)]
mod tests {
    use super::hidden_shape;

    #[test]
    fn hidden_shape_names_each_layer_against_the_first() {
        let shape = |h: &[usize]| hidden_shape(h);
        assert_eq!(shape(&[]), None);
        assert_eq!(shape(&[30]).as_deref(), Some("H"));
        assert_eq!(shape(&[30, 15]).as_deref(), Some("H-H/2"));
        assert_eq!(shape(&[30, 60]).as_deref(), Some("H-2H"));
        assert_eq!(shape(&[300, 100, 300]).as_deref(), Some("H-H/3-H"));
        assert_eq!(shape(&[30, 20]).as_deref(), Some("H-20"));
        // Sizes of one layout map to one name, whatever H.
        assert_eq!(shape(&[50, 25]), shape(&[200, 100]));
    }
}
