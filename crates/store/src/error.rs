//! The one error type of the store, with conversions from the engines below it.

use std::path::PathBuf;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} is not a Huaxiang workspace (no huaxiang.toml); create one with: huaxiang init {0}")]
    NotAWorkspace(PathBuf),
    #[error("{0} already holds a Huaxiang workspace")]
    AlreadyAWorkspace(PathBuf),
    #[error(transparent)]
    Core(#[from] huaxiang_core::CoreError),
    #[error(transparent)]
    Key(#[from] huaxiang_pii::KeyError),
    #[error("table `{table}`: {source}")]
    Delta {
        table: String,
        #[source]
        source: Box<deltalake::DeltaTableError>,
    },
    #[error("SQL: {0}")]
    Sql(String),
    #[error("only reading queries are allowed here ({0}); tables change through ingest and build")]
    ReadOnly(String),
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("revealing personal data is not allowed: {0}")]
    RevealRefused(String),
    #[error("metadata file {path} is damaged: {message}")]
    Meta { path: PathBuf, message: String },
}

impl From<datafusion::error::DataFusionError> for StoreError {
    fn from(e: datafusion::error::DataFusionError) -> Self {
        StoreError::Sql(e.to_string())
    }
}

/// Wraps a Delta error with the table it concerns.
pub(crate) fn delta(table: &str) -> impl FnOnce(deltalake::DeltaTableError) -> StoreError + '_ {
    move |source| StoreError::Delta {
        table: table.to_string(),
        source: Box::new(source),
    }
}

/// Builds a [`StoreError::Io`].
pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> StoreError {
    let path = path.into();
    move |source| StoreError::Io { action, path, source }
}
