/*!
Segments (人群, audiences): saved conditions over what Huaxiang knows about
each person, with their membership recorded at every build.

Marketers ask "who are my lapsed big spenders in tier-1 cities, and who
joined them since last week?". This crate is shaped around that question:

* **A segment is a SQL condition, not a list.** The condition is one boolean
  expression over the population ([`population`]: `features` ⋈
  `person_attributes` ⋈ `person_tags`, one row per person), so AND/OR/NOT,
  ranges, IN lists and every scalar function come from DataFusion, and
  `huaxiang sql` can always reproduce a count. The text is parsed as a lone
  expression and planned against the population before it is saved
  ([`condition`]), so a typo in a column name is refused with the column's
  name rather than discovered at the next build.
* **Definitions are versioned, memberships are snapshots.** Editing appends a
  version ([`definition`], `meta/segments.json`); each build evaluates every
  current definition over that build's point-in-time population and
  *appends* the members, the changes since the segment's previous
  evaluation and a run record ([`membership`], [`history`]). Who entered or
  left between any two builds is then a set difference ([`diff`]), and a
  segment's size over time is one query on `segment_runs`.
* **The stage is cheap to skip and safe to kill.** Its fingerprint is the
  input tables' versions and the definitions file; everything is computed
  before anything is written, appends carry the build id as their
  idempotency key, and the run record is written last.
* **Members leave the system through two doors that keep personal data
  safe by default**: files ([`export`], masked unless an allowed user
  reveals) and signed webhook batches with bounded retries ([`push`]).
*/

pub mod catalog;
pub mod condition;
pub mod definition;
pub mod diff;
pub mod error;
pub mod export;
pub mod history;
pub mod membership;
pub mod population;
pub mod push;
pub mod render;
#[cfg(test)]
mod testing;

pub use definition::{Registry, SegmentDef};
pub use error::{Error, Result};

use huaxiang_core::build::BuildContext;
use huaxiang_store::Workspace;
use huaxiang_store::sql::SqlEngine;
use serde::Serialize;

/// A fingerprint of everything the segments stage reads.
pub async fn fingerprint(ws: &Workspace, _ctx: &BuildContext) -> Result<String> {
    membership::fingerprint(ws).await
}

/// Evaluates every segment for this build and records membership.
pub async fn run(ws: &Workspace, ctx: &BuildContext) -> Result<serde_json::Value> {
    membership::run(ws, ctx).await
}

/// How many persons a condition selects now.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Preview {
    pub members: usize,
    pub persons: usize,
}

impl Preview {
    /// Members as a share of all persons (0 when there are none).
    pub fn share(&self) -> f64 {
        if self.persons == 0 {
            0.0
        } else {
            self.members as f64 / self.persons as f64
        }
    }
}

/// Validates `condition` for segment `name` and counts its members over the
/// current tables (the latest build), without saving anything.
pub async fn preview(ws: &Workspace, name: &str, condition: &str) -> Result<Preview> {
    definition::check_name(name)?;
    let engine = SqlEngine::new(ws, false).await?;
    let population = population::Population::load(&engine).await?;
    population.check(name, condition)?;
    let members = population.count(name, condition).await?;
    let persons = population.persons().await?;
    Ok(Preview { members, persons })
}

/// Saves a new segment `name` after validating and counting `condition`;
/// returns the count and the saved version. A name in use is refused. The
/// members themselves are recorded by the next build.
pub async fn add(ws: &Workspace, name: &str, condition: &str, description: &str) -> Result<(Preview, i64)> {
    let mut registry = Registry::load(ws)?;
    if registry.current(name).is_some() {
        return Err(Error::SegmentExists(name.to_string()));
    }
    let p = preview(ws, name, condition).await?;
    let version = registry.add(name, condition, description)?.version;
    registry.save(ws)?;
    catalog::refresh(ws).await?;
    Ok((p, version))
}
