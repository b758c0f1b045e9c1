//! What builds recorded about segments: the tables and how to read them.
//!
//! * `segment_members(segment, version, person_id, build_id)`: every member
//!   of every segment at every build that evaluated segments (appended).
//! * `segment_changes(build_id, segment, person_id, change)`: who `entered`
//!   or `left` each segment since its previous evaluation (appended).
//! * `segment_runs(build_id, segment, version, as_of, persons, members,
//!   entered_count, left_count, inputs, computed_at)`: one row per segment
//!   and evaluation (appended last, so a row here means the build's
//!   membership of that segment is complete). A segment with no members still
//!   has its run, which is how "the previous build" of a segment is known.
//! * `segments`: the catalog, overwritten (see [`crate::catalog`]).

use std::sync::Arc;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Date32Type, Field, Int64Type, Schema, SchemaRef, TimeUnit, TimestampMicrosecondType};
use chrono::{DateTime, NaiveDate, Utc};
use datafusion::prelude::{col, lit};
use huaxiang_store::Workspace;
use huaxiang_store::sql::SqlEngine;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::population::person_ids;

pub const MEMBERS: &str = "segment_members";
pub const CHANGES: &str = "segment_changes";
pub const RUNS: &str = "segment_runs";

pub const ENTERED: &str = "entered";
pub const LEFT: &str = "left";

fn utc_micros() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

pub fn members_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("segment", DataType::Utf8, false),
        Field::new("version", DataType::Int64, false),
        Field::new("person_id", DataType::Utf8, false),
        Field::new("build_id", DataType::Int64, false),
    ]))
}

pub fn changes_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("build_id", DataType::Int64, false),
        Field::new("segment", DataType::Utf8, false),
        Field::new("person_id", DataType::Utf8, false),
        Field::new("change", DataType::Utf8, false),
    ]))
}

pub fn runs_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("build_id", DataType::Int64, false),
        Field::new("segment", DataType::Utf8, false),
        Field::new("version", DataType::Int64, false),
        Field::new("as_of", DataType::Date32, false),
        Field::new("persons", DataType::Int64, false),
        Field::new("members", DataType::Int64, false),
        Field::new("entered_count", DataType::Int64, false),
        Field::new("left_count", DataType::Int64, false),
        Field::new("inputs", DataType::Utf8, false),
        Field::new("computed_at", utc_micros(), false),
    ]))
}

/// One evaluation of one segment by one build.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    pub build_id: i64,
    pub segment: String,
    pub version: i64,
    pub as_of: NaiveDate,
    /// Persons in the population at that build.
    pub persons: i64,
    pub members: i64,
    pub entered: i64,
    pub left: i64,
    /// Versions of the input tables that build read (`features@3,…`).
    pub inputs: String,
    pub computed_at: DateTime<Utc>,
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

/// Days since 1970-01-01, as Date32 stores them.
pub fn date32(d: NaiveDate) -> i32 {
    i32::try_from((d - epoch()).num_days()).unwrap_or(i32::MAX)
}

fn column<'a>(b: &'a RecordBatch, name: &str) -> Result<&'a Arc<dyn Array>> {
    b.column_by_name(name).ok_or_else(|| {
        Error::Usage(format!(
            "table `{RUNS}` has no column `{name}`; was it written by another version?"
        ))
    })
}

/// Every recorded run, ordered by build, then segment.
pub async fn runs(ws: &Workspace) -> Result<Vec<Run>> {
    let mut out = Vec::new();
    for b in ws.tables().read_all(RUNS).await? {
        let b = huaxiang_store::table::plain_strings(&b)?;
        let wrong = |name: &str| Error::Usage(format!("table `{RUNS}`: column `{name}` has an unexpected type"));
        let int = |name: &str| -> Result<arrow::array::Int64Array> {
            column(&b, name)?
                .as_primitive_opt::<Int64Type>()
                .cloned()
                .ok_or_else(|| wrong(name))
        };
        let text = |name: &str| -> Result<arrow::array::StringArray> {
            column(&b, name)?
                .as_string_opt::<i32>()
                .cloned()
                .ok_or_else(|| wrong(name))
        };
        let (build, version, persons, members, entered, left) = (
            int("build_id")?,
            int("version")?,
            int("persons")?,
            int("members")?,
            int("entered_count")?,
            int("left_count")?,
        );
        let (segment, inputs) = (text("segment")?, text("inputs")?);
        let as_of = column(&b, "as_of")?
            .as_primitive_opt::<Date32Type>()
            .ok_or_else(|| wrong("as_of"))?;
        let at = column(&b, "computed_at")?
            .as_primitive_opt::<TimestampMicrosecondType>()
            .ok_or_else(|| wrong("computed_at"))?;
        for i in 0..b.num_rows() {
            out.push(Run {
                build_id: build.value(i),
                segment: segment.value(i).to_string(),
                version: version.value(i),
                as_of: epoch() + chrono::Duration::days(i64::from(as_of.value(i))),
                persons: persons.value(i),
                members: members.value(i),
                entered: entered.value(i),
                left: left.value(i),
                inputs: inputs.value(i).to_string(),
                computed_at: DateTime::from_timestamp_micros(at.value(i)).unwrap_or_default(),
            });
        }
    }
    out.sort_by(|a, b| (a.build_id, &a.segment).cmp(&(b.build_id, &b.segment)));
    Ok(out)
}

/// The runs of `segment`, oldest first; an error when the segment is unknown
/// or was never built.
pub async fn require_runs(ws: &Workspace, segment: &str) -> Result<Vec<Run>> {
    let runs: Vec<Run> = runs(ws).await?.into_iter().filter(|r| r.segment == segment).collect();
    if runs.is_empty() {
        if crate::definition::Registry::load(ws)?.versions(segment).is_empty() {
            return Err(Error::UnknownSegment(segment.to_string()));
        }
        return Err(Error::NeverBuilt {
            segment: segment.to_string(),
        });
    }
    Ok(runs)
}

/// The runs of one segment, oldest first.
pub fn of_segment<'a>(runs: &'a [Run], segment: &str) -> Vec<&'a Run> {
    runs.iter().filter(|r| r.segment == segment).collect()
}

/// The sorted members of `segment` recorded by build `build_id`.
pub async fn members_at(engine: &SqlEngine, segment: &str, build_id: i64) -> Result<Vec<String>> {
    let ctx = engine.context();
    if !ctx.table_exist(MEMBERS)? {
        return Ok(Vec::new());
    }
    let df = ctx
        .table(MEMBERS)
        .await?
        .filter(col("segment").eq(lit(segment)).and(col("build_id").eq(lit(build_id))))?
        .select_columns(&["person_id"])?;
    let mut out = Vec::new();
    for b in df.collect().await? {
        out.extend(person_ids(&b, 0)?);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// `(entered, left)` going from membership `before` to `after` (both sorted).
pub fn changes(before: &[String], after: &[String]) -> (Vec<String>, Vec<String>) {
    let (mut entered, mut left) = (Vec::new(), Vec::new());
    let (mut i, mut j) = (0, 0);
    while i < before.len() || j < after.len() {
        match (before.get(i), after.get(j)) {
            (Some(b), Some(a)) if b == a => {
                i += 1;
                j += 1;
            }
            (Some(b), Some(a)) if b < a => {
                left.push(b.clone());
                i += 1;
            }
            (Some(_), Some(a)) | (None, Some(a)) => {
                entered.push(a.clone());
                j += 1;
            }
            (Some(b), None) => {
                left.push(b.clone());
                i += 1;
            }
            (None, None) => break,
        }
    }
    (entered, left)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn changes_between_sorted_sets() {
        let (e, l) = changes(&v(&["a", "c", "d"]), &v(&["b", "c", "e", "f"]));
        assert_eq!((e, l), (v(&["b", "e", "f"]), v(&["a", "d"])));
        let (e, l) = changes(&[], &v(&["x"]));
        assert_eq!((e, l), (v(&["x"]), v(&[])));
        let (e, l) = changes(&v(&["x", "y"]), &[]);
        assert_eq!((e, l), (v(&[]), v(&["x", "y"])));
        let (e, l) = changes(&v(&["x"]), &v(&["x"]));
        assert!(e.is_empty() && l.is_empty());
    }

    #[test]
    fn date32_counts_days_since_the_epoch() {
        assert_eq!(date32(NaiveDate::from_ymd_opt(1970, 1, 2).expect("d")), 1);
    }
}
