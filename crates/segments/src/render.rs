//! Text tables of segments, versions, runs and diffs for the command line,
//! built as Arrow batches so they print like every other Huaxiang table.

use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use huaxiang_store::sql::{OutputFormat, format_batches};

use crate::catalog::Summary;
use crate::definition::SegmentDef;
use crate::diff::Diff;
use crate::error::Result;
use crate::history::Run;

/// A table of text columns.
fn table(headers: &[&str], rows: Vec<Vec<String>>, format: OutputFormat) -> Result<String> {
    let schema = Arc::new(Schema::new(
        headers
            .iter()
            .map(|h| Field::new(*h, DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ));
    let columns: Vec<ArrayRef> = (0..headers.len())
        .map(|i| Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r[i].as_str()))) as ArrayRef)
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), columns)?;
    Ok(format_batches(&schema, &[batch], format)?)
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// A share as a percentage with one decimal.
pub fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return String::new();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

/// `huaxiang segment list`.
pub fn summaries(list: &[Summary]) -> Result<String> {
    let rows = list
        .iter()
        .map(|s| {
            vec![
                s.name.clone(),
                s.version.to_string(),
                opt(s.members),
                match (s.members, s.persons) {
                    (Some(m), Some(p)) => percent(m, p),
                    _ => String::new(),
                },
                opt(s.last_build_id),
                opt(s.last_as_of),
                match &s.stale_reason {
                    Some(r) => format!("STALE: {r}"),
                    None => "ok".to_string(),
                },
                s.condition.clone(),
            ]
        })
        .collect();
    table(
        &[
            "segment",
            "version",
            "members",
            "share",
            "last_build",
            "as_of",
            "status",
            "where",
        ],
        rows,
        OutputFormat::Table,
    )
}

/// Every version of one segment, times in the workspace zone `tz`.
pub fn versions(defs: &[&SegmentDef], tz: chrono_tz::Tz) -> Result<String> {
    let rows = defs
        .iter()
        .map(|d| {
            vec![
                d.version.to_string(),
                d.created_at.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string(),
                d.removed_at
                    .map(|t| format!("removed {}", t.with_timezone(&tz).format("%Y-%m-%d")))
                    .unwrap_or_default(),
                d.condition.clone(),
                d.description.clone(),
            ]
        })
        .collect();
    table(
        &["version", "created_at", "removed", "where", "description"],
        rows,
        OutputFormat::Table,
    )
}

/// The builds that evaluated one segment.
pub fn runs(runs: &[Run]) -> Result<String> {
    let rows = runs
        .iter()
        .map(|r| {
            vec![
                r.build_id.to_string(),
                r.as_of.to_string(),
                r.version.to_string(),
                r.members.to_string(),
                percent(r.members, r.persons),
                r.entered.to_string(),
                r.left.to_string(),
            ]
        })
        .collect();
    table(
        &["build", "as_of", "version", "members", "share", "entered", "left"],
        rows,
        OutputFormat::Table,
    )
}

/// One line saying what a diff compares.
pub fn diff_headline(d: &Diff) -> String {
    let from = match &d.from {
        Some(r) => format!("build #{} (as of {}, v{})", r.build_id, r.as_of, r.version),
        None => "nothing (first build of this segment)".to_string(),
    };
    format!(
        "人群 / segment `{}`: {from} → build #{} (as of {}, v{}): 进入 / entered {}, 离开 / left {}",
        d.segment,
        d.to.build_id,
        d.to.as_of,
        d.to.version,
        d.entered.len(),
        d.left.len()
    )
}

/// The persons who moved, as a table, CSV or JSON.
pub fn diff_rows(d: &Diff, format: OutputFormat) -> Result<String> {
    let batch = d.to_batch()?;
    Ok(format_batches(&Diff::schema(), &[batch], format)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages() {
        assert_eq!(percent(1, 3), "33.3%");
        assert_eq!(percent(1, 0), "");
    }

    #[test]
    fn tables_have_headers() {
        let t = table(&["a", "b"], vec![vec!["1".into(), "x".into()]], OutputFormat::Csv).expect("csv");
        assert_eq!(t, "a,b\n1,x\n");
    }
}
