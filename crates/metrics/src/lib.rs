/*!
The metric catalog (指标中心): business metrics defined once, computed the
same way everywhere.

Why it is shaped this way:

- **Definitions are data, not code.** "GMV", "客单价" or "复购率" mean one thing
  across reports only if there is one definition. The built-in catalog is a
  TOML file compiled into the binary ([`catalog::BUILTIN`]) and a workspace's
  `metrics.toml` extends or overrides it in the same format, so analysts add
  metrics without a release, and every definition carries its Chinese and
  English names and synonyms for lookup (and for natural-language questions).
- **Metrics aggregate facts, not tables.** A metric names a [`fact::Fact`]
  (paid orders, all orders, order items, events, sessions, tickets, persons,
  activity); the fact decides once which rows count and which person each row
  belongs to (through `identity_links`, the rule of
  `huaxiang_features::persons`). "Customers" are always people.
- **Dimensions are resolved, not pasted.** `--by` and `--where` name
  dimensions (order channel, category, person attributes from
  `person_attributes`, segment, tags, time grains); they are resolved against
  the metric's allowed list and the workspace's tags, and `--where` is parsed
  and rewritten from its syntax tree ([`expr`]), so unknown names fail with a
  message naming them and user text cannot change the query's shape.
- **One SQL statement, always shown.** A metric query becomes a single
  read-only statement over the same views `huaxiang sql` sees ([`query`]);
  the CLI prints it on request, and users can rerun and check it.
- **Time is the workspace's.** Relative ranges are anchored at the as-of day
  of the latest build, or of the latest data before any build, never the wall
  clock, and days are local calendar days in the workspace zone ([`range`],
  [`anchor`]).
- **Facts precomputed, never stale.** The `metrics` build stage writes the
  facts whose person mapping or session grouping is costly as tables
  ([`precompute`]); a query reads one only when it is current (same input
  versions, zone and SQL), else the raw plan, so numbers never depend on it.
- **Validation at load.** Facts, columns, dimensions, grains and names that
  would find two metrics are checked when a catalog is loaded, with the file
  and metric id in the message.
*/

pub mod anchor;
pub mod catalog;
pub mod dimension;
pub mod error;
pub mod expr;
pub mod fact;
pub mod precompute;
pub mod query;
pub mod range;
pub mod result;

pub use anchor::{AsOfSource, Env};
pub use catalog::{Catalog, Metric};
pub use error::{Error, Result};
pub use query::{Query, Sort};
pub use range::RangeSpec;
pub use result::Outcome;

use huaxiang_store::Workspace;
use huaxiang_store::sql::SqlEngine;

/// What the user asked for.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// A metric id, name or synonym.
    pub metric: String,
    /// `--by` dimensions (repeatable; commas also separate).
    pub by: Vec<String>,
    pub range: RangeSpec,
    /// `--where`, over dimension names and the fact's columns.
    pub filter: Option<String>,
    pub sort: Sort,
    pub limit: Option<usize>,
}

/// Resolves a request into a query and its SQL without running it.
pub async fn plan(ws: &Workspace, engine: &SqlEngine, catalog: &Catalog, req: &Request) -> Result<(Query, Env)> {
    let metric = catalog.find(&req.metric)?;
    let env = Env::read(ws, engine).await?;
    let range = req.range.resolve(env.as_of);
    let q = Query::new(metric, &req.by, req.filter.as_deref(), range, req.sort, req.limit, &env)?;
    Ok((q, env))
}

/// Computes a metric in `ws` with the workspace catalog.
pub async fn compute(ws: &Workspace, req: &Request) -> Result<Outcome> {
    let catalog = Catalog::load(ws.dir())?;
    compute_with(ws, &catalog, req).await
}

/// Computes a metric with a given catalog.
pub async fn compute_with(ws: &Workspace, catalog: &Catalog, req: &Request) -> Result<Outcome> {
    let engine = SqlEngine::new(ws, false).await?;
    let (query, env) = plan(ws, &engine, catalog, req).await?;
    let sql = query.sql(&env);
    let (schema, batches) = engine.query(&sql).await.map_err(|e| Error::Query {
        metric: query.metric.id.clone(),
        message: e.to_string(),
        sql: sql.clone(),
    })?;
    let batches = result::plain(batches)?;
    let schema = batches.first().map(|b| b.schema()).unwrap_or(schema);
    Ok(Outcome {
        query,
        sql,
        as_of: env.as_of,
        as_of_source: env.as_of_source,
        schema,
        batches,
    })
}
