//! The one error type of the crate. Pre-training checks fail with the numbers that failed them,
//! so the message can be shown to the person who supplied the labels as it is.

use huaxiang_ml::MlError;

#[derive(Debug, thiserror::Error)]
pub enum PredictError {
    /// Reading, splitting, metrics or column matching failed in the shared model ground.
    #[error(transparent)]
    Ml(#[from] MlError),

    /// Too few examples of a class to learn from or to evaluate on.
    #[error(
        "too few labelled examples: {positives} positive and {negatives} negative rows; \
         at least {min} of each are needed to train and evaluate a model"
    )]
    TooFewLabels {
        positives: usize,
        negatives: usize,
        min: usize,
    },

    /// Every feature was excluded (leakage) or the data has no feature columns.
    #[error("no usable feature is left to train on{detail}")]
    NoFeatures { detail: String },

    /// A parameter is outside its valid range; checked before any work is done.
    #[error("invalid parameter `{name}` = {value}: {reason}")]
    InvalidParam {
        name: &'static str,
        value: String,
        reason: String,
    },

    /// The logistic regression could not be solved (a singular system even with the penalty).
    #[error("logistic regression did not converge: {0}")]
    NotConverged(String),

    /// A model file is not valid JSON of a model, or of a format version this build cannot read.
    #[error("cannot read the model: {0}")]
    ModelFormat(String),
}

impl PredictError {
    pub(crate) fn param(name: &'static str, value: impl ToString, reason: impl Into<String>) -> PredictError {
        PredictError::InvalidParam {
            name,
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}
