//! The `builds` table: one row per build that changed something, and the
//! build context (id, as-of day) every stage of a build shares.

use std::sync::Arc;

use arrow::array::{Array, BooleanArray, Date32Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use chrono::{DateTime, NaiveDate, Utc};
use huaxiang_core::build::BuildContext;
use huaxiang_store::Workspace;
use huaxiang_store::sql::SqlEngine;

use crate::error::{BuildError, Result};

pub const TABLE: &str = "builds";

fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("build_id", DataType::Int64, false),
        Field::new("as_of", DataType::Date32, false),
        Field::new("as_of_explicit", DataType::Boolean, false),
        Field::new(
            "started_at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
    ]))
}

/// The id of the next build: one more than the last recorded.
async fn next_id(ws: &Workspace) -> Result<i64> {
    let mut last = 0;
    for b in ws.tables().read_all(TABLE).await? {
        if let Some(ids) = b
            .column_by_name("build_id")
            .and_then(|a| a.as_any().downcast_ref::<Int64Array>())
        {
            last = ids.iter().flatten().fold(last, i64::max);
        }
    }
    Ok(last + 1)
}

/// The local day of the latest order or event, the default as-of day.
pub async fn latest_data_day(ws: &Workspace) -> Result<Option<NaiveDate>> {
    let tables = ws.tables();
    let mut parts = Vec::new();
    if tables.exists("orders") {
        parts.push("SELECT max(order_time) AS t FROM orders");
    }
    if tables.exists("events") {
        parts.push("SELECT max(event_time) AS t FROM events");
    }
    if parts.is_empty() {
        return Ok(None);
    }
    let sql = format!(
        "SELECT CAST(to_char(max(t), '%Y-%m-%d') AS VARCHAR) AS d FROM ({})",
        parts.join(" UNION ALL ")
    );
    let engine = SqlEngine::new(ws, false).await?;
    let (_, batches) = engine.query(&sql).await?;
    for b in batches {
        let b = huaxiang_store::table::plain_strings(&b)?;
        if let Some(a) = b.column(0).as_any().downcast_ref::<StringArray>()
            && b.num_rows() > 0
            && !a.is_null(0)
        {
            return Ok(Some(huaxiang_core::time::parse_date(a.value(0)).map_err(|e| {
                BuildError::Stage {
                    stage: "builds",
                    message: format!("latest data day: {e}"),
                }
            })?));
        }
    }
    Ok(None)
}

/// The context of a new build: the next id and the as-of day (given, or the
/// day of the latest order or event, or today when there is no data yet).
pub async fn context(ws: &Workspace, as_of: Option<NaiveDate>) -> Result<BuildContext> {
    let tz = ws.time_zone()?;
    let id = next_id(ws).await?;
    Ok(match as_of {
        Some(d) => BuildContext::new(id, d, tz, true),
        None => {
            let day = match latest_data_day(ws).await? {
                Some(d) => d,
                None => Utc::now().with_timezone(&tz).date_naive(),
            };
            BuildContext::new(id, day, tz, false)
        }
    })
}

/// Appends the build's row, just before its first stage that has work to do,
/// so a build killed midway still owns its id and the next build takes a new one.
pub async fn record(ws: &Workspace, ctx: &BuildContext, started: DateTime<Utc>) -> Result<()> {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let days = i32::try_from((ctx.as_of - epoch).num_days()).unwrap_or(i32::MAX);
    let batch = RecordBatch::try_new(
        schema(),
        vec![
            Arc::new(Int64Array::from(vec![ctx.build_id])),
            Arc::new(Date32Array::from(vec![days])),
            Arc::new(BooleanArray::from(vec![ctx.as_of_explicit])),
            Arc::new(TimestampMicrosecondArray::from(vec![started.timestamp_micros()]).with_timezone("UTC")),
        ],
    )?;
    let mut app = ws.tables().appender(TABLE, schema()).await?;
    app.write(batch).await?;
    app.commit(&format!("huaxiang-build:{}", ctx.build_id), serde_json::Map::new())
        .await?;
    Ok(())
}
