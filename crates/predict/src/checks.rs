//! Checks before any training, whose messages can go to the person who supplied the labels:
//!
//! * **Enough of each class**: at least `min_per_class` (100) positive and negative rows. Fewer
//!   cannot be learned from or evaluated honestly (one fold of five would hold 20 positives, and
//!   its AUC would swing by ±0.05). This is an error, with the counts.
//! * **Leakage**: a feature that (almost) *is* the label — a churn date, a "cancelled" flag,
//!   the label copied under another name — gives a perfect model that is useless on new people.
//!   A feature is excluded and reported when, on its own, it ranks the rows with ROC-AUC
//!   ≥ `leak_auc` (0.99) or ≤ 1 − `leak_auc` (missing values are tried both as the lowest and the
//!   highest value, so a feature that is present only for churners is caught too), or when it
//!   equals the label (or its complement) as 0/1 on ≥ `leak_agreement` (99%) of rows.

use huaxiang_ml::Dataset;
use huaxiang_ml::metrics::roc_auc;
use serde::{Deserialize, Serialize};

use crate::error::PredictError;

/// Thresholds of the pre-training checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckOptions {
    pub min_per_class: usize,
    pub leak_auc: f64,
    pub leak_agreement: f64,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            min_per_class: 100,
            leak_auc: 0.99,
            leak_agreement: 0.99,
        }
    }
}

/// A feature excluded as leakage, with the evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeakedFeature {
    pub name: String,
    /// The more extreme single-feature ROC-AUC of the two missing-value placements.
    pub auc: f64,
    /// Share of rows where the feature equals the label, or its complement, as 0/1 (the larger).
    pub agreement: f64,
    /// A one-line explanation with the numbers.
    pub message: String,
}

/// What the checks found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    pub positives: usize,
    pub negatives: usize,
    pub leaked: Vec<LeakedFeature>,
    /// The features left to train on.
    pub kept: Vec<String>,
}

impl CheckReport {
    /// One line per finding, for a console or a log.
    pub fn messages(&self) -> Vec<String> {
        let mut out = vec![format!(
            "{} positive and {} negative rows",
            self.positives, self.negatives
        )];
        out.extend(self.leaked.iter().map(|l| l.message.clone()));
        out
    }
}

/// Runs the checks. Fails on too few labels or when no feature is left.
pub fn check_training_data(data: &Dataset, opts: &CheckOptions) -> Result<CheckReport, PredictError> {
    if !(opts.leak_auc > 0.5 && opts.leak_auc <= 1.0) {
        return Err(PredictError::param("leak_auc", opts.leak_auc, "must be in (0.5, 1]"));
    }
    if !(opts.leak_agreement > 0.5 && opts.leak_agreement <= 1.0) {
        return Err(PredictError::param(
            "leak_agreement",
            opts.leak_agreement,
            "must be in (0.5, 1]",
        ));
    }
    let y = data.require_labels("pre-training checks")?;
    let positives = y.iter().filter(|&&b| b).count();
    let negatives = y.len() - positives;
    if positives < opts.min_per_class || negatives < opts.min_per_class {
        return Err(PredictError::TooFewLabels {
            positives,
            negatives,
            min: opts.min_per_class,
        });
    }
    let mut leaked = Vec::new();
    let mut kept = Vec::new();
    for (j, name) in data.columns().iter().enumerate() {
        let col = data.column(j);
        let (auc, agreement) = leak_evidence(y, &col);
        let hi = opts.leak_auc;
        if auc >= hi || auc <= 1.0 - hi || agreement >= opts.leak_agreement {
            let message = format!(
                "feature `{name}` looks like the label itself (single-feature ROC-AUC {auc:.3}, equal to the \
                 label on {:.1}% of rows; limits {hi} and {:.0}%) and was excluded",
                agreement * 100.0,
                opts.leak_agreement * 100.0
            );
            leaked.push(LeakedFeature {
                name: name.clone(),
                auc,
                agreement,
                message,
            });
        } else {
            kept.push(name.clone());
        }
    }
    if kept.is_empty() {
        let detail = if leaked.is_empty() {
            " (the data has no feature columns)".to_string()
        } else {
            format!(" (all {} features look like the label)", leaked.len())
        };
        return Err(PredictError::NoFeatures { detail });
    }
    Ok(CheckReport {
        positives,
        negatives,
        leaked,
        kept,
    })
}

/// (the more extreme AUC of the two missing placements, the larger agreement).
fn leak_evidence(y: &[bool], col: &[f64]) -> (f64, f64) {
    let present = col.iter().filter(|v| !v.is_nan());
    let (lo, hi) = present.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let mut auc: f64 = 0.5;
    if lo.is_finite() {
        for fill in [lo - 1.0, hi + 1.0] {
            let filled: Vec<f64> = col.iter().map(|&v| if v.is_nan() { fill } else { v }).collect();
            if let Ok(a) = roc_auc(y, &filled)
                && (a - 0.5).abs() > (auc - 0.5).abs()
            {
                auc = a;
            }
        }
    }
    let same = y
        .iter()
        .zip(col)
        .filter(|&(&t, &v)| v == if t { 1.0 } else { 0.0 })
        .count();
    let flip = y
        .iter()
        .zip(col)
        .filter(|&(&t, &v)| v == if t { 0.0 } else { 1.0 })
        .count();
    let agreement = same.max(flip) as f64 / y.len().max(1) as f64;
    (auc, agreement)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn data(n: usize, pos_every: usize) -> Dataset {
        let y: Vec<bool> = (0..n).map(|i| i % pos_every == 0).collect();
        let rows: Vec<Vec<f64>> = (0..n)
            .map(|i| {
                let label = if y[i] { 1.0 } else { 0.0 };
                // A noisy honest feature, a copy of the label with 0.5% flipped, and a
                // "cancel date" present only for positives.
                let honest = (i * 37 % 101) as f64 + label * 20.0;
                let copy = if i % 200 == 7 { 1.0 - label } else { label };
                let cancel = if y[i] { (i % 30) as f64 } else { f64::NAN };
                vec![honest, copy, cancel]
            })
            .collect();
        Dataset::from_rows(vec!["honest".into(), "label_copy".into(), "cancel_days".into()], &rows)
            .unwrap()
            .with_labels(y)
            .unwrap()
    }

    #[test]
    fn planted_label_copies_are_excluded_with_evidence() {
        let r = check_training_data(&data(1000, 3), &CheckOptions::default()).unwrap();
        assert_eq!(r.kept, vec!["honest"]);
        let names: Vec<&str> = r.leaked.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, vec!["label_copy", "cancel_days"]);
        assert!(r.leaked[0].agreement >= 0.99 && r.leaked[0].message.contains("label_copy"));
        assert!(
            r.leaked[1].auc >= 0.99 || r.leaked[1].auc <= 0.01,
            "{}",
            r.leaked[1].auc
        );
    }

    #[test]
    fn fewer_than_100_of_a_class_is_an_error_with_the_counts() {
        let e = check_training_data(&data(1000, 11), &CheckOptions::default()).unwrap_err();
        match &e {
            PredictError::TooFewLabels {
                positives,
                negatives,
                min,
            } => {
                assert_eq!((*positives, *negatives, *min), (91, 909, 100));
            }
            other => panic!("{other:?}"),
        }
        let msg = e.to_string();
        assert!(
            msg.contains("91 positive") && msg.contains("909 negative") && msg.contains("100"),
            "{msg}"
        );
        assert!(check_training_data(&data(1000, 10), &CheckOptions::default()).is_ok());
    }
}
