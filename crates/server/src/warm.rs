//! Computing the UI's first answers in the background when the server starts.
//!
//! The requests below are the ones the overview, segment, tag, behaviour,
//! model and data pages make on opening (see `assets/js/*.js`); their
//! answers land in the [`crate::cache`], keyed by the data version, so the
//! first visitor gets them at once. A request that fails (a table not built
//! yet) is simply not kept.

use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, COOKIE};
use axum::http::{Method, Request};
use tower::ServiceExt;

use crate::auth::{COOKIE_NAME, Principal};
use crate::roles::Role;
use crate::state::AppState;

/// The metrics of the overview's KPI cards (`assets/js/overview.js`).
pub const KPIS: [&str; 8] = [
    "gmv",
    "orders",
    "buyers",
    "aov",
    "active_customers",
    "new_customers",
    "repurchase_rate",
    "refund_rate",
];

/// (method, path and query, JSON body) of every request to warm.
pub fn requests() -> Vec<(Method, String, Option<&'static str>)> {
    let mut v = Vec::new();
    let get = |p: &str| (Method::GET, format!("/api/{p}"), None);
    for p in ["status", "segments", "metrics"] {
        v.push(get(p));
    }
    for k in KPIS {
        v.push(get(&format!("metrics/{k}?last=30d")));
        v.push(get(&format!("metrics/{k}?by=month&last=12m")));
    }
    for p in [
        "clusters?limit=100",
        "tags",
        "models?limit=100",
        "rules?limit=15",
        "retention?periods=12",
        "attribution",
        "experiments",
        "sources",
        "ingest/runs?limit=50",
        "quality",
    ] {
        v.push(get(p));
    }
    v.push((
        Method::POST,
        "/api/funnel".to_string(),
        Some(r#"{"steps":["product_view","add_to_cart","begin_checkout","purchase"],"window":"7d"}"#),
    ));
    v.push((
        Method::POST,
        "/api/paths".to_string(),
        Some(r#"{"event":"app_open","depth":3,"top":20}"#),
    ));
    v
}

/// Sends every request of [`requests`] (and the readout of each experiment)
/// through the app as an internal administrator session.
pub async fn warm(state: AppState) {
    let token = state.sessions().start(Principal {
        name: "(warm-up)".to_string(),
        role: Role::Admin,
    });
    let app = crate::app(state.clone());
    let cookie = format!("{COOKIE_NAME}={token}");
    let send = |method: Method, uri: String, body: Option<String>| {
        let app = app.clone();
        let cookie = cookie.clone();
        async move {
            let mut b = Request::builder().method(method).uri(uri).header(COOKIE, cookie);
            if body.is_some() {
                b = b.header(CONTENT_TYPE, "application/json");
            }
            let req = b.body(body.map(Body::from).unwrap_or_else(Body::empty)).ok()?;
            let res = app.oneshot(req).await.ok()?;
            let ok = res.status().is_success();
            let bytes = axum::body::to_bytes(res.into_body(), 256 * 1024 * 1024).await.ok()?;
            ok.then_some(bytes)
        }
    };
    let started = std::time::Instant::now();
    let mut done = 0;
    for (method, uri, body) in requests() {
        let Some(bytes) = send(method, uri.clone(), body.map(str::to_string)).await else {
            continue;
        };
        done += 1;
        // The experiment list also names the readouts to warm.
        if uri == "/api/experiments"
            && let Ok(serde_json::Value::Array(list)) = serde_json::from_slice(&bytes)
        {
            for e in list {
                if let Some(id) = e.get("experiment_id").and_then(|v| v.as_str()) {
                    let path = format!("/api/experiments/{}", urlencode(id));
                    if send(Method::GET, path, None).await.is_some() {
                        done += 1;
                    }
                }
            }
        }
    }
    state.sessions().end(&token);
    tracing::info!(
        answers = done,
        seconds = started.elapsed().as_secs_f64(),
        "warmed the UI's answers"
    );
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn warmed_requests_match_the_page_scripts() {
        let js = |f: &str| {
            std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("assets/js")
                    .join(f),
            )
            .expect("script")
        };
        let overview = js("overview.js");
        for k in super::KPIS {
            assert!(overview.contains(&format!("'{k}'")), "overview.js shows {k}");
        }
        let behavior = js("behavior.js");
        for needle in ["'retention?periods=12'", "'rules?limit=15'", "depth: 3, top: 20"] {
            assert!(behavior.contains(needle), "behavior.js: {needle}");
        }
        let page = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/pages/behavior.html"),
        )
        .expect("template");
        assert!(
            page.contains("product_view,add_to_cart,begin_checkout,purchase") && page.contains("value=\"app_open\"")
        );
    }
}
