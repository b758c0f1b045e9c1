//! The web UI: server-rendered page shells whose scripts draw the API's data.
//!
//! Every page is an askama template ([`pages`]) that renders the layout,
//! navigation and labels in the reader's language (a `hx_lang` cookie,
//! Chinese by default) and loads one script per page from the embedded
//! assets ([`assets`]). The numbers themselves come from the same JSON API
//! the tests and other programs use, so a page can never show a figure the
//! API would not give. Pages need a signed-in session; without one they
//! redirect to the login page.

pub mod assets;
pub mod i18n;
pub mod pages;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

/// The UI's routes: `/`, `/login`, `/ui/{page}` and `/assets/{*path}`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::root))
        .route("/login", get(pages::login))
        .route("/ui/{page}", get(pages::page))
        .route("/assets/{*path}", get(assets::serve))
        .with_state(state)
}
