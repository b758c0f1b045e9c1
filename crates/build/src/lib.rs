/*!
`huaxiang build`: every derived stage, in order, incrementally.

Derived data are tables like any other (`huaxiang sql` reads them), computed
from the raw tables by stages. A stage runs only when its inputs changed since
its last run: each stage fingerprints what it reads (table versions,
configuration, overrides, the as-of day) and skips when the fingerprint equals
the one recorded after its last successful run ([`state`]). A stage's outputs
are each written in one atomic commit, so a build killed at any point leaves
the previous results readable, and re-running finishes the work.

This crate holds the stage list and the identity stage; later stages
(features, tags, models) plug in as further [`Stage`]s.
*/

mod anonymous;
pub mod builds;
pub mod error;
mod identity;
pub mod overrides;
mod stages;
pub mod state;

use chrono::NaiveDate;
pub use huaxiang_core::build::BuildContext;
use huaxiang_store::Workspace;
use serde::Serialize;

pub use error::{BuildError, Result};

/// Options of one build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Nothing after the end of this local day is read (default: all data).
    pub as_of: Option<NaiveDate>,
    /// Run every stage even when its inputs did not change.
    pub force: bool,
}

/// What one stage did.
#[derive(Debug, Clone, Serialize)]
pub struct StageReport {
    pub stage: String,
    /// `built` or `up to date`.
    pub status: String,
    pub seconds: f64,
    pub details: serde_json::Value,
}

/// A derived stage.
#[allow(async_fn_in_trait)]
pub trait Stage {
    /// Stable name, used for the recorded state.
    fn name(&self) -> &'static str;
    /// A fingerprint of everything the stage reads.
    async fn fingerprint(&self, ws: &Workspace, ctx: &BuildContext) -> Result<String>;
    /// Computes and writes the stage's tables; returns details for the report.
    async fn run(&self, ws: &Workspace, ctx: &BuildContext) -> Result<serde_json::Value>;
}

/// One build in progress: its context, and whether its row is recorded yet.
struct Run<'a> {
    ws: &'a Workspace,
    ctx: BuildContext,
    force: bool,
    started: chrono::DateTime<chrono::Utc>,
    recorded: bool,
}

async fn run_stage<S: Stage>(stage: &S, run: &mut Run<'_>) -> Result<StageReport> {
    let (ws, ctx) = (run.ws, &run.ctx);
    let start = std::time::Instant::now();
    let fp = stage.fingerprint(ws, ctx).await?;
    let mut st = state::load(ws)?;
    if !run.force && st.stages.get(stage.name()).is_some_and(|s| s.fingerprint == fp) {
        return Ok(StageReport {
            stage: stage.name().to_string(),
            status: "up to date".to_string(),
            seconds: start.elapsed().as_secs_f64(),
            details: serde_json::Value::Null,
        });
    }
    if !run.recorded {
        builds::record(ws, ctx, run.started).await?;
        run.recorded = true;
    }
    let details = stage.run(ws, ctx).await?;
    st.stages.insert(
        stage.name().to_string(),
        state::StageState {
            fingerprint: fp,
            finished_at: chrono::Utc::now().to_rfc3339(),
            details: details.clone(),
        },
    );
    state::save(ws, &st)?;
    Ok(StageReport {
        stage: stage.name().to_string(),
        status: "built".to_string(),
        seconds: start.elapsed().as_secs_f64(),
        details,
    })
}

/// What one build did.
#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    pub build_id: i64,
    pub as_of: NaiveDate,
    /// Whether this build recorded a new entry in the `builds` table (some stage ran).
    pub recorded: bool,
    pub stages: Vec<StageReport>,
}

/// Runs every stage.
pub async fn build(ws: &Workspace, opts: &BuildOptions) -> Result<BuildReport> {
    let ctx = builds::context(ws, opts.as_of).await?;
    // Configuration errors stop the build before any stage writes anything.
    huaxiang_features::check(ws, &ctx).await?;
    let mut run = Run {
        ws,
        ctx,
        force: opts.force,
        started: chrono::Utc::now(),
        recorded: false,
    };
    let stages = vec![
        run_stage(&identity::IdentityStage, &mut run).await?,
        run_stage(&anonymous::AnonymousStage, &mut run).await?,
        run_stage(&stages::FeaturesStage, &mut run).await?,
        run_stage(&stages::ModelsStage, &mut run).await?,
        run_stage(&stages::BehaviorStage, &mut run).await?,
        run_stage(&stages::TextStage, &mut run).await?,
        run_stage(&stages::TagsStage, &mut run).await?,
        run_stage(&stages::SegmentsStage, &mut run).await?,
        run_stage(&stages::MetricsStage, &mut run).await?,
    ];
    Ok(BuildReport {
        build_id: run.ctx.build_id,
        as_of: run.ctx.as_of,
        recorded: run.recorded,
        stages,
    })
}

pub use identity::explain;
