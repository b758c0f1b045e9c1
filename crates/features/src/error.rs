//! The error type of huaxiang-features.

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] huaxiang_store::StoreError),
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// A step of the features plan failed in DataFusion.
    #[error("features: {step}: {message}")]
    Query { step: String, message: String },
    /// A user feature (`[[features]]` in huaxiang.toml) names a column that does not exist.
    #[error(
        "用户特征 `{feature}` 引用了不存在的列 `{column}` / user feature `{feature}` (huaxiang.toml [[features]]) \
         uses an unknown column `{column}`; available: {available}"
    )]
    UnknownColumn {
        feature: String,
        column: String,
        available: String,
    },
    /// Features were asked for before any customers were ingested and resolved.
    #[error("尚无客户或身份链接 / no customers or identity links yet: ingest customers and run huaxiang build first")]
    NoPersons,
    /// A user feature is not a valid per-person scalar expression.
    #[error("用户特征 `{feature}` 无效 / user feature `{feature}` (huaxiang.toml [[features]]): {message}")]
    UserFeature { feature: String, message: String },
}

impl From<datafusion::error::DataFusionError> for Error {
    fn from(e: datafusion::error::DataFusionError) -> Self {
        Error::Store(e.into())
    }
}

/// Wraps a DataFusion error with the plan step it happened in.
pub(crate) fn step(step: &str) -> impl FnOnce(datafusion::error::DataFusionError) -> Error + '_ {
    move |e| Error::Query {
        step: step.to_string(),
        message: e.to_string(),
    }
}
