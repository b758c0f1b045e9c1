//! The error type of huaxiang-segments.
//!
//! Every variant names what it is about (the segment, the column, the build,
//! the file, the webhook batch) so that the CLI can print it as is.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] huaxiang_store::StoreError),
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    #[error(
        "segment name `{0}` is not valid: use letters (Chinese too), digits, `_`, `-` or `.`, \
         starting with a letter or digit, at most 64 characters"
    )]
    InvalidName(String),
    #[error("segment `{0}` does not exist; see `huaxiang segment list`")]
    UnknownSegment(String),
    #[error("segment `{0}` already exists; change it with `huaxiang segment edit {0} --where …`")]
    SegmentExists(String),
    #[error("segment `{segment}`: the condition is empty")]
    EmptyCondition { segment: String },
    #[error("segment `{segment}`: unknown column `{column}` in the condition{hint}")]
    UnknownColumn {
        segment: String,
        column: String,
        /// ", did you mean `x`?" or an empty string.
        hint: String,
    },
    #[error("segment `{segment}`: the condition must be true/false (boolean), but `{condition}` is {data_type}")]
    NotBoolean {
        segment: String,
        condition: String,
        data_type: String,
    },
    #[error("segment `{segment}`: invalid condition `{condition}`: {message}")]
    InvalidCondition {
        segment: String,
        condition: String,
        message: String,
    },
    #[error(
        "segment `{segment}` (version {version}) cannot be evaluated: {cause}; fix it with \
         `huaxiang segment edit {segment} --where …` or `huaxiang segment remove {segment}`"
    )]
    Evaluate {
        segment: String,
        version: i64,
        cause: Box<Error>,
    },
    #[error("the `features` table does not exist yet; run `huaxiang build` first")]
    NoFeatures,
    #[error("segment `{segment}` has no membership recorded yet; run `huaxiang build`")]
    NeverBuilt { segment: String },
    #[error("segment `{segment}` has no membership recorded for build {build_id}; builds with membership: {known}")]
    NoSuchBuild {
        segment: String,
        build_id: i64,
        known: String,
    },
    #[error("unknown column `{column}` for export{hint}; available: {available}")]
    UnknownExportColumn {
        column: String,
        hint: String,
        available: String,
    },
    #[error("refusing to reveal personal data: {0}")]
    RevealRefused(String),
    #[error("{0}")]
    Usage(String),
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    #[error("webhook: {0}")]
    Webhook(String),
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}

impl From<datafusion::error::DataFusionError> for Error {
    fn from(e: datafusion::error::DataFusionError) -> Self {
        Error::Store(e.into())
    }
}

/// Builds an [`Error::Io`].
pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.into();
    move |source| Error::Io { action, path, source }
}

/// `, did you mean `x`?` when one of `candidates` is close to `name`, else "".
pub(crate) fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let lower = name.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&lower, &c.to_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| format!(", did you mean `{c}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            did_you_mean("frequncy", ["frequency", "monetary"]),
            ", did you mean `frequency`?"
        );
        assert_eq!(did_you_mean("zzz", ["frequency", "monetary"]), "");
    }
}
