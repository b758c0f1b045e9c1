//! Reads the result of a SQL query (or a whole table) from PostgreSQL or
//! MySQL/MariaDB as [`RawBatch`]es of canonical strings.
//!
//! The rows are streamed from the server by a background task that owns the
//! connection and hands over one finished batch at a time through a channel of
//! capacity one, so memory stays bounded by a few batches whatever the size of
//! the result.
//!
//! Every value becomes its canonical text:
//!
//! | SQL type | text |
//! |---|---|
//! | text, varchar, char, enum, set, xml | as stored |
//! | integers | decimal |
//! | float, real, double | shortest text that reads back to the same value (`1.5`, `1e-7`, `NaN`, `Infinity`) |
//! | numeric, decimal | exact, with the column's scale (`12.30`) |
//! | bool | `true` / `false` (MySQL `TINYINT(1)`: 0 and 1; other values stay numbers) |
//! | date | `YYYY-MM-DD` |
//! | time | `HH:MM:SS[.ffffff]` (MySQL: may be negative or above 24 h) |
//! | timestamp, datetime (no time zone) | `YYYY-MM-DDTHH:MM:SS[.ffffff]` |
//! | timestamptz, MySQL timestamp | RFC 3339 in UTC: `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` |
//! | json, jsonb | the JSON text |
//! | bytea, blob, binary, varbinary | lowercase hex (MySQL text with a binary collation, such as `utf8mb4_bin` or MariaDB's JSON, stays text) |
//! | uuid, inet, cidr, macaddr | their usual text |
//! | NULL | `None` |
//!
//! Any other type is refused before the first row is read, with an error that
//! names the column and its type (cast such a column to text in the query).
//!
//! The password never appears in an error or in [`DbReader::location`].

use std::fmt::Write as _;
use std::time::Duration;

use arrow::array::StringArray;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use futures::TryStreamExt;
use sqlx::error::BoxDynError;
use sqlx::mysql::{MySql, MySqlColumn, MySqlConnectOptions, MySqlConnection, MySqlTypeInfo, MySqlValueRef};
use sqlx::postgres::types::{Oid, PgTimeTz};
use sqlx::postgres::{PgConnectOptions, PgTypeInfo, PgTypeKind, PgValueFormat, PgValueRef, Postgres};
use sqlx::{
    Column, ColumnIndex, ConnectOptions, Connection, Database, Decode, Executor, IntoArguments, Row, Statement,
    TypeInfo, ValueRef,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use url::Url;

use super::RawBatch;

/// How long to wait for a connection before giving up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Where to read from.
#[derive(Clone)]
pub struct DbSource {
    /// `postgres://`, `postgresql://`, `mysql://` or `mariadb://` URL; it may
    /// lack the password.
    pub url: String,
    /// The password, if not in the URL (read from an environment variable named
    /// in the configuration). Never logged.
    pub password: Option<String>,
    /// A query, or a bare table name (`customers`, `crm.customers`, matched
    /// exactly as written), which reads the whole table.
    pub query: String,
}

impl std::fmt::Debug for DbSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbSource")
            .field("url", &redact_url(&self.url))
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("query", &self.query)
            .finish()
    }
}

/// Errors of the database reader. None of them contains the password.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("invalid database URL {url}: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error(
        "unsupported database URL scheme `{scheme}` in {url}: use postgres://, postgresql://, mysql:// or mariadb://"
    )]
    UnsupportedScheme { url: String, scheme: String },
    #[error("the query for {url} is empty")]
    EmptyQuery { url: String },
    #[error("batch_rows must be at least 1")]
    InvalidBatchSize,
    #[error("cannot connect to {url}: {message}")]
    Connect { url: String, message: String },
    #[error("query failed on {url}: {message}")]
    Query { url: String, message: String },
    #[error("{url}: column `{column}` has type {type_name}, which cannot be read; cast it to text in the query")]
    UnsupportedType {
        url: String,
        column: String,
        type_name: String,
    },
    #[error("{url}: row {row}, column `{column}` ({type_name}): cannot read the value: {message}")]
    Decode {
        url: String,
        row: u64,
        column: String,
        type_name: String,
        message: String,
    },
    #[error("{url}: the reading task stopped unexpectedly")]
    ReaderStopped { url: String },
}

/// Streams the rows of a query as [`RawBatch`]es.
pub struct DbReader {
    names: Vec<String>,
    location: String,
    batches: mpsc::Receiver<Result<Option<RawBatch>, DbError>>,
    task: JoinHandle<()>,
    finished: bool,
}

impl DbReader {
    /// Connects, prepares the query (so that a bad query or an unsupported
    /// column type is reported here) and starts streaming its rows.
    pub async fn open(src: &DbSource, batch_rows: usize) -> Result<Self, DbError> {
        if batch_rows == 0 {
            return Err(DbError::InvalidBatchSize);
        }
        let target = Target::parse(src)?;
        let location = target.location.clone();
        let (tx, rx) = mpsc::channel(1);
        let (names, task) = match target.kind {
            TargetKind::Postgres(options) => {
                let sql = select_sql(&src.query, '"', &location)?;
                let conn = connect(&target.secrets, &location, options.connect()).await?;
                start::<PgDialect>(conn, sql, batch_rows, target.secrets, location.clone(), tx).await?
            }
            TargetKind::MySql(options) => {
                let sql = select_sql(&src.query, '`', &location)?;
                let conn = connect(&target.secrets, &location, options.connect()).await?;
                start::<MySqlDialect>(conn, sql, batch_rows, target.secrets, location.clone(), tx).await?
            }
        };
        Ok(Self {
            names,
            location,
            batches: rx,
            task,
            finished: false,
        })
    }

    /// The column names of the result, in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The next batch of at most `batch_rows` rows, or `None` after the last.
    pub async fn next_batch(&mut self) -> Result<Option<RawBatch>, DbError> {
        if self.finished {
            return Ok(None);
        }
        match self.batches.recv().await {
            Some(Ok(Some(batch))) => Ok(Some(batch)),
            Some(Ok(None)) => {
                self.finished = true;
                Ok(None)
            }
            Some(Err(err)) => {
                self.finished = true;
                Err(err)
            }
            None => {
                self.finished = true;
                Err(DbError::ReaderStopped {
                    url: self.location.clone(),
                })
            }
        }
    }

    /// The URL without its password, for messages and the quarantine's
    /// `file` field.
    pub fn location(&self) -> String {
        self.location.clone()
    }
}

impl std::fmt::Debug for DbReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbReader")
            .field("location", &self.location)
            .field("names", &self.names)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl Drop for DbReader {
    fn drop(&mut self) {
        // Stops the query and closes the connection if the caller stopped early.
        self.task.abort();
    }
}

// ------------------------------------------------------------ URL handling

enum TargetKind {
    Postgres(PgConnectOptions),
    MySql(MySqlConnectOptions),
}

struct Target {
    kind: TargetKind,
    location: String,
    secrets: Secrets,
}

impl Target {
    fn parse(src: &DbSource) -> Result<Self, DbError> {
        let location = redact_url(&src.url);
        let mut secrets = Secrets::default();
        secrets.add(src.password.as_deref());
        let mut url = Url::parse(src.url.trim()).map_err(|e| DbError::InvalidUrl {
            url: location.clone(),
            reason: e.to_string(),
        })?;
        if let Some(password) = url.password() {
            secrets.add(Some(password));
            if let Ok(decoded) = percent_decode(password) {
                secrets.add(Some(&decoded));
            }
        }
        for (key, value) in url.query_pairs() {
            if is_secret_param(&key) {
                secrets.add(Some(&value));
            }
        }
        let invalid = |e: sqlx::Error| DbError::InvalidUrl {
            url: location.clone(),
            reason: secrets.scrub(&e.to_string()),
        };
        let kind = match url.scheme() {
            "postgres" | "postgresql" => {
                let mut options = PgConnectOptions::from_url(&url).map_err(invalid)?;
                if let Some(password) = &src.password {
                    options = options.password(password);
                }
                TargetKind::Postgres(options.disable_statement_logging())
            }
            "mysql" | "mariadb" => {
                if url.scheme() == "mariadb" {
                    url.set_scheme("mysql").map_err(|()| DbError::InvalidUrl {
                        url: location.clone(),
                        reason: "cannot read it as a mysql:// URL".to_owned(),
                    })?;
                }
                let mut options = MySqlConnectOptions::from_url(&url).map_err(invalid)?;
                if let Some(password) = &src.password {
                    options = options.password(password);
                }
                // Timestamps are converted to the session time zone by the
                // server: UTC makes them RFC 3339 `Z` values.
                let options = options
                    .timezone(Some("+00:00".to_owned()))
                    .charset("utf8mb4")
                    .disable_statement_logging();
                TargetKind::MySql(options)
            }
            other => {
                return Err(DbError::UnsupportedScheme {
                    url: location,
                    scheme: other.to_owned(),
                });
            }
        };
        Ok(Self {
            kind,
            location,
            secrets,
        })
    }
}

/// Query parameters that may carry a password.
fn is_secret_param(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.contains("password") || key.contains("passwd") || key == "pwd"
}

fn percent_decode(s: &str) -> Result<String, std::string::FromUtf8Error> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).and_then(|&b| hex(b)),
                bytes.get(i + 2).and_then(|&b| hex(b)),
            )
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out)
}

/// The URL with any password (in the user info or a query parameter) removed.
pub fn redact_url(raw: &str) -> String {
    let raw = raw.trim();
    match Url::parse(raw) {
        Ok(mut url) => {
            if url.password().is_some() {
                // Only fails for URLs that cannot have a password at all.
                let _ = url.set_password(None);
            }
            if url.query_pairs().any(|(k, _)| is_secret_param(&k)) {
                let kept: Vec<(String, String)> = url
                    .query_pairs()
                    .filter(|(k, _)| !is_secret_param(k))
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                if kept.is_empty() {
                    url.set_query(None);
                } else {
                    url.query_pairs_mut().clear().extend_pairs(kept);
                }
            }
            url.to_string()
        }
        // Unparsable: cut whatever stands between the user name and the host.
        Err(_) => match raw.split_once("://") {
            Some((scheme, rest)) => {
                let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
                let (authority, tail) = rest.split_at(end);
                match authority.rsplit_once('@') {
                    Some((userinfo, host)) => {
                        let user = userinfo.split(':').next().unwrap_or_default();
                        let tail = tail.split('?').next().unwrap_or_default();
                        format!("{scheme}://{user}@{host}{tail}")
                    }
                    None => {
                        let tail = tail.split('?').next().unwrap_or_default();
                        format!("{scheme}://{authority}{tail}")
                    }
                }
            }
            None => "<database URL>".to_owned(),
        },
    }
}

/// Secret strings to remove from any message we pass on.
#[derive(Default, Clone)]
struct Secrets(Vec<String>);

impl Secrets {
    fn add(&mut self, secret: Option<&str>) {
        if let Some(s) = secret
            && !s.is_empty()
            && !self.0.iter().any(|known| known == s)
        {
            self.0.push(s.to_owned());
            // Longest first, so that a secret containing another is removed whole.
            self.0.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    fn scrub(&self, message: &str) -> String {
        let mut out = message.to_owned();
        for secret in &self.0 {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), "<redacted>");
            }
        }
        out
    }
}

async fn connect<C, F>(secrets: &Secrets, location: &str, connecting: F) -> Result<C, DbError>
where
    F: std::future::Future<Output = Result<C, sqlx::Error>>,
{
    match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(DbError::Connect {
            url: location.to_owned(),
            message: secrets.scrub(&e.to_string()),
        }),
        Err(_) => Err(DbError::Connect {
            url: location.to_owned(),
            message: format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()),
        }),
    }
}

/// The SQL to run: the query itself, or `SELECT * FROM <quoted name>` for a
/// bare table name (`name`, `schema.name` or `db.schema.name`: letters,
/// digits, `_` and `$`, matched exactly as written).
fn select_sql(query: &str, quote: char, location: &str) -> Result<String, DbError> {
    let query = query.trim().trim_end_matches(';').trim_end();
    if query.is_empty() {
        return Err(DbError::EmptyQuery {
            url: location.to_owned(),
        });
    }
    let parts: Vec<&str> = query.split('.').collect();
    let is_name = parts.len() <= 3
        && parts
            .iter()
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '$'));
    if !is_name {
        return Ok(query.to_owned());
    }
    let quoted: Vec<String> = parts.iter().map(|part| quote_ident(part, quote)).collect();
    Ok(format!("SELECT * FROM {}", quoted.join(".")))
}

/// An identifier in the given quotes, with those quotes doubled inside.
fn quote_ident(name: &str, quote: char) -> String {
    let doubled = format!("{quote}{quote}");
    format!("{quote}{}{quote}", name.replace(quote, &doubled))
}

// ------------------------------------------------------------ streaming

/// What differs between the two databases: which column types are read and
/// how a value becomes text.
trait Dialect: Send + 'static {
    type Db: Database;
    type Kind: Copy + Send + Sync + 'static;

    /// The reading rule of a column type, or `None` when it is not supported.
    fn classify(ty: &<Self::Db as Database>::TypeInfo) -> Option<Self::Kind>;

    /// Settles the rules that the column metadata alone leaves open, asking
    /// the server if need be (the query is prepared but not yet running).
    async fn refine(
        _conn: &mut <Self::Db as Database>::Connection,
        _sql: &str,
        _columns: &[<Self::Db as Database>::Column],
        _kinds: &mut [Self::Kind],
    ) {
    }

    /// The canonical text of a non-NULL value.
    fn to_text(kind: Self::Kind, value: <Self::Db as Database>::ValueRef<'_>) -> Result<String, BoxDynError>;
}

/// The reading rule of a column, or an error naming it when unsupported.
fn classify_column<D: Dialect>(column: &<D::Db as Database>::Column, location: &str) -> Result<D::Kind, DbError> {
    D::classify(column.type_info()).ok_or_else(|| DbError::UnsupportedType {
        url: location.to_owned(),
        column: column.name().to_owned(),
        type_name: column.type_info().name().to_owned(),
    })
}

/// Everything the streaming task needs to know about the query.
struct Plan<K> {
    names: Vec<String>,
    /// The type names of the prepared statement's columns.
    type_names: Vec<String>,
    kinds: Vec<K>,
    batch_rows: usize,
    secrets: Secrets,
    location: String,
}

impl<K> Plan<K> {
    fn query_error(&self, e: &sqlx::Error) -> DbError {
        DbError::Query {
            url: self.location.clone(),
            message: self.secrets.scrub(&e.to_string()),
        }
    }
}

/// Prepares the query on the connection, checks its column types, and spawns
/// the task that streams its rows into `tx`.
async fn start<D>(
    mut conn: <D::Db as Database>::Connection,
    sql: String,
    batch_rows: usize,
    secrets: Secrets,
    location: String,
    tx: mpsc::Sender<Result<Option<RawBatch>, DbError>>,
) -> Result<(Vec<String>, JoinHandle<()>), DbError>
where
    D: Dialect,
    for<'c> &'c mut <D::Db as Database>::Connection: Executor<'c, Database = D::Db>,
    for<'q> <D::Db as Database>::Arguments<'q>: IntoArguments<'q, D::Db>,
    <D::Db as Database>::Connection: Send,
    <D::Db as Database>::Row: Send,
    usize: ColumnIndex<<D::Db as Database>::Row>,
{
    let mut plan = Plan {
        names: Vec::new(),
        type_names: Vec::new(),
        kinds: Vec::new(),
        batch_rows,
        secrets,
        location,
    };
    let statement = conn.prepare(&sql).await.map_err(|e| plan.query_error(&e))?;
    let columns = statement.columns();
    plan.kinds = columns
        .iter()
        .map(|c| classify_column::<D>(c, &plan.location))
        .collect::<Result<_, _>>()?;
    plan.names = columns.iter().map(|c| c.name().to_owned()).collect();
    plan.type_names = columns.iter().map(|c| c.type_info().name().to_owned()).collect();
    D::refine(&mut conn, &sql, columns, &mut plan.kinds).await;
    drop(statement);

    let names = plan.names.clone();
    let task = tokio::spawn(async move {
        let end = match stream_rows::<D>(&mut conn, &sql, &mut plan, &tx).await {
            Ok(()) => Ok(None),
            Err(e) => Err(e),
        };
        // The receiver may be gone already: then nobody is waiting for the end.
        let _ = tx.send(end).await;
        let _ = conn.close().await;
    });
    Ok((names, task))
}

/// Column builders of the batch being filled.
struct BatchBuilder {
    names: Vec<String>,
    lines: Vec<u64>,
    columns: Vec<Vec<Option<String>>>,
}

impl BatchBuilder {
    fn new(names: &[String], capacity: usize) -> Self {
        Self {
            names: names.to_vec(),
            lines: Vec::with_capacity(capacity),
            columns: names.iter().map(|_| Vec::with_capacity(capacity)).collect(),
        }
    }

    fn finish(self) -> RawBatch {
        RawBatch {
            names: self.names,
            lines: self.lines,
            columns: self.columns.into_iter().map(StringArray::from).collect(),
        }
    }
}

async fn stream_rows<D>(
    conn: &mut <D::Db as Database>::Connection,
    sql: &str,
    plan: &mut Plan<D::Kind>,
    tx: &mpsc::Sender<Result<Option<RawBatch>, DbError>>,
) -> Result<(), DbError>
where
    D: Dialect,
    for<'c> &'c mut <D::Db as Database>::Connection: Executor<'c, Database = D::Db>,
    for<'q> <D::Db as Database>::Arguments<'q>: IntoArguments<'q, D::Db>,
    usize: ColumnIndex<<D::Db as Database>::Row>,
{
    let mut rows = sqlx::query::<D::Db>(sql).fetch(&mut *conn);
    let mut batch = BatchBuilder::new(&plan.names, plan.batch_rows);
    let mut line: u64 = 0;
    loop {
        let row = match rows.try_next().await {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(e) => return Err(plan.query_error(&e)),
        };
        line += 1;
        if line == 1 {
            check_result_columns::<D>(row.columns(), plan)?;
        }
        for (i, column) in batch.columns.iter_mut().enumerate() {
            let decode_error = |message: String| DbError::Decode {
                url: plan.location.clone(),
                row: line,
                column: plan.names[i].clone(),
                type_name: row.columns()[i].type_info().name().to_owned(),
                message: plan.secrets.scrub(&message),
            };
            let raw = row.try_get_raw(i).map_err(|e| decode_error(e.to_string()))?;
            let text = if raw.is_null() {
                None
            } else {
                Some(D::to_text(plan.kinds[i], raw).map_err(|e| decode_error(e.to_string()))?)
            };
            column.push(text);
        }
        batch.lines.push(line);
        if batch.lines.len() == plan.batch_rows {
            let full = std::mem::replace(&mut batch, BatchBuilder::new(&plan.names, plan.batch_rows));
            if tx.send(Ok(Some(full.finish()))).await.is_err() {
                // The reader was dropped: stop reading.
                return Ok(());
            }
        }
    }
    if !batch.lines.is_empty() {
        // An error here means the reader was dropped; nothing left to do.
        let _ = tx.send(Ok(Some(batch.finish()))).await;
    }
    Ok(())
}

/// The result's own column types normally equal the prepared statement's; a
/// column whose type changed in between gets the rule of its new type.
fn check_result_columns<D: Dialect>(
    columns: &[<D::Db as Database>::Column],
    plan: &mut Plan<D::Kind>,
) -> Result<(), DbError> {
    if columns.len() != plan.names.len() {
        return Err(DbError::Query {
            url: plan.location.clone(),
            message: format!(
                "the result has {} columns where the prepared query had {}",
                columns.len(),
                plan.names.len()
            ),
        });
    }
    for (i, column) in columns.iter().enumerate() {
        if column.type_info().name() != plan.type_names[i] {
            plan.kinds[i] = classify_column::<D>(column, &plan.location)?;
        }
    }
    Ok(())
}

// ------------------------------------------------------------ text forms

/// Shortest text that reads back to the same float: plain notation for
/// magnitudes in [1e-6, 1e21) (`1.5`, `-2`, `0.000001`), exponent notation
/// outside (`1e21`, `1e-7`), and `NaN`, `Infinity`, `-Infinity` (as
/// JavaScript prints numbers).
fn float_text<F>(value: F) -> String
where
    F: Copy + Into<f64> + std::fmt::Display + std::fmt::LowerExp,
{
    let wide: f64 = value.into();
    if wide.is_nan() {
        "NaN".to_owned()
    } else if wide.is_infinite() {
        if wide > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
    } else if wide == 0.0 || (1e-6..1e21).contains(&wide.abs()) {
        format!("{value}")
    } else {
        format!("{value:e}")
    }
}

/// `.ffffff` (or nine digits for sub-microsecond values), nothing for whole seconds.
fn push_fraction(out: &mut String, nanos: u32) {
    let nanos = nanos % 1_000_000_000;
    if nanos == 0 {
        return;
    }
    if nanos.is_multiple_of(1000) {
        let _ = write!(out, ".{:06}", nanos / 1000);
    } else {
        let _ = write!(out, ".{nanos:09}");
    }
}

fn time_text(t: NaiveTime) -> String {
    let mut out = t.format("%H:%M:%S").to_string();
    push_fraction(&mut out, t.nanosecond());
    out
}

fn datetime_text(dt: NaiveDateTime) -> String {
    let mut out = dt.format("%Y-%m-%dT%H:%M:%S").to_string();
    push_fraction(&mut out, dt.nanosecond());
    out
}

fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn utc_text(dt: DateTime<Utc>) -> String {
    let mut out = datetime_text(dt.naive_utc());
    out.push('Z');
    out
}

fn hex_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

fn bool_text(value: bool) -> String {
    if value { "true" } else { "false" }.to_owned()
}

// ------------------------------------------------------------ PostgreSQL

#[derive(Debug, Clone, Copy)]
enum PgKind {
    Bool,
    Int2,
    Int4,
    Int8,
    Oid,
    Float4,
    Float8,
    Numeric,
    Text,
    Json,
    Jsonb,
    Bytea,
    Date,
    Time,
    TimeTz,
    Timestamp,
    TimestampTz,
    Uuid,
    Inet,
    MacAddr,
}

struct PgDialect;

impl Dialect for PgDialect {
    type Db = Postgres;
    type Kind = PgKind;

    fn classify(ty: &PgTypeInfo) -> Option<PgKind> {
        match ty.kind() {
            PgTypeKind::Enum(_) => return Some(PgKind::Text),
            PgTypeKind::Domain(base) => return Self::classify(base),
            PgTypeKind::Simple => {}
            _ => return None,
        }
        // Types sqlx does not know by heart (xml, citext) have lowercase names.
        Some(match ty.name().to_ascii_uppercase().as_str() {
            "BOOL" => PgKind::Bool,
            "INT2" => PgKind::Int2,
            "INT4" => PgKind::Int4,
            "INT8" => PgKind::Int8,
            "OID" => PgKind::Oid,
            "FLOAT4" => PgKind::Float4,
            "FLOAT8" => PgKind::Float8,
            "NUMERIC" => PgKind::Numeric,
            "TEXT" | "VARCHAR" | "CHAR" | "NAME" | "UNKNOWN" | "XML" | "CITEXT" => PgKind::Text,
            "JSON" => PgKind::Json,
            "JSONB" => PgKind::Jsonb,
            "BYTEA" => PgKind::Bytea,
            "DATE" => PgKind::Date,
            "TIME" => PgKind::Time,
            "TIMETZ" => PgKind::TimeTz,
            "TIMESTAMP" => PgKind::Timestamp,
            "TIMESTAMPTZ" => PgKind::TimestampTz,
            "UUID" => PgKind::Uuid,
            "INET" | "CIDR" => PgKind::Inet,
            "MACADDR" | "MACADDR8" => PgKind::MacAddr,
            _ => return None,
        })
    }

    fn to_text(kind: PgKind, value: PgValueRef<'_>) -> Result<String, BoxDynError> {
        // Values arrive in the binary format for prepared queries; a text-format
        // value (never expected here) is already the server's own text.
        if value.format() == PgValueFormat::Text {
            return Ok(value.as_str()?.to_owned());
        }
        Ok(match kind {
            PgKind::Bool => bool_text(<bool as Decode<Postgres>>::decode(value)?),
            PgKind::Int2 => <i16 as Decode<Postgres>>::decode(value)?.to_string(),
            PgKind::Int4 => <i32 as Decode<Postgres>>::decode(value)?.to_string(),
            PgKind::Int8 => <i64 as Decode<Postgres>>::decode(value)?.to_string(),
            PgKind::Oid => <Oid as Decode<Postgres>>::decode(value)?.0.to_string(),
            PgKind::Float4 => float_text(<f32 as Decode<Postgres>>::decode(value)?),
            PgKind::Float8 => float_text(<f64 as Decode<Postgres>>::decode(value)?),
            PgKind::Numeric => pg_numeric_text(value.as_bytes()?)?,
            PgKind::Text | PgKind::Json => value.as_str()?.to_owned(),
            PgKind::Jsonb => {
                // Binary jsonb is a version byte (1) followed by the JSON text.
                let bytes = value.as_bytes()?;
                match bytes.split_first() {
                    Some((1, text)) => std::str::from_utf8(text)?.to_owned(),
                    _ => return Err("unknown jsonb format version".into()),
                }
            }
            PgKind::Bytea => hex_text(value.as_bytes()?),
            PgKind::Date => date_text(<NaiveDate as Decode<Postgres>>::decode(value)?),
            PgKind::Time => time_text(<NaiveTime as Decode<Postgres>>::decode(value)?),
            PgKind::TimeTz => {
                let t = <PgTimeTz<NaiveTime, FixedOffset> as Decode<Postgres>>::decode(value)?;
                format!("{}{}", time_text(t.time), t.offset)
            }
            PgKind::Timestamp => datetime_text(<NaiveDateTime as Decode<Postgres>>::decode(value)?),
            PgKind::TimestampTz => utc_text(<DateTime<Utc> as Decode<Postgres>>::decode(value)?),
            PgKind::Uuid => uuid_text(value.as_bytes()?)?,
            PgKind::Inet => pg_inet_text(value.as_bytes()?)?,
            PgKind::MacAddr => {
                let bytes = value.as_bytes()?;
                let parts: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
                parts.join(":")
            }
        })
    }
}

fn uuid_text(bytes: &[u8]) -> Result<String, BoxDynError> {
    if bytes.len() != 16 {
        return Err(format!("a uuid has 16 bytes, got {}", bytes.len()).into());
    }
    let h = hex_text(bytes);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

/// PostgreSQL's binary inet/cidr: family, prefix bits, is-cidr flag, address
/// length, address. inet prints the prefix only when it is not a single host.
fn pg_inet_text(bytes: &[u8]) -> Result<String, BoxDynError> {
    let [family, bits, is_cidr, len, addr @ ..] = bytes else {
        return Err("inet value too short".into());
    };
    if addr.len() != usize::from(*len) {
        return Err("inet value has a wrong length".into());
    }
    let (ip, full): (std::net::IpAddr, u8) = match (family, addr.len()) {
        (2, 4) => {
            let a: [u8; 4] = addr.try_into()?;
            (std::net::Ipv4Addr::from(a).into(), 32)
        }
        (3, 16) => {
            let a: [u8; 16] = addr.try_into()?;
            (std::net::Ipv6Addr::from(a).into(), 128)
        }
        _ => return Err("unknown inet address family".into()),
    };
    Ok(if *is_cidr != 0 || *bits != full {
        format!("{ip}/{bits}")
    } else {
        ip.to_string()
    })
}

/// Exact text of PostgreSQL's binary numeric: digit count, weight (in base
/// 10000 digits), sign, display scale, then the base-10000 digits.
fn pg_numeric_text(bytes: &[u8]) -> Result<String, BoxDynError> {
    let word = |i: usize| -> Result<u16, BoxDynError> {
        bytes
            .get(i..i + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(|| "numeric value too short".into())
    };
    let ndigits = usize::from(word(0)?);
    let weight = i32::from(word(2)? as i16);
    let sign = word(4)?;
    let dscale = usize::from(word(6)?);
    match sign {
        0x0000 | 0x4000 => {}
        0xC000 => return Ok("NaN".to_owned()),
        0xD000 => return Ok("Infinity".to_owned()),
        0xF000 => return Ok("-Infinity".to_owned()),
        _ => return Err(format!("unknown numeric sign {sign:#06x}").into()),
    }
    let digits = (0..ndigits)
        .map(|i| {
            let d = word(8 + 2 * i)?;
            if d > 9999 {
                return Err(BoxDynError::from("numeric digit out of range"));
            }
            Ok(d)
        })
        .collect::<Result<Vec<u16>, _>>()?;
    let digit = |g: i32| -> u16 {
        usize::try_from(g)
            .ok()
            .and_then(|g| digits.get(g).copied())
            .unwrap_or(0)
    };
    let mut out = String::new();
    if sign == 0x4000 {
        out.push('-');
    }
    if weight < 0 {
        out.push('0');
    } else {
        for g in 0..=weight {
            if g == 0 {
                let _ = write!(out, "{}", digit(g));
            } else {
                let _ = write!(out, "{:04}", digit(g));
            }
        }
    }
    if dscale > 0 {
        let mut fraction = String::with_capacity(dscale + 4);
        let mut g = weight + 1;
        while fraction.len() < dscale {
            let _ = write!(fraction, "{:04}", digit(g));
            g += 1;
        }
        fraction.truncate(dscale);
        out.push('.');
        out.push_str(&fraction);
    }
    Ok(out)
}

// ------------------------------------------------------------ MySQL / MariaDB

#[derive(Debug, Clone, Copy)]
enum MySqlKind {
    Bool,
    Int,
    UInt,
    Float,
    Double,
    Text,
    Binary,
    Date,
    Time,
    DateTime,
    Timestamp,
    Bit,
    Null,
}

struct MySqlDialect;

impl Dialect for MySqlDialect {
    type Db = MySql;
    type Kind = MySqlKind;

    fn classify(ty: &MySqlTypeInfo) -> Option<MySqlKind> {
        Some(match ty.name() {
            "BOOLEAN" => MySqlKind::Bool,
            "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "BIGINT" => MySqlKind::Int,
            "TINYINT UNSIGNED" | "SMALLINT UNSIGNED" | "MEDIUMINT UNSIGNED" | "INT UNSIGNED" | "BIGINT UNSIGNED"
            | "YEAR" => MySqlKind::UInt,
            "FLOAT" => MySqlKind::Float,
            "DOUBLE" => MySqlKind::Double,
            // DECIMAL travels as its exact text.
            "DECIMAL" | "CHAR" | "VARCHAR" | "TINYTEXT" | "TEXT" | "MEDIUMTEXT" | "LONGTEXT" | "ENUM" | "SET"
            | "JSON" => MySqlKind::Text,
            "BINARY" | "VARBINARY" | "TINYBLOB" | "BLOB" | "MEDIUMBLOB" | "LONGBLOB" => MySqlKind::Binary,
            "DATE" => MySqlKind::Date,
            "TIME" => MySqlKind::Time,
            "DATETIME" => MySqlKind::DateTime,
            "TIMESTAMP" => MySqlKind::Timestamp,
            "BIT" => MySqlKind::Bit,
            "NULL" => MySqlKind::Null,
            _ => return None,
        })
    }

    /// MySQL marks a column "binary" both for binary data and for text with a
    /// binary collation (`utf8mb4_bin`, and MariaDB's JSON); only the column's
    /// character set tells them apart, and sqlx does not pass it on. So ask the
    /// server: `CHARSET()` of each such column over the query limited to zero
    /// rows (which the server does not run). Where the query cannot be wrapped
    /// like that, the columns stay binary.
    async fn refine(conn: &mut MySqlConnection, sql: &str, columns: &[MySqlColumn], kinds: &mut [MySqlKind]) {
        let ambiguous: Vec<usize> = (0..kinds.len())
            .filter(|&i| matches!(kinds[i], MySqlKind::Binary))
            .collect();
        if ambiguous.is_empty() {
            return;
        }
        let charsets: Vec<String> = ambiguous
            .iter()
            .map(|&i| format!("CHARSET(hx_q.{})", quote_ident(columns[i].name(), '`')))
            .collect();
        let probe = format!(
            "SELECT {} FROM (SELECT 1) AS hx_one LEFT JOIN \
             (SELECT * FROM ({sql}\n) AS hx_inner LIMIT 0) AS hx_q ON TRUE",
            charsets.join(", ")
        );
        let Ok(row) = sqlx::query(&probe).persistent(false).fetch_one(&mut *conn).await else {
            return;
        };
        for (j, &i) in ambiguous.iter().enumerate() {
            if let Ok(charset) = row.try_get::<String, _>(j)
                && !charset.eq_ignore_ascii_case("binary")
            {
                kinds[i] = MySqlKind::Text;
            }
        }
    }

    fn to_text(kind: MySqlKind, value: MySqlValueRef<'_>) -> Result<String, BoxDynError> {
        Ok(match kind {
            MySqlKind::Bool => match <i64 as Decode<MySql>>::decode(value)? {
                0 => "false".to_owned(),
                1 => "true".to_owned(),
                // TINYINT(1) can hold other numbers: keep them rather than lose them.
                other => other.to_string(),
            },
            MySqlKind::Int => <i64 as Decode<MySql>>::decode(value)?.to_string(),
            MySqlKind::UInt | MySqlKind::Bit => <u64 as Decode<MySql>>::decode(value)?.to_string(),
            MySqlKind::Float => float_text(<f32 as Decode<MySql>>::decode(value)?),
            MySqlKind::Double => float_text(<f64 as Decode<MySql>>::decode(value)?),
            MySqlKind::Text => <String as Decode<MySql>>::decode(value)?,
            MySqlKind::Binary => hex_text(<&[u8] as Decode<MySql>>::decode(value)?),
            MySqlKind::Date => date_text(<NaiveDate as Decode<MySql>>::decode(value)?),
            MySqlKind::Time => {
                let t = <sqlx::mysql::types::MySqlTime as Decode<MySql>>::decode(value)?;
                // `MySqlTime::is_negative` is wrong in sqlx 0.8.6; the sign's is right.
                let mut out = format!(
                    "{}{:02}:{:02}:{:02}",
                    if t.sign().is_negative() { "-" } else { "" },
                    t.hours(),
                    t.minutes(),
                    t.seconds()
                );
                push_fraction(&mut out, t.microseconds() * 1000);
                out
            }
            MySqlKind::DateTime => datetime_text(<NaiveDateTime as Decode<MySql>>::decode(value)?),
            MySqlKind::Timestamp => utc_text(<DateTime<Utc> as Decode<MySql>>::decode(value)?),
            MySqlKind::Null => return Err("a NULL-typed column holds a value".into()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_binary_to_exact_text() {
        // 12.30: ndigits 2, weight 0, pos, dscale 2, digits [12, 3000]
        let b = [0, 2, 0, 0, 0, 0, 0, 2, 0, 12, 0x0b, 0xb8];
        assert_eq!(pg_numeric_text(&b).expect("valid"), "12.30");
        // -0.000123: ndigits 2, weight -1, neg, dscale 6, digits [1, 2300]
        let b = [0, 2, 0xff, 0xff, 0x40, 0, 0, 6, 0, 1, 0x08, 0xfc];
        assert_eq!(pg_numeric_text(&b).expect("valid"), "-0.000123");
        // 0 with scale 2
        let b = [0, 0, 0, 0, 0, 0, 0, 2];
        assert_eq!(pg_numeric_text(&b).expect("valid"), "0.00");
        // 123456789 = [1, 2345, 6789], weight 2
        let b = [0, 3, 0, 2, 0, 0, 0, 0, 0, 1, 0x09, 0x29, 0x1a, 0x85];
        assert_eq!(pg_numeric_text(&b).expect("valid"), "123456789");
        // 10000 = [1], weight 1 (trailing zero groups dropped)
        let b = [0, 1, 0, 1, 0, 0, 0, 0, 0, 1];
        assert_eq!(pg_numeric_text(&b).expect("valid"), "10000");
        assert_eq!(pg_numeric_text(&[0, 0, 0, 0, 0xc0, 0, 0, 0]).expect("valid"), "NaN");
        assert!(pg_numeric_text(&[0, 1]).is_err());
    }

    #[test]
    fn floats_are_shortest_round_trip() {
        assert_eq!(float_text(1.5), "1.5");
        assert_eq!(float_text(0.1), "0.1");
        assert_eq!(float_text(-2.0), "-2");
        assert_eq!(float_text(1e21), "1e21");
        assert_eq!(float_text(1.25e-8), "1.25e-8");
        assert_eq!(float_text(0.000001), "0.000001");
        assert_eq!(float_text(1e-7), "1e-7");
        assert_eq!(float_text(f64::NAN), "NaN");
        assert_eq!(float_text(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(float_text(0.1f32), "0.1");
        assert_eq!(float_text(2.71f32), "2.71");
    }

    #[test]
    fn urls_lose_their_password() {
        assert_eq!(
            redact_url("postgres://u:s3cret@h:5432/db?sslmode=disable&password=s3cret"),
            "postgres://u@h:5432/db?sslmode=disable"
        );
        assert_eq!(redact_url("mysql://u@h/db"), "mysql://u@h/db");
        assert_eq!(redact_url("mysql://u:p%20w@h/db"), "mysql://u@h/db");
        assert_eq!(redact_url("postgres://u:pw@[bad/db"), "postgres://u@[bad/db");
        assert_eq!(redact_url("not a url"), "<database URL>");
    }

    #[test]
    fn table_names_are_quoted() {
        let q = |s: &str, c: char| select_sql(s, c, "x").expect("valid");
        assert_eq!(q("customers", '"'), "SELECT * FROM \"customers\"");
        assert_eq!(q("crm.客户", '`'), "SELECT * FROM `crm`.`客户`");
        assert_eq!(q("SELECT a FROM t;", '"'), "SELECT a FROM t");
        assert!(select_sql("  ; ", '"', "x").is_err());
    }

    #[test]
    fn secrets_are_scrubbed() {
        let mut s = Secrets::default();
        s.add(Some("pw"));
        s.add(Some("pw-long"));
        assert_eq!(s.scrub("a pw-long b pw"), "a <redacted> b <redacted>");
    }
}
