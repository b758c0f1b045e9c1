//! What the tests of the stage's own aggregates ([`crate::gaps`],
//! [`crate::distinct_ids`], [`crate::type_stats`]) share: a session that
//! aggregates in several partitions and small batches, so that partial
//! aggregation, merging and early emission all run, and the rows of a query
//! as text.

use datafusion::logical_expr::AggregateUDF;
use datafusion::prelude::{SessionConfig, SessionContext};

/// A session with `udaf`, three partitions and batches of `batch` rows, and
/// the table `v` (`columns`, e.g. `g BIGINT, id VARCHAR`) of `rows` (SQL
/// tuples).
pub async fn session(udaf: AggregateUDF, batch: usize, columns: &str, rows: &[String]) -> SessionContext {
    let cfg = SessionConfig::new().with_target_partitions(3).with_batch_size(batch);
    let ctx = SessionContext::new_with_config(cfg);
    ctx.register_udaf(udaf);
    ctx.sql(&format!("CREATE TABLE v({columns}) AS VALUES {}", rows.join(", ")))
        .await
        .expect("create")
        .collect()
        .await
        .expect("fill");
    ctx
}

/// The rows of `sql` as a pretty-printed table.
pub async fn rows(ctx: &SessionContext, sql: &str) -> String {
    let b = ctx.sql(sql).await.expect("plan").collect().await.expect("run");
    arrow::util::pretty::pretty_format_batches(&b).expect("fmt").to_string()
}
