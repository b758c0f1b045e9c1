//! The build error type.

pub type Result<T, E = BuildError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Store(#[from] huaxiang_store::StoreError),
    #[error(transparent)]
    Identity(#[from] huaxiang_identity::IdentityError),
    #[error(transparent)]
    Key(#[from] huaxiang_pii::KeyError),
    #[error(transparent)]
    Features(#[from] huaxiang_features::Error),
    #[error(transparent)]
    Tags(#[from] huaxiang_tags::Error),
    #[error(transparent)]
    Segments(#[from] huaxiang_segments::Error),
    #[error(transparent)]
    Models(#[from] huaxiang_models::Error),
    #[error(transparent)]
    Analytics(#[from] huaxiang_analytics::Error),
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    #[error("stage `{stage}`: {message}")]
    Stage { stage: &'static str, message: String },
    #[error("{0}")]
    NotFound(String),
}

impl From<datafusion::error::DataFusionError> for BuildError {
    fn from(e: datafusion::error::DataFusionError) -> Self {
        BuildError::Store(e.into())
    }
}
