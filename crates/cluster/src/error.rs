//! The one error type of the crate.

use thiserror::Error;

/// Everything that can go wrong while clustering. Messages name the
/// offending parameter or column so the CLI can print them as they are.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum Error {
    /// A parameter is out of range or contradicts another one.
    #[error("invalid parameter `{param}`: {reason}")]
    InvalidParam { param: &'static str, reason: String },

    /// An algorithm name that is not one of kmeans, gmm, dbscan, hierarchical.
    #[error("unknown clustering algorithm `{0}` (expected kmeans, gmm, dbscan or hierarchical)")]
    UnknownAlgo(String),

    /// `--k` that is neither a positive integer nor `auto`.
    #[error("invalid k `{0}` (expected a positive integer or `auto`)")]
    InvalidK(String),

    /// No rows or no usable columns.
    #[error("empty input: {0}")]
    EmptyInput(String),

    /// More clusters asked for than there are rows.
    #[error("k = {k} is larger than the number of rows ({n})")]
    KExceedsRows { k: usize, n: usize },

    /// Column bookkeeping: wrong length, duplicate or unknown name.
    #[error("column `{name}`: {reason}")]
    Column { name: String, reason: String },

    /// A matrix with a NaN or infinite value reached a fitting routine.
    #[error("the model matrix has a non-finite value at row {row}, column {col}")]
    NonFinite { row: usize, col: usize },

    /// Two label vectors of different lengths were compared.
    #[error("label vectors differ in length ({0} vs {1})")]
    LengthMismatch(usize, usize),

    /// A numerical failure (e.g. a covariance that is not positive definite).
    #[error("numerical failure in {what}: {reason}")]
    Numerical { what: &'static str, reason: String },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn param(param: &'static str, reason: impl Into<String>) -> Error {
        Error::InvalidParam {
            param,
            reason: reason.into(),
        }
    }
}
