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

/// One model's registry entry, cross-validated metrics, ROC curve and importance.
pub async fn model(State(state): State<AppState>, Path(name): Path<String>) -> Result<Json<Value>, ApiError> {
    let ws = state.workspace();
    let registry = huaxiang_models::registry::Registry::load(ws).map_err(ApiError::internal)?;
    let Some(entry) = registry.latest(&name) else {
        return Err(ApiError::NotFound(format!("no model / 没有此模型 `{name}`")));
    };
    let model = huaxiang_models::registry::load_model(ws, entry).map_err(ApiError::internal)?;
    let mut v = huaxiang_models::predict::summary_json(entry, &model);
    let roc = model
        .evaluation
        .as_ref()
        .and_then(|e| e.gbdt.as_ref().or(e.logistic.as_ref()))
        .map(|cv| cv.roc_curve.clone())
        .unwrap_or_default();
    if let Value::Object(m) = &mut v {
        m.insert(
            "roc_curve".to_string(),
            serde_json::to_value(roc).map_err(ApiError::internal)?,
        );
    }
    Ok(Json(v))
}
