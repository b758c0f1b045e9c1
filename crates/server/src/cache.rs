//! Answers cached per data version.
//!
//! A dashboard asks the same questions again and again, and on a large
//! workspace some of them (a 12-month trend of active customers, the quality
//! report, Shapley attribution) take a second or more to compute. The data
//! only change when an ingest or a build commits, so the server keeps the
//! answers of read-only requests keyed by the request *and* a fingerprint of
//! the workspace — the newest commit of every Delta table and the
//! modification times of the definition files in `meta/`. Any commit or saved
//! definition changes the fingerprint, so a cached answer is never stale; an
//! answer is only reused for the exact data it was computed from.
//!
//! Which requests are cached is decided by [`cacheable`]: reads, and the
//! POST routes that only compute (funnels, paths, previews, questions).
//! Answers that reveal personal data, exports and anything about users or
//! the audit log never are. The tables the analysis routes write their last
//! result into are left out of the fingerprint: they are outputs, and
//! counting them would make every funnel invalidate every other answer.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::Mutex;
use std::time::SystemTime;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::Response;
use sha2::{Digest, Sha256};

/// Tables written by the analysis routes themselves (never read by another route).
const OUTPUT_TABLES: [&str; 6] = [
    "funnel_results",
    "paths",
    "path_links",
    "retention",
    "attribution",
    "experiment_results",
];

/// Files of `meta/` that change without changing any answer.
const IGNORED_META: [&str; 2] = ["audit.jsonl", "users.json"];

/// At most this many answers are kept, oldest dropped first.
const MAX_ENTRIES: usize = 512;
/// And at most this many bytes of them.
const MAX_BYTES: usize = 64 * 1024 * 1024;

/// Whether the answer to `method path?query` may be cached.
pub fn cacheable(method: &Method, route: &str, query: &str) -> bool {
    if query.contains("reveal=true") {
        return false;
    }
    match *method {
        Method::GET => !matches!(
            route,
            "/api/health"
                | "/api/openapi.json"
                | "/api/me"
                | "/api/users"
                | "/api/audit"
                | "/api/segments/{name}/export"
        ),
        Method::POST => matches!(
            route,
            "/api/funnel" | "/api/paths" | "/api/segments/preview" | "/api/tags/preview" | "/api/ask"
        ),
        _ => false,
    }
}

/// The workspace's data version: newest commit of every table and the
/// modification times of the definition files.
pub fn fingerprint(dir: &Path) -> String {
    let mut h = Sha256::new();
    let tables = dir.join("tables");
    let mut names: Vec<String> = std::fs::read_dir(&tables)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    for name in names.iter().filter(|n| !OUTPUT_TABLES.contains(&n.as_str())) {
        let newest = std::fs::read_dir(tables.join(name).join("_delta_log"))
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|f| f.ends_with(".json"))
                    .max()
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        h.update(name.as_bytes());
        h.update(b"=");
        h.update(newest.as_bytes());
        h.update(b"\n");
    }
    meta_times(&dir.join("meta"), &mut h);
    h.update(
        std::fs::metadata(dir.join("huaxiang.toml"))
            .and_then(|m| m.modified())
            .map(stamp)
            .unwrap_or_default(),
    );
    hex::encode(&h.finalize()[..12])
}

fn stamp(t: SystemTime) -> String {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos().to_string())
        .unwrap_or_default()
}

fn meta_times(dir: &Path, h: &mut Sha256) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        if IGNORED_META.contains(&name.as_str()) {
            continue;
        }
        let Ok(md) = e.metadata() else { continue };
        if md.is_dir() {
            meta_times(&e.path(), h);
        } else {
            h.update(e.path().to_string_lossy().as_bytes());
            h.update(md.modified().map(stamp).unwrap_or_default());
            h.update(md.len().to_le_bytes());
        }
    }
}

/// One kept answer.
#[derive(Clone)]
pub struct Entry {
    pub status: StatusCode,
    pub content_type: Option<HeaderValue>,
    pub body: Bytes,
}

impl Entry {
    pub fn response(&self) -> Response {
        let mut r = Response::new(Body::from(self.body.clone()));
        *r.status_mut() = self.status;
        if let Some(ct) = &self.content_type {
            r.headers_mut().insert(axum::http::header::CONTENT_TYPE, ct.clone());
        }
        r.headers_mut()
            .insert("x-huaxiang-cache", HeaderValue::from_static("hit"));
        r
    }
}

#[derive(Default)]
struct Inner {
    map: HashMap<String, Entry>,
    order: VecDeque<String>,
    bytes: usize,
}

/// The answers, keyed by request and fingerprint.
#[derive(Default)]
pub struct Cache {
    inner: Mutex<Inner>,
}

impl Cache {
    /// The key of a request on data version `fingerprint`.
    pub fn key(fingerprint: &str, method: &Method, uri: &str, body: &[u8]) -> String {
        let mut h = Sha256::new();
        h.update(fingerprint.as_bytes());
        h.update(method.as_str().as_bytes());
        h.update(uri.as_bytes());
        h.update(body);
        hex::encode(h.finalize())
    }

    pub fn get(&self, key: &str) -> Option<Entry> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.map.get(key).cloned()
    }

    pub fn put(&self, key: String, entry: Entry) {
        if entry.body.len() > MAX_BYTES / 8 {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.bytes += entry.body.len();
        if let Some(old) = inner.map.insert(key.clone(), entry) {
            inner.bytes -= old.body.len();
        } else {
            inner.order.push_back(key);
        }
        while inner.map.len() > MAX_ENTRIES || inner.bytes > MAX_BYTES {
            let Some(oldest) = inner.order.pop_front() else { break };
            if let Some(e) = inner.map.remove(&oldest) {
                inner.bytes -= e.body.len();
            }
        }
    }

    pub fn len(&self) -> usize {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_cached_but_not_reveals_exports_or_writes() {
        assert!(cacheable(&Method::GET, "/api/metrics/{name}", "by=month"));
        assert!(cacheable(&Method::POST, "/api/funnel", ""));
        assert!(!cacheable(&Method::GET, "/api/profile", "q=1&reveal=true"));
        assert!(!cacheable(&Method::GET, "/api/segments/{name}/export", ""));
        assert!(!cacheable(&Method::POST, "/api/tags", ""));
        assert!(!cacheable(&Method::POST, "/api/segments", ""));
        assert!(!cacheable(&Method::GET, "/api/audit", ""));
    }

    #[test]
    fn the_fingerprint_follows_commits_and_definitions_but_not_outputs() {
        let tmp = tempfile::tempdir().expect("tmp");
        let d = tmp.path();
        std::fs::create_dir_all(d.join("tables/orders/_delta_log")).expect("mkdir");
        std::fs::create_dir_all(d.join("tables/retention/_delta_log")).expect("mkdir");
        std::fs::create_dir_all(d.join("meta")).expect("mkdir");
        std::fs::write(d.join("tables/orders/_delta_log/00000000000000000000.json"), "{}").expect("w");
        let a = fingerprint(d);
        std::fs::write(d.join("tables/retention/_delta_log/00000000000000000001.json"), "{}").expect("w");
        std::fs::write(d.join("meta/audit.jsonl"), "x").expect("w");
        assert_eq!(fingerprint(d), a, "outputs and the audit log do not count");
        std::fs::write(d.join("tables/orders/_delta_log/00000000000000000001.json"), "{}").expect("w");
        let b = fingerprint(d);
        assert_ne!(b, a, "a commit counts");
        std::fs::write(d.join("meta/tags.json"), "[]").expect("w");
        assert_ne!(fingerprint(d), b, "a definition counts");
    }

    #[test]
    fn the_cache_is_bounded() {
        let c = Cache::default();
        for i in 0..(MAX_ENTRIES + 10) {
            c.put(
                format!("k{i}"),
                Entry {
                    status: StatusCode::OK,
                    content_type: None,
                    body: Bytes::from_static(b"{}"),
                },
            );
        }
        assert_eq!(c.len(), MAX_ENTRIES);
        assert!(c.get("k0").is_none() && c.get(&format!("k{}", MAX_ENTRIES + 9)).is_some());
    }
}
