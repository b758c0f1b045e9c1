//! Result tables that keep one block of rows per analysis definition: a new
//! run of the same funnel (or path query, retention basis…) replaces its own
//! rows and leaves the other definitions' rows in place, so the web UI can
//! show several saved analyses from one table.

use arrow::array::RecordBatch;
use huaxiang_store::Workspace;
use huaxiang_store::sql::SqlEngine;

use crate::error::Result;
use crate::read::{query, quote};

/// One lock per result table: two replacements in one process (the web
/// server answering a user while it warms its cache) run one after the
/// other, so neither loses the other's block nor fails on a commit race.
fn lock(table: &str) -> std::sync::Arc<tokio::sync::Mutex<()>> {
    use std::collections::HashMap;
    use std::sync::{Arc, LazyLock, Mutex};
    static LOCKS: LazyLock<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> =
        LazyLock::new(|| Mutex::new(HashMap::new()));
    let mut map = LOCKS.lock().unwrap_or_else(|p| p.into_inner());
    map.entry(table.to_string()).or_default().clone()
}

/// Replaces the rows of `table` whose `key_col` equals `key` by `batch`.
/// Rows of an older layout of the table (other columns) are dropped.
pub async fn replace(ws: &Workspace, table: &str, key_col: &str, key: &str, batch: RecordBatch) -> Result<()> {
    let table_lock = lock(table);
    let _held = table_lock.lock().await;
    let schema = batch.schema();
    let mut batches = Vec::new();
    if ws.tables().exists(table) {
        let engine = SqlEngine::new(ws, false).await?;
        let (old_schema, _) = engine.query(&format!("SELECT * FROM {table} LIMIT 0")).await?;
        let same = old_schema.fields().len() == schema.fields().len()
            && schema
                .fields()
                .iter()
                .all(|f| old_schema.field_with_name(f.name()).is_ok());
        if same {
            let cols: Vec<String> = schema.fields().iter().map(|f| format!("\"{}\"", f.name())).collect();
            let old = query(
                &engine,
                &format!(
                    "SELECT {} FROM {table} WHERE \"{key_col}\" <> {}",
                    cols.join(", "),
                    quote(key)
                ),
            )
            .await?;
            for b in old {
                let cols = b
                    .columns()
                    .iter()
                    .zip(schema.fields())
                    .map(|(c, f)| arrow::compute::cast(c, f.data_type()))
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                batches.push(RecordBatch::try_new(schema.clone(), cols)?);
            }
        }
    }
    batches.push(batch);
    ws.tables()
        .overwrite(table, schema, batches, serde_json::Map::new())
        .await?;
    Ok(())
}
