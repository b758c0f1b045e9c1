//! Gaussian mixture with full covariances, fitted by EM, scored by BIC.
//!
//! Follows scikit-learn's `GaussianMixture(covariance_type="full")` step for
//! step so the two can be compared: responsibilities initialised from one
//! K-Means run, `reg_covar` added to every covariance diagonal, stop when
//! the mean log-likelihood changes by less than `tol`, a final E-step for the
//! labels. The heavy parts are matrix products (each component's Mahalanobis
//! distances are one n×d by d×d product with the inverse Cholesky factor) and
//! the components are processed in parallel.

use ndarray::{Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::kmeans::KMeansParams;
use crate::util;

/// Gaussian-mixture parameters (scikit-learn's defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GmmParams {
    pub k: usize,
    pub max_iter: usize,
    pub tol: f64,
    pub reg_covar: f64,
    pub n_init: usize,
    pub seed: u64,
    /// Worker threads (components in parallel); 0 = all cores.
    pub threads: usize,
}

impl GmmParams {
    pub fn new(k: usize) -> GmmParams {
        GmmParams {
            k,
            max_iter: 100,
            tol: 1e-3,
            reg_covar: 1e-6,
            n_init: 1,
            seed: 0,
            threads: 0,
        }
    }

    pub fn max_iter(mut self, n: usize) -> Self {
        self.max_iter = n;
        self
    }

    pub fn tol(mut self, t: f64) -> Self {
        self.tol = t;
        self
    }

    pub fn reg_covar(mut self, r: f64) -> Self {
        self.reg_covar = r;
        self
    }

    pub fn n_init(mut self, n: usize) -> Self {
        self.n_init = n;
        self
    }

    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }

    pub fn threads(mut self, t: usize) -> Self {
        self.threads = t;
        self
    }

    pub fn validate(self) -> Result<ValidGmmParams> {
        if self.k == 0 {
            return Err(Error::param("k", "must be at least 1"));
        }
        if self.max_iter == 0 {
            return Err(Error::param("max_iter", "must be at least 1"));
        }
        if self.n_init == 0 {
            return Err(Error::param("n_init", "must be at least 1"));
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(Error::param("tol", "must be a finite number ≥ 0"));
        }
        if !(self.reg_covar.is_finite() && self.reg_covar >= 0.0) {
            return Err(Error::param("reg_covar", "must be a finite number ≥ 0"));
        }
        Ok(ValidGmmParams(self))
    }

    pub fn fit(self, x: ArrayView2<'_, f64>) -> Result<Gmm> {
        self.validate()?.fit(x)
    }
}

/// Checked mixture parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidGmmParams(GmmParams);

/// A fitted mixture.
#[derive(Debug, Clone, PartialEq)]
pub struct Gmm {
    pub weights: Vec<f64>,
    /// k × d.
    pub means: Array2<f64>,
    /// k matrices d × d.
    pub covariances: Vec<Array2<f64>>,
    /// Inverse lower Cholesky factors of the covariances.
    prec_chol: Vec<Array2<f64>>,
    /// The most probable component of every training row.
    pub labels: Vec<usize>,
    /// Total log-likelihood of the training rows.
    pub log_likelihood: f64,
    /// −2 log L + p ln n, p = k·d(d+1)/2 + k·d + k − 1.
    pub bic: f64,
    pub n_iter: usize,
    pub converged: bool,
}

const LN_2PI: f64 = 1.837_877_066_409_345_3;

/// Lower Cholesky factor, or `None` when `a` is not positive definite.
pub(crate) fn cholesky(a: &Array2<f64>) -> Option<Array2<f64>> {
    let d = a.nrows();
    let mut l = Array2::<f64>::zeros((d, d));
    for i in 0..d {
        for j in 0..=i {
            let mut s = a[[i, j]];
            for k in 0..j {
                s -= l[[i, k]] * l[[j, k]];
            }
            if i == j {
                if s <= 0.0 || !s.is_finite() {
                    return None;
                }
                l[[i, i]] = s.sqrt();
            } else {
                l[[i, j]] = s / l[[j, j]];
            }
        }
    }
    Some(l)
}

/// Inverse of a lower-triangular matrix (forward substitution).
pub(crate) fn lower_inverse(l: &Array2<f64>) -> Array2<f64> {
    let d = l.nrows();
    let mut inv = Array2::<f64>::zeros((d, d));
    for c in 0..d {
        inv[[c, c]] = 1.0 / l[[c, c]];
        for i in c + 1..d {
            let mut s = 0.0;
            for k in c..i {
                s += l[[i, k]] * inv[[k, c]];
            }
            inv[[i, c]] = -s / l[[i, i]];
        }
    }
    inv
}

struct Component {
    weight: f64,
    mean: Vec<f64>,
    cov: Array2<f64>,
    prec: Array2<f64>,
    log_det_prec: f64,
}

/// M-step for one component from its responsibilities.
fn m_step(x: &ArrayView2<'_, f64>, resp: &[f64], reg: f64) -> Result<(f64, Vec<f64>, Array2<f64>)> {
    let (n, d) = x.dim();
    let nk = resp.iter().sum::<f64>() + 10.0 * f64::EPSILON;
    let mut mean = vec![0.0; d];
    for (row, &r) in x.rows().into_iter().zip(resp) {
        if r != 0.0 {
            for (m, v) in mean.iter_mut().zip(row) {
                *m += r * v;
            }
        }
    }
    mean.iter_mut().for_each(|m| *m /= nk);
    let mut diff = x.to_owned();
    let mut weighted = Array2::<f64>::zeros((n, d));
    for ((mut drow, mut wrow), &r) in diff.rows_mut().into_iter().zip(weighted.rows_mut()).zip(resp) {
        for ((dv, wv), m) in drow.iter_mut().zip(wrow.iter_mut()).zip(&mean) {
            *dv -= m;
            *wv = *dv * r;
        }
    }
    let mut cov = weighted.t().dot(&diff) / nk;
    for i in 0..d {
        cov[[i, i]] += reg;
    }
    Ok((nk, mean, cov))
}

fn component(nk: f64, n: usize, mean: Vec<f64>, cov: Array2<f64>) -> Result<Component> {
    let l = cholesky(&cov).ok_or_else(|| Error::Numerical {
        what: "gaussian mixture",
        reason: "a component's covariance is not positive definite (too few or duplicate rows); \
                 use fewer components or a larger reg_covar"
            .into(),
    })?;
    let prec = lower_inverse(&l);
    let log_det_prec = -(0..l.nrows()).map(|i| l[[i, i]].ln()).sum::<f64>();
    Ok(Component {
        weight: nk / n as f64,
        mean,
        cov,
        prec,
        log_det_prec,
    })
}

/// log N(x_i | component) + log weight for every row.
fn weighted_log_prob(x: &ArrayView2<'_, f64>, c: &Component) -> Vec<f64> {
    let d = x.ncols();
    // y = P (x − μ) for every row = X Pᵀ − (P μ)ᵀ.
    let y = x.dot(&c.prec.t());
    let pm: Vec<f64> = (0..d)
        .map(|i| (0..d).map(|k| c.prec[[i, k]] * c.mean[k]).sum())
        .collect();
    let base = -0.5 * d as f64 * LN_2PI + c.log_det_prec + c.weight.ln();
    y.rows()
        .into_iter()
        .map(|r| {
            let m: f64 = r.iter().zip(&pm).map(|(a, b)| (a - b) * (a - b)).sum();
            base - 0.5 * m
        })
        .collect()
}

/// E-step: per-component responsibilities and the per-row log-likelihood.
fn e_step(x: &ArrayView2<'_, f64>, comps: &[Component], threads: usize) -> (Vec<Vec<f64>>, Vec<f64>) {
    let n = x.nrows();
    let mut lp = util::par_map(comps.len(), threads, |j| weighted_log_prob(x, &comps[j]));
    let mut norm = vec![0.0; n];
    for (i, nv) in norm.iter_mut().enumerate() {
        let mx = lp.iter().map(|v| v[i]).fold(f64::NEG_INFINITY, f64::max);
        let s: f64 = lp.iter().map(|v| (v[i] - mx).exp()).sum();
        *nv = mx + s.ln();
    }
    for v in lp.iter_mut() {
        for (a, nv) in v.iter_mut().zip(&norm) {
            *a = (*a - nv).exp();
        }
    }
    (lp, norm)
}

fn argmax_rows(resp: &[Vec<f64>], n: usize) -> Vec<usize> {
    (0..n)
        .map(|i| {
            let mut best = (0, f64::NEG_INFINITY);
            for (j, r) in resp.iter().enumerate() {
                if r[i] > best.1 {
                    best = (j, r[i]);
                }
            }
            best.0
        })
        .collect()
}

impl ValidGmmParams {
    pub fn params(&self) -> &GmmParams {
        &self.0
    }

    pub fn fit(&self, x: ArrayView2<'_, f64>) -> Result<Gmm> {
        let p = &self.0;
        let xc = util::checked(x)?;
        let x = xc.view();
        let (n, d) = x.dim();
        if p.k > n {
            return Err(Error::KExceedsRows { k: p.k, n });
        }
        let threads = util::threads(p.threads);
        let mut best: Option<(f64, Vec<Component>, usize, bool)> = None;
        for init in 0..p.n_init {
            let km = KMeansParams::new(p.k)
                .n_init(1)
                .seed(p.seed.wrapping_add(init as u64))
                .threads(1)
                .fit(x)?;
            let mut resp: Vec<Vec<f64>> = (0..p.k)
                .map(|j| km.labels.iter().map(|&l| if l == j { 1.0 } else { 0.0 }).collect())
                .collect();
            let mut comps = self.m_steps(&x, &resp, threads)?;
            let mut lower = f64::NEG_INFINITY;
            let mut converged = false;
            let mut n_iter = 0;
            for it in 1..=p.max_iter {
                n_iter = it;
                let prev = lower;
                let (r, norm) = e_step(&x, &comps, threads);
                resp = r;
                comps = self.m_steps(&x, &resp, threads)?;
                lower = norm.iter().sum::<f64>() / n as f64;
                if (lower - prev).abs() < p.tol {
                    converged = true;
                    break;
                }
            }
            if best.as_ref().is_none_or(|b| lower > b.0) {
                best = Some((lower, comps, n_iter, converged));
            }
        }
        let (_, comps, n_iter, converged) = best.ok_or_else(|| Error::Numerical {
            what: "gaussian mixture",
            reason: "no initialisation ran".into(),
        })?;
        let (resp, norm) = e_step(&x, &comps, threads);
        let labels = argmax_rows(&resp, n);
        let log_likelihood: f64 = norm.iter().sum();
        let n_params = p.k * d * (d + 1) / 2 + p.k * d + p.k - 1;
        let bic = -2.0 * log_likelihood + n_params as f64 * (n as f64).ln();
        let mut means = Array2::zeros((p.k, d));
        for (j, c) in comps.iter().enumerate() {
            for (m, v) in means.row_mut(j).iter_mut().zip(&c.mean) {
                *m = *v;
            }
        }
        Ok(Gmm {
            weights: comps.iter().map(|c| c.weight).collect(),
            means,
            covariances: comps.iter().map(|c| c.cov.clone()).collect(),
            prec_chol: comps.into_iter().map(|c| c.prec).collect(),
            labels,
            log_likelihood,
            bic,
            n_iter,
            converged,
        })
    }

    fn m_steps(&self, x: &ArrayView2<'_, f64>, resp: &[Vec<f64>], threads: usize) -> Result<Vec<Component>> {
        let n = x.nrows();
        util::par_map(resp.len(), threads, |j| {
            let (nk, mean, cov) = m_step(x, &resp[j], self.0.reg_covar)?;
            component(nk, n, mean, cov)
        })
        .into_iter()
        .collect()
    }
}

impl Gmm {
    pub fn k(&self) -> usize {
        self.weights.len()
    }

    /// Posterior probabilities, rows × k.
    pub fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let xc = util::checked(x)?;
        let x = xc.view();
        if x.ncols() != self.means.ncols() {
            return Err(Error::param(
                "x",
                format!("has {} columns, the model {}", x.ncols(), self.means.ncols()),
            ));
        }
        let comps: Vec<Component> = (0..self.k())
            .map(|j| Component {
                weight: self.weights[j],
                mean: self.means.row(j).to_vec(),
                cov: self.covariances[j].clone(),
                prec: self.prec_chol[j].clone(),
                log_det_prec: (0..self.means.ncols()).map(|i| self.prec_chol[j][[i, i]].ln()).sum(),
            })
            .collect();
        let (resp, _) = e_step(&x, &comps, 1);
        let mut out = Array2::zeros((x.nrows(), self.k()));
        for (j, r) in resp.iter().enumerate() {
            out.column_mut(j).iter_mut().zip(r).for_each(|(o, v)| *o = *v);
        }
        Ok(out)
    }

    /// The most probable component of every row.
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<usize>> {
        let p = self.predict_proba(x)?;
        Ok(p.axis_iter(Axis(0))
            .map(|r| {
                r.iter()
                    .enumerate()
                    .fold((0, f64::NEG_INFINITY), |b, (j, &v)| if v > b.1 { (j, v) } else { b })
                    .0
            })
            .collect())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::eval::adjusted_rand_index;
    use crate::testing::blobs;
    use ndarray::array;

    #[test]
    fn cholesky_and_inverse() {
        let a = array![[4.0, 2.0], [2.0, 3.0]];
        let l = cholesky(&a).unwrap();
        assert!((l.dot(&l.t()) - &a).iter().all(|v| v.abs() < 1e-12));
        let inv = lower_inverse(&l);
        let id = inv.dot(&l);
        assert!((id - Array2::<f64>::eye(2)).iter().all(|v| v.abs() < 1e-12));
        assert!(cholesky(&array![[1.0, 2.0], [2.0, 1.0]]).is_none());
    }

    #[test]
    fn recovers_blobs_and_bic_prefers_the_true_k() {
        let (x, truth) = blobs(&[[0.0, 0.0], [8.0, 8.0], [-8.0, 8.0]], 150, 1.0, 4);
        let g = GmmParams::new(3).seed(1).fit(x.view()).unwrap();
        assert_eq!(adjusted_rand_index(&truth, &g.labels).unwrap(), 1.0);
        assert!(g.converged);
        assert_eq!(g.predict(x.view()).unwrap(), g.labels);
        let w: f64 = g.weights.iter().sum();
        assert!((w - 1.0).abs() < 1e-9);
        let b2 = GmmParams::new(2).seed(1).fit(x.view()).unwrap().bic;
        let b5 = GmmParams::new(5).seed(1).fit(x.view()).unwrap().bic;
        assert!(g.bic < b2 && g.bic < b5, "{b2} {} {b5}", g.bic);
    }

    #[test]
    fn invalid_params_are_refused() {
        assert!(GmmParams::new(0).validate().is_err());
        assert!(GmmParams::new(2).reg_covar(-1.0).validate().is_err());
        let x = Array2::<f64>::zeros((1, 2));
        assert_eq!(
            GmmParams::new(2).fit(x.view()).unwrap_err(),
            Error::KExceedsRows { k: 2, n: 1 }
        );
    }
}
