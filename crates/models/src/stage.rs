//! The build's `models` stage: clusters, CLV and scores on the new features.

use huaxiang_core::build::BuildContext;
use huaxiang_store::Workspace;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::error::Result;

/// Tables whose change re-runs the stage.
const READS: [&str; 4] = ["features", "orders", "identity_links", "customers"];

/// A fingerprint of the stage's inputs: table versions, the cluster settings,
/// the registry and the as-of day.
pub async fn fingerprint(ws: &Workspace, ctx: &BuildContext) -> Result<String> {
    let mut h = Sha256::new();
    for t in READS {
        h.update(format!("{t}@{:?};", ws.tables().version(t).await?));
    }
    for f in [
        ws.meta_dir().join(crate::cluster::CONFIG_FILE),
        ws.meta_dir().join("models").join("registry.json"),
    ] {
        h.update(std::fs::read(&f).unwrap_or_default());
        h.update(b";");
    }
    h.update(ctx.as_of.to_string());
    Ok(format!("{:x}", h.finalize()))
}

/// Runs the kept clustering, fits CLV and scores the registered models, then
/// rewrites `model_scores`.
pub async fn run(ws: &Workspace, ctx: &BuildContext) -> Result<Value> {
    if !ws.tables().exists(huaxiang_features::TABLE) {
        return Ok(json!({"skipped": "no features yet / 尚无特征"}));
    }
    let mut out = serde_json::Map::new();
    if let Some(cfg) = crate::cluster::load_config(ws)? {
        let (run, _) = crate::cluster::run(ws, &cfg, false).await?;
        out.insert("clusters".into(), json!({"run_id": run.model_tag, "k": run.k}));
    }
    // Too little purchase history to fit is a finding, not a failed build.
    let clv = match crate::clv::run(ws, ctx, crate::clv::HORIZON_DAYS).await {
        Ok(v) => v,
        Err(crate::Error::Clv(e)) => json!({"skipped": format!("客户终身价值未拟合 / CLV not fitted: {e}")}),
        Err(e) => return Err(e),
    };
    out.insert("clv".into(), clv);
    let frame = crate::cluster::read_features(ws).await?;
    let scored = crate::scoring::score_all(ws, &frame).await?;
    out.insert("predictions".into(), json!(scored));
    let tags = crate::scoring::refresh_model_scores(ws).await?;
    out.insert("tags_added".into(), json!(tags));
    Ok(Value::Object(out))
}
