//! `logistic`: the baseline every booster has to beat, L2-regularised logistic regression.
//!
//! Preprocessing is learned on the training rows only and stored in the model:
//! a missing value is replaced by the training **median** of its column; a column that had
//! missing values in training also gets a 0/1 **missing indicator** (absence is often the
//! signal: "never bought" is not "bought at the median"); then every column is **standardised**
//! (training mean and population standard deviation; a constant column keeps scale 1 and so
//! contributes nothing).
//!
//! The fit minimises `Σ logloss + ‖w‖² / (2C)` with the intercept unpenalised — the objective of
//! scikit-learn's `LogisticRegression(C=…)` — by Newton's method (IRLS) with a Cholesky solve and
//! step halving. Newton rather than a first-order method because the problems here are small in
//! columns (tens to a few hundred) and large in rows: a handful of iterations converge to machine
//! precision, deterministically, with no learning rate to tune.
//!
//! A person's contribution of a column is `coef × standardised value` (plus its indicator's
//! term): the push of that column away from the average training row, in log-odds.

use huaxiang_ml::{CheckParams, Dataset, Fit, Predict};
use serde::{Deserialize, Serialize};

use crate::error::PredictError;
use crate::gbdt::sigmoid;

/// Parameters of the logistic baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticParams {
    /// Inverse L2 strength, as scikit-learn's `C` (larger = weaker penalty).
    pub c: f64,
    pub max_iter: usize,
    /// Stop when no coefficient moves by more than this in a Newton step.
    pub tol: f64,
    /// Add a missing indicator for columns with missing values in training.
    pub missing_indicators: bool,
}

impl Default for LogisticParams {
    fn default() -> Self {
        LogisticParams {
            c: 1.0,
            max_iter: 100,
            tol: 1e-8,
            missing_indicators: true,
        }
    }
}

impl CheckParams for LogisticParams {
    type Error = PredictError;
    fn check(&self) -> Result<(), PredictError> {
        if !(self.c > 0.0 && self.c.is_finite()) {
            return Err(PredictError::param("c", self.c, "must be a positive number"));
        }
        if self.max_iter == 0 {
            return Err(PredictError::param("max_iter", 0, "must be at least 1"));
        }
        if self.tol.is_nan() || self.tol <= 0.0 {
            return Err(PredictError::param("tol", self.tol, "must be positive"));
        }
        Ok(())
    }
}

/// A fitted logistic model with its preprocessing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Logistic {
    pub feature_names: Vec<String>,
    /// Training median per feature (imputes missing values).
    pub medians: Vec<f64>,
    /// Features that have a missing indicator, in design order after the features.
    pub indicators: Vec<usize>,
    /// Mean and scale of each design column (features, then indicators).
    pub means: Vec<f64>,
    pub scales: Vec<f64>,
    pub intercept: f64,
    /// One coefficient per design column, on the standardised scale.
    pub coef: Vec<f64>,
    pub iterations: usize,
}

impl Logistic {
    fn design_row(&self, row: &[f64], out: &mut [f64]) {
        let p = self.feature_names.len();
        for j in 0..p {
            let x = if row[j].is_nan() { self.medians[j] } else { row[j] };
            out[j] = (x - self.means[j]) / self.scales[j];
        }
        for (k, &j) in self.indicators.iter().enumerate() {
            let m = if row[j].is_nan() { 1.0 } else { 0.0 };
            out[p + k] = (m - self.means[p + k]) / self.scales[p + k];
        }
    }

    /// Log-odds for one row in model column order.
    pub fn raw_row(&self, row: &[f64]) -> f64 {
        let mut z = vec![0.0; self.coef.len()];
        self.design_row(row, &mut z);
        self.intercept + z.iter().zip(&self.coef).map(|(a, b)| a * b).sum::<f64>()
    }

    /// Per-feature contributions (log-odds) for one row: `coef × standardised value`, the
    /// indicator's term added to its feature. `intercept + Σ = raw_row`.
    pub fn contributions_row(&self, row: &[f64]) -> Vec<f64> {
        let p = self.feature_names.len();
        let mut z = vec![0.0; self.coef.len()];
        self.design_row(row, &mut z);
        let mut phi: Vec<f64> = (0..p).map(|j| z[j] * self.coef[j]).collect();
        for (k, &j) in self.indicators.iter().enumerate() {
            phi[j] += z[p + k] * self.coef[p + k];
        }
        phi
    }
}

impl Predict for Logistic {
    type Output = Vec<f64>;
    type Error = PredictError;
    fn predict(&self, data: &Dataset) -> Result<Vec<f64>, PredictError> {
        let d = data.select_columns(&self.feature_names)?;
        Ok((0..d.n_rows()).map(|i| sigmoid(self.raw_row(d.row(i)))).collect())
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

impl Fit for LogisticParams {
    type Model = Logistic;
    type Error = PredictError;

    fn fit(&self, data: &Dataset) -> Result<Logistic, PredictError> {
        self.check()?;
        let y = data.require_labels("logistic fit")?;
        let (n, p) = (data.n_rows(), data.n_cols());
        if p == 0 {
            return Err(PredictError::NoFeatures { detail: String::new() });
        }
        let mut medians = Vec::with_capacity(p);
        let mut indicators = Vec::new();
        for j in 0..p {
            let col = data.column(j);
            let present: Vec<f64> = col.iter().copied().filter(|x| !x.is_nan()).collect();
            if self.missing_indicators && present.len() < n {
                indicators.push(j);
            }
            medians.push(median(present));
        }
        let d = p + indicators.len();
        let mut model = Logistic {
            feature_names: data.columns().to_vec(),
            medians,
            indicators,
            means: vec![0.0; d],
            scales: vec![1.0; d],
            intercept: 0.0,
            coef: vec![0.0; d],
            iterations: 0,
        };
        // Design matrix, unscaled first to learn means and scales.
        let mut z = vec![0.0; n * d];
        for i in 0..n {
            model.design_row(data.row(i), &mut z[i * d..(i + 1) * d]);
        }
        for k in 0..d {
            let mean = (0..n).map(|i| z[i * d + k]).sum::<f64>() / n as f64;
            let var = (0..n).map(|i| (z[i * d + k] - mean).powi(2)).sum::<f64>() / n as f64;
            let sd = var.sqrt();
            model.means[k] = mean;
            model.scales[k] = if sd > 1e-12 * (1.0 + mean.abs()) { sd } else { 1.0 };
            for i in 0..n {
                z[i * d + k] = (z[i * d + k] - mean) / model.scales[k];
            }
        }
        newton(self, y, &z, n, d, &mut model)?;
        Ok(model)
    }
}

/// Objective: Σ softplus(f) − y f + ‖w‖²/(2C).
fn objective(y: &[bool], f: &[f64], w: &[f64], c: f64) -> f64 {
    let data: f64 = y
        .iter()
        .zip(f)
        .map(|(&t, &v)| {
            let sp = if v > 0.0 {
                v + (-v).exp().ln_1p()
            } else {
                v.exp().ln_1p()
            };
            sp - if t { v } else { 0.0 }
        })
        .sum();
    data + w.iter().map(|v| v * v).sum::<f64>() / (2.0 * c)
}

fn newton(
    params: &LogisticParams,
    y: &[bool],
    z: &[f64],
    n: usize,
    d: usize,
    m: &mut Logistic,
) -> Result<(), PredictError> {
    let c = params.c;
    let pos = y.iter().filter(|&&b| b).count() as f64;
    let rate = (pos / n as f64).clamp(1e-9, 1.0 - 1e-9);
    // β = (intercept, w).
    let mut beta = vec![0.0; d + 1];
    beta[0] = (rate / (1.0 - rate)).ln();
    let scores = |beta: &[f64]| -> Vec<f64> {
        (0..n)
            .map(|i| {
                beta[0]
                    + z[i * d..(i + 1) * d]
                        .iter()
                        .zip(&beta[1..])
                        .map(|(a, b)| a * b)
                        .sum::<f64>()
            })
            .collect()
    };
    let mut f = scores(&beta);
    let mut obj = objective(y, &f, &beta[1..], c);
    let dim = d + 1;
    for it in 0..params.max_iter {
        m.iterations = it + 1;
        let mut grad = vec![0.0; dim];
        let mut hess = vec![0.0; dim * dim];
        let mut x = vec![0.0; dim];
        for i in 0..n {
            let q = sigmoid(f[i]);
            let r = q - if y[i] { 1.0 } else { 0.0 };
            let w = (q * (1.0 - q)).max(1e-12);
            x[0] = 1.0;
            x[1..].copy_from_slice(&z[i * d..(i + 1) * d]);
            for a in 0..dim {
                grad[a] += r * x[a];
                let wa = w * x[a];
                if wa != 0.0 {
                    let rowa = &mut hess[a * dim..(a + 1) * dim];
                    for b in a..dim {
                        rowa[b] += wa * x[b];
                    }
                }
            }
        }
        for a in 1..dim {
            grad[a] += beta[a] / c;
            hess[a * dim + a] += 1.0 / c;
        }
        for a in 0..dim {
            for b in 0..a {
                hess[a * dim + b] = hess[b * dim + a];
            }
        }
        let mut step: Vec<f64> = grad.iter().map(|g| -g).collect();
        cholesky_solve(&mut hess, dim, &mut step)
            .map_err(|e| PredictError::NotConverged(format!("iteration {}: {e}", it + 1)))?;
        // Step halving until the objective does not increase.
        let mut t = 1.0;
        let mut accepted = false;
        for _ in 0..40 {
            let cand: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b + t * s).collect();
            let fc = scores(&cand);
            let oc = objective(y, &fc, &cand[1..], c);
            if oc <= obj + 1e-12 * obj.abs().max(1.0) {
                beta = cand;
                f = fc;
                obj = oc;
                accepted = true;
                break;
            }
            t /= 2.0;
        }
        let moved = step.iter().map(|s| (s * t).abs()).fold(0.0, f64::max);
        if !accepted || moved < params.tol {
            break;
        }
    }
    m.intercept = beta[0];
    m.coef = beta[1..].to_vec();
    Ok(())
}

/// Solves `A x = b` for symmetric positive definite `A` (row-major, overwritten), `b` → `x`.
fn cholesky_solve(a: &mut [f64], n: usize, b: &mut [f64]) -> Result<(), String> {
    for j in 0..n {
        let mut s = a[j * n + j];
        for k in 0..j {
            s -= a[j * n + k] * a[j * n + k];
        }
        if s.is_nan() || s <= 0.0 {
            return Err(format!("the Hessian is not positive definite at column {j}"));
        }
        let l = s.sqrt();
        a[j * n + j] = l;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / l;
        }
    }
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= a[i * n + k] * b[k];
        }
        b[i] = s / a[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = b[i];
        for k in i + 1..n {
            s -= a[k * n + i] * b[k];
        }
        b[i] = s / a[i * n + i];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// 12 rows, 2 features, one missing value; expected numbers from scikit-learn 1.9.1 for the
    /// same design (median-imputed x1 plus its indicator, StandardScaler, LogisticRegression(C=1)).
    fn fixture() -> Dataset {
        let rows = vec![
            vec![0.5, 1.0],
            vec![1.5, 0.0],
            vec![2.0, 1.0],
            vec![3.0, f64::NAN],
            vec![0.2, 0.0],
            vec![2.5, 1.0],
            vec![1.0, 0.0],
            vec![3.5, 1.0],
            vec![0.8, 0.0],
            vec![2.8, 0.0],
            vec![1.2, 1.0],
            vec![0.1, 0.0],
        ];
        let y = vec![
            false, false, true, true, false, true, false, true, false, true, true, false,
        ];
        Dataset::from_rows(vec!["a".into(), "b".into()], &rows)
            .unwrap()
            .with_labels(y)
            .unwrap()
    }

    #[test]
    fn matches_sklearn_coefficients() {
        let m = LogisticParams::default().fit(&fixture()).unwrap();
        assert_eq!(m.indicators, vec![1]);
        assert_eq!(m.medians[1], 0.0);
        let want_coef = [SK_COEF[0], SK_COEF[1], SK_COEF[2]];
        for (a, b) in m.coef.iter().zip(want_coef) {
            assert!((a - b).abs() < 1e-6, "{:?} vs {want_coef:?}", m.coef);
        }
        assert!((m.intercept - SK_INTERCEPT).abs() < 1e-6, "{}", m.intercept);
    }

    #[test]
    fn contributions_add_up_to_the_log_odds() {
        let d = fixture();
        let m = LogisticParams {
            c: 10.0,
            ..LogisticParams::default()
        }
        .fit(&d)
        .unwrap();
        for i in 0..d.n_rows() {
            let phi = m.contributions_row(d.row(i));
            assert!((m.intercept + phi.iter().sum::<f64>() - m.raw_row(d.row(i))).abs() < 1e-12);
        }
    }

    #[test]
    fn bad_params_fail_before_training() {
        assert!(
            LogisticParams {
                c: 0.0,
                ..LogisticParams::default()
            }
            .fit(&fixture())
            .is_err()
        );
        assert!(
            LogisticParams {
                c: f64::NAN,
                ..LogisticParams::default()
            }
            .check()
            .is_err()
        );
    }

    #[test]
    fn separable_data_stays_finite() {
        let rows: Vec<Vec<f64>> = (0..40).map(|i| vec![i as f64]).collect();
        let y: Vec<bool> = (0..40).map(|i| i >= 20).collect();
        let d = Dataset::from_rows(vec!["x".into()], &rows)
            .unwrap()
            .with_labels(y)
            .unwrap();
        let m = LogisticParams::default().fit(&d).unwrap();
        assert!(m.coef[0].is_finite() && m.coef[0] > 1.0);
    }

    // scikit-learn 1.9.1: LogisticRegression(C=1.0, tol=1e-12).fit(StandardScaler().fit_transform(D), y)
    // with D = [a, b (NaN → median 0.0), isnan(b)]: coef_ and intercept_.
    const SK_COEF: [f64; 3] = [1.3691878555020103, 0.7830968449268382, 0.34119964866154723];
    const SK_INTERCEPT: f64 = 0.042387925262604535;
}
