//! Behaviour and marketing analyses: funnels, paths, retention, attribution and
//! experiment readouts computed on request (each stores its table like the
//! matching `huaxiang` command); rules and recommendations as the build stored them.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::Value;

use huaxiang_analytics::events::Range;
use huaxiang_analytics::{attribution, experiment, funnel, paths, retention, sessions};
use huaxiang_behavior::{PathQuery, StepOrder};

use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, PageQuery, literal, paged, person_rows};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct RetentionQuery {
    by: Option<String>,
    period: Option<String>,
    periods: Option<u32>,
}

/// Computes cohort retention (and stores it in `retention`, like `huaxiang retention`).
pub async fn retention(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<RetentionQuery>,
) -> Result<Json<Value>, ApiError> {
    let periods = q.periods.unwrap_or(12);
    if periods > 120 {
        return Err(ApiError::Validation(
            "periods must be at most 120 / 观察期数最多 120".to_string(),
        ));
    }
    let req = retention::Request {
        basis: retention::Basis::parse(q.by.as_deref().unwrap_or("order"))?,
        period: retention::parse_period(q.period.as_deref().unwrap_or("month"))?,
        periods,
    };
    let out = retention::run(state.workspace(), &req).await?;
    Ok(Json(serde_json::to_value(out).map_err(ApiError::internal)?))
}

pub async fn rules(
    State(state): State<AppState>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        paged(state.workspace(), "association_rules", None, None, page.check()?).await?,
    ))
}

pub async fn recommendations(State(state): State<AppState>, Path(pid): Path<String>) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        person_rows(state.workspace(), "recommendations", "person_id", &literal(&pid)).await?,
    ))
}

#[derive(Deserialize)]
pub struct AttributionQuery {
    model: Option<String>,
    lookback_days: Option<f64>,
}

/// Attributes orders to channels and campaigns (stored in `attribution`).
pub async fn attribution(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<AttributionQuery>,
) -> Result<Json<Value>, ApiError> {
    let text = q.model.unwrap_or_else(|| "shapley".to_string());
    let model = text
        .parse()
        .map_err(|e| ApiError::Validation(format!("model `{text}`: {e}")))?;
    let lookback_days = q.lookback_days.unwrap_or(3.0);
    if !(lookback_days > 0.0 && lookback_days <= 365.0) {
        return Err(ApiError::Validation(
            "lookback_days must be in (0, 365] / 回溯天数无效".to_string(),
        ));
    }
    let req = attribution::Request {
        model,
        lookback_days,
        costs: None,
        incrementality: false,
    };
    let out = attribution::run(state.workspace(), &req).await?;
    Ok(Json(serde_json::to_value(out).map_err(ApiError::internal)?))
}

#[derive(Deserialize)]
pub struct ExperimentQuery {
    control: Option<String>,
    confidence: Option<f64>,
    covariate: Option<String>,
}

/// An A/B test readout (stored in `experiment_results`).
pub async fn experiment(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ExperimentQuery>,
) -> Result<Json<Value>, ApiError> {
    let confidence = q.confidence.unwrap_or(0.95);
    if !(confidence > 0.5 && confidence < 1.0) {
        return Err(ApiError::Validation(
            "confidence must be in (0.5, 1) / 置信水平无效".to_string(),
        ));
    }
    let req = experiment::Request {
        experiment: id,
        control: q.control,
        split: None,
        confidence,
        covariate: q.covariate,
    };
    let out = experiment::run(state.workspace(), &req).await?;
    Ok(Json(serde_json::to_value(out).map_err(ApiError::internal)?))
}

/// The date range of an analysis body.
#[derive(Deserialize, Default)]
pub struct DateRange {
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
}

impl DateRange {
    fn range(&self) -> Result<Range, ApiError> {
        if let (Some(f), Some(t)) = (self.from, self.to)
            && f > t
        {
            return Err(ApiError::Validation(format!("from {f} 晚于 to {t} / from is after to")));
        }
        Ok(Range {
            from: self.from,
            to: self.to,
        })
    }
}

/// The body of `POST /api/funnel`.
#[derive(Deserialize)]
pub struct FunnelBody {
    steps: Vec<String>,
    window: Option<String>,
    order: Option<String>,
    by: Option<String>,
    #[serde(flatten)]
    range: DateRange,
}

pub async fn funnel_run(
    State(state): State<AppState>,
    ApiJson(b): ApiJson<FunnelBody>,
) -> Result<Json<Value>, ApiError> {
    if b.steps.len() < 2 {
        return Err(ApiError::Validation(
            "漏斗至少两步 / a funnel needs at least two steps".to_string(),
        ));
    }
    let steps = b
        .steps
        .iter()
        .map(|s| funnel::parse_step(s))
        .collect::<Result<Vec<_>, _>>()?;
    let order = match b.order.as_deref().unwrap_or("sequential") {
        "sequential" => StepOrder::Sequential,
        "strict" => StepOrder::Strict,
        "any" => StepOrder::Any,
        other => {
            return Err(ApiError::Validation(format!(
                "order must be sequential, strict or any, not `{other}` / 顺序无效"
            )));
        }
    };
    let req = funnel::Request {
        steps,
        window_ms: funnel::parse_window(b.window.as_deref().unwrap_or("7d"))?,
        order,
        by: b.by.as_deref().map(funnel::By::parse).transpose()?,
        range: b.range.range()?,
    };
    let out = funnel::run(state.workspace(), &req).await?;
    Ok(Json(serde_json::to_value(out).map_err(ApiError::internal)?))
}

/// The body of `POST /api/paths`.
#[derive(Deserialize)]
pub struct PathsBody {
    event: String,
    direction: Option<String>,
    depth: Option<usize>,
    top: Option<usize>,
    #[serde(default)]
    keep_repeats: bool,
    gap_minutes: Option<i64>,
    #[serde(flatten)]
    range: DateRange,
}

pub async fn paths_run(State(state): State<AppState>, ApiJson(b): ApiJson<PathsBody>) -> Result<Json<Value>, ApiError> {
    let anchor = funnel::parse_step(&b.event)?;
    let depth = b.depth.unwrap_or(3);
    if !(1..=5).contains(&depth) {
        return Err(ApiError::Validation(
            "depth must be 1 to 5 / 路径深度为 1 到 5".to_string(),
        ));
    }
    let top = b.top.unwrap_or(10);
    if top > usize::try_from(crate::extract::MAX_LIMIT).unwrap_or(usize::MAX) {
        return Err(ApiError::LimitTooLarge(top as u64));
    }
    let query = PathQuery {
        anchor: anchor.kind,
        anchor_filters: anchor.filters,
        direction: paths::parse_direction(b.direction.as_deref().unwrap_or("after"))?,
        depth,
        top,
        collapse_repeats: !b.keep_repeats,
    };
    let req = paths::Request {
        query,
        gap_minutes: b.gap_minutes.unwrap_or(sessions::DEFAULT_GAP_MINUTES),
        range: b.range.range()?,
    };
    let out = paths::run(state.workspace(), &req).await?;
    Ok(Json(serde_json::to_value(out).map_err(ApiError::internal)?))
}

/// The experiments of the `experiment` table with their assignment counts.
pub async fn experiments(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let ws = state.workspace();
    crate::extract::require_table(ws, "experiment")?;
    let engine = crate::extract::engine(ws).await?;
    let rows = crate::extract::rows(
        &engine,
        "SELECT experiment_id, count(*) AS assignments, count(DISTINCT variant) AS variants \
         FROM experiment GROUP BY experiment_id ORDER BY experiment_id",
    )
    .await?;
    Ok(Json(Value::Array(rows)))
}
