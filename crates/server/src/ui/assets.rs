//! Static assets compiled into the binary, so the UI works offline: the
//! stylesheet, the page scripts and the vendored Apache ECharts build.

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// One embedded file.
pub struct Asset {
    pub path: &'static str,
    pub content_type: &'static str,
    pub body: &'static [u8],
}

macro_rules! asset {
    ($path:literal, $ty:expr) => {
        Asset {
            path: $path,
            content_type: $ty,
            body: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/", $path)),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

/// Every embedded asset, by its path under `/assets/`.
pub static ASSETS: &[Asset] = &[
    asset!("app.css", "text/css; charset=utf-8"),
    asset!("i18n.json", "application/json"),
    asset!("js/common.js", JS),
    asset!("js/login.js", JS),
    asset!("js/overview.js", JS),
    asset!("js/segments.js", JS),
    asset!("js/customer.js", JS),
    asset!("js/tags.js", JS),
    asset!("js/behavior.js", JS),
    asset!("js/models.js", JS),
    asset!("js/data.js", JS),
    asset!("js/ask.js", JS),
    asset!("vendor/echarts/echarts.min.js", JS),
    asset!("vendor/echarts/LICENSE", "text/plain; charset=utf-8"),
    asset!("vendor/echarts/NOTICE", "text/plain; charset=utf-8"),
];

/// The asset at `path`, if embedded.
pub fn find(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.path == path)
}

pub async fn serve(Path(path): Path<String>) -> Response {
    match find(&path) {
        Some(a) => (
            [
                (CONTENT_TYPE, a.content_type),
                // Page templates reference assets with `?v=<version>`, so a new
                // release never meets a stale cached script.
                (CACHE_CONTROL, "public, max-age=86400"),
            ],
            a.body,
        )
            .into_response(),
        None => ApiError::NotFound(format!("no asset / 没有此文件 `{path}`")).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_is_found_and_not_empty() {
        for a in ASSETS {
            assert!(!a.body.is_empty(), "{}", a.path);
            assert!(std::ptr::eq(find(a.path).expect("found"), a));
        }
        assert!(find("../Cargo.toml").is_none());
    }
}
