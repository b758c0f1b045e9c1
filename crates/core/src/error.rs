//! The error type of the core crate: configuration and schema problems.

use std::path::PathBuf;

/// Result alias used across `huaxiang-core`.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;

/// Everything that can go wrong while reading a workspace's configuration or
/// resolving names against the canonical schema.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid configuration in {path}: {message}")]
    Config { path: PathBuf, message: String },
    #[error(
        "unknown table `{0}`; canonical tables are: customers, products, orders, order_items, events, tickets, touches, experiment"
    )]
    UnknownTable(String),
    #[error("unknown time zone `{0}` (use an IANA name such as Asia/Shanghai)")]
    UnknownTimeZone(String),
    #[error("invalid date `{0}`: expected YYYY-MM-DD")]
    InvalidDate(String),
}

/// Builds a [`CoreError::Config`] with a formatted message.
#[macro_export]
macro_rules! config_err {
    ($path:expr, $($arg:tt)*) => {
        $crate::error::CoreError::Config { path: ($path).into(), message: format!($($arg)*) }
    };
}

/// An error and its sources on one line, `outer: inner: …` (an HTTP client's
/// "error sending request" says little without the connection error below it).
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        parts.push(s.to_string());
        cur = s.source();
    }
    parts.join(": ")
}
