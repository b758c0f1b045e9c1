//! The one error type of the crate. Every variant carries enough context to act on without a
//! debugger: a bad cell names its file, line, column and value; a missing feature names itself.

use std::path::PathBuf;

/// Errors from reading data, splitting, scoring metrics and checking parameters.
#[derive(Debug, thiserror::Error)]
pub enum MlError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The CSV is malformed (unbalanced quotes, a row with the wrong number of fields, bad UTF-8).
    #[error("{path}: malformed CSV: {source}")]
    Csv {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },

    /// A column named on the command line is not in the file's header.
    #[error("{path}: no column named `{column}`; the header has: {available}")]
    MissingColumn {
        path: PathBuf,
        column: String,
        available: String,
    },

    /// The same column name appears twice in a header or a column list.
    #[error("{context}: column `{column}` appears more than once")]
    DuplicateColumn { context: String, column: String },

    /// A label cell that is not one of the accepted binary spellings.
    #[error(
        "{path}, line {line}, column `{column}`: label value `{value}` is not binary \
         (accepted, case-insensitive: 1/0, true/false, yes/no, y/n)"
    )]
    BadLabel {
        path: PathBuf,
        line: u64,
        column: String,
        value: String,
    },

    /// A blank label cell while blank labels are configured as errors.
    #[error("{path}, line {line}, column `{column}`: the label is blank")]
    BlankLabel { path: PathBuf, line: u64, column: String },

    /// The file has a header but no usable data row.
    #[error("{path}: no data rows{detail}")]
    NoRows { path: PathBuf, detail: String },

    /// A feature the model was trained on is not among the columns of the data to score.
    #[error("feature `{name}` is missing from the data (the model needs it; the data has {available} columns)")]
    MissingFeature { name: String, available: usize },

    /// Two arrays that must have the same length (or a matrix whose size does not match its shape).
    #[error("shape mismatch in {context}: expected {expected}, got {got}")]
    Shape {
        context: String,
        expected: usize,
        got: usize,
    },

    /// An operation needs labels, and the dataset has none.
    #[error("{context}: the dataset has no labels")]
    NoLabels { context: String },

    /// A metric is undefined for its input (only one class present, no rows, a NaN score).
    #[error("{metric} is undefined: {reason}")]
    UndefinedMetric { metric: &'static str, reason: String },

    /// A parameter is outside its valid range; checked before any work is done.
    #[error("invalid parameter `{name}` = {value}: {reason}")]
    InvalidParam {
        name: &'static str,
        value: String,
        reason: String,
    },

    /// A split that cannot be made (more folds than members of a class, an empty test set).
    #[error("cannot split: {0}")]
    Split(String),
}

impl MlError {
    pub(crate) fn shape(context: impl Into<String>, expected: usize, got: usize) -> MlError {
        MlError::Shape {
            context: context.into(),
            expected,
            got,
        }
    }

    pub(crate) fn param(name: &'static str, value: impl ToString, reason: impl Into<String>) -> MlError {
        MlError::InvalidParam {
            name,
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}
