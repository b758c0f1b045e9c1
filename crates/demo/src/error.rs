//! The error type of the demo generator.

use std::path::PathBuf;

/// Everything that can go wrong while generating the demo data set.
///
/// Generation itself is pure computation; only the options and the file system can fail.
/// Every I/O error names the file or directory it happened on.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The requested number of customers is outside the supported range.
    #[error("the demo needs between {min} and {max} customers, got {got}")]
    InvalidCustomerCount {
        /// The value that was asked for.
        got: usize,
        /// The smallest supported value.
        min: usize,
        /// The largest supported value (bounded by the 8-digit customer ids).
        max: usize,
    },
    /// The output directory (or its `truth/` subdirectory) could not be created.
    #[error("cannot create directory {path}: {source}")]
    CreateDir {
        /// The directory that could not be created.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A data file could not be created or written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file being written.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
}
