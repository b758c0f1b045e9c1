//! The stages that live in their own crates, adapted to [`Stage`].
//!
//! Features, models, tags and segments each own their tables and logic; this module
//! only places them in the build order.

use huaxiang_store::Workspace;

use crate::error::Result;
use crate::{BuildContext, Stage};

/// `features` (and `person_attributes`): one point-in-time row per person.
pub struct FeaturesStage;

impl Stage for FeaturesStage {
    fn name(&self) -> &'static str {
        "features"
    }
    async fn fingerprint(&self, ws: &Workspace, ctx: &BuildContext) -> Result<String> {
        Ok(huaxiang_features::fingerprint(ws, ctx).await?)
    }
    async fn run(&self, ws: &Workspace, ctx: &BuildContext) -> Result<serde_json::Value> {
        Ok(huaxiang_features::run(ws, ctx).await?)
    }
}

/// Clusters, CLV and model scores on the new features (`model_scores` for tags).
pub struct ModelsStage;

impl Stage for ModelsStage {
    fn name(&self) -> &'static str {
        "models"
    }
    async fn fingerprint(&self, ws: &Workspace, ctx: &BuildContext) -> Result<String> {
        Ok(huaxiang_models::stage::fingerprint(ws, ctx).await?)
    }
    async fn run(&self, ws: &Workspace, ctx: &BuildContext) -> Result<serde_json::Value> {
        Ok(huaxiang_models::stage::run(ws, ctx).await?)
    }
}

/// Sessions, lifecycle stages, recommendations and association rules.
pub struct BehaviorStage;

impl Stage for BehaviorStage {
    fn name(&self) -> &'static str {
        "behavior"
    }
    async fn fingerprint(&self, ws: &Workspace, ctx: &BuildContext) -> Result<String> {
        Ok(huaxiang_analytics::stage::fingerprint(ws, ctx).await?)
    }
    async fn run(&self, ws: &Workspace, ctx: &BuildContext) -> Result<serde_json::Value> {
        Ok(huaxiang_analytics::stage::run(ws, ctx).await?)
    }
}

/// Sentiment, topic and keywords of every ticket, and the per-person text features.
pub struct TextStage;

impl Stage for TextStage {
    fn name(&self) -> &'static str {
        "text"
    }
    async fn fingerprint(&self, ws: &Workspace, ctx: &BuildContext) -> Result<String> {
        Ok(huaxiang_analytics::text::fingerprint(ws, ctx).await?)
    }
    async fn run(&self, ws: &Workspace, ctx: &BuildContext) -> Result<serde_json::Value> {
        Ok(huaxiang_analytics::text::run(ws, ctx).await?)
    }
}

/// Tag values of this build, their history, coverage and lineage.
pub struct TagsStage;

impl Stage for TagsStage {
    fn name(&self) -> &'static str {
        "tags"
    }
    async fn fingerprint(&self, ws: &Workspace, ctx: &BuildContext) -> Result<String> {
        Ok(huaxiang_tags::fingerprint(ws, ctx).await?)
    }
    async fn run(&self, ws: &Workspace, ctx: &BuildContext) -> Result<serde_json::Value> {
        Ok(huaxiang_tags::run(ws, ctx).await?)
    }
}

/// Segment membership of this build.
pub struct SegmentsStage;

impl Stage for SegmentsStage {
    fn name(&self) -> &'static str {
        "segments"
    }
    async fn fingerprint(&self, ws: &Workspace, ctx: &BuildContext) -> Result<String> {
        Ok(huaxiang_segments::fingerprint(ws, ctx).await?)
    }
    async fn run(&self, ws: &Workspace, ctx: &BuildContext) -> Result<serde_json::Value> {
        Ok(huaxiang_segments::run(ws, ctx).await?)
    }
}

/// The metric facts precomputed for fast metric queries (`metric_*` tables).
pub struct MetricsStage;

impl Stage for MetricsStage {
    fn name(&self) -> &'static str {
        "metrics"
    }
    async fn fingerprint(&self, ws: &Workspace, ctx: &BuildContext) -> Result<String> {
        huaxiang_metrics::precompute::fingerprint(ws, ctx)
            .await
            .map_err(metrics_error)
    }
    async fn run(&self, ws: &Workspace, ctx: &BuildContext) -> Result<serde_json::Value> {
        huaxiang_metrics::precompute::run(ws, ctx).await.map_err(metrics_error)
    }
}

fn metrics_error(e: huaxiang_metrics::Error) -> crate::BuildError {
    match e {
        huaxiang_metrics::Error::Store(e) => e.into(),
        e => crate::BuildError::Stage {
            stage: "metrics",
            message: e.to_string(),
        },
    }
}
