//! Per-build snapshots: `tag_values` (who has which value), `tag_history`
//! (what changed since the previous snapshot) and `tag_coverage` (how many
//! persons per value).
//!
//! Snapshots are appended, never rewritten, so any two builds can be compared
//! with one query; each append carries an application id with the build id,
//! so a stage re-run for the same build adds nothing twice. Only persons who
//! have a value are stored; for bool tags that means `true` only.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{Array, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::datasource::MemTable;
use huaxiang_store::Workspace;
use huaxiang_store::sql::SqlEngine;

use crate::base::literal;
use crate::definition::{TagDef, ValueType, format_number};
use crate::error::{Error, Result};

pub const VALUES: &str = "tag_values";
pub const HISTORY: &str = "tag_history";
pub const COVERAGE: &str = "tag_coverage";
pub const PERSON_TAGS: &str = "person_tags";

pub fn values_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("person_id", DataType::Utf8, false),
        Field::new("tag_id", DataType::Utf8, false),
        Field::new("version", DataType::Int64, false),
        Field::new("value", DataType::Utf8, false),
        Field::new("build_id", DataType::Int64, false),
    ]))
}

pub fn history_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("build_id", DataType::Int64, false),
        Field::new("tag_id", DataType::Utf8, false),
        Field::new("person_id", DataType::Utf8, false),
        Field::new("old_value", DataType::Utf8, true),
        Field::new("new_value", DataType::Utf8, true),
        Field::new("change", DataType::Utf8, false),
    ]))
}

pub fn coverage_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("build_id", DataType::Int64, false),
        Field::new("tag_id", DataType::Utf8, false),
        Field::new("version", DataType::Int64, false),
        Field::new("value", DataType::Utf8, true),
        Field::new("persons", DataType::Int64, false),
        Field::new("share", DataType::Float64, false),
    ]))
}

/// The stored text of row `i` of a `person_tags` column, if the person has a value.
fn cell(col: &dyn Array, vt: ValueType, i: usize) -> Option<String> {
    if col.is_null(i) {
        return None;
    }
    match vt {
        ValueType::Bool => col
            .as_any()
            .downcast_ref::<BooleanArray>()
            .and_then(|a| a.value(i).then(|| "true".to_string())),
        ValueType::Enum => col
            .as_any()
            .downcast_ref::<StringArray>()
            .map(|a| a.value(i).to_string()),
        ValueType::Number => col
            .as_any()
            .downcast_ref::<Float64Array>()
            .map(|a| format_number(a.value(i))),
    }
}

/// The long form of `person_tags` batches: one row per person and tag with a value.
pub fn values(defs: &[&TagDef], person_tags: &[RecordBatch], build_id: i64) -> Result<Vec<RecordBatch>> {
    let mut out = Vec::new();
    for b in person_tags {
        let persons = b
            .column(0)
            .as_any()
            .downcast_ref::<StringArray>()
            .ok_or_else(|| Error::Internal("person_tags.person_id is not text".into()))?;
        let (mut p, mut t, mut v) = (StringBuilder::new(), StringBuilder::new(), StringBuilder::new());
        let mut versions = Vec::new();
        for (k, d) in defs.iter().enumerate() {
            let col = b.column(k + 1);
            for i in 0..b.num_rows() {
                if let Some(value) = cell(col.as_ref(), d.value_type, i) {
                    p.append_value(persons.value(i));
                    t.append_value(&d.tag_id);
                    v.append_value(value);
                    versions.push(i64::from(d.version));
                }
            }
        }
        let n = versions.len();
        if n == 0 {
            continue;
        }
        out.push(RecordBatch::try_new(
            values_schema(),
            vec![
                Arc::new(p.finish()),
                Arc::new(t.finish()),
                Arc::new(Int64Array::from(versions)),
                Arc::new(v.finish()),
                Arc::new(Int64Array::from(vec![build_id; n])),
            ],
        )?);
    }
    Ok(out)
}

/// Persons per value of each tag. Bool tags have one row (`true`); number
/// tags one row with a NULL value (persons with any value); enum tags one row
/// per value seen, plus zero rows for allowed values nobody has.
pub fn coverage(defs: &[&TagDef], person_tags: &[RecordBatch], build_id: i64) -> Result<RecordBatch> {
    let total: usize = person_tags.iter().map(|b| b.num_rows()).sum();
    let mut counts: Vec<BTreeMap<Option<String>, i64>> = defs
        .iter()
        .map(|d| {
            let mut m = BTreeMap::new();
            match d.value_type {
                ValueType::Bool => {
                    m.insert(Some("true".to_string()), 0);
                }
                ValueType::Number => {
                    m.insert(None, 0);
                }
                ValueType::Enum => {
                    for a in &d.allowed_values {
                        m.insert(Some(a.clone()), 0);
                    }
                }
            }
            m
        })
        .collect();
    for b in person_tags {
        for (k, d) in defs.iter().enumerate() {
            let col = b.column(k + 1);
            for i in 0..b.num_rows() {
                if let Some(v) = cell(col.as_ref(), d.value_type, i) {
                    let key = (d.value_type != ValueType::Number).then_some(v);
                    *counts[k].entry(key).or_insert(0) += 1;
                }
            }
        }
    }
    let (mut tag, mut version, mut value, mut persons, mut share) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (d, m) in defs.iter().zip(counts) {
        for (v, n) in m {
            tag.push(d.tag_id.clone());
            version.push(i64::from(d.version));
            value.push(v);
            persons.push(n);
            share.push(if total == 0 { 0.0 } else { n as f64 / total as f64 });
        }
    }
    let n = tag.len();
    Ok(RecordBatch::try_new(
        coverage_schema(),
        vec![
            Arc::new(Int64Array::from(vec![build_id; n])),
            Arc::new(StringArray::from(tag)),
            Arc::new(Int64Array::from(version)),
            Arc::new(StringArray::from(value)),
            Arc::new(Int64Array::from(persons)),
            Arc::new(Float64Array::from(share)),
        ],
    )?)
}

/// The build of the latest snapshot before `build_id`, if any.
pub async fn previous_build(ws: &Workspace, engine: &SqlEngine, build_id: i64) -> Result<Option<i64>> {
    if !ws.tables().exists(VALUES) {
        return Ok(None);
    }
    let (_, batches) = engine
        .query(&format!(
            "SELECT max(build_id) FROM {VALUES} WHERE build_id < {build_id}"
        ))
        .await?;
    Ok(batches.first().and_then(|b| {
        b.column(0)
            .as_any()
            .downcast_ref::<Int64Array>()
            .and_then(|a| (!a.is_null(0)).then(|| a.value(0)))
    }))
}

/// The changes from the snapshot of build `previous` to the new `values` of
/// build `build_id`, for the tags in `tag_ids`.
pub async fn history(
    ws: &Workspace,
    engine: &SqlEngine,
    values: &[RecordBatch],
    tag_ids: &[&str],
    build_id: i64,
    previous: Option<i64>,
) -> Result<Vec<RecordBatch>> {
    let ctx = engine.context();
    let mem = MemTable::try_new(values_schema(), vec![values.to_vec()])?;
    ctx.deregister_table("hx_new_values")?;
    ctx.register_table("hx_new_values", Arc::new(mem))?;
    let in_list = if tag_ids.is_empty() {
        "NULL".to_string()
    } else {
        tag_ids.iter().map(|t| literal(t)).collect::<Vec<_>>().join(", ")
    };
    let old = match previous {
        Some(p) if ws.tables().exists(VALUES) => {
            format!("SELECT tag_id, person_id, value FROM {VALUES} WHERE build_id = {p} AND tag_id IN ({in_list})")
        }
        _ => "SELECT tag_id, person_id, value FROM hx_new_values WHERE false".to_string(),
    };
    let sql = format!(
        "WITH hx_old AS ({old}) \
         SELECT CAST({build_id} AS BIGINT) AS build_id, \
                coalesce(n.tag_id, o.tag_id) AS tag_id, coalesce(n.person_id, o.person_id) AS person_id, \
                o.value AS old_value, n.value AS new_value, \
                CASE WHEN o.value IS NULL THEN 'entered' WHEN n.value IS NULL THEN 'left' ELSE 'changed' END AS change \
         FROM hx_new_values n FULL OUTER JOIN hx_old o ON o.tag_id = n.tag_id AND o.person_id = n.person_id \
         WHERE o.value IS NULL OR n.value IS NULL OR o.value <> n.value"
    );
    let (_, batches) = engine.query(&sql).await?;
    ctx.deregister_table("hx_new_values")?;
    let schema = history_schema();
    let mut out = Vec::new();
    for b in batches {
        if b.num_rows() == 0 {
            continue;
        }
        let b = huaxiang_store::table::plain_strings(&b)?;
        let cols = b
            .columns()
            .iter()
            .zip(schema.fields())
            .map(|(c, f)| arrow::compute::cast(c, f.data_type()))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        out.push(RecordBatch::try_new(schema.clone(), cols)?);
    }
    Ok(out)
}

/// Appends `batches` to `table` under the build's application id, unless
/// that build's append was already committed. Returns whether it appended.
pub async fn append_once(
    ws: &Workspace,
    table: &str,
    schema: SchemaRef,
    batches: &[RecordBatch],
    build_id: i64,
) -> Result<bool> {
    let app_id = format!("huaxiang-tags:{table}:{build_id}");
    let tables = ws.tables();
    if tables.committed(table, &app_id).await? {
        return Ok(false);
    }
    let mut app = tables.appender(table, schema).await?;
    for b in batches {
        app.write(b.clone()).await?;
    }
    let mut meta = serde_json::Map::new();
    meta.insert("build_id".into(), build_id.into());
    app.commit(&app_id, meta).await?;
    Ok(true)
}

/// Counts of `entered`, `left` and `changed` in history batches.
pub fn change_counts(history: &[RecordBatch]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for b in history {
        if let Some(c) = b.column(5).as_any().downcast_ref::<StringArray>() {
            for v in c.iter().flatten() {
                *out.entry(v.to_string()).or_insert(0) += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::{Refresh, TagType};

    fn def(id: &str, vt: ValueType, allowed: &[&str]) -> TagDef {
        TagDef {
            tag_id: id.into(),
            version: 2,
            name_zh: id.into(),
            name_en: id.into(),
            description: String::new(),
            owner: String::new(),
            tag_type: TagType::Imported,
            value_type: vt,
            refresh: Refresh::Build,
            expression: None,
            allowed_values: allowed.iter().map(|s| s.to_string()).collect(),
            created_at: chrono::Utc::now(),
        }
    }

    fn person_tags(defs: &[&TagDef]) -> RecordBatch {
        RecordBatch::try_new(
            crate::evaluate::schema(defs),
            vec![
                Arc::new(StringArray::from(vec!["p1", "p2", "p3"])),
                Arc::new(BooleanArray::from(vec![true, false, true])),
                Arc::new(StringArray::from(vec![Some("金"), None, Some("金")])),
                Arc::new(Float64Array::from(vec![Some(1.5), None, Some(3.0)])),
            ],
        )
        .expect("batch")
    }

    #[test]
    fn values_keep_only_persons_with_a_value() {
        let (a, b, c) = (
            def("vip", ValueType::Bool, &[]),
            def("level", ValueType::Enum, &["金", "银"]),
            def("score", ValueType::Number, &[]),
        );
        let defs = [&a, &b, &c];
        let pt = person_tags(&defs);
        let v = values(&defs, std::slice::from_ref(&pt), 7).expect("values");
        let rows: usize = v.iter().map(|b| b.num_rows()).sum();
        assert_eq!(rows, 2 + 2 + 2);
        let vals = v[0].column(3).as_any().downcast_ref::<StringArray>().expect("text");
        let got: Vec<&str> = vals.iter().flatten().collect();
        assert_eq!(got, vec!["true", "true", "金", "金", "1.5", "3"]);
        let cov = coverage(&defs, &[pt], 7).expect("coverage");
        let tag = cov.column(1).as_any().downcast_ref::<StringArray>().expect("tag");
        let value = cov.column(3).as_any().downcast_ref::<StringArray>().expect("value");
        let persons = cov.column(4).as_any().downcast_ref::<Int64Array>().expect("n");
        let share = cov.column(5).as_any().downcast_ref::<Float64Array>().expect("share");
        let rows: Vec<(String, Option<String>, i64)> = (0..cov.num_rows())
            .map(|i| {
                (
                    tag.value(i).to_string(),
                    (!value.is_null(i)).then(|| value.value(i).to_string()),
                    persons.value(i),
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                ("vip".into(), Some("true".into()), 2),
                ("level".into(), Some("金".into()), 2),
                ("level".into(), Some("银".into()), 0),
                ("score".into(), None, 2),
            ]
        );
        assert!((share.value(0) - 2.0 / 3.0).abs() < 1e-12);
    }
}
