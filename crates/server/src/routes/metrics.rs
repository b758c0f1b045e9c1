//! The metric catalog (指标中心) and computing one metric.

use axum::Json;
use axum::extract::{Path, State};
use huaxiang_metrics::{Catalog, RangeSpec, Request};
use serde::Deserialize;
use serde_json::Value;

use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;

pub async fn list(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let catalog = Catalog::load(state.workspace().dir())?;
    Ok(Json(
        serde_json::to_value(catalog.metrics()).map_err(ApiError::internal)?,
    ))
}

#[derive(Deserialize)]
pub struct MetricQuery {
    by: Option<String>,
    last: Option<String>,
    #[serde(rename = "where")]
    filter: Option<String>,
}

pub async fn compute(
    State(state): State<AppState>,
    Path(name): Path<String>,
    ApiQuery(q): ApiQuery<MetricQuery>,
) -> Result<Json<Value>, ApiError> {
    let range = match q.last.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        Some(l) => RangeSpec::last(l)?,
        None => RangeSpec::default(),
    };
    let req = Request {
        metric: name,
        by: q
            .by
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        range,
        filter: q.filter.filter(|f| !f.trim().is_empty()),
        ..Request::default()
    };
    let out = huaxiang_metrics::compute(state.workspace(), &req).await?;
    Ok(Json(out.json()?))
}

/// The body of `POST /api/ask`.
#[derive(Deserialize)]
pub struct Question {
    question: String,
}

/// A question in Chinese or English answered offline from the metric catalog:
/// intent, SQL, rows, chart and one sentence (`huaxiang ask --json`). An
/// answer whose language-model fallback failed (a timeout, an unreachable
/// model) is marked `Cache-Control: no-store`, so the cache does not keep it.
pub async fn ask(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Question>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let q = body.question.trim();
    if q.is_empty() || q.chars().count() > 500 {
        return Err(ApiError::Validation(
            "a question of 1 to 500 characters / 请输入 1–500 字的问题".to_string(),
        ));
    }
    let a = huaxiang_nlq::answer(state.workspace(), q).await?;
    let keep = a.cacheable();
    let mut res = Json(serde_json::to_value(a).map_err(ApiError::internal)?).into_response();
    if !keep {
        res.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
    }
    Ok(res)
}
