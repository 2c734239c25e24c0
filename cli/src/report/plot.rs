//! SVG plots of [`Series`] in [`Panel`]s, drawn with `plotters` (no font
//! library).

use std::path::Path;

use plotters::prelude::*;

use crate::sweep::SweepError;

/// One line with error bars: `(x, y, ±err)` points.
#[derive(Clone, Debug, Default)]
pub struct Series {
    /// Legend text.
    pub name: String,
    /// Palette index (the optimizer's index keeps colours stable).
    pub color: usize,
    /// `(x, y, error)`; error 0 draws no bar.
    pub points: Vec<(f64, f64, f64)>,
    /// How the points are drawn.
    pub style: SeriesStyle,
}

/// How a [`Series`] is drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SeriesStyle {
    /// A line with a dot at every point (measurements).
    #[default]
    LineWithMarkers,
    /// Dots only (many noisy measurements).
    Points,
    /// A plain line (a fitted curve).
    Line,
}

/// One chart.
#[derive(Clone, Debug, Default)]
pub struct Panel {
    /// Caption.
    pub title: String,
    /// X axis description.
    pub x_label: String,
    /// Y axis description.
    pub y_label: String,
    /// Logarithmic x axis.
    pub log_x: bool,
    /// Logarithmic y axis.
    pub log_y: bool,
    /// The lines.
    pub series: Vec<Series>,
    /// Category names for x = 0, 1, …: a dot-and-bar chart instead of lines.
    pub categories: Vec<String>,
}

/// A colour per optimizer index (and more for other series).
pub fn palette(i: usize) -> RGBColor {
    const COLORS: [RGBColor; 8] = [
        RGBColor(31, 119, 180),
        RGBColor(44, 160, 44),
        RGBColor(255, 127, 14),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(23, 190, 207),
    ];
    COLORS[i % COLORS.len()]
}

fn range_of(values: impl Iterator<Item = f64>, log: bool) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite() && (!log || *v > 0.0)) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return if log { (0.1, 10.0) } else { (0.0, 1.0) };
    }
    if log {
        (lo / 1.25, hi * 1.25)
    } else {
        let pad = ((hi - lo) * 0.08).max(1e-3 * hi.abs().max(1e-9));
        (lo - pad, hi + pad)
    }
}

/// Draws `panels` side by side into one SVG file at `path`.
pub fn plot_lines(path: &Path, size: (u32, u32), panels: &[Panel]) -> Result<(), SweepError> {
    plot_rows(path, size, panels.len().max(1), panels)
}

/// Draws `panels` into one SVG file at `path`, `per_row` to a row, row by
/// row.
pub fn plot_rows(
    path: &Path,
    size: (u32, u32),
    per_row: usize,
    panels: &[Panel],
) -> Result<(), SweepError> {
    let fail =
        |e: &dyn std::fmt::Display| SweepError(format!("{}: cannot draw: {e}", path.display()));
    let root = SVGBackend::new(path, size).into_drawing_area();
    root.fill(&WHITE).map_err(|e| fail(&e))?;
    let per_row = per_row.max(1);
    let rows = panels.len().div_ceil(per_row).max(1);
    let areas = root.split_evenly((rows, per_row));
    for (panel, area) in panels.iter().zip(areas.iter()) {
        draw_panel(panel, area).map_err(|e| fail(&e))?;
    }
    root.present().map_err(|e| fail(&e))?;
    Ok(())
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;
type DrawResult = Result<(), DrawingAreaErrorKind<std::io::Error>>;

fn draw_panel(p: &Panel, area: &Area<'_>) -> DrawResult {
    let xs = p.series.iter().flat_map(|s| s.points.iter().map(|q| q.0));
    let ys = p
        .series
        .iter()
        .flat_map(|s| s.points.iter().flat_map(|q| [q.1 - q.2, q.1 + q.2, q.1]));
    let (x0, x1) = if p.categories.is_empty() {
        range_of(xs, p.log_x)
    } else {
        (-0.5, p.categories.len() as f64 - 0.5)
    };
    let (y0, y1) = range_of(ys, p.log_y);
    let mut builder = ChartBuilder::on(area);
    builder
        .caption(&p.title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(60);
    macro_rules! finish {
        ($chart:expr) => {{
            let mut chart = $chart;
            let cats = p.categories.clone();
            let mut mesh = chart.configure_mesh();
            mesh.x_desc(p.x_label.as_str())
                .y_desc(p.y_label.as_str())
                .label_style(("sans-serif", 14))
                .axis_desc_style(("sans-serif", 16));
            let fmt = move |x: &f64| -> String {
                if cats.is_empty() {
                    let v = *x;
                    if v.abs() >= 100.0 || (v.fract() == 0.0 && v.abs() >= 1.0) {
                        format!("{v:.0}")
                    } else {
                        format!("{v:.3}")
                            .trim_end_matches('0')
                            .trim_end_matches('.')
                            .to_string()
                    }
                } else {
                    let r = x.round();
                    if (x - r).abs() < 1e-6 && r >= 0.0 && (r as usize) < cats.len() {
                        cats[r as usize].clone()
                    } else {
                        String::new()
                    }
                }
            };
            if !p.categories.is_empty() {
                mesh.x_labels(p.categories.len() * 2 + 1);
            } else if p.log_x {
                mesh.x_labels(15);
            }
            mesh.x_label_formatter(&fmt).draw()?;
            for s in &p.series {
                let color = palette(s.color);
                let style = color.stroke_width(2);
                let pts: Vec<(f64, f64)> = s.points.iter().map(|q| (q.0, q.1)).collect();
                let dots = s.style == SeriesStyle::Points || !p.categories.is_empty();
                if dots {
                    let r = if p.categories.is_empty() { 2 } else { 5 };
                    chart
                        .draw_series(pts.iter().map(|&q| Circle::new(q, r, color.filled())))?
                        .label(s.name.as_str())
                        .legend(move |(x, y)| Circle::new((x + 10, y), 4, color.filled()));
                } else {
                    chart
                        .draw_series(LineSeries::new(pts.clone(), style))?
                        .label(s.name.as_str())
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3))
                        });
                }
                if s.style == SeriesStyle::LineWithMarkers && p.categories.is_empty() {
                    chart.draw_series(pts.iter().map(|&q| Circle::new(q, 3, color.filled())))?;
                }
                // Error bars: a vertical line with caps.
                for &(x, y, e) in &s.points {
                    if e > 0.0 && e.is_finite() {
                        let (lo, hi) = (y - e, y + e);
                        let lo = if p.log_y { lo.max(y0) } else { lo };
                        let cap = if p.categories.is_empty() {
                            if p.log_x {
                                x * 0.015
                            } else {
                                (x1 - x0) * 0.006
                            }
                        } else {
                            0.08
                        };
                        chart.draw_series(std::iter::once(PathElement::new(
                            vec![(x, lo), (x, hi)],
                            color.stroke_width(1),
                        )))?;
                        for yy in [lo, hi] {
                            chart.draw_series(std::iter::once(PathElement::new(
                                vec![(x - cap, yy), (x + cap, yy)],
                                color.stroke_width(1),
                            )))?;
                        }
                    }
                }
            }
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .label_font(("sans-serif", 14))
                .draw()?;
            Ok(())
        }};
    }
    match (p.log_x, p.log_y) {
        (false, false) => finish!(builder.build_cartesian_2d(x0..x1, y0..y1)?),
        (true, false) => finish!(builder.build_cartesian_2d((x0..x1).log_scale(), y0..y1)?),
        (false, true) => finish!(builder.build_cartesian_2d(x0..x1, (y0..y1).log_scale())?),
        (true, true) => {
            finish!(builder.build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())?)
        }
    }
}
