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
