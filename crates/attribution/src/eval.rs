//! Comparing credit tables with a known truth: rank correlation.
//!
//! On generated data the truly caused conversions per channel are known; the
//! Spearman correlation between a model's credits and them says whether the
//! model *orders* channels correctly, whatever its scale (a data-driven model
//! hands out all converting journeys, not only the caused ones).

use crate::error::{AttributionError, Result};

/// Ranks from 1, ties sharing their average rank.
pub fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut out = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && values[order[j]] == values[order[i]] {
            j += 1;
        }
        // Positions i..j (0-based) share rank (i + 1 + j) / 2.
        let rank = (i + 1 + j) as f64 / 2.0;
        for &k in &order[i..j] {
            out[k] = rank;
        }
        i = j;
    }
    out
}

/// Pearson correlation of two equally long series.
pub fn pearson(x: &[f64], y: &[f64]) -> Result<f64> {
    if x.len() != y.len() {
        return Err(AttributionError::LengthMismatch {
            what: "correlation series",
            left: x.len(),
            right: y.len(),
        });
    }
    if x.len() < 2 {
        return Err(AttributionError::param(
            "correlation series",
            x.len(),
            "need at least two points",
        ));
    }
    let n = x.len() as f64;
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx <= 0.0 || syy <= 0.0 {
        return Err(AttributionError::param(
            "correlation series",
            "constant",
            "a constant series has no correlation",
        ));
    }
    Ok(sxy / (sxx * syy).sqrt())
}

/// Spearman rank correlation: Pearson correlation of the (tie-averaged) ranks.
pub fn spearman(x: &[f64], y: &[f64]) -> Result<f64> {
    if x.len() != y.len() {
        return Err(AttributionError::LengthMismatch {
            what: "correlation series",
            left: x.len(),
            right: y.len(),
        });
    }
    pearson(&ranks(x), &ranks(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[10.0, 30.0, 20.0, 20.0]), vec![1.0, 4.0, 2.5, 2.5]);
    }

    #[test]
    fn spearman_by_hand() {
        // Six channels, one pair swapped and the top one moved to the bottom:
        // d = (5, -1, -1, -1, -1, -1), Σd² = 30, ρ = 1 − 6·30/(6·35) = 1/7.
        let truth = [6.0, 5.0, 4.0, 3.0, 2.0, 1.0];
        let model = [1.0, 6.0, 5.0, 4.0, 3.0, 2.0];
        let rho = spearman(&model, &truth).expect("rho");
        assert!((rho - 1.0 / 7.0).abs() < 1e-12, "{rho}");
        assert!((spearman(&truth, &truth).expect("rho") - 1.0).abs() < 1e-12);
    }

    #[test]
    fn degenerate_series_are_errors() {
        assert!(spearman(&[1.0, 2.0], &[1.0]).is_err());
        assert!(pearson(&[1.0, 1.0], &[1.0, 2.0]).is_err());
        assert!(pearson(&[1.0], &[1.0]).is_err());
    }
}
