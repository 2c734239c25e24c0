//! The fit of Fig. 3: `a exp(b t^(1/3) + c t) + d` by Levenberg–Marquardt.

/// A fit of `a exp(b t^(1/3) + c t) + d`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DecayFit {
    /// Amplitude.
    pub a: f64,
    /// Coefficient of `t^(1/3)`.
    pub b: f64,
    /// Coefficient of `t`.
    pub c: f64,
    /// Offset.
    pub d: f64,
    /// Root mean square residual.
    pub rmse: f64,
    /// Coefficient of determination.
    pub r2: f64,
    /// Points fitted.
    pub n: usize,
}

impl DecayFit {
    /// The fitted value at `t`.
    pub fn eval(&self, t: f64) -> f64 {
        model(&[self.a, self.b, self.c, self.d], t)
    }
}

fn model(p: &[f64; 4], t: f64) -> f64 {
    p[0] * (p[1] * t.max(0.0).cbrt() + p[2] * t).exp() + p[3]
}

fn sse(p: &[f64; 4], pts: &[(f64, f64)]) -> f64 {
    let s: f64 = pts.iter().map(|&(t, y)| (model(p, t) - y).powi(2)).sum();
    if s.is_finite() {
        s
    } else {
        f64::INFINITY
    }
}

/// Solves the 4×4 system `a x = b` by Gaussian elimination with partial
/// pivoting; `None` when singular.
fn solve4(mut a: [[f64; 4]; 4], mut b: [f64; 4]) -> Option<[f64; 4]> {
    for col in 0..4 {
        let piv = (col..4).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[piv][col].abs() < 1e-300 {
            return None;
        }
        a.swap(col, piv);
        b.swap(col, piv);
        let pivot_row = a[col];
        for row in col + 1..4 {
            let f = a[row][col] / pivot_row[col];
            for (x, &p) in a[row][col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= f * p;
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = [0.0; 4];
    for row in (0..4).rev() {
        let s: f64 = (row + 1..4).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// Levenberg–Marquardt from `p`: returns the local minimum of the SSE.
fn levenberg_marquardt(mut p: [f64; 4], pts: &[(f64, f64)]) -> [f64; 4] {
    let mut lambda = 1e-3;
    let mut cost = sse(&p, pts);
    for _ in 0..500 {
        let mut jtj = [[0.0; 4]; 4];
        let mut jtr = [0.0; 4];
        for &(t, y) in pts {
            let ct = t.max(0.0).cbrt();
            let e = (p[1] * ct + p[2] * t).exp();
            let r = p[0] * e + p[3] - y;
            let j = [e, p[0] * e * ct, p[0] * e * t, 1.0];
            for u in 0..4 {
                jtr[u] += j[u] * r;
                for v in 0..4 {
                    jtj[u][v] += j[u] * j[v];
                }
            }
        }
        let mut improved = false;
        for _ in 0..12 {
            let mut a = jtj;
            for (u, row) in a.iter_mut().enumerate() {
                row[u] += lambda * (jtj[u][u] + 1e-12);
            }
            let Some(step) = solve4(a, [-jtr[0], -jtr[1], -jtr[2], -jtr[3]]) else {
                lambda *= 10.0;
                continue;
            };
            let q = [
                p[0] + step[0],
                p[1] + step[1],
                p[2] + step[2],
                p[3] + step[3],
            ];
            let c = sse(&q, pts);
            if c < cost {
                let gain = (cost - c) / cost.max(1e-300);
                p = q;
                cost = c;
                lambda = (lambda / 10.0).max(1e-12);
                improved = gain > 1e-12;
                break;
            }
            lambda *= 10.0;
        }
        if !improved {
            break;
        }
    }
    p
}

/// Fits `a exp(b t^(1/3) + c t) + d` to `(t, y)` points: for a grid of
/// `(b, c)` the linear `(a, d)` by least squares, then Levenberg–Marquardt
/// from the best few. `None` with fewer than 5 points.
pub fn fit_decay(pts: &[(f64, f64)]) -> Option<DecayFit> {
    if pts.len() < 5 {
        return None;
    }
    let mut starts: Vec<(f64, [f64; 4])> = Vec::new();
    for &b in &[-0.3, -0.6, -1.0, -1.5, -2.5, -4.0, -6.0, 0.5, 1.0] {
        for &c in &[0.0, -0.1, -0.3, -1.0, 0.1] {
            // Linear least squares of y on e = exp(b t^(1/3) + c t).
            let (mut se, mut see, mut sy, mut sey) = (0.0, 0.0, 0.0, 0.0);
            let n = pts.len() as f64;
            for &(t, y) in pts {
                let e = (b * t.max(0.0).cbrt() + c * t).exp();
                se += e;
                see += e * e;
                sy += y;
                sey += e * y;
            }
            let det = n * see - se * se;
            if det.abs() < 1e-12 || !det.is_finite() {
                continue;
            }
            let a = (n * sey - se * sy) / det;
            let d = (sy - a * se) / n;
            let p = [a, b, c, d];
            starts.push((sse(&p, pts), p));
        }
    }
    starts.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut best: Option<([f64; 4], f64)> = None;
    for (_, p) in starts.iter().take(6) {
        let q = levenberg_marquardt(*p, pts);
        let c = sse(&q, pts);
        if best.is_none_or(|(_, bc)| c < bc) {
            best = Some((q, c));
        }
    }
    let (p, cost) = best?;
    let n = pts.len() as f64;
    let mean = pts.iter().map(|q| q.1).sum::<f64>() / n;
    let sst: f64 = pts.iter().map(|q| (q.1 - mean).powi(2)).sum();
    Some(DecayFit {
        a: p[0],
        b: p[1],
        c: p[2],
        d: p[3],
        rmse: (cost / n).sqrt(),
        r2: if sst > 0.0 { 1.0 - cost / sst } else { 1.0 },
        n: pts.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_recovers_known_curve() {
        let truth = [1.2, -1.5, -0.2, 0.3];
        let pts: Vec<(f64, f64)> = (0..100)
            .map(|k| {
                let t = k as f64 * 0.03;
                (t, model(&truth, t))
            })
            .collect();
        // Test code: 100 exact points of the model always fit; a panic here
        // is the test failing.
        let f = fit_decay(&pts).expect("fit");
        assert!(f.r2 > 0.999_999, "{f:?}");
        for &(t, y) in &pts {
            assert!((f.eval(t) - y).abs() < 1e-4, "{f:?} at {t}");
        }
    }

    #[test]
    fn fit_needs_points() {
        assert!(fit_decay(&[(0.0, 1.0), (1.0, 0.5)]).is_none());
    }
}
