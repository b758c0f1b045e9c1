//! The error type of the CLV crate.
//!
//! Every variant carries enough context to act on without a debugger: a bad
//! value in a file names the file, the line, the column and the value; a
//! parameter names itself; a model that cannot be fitted says which and why.

use std::fmt;
use std::path::PathBuf;

use chrono::NaiveDate;

/// Result alias used across `huaxiang-clv`.
pub type Result<T, E = ClvError> = std::result::Result<T, E>;

/// Everything that can go wrong between a transaction file and a prediction.
#[derive(Debug, thiserror::Error)]
pub enum ClvError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A malformed CSV record (unbalanced quotes, wrong number of fields, …).
    #[error("{source_name}{}: {message}", LineSuffix(*line))]
    Csv {
        source_name: String,
        line: Option<u64>,
        message: String,
    },
    #[error(
        "{source_name}: no column `{column}` (the {role} column); available columns: {}",
        available.join(", ")
    )]
    MissingColumn {
        source_name: String,
        column: String,
        role: &'static str,
        available: Vec<String>,
    },
    /// A value in a transaction file that cannot be used as it is.
    #[error("{source_name}, line {line}, column `{column}`: {reason}: `{value}`")]
    InvalidField {
        source_name: String,
        line: u64,
        column: String,
        value: String,
        reason: String,
    },
    /// A value in in-memory transaction rows (`row` counts from 1).
    #[error("transaction row {row} (customer `{customer}`), {field}: {reason}: `{value}`")]
    InvalidRow {
        row: usize,
        customer: String,
        field: &'static str,
        value: String,
        reason: String,
    },
    #[error("{source_name} holds no transactions")]
    NoTransactions { source_name: String },
    #[error("calibration end {calibration_end} is before all data: the first transaction is on {first_date}")]
    CalibrationEndBeforeData {
        calibration_end: NaiveDate,
        first_date: NaiveDate,
    },
    #[error("{model} needs at least {needed} {what} to fit, got {got}")]
    TooFewCustomers {
        model: &'static str,
        what: &'static str,
        needed: usize,
        got: usize,
    },
    #[error("BG/NBD cannot be fitted: no customer made a repeat purchase before the calibration end")]
    NoRepeatPurchases,
    #[error("Gamma-Gamma needs transaction amounts, but the transactions were read without an amount column")]
    NoAmounts,
    #[error("invalid {name} `{value}`: {reason}")]
    InvalidParameter {
        name: &'static str,
        value: String,
        reason: String,
    },
    #[error(
        "{model} fit did not converge after {iterations} iterations (largest gradient component {gradient:.3e}); the data may not identify the model"
    )]
    NotConverged {
        model: &'static str,
        iterations: usize,
        gradient: f64,
    },
    #[error("Gamma-Gamma q = {q} ≤ 1: the population mean order value is infinite, so expected spend is undefined")]
    UndefinedMeanValue { q: f64 },
}

/// Formats `, line N` when the line is known.
struct LineSuffix(Option<u64>);

impl fmt::Display for LineSuffix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(line) => write!(f, ", line {line}"),
            None => Ok(()),
        }
    }
}
