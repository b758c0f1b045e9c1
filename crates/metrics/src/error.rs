//! The error type of huaxiang-metrics. Every variant names what the user
//! wrote that failed: the catalog file and metric, the dimension, the flag.

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] huaxiang_store::StoreError),
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// A catalog file or one of its metrics is invalid.
    #[error("metric catalog {file}{}: {message}", metric.as_ref().map(|m| format!(", metric `{m}`")).unwrap_or_default())]
    Catalog {
        file: String,
        metric: Option<String>,
        message: String,
    },
    #[error("unknown metric `{name}` ({hint}); `huaxiang metric list` shows the catalog")]
    UnknownMetric { name: String, hint: String },
    #[error("metric `{metric}`, dimension `{dimension}`: {message}")]
    Dimension {
        metric: String,
        dimension: String,
        message: String,
    },
    #[error("time range: {0}")]
    Range(String),
    #[error("--where `{expr}`: {message}")]
    Where { expr: String, message: String },
    #[error("metric `{metric}` needs table `{table}`, which this workspace does not have yet; {hint}")]
    MissingTable {
        metric: String,
        table: String,
        hint: String,
    },
    #[error("no as-of day: the workspace has no build, no orders and no events yet; ingest data first")]
    NoAsOf,
    /// Writing a precomputed fact failed (the `metrics` build stage).
    #[error("precomputed facts: {0}")]
    Precompute(String),
    #[error("metric `{metric}`: the query failed: {message}\n{sql}")]
    Query {
        metric: String,
        message: String,
        sql: String,
    },
}

impl From<datafusion::error::DataFusionError> for Error {
    fn from(e: datafusion::error::DataFusionError) -> Self {
        Error::Store(e.into())
    }
}
