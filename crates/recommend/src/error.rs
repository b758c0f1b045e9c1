//! The crate's error type.

use thiserror::Error;

/// Everything that can go wrong while building data, fitting or evaluating.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum RecommendError {
    /// A parameter is outside its valid range; `name` is the field name.
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter {
        /// Field name of the offending parameter.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// `fit` was given no usable rows (no interactions, or all weights zero).
    #[error("no training data: {0}")]
    EmptyTrainingData(String),
    /// An evaluation found nothing to evaluate (no test users or sessions).
    #[error("nothing to evaluate: {0}")]
    NothingToEvaluate(String),
    /// More distinct keys than fit in a `u32` id.
    #[error("too many distinct {0} keys (more than u32::MAX)")]
    TooManyKeys(&'static str),
    /// A timestamp is not finite (NaN or infinite).
    #[error("non-finite timestamp in session `{0}`")]
    NonFiniteTime(String),
}

/// Crate-wide result alias.
pub type Result<T, E = RecommendError> = std::result::Result<T, E>;

/// Shorthand used by the parameter validators.
pub(crate) fn invalid(name: &'static str, reason: impl Into<String>) -> RecommendError {
    RecommendError::InvalidParameter {
        name,
        reason: reason.into(),
    }
}
