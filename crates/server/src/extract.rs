//! Extractors whose rejections are [`ApiError`]s (so even a malformed body or
//! query string gets the JSON error shape), paging, and reading SQL results as JSON.

use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use huaxiang_store::Workspace;
use huaxiang_store::sql::{OutputFormat, SqlEngine, format_batches};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ApiError;

/// The largest page a client may ask for.
pub const MAX_LIMIT: u64 = 1000;
/// The page size when none is given.
pub const DEFAULT_LIMIT: u64 = 100;
/// The largest request body.
pub const MAX_BODY: usize = 1024 * 1024;

/// A JSON body; rejections become 400 (or 413).
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(v) = Json::<T>::from_request(req, state).await?;
        Ok(ApiJson(v))
    }
}

/// A query string; rejections become 400.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(v) = Query::<T>::from_request_parts(parts, state).await?;
        Ok(ApiQuery(v))
    }
}

/// `?limit=&offset=` as asked.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct PageQuery {
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// A checked page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: u64,
    pub offset: u64,
}

impl PageQuery {
    /// The page, or 400 when `limit` is above [`MAX_LIMIT`] (or zero).
    pub fn check(self) -> Result<Page, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if limit > MAX_LIMIT {
            return Err(ApiError::LimitTooLarge(limit));
        }
        if limit == 0 {
            return Err(ApiError::BadRequest(
                "limit must be at least 1 / 每页至少 1 条".to_string(),
            ));
        }
        Ok(Page {
            limit,
            offset: self.offset.unwrap_or(0),
        })
    }
}

impl Page {
    /// The page's slice of `rows`, as `{"total", "limit", "offset", "items"}`.
    pub fn of(self, rows: Vec<Value>) -> Value {
        let total = rows.len();
        let items: Vec<Value> = rows
            .into_iter()
            .skip(usize::try_from(self.offset).unwrap_or(usize::MAX))
            .take(usize::try_from(self.limit).unwrap_or(usize::MAX))
            .collect();
        serde_json::json!({"total": total, "limit": self.limit, "offset": self.offset, "items": items})
    }

    /// `LIMIT … OFFSET …` for SQL.
    pub fn sql(self) -> String {
        format!("LIMIT {} OFFSET {}", self.limit, self.offset)
    }
}

/// A SQL string literal.
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The rows of a query as JSON objects.
pub async fn rows(engine: &SqlEngine, sql: &str) -> Result<Vec<Value>, ApiError> {
    let (schema, batches) = engine.query(sql).await?;
    let text = format_batches(&schema, &batches, OutputFormat::Json)?;
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    match serde_json::from_str::<Value>(&text).map_err(ApiError::internal)? {
        Value::Array(a) => Ok(a),
        other => Ok(vec![other]),
    }
}

/// 404 `not_built` unless table `name` exists.
pub fn require_table(ws: &Workspace, name: &str) -> Result<(), ApiError> {
    if ws.tables().exists(name) {
        Ok(())
    } else {
        Err(ApiError::no_table(name))
    }
}

/// A masked engine over `ws`.
pub async fn engine(ws: &Workspace) -> Result<SqlEngine, ApiError> {
    Ok(SqlEngine::new(ws, false).await?)
}

/// One page of table `table` (optionally filtered and ordered) with its total row count.
pub async fn paged(
    ws: &Workspace,
    table: &str,
    filter: Option<&str>,
    order: Option<&str>,
    page: Page,
) -> Result<Value, ApiError> {
    require_table(ws, table)?;
    let engine = engine(ws).await?;
    let filter = filter.map(|f| format!(" WHERE {f}")).unwrap_or_default();
    let order = order.map(|o| format!(" ORDER BY {o}")).unwrap_or_default();
    let total = rows(&engine, &format!("SELECT count(*) AS n FROM {table}{filter}"))
        .await?
        .first()
        .and_then(|r| r.get("n"))
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let items = rows(&engine, &format!("SELECT * FROM {table}{filter}{order} {}", page.sql())).await?;
    Ok(serde_json::json!({"total": total, "limit": page.limit, "offset": page.offset, "items": items}))
}

/// Every row of `table` whose `column` equals the SQL literal `value`, as an array.
pub async fn person_rows(ws: &Workspace, table: &str, column: &str, value: &str) -> Result<Value, ApiError> {
    require_table(ws, table)?;
    let engine = engine(ws).await?;
    let found = rows(
        &engine,
        &format!("SELECT * FROM {table} WHERE {column} = {value} LIMIT {MAX_LIMIT}"),
    )
    .await?;
    Ok(Value::Array(found))
}
