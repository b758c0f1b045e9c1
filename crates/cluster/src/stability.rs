//! Stability: does the same run with other seeds find the same clusters?
//!
//! The run is repeated with seeds `seed, seed + 1, …` (the run's own labels
//! are the first), and every pair of labelings is compared with the adjusted
//! Rand index. A mean near 1 says the partition is a property of the data;
//! a low minimum says that at least one seed lands elsewhere, and the
//! clusters should be read with care.

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::eval::adjusted_rand_index;
use crate::pipeline::{ClusterParams, fit_labels};

/// ARI between the labels of two seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairAri {
    pub seed_a: u64,
    pub seed_b: u64,
    pub ari: f64,
}

/// Agreement between runs with different seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stability {
    pub seeds: Vec<u64>,
    pub pairs: Vec<PairAri>,
    pub mean_ari: f64,
    pub min_ari: f64,
}

/// Refits with `p.stability_runs − 1` further seeds and compares all pairs.
/// `labels` are the run's own labels (seed `p.seed`).
pub(crate) fn stability(x: ArrayView2<'_, f64>, p: &ClusterParams, k: usize, labels: &[i32]) -> Result<Stability> {
    let seeds: Vec<u64> = (0..p.stability_runs.max(2) as u64)
        .map(|i| p.seed.wrapping_add(i))
        .collect();
    let mut all: Vec<Vec<i32>> = vec![labels.to_vec()];
    for &s in &seeds[1..] {
        all.push(fit_labels(x, p, k, s)?.labels);
    }
    let mut pairs = Vec::new();
    for a in 0..all.len() {
        for b in a + 1..all.len() {
            pairs.push(PairAri {
                seed_a: seeds[a],
                seed_b: seeds[b],
                ari: adjusted_rand_index(&all[a], &all[b])?,
            });
        }
    }
    let mean_ari = pairs.iter().map(|p| p.ari).sum::<f64>() / pairs.len().max(1) as f64;
    let min_ari = pairs.iter().map(|p| p.ari).fold(f64::INFINITY, f64::min);
    Ok(Stability {
        seeds,
        pairs,
        mean_ari,
        min_ari,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::pipeline::Algo;
    use crate::testing::blobs;

    #[test]
    fn clear_blobs_are_stable() {
        let (x, _) = blobs(&[[0.0, 0.0], [9.0, 0.0], [0.0, 9.0]], 80, 1.0, 11);
        let p = ClusterParams::new(Algo::KMeans).k(3).seed(5).stability_runs(3);
        let first = fit_labels(x.view(), &p, 3, 5).unwrap().labels;
        let s = stability(x.view(), &p, 3, &first).unwrap();
        assert_eq!(s.seeds, vec![5, 6, 7]);
        assert_eq!(s.pairs.len(), 3);
        assert_eq!((s.mean_ari, s.min_ari), (1.0, 1.0));
    }
}
