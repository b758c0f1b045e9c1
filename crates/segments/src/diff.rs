//! Who entered and who left a segment between two builds.
//!
//! Computed from the recorded membership of the two builds (not from
//! `segment_changes`), so any two builds can be compared, in either order, and
//! the answer is the same however many builds lie between them.

use std::sync::Arc;

use arrow::array::{RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use huaxiang_store::Workspace;
use huaxiang_store::sql::SqlEngine;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::history::{self, ENTERED, LEFT, Run};

/// The difference of a segment's membership between two builds.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub segment: String,
    /// The earlier build, or `None` when `to` is the segment's first build
    /// (every member then counts as entered).
    pub from: Option<Run>,
    pub to: Run,
    pub entered: Vec<String>,
    pub left: Vec<String>,
}

impl Diff {
    pub fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("person_id", DataType::Utf8, false),
            Field::new("change", DataType::Utf8, false),
        ]))
    }

    /// One row per person who moved: `person_id`, `change` (entered | left).
    pub fn to_batch(&self) -> Result<RecordBatch> {
        let rows: Vec<(&str, &str)> = self
            .entered
            .iter()
            .map(|p| (p.as_str(), ENTERED))
            .chain(self.left.iter().map(|p| (p.as_str(), LEFT)))
            .collect();
        Ok(RecordBatch::try_new(
            Self::schema(),
            vec![
                Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0))),
                Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.1))),
            ],
        )?)
    }
}

/// The run of `segment` by build `build_id`, or an error listing the builds that have one.
fn find<'a>(runs: &[&'a Run], segment: &str, build_id: i64) -> Result<&'a Run> {
    runs.iter()
        .copied()
        .find(|r| r.build_id == build_id)
        .ok_or_else(|| Error::NoSuchBuild {
            segment: segment.to_string(),
            build_id,
            known: runs
                .iter()
                .map(|r| r.build_id.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// Diffs `segment` between builds `from` and `to`. Defaults: `to` is the
/// segment's latest build, `from` the one before `to`.
pub async fn diff(ws: &Workspace, segment: &str, from: Option<i64>, to: Option<i64>) -> Result<Diff> {
    let owned = history::require_runs(ws, segment).await?;
    let runs: Vec<&Run> = owned.iter().collect();
    let to = match to {
        Some(b) => find(&runs, segment, b)?,
        None => runs[runs.len() - 1],
    };
    let from = match from {
        Some(b) => Some(find(&runs, segment, b)?),
        None => runs
            .iter()
            .copied()
            .filter(|r| r.build_id < to.build_id)
            .max_by_key(|r| r.build_id),
    };
    let engine = SqlEngine::new(ws, false).await?;
    let after = history::members_at(&engine, segment, to.build_id).await?;
    let before = match from {
        Some(r) => history::members_at(&engine, segment, r.build_id).await?,
        None => Vec::new(),
    };
    let (entered, left) = history::changes(&before, &after);
    Ok(Diff {
        segment: segment.to_string(),
        from: from.cloned(),
        to: to.clone(),
        entered,
        left,
    })
}
