//! The tag catalog: list, detail with lineage, and creating rule tags.

use axum::Json;
use axum::extract::{Path, State};
use huaxiang_tags::status;
use huaxiang_tags::{TagSpec, TagType, ValueType, manage};
use serde::Deserialize;
use serde_json::Value;

use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;

fn json(v: impl serde::Serialize) -> Result<Json<Value>, ApiError> {
    Ok(Json(serde_json::to_value(v).map_err(ApiError::internal)?))
}

pub async fn list(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    json(status::list(state.workspace()).await?)
}

pub async fn show(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let ws = state.workspace();
    let detail = status::show(ws, &id).await?;
    let mut v = serde_json::to_value(detail).map_err(ApiError::internal)?;
    // Lineage needs the derived tables; before a build the detail alone is shown.
    if let (Ok((tree, _)), Value::Object(m)) = (status::lineage(ws, &id).await, &mut v) {
        m.insert(
            "lineage".to_string(),
            serde_json::to_value(tree).map_err(ApiError::internal)?,
        );
    }
    Ok(Json(v))
}

/// The body of `POST /api/tags`: a rule tag.
#[derive(Deserialize)]
pub struct NewTag {
    id: String,
    expression: String,
    name_zh: Option<String>,
    name_en: Option<String>,
    description: Option<String>,
    owner: Option<String>,
    value_type: Option<String>,
    allowed_values: Option<Vec<String>>,
}

pub async fn create(State(state): State<AppState>, ApiJson(body): ApiJson<NewTag>) -> Result<Json<Value>, ApiError> {
    let value_type = body
        .value_type
        .as_deref()
        .map(str::parse::<ValueType>)
        .transpose()
        .map_err(ApiError::Validation)?;
    let spec = TagSpec {
        name_zh: body.name_zh,
        name_en: body.name_en,
        description: body.description,
        owner: body.owner,
        tag_type: Some(TagType::Rule),
        value_type,
        refresh: None,
        expression: Some(body.expression),
        allowed_values: body.allowed_values,
    };
    json(manage::add(state.workspace(), &body.id, spec).await?)
}

/// The body of `POST /api/tags/{id}`: the fields to change (a new version).
#[derive(Deserialize)]
pub struct TagEdit {
    expression: Option<String>,
    name_zh: Option<String>,
    name_en: Option<String>,
    description: Option<String>,
    owner: Option<String>,
    allowed_values: Option<Vec<String>>,
}

pub async fn edit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TagEdit>,
) -> Result<Json<Value>, ApiError> {
    let spec = TagSpec {
        name_zh: body.name_zh,
        name_en: body.name_en,
        description: body.description,
        owner: body.owner,
        expression: body.expression,
        allowed_values: body.allowed_values,
        ..TagSpec::default()
    };
    json(manage::edit(state.workspace(), &id, spec).await?)
}

/// The body of `POST /api/tags/preview`: a rule to validate and count, not saved.
#[derive(Deserialize)]
pub struct PreviewTag {
    id: Option<String>,
    expression: String,
    value_type: Option<String>,
    allowed_values: Option<Vec<String>>,
}

pub async fn preview(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<PreviewTag>,
) -> Result<Json<Value>, ApiError> {
    let value_type = body
        .value_type
        .as_deref()
        .map(str::parse::<ValueType>)
        .transpose()
        .map_err(ApiError::Validation)?;
    let spec = TagSpec {
        tag_type: Some(TagType::Rule),
        value_type,
        expression: Some(body.expression),
        allowed_values: body.allowed_values,
        ..TagSpec::default()
    };
    let id = body
        .id
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "preview".to_string());
    json(manage::preview(state.workspace(), &id, spec).await?)
}

pub async fn versions(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    json(status::show(state.workspace(), &id).await?.versions)
}

pub async fn coverage(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let d = status::show(state.workspace(), &id).await?;
    json(serde_json::json!({
        "tag_id": d.definition.tag_id,
        "version": d.definition.version,
        "last_build_id": d.status.last_build_id,
        "persons": d.status.persons,
        "coverage": d.coverage,
    }))
}

pub async fn lineage(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let (tree, flat) = status::lineage(state.workspace(), &id).await?;
    let flat: Vec<Value> = flat
        .into_iter()
        .map(|(kind, name)| serde_json::json!({"kind": kind, "name": name}))
        .collect();
    json(serde_json::json!({"tree": tree, "depends_on": flat}))
}
