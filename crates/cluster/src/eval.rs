//! Agreement and separation measures: the adjusted Rand index (between two
//! labelings: truth vs clusters, or two runs of different seeds) and the
//! silhouette (how well rows sit in their own cluster), both computed as
//! scikit-learn does so the numbers can be compared with a peer.

use std::collections::HashMap;
use std::hash::Hash;

use ndarray::ArrayView2;

use crate::error::{Error, Result};
use crate::util::{self, sq_dist};

/// Adjusted Rand index of two labelings of the same rows, exactly as
/// `sklearn.metrics.adjusted_rand_score` (pair-confusion form, integer
/// arithmetic): 1 for identical partitions (up to renaming), about 0 for
/// independent ones, negative when worse than chance. Two empty labelings
/// score 1, like scikit-learn.
pub fn adjusted_rand_index<A: Eq + Hash, B: Eq + Hash>(a: &[A], b: &[B]) -> Result<f64> {
    if a.len() != b.len() {
        return Err(Error::LengthMismatch(a.len(), b.len()));
    }
    let n = a.len() as i128;
    let mut ia: HashMap<&A, usize> = HashMap::new();
    let mut ib: HashMap<&B, usize> = HashMap::new();
    let mut cells: HashMap<(usize, usize), i128> = HashMap::new();
    for (x, y) in a.iter().zip(b) {
        let na = ia.len();
        let i = *ia.entry(x).or_insert(na);
        let nb = ib.len();
        let j = *ib.entry(y).or_insert(nb);
        *cells.entry((i, j)).or_insert(0) += 1;
    }
    let mut rows = vec![0i128; ia.len()];
    let mut cols = vec![0i128; ib.len()];
    let mut sum_sq = 0i128;
    for (&(i, j), &c) in &cells {
        rows[i] += c;
        cols[j] += c;
        sum_sq += c * c;
    }
    let tp = sum_sq - n;
    let fp = cols.iter().map(|c| c * c).sum::<i128>() - sum_sq;
    let fn_ = rows.iter().map(|c| c * c).sum::<i128>() - sum_sq;
    let tn = n * n - fp - fn_ - sum_sq;
    if fn_ == 0 && fp == 0 {
        return Ok(1.0);
    }
    let num = 2 * (tp * tn - fn_ * fp);
    let den = (tp + fn_) * (fn_ + tn) + (tp + fp) * (fp + tn);
    Ok(num as f64 / den as f64)
}

/// Mean silhouette coefficient (Euclidean) of the rows of `x`, rows labelled
/// below 0 (noise) left out, as `sklearn.metrics.silhouette_score`: a row in
/// a singleton cluster scores 0. `None` when it is undefined (fewer than 2
/// clusters, or every row its own cluster). O(n²): sample first.
pub fn silhouette(x: ArrayView2<'_, f64>, labels: &[i32], threads: usize) -> Result<Option<f64>> {
    if x.nrows() != labels.len() {
        return Err(Error::LengthMismatch(x.nrows(), labels.len()));
    }
    let keep: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] >= 0).collect();
    let d = x.ncols();
    let mut data = Vec::with_capacity(keep.len() * d);
    let mut ids: HashMap<i32, usize> = HashMap::new();
    let mut lab = Vec::with_capacity(keep.len());
    for &i in &keep {
        data.extend(x.row(i).iter().copied());
        let next = ids.len();
        lab.push(*ids.entry(labels[i]).or_insert(next));
    }
    let m = keep.len();
    let n_labels = ids.len();
    if n_labels < 2 || n_labels + 1 > m {
        return Ok(None);
    }
    if data.iter().any(|v| !v.is_finite()) {
        return Err(Error::NonFinite { row: 0, col: 0 });
    }
    let mut sizes = vec![0usize; n_labels];
    for &l in &lab {
        sizes[l] += 1;
    }
    let parts = util::chunks(m, util::threads(threads) * 4);
    let partial = util::par_map(parts.len(), util::threads(threads), |p| {
        let mut total = 0.0;
        let mut sums = vec![0.0f64; n_labels];
        for i in parts[p].clone() {
            sums.iter_mut().for_each(|s| *s = 0.0);
            let xi = &data[i * d..(i + 1) * d];
            for j in 0..m {
                if j != i {
                    sums[lab[j]] += sq_dist(xi, &data[j * d..(j + 1) * d]).sqrt();
                }
            }
            let own = lab[i];
            if sizes[own] <= 1 {
                continue;
            }
            let a = sums[own] / (sizes[own] - 1) as f64;
            let b = (0..n_labels)
                .filter(|&c| c != own)
                .map(|c| sums[c] / sizes[c] as f64)
                .fold(f64::INFINITY, f64::min);
            let den = a.max(b);
            if den > 0.0 {
                total += (b - a) / den;
            }
        }
        total
    });
    Ok(Some(partial.iter().sum::<f64>() / m as f64))
}

/// The silhouette on a seeded sample of at most `sample_size` rows.
pub fn silhouette_sampled(
    x: ArrayView2<'_, f64>,
    labels: &[i32],
    sample_size: usize,
    seed: u64,
    threads: usize,
) -> Result<Option<f64>> {
    if x.nrows() != labels.len() {
        return Err(Error::LengthMismatch(x.nrows(), labels.len()));
    }
    let idx = util::sample_indices(x.nrows(), sample_size, seed, 0x511);
    let xs = x.select(ndarray::Axis(0), &idx);
    let ls: Vec<i32> = idx.iter().map(|&i| labels[i]).collect();
    silhouette(xs.view(), &ls, threads)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use ndarray::array;

    // Expected values from scikit-learn 1.9.1:
    //   adjusted_rand_score([0,0,1,1], [0,0,1,2])                   = 0.5714285714285714
    //   adjusted_rand_score([0,0,0,1,1,1], [0,0,1,1,2,2])           = 0.24242424242424243
    //   adjusted_rand_score([0,0,1,2], [0,0,1,1])                   = 0.5714285714285714
    //   adjusted_rand_score([0,0,1,1], [0,1,0,1])                   = -0.5
    //   adjusted_rand_score([0,1,2,0,1,2,0,1,2,3], [1,1,2,2,0,0,3,3,1,0]) = -0.2318840579710145
    #[test]
    fn ari_matches_scikit_learn() {
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(
            adjusted_rand_index(&[0, 0, 1, 1], &[0, 0, 1, 2]).unwrap(),
            0.5714285714285714
        ));
        assert!(close(
            adjusted_rand_index(&[0, 0, 0, 1, 1, 1], &[0, 0, 1, 1, 2, 2]).unwrap(),
            0.24242424242424243
        ));
        assert!(close(
            adjusted_rand_index(&[0, 0, 1, 2], &[0, 0, 1, 1]).unwrap(),
            0.5714285714285714
        ));
        assert!(close(adjusted_rand_index(&[0, 0, 1, 1], &[0, 1, 0, 1]).unwrap(), -0.5));
        assert!(close(
            adjusted_rand_index(&[0, 1, 2, 0, 1, 2, 0, 1, 2, 3], &[1, 1, 2, 2, 0, 0, 3, 3, 1, 0]).unwrap(),
            -0.2318840579710145
        ));
        // Renaming does not matter; labels of any type.
        assert_eq!(adjusted_rand_index(&["a", "a", "b"], &[7, 7, 3]).unwrap(), 1.0);
        assert_eq!(adjusted_rand_index(&[0, 0, 0], &[1, 1, 1]).unwrap(), 1.0);
        assert_eq!(
            adjusted_rand_index(&[0, 1], &[0]).unwrap_err(),
            Error::LengthMismatch(2, 1)
        );
    }

    // sklearn: silhouette_score([[0,0],[0,1],[5,5],[5,6],[10,0]], [0,0,1,1,1]) = 0.5637294898581515
    #[test]
    fn silhouette_matches_scikit_learn() {
        let x = array![[0.0, 0.0], [0.0, 1.0], [5.0, 5.0], [5.0, 6.0], [10.0, 0.0]];
        let s = silhouette(x.view(), &[0, 0, 1, 1, 1], 2).unwrap().unwrap();
        assert!((s - 0.5637294898581515).abs() < 1e-12, "{s}");
        assert_eq!(silhouette(x.view(), &[0, 0, 0, 0, 0], 1).unwrap(), None);
        // Noise rows are left out.
        let s2 = silhouette(x.view(), &[0, 0, 1, 1, -1], 1).unwrap().unwrap();
        let x4 = array![[0.0, 0.0], [0.0, 1.0], [5.0, 5.0], [5.0, 6.0]];
        assert_eq!(s2, silhouette(x4.view(), &[0, 0, 1, 1], 1).unwrap().unwrap());
    }
}
