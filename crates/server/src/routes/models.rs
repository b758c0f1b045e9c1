//! Clusters, the model registry, per-person predictions and lifetime value.

use axum::Json;
use axum::extract::{Path, State};
use serde_json::Value;

use crate::error::ApiError;
use crate::extract::{ApiQuery, PageQuery, literal, paged, person_rows};
use crate::state::AppState;

pub async fn clusters(
    State(state): State<AppState>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        paged(state.workspace(), "cluster_profiles", None, None, page.check()?).await?,
    ))
}

pub async fn models(
    State(state): State<AppState>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        paged(state.workspace(), "models", None, None, page.check()?).await?,
    ))
}

pub async fn predictions(State(state): State<AppState>, Path(pid): Path<String>) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        person_rows(state.workspace(), "predictions", "person_id", &literal(&pid)).await?,
    ))
}

pub async fn clv(State(state): State<AppState>, Path(pid): Path<String>) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        person_rows(state.workspace(), "clv", "person_id", &literal(&pid)).await?,
    ))
}
