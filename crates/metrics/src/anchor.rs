//! What a metric query needs to know about the workspace: its as-of day, its
//! time zone, which tables exist and which tags there are.
//!
//! The as-of day anchors every relative range. It is the as-of day of the
//! latest build (what the derived tables describe), or, before any build, the
//! local day of the latest order or event. It is never the wall clock: a
//! metric over "the last 30 days" of a fixed data set never drifts.

use std::collections::BTreeSet;

use arrow::array::{Array, StringArray};
use arrow::datatypes::DataType;
use chrono::NaiveDate;
use chrono_tz::Tz;
use huaxiang_store::Workspace;
use huaxiang_store::sql::SqlEngine;
use huaxiang_store::table::plain_strings;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::fact::Fact;

/// Where the as-of day came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AsOfSource {
    /// The latest row of `builds`.
    Build(i64),
    /// The local day of the latest order or event (no build yet).
    LatestData,
}

/// The workspace facts a query is generated against.
#[derive(Debug, Clone)]
pub struct Env {
    pub time_zone: Tz,
    pub as_of: NaiveDate,
    pub as_of_source: AsOfSource,
    /// Tables of the workspace.
    pub tables: BTreeSet<String>,
    /// Tag ids (columns of `person_tags`), None when it does not exist.
    pub tags: Option<Vec<String>>,
    /// Whether `person_attributes.first_signup_time` is a DATE (not a timestamp).
    pub signup_is_date: bool,
    /// The facts whose precomputed table is current ([`crate::precompute::current`]).
    pub precomputed: Vec<Fact>,
}

impl Env {
    pub fn has(&self, table: &str) -> bool {
        self.tables.contains(table)
    }

    /// Reads the environment of `ws` through `engine`.
    pub async fn read(ws: &Workspace, engine: &SqlEngine) -> Result<Env> {
        let tables: BTreeSet<String> = ws.tables().names()?.into_iter().collect();
        let (as_of, as_of_source) = as_of(engine, &tables).await?;
        let ctx = engine.context();
        let tags = if tables.contains("person_tags") {
            let df = ctx.table("person_tags").await?;
            Some(
                df.schema()
                    .fields()
                    .iter()
                    .map(|f| f.name().clone())
                    .filter(|n| n != "person_id")
                    .collect(),
            )
        } else {
            None
        };
        let signup_is_date = if tables.contains("person_attributes") {
            let df = ctx.table("person_attributes").await?;
            df.schema().fields().iter().any(|f| {
                f.name() == "first_signup_time" && matches!(f.data_type(), DataType::Date32 | DataType::Date64)
            })
        } else {
            false
        };
        Ok(Env {
            time_zone: ws.time_zone()?,
            as_of,
            as_of_source,
            tables,
            tags,
            signup_is_date,
            precomputed: crate::precompute::current(ws),
        })
    }
}

async fn first_text(engine: &SqlEngine, sql: &str) -> Result<Option<String>> {
    let (_, batches) = engine.query(sql).await?;
    for b in batches {
        let b = plain_strings(&b)?;
        if b.num_rows() == 0 {
            continue;
        }
        if let Some(a) = b.column(0).as_any().downcast_ref::<StringArray>()
            && !a.is_null(0)
        {
            return Ok(Some(a.value(0).to_string()));
        }
    }
    Ok(None)
}

fn day(text: &str) -> Result<NaiveDate> {
    huaxiang_core::time::parse_date(text).map_err(|e| Error::Range(format!("as-of day `{text}`: {e}")))
}

/// The as-of day: the latest build's, else the local day of the latest order or event.
pub async fn as_of(engine: &SqlEngine, tables: &BTreeSet<String>) -> Result<(NaiveDate, AsOfSource)> {
    if tables.contains("builds")
        && let Some(row) = first_text(
            engine,
            "SELECT concat(CAST(as_of AS VARCHAR), ' ', CAST(build_id AS VARCHAR)) FROM builds \
             ORDER BY build_id DESC LIMIT 1",
        )
        .await?
        && let Some((d, id)) = row.split_once(' ')
    {
        return Ok((day(d)?, AsOfSource::Build(id.parse().unwrap_or(0))));
    }
    let mut parts = Vec::new();
    if tables.contains("orders") {
        parts.push("SELECT max(order_time) AS t FROM orders");
    }
    if tables.contains("events") {
        parts.push("SELECT max(event_time) AS t FROM events");
    }
    if parts.is_empty() {
        return Err(Error::NoAsOf);
    }
    // Timestamps in the views are in the workspace zone, so this is the local day.
    let sql = format!(
        "SELECT CAST(to_char(max(t), '%Y-%m-%d') AS VARCHAR) FROM ({})",
        parts.join(" UNION ALL ")
    );
    match first_text(engine, &sql).await? {
        Some(d) => Ok((day(&d)?, AsOfSource::LatestData)),
        None => Err(Error::NoAsOf),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Date32Array, Int64Array, RecordBatch, TimestampMicrosecondArray};
    use arrow::datatypes::{Field, Schema, TimeUnit};

    use super::*;

    async fn write(ws: &Workspace, name: &str, fields: Vec<Field>, cols: Vec<arrow::array::ArrayRef>) {
        let schema = Arc::new(Schema::new(fields));
        let batch = RecordBatch::try_new(schema.clone(), cols).expect("batch");
        ws.tables()
            .overwrite(name, schema, vec![batch], serde_json::Map::new())
            .await
            .expect("write");
    }

    #[tokio::test]
    async fn as_of_is_the_latest_build_else_the_local_day_of_the_latest_data() {
        let tmp = tempfile::tempdir().expect("tmp");
        let ws = Workspace::init(&tmp.path().join("ws")).expect("init");
        let engine = SqlEngine::new(&ws, false).await.expect("engine");
        assert!(matches!(Env::read(&ws, &engine).await, Err(Error::NoAsOf)));

        // 2026-06-30T20:00:00Z is 04:00 on 1 July in Shanghai: the local day counts.
        let ts = Field::new(
            "order_time",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            true,
        );
        let t =
            TimestampMicrosecondArray::from(vec![1_782_849_600_000_000, 1_700_000_000_000_000]).with_timezone("UTC");
        write(&ws, "orders", vec![ts], vec![Arc::new(t)]).await;
        let engine = SqlEngine::new(&ws, false).await.expect("engine");
        let env = Env::read(&ws, &engine).await.expect("env");
        assert_eq!(env.as_of.to_string(), "2026-07-01");
        assert_eq!(env.as_of_source, AsOfSource::LatestData);
        assert!(env.tags.is_none() && env.has("orders"));

        // A build's as-of day wins, the latest build's (not the latest day).
        let days = |d: &str| {
            let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
            i32::try_from((huaxiang_core::time::parse_date(d).expect("d") - epoch).num_days()).expect("days")
        };
        write(
            &ws,
            "builds",
            vec![
                Field::new("build_id", DataType::Int64, false),
                Field::new("as_of", DataType::Date32, false),
            ],
            vec![
                Arc::new(Int64Array::from(vec![1, 2])),
                Arc::new(Date32Array::from(vec![days("2026-06-30"), days("2026-03-31")])),
            ],
        )
        .await;
        let engine = SqlEngine::new(&ws, false).await.expect("engine");
        let env = Env::read(&ws, &engine).await.expect("env");
        assert_eq!(env.as_of.to_string(), "2026-03-31");
        assert_eq!(env.as_of_source, AsOfSource::Build(2));
    }
}
