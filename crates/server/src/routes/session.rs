//! Health, sign-in and sign-out, API tokens, users and the audit log.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::audit;
use crate::auth::{self, Principal};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, PageQuery};
use crate::state::AppState;

pub async fn health() -> Json<Value> {
    Json(json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")}))
}

#[derive(Deserialize)]
pub struct Login {
    name: String,
    password: String,
}

pub async fn login(State(state): State<AppState>, ApiJson(body): ApiJson<Login>) -> Result<Response, ApiError> {
    let ws = state.workspace().clone();
    // Argon2 is deliberately slow: keep it off the async workers.
    let who = tokio::task::spawn_blocking(move || auth::check_password(&ws, &body.name, &body.password))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?
        .ok_or(ApiError::BadCredentials)?;
    let token = state.sessions().start(who.clone());
    let body = Json(json!({"name": who.name, "role": who.role}));
    Ok(([(SET_COOKIE, auth::set_cookie(&token))], body).into_response())
}

pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(t) = auth::session_cookie(&headers) {
        state.sessions().end(&t);
    }
    ([(SET_COOKIE, auth::clear_cookie())], Json(json!({"ok": true}))).into_response()
}

pub async fn me(Extension(who): Extension<Principal>) -> Json<Value> {
    Json(json!({"name": who.name, "role": who.role}))
}

#[derive(Deserialize, Default)]
pub struct NewToken {
    #[serde(default)]
    label: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let label = if body.iter().all(u8::is_ascii_whitespace) {
        String::new()
    } else {
        serde_json::from_slice::<NewToken>(&body)
            .map_err(|e| ApiError::BadRequest(e.to_string()))?
            .label
    };
    let token = auth::create_token(state.workspace(), &who.name, &label).map_err(ApiError::internal)?;
    Ok(Json(json!({
        "token": token,
        "label": label,
        "note": "只显示一次 / shown once: store it now; send it as `Authorization: Bearer …`",
    })))
}

pub async fn users(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let users = auth::users(state.workspace()).map_err(ApiError::internal)?;
    Ok(Json(Value::Array(
        users
            .into_iter()
            .map(|(name, role)| json!({"name": name, "role": role}))
            .collect(),
    )))
}

pub async fn audit(
    State(state): State<AppState>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Value>, ApiError> {
    let page = page.check()?;
    let entries = audit::read(state.workspace()).map_err(ApiError::internal)?;
    let rows = entries
        .into_iter()
        .map(|e| serde_json::to_value(e).map_err(ApiError::internal))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(page.of(rows)))
}
