//! A trained model as a registry stores it: the estimator plus everything needed to trust and
//! reuse it — feature names (scoring matches columns by name), parameters, the training data's
//! hash, the pre-training findings, the cross-validated metrics, the threshold and the global
//! importance. It round-trips through JSON exactly (`serde_json` with `float_roundtrip`), so a
//! model read back scores bit for bit like the one written.

use huaxiang_ml::metrics::ThresholdRule;
use huaxiang_ml::{Dataset, Predict};
use serde::{Deserialize, Serialize};

use crate::checks::LeakedFeature;
use crate::cv::{CvReport, Grade};
use crate::error::PredictError;
use crate::estimator::{Contributions, Estimator, ModelKind, ModelSpec};
use crate::explain::{Explanation, FeatureImportance, top_reasons};
use crate::gbdt::sigmoid;

/// The JSON format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// What the model was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingInfo {
    pub rows: usize,
    pub positives: usize,
    pub negatives: usize,
    /// `sha256:` + [`Dataset::content_hash`] of the training matrix after exclusions (column
    /// names, values as little-endian f64 bits with one canonical NaN, labels; not the ids).
    pub data_hash: String,
    /// Features excluded before training as leakage, with the evidence.
    pub excluded: Vec<LeakedFeature>,
}

/// The decision threshold stored with the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Threshold {
    pub rule: ThresholdRule,
    pub value: f64,
    /// Where a data-driven threshold was chosen (e.g. "out-of-fold scores of 5-fold CV").
    pub chosen_on: String,
}

/// The cross-validation results stored with the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub gbdt: Option<CvReport>,
    pub logistic: Option<CvReport>,
    pub grade: Option<Grade>,
}

/// A trained, explainable, serialisable propensity model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub format_version: u32,
    pub kind: ModelKind,
    /// The label column it predicts, when known (e.g. `Churn`).
    pub label: Option<String>,
    pub feature_names: Vec<String>,
    pub spec: ModelSpec,
    pub training: TrainingInfo,
    pub threshold: Threshold,
    pub evaluation: Option<Evaluation>,
    /// Mean |contribution| per feature on the training rows (up to 5,000 sampled), largest first.
    pub importance: Vec<FeatureImportance>,
    pub estimator: Estimator,
}

/// Scores of a batch of rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    pub ids: Option<Vec<String>>,
    /// Probability of the positive label.
    pub scores: Vec<f64>,
    /// 100 × the share of rows in this batch scored at or below each row (the top row is 100).
    pub percentiles: Vec<f64>,
    /// Whether each score is at or above the model's threshold.
    pub flagged: Vec<bool>,
}

impl Model {
    /// The model as pretty JSON.
    pub fn to_json(&self) -> Result<String, PredictError> {
        serde_json::to_string_pretty(self).map_err(|e| PredictError::ModelFormat(e.to_string()))
    }

    /// A model from JSON written by [`Model::to_json`].
    pub fn from_json(text: &str) -> Result<Model, PredictError> {
        let m: Model = serde_json::from_str(text).map_err(|e| PredictError::ModelFormat(e.to_string()))?;
        if m.format_version != FORMAT_VERSION {
            return Err(PredictError::ModelFormat(format!(
                "format version {} (this build reads version {FORMAT_VERSION})",
                m.format_version
            )));
        }
        if m.feature_names != m.estimator.feature_names() {
            return Err(PredictError::ModelFormat(
                "feature names disagree with the estimator's".into(),
            ));
        }
        Ok(m)
    }

    /// Scores and within-batch percentiles; columns are matched by name (a missing feature is
    /// an error naming it; extra columns are ignored).
    pub fn score(&self, data: &Dataset) -> Result<Scores, PredictError> {
        let scores = self.predict(data)?;
        Ok(Scores {
            ids: data.ids().map(<[String]>::to_vec),
            percentiles: percentiles(&scores),
            flagged: scores.iter().map(|&s| s >= self.threshold.value).collect(),
            scores,
        })
    }

    /// Per-feature contributions (log-odds) of every row.
    pub fn contributions(&self, data: &Dataset) -> Result<Contributions, PredictError> {
        self.estimator.contributions(data)
    }

    /// Each row's score with its top-`k` reasons in Chinese and English.
    pub fn explain(&self, data: &Dataset, k: usize) -> Result<Vec<Explanation>, PredictError> {
        let d = data.select_columns(&self.feature_names)?;
        let c = self.estimator.contributions(&d)?;
        Ok((0..d.n_rows())
            .map(|i| {
                let raw = c.base + c.row(i).iter().sum::<f64>();
                Explanation {
                    id: d.ids().map(|ids| ids[i].clone()),
                    score: sigmoid(raw),
                    base: c.base,
                    reasons: top_reasons(&c, i, d.row(i), k),
                }
            })
            .collect())
    }
}

impl Predict for Model {
    type Output = Vec<f64>;
    type Error = PredictError;
    fn predict(&self, data: &Dataset) -> Result<Vec<f64>, PredictError> {
        self.estimator.predict(data)
    }
}

/// 100 × (rows scored ≤ this row) / rows.
pub fn percentiles(scores: &[f64]) -> Vec<f64> {
    let n = scores.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut out = vec![0.0; n];
    let mut k = 0;
    while k < n {
        let mut j = k;
        while j + 1 < n && scores[order[j + 1]] == scores[order[k]] {
            j += 1;
        }
        let pct = 100.0 * (j + 1) as f64 / n as f64;
        for &i in &order[k..=j] {
            out[i] = pct;
        }
        k = j + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_rank_within_the_batch_with_ties_sharing() {
        assert_eq!(percentiles(&[0.2, 0.9, 0.5, 0.5]), vec![25.0, 100.0, 75.0, 75.0]);
        assert!(percentiles(&[]).is_empty());
    }
}
