//! L2-regularised logistic regression on sparse rows: a single sigmoid for two classes,
//! multinomial (softmax) for more, fitted with L-BFGS.
//!
//! The objective is scikit-learn's `LogisticRegression(C, penalty="l2", solver="lbfgs")`:
//! `C · Σᵢ loss(xᵢ, yᵢ) + ½‖W‖²` with the intercepts not penalised, here divided by `C·n` so
//! that gradients stay of order one whatever the data size (the minimiser is the same).
//! Two classes use one weight vector, as scikit-learn does; a two-class softmax would
//! penalise `w₁` and `w₀` separately and behave like a model with twice the `C`.

use serde::{Deserialize, Serialize};

use crate::lbfgs::{LbfgsParams, minimize};
use crate::sparse::{SparseMatrix, dot};

/// A fitted linear classifier over `n_features` columns and `n_classes` ≥ 2 classes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct LinearModel {
    pub(crate) n_features: usize,
    pub(crate) n_classes: usize,
    /// `rows × n_features`, row-major; `rows` is 1 for two classes, else `n_classes`.
    pub(crate) weights: Vec<f64>,
    /// One intercept per row.
    pub(crate) bias: Vec<f64>,
}

/// How the fit went.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FitInfo {
    /// L-BFGS iterations used.
    pub iterations: usize,
    /// Whether the gradient tolerance was reached before `max_iter`.
    pub converged: bool,
    /// Final value of the (scaled) objective.
    pub objective: f64,
}

fn rows_for(n_classes: usize) -> usize {
    if n_classes == 2 { 1 } else { n_classes }
}

/// `ln(1 + e^x)` without overflow.
fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Softmax of `z` in place.
fn softmax(z: &mut [f64]) {
    let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut s = 0.0;
    for v in z.iter_mut() {
        *v = (*v - m).exp();
        s += *v;
    }
    for v in z.iter_mut() {
        *v /= s;
    }
}

/// The data and regularisation of one fit; `objective` is what L-BFGS minimises over the
/// parameter vector `[weights…, bias…]`.
pub(crate) struct Problem<'a> {
    pub(crate) x: &'a SparseMatrix,
    pub(crate) y: &'a [usize],
    pub(crate) n_features: usize,
    pub(crate) n_classes: usize,
    pub(crate) c: f64,
}

impl Problem<'_> {
    fn n_params(&self) -> usize {
        rows_for(self.n_classes) * (self.n_features + 1)
    }

    pub(crate) fn objective(&self, params: &[f64], grad: &mut [f64]) -> f64 {
        let d = self.n_features;
        let rows = rows_for(self.n_classes);
        let n = self.x.n_rows() as f64;
        let (w, b) = params.split_at(rows * d);
        let (gw, gb) = grad.split_at_mut(rows * d);
        let inv_cn = 1.0 / (self.c * n);
        let mut loss = 0.0;
        for (gi, wi) in gw.iter_mut().zip(w) {
            *gi = wi * inv_cn; // d/dW of ½‖W‖²/(C n)
        }
        gb.iter_mut().for_each(|v| *v = 0.0);
        let reg = 0.5 * w.iter().map(|v| v * v).sum::<f64>() * inv_cn;
        let mut z = vec![0.0; rows];
        for i in 0..self.x.n_rows() {
            let (cols, vals) = self.x.row(i);
            let y = self.y[i];
            if rows == 1 {
                let zi = dot(w, cols, vals) + b[0];
                let yi = if y == 1 { 1.0 } else { 0.0 };
                // loss = softplus(z) − y·z
                loss += softplus(zi) - yi * zi;
                let r = (sigmoid(zi) - yi) / n;
                for (&col, &v) in cols.iter().zip(vals) {
                    gw[col as usize] += r * v;
                }
                gb[0] += r;
            } else {
                for (k, zk) in z.iter_mut().enumerate() {
                    *zk = dot(&w[k * d..(k + 1) * d], cols, vals) + b[k];
                }
                let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let lse = m + z.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
                loss += lse - z[y];
                softmax(&mut z);
                for (k, &pk) in z.iter().enumerate() {
                    let r = (pk - if k == y { 1.0 } else { 0.0 }) / n;
                    let gwk = &mut gw[k * d..(k + 1) * d];
                    for (&col, &v) in cols.iter().zip(vals) {
                        gwk[col as usize] += r * v;
                    }
                    gb[k] += r;
                }
            }
        }
        loss / n + reg
    }
}

impl LinearModel {
    /// Fits on rows `x` with class indices `y` (each < `n_classes`).
    pub(crate) fn fit(
        x: &SparseMatrix,
        y: &[usize],
        n_features: usize,
        n_classes: usize,
        c: f64,
        max_iter: usize,
        tol: f64,
    ) -> (Self, FitInfo) {
        let problem = Problem {
            x,
            y,
            n_features,
            n_classes,
            c,
        };
        let x0 = vec![0.0; problem.n_params()];
        let r = minimize(
            |p, g| problem.objective(p, g),
            x0,
            LbfgsParams {
                memory: 10,
                max_iter,
                gtol: tol,
            },
        );
        let rows = rows_for(n_classes);
        let mut weights = r.x;
        let bias = weights.split_off(rows * n_features);
        let info = FitInfo {
            iterations: r.iterations,
            converged: r.converged,
            objective: r.value,
        };
        (
            LinearModel {
                n_features,
                n_classes,
                weights,
                bias,
            },
            info,
        )
    }

    /// Class probabilities of one row.
    pub(crate) fn proba(&self, cols: &[u32], vals: &[f64]) -> Vec<f64> {
        let d = self.n_features;
        if self.n_classes == 2 {
            let p = sigmoid(dot(&self.weights, cols, vals) + self.bias[0]);
            vec![1.0 - p, p]
        } else {
            let mut z: Vec<f64> = (0..self.n_classes)
                .map(|k| dot(&self.weights[k * d..(k + 1) * d], cols, vals) + self.bias[k])
                .collect();
            softmax(&mut z);
            z
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    fn random_problem(n: usize, d: usize, k: usize, seed: u64) -> (SparseMatrix, Vec<usize>) {
        let mut rng = SplitMix64::new(seed);
        let rows: Vec<_> = (0..n)
            .map(|_| {
                let mut row = Vec::new();
                for c in 0..d as u32 {
                    if rng.next_f64() < 0.5 {
                        row.push((c, rng.next_f64() * 2.0 - 1.0));
                    }
                }
                row
            })
            .collect();
        let y = (0..n).map(|_| rng.below(k)).collect();
        (SparseMatrix::from_rows(rows), y)
    }

    fn gradient_check(k: usize) {
        let (x, y) = random_problem(30, 6, k, 11);
        let p = Problem {
            x: &x,
            y: &y,
            n_features: 6,
            n_classes: k,
            c: 0.7,
        };
        let mut rng = SplitMix64::new(3);
        let params: Vec<f64> = (0..p.n_params()).map(|_| rng.next_f64() - 0.5).collect();
        let mut g = vec![0.0; params.len()];
        p.objective(&params, &mut g);
        let mut scratch = vec![0.0; params.len()];
        for i in 0..params.len() {
            let h = 1e-6;
            let mut a = params.clone();
            a[i] += h;
            let fa = p.objective(&a, &mut scratch);
            a[i] -= 2.0 * h;
            let fb = p.objective(&a, &mut scratch);
            let numeric = (fa - fb) / (2.0 * h);
            assert!(
                (numeric - g[i]).abs() < 1e-7,
                "param {i}: numeric {numeric} analytic {}",
                g[i]
            );
        }
    }

    #[test]
    fn gradient_matches_finite_differences_binary() {
        gradient_check(2);
    }

    #[test]
    fn gradient_matches_finite_differences_multinomial() {
        gradient_check(3);
    }

    #[test]
    fn separates_separable_data() {
        // Class 1 iff feature 0 present; feature 1 is noise on both.
        let rows = (0..40)
            .map(|i| {
                if i % 2 == 0 {
                    vec![(0, 1.0), (1, 0.5)]
                } else {
                    vec![(1, 1.0)]
                }
            })
            .collect::<Vec<_>>();
        let y: Vec<usize> = (0..40).map(|i| usize::from(i % 2 == 0)).collect();
        let x = SparseMatrix::from_rows(rows);
        let (m, info) = LinearModel::fit(&x, &y, 2, 2, 10.0, 500, 1e-8);
        assert!(info.converged, "{info:?}");
        assert!(m.proba(&[0, 1], &[1.0, 0.5])[1] > 0.9);
        assert!(m.proba(&[1], &[1.0])[1] < 0.1);
        // Multinomial on three classes, one indicator feature each.
        let rows = (0..60).map(|i| vec![((i % 3) as u32, 1.0)]).collect::<Vec<_>>();
        let y: Vec<usize> = (0..60).map(|i| i % 3).collect();
        let (m, info) = LinearModel::fit(&SparseMatrix::from_rows(rows), &y, 3, 3, 10.0, 500, 1e-8);
        assert!(info.converged);
        for k in 0..3u32 {
            let p = m.proba(&[k], &[1.0]);
            assert!(p[k as usize] > 0.9, "{p:?}");
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn stronger_regularisation_shrinks_weights() {
        let (x, y) = random_problem(50, 5, 2, 5);
        let (weak, _) = LinearModel::fit(&x, &y, 5, 2, 100.0, 500, 1e-9);
        let (strong, _) = LinearModel::fit(&x, &y, 5, 2, 0.01, 500, 1e-9);
        let norm = |m: &LinearModel| m.weights.iter().map(|v| v * v).sum::<f64>();
        assert!(norm(&strong) < norm(&weak));
    }
}
