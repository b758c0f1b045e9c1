//! The workspace's behaviour events as an [`EventLog`] of actors.
//!
//! An actor is the person of the event (see [`crate::read::event_actor`]),
//! else its device cookie, so a visitor who logs in half-way through a visit
//! is one actor for the whole visit. Strings are interned straight from the
//! query's Arrow arrays: 3.7 M events become a few vectors of integers.

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Int64Type, TimeUnit};
use chrono::NaiveDate;
use huaxiang_behavior::{EventLog, EventLogBuilder, EventRow};
use huaxiang_store::Workspace;
use huaxiang_store::sql::SqlEngine;

use crate::error::{Error, Result};
use crate::read::{event_actor, query, require};

/// A time range of the events read, as calendar days of the workspace's zone.
#[derive(Debug, Clone, Copy, Default)]
pub struct Range {
    pub from: Option<NaiveDate>,
    /// Inclusive: events up to the end of this day.
    pub to: Option<NaiveDate>,
}

impl Range {
    fn sql(&self, col: &str, tz: &str) -> String {
        let mut w = Vec::new();
        if let Some(d) = self.from {
            w.push(format!("{col} >= to_timestamp('{d}T00:00:00') AT TIME ZONE '{tz}'"));
        }
        if let Some(d) = self.to {
            let next = d.succ_opt().unwrap_or(d);
            w.push(format!("{col} < to_timestamp('{next}T00:00:00') AT TIME ZONE '{tz}'"));
        }
        w.join(" AND ")
    }
}

/// The events and, per actor, its person (`None` for anonymous actors).
pub struct Events {
    pub log: EventLog,
    pub persons: Vec<Option<String>>,
}

fn utf8(b: &RecordBatch, name: &str) -> Result<ArrayRef> {
    let c = b
        .column_by_name(name)
        .ok_or_else(|| Error::Invalid(format!("the events query has no column `{name}`")))?;
    Ok(arrow::compute::cast(c, &DataType::Utf8)?)
}

/// Reads the events of `range` (all of them by default).
pub async fn load(ws: &Workspace, engine: &SqlEngine, range: Range) -> Result<Events> {
    require(
        ws,
        "events",
        "ingest behaviour events with `huaxiang ingest --table events …`",
    )?;
    let tz = ws.time_zone()?.name().to_string();
    let (cte, joins, actor, person) = event_actor(ws);
    let mut wh = vec![
        "e.event_time IS NOT NULL".to_string(),
        "e.event_type IS NOT NULL".to_string(),
    ];
    let r = range.sql("e.event_time", &tz);
    if !r.is_empty() {
        wh.push(r);
    }
    let sql = format!(
        "WITH {cte} SELECT {actor} AS actor, {person} AS person_id, e.event_time, e.event_type, \
         e.channel, e.device, e.product_id, e.category FROM events e {joins} WHERE {}",
        wh.join(" AND ")
    );
    let batches = query(engine, &sql).await?;
    let n: usize = batches.iter().map(|b| b.num_rows()).sum();
    let mut builder = EventLogBuilder::with_capacity(n);
    let mut person_of: std::collections::HashMap<String, Option<String>> = std::collections::HashMap::new();
    for b in &batches {
        let actor = utf8(b, "actor")?;
        let person = utf8(b, "person_id")?;
        let time = b
            .column_by_name("event_time")
            .ok_or_else(|| Error::Invalid("the events query has no event_time".into()))?;
        let time = arrow::compute::cast(time, &DataType::Timestamp(TimeUnit::Millisecond, None))?;
        let time = arrow::compute::cast(&time, &DataType::Int64)?;
        let time = time.as_primitive::<Int64Type>();
        let cols = ["event_type", "channel", "device", "product_id", "category"]
            .iter()
            .map(|c| utf8(b, c))
            .collect::<Result<Vec<_>>>()?;
        let (actor, person) = (actor.as_string::<i32>(), person.as_string::<i32>());
        let strs: Vec<_> = cols.iter().map(|c| c.as_string::<i32>()).collect();
        let get = |k: usize, i: usize| {
            (!strs[k].is_null(i))
                .then(|| strs[k].value(i))
                .filter(|v| !v.is_empty())
        };
        for i in 0..b.num_rows() {
            if actor.is_null(i) || time.is_null(i) || strs[0].is_null(i) {
                continue;
            }
            let a = actor.value(i);
            if !person_of.contains_key(a) {
                let p = (!person.is_null(i)).then(|| person.value(i).to_string());
                person_of.insert(a.to_string(), p);
            }
            builder.push(EventRow {
                actor: a,
                time_ms: time.value(i),
                kind: strs[0].value(i),
                channel: get(1, i),
                device: get(2, i),
                product: get(3, i),
                category: get(4, i),
            });
        }
    }
    let log = builder.build();
    let persons = log
        .actors()
        .names()
        .iter()
        .map(|a| person_of.get(a).cloned().flatten())
        .collect();
    Ok(Events { log, persons })
}
