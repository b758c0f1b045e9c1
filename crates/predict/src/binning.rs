//! Feature binning for the histogram booster, as scikit-learn's `HistGradientBoosting` does it:
//! each feature gets at most `max_bins` value bins plus one bin for "missing".
//!
//! * A feature with at most `max_bins` distinct values gets a threshold halfway between each
//!   pair of neighbouring values, so every value has its own bin.
//! * Otherwise the thresholds are the percentiles at `100·k/max_bins` (k = 1 … max_bins − 1,
//!   midpoint interpolation) of up to 200,000 sampled rows, with duplicates removed.
//!
//! A value `x` falls in bin `#{thresholds < x}`, so "bin ≤ b" is exactly "x ≤ thresholds[b]":
//! a tree grown on bins and applied to raw values takes the same path.

use rand::SeedableRng;
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;

/// The bin index reserved for missing values.
pub const MISSING_BIN: u8 = 255;
/// Rows sampled to place the thresholds.
const SUBSAMPLE: usize = 200_000;

/// Per-feature thresholds learned from training data.
#[derive(Debug, Clone, PartialEq)]
pub struct BinMapper {
    /// Ascending, strictly increasing; at most `max_bins - 1` per feature.
    pub thresholds: Vec<Vec<f64>>,
}

impl BinMapper {
    /// Learns thresholds from row-major values (`n` rows, `p` columns), features spread over
    /// `threads` threads.
    pub fn fit(row_major: &[f64], n: usize, p: usize, max_bins: usize, seed: u64, threads: usize) -> BinMapper {
        let max_bins = max_bins.clamp(2, MISSING_BIN as usize);
        let rows: Vec<usize> = if n > SUBSAMPLE {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut s = sample(&mut rng, n, SUBSAMPLE).into_vec();
            s.sort_unstable();
            s
        } else {
            (0..n).collect()
        };
        let one = |j: usize| -> Vec<f64> {
            let mut v: Vec<f64> = rows
                .iter()
                .map(|&i| row_major[i * p + j])
                .filter(|x| !x.is_nan())
                .collect();
            v.sort_unstable_by(f64::total_cmp);
            thresholds_for(&v, max_bins)
        };
        let threads = threads.clamp(1, p.max(1));
        let thresholds = if threads == 1 {
            (0..p).map(one).collect()
        } else {
            let one = &one;
            std::thread::scope(|s| {
                let handles: Vec<_> = (0..threads)
                    .map(|t| s.spawn(move || (t..p).step_by(threads).map(|j| (j, one(j))).collect::<Vec<_>>()))
                    .collect();
                let mut out = vec![Vec::new(); p];
                for h in handles {
                    // A panicking worker would have panicked the caller anyway; keep the rest.
                    if let Ok(part) = h.join() {
                        for (j, t) in part {
                            out[j] = t;
                        }
                    }
                }
                out
            })
        };
        BinMapper { thresholds }
    }

    /// Number of value bins of feature `j` (the missing bin not counted).
    pub fn n_bins(&self, j: usize) -> usize {
        self.thresholds[j].len() + 1
    }

    /// The bin of one value of feature `j`.
    pub fn bin(&self, j: usize, x: f64) -> u8 {
        if x.is_nan() {
            return MISSING_BIN;
        }
        self.thresholds[j].partition_point(|&t| t < x) as u8
    }

    /// Bins row-major values (`p` columns) into row-major bytes.
    pub fn transform(&self, row_major: &[f64], p: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(row_major.len());
        for row in row_major.chunks_exact(p.max(1)) {
            out.extend(row.iter().enumerate().map(|(j, &x)| self.bin(j, x)));
        }
        out
    }

    /// The raw threshold that "bin ≤ b" means for feature `j` (+∞ for the last value bin).
    pub fn threshold_value(&self, j: usize, b: u8) -> f64 {
        self.thresholds[j].get(b as usize).copied().unwrap_or(f64::INFINITY)
    }
}

/// Thresholds for sorted, NaN-free values.
fn thresholds_for(sorted: &[f64], max_bins: usize) -> Vec<f64> {
    let mut distinct: Vec<f64> = Vec::new();
    for &x in sorted {
        if distinct.last() != Some(&x) {
            distinct.push(x);
        }
        if distinct.len() > max_bins {
            break;
        }
    }
    if distinct.len() <= max_bins {
        return distinct.windows(2).map(|w| w[0] + (w[1] - w[0]) / 2.0).collect();
    }
    let n = sorted.len();
    let mut out: Vec<f64> = Vec::with_capacity(max_bins - 1);
    for k in 1..max_bins {
        // numpy.percentile(..., method="midpoint").
        let pos = k as f64 / max_bins as f64 * (n - 1) as f64;
        let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
        let t = (sorted[lo] + sorted[hi]) / 2.0;
        if out.last().is_none_or(|&l| t > l) {
            out.push(t);
        }
    }
    // The top threshold must leave values above it, or the last bin would be empty.
    if let (Some(&l), Some(&m)) = (out.last(), sorted.last())
        && l >= m
    {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_distinct_values_get_their_own_bins() {
        let m = BinMapper::fit(&[3.0, 1.0, 2.0, 2.0, f64::NAN], 5, 1, 255, 0, 1);
        assert_eq!(m.thresholds[0], vec![1.5, 2.5]);
        assert_eq!(m.bin(0, 1.0), 0);
        assert_eq!(m.bin(0, 2.0), 1);
        assert_eq!(m.bin(0, 3.0), 2);
        assert_eq!(m.bin(0, 99.0), 2);
        assert_eq!(m.bin(0, f64::NAN), MISSING_BIN);
    }

    #[test]
    fn many_values_get_quantile_bins_and_bin_le_b_means_x_le_threshold() {
        let col: Vec<f64> = (0..10_000).map(|i| ((i * 7919) % 10_007) as f64 / 3.0).collect();
        let m = BinMapper::fit(&col, col.len(), 1, 16, 0, 2);
        assert_eq!(m.n_bins(0), 16);
        let mut counts = [0usize; 16];
        for &x in &col {
            let b = m.bin(0, x);
            counts[b as usize] += 1;
            for t in 0..15u8 {
                assert_eq!(b <= t, x <= m.threshold_value(0, t));
            }
        }
        assert!(counts.iter().all(|&c| (600..=650).contains(&c)), "{counts:?}");
    }
}
