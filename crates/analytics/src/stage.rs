//! The build's `behavior` stage: sessions, lifecycle stages, recommendations
//! and (when `huaxiang rules` was run) the association rules with their
//! cross-sell suggestions, recomputed whenever their inputs change, then the
//! per-person outputs folded into `model_scores` for the tags.

use huaxiang_core::build::BuildContext;
use huaxiang_store::Workspace;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Tables whose change re-runs the stage.
const READS: [&str; 6] = [
    "events",
    "orders",
    "order_items",
    "identity_links",
    "anonymous_links",
    "customers",
];

pub async fn fingerprint(ws: &Workspace, ctx: &BuildContext) -> Result<String> {
    let mut h = Sha256::new();
    for t in READS {
        h.update(format!("{t}@{:?};", ws.tables().version(t).await?));
    }
    h.update(std::fs::read(ws.meta_dir().join(crate::rules::SETTINGS_FILE)).unwrap_or_default());
    h.update(ctx.as_of.to_string());
    Ok(format!("{:x}", h.finalize()))
}

/// A finding that leaves one output out rather than failing the build.
fn skipped(e: Error) -> Result<Value> {
    match e {
        Error::Invalid(m) => Ok(json!({"skipped": m})),
        Error::Recommend(e) => Ok(json!({"skipped": e.to_string()})),
        e => Err(e),
    }
}

pub async fn run(ws: &Workspace, ctx: &BuildContext) -> Result<Value> {
    let t = ws.tables();
    if !t.exists("identity_links") {
        return Ok(json!({"skipped": "no persons yet / 尚无身份识别结果"}));
    }
    let mut out = serde_json::Map::new();
    if t.exists("events") {
        let engine = huaxiang_store::sql::SqlEngine::new(ws, false).await?;
        let events = crate::events::load(ws, &engine, crate::events::Range::default()).await?;
        let s = crate::sessions::run(ws, &events, crate::sessions::DEFAULT_GAP_MINUTES).await?;
        out.insert("sessions".into(), json!(s.summary.sessions));
    }
    if t.exists("orders") {
        let rules = huaxiang_behavior::LifecycleRules::default();
        let v = match crate::lifecycle::run(ws, ctx.as_of, &rules).await {
            Ok(l) => json!(l.counts),
            Err(e) => skipped(e)?,
        };
        out.insert("lifecycle".into(), v);
    }
    if t.exists("order_items") && t.exists("orders") {
        let v = match crate::recommend::run(ws, crate::recommend::DEFAULT_TOP).await {
            Ok(r) => json!({"persons": r.persons, "rows": r.rows}),
            Err(e) => skipped(e)?,
        };
        out.insert("recommendations".into(), v);
        if let Some(req) = crate::rules::load_settings(ws)? {
            let v = match crate::rules::run(ws, &req, true).await {
                Ok(r) => json!({"rules": r.rules.len(), "cross_sell_persons": r.cross_sell_persons}),
                Err(e) => skipped(e)?,
            };
            out.insert("association_rules".into(), v);
        }
    }
    if t.exists("features") {
        let tags = huaxiang_models::scoring::refresh_model_scores(ws).await?;
        out.insert("tags_added".into(), json!(tags));
    }
    Ok(Value::Object(out))
}
