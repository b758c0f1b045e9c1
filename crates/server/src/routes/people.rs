//! One person: the 360 profile (masked unless an admin asks to reveal) and features.

use axum::extract::{Path, State};
use axum::{Extension, Json};
use huaxiang_store::sql::SqlEngine;
use serde::Deserialize;
use serde_json::Value;

use crate::audit;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{ApiQuery, MAX_LIMIT, engine, literal, require_table, rows};
use crate::roles::Role;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct ProfileQuery {
    q: Option<String>,
    #[serde(default)]
    reveal: bool,
    timeline: Option<u64>,
}

pub async fn profile(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiQuery(query): ApiQuery<ProfileQuery>,
) -> Result<Json<Value>, ApiError> {
    let ws = state.workspace();
    let q = query
        .q
        .filter(|q| !q.trim().is_empty())
        .ok_or_else(|| ApiError::BadRequest("q is required / 需要 q 参数".to_string()))?;
    let timeline = query.timeline.unwrap_or(20);
    if timeline > MAX_LIMIT {
        return Err(ApiError::LimitTooLarge(timeline));
    }
    if query.reveal && who.role != Role::Admin {
        return Err(ApiError::Forbidden {
            role: who.role.to_string(),
            needs: "admin to reveal personal data / 仅管理员可查看明文".to_string(),
        });
    }
    let engine = SqlEngine::new(ws, query.reveal).await?;
    let persons = huaxiang_profile::lookup(ws, &engine, q.trim()).await?;
    let pid = match persons.as_slice() {
        [one] => one.clone(),
        _ => return Err(huaxiang_profile::Error::Ambiguous { query: q, persons }.into()),
    };
    let p = huaxiang_profile::profile(ws, &engine, &pid, usize::try_from(timeline).unwrap_or(20)).await?;
    if query.reveal {
        audit::append(ws, &who.name, "reveal", &format!("person:{pid}")).map_err(ApiError::internal)?;
    }
    let mut v = serde_json::to_value(p).map_err(ApiError::internal)?;
    if let Value::Object(m) = &mut v {
        m.insert("revealed".to_string(), Value::Bool(query.reveal));
    }
    Ok(Json(v))
}

pub async fn features(State(state): State<AppState>, Path(pid): Path<String>) -> Result<Json<Value>, ApiError> {
    let ws = state.workspace();
    require_table(ws, "features")?;
    let engine = engine(ws).await?;
    let found = rows(
        &engine,
        &format!("SELECT * FROM features WHERE person_id = {} LIMIT 1", literal(&pid)),
    )
    .await?;
    found
        .into_iter()
        .next()
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("没有此客户 / no person `{pid}` in `features`")))
}
