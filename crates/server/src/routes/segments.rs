//! Segments (audiences): list, preview a condition, members and exports (masked).

use axum::extract::{Path, State};
use axum::{Extension, Json};
use huaxiang_segments::export;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::audit;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, PageQuery};
use crate::state::AppState;

pub async fn list(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let s = huaxiang_segments::catalog::summaries(state.workspace()).await?;
    Ok(Json(serde_json::to_value(s).map_err(ApiError::internal)?))
}

#[derive(Deserialize)]
pub struct PreviewBody {
    #[serde(rename = "where")]
    condition: String,
}

pub async fn preview(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<PreviewBody>,
) -> Result<Json<Value>, ApiError> {
    let p = huaxiang_segments::preview(state.workspace(), "preview", &body.condition).await?;
    Ok(Json(
        json!({"members": p.members, "persons": p.persons, "share": p.share()}),
    ))
}

async fn member_rows(state: &AppState, name: &str) -> Result<(export::Members, Vec<Value>), ApiError> {
    // Masked: the default columns (person_id, name, phone, email) through the masking view.
    let members = export::members(state.workspace(), name, &[], false).await?;
    let rows = export::json_rows(&members)?;
    Ok((members, rows))
}

pub async fn members(
    State(state): State<AppState>,
    Path(name): Path<String>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Value>, ApiError> {
    let page = page.check()?;
    let (_, rows) = member_rows(&state, &name).await?;
    Ok(Json(page.of(rows)))
}

pub async fn export(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (members, rows) = member_rows(&state, &name).await?;
    audit::append(
        state.workspace(),
        &who.name,
        "export",
        &format!("segment:{name} build:{} rows:{}", members.run.build_id, rows.len()),
    )
    .map_err(ApiError::internal)?;
    Ok(Json(json!({
        "segment": name,
        "build_id": members.run.build_id,
        "rows": rows.len(),
        "items": rows,
    })))
}

/// The body of `POST /api/segments`: a new segment.
#[derive(Deserialize)]
pub struct NewSegment {
    name: String,
    #[serde(rename = "where")]
    condition: String,
    description: Option<String>,
}

/// Saves a segment after counting it; members are recorded by the next build.
pub async fn create(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewSegment>,
) -> Result<Json<Value>, ApiError> {
    let (p, version) = huaxiang_segments::add(
        state.workspace(),
        &body.name,
        &body.condition,
        body.description.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(Json(json!({
        "name": body.name,
        "version": version,
        "members": p.members,
        "persons": p.persons,
        "share": p.share(),
        "note": "成员在下次构建时记录 / membership is recorded by the next build",
    })))
}

/// The body of `POST /api/segments/{name}/webhook`.
#[derive(Deserialize)]
pub struct WebhookBody {
    url: String,
    /// The server-side environment variable holding the signing secret
    /// (default `HUAXIANG_WEBHOOK_SECRET`): secrets never travel in requests.
    secret_env: Option<String>,
    batch_size: Option<usize>,
    attempts: Option<u32>,
}

/// Pushes the members (masked person ids) to a webhook in signed JSON batches (audited).
pub async fn webhook(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<WebhookBody>,
) -> Result<Json<Value>, ApiError> {
    use huaxiang_segments::push::{self, PushOptions};
    let var = body.secret_env.unwrap_or_else(|| "HUAXIANG_WEBHOOK_SECRET".to_string());
    let secret = std::env::var(&var).unwrap_or_default();
    if secret.is_empty() {
        return Err(ApiError::Validation(format!(
            "the server has no webhook secret in ${var} / 服务器未设置签名密钥 {var}"
        )));
    }
    let mut opts = PushOptions::new(&body.url, secret.as_bytes());
    if let Some(b) = body.batch_size {
        opts.batch_size = b;
    }
    if let Some(a) = body.attempts {
        opts.max_attempts = a.clamp(1, 10);
    }
    let ws = state.workspace();
    let members = export::members(ws, &name, &["person_id".to_string()], false).await?;
    let rows = export::json_rows(&members)?;
    let report = push::push(&name, members.run.version, members.run.build_id, &rows, &opts, |_| {}).await?;
    audit::append(
        ws,
        &who.name,
        "push",
        &format!(
            "segment:{name} build:{} rows:{} url:{} delivered:{:?} failed:{:?}",
            report.build_id,
            report.members,
            body.url,
            report.delivered(),
            report.failed()
        ),
    )
    .map_err(ApiError::internal)?;
    Ok(Json(serde_json::to_value(report).map_err(ApiError::internal)?))
}
