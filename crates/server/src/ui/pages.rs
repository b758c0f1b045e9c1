//! The page handlers and their templates.

use std::sync::LazyLock;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::assets::ASSETS;
use super::i18n::{Lang, Words};
use crate::auth::{self, Principal};
use crate::error::ApiError;
use crate::state::AppState;

/// The pages of the UI, in navigation order: (path segment, title key).
pub const PAGES: [(&str, &str); 7] = [
    ("overview", "nav.overview"),
    ("segments", "nav.segments"),
    ("customer", "nav.customer"),
    ("tags", "nav.tags"),
    ("behavior", "nav.behavior"),
    ("models", "nav.models"),
    ("data", "nav.data"),
];

/// A short hash of every embedded asset: the `?v=` of asset links, so a new
/// build never meets a stale cached script.
static ASSET_VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut h = Sha256::new();
    for a in ASSETS {
        h.update(a.path.as_bytes());
        h.update(a.body);
    }
    hex::encode(&h.finalize()[..6])
});

/// One page of the signed-in UI.
#[derive(Template)]
#[template(path = "page.html")]
pub struct Page<'a> {
    pub t: Words,
    pub page: &'a str,
    pub title_key: &'a str,
    pub pages: &'a [(&'a str, &'a str)],
    pub user: &'a str,
    pub role: &'a str,
    pub version: &'a str,
    pub words_json: String,
}

/// The login page.
#[derive(Template)]
#[template(path = "login.html")]
pub struct Login<'a> {
    pub t: Words,
    pub version: &'a str,
    pub words_json: String,
}

fn signed_in(state: &AppState, headers: &HeaderMap) -> Option<Principal> {
    auth::session_cookie(headers).and_then(|t| state.sessions().get(&t))
}

fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to.to_string())]).into_response()
}

fn render(t: impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => ApiError::internal(e).into_response(),
    }
}

pub async fn root(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match signed_in(&state, &headers) {
        Some(_) => redirect("/ui/overview"),
        None => redirect("/login"),
    }
}

pub async fn login(headers: HeaderMap) -> Response {
    let t = Words {
        lang: Lang::from_headers(&headers),
    };
    render(Login {
        t,
        version: &ASSET_VERSION,
        words_json: t.json(),
    })
}

pub async fn page(State(state): State<AppState>, Path(name): Path<String>, headers: HeaderMap) -> Response {
    let Some((page, title_key)) = PAGES.iter().find(|(p, _)| *p == name) else {
        return ApiError::NotFound(format!("no page / 没有此页面 `{name}`")).into_response();
    };
    let Some(who) = signed_in(&state, &headers) else {
        return redirect(&format!("/login?next=/ui/{page}"));
    };
    let t = Words {
        lang: Lang::from_headers(&headers),
    };
    render(Page {
        t,
        page,
        title_key,
        pages: &PAGES,
        user: &who.name,
        role: who.role.as_str(),
        version: &ASSET_VERSION,
        words_json: t.json(),
    })
}
