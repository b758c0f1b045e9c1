//! The ingest error type. Row-level problems are not errors: they go to
//! quarantine. These are the problems that stop an ingest.

use std::path::PathBuf;

pub type Result<T, E = IngestError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Read(#[from] crate::reader::ReadError),
    #[error(transparent)]
    Db(#[from] crate::reader::db::DbError),
    #[error(transparent)]
    Store(#[from] huaxiang_store::StoreError),
    #[error(transparent)]
    Core(#[from] huaxiang_core::CoreError),
    #[error("{input}: mapping: {message}")]
    Mapping { input: String, message: String },
    #[error("{input}: derived column `{column}` = `{expr}`: {message}")]
    Derive {
        input: String,
        column: String,
        expr: String,
        message: String,
    },
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    #[error("ingest worker thread: {0}")]
    Thread(String),
}

/// Builds an [`IngestError::Mapping`].
#[macro_export]
macro_rules! mapping_err {
    ($input:expr, $($arg:tt)*) => {
        $crate::error::IngestError::Mapping { input: ($input).to_string(), message: format!($($arg)*) }
    };
}
