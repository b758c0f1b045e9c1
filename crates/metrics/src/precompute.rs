//! Facts precomputed at build time, so metric queries do not re-derive them.
//!
//! A fact's SQL ([`Fact::raw_sql`]) maps every order, event or ticket to its
//! person through `identity_links` and, for sessions, groups millions of
//! events; on a workspace of 100k customers that is most of a query's time.
//! The `metrics` build stage ([`run`]) writes the result of each such fact
//! once per change of its inputs, as a table `huaxiang sql` shows like any
//! other:
//!
//! | table | rows |
//! |---|---|
//! | `metric_orders` | the `all_orders` fact (`paid_orders` is its `status = 'paid'` rows) |
//! | `metric_order_items` | the `order_items` fact |
//! | `metric_tickets` | the `tickets` fact |
//! | `metric_sessions` | the `sessions` fact: one row per `events.session_id` (anonymous ones included) |
//! | `metric_activity` | the `activity` fact, one row per person, local day, kind and channel |
//!
//! Each also has [`DAY_COLUMN`], the local day of the fact's time. The first
//! four are the fact's rows exactly. `metric_activity` is compact:
//! rows of the same person, local day (workspace zone), kind and channel are
//! one row whose `activity_time` is the earliest of them. Ranges are whole
//! local days and grains are unions of days, so such a group is entirely in
//! or out of every range and has one label per grain; a measure that counts
//! distinct persons therefore gives the same number. A query reads it only
//! then ([`Fact::sql`] is told by [`crate::Query`]); any other measure, or a
//! filter on `activity_time`, reads the raw rows.
//!
//! **Current or not at all.** A query uses a precomputed table only when the
//! record written after it (`meta/metric_facts.json`) says it was computed
//! from the current versions of every table the fact reads, in the current
//! time zone, with the fact's current SQL, and the table itself is at the
//! version written. Anything else (a workspace before its first build, data
//! ingested since the last build, a new binary with a changed definition)
//! falls back to the raw plan, which is always right, only slower.

use std::collections::BTreeMap;

use huaxiang_core::build::BuildContext;
use huaxiang_features::output::{stored_schema, to_stored};
use huaxiang_features::persons::UNIQUE_RECORDS_CTE;
use huaxiang_store::Workspace;
use huaxiang_store::meta::{read_json, write_json};
use huaxiang_store::sql::SqlEngine;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::fact::{Available, Fact};

/// The record of what the precomputed tables were computed from, in `meta/`.
pub const STATE_FILE: &str = "metric_facts.json";

/// The local day (`YYYY-MM-DD`, workspace zone) of the fact's time column,
/// stored beside the fact's columns: grain labels are cut from it
/// ([`crate::dimension::Grain::label_of_day_sql`]) rather than formatted from
/// a zoned timestamp on every row of every query.
pub const DAY_COLUMN: &str = "hx_day";

/// The precomputed tables, each with the fact whose SQL fills it.
pub const TABLES: [(&str, Fact); 5] = [
    ("metric_orders", Fact::AllOrders),
    ("metric_order_items", Fact::OrderItems),
    ("metric_tickets", Fact::Tickets),
    ("metric_sessions", Fact::Sessions),
    ("metric_activity", Fact::Activity),
];

/// The precomputed table a fact reads, if any.
pub fn table_of(fact: Fact) -> Option<&'static str> {
    let source = match fact {
        Fact::PaidOrders => Fact::AllOrders,
        f => f,
    };
    TABLES.iter().find(|(_, f)| *f == source).map(|(t, _)| *t)
}

/// The workspace tables whose content the fact's rows depend on.
fn sources(fact: Fact) -> &'static [&'static str] {
    match fact {
        Fact::Activity => &["events", "orders", "identity_links"],
        f => f.tables(),
    }
}

/// The statement that fills the precomputed table of `fact`.
pub fn build_sql(fact: Fact, avail: &Available) -> String {
    let raw = fact.raw_sql(avail);
    let time = fact.time_columns()[0];
    let body = if fact == Fact::Activity {
        format!(
            "SELECT person_id, min(activity_time) AS activity_time, kind, channel, \
             to_char(activity_time, '%Y-%m-%d') AS {DAY_COLUMN} FROM ({raw}) hx_a \
             GROUP BY person_id, to_char(activity_time, '%Y-%m-%d'), kind, channel"
        )
    } else {
        format!("SELECT *, to_char({time}, '%Y-%m-%d') AS {DAY_COLUMN} FROM ({raw}) hx_raw")
    };
    format!("WITH {UNIQUE_RECORDS_CTE} {body}")
}

fn digest(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The version of a Delta table from its log folder (the highest commit
/// number), without reading the log: a query checks several tables and must
/// stay cheap.
fn log_version(ws: &Workspace, table: &str) -> Option<u64> {
    let dir = ws.tables().path(table).join("_delta_log");
    let entries = std::fs::read_dir(dir).ok()?;
    entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name();
            let name = name.to_str()?;
            let stem = name.strip_suffix(".json")?;
            (stem.len() == 20 && stem.bytes().all(|b| b.is_ascii_digit()))
                .then(|| stem.parse::<u64>().ok())
                .flatten()
        })
        .max()
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct State {
    time_zone: String,
    /// By precomputed table.
    tables: BTreeMap<String, TableState>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct TableState {
    /// The fact whose SQL filled it.
    fact: String,
    /// Its version after the write.
    version: Option<u64>,
    /// SHA-256 of the statement that filled it.
    definition: String,
    /// The version of every table it was read from (None: absent).
    sources: BTreeMap<String, Option<u64>>,
    rows: usize,
}

fn state_path(ws: &Workspace) -> std::path::PathBuf {
    ws.meta_dir().join(STATE_FILE)
}

fn avail(ws: &Workspace) -> Available {
    let t = ws.tables();
    Available {
        events: t.exists("events"),
        orders: t.exists("orders"),
        precomputed: false,
    }
}

fn source_versions(ws: &Workspace, fact: Fact) -> BTreeMap<String, Option<u64>> {
    sources(fact)
        .iter()
        .map(|t| ((*t).to_string(), log_version(ws, t)))
        .collect()
}

/// Whether the fact can be computed at all (its tables exist).
fn computable(fact: Fact, avail: &Available, ws: &Workspace) -> bool {
    let t = ws.tables();
    fact.tables().iter().all(|n| t.exists(n)) && (fact != Fact::Activity || avail.events || avail.orders)
}

/// The facts whose precomputed table is current in `ws` (see the module notes).
pub fn current(ws: &Workspace) -> Vec<Fact> {
    let Ok(Some(state)) = read_json::<State>(&state_path(ws)) else {
        return Vec::new();
    };
    if ws.config().workspace.time_zone != state.time_zone {
        return Vec::new();
    }
    let avail = avail(ws);
    let mut out = Vec::new();
    for (table, fact) in TABLES {
        let Some(s) = state.tables.get(table) else {
            continue;
        };
        let fresh = s.fact == fact.name()
            && s.version.is_some()
            && log_version(ws, table) == s.version
            && s.definition == digest(&build_sql(fact, &avail))
            && source_versions(ws, fact) == s.sources;
        if fresh {
            out.push(fact);
            if fact == Fact::AllOrders {
                out.push(Fact::PaidOrders);
            }
        }
    }
    out
}

/// The fingerprint of the `metrics` build stage: the versions of the tables
/// the facts read, their SQL and the time zone.
pub async fn fingerprint(ws: &Workspace, _ctx: &BuildContext) -> Result<String> {
    let avail = avail(ws);
    let mut h = Sha256::new();
    h.update(ws.config().workspace.time_zone.as_bytes());
    for (table, fact) in TABLES {
        h.update(format!(
            ";{table}:{:?}:{}",
            source_versions(ws, fact),
            digest(&build_sql(fact, &avail))
        ));
    }
    Ok(hex::encode(h.finalize()))
}

/// The `metrics` build stage: (re)writes every precomputed table whose fact
/// can be computed, then the record of what they were computed from.
pub async fn run(ws: &Workspace, _ctx: &BuildContext) -> Result<serde_json::Value> {
    let avail = avail(ws);
    let path = state_path(ws);
    let mut state = State {
        time_zone: ws.config().workspace.time_zone.clone(),
        tables: BTreeMap::new(),
    };
    let engine = SqlEngine::new(ws, false).await?;
    let mut details = serde_json::Map::new();
    for (table, fact) in TABLES {
        if !computable(fact, &avail, ws) {
            details.insert(table.to_string(), json!("skipped: its tables do not exist yet"));
            continue;
        }
        // Versions first: data arriving while this runs makes the record stale, never wrong.
        let versions = source_versions(ws, fact);
        let sql = build_sql(fact, &avail);
        let (schema, batches) = engine.query(&sql).await.map_err(|e| Error::Query {
            metric: format!("(precomputed fact {})", fact.name()),
            message: e.to_string(),
            sql: sql.clone(),
        })?;
        let stored = stored_schema(&schema);
        let batches = batches
            .iter()
            .map(|b| to_stored(b, &stored))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Error::Precompute(format!("fact {}: {e}", fact.name())))?;
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        let mut meta = serde_json::Map::new();
        meta.insert("fact".to_string(), json!(fact.name()));
        ws.tables().overwrite(table, stored, batches, meta).await?;
        state.tables.insert(
            table.to_string(),
            TableState {
                fact: fact.name().to_string(),
                version: log_version(ws, table),
                definition: digest(&sql),
                sources: versions,
                rows,
            },
        );
        details.insert(table.to_string(), json!(rows));
    }
    write_json(&path, &state)?;
    Ok(serde_json::Value::Object(details))
}
