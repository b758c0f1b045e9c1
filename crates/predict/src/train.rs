//! The training pipeline the CLI and the workspace pipeline call: checks → exclusions →
//! cross-validation of both kinds on the same folds → grade → final fit on all rows → threshold →
//! importance → a [`Model`] ready to store.

use huaxiang_ml::metrics::ThresholdRule;
use huaxiang_ml::{CheckParams, Dataset, Fit};
use serde::{Deserialize, Serialize};

use crate::checks::{CheckOptions, CheckReport, check_training_data};
use crate::cv::{CvReport, cross_validate, grade};
use crate::error::PredictError;
use crate::estimator::{ModelKind, ModelSpec};
use crate::explain::importance;
use crate::gbdt::GbdtParams;
use crate::logistic::LogisticParams;
use crate::model::{Evaluation, FORMAT_VERSION, Model, Threshold, TrainingInfo};

/// Which model to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelChoice {
    Gbdt,
    Logistic,
    /// The kind with the higher mean cross-validated ROC-AUC (gbdt when CV is off).
    Best,
}

/// Everything `train` needs besides the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
    pub model: ModelChoice,
    pub gbdt: GbdtParams,
    pub logistic: LogisticParams,
    /// Folds of the cross-validation (both kinds, same folds); 0 turns it off.
    pub cv_folds: usize,
    /// Seeds the folds (the booster has its own seed in `gbdt`).
    pub seed: u64,
    pub checks: CheckOptions,
    /// `Fixed(0.5)` by default; `MaxF1` is chosen on out-of-fold scores and needs CV.
    pub threshold: ThresholdRule,
    /// The label's name, stored in the model.
    pub label: Option<String>,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            model: ModelChoice::Best,
            gbdt: GbdtParams::default(),
            logistic: LogisticParams::default(),
            cv_folds: 5,
            seed: 42,
            checks: CheckOptions::default(),
            threshold: ThresholdRule::Fixed(0.5),
            label: None,
        }
    }
}

impl CheckParams for TrainOptions {
    type Error = PredictError;
    fn check(&self) -> Result<(), PredictError> {
        self.gbdt.check()?;
        self.logistic.check()?;
        if self.cv_folds == 1 {
            return Err(PredictError::param(
                "cv_folds",
                1,
                "use 0 (no cross-validation) or at least 2",
            ));
        }
        match self.threshold {
            ThresholdRule::Fixed(t) if !(t > 0.0 && t < 1.0) => {
                Err(PredictError::param("threshold", t, "must be strictly between 0 and 1"))
            }
            ThresholdRule::MaxF1 if self.cv_folds == 0 => Err(PredictError::param(
                "threshold",
                "max_f1",
                "needs cross-validation (cv_folds ≥ 2)",
            )),
            _ => Ok(()),
        }
    }
}

/// A trained model and what the checks found.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainOutcome {
    pub model: Model,
    pub checks: CheckReport,
}

/// Rows used to measure global importance.
const IMPORTANCE_ROWS: usize = 5_000;

/// Checks, cross-validates, grades, fits and packages a model. See the module docs for the order.
pub fn train(data: &Dataset, opts: &TrainOptions) -> Result<TrainOutcome, PredictError> {
    opts.check()?;
    let checks = check_training_data(data, &opts.checks)?;
    let clean = data.select_columns(&checks.kept)?;
    let gbdt_spec = ModelSpec::Gbdt(opts.gbdt.clone());
    let logistic_spec = ModelSpec::Logistic(opts.logistic.clone());

    let evaluation = if opts.cv_folds >= 2 {
        let g = cross_validate(&clean, &gbdt_spec, opts.cv_folds, opts.seed)?;
        let l = cross_validate(&clean, &logistic_spec, opts.cv_folds, opts.seed)?;
        let grade = grade(&g, &l);
        Some(Evaluation {
            gbdt: Some(g),
            logistic: Some(l),
            grade: Some(grade),
        })
    } else {
        None
    };
    let kind = match opts.model {
        ModelChoice::Gbdt => ModelKind::Gbdt,
        ModelChoice::Logistic => ModelKind::Logistic,
        ModelChoice::Best => match evaluation.as_ref().and_then(|e| e.grade.as_ref()) {
            Some(g) if g.logistic_auc > g.gbdt_auc => ModelKind::Logistic,
            _ => ModelKind::Gbdt,
        },
    };
    let spec = if kind == ModelKind::Gbdt {
        gbdt_spec
    } else {
        logistic_spec
    };
    let estimator = spec.fit(&clean)?;

    let chosen_cv: Option<&CvReport> = evaluation.as_ref().and_then(|e| match kind {
        ModelKind::Gbdt => e.gbdt.as_ref(),
        ModelKind::Logistic => e.logistic.as_ref(),
    });
    let threshold = match (opts.threshold, chosen_cv) {
        (ThresholdRule::Fixed(t), _) => Threshold {
            rule: opts.threshold,
            value: t,
            chosen_on: "fixed".into(),
        },
        (ThresholdRule::MaxF1, Some(cv)) => Threshold {
            rule: ThresholdRule::MaxF1,
            value: cv.max_f1_threshold,
            chosen_on: format!("out-of-fold scores of {}-fold cross-validation", cv.folds),
        },
        (ThresholdRule::MaxF1, None) => {
            return Err(PredictError::param(
                "threshold",
                "max_f1",
                "needs cross-validation (cv_folds ≥ 2)",
            ));
        }
    };

    let step = clean.n_rows().div_ceil(IMPORTANCE_ROWS).max(1);
    let sample: Vec<usize> = (0..clean.n_rows()).step_by(step).collect();
    let importance = importance(&estimator.contributions(&clean.select_rows(&sample)?)?);

    let model = Model {
        format_version: FORMAT_VERSION,
        kind,
        label: opts.label.clone(),
        feature_names: clean.columns().to_vec(),
        spec,
        training: TrainingInfo {
            rows: clean.n_rows(),
            positives: checks.positives,
            negatives: checks.negatives,
            data_hash: format!("sha256:{}", clean.content_hash()),
            excluded: checks.leaked.clone(),
        },
        threshold,
        evaluation,
        importance,
        estimator,
    };
    Ok(TrainOutcome { model, checks })
}
