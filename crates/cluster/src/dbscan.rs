//! DBSCAN on a sample, with ε chosen from the k-distance knee when not
//! given; the other rows join the cluster of the nearest core point within ε,
//! or are noise (−1).
//!
//! Neighbourhood queries use one cheap exact filter: rows are sorted by their
//! projection on the first principal direction, and since a projection never
//! lengthens a distance, only rows whose projections are within ε can be
//! neighbours. The knee of the sorted k-distance curve is the point farthest
//! below the chord joining its ends (both axes scaled to [0, 1]).

use ndarray::{ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::util::{self, sq_dist};

/// DBSCAN parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DbscanParams {
    /// Neighbourhood radius; chosen from the k-distance knee when `None`.
    pub eps: Option<f64>,
    /// Rows (including itself) within ε that make a row a core point;
    /// `None` = 2 × columns, clamped to 5..=50.
    pub min_samples: Option<usize>,
    /// Rows the density is estimated on (a seeded sample when there are more).
    pub sample_size: usize,
    pub seed: u64,
    pub threads: usize,
}

impl Default for DbscanParams {
    fn default() -> Self {
        DbscanParams {
            eps: None,
            min_samples: None,
            sample_size: 5_000,
            seed: 0,
            threads: 0,
        }
    }
}

impl DbscanParams {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn eps(mut self, e: f64) -> Self {
        self.eps = Some(e);
        self
    }

    pub fn min_samples(mut self, m: usize) -> Self {
        self.min_samples = Some(m);
        self
    }

    pub fn sample_size(mut self, n: usize) -> Self {
        self.sample_size = n;
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

    pub fn validate(self) -> Result<ValidDbscanParams> {
        if let Some(e) = self.eps
            && !(e.is_finite() && e > 0.0)
        {
            return Err(Error::param("eps", "must be a finite number > 0"));
        }
        if self.min_samples == Some(0) {
            return Err(Error::param("min_samples", "must be at least 1"));
        }
        if self.sample_size < 2 {
            return Err(Error::param("sample_size", "must be at least 2"));
        }
        Ok(ValidDbscanParams(self))
    }

    pub fn fit(self, x: ArrayView2<'_, f64>) -> Result<Dbscan> {
        self.validate()?.fit(x)
    }
}

/// Checked DBSCAN parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidDbscanParams(DbscanParams);

/// How ε was chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpsChoice {
    pub eps: f64,
    pub min_samples: usize,
    /// `given` or `k-distance knee`.
    pub rule: String,
    /// The sorted k-distance curve at 11 evenly spaced quantiles (0 %, 10 %, … 100 %).
    pub k_distance_deciles: Vec<f64>,
}

/// A fitted DBSCAN.
#[derive(Debug, Clone, PartialEq)]
pub struct Dbscan {
    /// Cluster of every row, −1 = noise.
    pub labels: Vec<i32>,
    pub n_clusters: usize,
    pub eps: EpsChoice,
    /// The sampled rows the density was estimated on.
    pub sample: Vec<usize>,
    /// Core points of the sample (row indices into the input) and their clusters.
    core_rows: Vec<(usize, i32)>,
}

impl Dbscan {
    /// Share of rows labelled noise.
    pub fn noise_share(&self) -> f64 {
        self.labels.iter().filter(|&&l| l < 0).count() as f64 / self.labels.len().max(1) as f64
    }

    /// Core rows of the fit, as input row indices.
    pub fn core_rows(&self) -> impl Iterator<Item = usize> + '_ {
        self.core_rows.iter().map(|(i, _)| *i)
    }
}

/// The first principal direction (power iteration on the covariance).
fn principal_direction(data: &[f64], d: usize) -> Vec<f64> {
    let (mean, _) = util::col_mean_var(data, d);
    let mut cov = vec![0.0; d * d];
    for r in data.chunks_exact(d) {
        for a in 0..d {
            let da = r[a] - mean[a];
            for b in 0..d {
                cov[a * d + b] += da * (r[b] - mean[b]);
            }
        }
    }
    let mut v = vec![1.0 / (d as f64).sqrt(); d];
    for _ in 0..100 {
        let mut w = vec![0.0; d];
        for a in 0..d {
            w[a] = (0..d).map(|b| cov[a * d + b] * v[b]).sum();
        }
        let norm = w.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm <= 0.0 {
            break;
        }
        w.iter_mut().for_each(|x| *x /= norm);
        v = w;
    }
    v
}

/// Rows sorted by projection, for windowed ε-searches.
struct Index<'a> {
    data: &'a [f64],
    d: usize,
    dir: Vec<f64>,
    /// (projection, row) sorted by projection.
    order: Vec<(f64, usize)>,
}

impl<'a> Index<'a> {
    fn new(data: &'a [f64], d: usize, dir: Vec<f64>) -> Index<'a> {
        let mut order: Vec<(f64, usize)> = data
            .chunks_exact(d)
            .enumerate()
            .map(|(i, r)| (r.iter().zip(&dir).map(|(a, b)| a * b).sum(), i))
            .collect();
        order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        Index { data, d, dir, order }
    }

    fn project(&self, q: &[f64]) -> f64 {
        q.iter().zip(&self.dir).map(|(a, b)| a * b).sum()
    }

    /// Calls `f(row, squared distance)` for every row within ε of `q`.
    fn within(&self, q: &[f64], eps: f64, mut f: impl FnMut(usize, f64)) {
        let pq = self.project(q);
        let start = self.order.partition_point(|(p, _)| *p < pq - eps);
        let e2 = eps * eps;
        for &(p, j) in &self.order[start..] {
            if p > pq + eps {
                break;
            }
            let s = sq_dist(q, &self.data[j * self.d..(j + 1) * self.d]);
            if s <= e2 {
                f(j, s);
            }
        }
    }
}

/// The knee of an ascending curve: the point farthest below its chord.
pub(crate) fn knee(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n < 3 {
        return sorted.last().copied().unwrap_or(0.0);
    }
    let (y0, y1) = (sorted[0], sorted[n - 1]);
    let span = (y1 - y0).max(f64::MIN_POSITIVE);
    let mut best = (n - 1, f64::NEG_INFINITY);
    for (i, &y) in sorted.iter().enumerate() {
        let xn = i as f64 / (n - 1) as f64;
        let yn = (y - y0) / span;
        let gap = xn - yn;
        if gap > best.1 {
            best = (i, gap);
        }
    }
    sorted[best.0]
}

impl ValidDbscanParams {
    pub fn params(&self) -> &DbscanParams {
        &self.0
    }

    pub fn fit(&self, x: ArrayView2<'_, f64>) -> Result<Dbscan> {
        let p = &self.0;
        let x = util::checked(x)?;
        let (n, d) = x.dim();
        let threads = util::threads(p.threads);
        let min_samples = p.min_samples.unwrap_or((2 * d).clamp(5, 50));
        let sample = util::sample_indices(n, p.sample_size, p.seed, 0xDB5C);
        let xs = x.select(Axis(0), &sample);
        let sdata = xs.as_slice().unwrap_or(&[]);
        let m = sample.len();
        if min_samples > m {
            return Err(Error::param(
                "min_samples",
                format!("{min_samples} is more than the {m} rows the density is estimated on"),
            ));
        }

        // k-distance of every sampled row (k = min_samples, itself included).
        let parts = util::chunks(m, threads * 4);
        let kd: Vec<f64> = util::par_map(parts.len(), threads, |pi| {
            let mut buf = vec![0.0; m];
            parts[pi]
                .clone()
                .map(|i| {
                    let q = &sdata[i * d..(i + 1) * d];
                    for (j, b) in buf.iter_mut().enumerate() {
                        *b = sq_dist(q, &sdata[j * d..(j + 1) * d]);
                    }
                    let (_, kth, _) = buf.select_nth_unstable_by(min_samples - 1, f64::total_cmp);
                    kth.sqrt()
                })
                .collect::<Vec<f64>>()
        })
        .into_iter()
        .flatten()
        .collect();
        let mut sorted = kd.clone();
        sorted.sort_by(f64::total_cmp);
        let deciles = (0..=10)
            .map(|q| sorted[((q as f64 / 10.0) * (m - 1) as f64).round() as usize])
            .collect();
        let (eps, rule) = match p.eps {
            Some(e) => (e, "given".to_string()),
            None => (knee(&sorted).max(f64::MIN_POSITIVE), "k-distance knee".to_string()),
        };
        let eps_choice = EpsChoice {
            eps,
            min_samples,
            rule,
            k_distance_deciles: deciles,
        };

        // Core points of the sample, then clusters by breadth-first search.
        let index = Index::new(sdata, d, principal_direction(sdata, d));
        let core: Vec<bool> = util::par_map(parts.len(), threads, |pi| {
            parts[pi]
                .clone()
                .map(|i| {
                    let mut c = 0;
                    index.within(&sdata[i * d..(i + 1) * d], eps, |_, _| c += 1);
                    c >= min_samples
                })
                .collect::<Vec<bool>>()
        })
        .into_iter()
        .flatten()
        .collect();
        let mut slab = vec![-1i32; m];
        let mut n_clusters = 0i32;
        let mut queue = Vec::new();
        for s in 0..m {
            if !core[s] || slab[s] >= 0 {
                continue;
            }
            slab[s] = n_clusters;
            queue.push(s);
            while let Some(q) = queue.pop() {
                index.within(&sdata[q * d..(q + 1) * d], eps, |j, _| {
                    if slab[j] < 0 {
                        slab[j] = n_clusters;
                        if core[j] {
                            queue.push(j);
                        }
                    }
                });
            }
            n_clusters += 1;
        }

        // Every row: its sample label, or the nearest core point's within ε.
        let core_pos: Vec<usize> = (0..m).filter(|&s| core[s]).collect();
        let core_data: Vec<f64> = core_pos
            .iter()
            .flat_map(|&s| sdata[s * d..(s + 1) * d].iter().copied())
            .collect();
        let core_index = Index::new(&core_data, d, index.dir.clone());
        let data = x.as_slice().unwrap_or(&[]);
        let row_parts = util::chunks(n, threads * 4);
        let mut labels: Vec<i32> = util::par_map(row_parts.len(), threads, |pi| {
            row_parts[pi]
                .clone()
                .map(|i| {
                    let mut best = (f64::INFINITY, -1i32);
                    core_index.within(&data[i * d..(i + 1) * d], eps, |c, s| {
                        if s < best.0 {
                            best = (s, slab[core_pos[c]]);
                        }
                    });
                    best.1
                })
                .collect::<Vec<i32>>()
        })
        .into_iter()
        .flatten()
        .collect();
        for (s, &i) in sample.iter().enumerate() {
            labels[i] = slab[s];
        }
        let core_rows = core_pos.iter().map(|&s| (sample[s], slab[s])).collect();
        Ok(Dbscan {
            labels,
            n_clusters: n_clusters as usize,
            eps: eps_choice,
            sample,
            core_rows,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::eval::adjusted_rand_index;
    use crate::testing::blobs;
    use ndarray::{Array2, concatenate};

    #[test]
    fn finds_dense_blobs_and_labels_far_points_noise() {
        let (x, truth) = blobs(&[[0.0, 0.0], [10.0, 0.0]], 200, 0.5, 6);
        let outliers = Array2::from_shape_vec((3, 2), vec![50.0, 50.0, -40.0, 30.0, 5.0, 40.0]).unwrap();
        let all = concatenate(Axis(0), &[x.view(), outliers.view()]).unwrap();
        let m = DbscanParams::new().min_samples(5).fit(all.view()).unwrap();
        assert_eq!(m.n_clusters, 2, "{:?}", m.eps);
        assert_eq!(&m.labels[400..], &[-1, -1, -1]);
        let dense: Vec<i32> = m.labels[..400].to_vec();
        assert!(adjusted_rand_index(&truth, &dense).unwrap() > 0.95);
        assert_eq!(m.eps.rule, "k-distance knee");
    }

    #[test]
    fn rows_outside_the_sample_join_the_nearest_core_or_are_noise() {
        let (x, truth) = blobs(&[[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]], 500, 0.5, 7);
        let m = DbscanParams::new()
            .eps(1.0)
            .min_samples(5)
            .sample_size(300)
            .seed(1)
            .fit(x.view())
            .unwrap();
        assert_eq!(m.sample.len(), 300);
        assert_eq!(m.n_clusters, 3);
        let clustered: Vec<usize> = (0..1500).filter(|&i| m.labels[i] >= 0).collect();
        assert!(clustered.len() > 1400, "{}", clustered.len());
        let t: Vec<usize> = clustered.iter().map(|&i| truth[i]).collect();
        let l: Vec<i32> = clustered.iter().map(|&i| m.labels[i]).collect();
        assert_eq!(adjusted_rand_index(&t, &l).unwrap(), 1.0);
        let far = Array2::from_shape_vec((1, 2), vec![100.0, 100.0]).unwrap();
        let all = concatenate(Axis(0), &[x.view(), far.view()]).unwrap();
        let m2 = DbscanParams::new()
            .eps(1.0)
            .min_samples(5)
            .sample_size(300)
            .seed(1)
            .fit(all.view())
            .unwrap();
        assert_eq!(m2.labels[1500], -1);
    }

    #[test]
    fn knee_of_a_hockey_stick() {
        let mut v: Vec<f64> = (0..90).map(|i| 1.0 + i as f64 * 0.01).collect();
        v.extend((0..10).map(|i| 3.0 + i as f64));
        assert!((knee(&v) - 1.89).abs() < 1e-9, "{}", knee(&v));
        assert!(DbscanParams::new().eps(-1.0).validate().is_err());
        assert!(DbscanParams::new().min_samples(0).validate().is_err());
    }
}
