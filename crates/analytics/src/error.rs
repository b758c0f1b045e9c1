//! The error type of huaxiang-analytics: the algorithm crates' errors, the
//! store's, and invalid requests (bilingual messages naming the bad input).

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] huaxiang_store::StoreError),
    #[error(transparent)]
    Models(#[from] huaxiang_models::Error),
    #[error(transparent)]
    Experiment(#[from] huaxiang_experiments::ExperimentError),
    #[error(transparent)]
    Baskets(#[from] huaxiang_baskets::BasketError),
    #[error(transparent)]
    Behavior(#[from] huaxiang_behavior::BehaviorError),
    #[error(transparent)]
    Recommend(#[from] huaxiang_recommend::RecommendError),
    #[error(transparent)]
    Attribution(#[from] huaxiang_attribution::AttributionError),
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    #[error("{0}")]
    Invalid(String),
}

impl From<datafusion::error::DataFusionError> for Error {
    fn from(e: datafusion::error::DataFusionError) -> Self {
        Error::Store(e.into())
    }
}
