//! The segment catalog: every version of every definition with what the
//! latest build found, as the `segments` table and as summaries for
//! `huaxiang segment list`.
//!
//! A segment is STALE when its membership no longer reflects the present:
//! it was never built, its definition changed since its last build, or an
//! input table (features, attributes, tags) has a newer version than the one
//! that build read.

use std::sync::Arc;

use arrow::array::{BooleanArray, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use chrono::NaiveDate;
use huaxiang_store::Workspace;
use serde::Serialize;

use crate::definition::{Registry, SegmentDef};
use crate::error::Result;
use crate::history::{self, Run};
use crate::population::input_versions;

pub const CATALOG: &str = "segments";

pub fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("name", DataType::Utf8, false),
        Field::new("version", DataType::Int64, false),
        Field::new("where", DataType::Utf8, false),
        Field::new("description", DataType::Utf8, false),
        Field::new(
            "created_at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new("current", DataType::Boolean, false),
        Field::new("last_build_id", DataType::Int64, true),
        Field::new("members", DataType::Int64, true),
    ]))
}

/// The latest run of one version of a segment.
fn last_run<'a>(runs: &'a [Run], def: &SegmentDef) -> Option<&'a Run> {
    runs.iter()
        .filter(|r| r.segment == def.name && r.version == def.version)
        .max_by_key(|r| r.build_id)
}

/// Overwrites the `segments` table from the definitions and the recorded runs.
pub async fn write(ws: &Workspace, registry: &Registry, runs: &[Run]) -> Result<u64> {
    let mut defs: Vec<&SegmentDef> = registry.segments.iter().collect();
    defs.sort_by(|a, b| (&a.name, a.version).cmp(&(&b.name, b.version)));
    let last: Vec<Option<&Run>> = defs.iter().map(|d| last_run(runs, d)).collect();
    let batch = RecordBatch::try_new(
        schema(),
        vec![
            Arc::new(StringArray::from_iter_values(defs.iter().map(|d| d.name.as_str()))),
            Arc::new(Int64Array::from_iter_values(defs.iter().map(|d| d.version))),
            Arc::new(StringArray::from_iter_values(defs.iter().map(|d| d.condition.as_str()))),
            Arc::new(StringArray::from_iter_values(
                defs.iter().map(|d| d.description.as_str()),
            )),
            Arc::new(
                TimestampMicrosecondArray::from_iter_values(defs.iter().map(|d| d.created_at.timestamp_micros()))
                    .with_timezone("UTC"),
            ),
            Arc::new(BooleanArray::from_iter(defs.iter().map(|d| {
                Some(registry.current(&d.name).is_some_and(|c| c.version == d.version))
            }))),
            Arc::new(Int64Array::from_iter(last.iter().map(|r| r.map(|r| r.build_id)))),
            Arc::new(Int64Array::from_iter(last.iter().map(|r| r.map(|r| r.members)))),
        ],
    )?;
    Ok(ws
        .tables()
        .overwrite(CATALOG, schema(), vec![batch], serde_json::Map::new())
        .await?)
}

/// Re-reads the definitions and runs and overwrites the catalog (after an edit).
pub async fn refresh(ws: &Workspace) -> Result<u64> {
    let registry = Registry::load(ws)?;
    let runs = history::runs(ws).await?;
    write(ws, &registry, &runs).await
}

/// One active segment as `huaxiang segment list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub name: String,
    pub version: i64,
    #[serde(rename = "where")]
    pub condition: String,
    pub description: String,
    /// Members at the last build of this segment (any version).
    pub members: Option<i64>,
    pub persons: Option<i64>,
    pub last_build_id: Option<i64>,
    pub last_as_of: Option<NaiveDate>,
    /// Version evaluated by the last build.
    pub built_version: Option<i64>,
    pub stale: bool,
    /// Why it is stale, in words.
    pub stale_reason: Option<String>,
}

/// Why membership recorded by `last` does not reflect definition `def` over inputs `inputs`.
pub fn staleness(def: &SegmentDef, last: Option<&Run>, inputs: &str) -> Option<String> {
    match last {
        None => Some("never built / 尚未构建".to_string()),
        Some(r) if r.version != def.version => Some(format!(
            "definition changed (v{} built, v{} current) / 定义已修改",
            r.version, def.version
        )),
        Some(r) if r.inputs != inputs => Some(format!("inputs changed ({} → {inputs}) / 输入已更新", r.inputs)),
        Some(_) => None,
    }
}

/// Summaries of every active segment, by name.
pub async fn summaries(ws: &Workspace) -> Result<Vec<Summary>> {
    let registry = Registry::load(ws)?;
    let runs = history::runs(ws).await?;
    let inputs = input_versions(ws).await?;
    Ok(registry
        .active()
        .into_iter()
        .map(|def| summarize(def, &runs, &inputs))
        .collect())
}

/// The summary of one definition given every run and the current inputs.
pub fn summarize(def: &SegmentDef, runs: &[Run], inputs: &str) -> Summary {
    let last = history::of_segment(runs, &def.name)
        .into_iter()
        .max_by_key(|r| r.build_id);
    let reason = staleness(def, last, inputs);
    Summary {
        name: def.name.clone(),
        version: def.version,
        condition: def.condition.clone(),
        description: def.description.clone(),
        members: last.map(|r| r.members),
        persons: last.map(|r| r.persons),
        last_build_id: last.map(|r| r.build_id),
        last_as_of: last.map(|r| r.as_of),
        built_version: last.map(|r| r.version),
        stale: reason.is_some(),
        stale_reason: reason,
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;

    fn run(segment: &str, version: i64, build_id: i64, inputs: &str) -> Run {
        Run {
            build_id,
            segment: segment.to_string(),
            version,
            as_of: NaiveDate::from_ymd_opt(2026, 6, 30).expect("date"),
            persons: 10,
            members: build_id * 2,
            entered: 0,
            left: 0,
            inputs: inputs.to_string(),
            computed_at: Utc::now(),
        }
    }

    #[test]
    fn stale_when_never_built_redefined_or_inputs_moved() {
        let mut reg = Registry::default();
        reg.add("vip", "frequency > 3", "").expect("add");
        let def = reg.require("vip").expect("vip").clone();
        assert!(summarize(&def, &[], "f@1").stale);
        let runs = vec![
            run("vip", 1, 1, "f@1"),
            run("vip", 1, 2, "f@2"),
            run("other", 1, 3, "f@3"),
        ];
        let s = summarize(&def, &runs, "f@2");
        assert!(!s.stale, "{s:?}");
        assert_eq!((s.last_build_id, s.members), (Some(2), Some(4)));
        assert!(
            summarize(&def, &runs, "f@3")
                .stale_reason
                .expect("inputs")
                .contains("inputs")
        );
        reg.edit("vip", Some("frequency > 4"), None).expect("edit");
        let def2 = reg.require("vip").expect("vip").clone();
        assert!(
            summarize(&def2, &runs, "f@2")
                .stale_reason
                .expect("def")
                .contains("v1 built, v2")
        );
    }

    #[tokio::test]
    async fn catalog_lists_every_version_with_its_last_build() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ws = Workspace::init(&dir.path().join("ws")).expect("init");
        let mut reg = Registry::default();
        reg.add("vip", "frequency > 3", "").expect("add");
        reg.edit("vip", Some("frequency > 4"), None).expect("edit");
        reg.add("gone", "frequency > 0", "").expect("add");
        reg.remove("gone").expect("remove");
        write(&ws, &reg, &[run("vip", 1, 1, "x"), run("vip", 1, 2, "x")])
            .await
            .expect("write");
        let n = crate::testing::sql_count(&ws, "SELECT count(*) FROM segments WHERE current").await;
        assert_eq!(n, 1);
        let n = crate::testing::sql_count(
            &ws,
            "SELECT count(*) FROM segments WHERE name = 'vip' AND version = 1 AND last_build_id = 2 AND members = 4",
        )
        .await;
        assert_eq!(n, 1);
        let n = crate::testing::sql_count(&ws, "SELECT count(*) FROM segments WHERE last_build_id IS NULL").await;
        assert_eq!(n, 2);
    }
}
