//! The `tags` table: the catalog as a table, one row per tag and version, with
//! when each version was last computed and from which inputs.
//!
//! The definitions themselves live in `meta/tags.json`; this table is what
//! SQL users, segments and dashboards read, and it remembers per version the
//! build that last computed it and a fingerprint of that computation's inputs
//! (see [`crate::status`]), which is how a tag is known to be stale.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{Array, BooleanArray, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use huaxiang_store::Workspace;

use crate::catalog::Catalog;
use crate::error::{Error, Result};

pub const TABLE: &str = "tags";

/// When a tag version was last computed.
#[derive(Debug, Clone, PartialEq)]
pub struct Computed {
    pub build_id: i64,
    /// UTC microseconds.
    pub at: i64,
    /// Fingerprint of the inputs it was computed from.
    pub fingerprint: Option<String>,
}

fn ts() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

pub fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("tag_id", DataType::Utf8, false),
        Field::new("version", DataType::Int64, false),
        Field::new("name_zh", DataType::Utf8, false),
        Field::new("name_en", DataType::Utf8, false),
        Field::new("description", DataType::Utf8, false),
        Field::new("owner", DataType::Utf8, false),
        Field::new("type", DataType::Utf8, false),
        Field::new("value_type", DataType::Utf8, false),
        Field::new("refresh", DataType::Utf8, false),
        Field::new("expression", DataType::Utf8, true),
        Field::new("allowed_values", DataType::Utf8, true),
        Field::new("created_at", ts(), false),
        Field::new("current", DataType::Boolean, false),
        Field::new("last_build_id", DataType::Int64, true),
        Field::new("last_computed_at", ts(), true),
        Field::new("inputs_fingerprint", DataType::Utf8, true),
    ]))
}

/// Tag version → when it was last computed, from the `tags` table.
pub async fn computed(ws: &Workspace) -> Result<BTreeMap<(String, u32), Computed>> {
    let mut out = BTreeMap::new();
    for b in ws.tables().read_all(TABLE).await? {
        let text = |name: &str| {
            b.column_by_name(name)
                .and_then(|c| c.as_any().downcast_ref::<StringArray>())
                .ok_or_else(|| Error::Internal(format!("tags.{name} is missing or not text")))
        };
        let int = |name: &str| {
            b.column_by_name(name)
                .and_then(|c| c.as_any().downcast_ref::<Int64Array>())
                .ok_or_else(|| Error::Internal(format!("tags.{name} is missing or not Int64")))
        };
        let (id, version, build, fp) = (
            text("tag_id")?,
            int("version")?,
            int("last_build_id")?,
            text("inputs_fingerprint")?,
        );
        let at = b
            .column_by_name("last_computed_at")
            .and_then(|c| c.as_any().downcast_ref::<TimestampMicrosecondArray>())
            .ok_or_else(|| Error::Internal("tags.last_computed_at is missing".into()))?;
        for i in 0..b.num_rows() {
            if build.is_null(i) {
                continue;
            }
            out.insert(
                (id.value(i).to_string(), u32::try_from(version.value(i)).unwrap_or(0)),
                Computed {
                    build_id: build.value(i),
                    at: if at.is_null(i) { 0 } else { at.value(i) },
                    fingerprint: (!fp.is_null(i)).then(|| fp.value(i).to_string()),
                },
            );
        }
    }
    Ok(out)
}

/// Every version of every tag in `cat`, with its computation record.
pub fn batch(cat: &Catalog, computed: &BTreeMap<(String, u32), Computed>) -> Result<RecordBatch> {
    let current: Vec<(&str, u32)> = cat.current().iter().map(|t| (t.tag_id.as_str(), t.version)).collect();
    let defs = &cat.tags;
    let get = |t: &crate::TagDef| computed.get(&(t.tag_id.clone(), t.version));
    let strings = |f: &dyn Fn(&crate::TagDef) -> String| -> Arc<dyn Array> {
        Arc::new(StringArray::from_iter_values(defs.iter().map(f)))
    };
    let allowed: Vec<Option<String>> = defs
        .iter()
        .map(|t| (!t.allowed_values.is_empty()).then(|| serde_json::to_string(&t.allowed_values).unwrap_or_default()))
        .collect();
    Ok(RecordBatch::try_new(
        schema(),
        vec![
            strings(&|t| t.tag_id.clone()),
            Arc::new(Int64Array::from_iter_values(defs.iter().map(|t| i64::from(t.version)))),
            strings(&|t| t.name_zh.clone()),
            strings(&|t| t.name_en.clone()),
            strings(&|t| t.description.clone()),
            strings(&|t| t.owner.clone()),
            strings(&|t| t.tag_type.as_str().to_string()),
            strings(&|t| t.value_type.as_str().to_string()),
            strings(&|t| t.refresh.as_str().to_string()),
            Arc::new(StringArray::from(
                defs.iter().map(|t| t.expression.clone()).collect::<Vec<_>>(),
            )),
            Arc::new(StringArray::from(allowed)),
            Arc::new(
                TimestampMicrosecondArray::from_iter_values(defs.iter().map(|t| t.created_at.timestamp_micros()))
                    .with_timezone("UTC"),
            ),
            Arc::new(BooleanArray::from(
                defs.iter()
                    .map(|t| current.contains(&(t.tag_id.as_str(), t.version)))
                    .collect::<Vec<_>>(),
            )),
            Arc::new(Int64Array::from(
                defs.iter().map(|t| get(t).map(|c| c.build_id)).collect::<Vec<_>>(),
            )),
            Arc::new(
                TimestampMicrosecondArray::from(defs.iter().map(|t| get(t).map(|c| c.at)).collect::<Vec<_>>())
                    .with_timezone("UTC"),
            ),
            Arc::new(StringArray::from(
                defs.iter()
                    .map(|t| get(t).and_then(|c| c.fingerprint.clone()))
                    .collect::<Vec<_>>(),
            )),
        ],
    )?)
}
