/*!
The web server of Huaxiang (画像): a JSON API over one workspace.

**One binary.** The server is a library that `huaxiang serve` starts, not a
separate program: it reads the same workspace with the same crates as the
command line (profiles through huaxiang-profile, tags through huaxiang-tags,
segments, metrics, quality, the model and analytics tables through read-only
SQL), so the API and the CLI cannot disagree about what a number means.

**Roles.** Every user has one role — `viewer`, `marketer`, `analyst`,
`admin` — and every route names the one [`roles::Permission`] it needs in the
route table of [`routes`]. A single guard checks the table's permission
against the matrix in [`roles::allows`] before any handler runs:
unauthenticated requests get 401, forbidden ones 403. Users and their argon2
password hashes and hashed API tokens live in `meta/users.json`
([`auth`]); sessions live in memory, keyed by the hash of the cookie's token.

**Masked personal data by default.** Names, phones and e-mails are shown
through the workspace's masking view for every role; only an admin may ask
for `reveal=true`, and every reveal and every export appends a line to the
append-only audit log ([`audit`]).

**Tests without sockets.** [`app`] returns a plain `axum::Router`, so the
tests drive it with `tower::ServiceExt::oneshot` on in-memory requests: the
401/403 checks iterate over the same route table as the router and the
OpenAPI document ([`openapi`]), so a new route is tested and documented the
moment it exists.

**Failures are JSON.** One [`error::ApiError`] maps every failure to a status
and `{"code", "message"}`; bodies are limited to 1 MiB, pages to 1000 rows,
and a panicking handler becomes a JSON 500 instead of a dropped connection.
*/

pub mod audit;
pub mod auth;
pub mod cache;
pub mod error;
pub mod extract;
pub mod openapi;
pub mod roles;
pub mod routes;
pub mod state;
pub mod ui;
pub mod warm;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

pub use error::ApiError;
pub use roles::{Permission, Role};
pub use state::AppState;

/// The whole API over `state`'s workspace.
pub fn app(state: AppState) -> Router {
    with_layers(routes::router(state.clone()).merge(ui::router(state)))
}

/// The layers every route gets: a JSON 404 fallback, the 1 MiB body limit,
/// panic-to-JSON-500 and request tracing.
pub fn with_layers(router: Router) -> Router {
    router
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(extract::MAX_BODY))
        .layer(CatchPanicLayer::custom(|_: Box<dyn std::any::Any + Send + 'static>| {
            error::panic_response()
        }))
        .layer(TraceLayer::new_for_http())
}

async fn not_found(uri: axum::http::Uri) -> Response {
    ApiError::NotFound(format!("no route / 没有此接口 `{}`", uri.path())).into_response()
}

/// Serves the API on `listener` until the process is stopped.
/// Serves the API and UI on `listener` until the process is stopped; the
/// answers of the UI's first pages are computed in the background meanwhile
/// ([`warm`]), so the first visitor does not wait for them (unless the
/// environment sets `HUAXIANG_NO_WARM`, as the cold-start benchmark does).
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    if std::env::var_os("HUAXIANG_NO_WARM").is_none() {
        tokio::spawn(warm::warm(state.clone()));
    }
    axum::serve(listener, app(state)).await
}
