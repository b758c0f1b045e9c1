//! The one error type of huaxiang-models: the errors of the crates it joins,
//! plus the few conditions only the workspace view can detect.

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] huaxiang_store::StoreError),
    #[error(transparent)]
    Features(#[from] huaxiang_features::Error),
    #[error(transparent)]
    Tags(#[from] huaxiang_tags::Error),
    #[error(transparent)]
    Ml(#[from] huaxiang_ml::MlError),
    #[error("聚类 / clustering: {0}")]
    Cluster(#[from] huaxiang_cluster::Error),
    #[error("模型 / model: {0}")]
    Predict(#[from] huaxiang_predict::PredictError),
    #[error("客户终身价值 / CLV: {0}")]
    Clv(#[from] huaxiang_clv::ClvError),
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    #[error("SQL: {0}")]
    Sql(String),
    /// A derived table the step needs is missing.
    #[error("尚无 `{table}` 表 / no `{table}` table yet: {hint}")]
    Missing { table: &'static str, hint: &'static str },
    /// A column asked for (`--features`) is not in the features table.
    #[error("特征表中没有列 `{column}` / the features table has no column `{column}`; available: {available}")]
    UnknownColumn { column: String, available: String },
    /// A target that is not churn, repurchase or conversion.
    #[error("未知目标 `{0}` / unknown target `{0}`: use churn, repurchase, conversion, or --label-file")]
    UnknownTarget(String),
    /// Too little history for a point-in-time training set.
    #[error(
        "历史数据不足 / not enough history: the data span {span_days} days ({first} … {as_of}), \
         a {horizon}-day horizon needs at least {need} (twice the horizon)"
    )]
    ShortHistory {
        first: String,
        as_of: String,
        span_days: i64,
        horizon: i64,
        need: i64,
    },
    /// A model name or version that is not in the registry.
    #[error("没有模型 / no model `{0}` in the registry (see `huaxiang model list`)")]
    UnknownModel(String),
    /// A label file whose ids match no person of the workspace while it was
    /// asked to be joined to workspace features.
    #[error("{0}")]
    Invalid(String),
}

impl From<datafusion::error::DataFusionError> for Error {
    fn from(e: datafusion::error::DataFusionError) -> Self {
        Error::Sql(e.to_string())
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::Invalid(format!("JSON: {e}"))
    }
}
