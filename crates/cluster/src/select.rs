//! `k = auto`: fit every k of a range, score each, pick one by a stated rule.
//!
//! Every k is scored by the silhouette on one seeded sample of rows (the
//! same sample for every k, so the curve is comparable) and by a BIC: the
//! mixture's own for GMM, and for K-Means / Ward the BIC of a spherical
//! Gaussian mixture with one shared variance and the hard labels (the
//! X-means criterion). The rule: GMM takes the lowest BIC (it is a
//! likelihood model, BIC is its own yardstick); the others take the highest
//! silhouette (their hard-label BIC keeps falling with k on large data, so it
//! is reported, not used). Ties go to the smaller k.

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::eval::silhouette_sampled;
use crate::pipeline::{Algo, ClusterParams, Fitted, fit_labels};

/// One evaluated k.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KCandidate {
    pub k: usize,
    pub silhouette: Option<f64>,
    pub bic: Option<f64>,
    pub inertia: Option<f64>,
}

/// The curves and the choice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KSelection {
    pub candidates: Vec<KCandidate>,
    pub chosen: usize,
    /// The rule, in words.
    pub rule: String,
    /// Rows in the silhouette sample.
    pub silhouette_rows: usize,
}

/// BIC of a spherical, shared-variance Gaussian mixture with the given hard
/// labels (rows labelled < 0 are left out).
pub fn spherical_bic(x: ArrayView2<'_, f64>, labels: &[i32]) -> f64 {
    let d = x.ncols();
    let k = labels.iter().copied().max().map_or(0, |m| (m + 1).max(0) as usize);
    let mut sums = vec![0.0; k * d];
    let mut counts = vec![0usize; k];
    for (r, &l) in x.rows().into_iter().zip(labels) {
        if l >= 0 {
            let l = l as usize;
            counts[l] += 1;
            for (s, v) in sums[l * d..(l + 1) * d].iter_mut().zip(r) {
                *s += v;
            }
        }
    }
    for (j, &c) in counts.iter().enumerate() {
        for s in &mut sums[j * d..(j + 1) * d] {
            *s /= c.max(1) as f64;
        }
    }
    let mut inertia = 0.0;
    for (r, &l) in x.rows().into_iter().zip(labels) {
        if l >= 0 {
            let c = &sums[l as usize * d..(l as usize + 1) * d];
            inertia += r.iter().zip(c).map(|(a, b)| (a - b) * (a - b)).sum::<f64>();
        }
    }
    let n: usize = counts.iter().sum();
    let (nf, df) = (n as f64, d as f64);
    let var = (inertia / (nf * df)).max(1e-300);
    let mut ll = -0.5 * nf * df * ((2.0 * std::f64::consts::PI * var).ln() + 1.0);
    for &c in counts.iter().filter(|&&c| c > 0) {
        ll += c as f64 * (c as f64 / nf).ln();
    }
    let k_used = counts.iter().filter(|&&c| c > 0).count();
    let params = k_used * d + 1 + k_used.saturating_sub(1);
    -2.0 * ll + params as f64 * nf.ln()
}

/// Evaluates `p.k_range` and returns the curves with the chosen fit.
pub(crate) fn select_k(x: ArrayView2<'_, f64>, p: &ClusterParams) -> Result<(KSelection, Fitted)> {
    let n = x.nrows();
    let (lo, hi) = p.k_range;
    let hi = hi.min(n.saturating_sub(1));
    if hi < lo {
        return Err(Error::KExceedsRows { k: lo, n });
    }
    let mut candidates = Vec::new();
    let mut fits = Vec::new();
    for k in lo..=hi {
        let f = fit_labels(x, p, k, p.seed)?;
        let sil = silhouette_sampled(x, &f.labels, p.sample_size, p.seed, p.threads)?;
        candidates.push(KCandidate {
            k,
            silhouette: sil,
            bic: f.bic,
            inertia: f.inertia,
        });
        fits.push(f);
    }
    let (best, rule) = if p.algo == Algo::Gmm {
        let b = (0..candidates.len())
            .min_by(|&a, &b| {
                let (x, y) = (
                    candidates[a].bic.unwrap_or(f64::INFINITY),
                    candidates[b].bic.unwrap_or(f64::INFINITY),
                );
                x.total_cmp(&y).then(a.cmp(&b))
            })
            .unwrap_or(0);
        (b, "lowest BIC of the Gaussian mixture".to_string())
    } else {
        let b = (0..candidates.len())
            .max_by(|&a, &b| {
                let (x, y) = (
                    candidates[a].silhouette.unwrap_or(f64::NEG_INFINITY),
                    candidates[b].silhouette.unwrap_or(f64::NEG_INFINITY),
                );
                x.total_cmp(&y).then(b.cmp(&a))
            })
            .unwrap_or(0);
        (
            b,
            format!("highest silhouette on a seeded sample of {} rows", p.sample_size.min(n)),
        )
    };
    let chosen = candidates[best].k;
    let fitted = fits.swap_remove(best);
    Ok((
        KSelection {
            candidates,
            chosen,
            rule,
            silhouette_rows: p.sample_size.min(n),
        },
        fitted,
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::testing::blobs;

    #[test]
    fn auto_picks_three_on_three_clear_blobs() {
        let (x, _) = blobs(&[[0.0, 0.0], [12.0, 0.0], [6.0, 10.0]], 120, 1.0, 9);
        for algo in [Algo::KMeans, Algo::Gmm, Algo::Hierarchical] {
            let p = ClusterParams::new(algo).k_range(2, 6).seed(3);
            let (sel, f) = select_k(x.view(), &p).unwrap();
            assert_eq!(sel.chosen, 3, "{algo}: {sel:?}");
            assert_eq!(sel.candidates.len(), 5);
            assert_eq!(f.labels.iter().copied().max(), Some(2));
        }
    }

    #[test]
    fn spherical_bic_prefers_the_true_k() {
        let (x, truth) = blobs(&[[0.0, 0.0], [12.0, 0.0], [6.0, 10.0]], 100, 1.0, 2);
        let t: Vec<i32> = truth.iter().map(|&v| v as i32).collect();
        let merged: Vec<i32> = t.iter().map(|&v| v.min(1)).collect();
        assert!(spherical_bic(x.view(), &t) < spherical_bic(x.view(), &merged));
    }
}
