//! Operations: data quality, ingest runs and the quarantine.

use axum::Json;
use axum::extract::State;
use serde_json::Value;

use crate::error::ApiError;
use crate::extract::{ApiQuery, PageQuery, paged};
use crate::state::AppState;

pub async fn quality(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let report = huaxiang_quality::report(state.workspace()).await?;
    Ok(Json(serde_json::to_value(report).map_err(ApiError::internal)?))
}

pub async fn ingest_runs(
    State(state): State<AppState>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        paged(
            state.workspace(),
            "ingest_runs",
            None,
            Some("started_at DESC"),
            page.check()?,
        )
        .await?,
    ))
}

pub async fn quarantine(
    State(state): State<AppState>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        paged(state.workspace(), "quarantine", None, None, page.check()?).await?,
    ))
}
