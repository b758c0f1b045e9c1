//! Assembling a profile from the derived and raw tables.

use huaxiang_features::persons::{UNIQUE_RECORDS_CTE, person_of};
use huaxiang_store::Workspace;
use huaxiang_store::sql::{OutputFormat, SqlEngine, format_batches};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::Result;
use crate::lookup::quote;

/// One person's 360.
#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    pub person_id: String,
    /// The customer records resolved into this person, with masked identifiers.
    pub records: Vec<Value>,
    /// `person_attributes` (from the earliest account).
    pub attributes: Map<String, Value>,
    /// `features`, as of the last build.
    pub features: Map<String, Value>,
    /// Tag values of the latest snapshot, with the definition version that produced them.
    pub tags: Vec<Value>,
    /// Segments the person belongs to in the latest build.
    pub segments: Vec<Value>,
    /// The most recent orders, events, tickets and touches, newest first.
    pub timeline: Vec<TimelineEntry>,
}

/// One line of the timeline.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    pub time: String,
    /// `order`, `event`, `ticket` or `touch`.
    pub kind: String,
    pub summary: String,
}

async fn rows(engine: &SqlEngine, sql: &str) -> Result<Vec<Map<String, Value>>> {
    let (schema, batches) = engine.query(sql).await?;
    let text = format_batches(&schema, &batches, OutputFormat::Json)?;
    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Array(Vec::new()));
    Ok(match v {
        Value::Array(a) => a
            .into_iter()
            .filter_map(|r| match r {
                Value::Object(m) => Some(m),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    })
}

/// `column IN (…)` over quoted values, or `FALSE` for none.
fn any_of(column: &str, values: &[String]) -> String {
    if values.is_empty() {
        return "FALSE".to_string();
    }
    let list: Vec<String> = values.iter().map(|v| quote(v)).collect();
    format!("{column} IN ({})", list.join(", "))
}

/// The timeline query of person `pid`. Every activity row that resolves to the
/// person carries one of the person's record ids (through `identity_links` or
/// the unique-record fallback) or, for anonymous events, one of the sessions
/// stitched to the person; filtering on those first lets the scan skip the
/// rest of the table instead of resolving every row of it.
fn timeline_sql(ws: &Workspace, pid: &str, limit: usize, record_ids: &[String], sessions: &[String]) -> Option<String> {
    let tables = ws.tables();
    let mut parts = Vec::new();
    let p = quote(pid);
    if tables.exists("orders") {
        let (j, e) = person_of("o");
        parts.push(format!(
            "SELECT o.order_time AS t, 'order' AS kind, \
             concat(o.order_id, ' ', coalesce(o.status, ''), ' ', coalesce(o.channel, ''), ' ¥', \
             coalesce(CAST(o.amount AS VARCHAR), '')) AS summary \
             FROM orders o {j} WHERE {} AND {e} = {p}",
            any_of("o.customer_id", record_ids)
        ));
    }
    if tables.exists("events") {
        let (j, e) = person_of("e");
        let anon = if tables.exists("anonymous_links") {
            "LEFT JOIN anonymous_links a ON a.key_kind = 'session_id' AND a.key = e.session_id"
        } else {
            "LEFT JOIN (SELECT CAST(NULL AS VARCHAR) AS key, CAST(NULL AS VARCHAR) AS person_id) a ON false"
        };
        parts.push(format!(
            "SELECT e.event_time AS t, 'event' AS kind, \
             concat(e.event_type, CASE WHEN e.category IS NULL THEN '' ELSE concat(' ', e.category) END, \
             ' session ', coalesce(e.session_id, ''), CASE WHEN e.customer_id IS NULL THEN ' (anonymous)' ELSE '' END) \
             AS summary FROM events e {j} {anon} WHERE ({} OR {}) AND coalesce({e}, a.person_id) = {p}",
            any_of("e.customer_id", record_ids),
            any_of("e.session_id", sessions)
        ));
    }
    if tables.exists("tickets") {
        let (j, e) = person_of("k");
        parts.push(format!(
            "SELECT k.created_at AS t, 'ticket' AS kind, \
             concat(k.ticket_id, ' ', coalesce(k.channel, ''), ' rating ', coalesce(CAST(k.rating AS VARCHAR), '-'), \
             ' ', coalesce(substr(k.text, 1, 40), '')) AS summary FROM tickets k {j} WHERE {} AND {e} = {p}",
            any_of("k.customer_id", record_ids)
        ));
    }
    if tables.exists("touches") {
        let (j, e) = person_of("m");
        parts.push(format!(
            "SELECT m.touch_time AS t, 'touch' AS kind, \
             concat(coalesce(m.channel, ''), ' ', coalesce(m.campaign_id, '')) AS summary \
             FROM touches m {j} WHERE {} AND {e} = {p}",
            any_of("m.customer_id", record_ids)
        ));
    }
    if parts.is_empty() {
        return None;
    }
    Some(format!(
        "WITH {UNIQUE_RECORDS_CTE} SELECT CAST(t AS VARCHAR) AS time, kind, summary FROM ({}) \
         WHERE t IS NOT NULL ORDER BY t DESC, kind LIMIT {limit}",
        parts.join(" UNION ALL ")
    ))
}

/// The row of `table` for the quoted person id, empty if the table is missing.
async fn first_row(ws: &Workspace, engine: &SqlEngine, table: &str, p: &str) -> Result<Map<String, Value>> {
    if !ws.tables().exists(table) {
        return Ok(Map::new());
    }
    Ok(rows(engine, &format!("SELECT * FROM {table} WHERE person_id = {p}"))
        .await?
        .into_iter()
        .next()
        .unwrap_or_default())
}

/// The profile of person `pid` with at most `timeline` timeline entries.
pub async fn profile(ws: &Workspace, engine: &SqlEngine, pid: &str, timeline: usize) -> Result<Profile> {
    let tables = ws.tables();
    let p = quote(pid);
    let records = rows(
        engine,
        &format!(
            "SELECT l.source, l.record_id, l.rule, l.score, c.name, c.phone, c.email, c.city, \
             CAST(c.signup_time AS VARCHAR) AS signup \
             FROM identity_links l LEFT JOIN customers c ON c.source = l.source AND c.record_id = l.record_id \
             WHERE l.person_id = {p} ORDER BY signup, l.source, l.record_id"
        ),
    )
    .await?
    .into_iter()
    .map(Value::Object)
    .collect::<Vec<Value>>();
    let attributes = first_row(ws, engine, "person_attributes", &p).await?;
    let features = first_row(ws, engine, "features", &p).await?;
    let tags = if tables.exists("tag_values") {
        let catalog = if tables.exists("tags") {
            "LEFT JOIN tags t ON t.tag_id = v.tag_id AND t.version = v.version"
        } else {
            "LEFT JOIN (SELECT CAST(NULL AS VARCHAR) AS tag_id, CAST(NULL AS BIGINT) AS version, \
             CAST(NULL AS VARCHAR) AS name_zh, CAST(NULL AS VARCHAR) AS name_en) t ON false"
        };
        rows(
            engine,
            &format!(
                "SELECT v.tag_id, t.name_zh, t.name_en, v.version, v.value, v.build_id FROM tag_values v {catalog} \
                 WHERE v.person_id = {p} AND v.build_id = (SELECT max(build_id) FROM tag_values) ORDER BY v.tag_id"
            ),
        )
        .await?
        .into_iter()
        .map(Value::Object)
        .collect()
    } else {
        Vec::new()
    };
    let segments = if tables.exists("segment_members") {
        rows(
            engine,
            &format!(
                "SELECT segment, version, build_id FROM segment_members WHERE person_id = {p} \
                 AND build_id = (SELECT max(build_id) FROM segment_members) ORDER BY segment"
            ),
        )
        .await?
        .into_iter()
        .map(Value::Object)
        .collect()
    } else {
        Vec::new()
    };
    let record_ids: Vec<String> = records
        .iter()
        .filter_map(|r: &Value| r.get("record_id").and_then(Value::as_str).map(str::to_string))
        .collect();
    let sessions: Vec<String> = if tables.exists("anonymous_links") {
        rows(
            engine,
            &format!("SELECT DISTINCT key FROM anonymous_links WHERE key_kind = 'session_id' AND person_id = {p}"),
        )
        .await?
        .into_iter()
        .filter_map(|r| r.get("key").and_then(Value::as_str).map(str::to_string))
        .collect()
    } else {
        Vec::new()
    };
    let timeline = match timeline_sql(ws, pid, timeline, &record_ids, &sessions) {
        Some(sql) => rows(engine, &sql)
            .await?
            .into_iter()
            .map(|r| TimelineEntry {
                time: r.get("time").and_then(Value::as_str).unwrap_or_default().to_string(),
                kind: r.get("kind").and_then(Value::as_str).unwrap_or_default().to_string(),
                summary: r.get("summary").and_then(Value::as_str).unwrap_or_default().to_string(),
            })
            .collect(),
        None => Vec::new(),
    };
    Ok(Profile {
        person_id: pid.to_string(),
        records,
        attributes,
        features,
        tags,
        segments,
        timeline,
    })
}
