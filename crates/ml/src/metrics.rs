//! Binary-classification metrics, written to agree with scikit-learn's so that a number printed
//! here can be compared with a number printed by a notebook:
//!
//! * [`roc_auc`]: area under the ROC curve; tied scores form one step of the curve (the
//!   trapezoid through the tie), exactly as `sklearn.metrics.roc_auc_score`.
//! * [`average_precision`]: PR-AUC as `average_precision_score`: Σ (Rₙ − Rₙ₋₁) Pₙ over distinct
//!   thresholds, high to low, with no interpolation.
//! * [`log_loss`]: mean negative log-likelihood, probabilities clipped to
//!   `[ε, 1 − ε]` with ε = `f64::EPSILON` (sklearn's clip for float64 input).
//! * [`confusion_at`]: accuracy, precision, recall and F1 when "positive" means score ≥ threshold.
//! * [`choose_threshold`]: the threshold rule, reported with the numbers it produced.
//! * [`calibration_table`]: ten equal-count bins of the predicted score (deciles), with the mean
//!   prediction next to the observed rate.
//! * [`top_lift`]: the positive rate among the highest-scored fraction of rows over the base rate;
//!   rows tied with the cut-off score count fractionally, so the result does not depend on row order.

use serde::{Deserialize, Serialize};

use crate::error::MlError;

fn check_inputs(metric: &'static str, y: &[bool], p: &[f64]) -> Result<(), MlError> {
    if y.len() != p.len() {
        return Err(MlError::shape(format!("{metric}: scores vs labels"), y.len(), p.len()));
    }
    if y.is_empty() {
        return Err(MlError::UndefinedMetric {
            metric,
            reason: "no rows".into(),
        });
    }
    if let Some(i) = p.iter().position(|v| !v.is_finite()) {
        return Err(MlError::UndefinedMetric {
            metric,
            reason: format!("score of row {i} is {}", p[i]),
        });
    }
    Ok(())
}

/// Indices sorted by score, highest first (stable: equal scores keep row order).
fn order_desc(p: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..p.len()).collect();
    idx.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
    idx
}

/// Cumulative (true positives, false positives) at each distinct threshold, high to low.
fn steps(y: &[bool], p: &[f64]) -> Vec<(f64, f64)> {
    let idx = order_desc(p);
    let mut out = Vec::new();
    let (mut tp, mut fp) = (0.0, 0.0);
    for (k, &i) in idx.iter().enumerate() {
        if y[i] {
            tp += 1.0;
        } else {
            fp += 1.0;
        }
        let last_of_tie = k + 1 == idx.len() || p[idx[k + 1]] != p[i];
        if last_of_tie {
            out.push((tp, fp));
        }
    }
    out
}

/// ROC-AUC with sklearn's tie handling. Undefined (an error) when only one class is present.
pub fn roc_auc(y: &[bool], p: &[f64]) -> Result<f64, MlError> {
    check_inputs("ROC-AUC", y, p)?;
    let pos = y.iter().filter(|&&b| b).count() as f64;
    let neg = y.len() as f64 - pos;
    if pos == 0.0 || neg == 0.0 {
        return Err(MlError::UndefinedMetric {
            metric: "ROC-AUC",
            reason: "only one class in the labels".into(),
        });
    }
    let mut area = 0.0;
    let (mut tp0, mut fp0) = (0.0, 0.0);
    for (tp, fp) in steps(y, p) {
        area += (fp - fp0) * (tp + tp0) / 2.0;
        tp0 = tp;
        fp0 = fp;
    }
    Ok(area / (pos * neg))
}

/// The ROC curve as `[false positive rate, true positive rate]` points from
/// (0, 0) to (1, 1), thinned to about `max_points` (every threshold when
/// there are fewer). Undefined with one class only.
pub fn roc_curve(y: &[bool], p: &[f64], max_points: usize) -> Result<Vec<[f64; 2]>, MlError> {
    check_inputs("ROC curve", y, p)?;
    let pos = y.iter().filter(|&&b| b).count() as f64;
    let neg = y.len() as f64 - pos;
    if pos == 0.0 || neg == 0.0 {
        return Err(MlError::UndefinedMetric {
            metric: "ROC curve",
            reason: "only one class in the labels".into(),
        });
    }
    let all: Vec<[f64; 2]> = std::iter::once([0.0, 0.0])
        .chain(steps(y, p).into_iter().map(|(tp, fp)| [fp / neg, tp / pos]))
        .collect();
    let keep = max_points.max(2);
    if all.len() <= keep {
        return Ok(all);
    }
    let stride = all.len().div_ceil(keep);
    let last = all.len() - 1;
    Ok(all
        .iter()
        .enumerate()
        .filter(|(i, _)| i % stride == 0 || *i == last)
        .map(|(_, pt)| *pt)
        .collect())
}

/// Average precision (sklearn's `average_precision_score`). Undefined without positives.
pub fn average_precision(y: &[bool], p: &[f64]) -> Result<f64, MlError> {
    check_inputs("average precision", y, p)?;
    let pos = y.iter().filter(|&&b| b).count() as f64;
    if pos == 0.0 {
        return Err(MlError::UndefinedMetric {
            metric: "average precision",
            reason: "no positive labels".into(),
        });
    }
    let mut ap = 0.0;
    let mut r0 = 0.0;
    for (tp, fp) in steps(y, p) {
        let r = tp / pos;
        let prec = tp / (tp + fp);
        ap += (r - r0) * prec;
        r0 = r;
    }
    Ok(ap)
}

/// Mean log-loss with sklearn's clipping.
pub fn log_loss(y: &[bool], p: &[f64]) -> Result<f64, MlError> {
    check_inputs("log-loss", y, p)?;
    let eps = f64::EPSILON;
    let s: f64 = y
        .iter()
        .zip(p)
        .map(|(&t, &q)| {
            let q = q.clamp(eps, 1.0 - eps);
            if t { -q.ln() } else { -(1.0 - q).ln() }
        })
        .sum();
    Ok(s / y.len() as f64)
}

/// The confusion matrix and the rates derived from it at one threshold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Confusion {
    /// A row is predicted positive when its score is ≥ this.
    pub threshold: f64,
    pub tp: usize,
    pub fp: usize,
    pub tn: usize,
    pub fn_: usize,
    pub accuracy: f64,
    /// 0 when nothing is predicted positive (sklearn's `zero_division=0`).
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// Accuracy, precision, recall and F1 when positive means score ≥ `threshold`.
pub fn confusion_at(y: &[bool], p: &[f64], threshold: f64) -> Result<Confusion, MlError> {
    check_inputs("confusion matrix", y, p)?;
    let (mut tp, mut fp, mut tn, mut fn_) = (0, 0, 0, 0);
    for (&t, &q) in y.iter().zip(p) {
        match (t, q >= threshold) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (false, false) => tn += 1,
            (true, false) => fn_ += 1,
        }
    }
    let div = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let precision = div(tp, tp + fp);
    let recall = div(tp, tp + fn_);
    let f1 = div(2 * tp, 2 * tp + fp + fn_);
    Ok(Confusion {
        threshold,
        tp,
        fp,
        tn,
        fn_,
        accuracy: div(tp + tn, y.len()),
        precision,
        recall,
        f1,
    })
}

/// How the decision threshold is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "rule", content = "value")]
pub enum ThresholdRule {
    /// A fixed threshold (0.5 is the usual one for calibrated probabilities).
    Fixed(f64),
    /// The score that maximises F1 on the given predictions (ties: the highest such score).
    /// Optimistic when chosen on the predictions it is then evaluated on.
    MaxF1,
}

impl Default for ThresholdRule {
    fn default() -> Self {
        ThresholdRule::Fixed(0.5)
    }
}

/// The threshold the rule picks for these predictions.
pub fn choose_threshold(rule: ThresholdRule, y: &[bool], p: &[f64]) -> Result<f64, MlError> {
    match rule {
        ThresholdRule::Fixed(t) => Ok(t),
        ThresholdRule::MaxF1 => {
            check_inputs("max-F1 threshold", y, p)?;
            let pos = y.iter().filter(|&&b| b).count() as f64;
            let idx = order_desc(p);
            let (mut tp, mut fp) = (0.0, 0.0);
            let mut best = (f64::NEG_INFINITY, 0.5);
            for (k, &i) in idx.iter().enumerate() {
                if y[i] {
                    tp += 1.0;
                } else {
                    fp += 1.0;
                }
                if k + 1 == idx.len() || p[idx[k + 1]] != p[i] {
                    // Predicted positive: everything scored >= p[i].
                    let f1 = 2.0 * tp / (tp + fp + pos);
                    if f1 > best.0 {
                        best = (f1, p[i]);
                    }
                }
            }
            Ok(best.1)
        }
    }
}

/// One bin of a calibration table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    pub rows: usize,
    pub min_predicted: f64,
    pub max_predicted: f64,
    pub mean_predicted: f64,
    /// Share of positive labels in the bin.
    pub observed_rate: f64,
}

/// `bins` equal-count bins of the predicted score, low to high (deciles for `bins = 10`).
/// Bins are by rank, so a heavily tied score may split across neighbours; with fewer rows
/// than bins, the table has one bin per row.
pub fn calibration_table(y: &[bool], p: &[f64], bins: usize) -> Result<Vec<CalibrationBin>, MlError> {
    check_inputs("calibration table", y, p)?;
    if bins == 0 {
        return Err(MlError::param("bins", 0, "must be at least 1"));
    }
    let mut idx: Vec<usize> = (0..p.len()).collect();
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let n = idx.len();
    let bins = bins.min(n);
    let mut out = Vec::with_capacity(bins);
    for b in 0..bins {
        let part = &idx[b * n / bins..(b + 1) * n / bins];
        let rows = part.len();
        let mean_predicted = part.iter().map(|&i| p[i]).sum::<f64>() / rows as f64;
        let observed_rate = part.iter().filter(|&&i| y[i]).count() as f64 / rows as f64;
        out.push(CalibrationBin {
            rows,
            min_predicted: p[part[0]],
            max_predicted: p[part[rows - 1]],
            mean_predicted,
            observed_rate,
        });
    }
    Ok(out)
}

/// Lift of the top `fraction` of rows by score: their positive rate over the overall rate.
pub fn top_lift(y: &[bool], p: &[f64], fraction: f64) -> Result<f64, MlError> {
    check_inputs("lift", y, p)?;
    if !(fraction > 0.0 && fraction <= 1.0) {
        return Err(MlError::param("fraction", fraction, "must be in (0, 1]"));
    }
    let n = y.len() as f64;
    let base = y.iter().filter(|&&b| b).count() as f64 / n;
    if base == 0.0 {
        return Err(MlError::UndefinedMetric {
            metric: "lift",
            reason: "no positive labels".into(),
        });
    }
    let want = fraction * n;
    let idx = order_desc(p);
    let (mut taken, mut pos) = (0.0, 0.0);
    let mut k = 0;
    while k < idx.len() && taken < want {
        let mut j = k;
        while j + 1 < idx.len() && p[idx[j + 1]] == p[idx[k]] {
            j += 1;
        }
        let group = (j - k + 1) as f64;
        let group_pos = idx[k..=j].iter().filter(|&&i| y[i]).count() as f64;
        let take = group.min(want - taken);
        pos += group_pos * take / group;
        taken += take;
        k = j + 1;
    }
    Ok(pos / taken / base)
}

/// Every metric of a binary classifier on one set of predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BinaryMetrics {
    pub rows: usize,
    pub positives: usize,
    pub roc_auc: f64,
    pub pr_auc: f64,
    pub log_loss: f64,
    /// The rule that chose [`Confusion::threshold`].
    pub threshold_rule: ThresholdRule,
    pub at_threshold: Confusion,
    /// Deciles of the predicted score.
    pub calibration: Vec<CalibrationBin>,
    /// Positive rate in the top 10% by score over the base rate.
    pub top_decile_lift: f64,
}

impl BinaryMetrics {
    /// Computes everything; needs both classes present.
    pub fn compute(y: &[bool], p: &[f64], rule: ThresholdRule) -> Result<BinaryMetrics, MlError> {
        let threshold = choose_threshold(rule, y, p)?;
        Ok(BinaryMetrics {
            rows: y.len(),
            positives: y.iter().filter(|&&b| b).count(),
            roc_auc: roc_auc(y, p)?,
            pr_auc: average_precision(y, p)?,
            log_loss: log_loss(y, p)?,
            threshold_rule: rule,
            at_threshold: confusion_at(y, p, threshold)?,
            calibration: calibration_table(y, p, 10)?,
            top_decile_lift: top_lift(y, p, 0.1)?,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn roc_curve_runs_from_origin_to_one_and_matches_the_area() {
        let y = [true, false, true, true, false, false, true, false];
        let p = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2];
        let c = super::roc_curve(&y, &p, 100).expect("curve");
        assert_eq!(c.first(), Some(&[0.0, 0.0]));
        assert_eq!(c.last(), Some(&[1.0, 1.0]));
        let area: f64 = c
            .windows(2)
            .map(|w| (w[1][0] - w[0][0]) * (w[1][1] + w[0][1]) / 2.0)
            .sum();
        assert!((area - super::roc_auc(&y, &p).expect("auc")).abs() < 1e-12);
        let thin = super::roc_curve(&y, &p, 3).expect("thin");
        assert!(thin.len() <= 5 && thin.last() == Some(&[1.0, 1.0]), "{thin:?}");
        assert!(super::roc_curve(&[true, true], &[0.1, 0.2], 10).is_err());
    }

    // Fixed arrays; expected values printed by scikit-learn 1.9.1:
    //   y = [0,0,1,1,0,1,0,1,1,0,0,1]
    //   p = [0.1,0.4,0.35,0.8,0.4,0.9,0.2,0.4,0.65,0.7,0.05,0.5]
    //   roc_auc_score -> 0.8055555555555556   average_precision_score -> 0.8069444444444444
    //   log_loss -> 0.5019973694345644
    //   at p >= 0.5: accuracy 0.75, precision 0.8, recall 0.6666666666666666, f1 0.7272727272727273
    fn fixture() -> (Vec<bool>, Vec<f64>) {
        let y = [0, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 1].iter().map(|&v| v == 1).collect();
        let p = vec![0.1, 0.4, 0.35, 0.8, 0.4, 0.9, 0.2, 0.4, 0.65, 0.7, 0.05, 0.5];
        (y, p)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn agrees_with_sklearn_on_a_tied_fixture() {
        let (y, p) = fixture();
        assert!(close(roc_auc(&y, &p).unwrap(), 0.8055555555555556));
        assert!(close(average_precision(&y, &p).unwrap(), 0.8069444444444444));
        assert!(close(log_loss(&y, &p).unwrap(), 0.5019973694345644));
        let c = confusion_at(&y, &p, 0.5).unwrap();
        assert!(close(c.accuracy, 0.75));
        assert!(close(c.precision, 0.8));
        assert!(close(c.recall, 0.6666666666666666));
        assert!(close(c.f1, 0.7272727272727273));
    }

    #[test]
    fn all_tied_scores_and_clipping_match_sklearn() {
        // sklearn: roc_auc_score([0,1,0,1,1,0],[0.5]*6) = 0.5; average_precision_score = 0.5
        let y = vec![false, true, false, true, true, false];
        let p = vec![0.5; 6];
        assert!(close(roc_auc(&y, &p).unwrap(), 0.5));
        assert!(close(average_precision(&y, &p).unwrap(), 0.5));
        // sklearn: log_loss([0,1,0,1],[0.0,1.0,1.0,0.3]) = 9.311906548360772
        let ll = log_loss(&[false, true, false, true], &[0.0, 1.0, 1.0, 0.3]).unwrap();
        assert!((ll - 9.311906548360772).abs() < 1e-9, "{ll}");
    }

    #[test]
    fn one_class_is_an_error() {
        assert!(roc_auc(&[true, true], &[0.1, 0.2]).is_err());
        assert!(average_precision(&[false, false], &[0.1, 0.2]).is_err());
        assert!(roc_auc(&[true, false], &[0.1, f64::NAN]).is_err());
    }

    #[test]
    fn max_f1_threshold_is_the_best_cut() {
        let (y, p) = fixture();
        let t = choose_threshold(ThresholdRule::MaxF1, &y, &p).unwrap();
        let best = confusion_at(&y, &p, t).unwrap().f1;
        for &cand in &p {
            assert!(confusion_at(&y, &p, cand).unwrap().f1 <= best + 1e-12);
        }
        assert_eq!(choose_threshold(ThresholdRule::Fixed(0.3), &y, &p).unwrap(), 0.3);
    }

    #[test]
    fn calibration_deciles_and_lift() {
        let y: Vec<bool> = (0..100).map(|i| i % 10 < i / 10).collect();
        let p: Vec<f64> = (0..100).map(|i| (i / 10) as f64 / 10.0 + 0.05).collect();
        let t = calibration_table(&y, &p, 10).unwrap();
        assert_eq!(t.len(), 10);
        assert!(t.iter().all(|b| b.rows == 10));
        assert!(close(t[3].mean_predicted, 0.35));
        assert!(close(t[3].observed_rate, 0.3));
        // Top decile: rows 90..99, 9 of 10 positive; base rate 45/100.
        assert!(close(top_lift(&y, &p, 0.1).unwrap(), 0.9 / 0.45));
        // A constant score has lift 1 whatever the row order.
        assert!(close(top_lift(&y, &[0.3; 100], 0.1).unwrap(), 1.0));
    }

    #[test]
    fn compute_bundles_everything() {
        let (y, p) = fixture();
        let m = BinaryMetrics::compute(&y, &p, ThresholdRule::default()).unwrap();
        assert_eq!(m.rows, 12);
        assert_eq!(m.positives, 6);
        assert_eq!(m.at_threshold.threshold, 0.5);
        assert_eq!(m.calibration.len(), 10);
    }
}
