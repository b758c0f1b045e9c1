//! The source tables as the features plan reads them.
//!
//! Every plan reads `hx_<table>` views with a fixed set of columns, so the SQL
//! does not depend on which tables a workspace has: a table that was never
//! ingested reads as empty, and a canonical column that a source did not have
//! reads as NULL of its canonical type.

use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use huaxiang_core::schema::{self, ColumnType};

use crate::error::{Result, step};
use crate::persons;

/// The source tables the plans read and the columns they need.
pub const INPUTS: [(&str, &[&str]); 6] = [
    (
        "customers",
        &[
            "signup_time",
            "gender",
            "birth_year",
            "city",
            "city_tier",
            "member_level",
            "acquisition_channel",
        ],
    ),
    (
        "orders",
        &[
            "order_id",
            "customer_id",
            "order_time",
            "channel",
            "amount",
            "discount",
            "coupon_used",
            "status",
        ],
    ),
    ("order_items", &["order_id", "category"]),
    (
        "events",
        &["event_id", "customer_id", "session_id", "event_type", "event_time"],
    ),
    ("tickets", &["customer_id", "created_at", "rating"]),
    ("touches", &["customer_id", "touch_time", "channel"]),
];

/// Tables whose strings the views pass on as the scan gives them (string
/// views). The plans group these rows ([`crate::plan`]) before anything of
/// them is kept, at most after one join: grouping and joining compare views
/// faster than plain strings, without copying every string of millions of
/// rows into a plain array first, and the grouped output owns its values, so
/// no materialised table keeps the scan buffers alive. The rows of `orders`
/// and `customers` are kept (the person-mapped orders, the accounts), so
/// those views give plain strings.
const KEEP_VIEWS: [&str; 4] = ["events", "touches", "order_items", "tickets"];

/// An instant (UTC microseconds) as an SQL expression that compares
/// correctly with the zoned timestamps of the views.
///
/// A `TIMESTAMP '…Z'` literal is not enough: DataFusion parses it as a naive
/// timestamp and, compared with a zoned column, reads it as wall-clock time in
/// that column's zone, which shifts it by the zone's offset. A typed UTC value
/// is an instant, and the comparison stays on the column (filter pushdown).
pub fn instant(micros: i64) -> String {
    huaxiang_core::build::micros_sql(micros)
}

/// The view name of source table `table`.
pub fn view(table: &str) -> String {
    format!("hx_{table}")
}

fn sql_type(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Id | ColumnType::Text => "VARCHAR",
        ColumnType::Int => "BIGINT",
        ColumnType::Decimal => "DOUBLE",
        ColumnType::Bool => "BOOLEAN",
        ColumnType::Timestamp => "TIMESTAMP",
    }
}

fn null_of(ty: ColumnType) -> String {
    match ty {
        ColumnType::Timestamp => "arrow_cast(NULL, 'Timestamp(µs, \"UTC\")')".to_string(),
        other => format!("CAST(NULL AS {})", sql_type(other)),
    }
}

/// The SELECT that defines `hx_<table>`: the needed columns, from the table
/// when present (`present` = the columns it has), else NULLs of no rows.
pub fn view_sql(table: &str, needed: &[&str], present: Option<&[String]>) -> String {
    let def = schema::table(table);
    let mut cols = vec!["source".to_string(), "record_id".to_string()];
    cols.extend(needed.iter().map(|c| c.to_string()));
    let exprs: Vec<String> = cols
        .iter()
        .map(|c| {
            let here = present.is_some_and(|p| p.iter().any(|x| x == c));
            if here {
                let ty = def.as_ref().and_then(|d| d.column(c)).map(|d| d.ty);
                match ty {
                    // Plain strings rather than string views (see `huaxiang_store::sql`):
                    // the joins of the plan would otherwise keep whole scan buffers alive.
                    None | Some(ColumnType::Id | ColumnType::Text) if !KEEP_VIEWS.contains(&table) => {
                        format!("CAST(\"{c}\" AS VARCHAR) AS \"{c}\"")
                    }
                    _ => format!("\"{c}\""),
                }
            } else {
                let ty = def
                    .as_ref()
                    .and_then(|d| d.column(c))
                    .map(|d| d.ty)
                    .unwrap_or(ColumnType::Text);
                format!("{} AS \"{c}\"", null_of(ty))
            }
        })
        .collect();
    match present {
        Some(_) => format!("SELECT {} FROM \"{table}\"", exprs.join(", ")),
        None => format!(
            "SELECT {} FROM (VALUES (1)) AS hx_none(x) WHERE false",
            exprs.join(", ")
        ),
    }
}

/// Registers `hx_<table>` for every input, over the tables registered in `ctx`.
pub async fn register(ctx: &SessionContext) -> Result<()> {
    for (table, needed) in INPUTS {
        let present: Option<Vec<String>> = match ctx.table(table).await {
            Ok(df) => Some(df.schema().fields().iter().map(|f| f.name().clone()).collect()),
            Err(_) => None,
        };
        let sql = view_sql(table, needed, present.as_deref());
        let what = format!("input view of `{table}`");
        let df = ctx.sql(&sql).await.map_err(step(&what))?;
        ctx.register_table(view(table).as_str(), df.into_view())
            .map_err(step(&what))?;
    }
    Ok(())
}

/// Runs `sql` once and registers its result as the memory table `name`
/// (replacing any table of that name); returns its row count.
pub async fn materialise(ctx: &SessionContext, name: &str, sql: &str, what: &str) -> Result<usize> {
    let start = std::time::Instant::now();
    let df = ctx.sql(sql).await.map_err(step(what))?;
    let schema = std::sync::Arc::new(df.schema().as_arrow().clone());
    let task = std::sync::Arc::new(df.task_ctx());
    let plan = df.create_physical_plan().await.map_err(step(what))?;
    let parts = datafusion::physical_plan::collect_partitioned(plan.clone(), task)
        .await
        .map_err(step(what))?;
    trace_metrics(name, plan.as_ref());
    let rows = parts.iter().flatten().map(|b| b.num_rows()).sum();
    let table = MemTable::try_new(schema, parts).map_err(step(what))?;
    ctx.deregister_table(name).map_err(step(what))?;
    ctx.register_table(name, std::sync::Arc::new(table))
        .map_err(step(what))?;
    tracing::debug!(
        table = name,
        rows,
        seconds = start.elapsed().as_secs_f64(),
        "materialised"
    );
    Ok(rows)
}

/// With `HUAXIANG_LOG=huaxiang_features=trace`, logs the executed `plan` of
/// table `name` with its metrics: where the time of each table went.
pub fn trace_metrics(name: &str, plan: &dyn datafusion::physical_plan::ExecutionPlan) {
    if tracing::enabled!(tracing::Level::TRACE) {
        let shown = datafusion::physical_plan::display::DisplayableExecutionPlan::with_metrics(plan).indent(true);
        tracing::trace!(table = name, "plan with metrics:\n{shown}");
    }
}

/// Registers the result of `sql` as view `name`, computed where it is read
/// (the check of a configuration, which computes nothing).
pub async fn register_view(ctx: &SessionContext, name: &str, sql: &str, what: &str) -> Result<()> {
    let df = ctx.sql(sql).await.map_err(step(what))?;
    ctx.register_table(name, df.into_view()).map_err(step(what))?;
    Ok(())
}

/// Materialises the person tables of [`crate::persons`] from `identity_links`;
/// returns whether some record id maps to several persons.
pub async fn register_persons(ctx: &SessionContext) -> Result<bool> {
    let what = "persons of record ids";
    materialise(ctx, persons::LINKS_TABLE, &persons::links_table_sql(), what).await?;
    // Both read the numbered links; each alone leaves a core idle in its small steps.
    let (unique, ambiguous) = (persons::unique_table_sql(), persons::ambiguous_table_sql());
    let (_, ambiguous) = tokio::try_join!(
        materialise(ctx, persons::UNIQUE_TABLE, &unique, what),
        materialise(ctx, persons::AMBIGUOUS_TABLE, &ambiguous, what)
    )?;
    Ok(ambiguous > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_tables_and_columns_read_as_nulls() {
        let present = vec!["source".to_string(), "record_id".to_string(), "order_id".to_string()];
        let sql = view_sql("orders", &["order_id", "channel"], Some(&present));
        assert_eq!(
            sql,
            "SELECT CAST(\"source\" AS VARCHAR) AS \"source\", CAST(\"record_id\" AS VARCHAR) AS \"record_id\", \
             CAST(\"order_id\" AS VARCHAR) AS \"order_id\", CAST(NULL AS VARCHAR) AS \"channel\" FROM \"orders\""
        );
        // Tables grouped before any join keep the scan's string views.
        let kept = view_sql("order_items", &["order_id", "category"], Some(&present));
        assert!(
            kept.starts_with("SELECT \"source\", \"record_id\", \"order_id\", CAST(NULL AS VARCHAR)"),
            "{kept}"
        );
        let none = view_sql("tickets", &["created_at", "rating"], None);
        assert!(none.contains("Timestamp(µs, \\\"UTC\\\")") || none.contains("Timestamp(µs, \"UTC\")"));
        assert!(none.contains("CAST(NULL AS BIGINT) AS \"rating\"") && none.ends_with("WHERE false"));
    }

    #[tokio::test]
    async fn instants_compare_with_zoned_timestamps_as_instants() {
        let ctx = SessionContext::new();
        // 2026-06-30T22:19:25+08:00 is 14:19:25 UTC, before the end of 30 June in Shanghai (16:00 UTC).
        let t =
            "arrow_cast(arrow_cast(1782829165000000, 'Timestamp(µs, \"UTC\")'), 'Timestamp(µs, \"Asia/Shanghai\")')";
        let sql = format!(
            "SELECT {t} < {} AS before_cut, {t} < {} AS before_itself",
            instant(1_782_835_200_000_000),
            instant(1_782_829_165_000_000)
        );
        let b = ctx.sql(&sql).await.expect("plan").collect().await.expect("run");
        let col = |i: usize| {
            b[0].column(i)
                .as_any()
                .downcast_ref::<arrow::array::BooleanArray>()
                .expect("bool")
                .value(0)
        };
        assert!(col(0), "an instant before the cutoff compares as before it");
        assert!(!col(1));
    }

    #[tokio::test]
    async fn registered_views_plan_without_tables() {
        let ctx = SessionContext::new();
        register(&ctx).await.expect("register");
        let df = ctx.sql("SELECT count(*) FROM hx_events").await.expect("plan");
        let rows = df.collect().await.expect("run");
        assert_eq!(rows[0].num_rows(), 1);
        let df = ctx.table("hx_orders").await.expect("view");
        let t = df.schema().field_with_unqualified_name("order_time").expect("col");
        assert!(matches!(
            t.data_type(),
            arrow::datatypes::DataType::Timestamp(_, Some(_))
        ));
    }
}
