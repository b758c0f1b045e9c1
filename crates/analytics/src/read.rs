//! Reading the workspace's activity for the analyses: one SQL query per
//! input, its columns handed over as plain vectors.
//!
//! Every analysis works per *actor*: the person an activity belongs to
//! (identity links first, then the anonymous stitching of the build's
//! `anonymous_links`: the session, then the device cookie), or, for activity
//! no person can be found for, the anonymous cookie itself (`anon:` + id).
//! So a funnel counts a visitor who never logs in once, not zero times, and a
//! visitor who logs in half-way once, not twice.

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float64Type, Int64Type, TimeUnit};
use huaxiang_store::Workspace;
use huaxiang_store::sql::SqlEngine;

use crate::error::{Error, Result};

/// The rows of a query over the workspace's tables.
pub async fn query(engine: &SqlEngine, sql: &str) -> Result<Vec<RecordBatch>> {
    Ok(engine.query(sql).await?.1)
}

/// Quotes a text for SQL.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn column<'a>(b: &'a RecordBatch, name: &str) -> Result<&'a arrow::array::ArrayRef> {
    b.column_by_name(name)
        .ok_or_else(|| Error::Invalid(format!("the query result has no column `{name}`")))
}

/// Column `name` of every batch as text (`None` = NULL), in row order.
pub fn texts(batches: &[RecordBatch], name: &str) -> Result<Vec<Option<String>>> {
    let mut out = Vec::new();
    for b in batches {
        let c = arrow::compute::cast(column(b, name)?, &DataType::Utf8)?;
        let c = c.as_string::<i32>();
        out.extend((0..c.len()).map(|j| (!c.is_null(j)).then(|| c.value(j).to_string())));
    }
    Ok(out)
}

/// Column `name` as numbers (NULL = NaN).
pub fn floats(batches: &[RecordBatch], name: &str) -> Result<Vec<f64>> {
    let mut out = Vec::new();
    for b in batches {
        let c = arrow::compute::cast(column(b, name)?, &DataType::Float64)?;
        let c = c.as_primitive::<Float64Type>();
        out.extend((0..c.len()).map(|j| if c.is_null(j) { f64::NAN } else { c.value(j) }));
    }
    Ok(out)
}

/// Column `name` as integers (NULL = `None`).
pub fn ints(batches: &[RecordBatch], name: &str) -> Result<Vec<Option<i64>>> {
    let mut out = Vec::new();
    for b in batches {
        let c = arrow::compute::cast(column(b, name)?, &DataType::Int64)?;
        let c = c.as_primitive::<Int64Type>();
        out.extend((0..c.len()).map(|j| (!c.is_null(j)).then(|| c.value(j))));
    }
    Ok(out)
}

/// A timestamp column as integers of `unit` since the Unix epoch (NULL = `None`).
fn instants(batches: &[RecordBatch], name: &str, unit: TimeUnit) -> Result<Vec<Option<i64>>> {
    let mut out = Vec::new();
    for b in batches {
        let c = arrow::compute::cast(column(b, name)?, &DataType::Timestamp(unit, None))?;
        let c = arrow::compute::cast(&c, &DataType::Int64)?;
        let c = c.as_primitive::<Int64Type>();
        out.extend((0..c.len()).map(|j| (!c.is_null(j)).then(|| c.value(j))));
    }
    Ok(out)
}

/// A timestamp column as Unix milliseconds (NULL = `None`).
pub fn millis(batches: &[RecordBatch], name: &str) -> Result<Vec<Option<i64>>> {
    instants(batches, name, TimeUnit::Millisecond)
}

/// A timestamp column as Unix microseconds: sub-millisecond times (click
/// streams) keep their order.
pub fn micros(batches: &[RecordBatch], name: &str) -> Result<Vec<Option<i64>>> {
    instants(batches, name, TimeUnit::Microsecond)
}

/// Refuses an analysis whose input table is missing, naming the command that makes it.
pub fn require(ws: &Workspace, table: &str, hint: &str) -> Result<()> {
    if ws.tables().exists(table) {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "缺少表 / the workspace has no `{table}` table: {hint}"
        )))
    }
}

/// `WITH` entries and the actor expression for the `events` alias `e`:
/// `(ctes, joins, actor, person)`, where `person` is NULL for anonymous actors.
pub fn event_actor(ws: &Workspace) -> (String, String, String, String) {
    let (joins, person) = huaxiang_features::persons::person_of("e");
    let mut joins = joins;
    let mut person = person;
    if ws.tables().exists("anonymous_links") {
        joins.push_str(
            " LEFT JOIN anonymous_links hx_as ON hx_as.key_kind = 'session_id' AND hx_as.key = e.session_id \
             LEFT JOIN anonymous_links hx_ac ON hx_ac.key_kind = 'anonymous_id' AND hx_ac.key = e.anonymous_id",
        );
        person = format!("coalesce({person}, hx_as.person_id, hx_ac.person_id)");
    }
    let actor = format!("coalesce({person}, 'anon:' || e.anonymous_id, 'session:' || e.session_id)");
    (
        huaxiang_features::persons::UNIQUE_RECORDS_CTE.to_string(),
        joins,
        actor,
        person,
    )
}

/// `(ctes, joins, person)` for a table alias `t` with `source` and `customer_id`.
pub fn record_person(t: &str) -> (String, String, String) {
    let (joins, person) = huaxiang_features::persons::person_of(t);
    (
        huaxiang_features::persons::UNIQUE_RECORDS_CTE.to_string(),
        joins,
        person,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_doubles_single_quotes() {
        assert_eq!(quote("it's"), "'it''s'");
    }
}
