//! Limited-memory BFGS (Nocedal & Wright, algorithm 7.4/7.5) with a backtracking Armijo
//! line search: the optimiser of the logistic regression.
//!
//! The L2-regularised logistic loss is smooth and strictly convex, which is the case
//! L-BFGS is made for: it converges in tens to hundreds of iterations where gradient descent
//! or SGD need thousands of passes, and it needs no learning rate. scikit-learn's default
//! `lbfgs` solver minimises the same objective, so results are comparable.

/// Settings of one minimisation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LbfgsParams {
    /// Number of correction pairs kept.
    pub(crate) memory: usize,
    pub(crate) max_iter: usize,
    /// Converged when the largest gradient component is below this.
    pub(crate) gtol: f64,
}

/// The outcome of a minimisation.
#[derive(Debug, Clone)]
pub(crate) struct LbfgsResult {
    pub(crate) x: Vec<f64>,
    pub(crate) value: f64,
    pub(crate) iterations: usize,
    pub(crate) converged: bool,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn max_abs(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |m, x| m.max(x.abs()))
}

/// Minimises `f`, which returns the value at `x` and writes the gradient into its second
/// argument, starting from `x`.
pub(crate) fn minimize<F>(mut f: F, mut x: Vec<f64>, p: LbfgsParams) -> LbfgsResult
where
    F: FnMut(&[f64], &mut [f64]) -> f64,
{
    let n = x.len();
    let mut g = vec![0.0; n];
    let mut value = f(&x, &mut g);
    let mut s_hist: Vec<Vec<f64>> = Vec::new();
    let mut y_hist: Vec<Vec<f64>> = Vec::new();
    let mut rho: Vec<f64> = Vec::new();
    let mut x_new = vec![0.0; n];
    let mut g_new = vec![0.0; n];
    let mut iterations = 0;
    while iterations < p.max_iter {
        if max_abs(&g) < p.gtol {
            return LbfgsResult {
                x,
                value,
                iterations,
                converged: true,
            };
        }
        iterations += 1;
        // Two-loop recursion: d = -H g.
        let mut q = g.clone();
        let mut alpha = vec![0.0; s_hist.len()];
        for i in (0..s_hist.len()).rev() {
            alpha[i] = rho[i] * dot(&s_hist[i], &q);
            for (qj, yj) in q.iter_mut().zip(&y_hist[i]) {
                *qj -= alpha[i] * yj;
            }
        }
        let gamma = match (s_hist.last(), y_hist.last()) {
            (Some(s), Some(y)) => dot(s, y) / dot(y, y),
            _ => 1.0 / max_abs(&g).max(1.0),
        };
        for qj in &mut q {
            *qj *= gamma;
        }
        for i in 0..s_hist.len() {
            let beta = rho[i] * dot(&y_hist[i], &q);
            for (qj, sj) in q.iter_mut().zip(&s_hist[i]) {
                *qj += (alpha[i] - beta) * sj;
            }
        }
        let mut d: Vec<f64> = q.into_iter().map(|v| -v).collect();
        let mut slope = dot(&g, &d);
        if slope >= 0.0 {
            // Not a descent direction (numerical trouble): restart from steepest descent.
            s_hist.clear();
            y_hist.clear();
            rho.clear();
            d = g.iter().map(|v| -v / max_abs(&g).max(1.0)).collect();
            slope = dot(&g, &d);
        }
        // Backtracking Armijo line search.
        let mut step = 1.0;
        let mut accepted = false;
        let mut new_value = value;
        for _ in 0..40 {
            for i in 0..n {
                x_new[i] = x[i] + step * d[i];
            }
            new_value = f(&x_new, &mut g_new);
            if new_value.is_finite() && new_value <= value + 1e-4 * step * slope {
                accepted = true;
                break;
            }
            step *= 0.5;
        }
        if !accepted {
            return LbfgsResult {
                x,
                value,
                iterations,
                converged: false,
            };
        }
        let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        let decrease = value - new_value;
        std::mem::swap(&mut x, &mut x_new);
        std::mem::swap(&mut g, &mut g_new);
        value = new_value;
        if sy > 1e-12 * dot(&y, &y).sqrt() * dot(&s, &s).sqrt() {
            if s_hist.len() == p.memory {
                s_hist.remove(0);
                y_hist.remove(0);
                rho.remove(0);
            }
            s_hist.push(s);
            y_hist.push(y);
            rho.push(1.0 / sy);
        }
        if decrease <= 1e-15 * value.abs().max(1.0) {
            return LbfgsResult {
                x,
                value,
                iterations,
                converged: max_abs(&g) < p.gtol,
            };
        }
    }
    let converged = max_abs(&g) < p.gtol;
    LbfgsResult {
        x,
        value,
        iterations,
        converged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimises_rosenbrock() {
        let f = |x: &[f64], g: &mut [f64]| {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        };
        let r = minimize(
            f,
            vec![-1.2, 1.0],
            LbfgsParams {
                memory: 10,
                max_iter: 500,
                gtol: 1e-8,
            },
        );
        assert!(r.converged, "{r:?}");
        assert!((r.x[0] - 1.0).abs() < 1e-6 && (r.x[1] - 1.0).abs() < 1e-6, "{r:?}");
    }

    #[test]
    fn minimises_a_quadratic() {
        let f = |x: &[f64], g: &mut [f64]| {
            let mut v = 0.0;
            for (i, (xi, gi)) in x.iter().zip(g.iter_mut()).enumerate() {
                let a = (i + 1) as f64;
                v += 0.5 * a * (xi - 1.0).powi(2);
                *gi = a * (xi - 1.0);
            }
            v
        };
        let r = minimize(
            f,
            vec![0.0; 20],
            LbfgsParams {
                memory: 5,
                max_iter: 200,
                gtol: 1e-7,
            },
        );
        assert!(r.converged);
        assert!(r.x.iter().all(|v| (v - 1.0).abs() < 1e-6));
    }
}
