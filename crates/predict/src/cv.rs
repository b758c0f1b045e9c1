//! Stratified k-fold cross-validation and the grade of the booster against the logistic baseline.
//!
//! Every fold fits on k−1 parts and scores the held-out part. Per fold we report ROC-AUC,
//! PR-AUC, log-loss, and accuracy and F1 at the fixed threshold 0.5 (the scores are
//! probabilities, so 0.5 is "more likely than not"). The held-out scores of all folds together
//! ("out-of-fold") give the pooled metrics, the decile calibration table, the top-decile lift, and
//! the max-F1 threshold — chosen on out-of-fold scores, never on scores of rows the model was
//! fitted on, and reported next to the F1 it gives.
//!
//! The grade compares mean fold AUCs on the *same* folds: `better` when the booster is ahead by
//! more than [`SAME_AUC`], `worse` when behind by more, otherwise `same`.

use std::time::Instant;

use huaxiang_ml::metrics::{BinaryMetrics, ThresholdRule, choose_threshold, confusion_at};
use huaxiang_ml::{Dataset, Fit, Predict, stratified_kfold};
use serde::{Deserialize, Serialize};

use crate::error::PredictError;
use crate::estimator::{ModelKind, ModelSpec};

/// AUC differences within this are graded `same`.
pub const SAME_AUC: f64 = 0.005;

/// The metrics of one held-out fold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldResult {
    pub fold: usize,
    pub train_rows: usize,
    pub test_rows: usize,
    pub roc_auc: f64,
    pub pr_auc: f64,
    pub log_loss: f64,
    /// At threshold 0.5.
    pub accuracy: f64,
    /// At threshold 0.5.
    pub f1: f64,
    pub fit_seconds: f64,
}

/// Mean (or standard deviation) of the fold metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricSummary {
    pub roc_auc: f64,
    pub pr_auc: f64,
    pub log_loss: f64,
    pub accuracy: f64,
    pub f1: f64,
}

/// The result of cross-validating one model kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvReport {
    pub kind: ModelKind,
    pub folds: usize,
    pub seed: u64,
    pub per_fold: Vec<FoldResult>,
    pub mean: MetricSummary,
    /// Sample standard deviation over folds.
    pub std: MetricSummary,
    /// Out-of-fold predictions of all rows together, at threshold 0.5.
    pub pooled: BinaryMetrics,
    /// The threshold maximising F1 on the out-of-fold scores, and that F1.
    pub max_f1_threshold: f64,
    pub max_f1: f64,
    /// The ROC curve of the out-of-fold scores, `[fpr, tpr]`, about 100 points.
    #[serde(default)]
    pub roc_curve: Vec<[f64; 2]>,
    /// The out-of-fold score of every row, in row order (not serialised).
    #[serde(skip)]
    pub oof: Vec<f64>,
}

/// Cross-validates one model on `k` stratified folds (seeded).
pub fn cross_validate(data: &Dataset, spec: &ModelSpec, k: usize, seed: u64) -> Result<CvReport, PredictError> {
    use huaxiang_ml::CheckParams;
    spec.check()?;
    let y = data.require_labels("cross-validation")?;
    let folds = stratified_kfold(y, k, seed)?;
    let mut oof = vec![0.0; data.n_rows()];
    let mut per_fold = Vec::with_capacity(k);
    for (f, fold) in folds.iter().enumerate() {
        let train = data.select_rows(&fold.train)?;
        let test = data.select_rows(&fold.test)?;
        let t = Instant::now();
        let model = spec.fit(&train)?;
        let fit_seconds = t.elapsed().as_secs_f64();
        let p = model.predict(&test)?;
        let yt = test.require_labels("cross-validation fold")?;
        let m = BinaryMetrics::compute(yt, &p, ThresholdRule::Fixed(0.5))?;
        per_fold.push(FoldResult {
            fold: f,
            train_rows: fold.train.len(),
            test_rows: fold.test.len(),
            roc_auc: m.roc_auc,
            pr_auc: m.pr_auc,
            log_loss: m.log_loss,
            accuracy: m.at_threshold.accuracy,
            f1: m.at_threshold.f1,
            fit_seconds,
        });
        for (&i, &s) in fold.test.iter().zip(&p) {
            oof[i] = s;
        }
    }
    let pooled = BinaryMetrics::compute(y, &oof, ThresholdRule::Fixed(0.5))?;
    let max_f1_threshold = choose_threshold(ThresholdRule::MaxF1, y, &oof)?;
    let max_f1 = confusion_at(y, &oof, max_f1_threshold)?.f1;
    let (mean, std) = summarise(&per_fold);
    let roc_curve = huaxiang_ml::metrics::roc_curve(y, &oof, 100).unwrap_or_default();
    Ok(CvReport {
        kind: spec.kind(),
        folds: k,
        seed,
        per_fold,
        mean,
        std,
        pooled,
        max_f1_threshold,
        max_f1,
        roc_curve,
        oof,
    })
}

fn summarise(folds: &[FoldResult]) -> (MetricSummary, MetricSummary) {
    let stat = |f: &dyn Fn(&FoldResult) -> f64| {
        let n = folds.len() as f64;
        let mean = folds.iter().map(f).sum::<f64>() / n;
        let var = if folds.len() > 1 {
            folds.iter().map(|r| (f(r) - mean).powi(2)).sum::<f64>() / (n - 1.0)
        } else {
            0.0
        };
        (mean, var.sqrt())
    };
    let (a, a_s) = stat(&|r| r.roc_auc);
    let (p, p_s) = stat(&|r| r.pr_auc);
    let (l, l_s) = stat(&|r| r.log_loss);
    let (c, c_s) = stat(&|r| r.accuracy);
    let (f, f_s) = stat(&|r| r.f1);
    (
        MetricSummary {
            roc_auc: a,
            pr_auc: p,
            log_loss: l,
            accuracy: c,
            f1: f,
        },
        MetricSummary {
            roc_auc: a_s,
            pr_auc: p_s,
            log_loss: l_s,
            accuracy: c_s,
            f1: f_s,
        },
    )
}

/// How the booster compares with the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GradeLabel {
    Better,
    Same,
    Worse,
}

/// The booster's grade against the logistic baseline on the same folds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grade {
    pub gbdt_auc: f64,
    pub logistic_auc: f64,
    /// gbdt − logistic, mean fold ROC-AUC.
    pub auc_difference: f64,
    /// Folds where the booster's AUC was higher.
    pub folds_won: usize,
    pub folds: usize,
    pub label: GradeLabel,
    pub message: String,
}

/// Grades `gbdt` against `logistic` (both cross-validated with the same folds and seed).
pub fn grade(gbdt: &CvReport, logistic: &CvReport) -> Grade {
    let d = gbdt.mean.roc_auc - logistic.mean.roc_auc;
    let label = if d > SAME_AUC {
        GradeLabel::Better
    } else if d < -SAME_AUC {
        GradeLabel::Worse
    } else {
        GradeLabel::Same
    };
    let folds_won = gbdt
        .per_fold
        .iter()
        .zip(&logistic.per_fold)
        .filter(|(g, l)| g.roc_auc > l.roc_auc)
        .count();
    let word = match label {
        GradeLabel::Better => "better than",
        GradeLabel::Same => "about the same as",
        GradeLabel::Worse => "worse than",
    };
    let message = format!(
        "gbdt is {word} the logistic baseline: ROC-AUC {:.4} vs {:.4} ({d:+.4}; |difference| ≤ {SAME_AUC} counts as the \
         same), ahead on {folds_won} of {} folds",
        gbdt.mean.roc_auc,
        logistic.mean.roc_auc,
        gbdt.per_fold.len()
    );
    Grade {
        gbdt_auc: gbdt.mean.roc_auc,
        logistic_auc: logistic.mean.roc_auc,
        auc_difference: d,
        folds_won,
        folds: gbdt.per_fold.len(),
        label,
        message,
    }
}
