//! Operations: data quality, ingest runs and the quarantine.

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::extract::{ApiQuery, PageQuery, paged};
use crate::state::AppState;

pub async fn quality(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let report = huaxiang_quality::report(state.workspace()).await?;
    Ok(Json(serde_json::to_value(report).map_err(ApiError::internal)?))
}

pub async fn ingest_runs(
    State(state): State<AppState>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        paged(
            state.workspace(),
            "ingest_runs",
            None,
            Some("started_at DESC"),
            page.check()?,
        )
        .await?,
    ))
}

pub async fn quarantine(
    State(state): State<AppState>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        paged(state.workspace(), "quarantine", None, None, page.check()?).await?,
    ))
}

/// Tables whose size and freshness the overview shows, in this order.
const STATUS_TABLES: [&str; 13] = [
    "customers",
    "products",
    "orders",
    "order_items",
    "events",
    "tickets",
    "touches",
    "experiment",
    "identity_links",
    "persons",
    "features",
    "tag_values",
    "segment_members",
];

/// When table `name` last committed: the newest file of its Delta log.
fn updated(ws: &huaxiang_store::Workspace, name: &str) -> Option<String> {
    let log = ws.tables().path(name).join("_delta_log");
    let newest = std::fs::read_dir(log)
        .ok()?
        .filter_map(|e| e.ok()?.metadata().ok()?.modified().ok())
        .max()?;
    let tz = ws.time_zone().ok()?;
    Some(
        chrono::DateTime::<chrono::Utc>::from(newest)
            .with_timezone(&tz)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string(),
    )
}

/// Data freshness: the as-of day, the last build and ingest, table sizes.
pub async fn status(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let ws = state.workspace();
    let engine = crate::extract::engine(ws).await?;
    let tables: Vec<&str> = STATUS_TABLES.into_iter().filter(|t| ws.tables().exists(t)).collect();
    let counts = if tables.is_empty() {
        Vec::new()
    } else {
        let sql = tables
            .iter()
            .map(|t| format!("SELECT '{t}' AS t, count(*) AS n FROM {t}"))
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        crate::extract::rows(&engine, &sql).await?
    };
    let mut out = Vec::new();
    for t in &tables {
        let rows = counts
            .iter()
            .find(|r| r.get("t").and_then(Value::as_str) == Some(t))
            .and_then(|r| r.get("n"))
            .and_then(Value::as_u64);
        let version = ws.tables().version(t).await.map_err(ApiError::internal)?;
        out.push(json!({"table": t, "rows": rows, "version": version, "updated": updated(ws, t)}));
    }
    let last_build = if ws.tables().exists("builds") {
        crate::extract::rows(
            &engine,
            "SELECT build_id, CAST(as_of AS VARCHAR) AS as_of, CAST(started_at AS VARCHAR) AS started_at FROM builds ORDER BY build_id DESC LIMIT 1",
        )
        .await?
        .into_iter()
        .next()
    } else {
        None
    };
    let last_ingest = if ws.tables().exists("ingest_runs") {
        crate::extract::rows(
            &engine,
            "SELECT CAST(max(finished_at) AS VARCHAR) AS t FROM ingest_runs",
        )
        .await?
        .into_iter()
        .next()
        .and_then(|r| r.get("t").cloned())
    } else {
        None
    };
    let persons = counts
        .iter()
        .find(|r| r.get("t").and_then(Value::as_str) == Some("persons"))
        .and_then(|r| r.get("n").cloned());
    let as_of = last_build.as_ref().and_then(|b| b.get("as_of").cloned());
    Ok(Json(json!({
        "as_of": as_of,
        "last_build": last_build,
        "last_ingest": last_ingest,
        "persons": persons,
        "tables": out,
    })))
}

/// Sources: those declared in huaxiang.toml and those seen by ingest runs.
pub async fn sources(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let ws = state.workspace();
    let mut seen: Vec<Value> = if ws.tables().exists("ingest_runs") {
        let engine = crate::extract::engine(ws).await?;
        crate::extract::rows(
            &engine,
            "SELECT source, table_name AS \"table\", count(*) AS runs, sum(accepted) AS rows, \
             CAST(max(finished_at) AS VARCHAR) AS last_run FROM ingest_runs \
             GROUP BY source, table_name ORDER BY table_name, source",
        )
        .await?
    } else {
        Vec::new()
    };
    for s in &ws.config().sources {
        let found = seen.iter_mut().find(|r| {
            r.get("source").and_then(Value::as_str) == Some(s.name.as_str())
                && r.get("table").and_then(Value::as_str) == Some(s.table.as_str())
        });
        match found {
            Some(Value::Object(m)) => {
                m.insert("declared".to_string(), Value::Bool(true));
            }
            _ => seen.push(
                json!({"source": s.name, "table": s.table, "runs": 0, "rows": 0, "last_run": null, "declared": true}),
            ),
        }
    }
    for r in &mut seen {
        if let Value::Object(m) = r {
            m.entry("declared").or_insert(Value::Bool(false));
        }
    }
    Ok(Json(Value::Array(seen)))
}
