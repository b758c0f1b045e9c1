//! Small shared pieces: seeded random streams, sampling, a scoped-thread
//! map, squared distances and matrix checks.

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

use ndarray::{ArrayView2, CowArray, Ix2};
use rand::{Rng as _, SeedableRng};

use crate::error::{Error, Result};

/// The generator used everywhere: small, fast, and reproducible from a u64.
pub(crate) type Rng = rand_xoshiro::Xoshiro256PlusPlus;

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// An independent stream for (`seed`, `stream`): restart `i` of a fit, the
/// silhouette sample, and so on, never share draws.
pub(crate) fn rng(seed: u64, stream: u64) -> Rng {
    Rng::seed_from_u64(splitmix(seed ^ splitmix(stream.wrapping_add(0x5EED))))
}

/// `m` distinct row indices out of `n`, sorted; all rows when `m >= n`.
pub(crate) fn sample_indices(n: usize, m: usize, seed: u64, stream: u64) -> Vec<usize> {
    if m >= n {
        return (0..n).collect();
    }
    let mut r = rng(seed, stream);
    let mut idx: Vec<usize> = (0..n).collect();
    for i in 0..m {
        let j = r.random_range(i..n);
        idx.swap(i, j);
    }
    idx.truncate(m);
    idx.sort_unstable();
    idx
}

/// Worker threads to use: `requested`, or every core when 0.
pub(crate) fn threads(requested: usize) -> usize {
    if requested > 0 {
        requested
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
}

/// Runs `f(0..n_tasks)` on up to `threads` scoped threads (tasks are taken
/// dynamically) and returns the results in task order, so the output never
/// depends on scheduling.
pub(crate) fn par_map<T: Send, F: Fn(usize) -> T + Sync>(n_tasks: usize, threads: usize, f: F) -> Vec<T> {
    let threads = threads.clamp(1, n_tasks.max(1));
    if threads == 1 {
        return (0..n_tasks).map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut parts: Vec<Vec<(usize, T)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= n_tasks {
                            break;
                        }
                        out.push((i, f(i)));
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| match h.join() {
                Ok(v) => v,
                Err(p) => std::panic::resume_unwind(p),
            })
            .collect()
    });
    let mut all: Vec<(usize, T)> = parts.iter_mut().flat_map(std::mem::take).collect();
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, t)| t).collect()
}

/// Splits `0..n` into at most `parts` contiguous ranges of near-equal size.
pub(crate) fn chunks(n: usize, parts: usize) -> Vec<Range<usize>> {
    let parts = parts.clamp(1, n.max(1));
    let step = n.div_ceil(parts);
    (0..parts)
        .map(|p| (p * step).min(n)..((p + 1) * step).min(n))
        .filter(|r| !r.is_empty())
        .collect()
}

/// Squared Euclidean distance, with four accumulators so it vectorises.
#[inline]
pub(crate) fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let ca = a.chunks_exact(4);
    let cb = b.chunks_exact(4);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            let d = x[l] - y[l];
            acc[l] += d * d;
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (x, y) in ra.iter().zip(rb) {
        let d = x - y;
        s += d * d;
    }
    s
}

/// A row-major view of `x`, after checking that it is non-empty and finite.
pub(crate) fn checked(x: ArrayView2<'_, f64>) -> Result<CowArray<'_, f64, Ix2>> {
    if x.nrows() == 0 {
        return Err(Error::EmptyInput("the matrix has no rows".into()));
    }
    if x.ncols() == 0 {
        return Err(Error::EmptyInput("the matrix has no columns".into()));
    }
    for ((row, col), v) in x.indexed_iter() {
        if !v.is_finite() {
            return Err(Error::NonFinite { row, col });
        }
    }
    if x.is_standard_layout() {
        Ok(CowArray::from(x))
    } else {
        Ok(CowArray::from(x.as_standard_layout().into_owned()))
    }
}

/// Column means and population variances of a row-major matrix.
pub(crate) fn col_mean_var(data: &[f64], d: usize) -> (Vec<f64>, Vec<f64>) {
    let n = data.len() / d.max(1);
    let mut mean = vec![0.0; d];
    for row in data.chunks_exact(d) {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += v;
        }
    }
    mean.iter_mut().for_each(|m| *m /= n.max(1) as f64);
    let mut var = vec![0.0; d];
    for row in data.chunks_exact(d) {
        for ((s, v), m) in var.iter_mut().zip(row).zip(&mean) {
            *s += (v - m) * (v - m);
        }
    }
    var.iter_mut().for_each(|s| *s /= n.max(1) as f64);
    (mean, var)
}

/// Relabels cluster ids so that cluster 0 is the largest (ties: the one
/// whose first row comes first); noise (−1) stays −1. Returns the new labels
/// and the map old → new.
pub(crate) fn canonical_labels(labels: &[i32]) -> (Vec<i32>, Vec<(i32, i32)>) {
    use std::collections::BTreeMap;
    let mut stats: BTreeMap<i32, (usize, usize)> = BTreeMap::new();
    for (i, &l) in labels.iter().enumerate() {
        if l >= 0 {
            let e = stats.entry(l).or_insert((0, i));
            e.0 += 1;
        }
    }
    let mut order: Vec<(i32, usize, usize)> = stats.into_iter().map(|(l, (n, f))| (l, n, f)).collect();
    order.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
    let map: BTreeMap<i32, i32> = order.iter().enumerate().map(|(new, o)| (o.0, new as i32)).collect();
    let out = labels.iter().map(|l| map.get(l).copied().unwrap_or(-1)).collect();
    (out, map.into_iter().collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn par_map_keeps_order() {
        let v = par_map(100, 4, |i| i * 2);
        assert_eq!(v, (0..100).map(|i| i * 2).collect::<Vec<_>>());
    }

    #[test]
    fn samples_are_distinct_sorted_and_seeded() {
        let a = sample_indices(1000, 50, 7, 1);
        assert_eq!(a.len(), 50);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(a, sample_indices(1000, 50, 7, 1));
        assert_ne!(a, sample_indices(1000, 50, 8, 1));
    }

    #[test]
    fn canonical_labels_order_by_size() {
        let (l, _) = canonical_labels(&[5, 5, 2, 2, 2, -1, 9]);
        assert_eq!(l, vec![1, 1, 0, 0, 0, -1, 2]);
    }

    #[test]
    fn distance_matches_naive() {
        let a: Vec<f64> = (0..11).map(|i| i as f64).collect();
        let b: Vec<f64> = (0..11).map(|i| (i * i) as f64 * 0.1).collect();
        let naive: f64 = a.iter().zip(&b).map(|(x, y)| (x - y) * (x - y)).sum();
        assert!((sq_dist(&a, &b) - naive).abs() < 1e-9);
        assert_eq!(chunks(10, 3), vec![0..4, 4..8, 8..10]);
    }
}
