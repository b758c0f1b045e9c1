/*!
The `features` and `person_attributes` tables: what the system knows about
each person, as of one day.

**Why SQL plans.** Every feature is an SQL aggregate planned and run by
DataFusion over the workspace's Delta tables, not a loop in Rust. The plans
are vectorised and parallel here, can be shown to a user (`huaxiang sql`
reads the same views), and can later run on a cluster unchanged. The SQL is
generated ([`plan`]) because two families of columns depend on the data (one
`days_since_<event_type>` per event type, one `touches_<channel>` per
channel, [`dynamic`]) and because users add their own expressions
([`user`]).

**Why one pass per source table.** Each source is read once and aggregated
per person with `FILTER` clauses (counts, sums and windows side by side), and
the per-person aggregates are then joined onto the persons. Orders feed
several aggregates, so the person-mapped orders are materialised once.

**Why it is shaped for speed.** The stage is measured against DuckDB on the
bench's M data, so the plans avoid what costs DataFusion most: persons get
build-local integer keys ([`persons`], one numbering of the identity links)
so millions of rows group and join on integers; events are summarised per
session, with the session's customer ids ([`distinct_ids`]) and each event
type's count and latest time in one aggregate ([`type_stats`]), and touches
per customer record, as tables of their own made while the person tables
are (one row in seven of the events reaches the person join, and a session
with one customer id needs no regrouping after it); the tables whose rows
are grouped before anything is kept are read as string views;
the earliest account of each person is the minimum of one global order of
the accounts rather than a window per person ([`attributes`]); small build
sides are broadcast instead of repartitioning both inputs; the per-person
aggregates run as separate queries side by side, so both cores stay busy
through each one's single-threaded steps, and each query gets half the cores,
so that one aggregation is not split into a partial and a final step that
hashes every group twice; and the spread of purchase intervals is an
aggregate ([`gaps`]) instead of a window partitioned by a hundred thousand
persons. The features
are encoded as the final join produces them, unsorted, so the Parquet writer
works while the join still runs. The values
are those of the plain plan up to floating-point summation order (0 cells
differ from DuckDB's reference at relative 1e-9).

**Why point in time.** A build has an as-of day ([`BuildContext`]); nothing
at or after the end of that day is read from any table: each source is cut
on its own time column, order lines through their orders, accounts on their
signup time, and sessions are stitched from the events before the cutoff
alone (the `anonymous_links` table is not point in time and is not read).
The same code therefore yields leak-free training sets for any past day, and
the as-of day is stored in the table (`as_of`) and in its Delta commit.

**Why persons.** Accounts of one person are one row: activity rows map to
persons through identity links ([`persons`]), attributes come from the
person's earliest account ([`attributes`]), and the first 23 columns have
exactly the names and meanings of the bench's reference features
([`catalog`]), so they can be compared with the DuckDB reference for every
person with a single account.

**Why a fingerprint.** The stage is skipped when nothing it reads changed:
the versions of the tables it reads, the user features and the as-of day.
*/

pub mod attributes;
pub mod catalog;
pub mod distinct_ids;
pub mod dynamic;
pub mod error;
pub mod gaps;
mod inputs;
pub mod output;
pub mod persons;
pub mod plan;
#[cfg(test)]
mod run_tests;
pub mod type_stats;
#[cfg(test)]
mod udaf_tests;
pub mod user;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use datafusion::prelude::{DataFrame, SessionContext, ident, lit};
use datafusion::scalar::ScalarValue;
use huaxiang_core::build::BuildContext;
use huaxiang_core::config::FeatureConfig;
use huaxiang_store::Workspace;
use huaxiang_store::sql::SqlEngine;
use serde_json::json;
use sha2::{Digest, Sha256};

pub use error::{Error, Result};

use crate::error::step;

/// The table of features, one row per person.
pub const TABLE: &str = "features";

/// The tables the stage reads.
pub const READS: [&str; 7] = [
    "customers",
    "orders",
    "order_items",
    "events",
    "tickets",
    "touches",
    "identity_links",
];

/// Changes whenever the plans change meaning, so old results are rebuilt.
const PLAN_VERSION: &str = "features-1";

/// A fingerprint of everything the features stage reads: table versions,
/// the user features, the time zone and the as-of day (not the build id).
pub async fn fingerprint(ws: &Workspace, ctx: &BuildContext) -> Result<String> {
    let tables = ws.tables();
    let mut h = Sha256::new();
    h.update(PLAN_VERSION);
    for t in READS {
        h.update(format!(";{t}@{:?}", tables.version(t).await?));
    }
    let user = serde_json::to_string(&ws.config().features).unwrap_or_default();
    h.update(format!(";user={user};tz={};as_of={}", ctx.time_zone, ctx.as_of));
    Ok(hex::encode(h.finalize()))
}

/// The plans of one build, registered in a session.
struct Planned {
    attributes: DataFrame,
    features: DataFrame,
    dynamic: dynamic::Dynamic,
    /// Output feature columns (without `person_id` and `as_of`).
    columns: Vec<String>,
}

fn as_of_literal(ctx: &BuildContext) -> ScalarValue {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let days = i32::try_from((ctx.as_of - epoch).num_days()).unwrap_or(i32::MAX);
    ScalarValue::Date32(Some(days))
}

/// Plans the features query over the registered inputs (the aggregates
/// already `materialised`, or inlined), with the user features and the
/// output projection.
async fn plan_features(
    sctx: &SessionContext,
    ctx: &BuildContext,
    dynamic: &dynamic::Dynamic,
    ambiguous: bool,
    materialised: bool,
    user_features: &[FeatureConfig],
) -> Result<(DataFrame, Vec<String>)> {
    let sql = if materialised {
        plan::features_sql_over(ctx, dynamic)
    } else {
        plan::features_sql(ctx, dynamic, ambiguous)
    };
    let base = sctx.sql(&sql).await.map_err(step("features"))?;
    let with_user = user::apply(base, user_features)?;
    let mut columns: Vec<String> = plan::columns(ctx, dynamic).into_iter().map(|c| c.name).collect();
    columns.extend(user_features.iter().map(|f| f.name.clone()));
    let mut select = vec![ident("person_id")];
    select.extend(columns.iter().map(ident));
    select.push(lit(as_of_literal(ctx)).alias("as_of"));
    select.push(ident(plan::PERSON_ORDER));
    let features = with_user.select(select).map_err(step("features"))?;
    Ok((features, columns))
}

/// The features in `person_id` order, as [`compute`] returns them: persons
/// are numbered in `person_id` order, so sorting on the number gives the
/// same order as sorting on the strings, with integer comparisons.
fn in_person_order(features: DataFrame) -> Result<DataFrame> {
    features
        .sort_by(vec![ident(plan::PERSON_ORDER)])
        .and_then(|df| df.drop_columns(&[plan::PERSON_ORDER]))
        .map_err(step("features"))
}

/// Lets a hash join whose build side is the persons, an aggregate or the
/// person-mapped orders (up to a few million rows) broadcast that side instead
/// of hash-partitioning both inputs: on the few cores of one machine the
/// repartitioning copied every probe row (millions of events) once more; and
/// gives each plan [`side_by_side_partitions`].
fn tune(sctx: &SessionContext) {
    let state = sctx.state_ref();
    let mut state = state.write();
    let optimizer = &mut state.config_mut().options_mut().optimizer;
    optimizer.hash_join_single_partition_threshold_rows = 4 << 20;
    optimizer.hash_join_single_partition_threshold = 256 << 20;
    let execution = &mut state.config_mut().options_mut().execution;
    execution.target_partitions = side_by_side_partitions(execution.target_partitions);
}

/// The partitions of each plan of the stage, out of the `cores` the engine
/// would give one plan: half of them, at least one.
///
/// The stage runs its plans side by side: the events per session and the
/// touches per record beside the person tables, the orders and the
/// attributes, then the eight per-person aggregates together. A plan split
/// over every core aggregates in two steps, and the second re-hashes every
/// group the first made: the events per session, 518 000 sessions of 3.7
/// million events on M, spent 0.36 CPU-s in the first step and 0.19 CPU-s in
/// the second. With two plans or more running at any time, half the cores
/// per plan keep every core busy without that second step on two cores
/// (stage on M: median 1.63 s against 1.92 s, interleaved runs).
fn side_by_side_partitions(cores: usize) -> usize {
    (cores / 2).max(1)
}

/// Runs `work` on its own task (so that it gets a core of its own); awaiting
/// the handle gives its result, a panic or cancellation as an error of `what`.
fn spawn<T: Send + 'static>(
    what: &'static str,
    work: impl std::future::Future<Output = Result<T>> + Send + 'static,
) -> impl std::future::Future<Output = Result<T>> {
    let handle = tokio::spawn(work);
    async move {
        handle.await.map_err(|e| Error::Query {
            step: what.to_string(),
            message: e.to_string(),
        })?
    }
}

/// Registers the result of `sql` as table `name`: computed now when
/// `materialise`, else a view.
async fn prepare(sctx: &SessionContext, name: &str, sql: &str, what: &str, materialise: bool) -> Result<()> {
    if materialise {
        inputs::materialise(sctx, name, sql, what).await.map(|_| ())
    } else {
        inputs::register_view(sctx, name, sql, what).await
    }
}

/// Registers the inputs and plans both tables. With `materialise` (a build),
/// the attributes and the mapped orders are computed once and registered as
/// memory tables, and the features are planned over them; without, over
/// views (enough to check the user features).
async fn plan_all(
    sctx: &SessionContext,
    ctx: &BuildContext,
    user_features: &[FeatureConfig],
    materialise: bool,
) -> Result<Planned> {
    tune(sctx);
    sctx.register_udaf(gaps::udaf());
    inputs::register(sctx).await?;
    // The events per session and the touches per record need no person: each
    // is computed (after the list of its event types or channels) while the
    // person tables, the attributes and the orders are made, whose small
    // plans leave a core idle in their single-partition steps.
    let families = dynamic::Family::ALL.map(|family| {
        let (sctx, ctx) = (sctx.clone(), ctx.clone());
        spawn(family.what(), async move {
            let found = dynamic::named(&sctx, &ctx, family).await?;
            for udaf in plan::family_udafs(family, &found.0) {
                sctx.register_udaf(udaf);
            }
            let (table, sql) = plan::family_parts(&ctx, family, &found.0);
            prepare(&sctx, table, &sql, family.what(), materialise).await?;
            Ok(found)
        })
    });
    let ambiguous = inputs::register_persons(sctx).await?;
    let aggregate = |dynamic: &dynamic::Dynamic, cte: &str| {
        let (sctx, (name, sql)) = (sctx.clone(), plan::aggregate_query(ctx, dynamic, ambiguous, cte));
        spawn("per-person aggregates", async move {
            inputs::materialise(&sctx, &name, &sql, "per-person aggregates").await
        })
    };
    let mut parts = Vec::new();
    // Each aggregate starts once what it reads is there: those without the
    // orders now, the others once the orders are materialised.
    if materialise {
        for cte in plan::PERSON_AGGREGATES.into_iter().filter(|c| !plan::reads_orders(c)) {
            parts.push(aggregate(&dynamic::Dynamic::default(), cte));
        }
    }
    let orders = sctx
        .sql(&plan::orders_sql(ctx, ambiguous))
        .await
        .map_err(step("person orders"))?;
    let attrs = if materialise {
        let attrs = spawn("person attributes", {
            let (sctx, accounts, attrs) = (sctx.clone(), plan::accounts_sql(ctx), plan::attrs_sql(ctx));
            async move {
                inputs::materialise(&sctx, plan::ACCOUNTS, &accounts, "person attributes").await?;
                inputs::materialise(&sctx, plan::ATTRS, &attrs, "person attributes").await
            }
        });
        let t = Instant::now();
        let orders = orders.cache().await.map_err(step("person orders"))?;
        tracing::debug!(
            table = plan::ORDERS,
            seconds = t.elapsed().as_secs_f64(),
            "materialised"
        );
        sctx.register_table(plan::ORDERS, orders.into_view())
            .map_err(step("person orders"))?;
        // The aggregates need no attributes: they start before those are done.
        for cte in plan::PERSON_AGGREGATES.into_iter().filter(|c| plan::reads_orders(c)) {
            parts.push(aggregate(&dynamic::Dynamic::default(), cte));
        }
        Some(attrs)
    } else {
        inputs::register_view(sctx, plan::ACCOUNTS, &plan::accounts_sql(ctx), "person attributes").await?;
        inputs::register_view(sctx, plan::ATTRS, &plan::attrs_sql(ctx), "person attributes").await?;
        sctx.register_table(plan::ORDERS, orders.into_view())
            .map_err(step("person orders"))?;
        None
    };
    // The touches are fewer than the events: wait for them first.
    let mut found = Vec::with_capacity(families.len());
    for (family, named) in dynamic::Family::ALL.into_iter().zip(families).rev() {
        let named = named.await?;
        if materialise {
            parts.push(aggregate(
                &dynamic::Dynamic::only(family, named.clone()),
                plan::family_aggregate(family),
            ));
        }
        found.push((family, named));
    }
    // Back in family order, so that the omitted values list the event types first.
    let mut dynamic = dynamic::Dynamic::default();
    for (family, named) in found.into_iter().rev() {
        dynamic.set(family, named);
    }
    if let Some(attrs) = attrs {
        attrs.await?;
    }
    for part in parts {
        part.await?;
    }
    let (features, columns) = plan_features(sctx, ctx, &dynamic, ambiguous, materialise, user_features).await?;
    let attributes = sctx
        .table(plan::ATTRS)
        .await
        .and_then(|df| df.select_columns(&attributes::COLUMNS))
        .map_err(step("person attributes"))?;
    Ok(Planned {
        attributes,
        features,
        dynamic,
        columns,
    })
}

/// Checks the user features of the configuration against the columns the
/// features plan of `ctx` has, without computing anything but the list of
/// event types and channels. Meant for the start of a build, so that an
/// unknown column stops it before any stage runs.
pub async fn check(ws: &Workspace, ctx: &BuildContext) -> Result<()> {
    let user_features = &ws.config().features;
    let tables = ws.tables();
    // Before the first identity resolution there is nothing to plan against;
    // the stage itself checks again when it runs.
    if user_features.is_empty() || !tables.exists("customers") || !tables.exists("identity_links") {
        return Ok(());
    }
    let engine = SqlEngine::new(ws, false).await?;
    plan_all(engine.context(), ctx, user_features, false).await?;
    Ok(())
}

async fn collect_stored(
    df: DataFrame,
    what: &str,
) -> Result<(arrow::datatypes::SchemaRef, Vec<arrow::array::RecordBatch>)> {
    let schema = output::stored_schema(df.schema().as_arrow());
    let batches = df.collect().await.map_err(step(what))?;
    let batches = batches
        .iter()
        .map(|b| output::to_stored(b, &schema))
        .collect::<Result<Vec<_>>>()?;
    Ok((schema, batches))
}

/// Computes the features as of `ctx.as_of` without writing them, with the
/// same plans as a build: the rows of a point-in-time training set (features
/// as of a past day) or of scoring. Columns as in the `features` table.
pub async fn compute(
    ws: &Workspace,
    ctx: &BuildContext,
) -> Result<(arrow::datatypes::SchemaRef, Vec<arrow::array::RecordBatch>)> {
    let tables = ws.tables();
    if !tables.exists("customers") || !tables.exists("identity_links") {
        return Err(Error::NoPersons);
    }
    let engine = SqlEngine::new(ws, false).await?;
    let planned = plan_all(engine.context(), ctx, &ws.config().features, true).await?;
    collect_stored(in_person_order(planned.features)?, "features").await
}

/// Computes and writes `person_attributes` and `features` for `ctx`.
pub async fn run(ws: &Workspace, ctx: &BuildContext) -> Result<serde_json::Value> {
    let tables = ws.tables();
    if !tables.exists("customers") || !tables.exists("identity_links") {
        return Ok(json!({"skipped": "no customers or identity links yet / 尚无客户或身份链接"}));
    }
    let start = Instant::now();
    let engine = SqlEngine::new(ws, false).await?;
    let user_features = &ws.config().features;
    let planned = plan_all(engine.context(), ctx, user_features, true).await?;
    let plan_s = start.elapsed().as_secs_f64();
    let (attr_schema, attr_batches) = collect_stored(planned.attributes, "person attributes").await?;
    let as_of = ctx.as_of.format("%Y-%m-%d").to_string();
    let meta = |rows: usize| {
        let mut m = serde_json::Map::new();
        m.insert("as_of".into(), json!(as_of));
        m.insert("build_id".into(), json!(ctx.build_id));
        m.insert("persons".into(), json!(rows));
        m
    };
    // Two commits, written side by side. The features are encoded as the
    // query produces them, in no particular order (a sort would hold every
    // row back until the last is computed); a crash between the commits
    // leaves the fingerprint unrecorded, so the stage reruns.
    let attr_rows: usize = attr_batches.iter().map(|b| b.num_rows()).sum();
    let features = planned
        .features
        .drop_columns(&[plan::PERSON_ORDER])
        .map_err(step("features"))?;
    let schema = output::stored_schema(features.schema().as_arrow());
    let rows = Arc::new(AtomicUsize::new(0));
    let w = Instant::now();
    let task = Arc::new(features.task_ctx());
    let plan = features.create_physical_plan().await.map_err(step("features"))?;
    let streams = datafusion::physical_plan::execute_stream_partitioned(plan.clone(), task)
        .map_err(step("features"))?
        .into_iter()
        .map(|s| output::stored_stream(s, schema.clone(), rows.clone()))
        .collect();
    // Every person has one row of features (the aggregates are joined onto
    // the persons of `person_attributes`).
    tokio::try_join!(
        tables.overwrite(attributes::TABLE, attr_schema, attr_batches, meta(attr_rows)),
        tables.overwrite_streams(TABLE, schema, streams, meta(attr_rows))
    )?;
    let write_s = w.elapsed().as_secs_f64();
    inputs::trace_metrics(TABLE, plan.as_ref());
    let persons = rows.load(Ordering::Relaxed);
    let mut details = json!({
        "persons": persons,
        "columns": planned.columns.len(),
        "as_of": as_of,
        "user_features": user_features.len(),
        "event_types": planned.dynamic.event_types.len(),
        "touch_channels": planned.dynamic.touch_channels.len(),
        "seconds": {
            "plan_and_materialise": round3(plan_s),
            "features_and_write": round3(write_s),
        },
    });
    if !planned.dynamic.omitted.is_empty() {
        details["omitted_columns"] = json!(planned.dynamic.omitted);
    }
    Ok(details)
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
