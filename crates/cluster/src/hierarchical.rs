//! Ward hierarchical clustering on a sample, the rest assigned to the
//! nearest cluster centroid.
//!
//! Ward's criterion depends only on cluster sizes and centroids (merging A
//! and B costs `sqrt(2·|A|·|B| / (|A|+|B|)) · ‖c_A − c_B‖`, the height SciPy
//! reports), and it is *reducible*, so the nearest-neighbour-chain algorithm
//! finds exactly the merges of the greedy agglomeration in O(n²) time and
//! O(n) memory, without a distance matrix. The O(n²) time is why the tree is
//! built on a seeded sample (5,000 rows by default); the other rows join the
//! cluster with the nearest centroid.

use ndarray::{Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::kmeans::nearest;
use crate::util::{self, sq_dist};

/// One merge of the dendrogram, SciPy `linkage` style: clusters `0..n` are
/// the rows, merge `i` creates cluster `n + i`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Merge {
    pub a: usize,
    pub b: usize,
    pub height: f64,
    pub size: usize,
}

/// Ward parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WardParams {
    pub k: usize,
    /// Rows the tree is built on (a seeded sample when there are more).
    pub sample_size: usize,
    pub seed: u64,
}

impl WardParams {
    pub fn new(k: usize) -> WardParams {
        WardParams {
            k,
            sample_size: 5_000,
            seed: 0,
        }
    }

    pub fn sample_size(mut self, n: usize) -> Self {
        self.sample_size = n;
        self
    }

    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }

    pub fn validate(self) -> Result<ValidWardParams> {
        if self.k == 0 {
            return Err(Error::param("k", "must be at least 1"));
        }
        if self.sample_size < 2 {
            return Err(Error::param("sample_size", "must be at least 2"));
        }
        if self.k > self.sample_size {
            return Err(Error::param("k", "must not exceed sample_size"));
        }
        Ok(ValidWardParams(self))
    }

    pub fn fit(self, x: ArrayView2<'_, f64>) -> Result<Ward> {
        self.validate()?.fit(x)
    }
}

/// Checked Ward parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidWardParams(WardParams);

/// A fitted Ward clustering.
#[derive(Debug, Clone, PartialEq)]
pub struct Ward {
    /// k × d centroids of the sample's clusters.
    pub centroids: Array2<f64>,
    /// The cluster of every row.
    pub labels: Vec<usize>,
    /// The sampled rows the tree was built on.
    pub sample: Vec<usize>,
    /// The height of the last merge that was applied and of the first that was not.
    pub cut_heights: (f64, f64),
}

/// The full Ward dendrogram of the rows of `x`, merges by increasing height
/// (SciPy's `linkage(x, "ward")`, up to the order of tied heights).
pub fn ward_linkage(x: ArrayView2<'_, f64>) -> Result<Vec<Merge>> {
    let x = util::checked(x)?;
    let (n, d) = x.dim();
    let data = x.as_slice().unwrap_or(&[]);
    // Slot i holds the centroid and size of the active cluster that contains leaf i.
    let mut cent: Vec<f64> = data.to_vec();
    let mut size = vec![1usize; n];
    let mut active = vec![true; n];
    let mut raw: Vec<(usize, usize, f64)> = Vec::with_capacity(n.saturating_sub(1));
    let ward = |cent: &[f64], size: &[usize], a: usize, b: usize| -> f64 {
        let (na, nb) = (size[a] as f64, size[b] as f64);
        (2.0 * na * nb / (na + nb) * sq_dist(&cent[a * d..(a + 1) * d], &cent[b * d..(b + 1) * d])).sqrt()
    };
    let mut chain: Vec<usize> = Vec::new();
    let mut remaining = n;
    while remaining > 1 {
        if chain.is_empty()
            && let Some(first) = active.iter().position(|&a| a)
        {
            chain.push(first);
        }
        loop {
            let a = chain[chain.len() - 1];
            let prev = if chain.len() >= 2 {
                Some(chain[chain.len() - 2])
            } else {
                None
            };
            let mut best = prev.map_or((usize::MAX, f64::INFINITY), |p| (p, ward(&cent, &size, a, p)));
            for (j, _) in active.iter().enumerate().filter(|(_, act)| **act) {
                if j == a || Some(j) == prev {
                    continue;
                }
                let dj = ward(&cent, &size, a, j);
                if dj < best.1 {
                    best = (j, dj);
                }
            }
            if Some(best.0) == prev {
                chain.pop();
                chain.pop();
                let b = best.0;
                let (lo, hi) = (a.min(b), a.max(b));
                let (nl, nh) = (size[lo] as f64, size[hi] as f64);
                for t in 0..d {
                    cent[lo * d + t] = (nl * cent[lo * d + t] + nh * cent[hi * d + t]) / (nl + nh);
                }
                size[lo] += size[hi];
                active[hi] = false;
                raw.push((lo, hi, best.1));
                remaining -= 1;
                break;
            }
            chain.push(best.0);
        }
    }
    // Order by height and name the clusters as SciPy does.
    let mut order: Vec<usize> = (0..raw.len()).collect();
    order.sort_by(|&i, &j| raw[i].2.total_cmp(&raw[j].2).then(i.cmp(&j)));
    let mut parent: Vec<usize> = (0..n).collect();
    let mut id: Vec<usize> = (0..n).collect();
    let mut sz = vec![1usize; n];
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let mut merges = Vec::with_capacity(raw.len());
    for (step, &o) in order.iter().enumerate() {
        let (a, b, h) = raw[o];
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        let (ia, ib) = (id[ra], id[rb]);
        parent[rb] = ra;
        sz[ra] += sz[rb];
        id[ra] = n + step;
        merges.push(Merge {
            a: ia.min(ib),
            b: ia.max(ib),
            height: h,
            size: sz[ra],
        });
    }
    Ok(merges)
}

/// Flat clusters from a dendrogram: the first `n − k` merges applied. Cluster
/// ids follow the first row of each cluster.
pub fn cut(merges: &[Merge], n: usize, k: usize) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..n + merges.len()).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for (i, m) in merges.iter().take(n.saturating_sub(k)).enumerate() {
        let new = n + i;
        parent[m.a] = new;
        parent[m.b] = new;
    }
    let mut ids: Vec<Option<usize>> = vec![None; n + merges.len()];
    let mut next = 0;
    (0..n)
        .map(|i| {
            let r = find(&mut parent, i);
            *ids[r].get_or_insert_with(|| {
                next += 1;
                next - 1
            })
        })
        .collect()
}

impl ValidWardParams {
    pub fn params(&self) -> &WardParams {
        &self.0
    }

    pub fn fit(&self, x: ArrayView2<'_, f64>) -> Result<Ward> {
        let p = &self.0;
        let x = util::checked(x)?;
        let (n, d) = x.dim();
        if p.k > n {
            return Err(Error::KExceedsRows { k: p.k, n });
        }
        let sample = util::sample_indices(n, p.sample_size, p.seed, 0x3A4D);
        let xs = x.select(Axis(0), &sample);
        let merges = ward_linkage(xs.view())?;
        let m = sample.len();
        let sl = cut(&merges, m, p.k);
        let k = sl.iter().max().map_or(0, |v| v + 1);
        let mut centroids = Array2::<f64>::zeros((k, d));
        let mut counts = vec![0usize; k];
        for (r, &l) in xs.rows().into_iter().zip(&sl) {
            counts[l] += 1;
            let mut c = centroids.row_mut(l);
            c += &r;
        }
        for (mut c, &cnt) in centroids.rows_mut().into_iter().zip(&counts) {
            c /= cnt.max(1) as f64;
        }
        let cflat = centroids.as_slice().unwrap_or(&[]).to_vec();
        let data = x.as_slice().unwrap_or(&[]);
        let mut labels: Vec<usize> = data.chunks_exact(d).map(|r| nearest(r, &cflat, d).0).collect();
        for (pos, &i) in sample.iter().enumerate() {
            labels[i] = sl[pos];
        }
        let applied = m.saturating_sub(p.k);
        let last = if applied > 0 { merges[applied - 1].height } else { 0.0 };
        let next = merges.get(applied).map_or(f64::INFINITY, |mm| mm.height);
        Ok(Ward {
            centroids,
            labels,
            sample,
            cut_heights: (last, next),
        })
    }
}

impl Ward {
    /// The nearest centroid of every row.
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<usize>> {
        let x = util::checked(x)?;
        let d = self.centroids.ncols();
        if x.ncols() != d {
            return Err(Error::param("x", "has a different number of columns than the model"));
        }
        let c = self.centroids.as_slice().unwrap_or(&[]);
        Ok(x.as_slice()
            .unwrap_or(&[])
            .chunks_exact(d)
            .map(|r| nearest(r, c, d).0)
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

    // scipy.cluster.hierarchy.linkage(X, "ward") for
    // X = [[0,0],[0,1],[4,0],[4,2],[10,10],[11,10]]:
    //   [[0, 1, 1.0, 2], [4, 5, 1.0, 2], [2, 3, 2.0, 2],
    //    [6, 8, 5.7008771254956905, 4], [7, 9, 20.514222708485285, 6]]
    #[test]
    fn ward_matches_scipy_on_a_small_set() {
        let x = array![
            [0.0, 0.0],
            [0.0, 1.0],
            [4.0, 0.0],
            [4.0, 2.0],
            [10.0, 10.0],
            [11.0, 10.0]
        ];
        let m = ward_linkage(x.view()).unwrap();
        let got: Vec<(usize, usize, usize)> = m.iter().map(|m| (m.a, m.b, m.size)).collect();
        assert_eq!(got, vec![(0, 1, 2), (4, 5, 2), (2, 3, 2), (6, 8, 4), (7, 9, 6)]);
        let h: Vec<f64> = m.iter().map(|m| m.height).collect();
        let want = [1.0, 1.0, 2.0, 5.7008771254956905, 20.514222708485285];
        for (a, b) in h.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{h:?}");
        }
        assert_eq!(cut(&m, 6, 2), vec![0, 0, 0, 0, 1, 1]);
        assert_eq!(cut(&m, 6, 3), vec![0, 0, 1, 1, 2, 2]);
    }

    #[test]
    fn sample_then_nearest_centroid_recovers_blobs() {
        let (x, truth) = blobs(&[[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]], 400, 1.0, 5);
        let w = WardParams::new(3).sample_size(300).seed(3).fit(x.view()).unwrap();
        assert_eq!(w.sample.len(), 300);
        assert_eq!(adjusted_rand_index(&truth, &w.labels).unwrap(), 1.0);
        assert!(w.cut_heights.0 < w.cut_heights.1);
    }
}
