//! The optional language-model fallback: an OpenAI-compatible
//! chat-completions endpoint writes SQL for a question the offline parser
//! cannot answer; the SQL is checked ([`crate::sql_guard`]) and run here.
//!
//! The model never supplies a number. It gets the columns of the tables it
//! may read, the metric catalog with the SQL of each metric's rows, the as-of
//! day and the time zone, and must reply with one query; whatever it says
//! besides the query is dropped, and the rows shown are the rows that query
//! returned in the read-only, masked engine, under a timeout.

use std::time::Duration;

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, SchemaRef};
use datafusion::execution::context::SQLOptions;
use datafusion::prelude::SessionContext;
use futures::StreamExt;
use huaxiang_core::config::LlmSettings;
use huaxiang_features::persons::UNIQUE_RECORDS_CTE;
use huaxiang_metrics::fact::{Available, Fact};
use huaxiang_metrics::{Catalog, Env};
use huaxiang_store::sql::SqlEngine;
use serde_json::{Value, json};

use crate::sql_guard::{self, Checked, GuardError, Policy};

/// Why the fallback gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("the environment variable `{0}` named by ask.llm.api_key_env is not set")]
    MissingKey(String),
    #[error("cannot create the HTTP client: {0}")]
    Client(String),
    #[error("cannot reach the model at {url}: {message}")]
    Request { url: String, message: String },
    #[error("the model did not answer within {0} s")]
    Timeout(u64),
    #[error("the model endpoint answered HTTP {status}: {body}")]
    Status { status: u16, body: String },
    #[error("the model's reply is not a chat completion: {0}")]
    Reply(String),
    #[error("the model says the data cannot answer this: {0}")]
    Declined(String),
    #[error("the model's SQL was refused: {0}")]
    Refused(#[from] GuardError),
    #[error("the model's SQL failed: {0}")]
    Query(String),
    #[error("the model's SQL did not finish within {0} s")]
    QueryTimeout(u64),
    #[error("cannot describe the workspace to the model: {0}")]
    Schema(String),
}

impl LlmError {
    /// The reason in Chinese.
    pub fn zh(&self) -> String {
        match self {
            LlmError::MissingKey(v) => format!("未设置 ask.llm.api_key_env 指定的环境变量 `{v}`"),
            LlmError::Client(m) => format!("无法创建 HTTP 客户端：{m}"),
            LlmError::Request { url, message } => format!("无法连接模型服务 {url}：{message}"),
            LlmError::Timeout(s) => format!("模型在 {s} 秒内没有回复"),
            LlmError::Status { status, body } => format!("模型服务返回 HTTP {status}：{body}"),
            LlmError::Reply(m) => format!("模型的回复不是有效的 chat completion：{m}"),
            LlmError::Declined(r) => format!("模型认为数据无法回答：{r}"),
            LlmError::Refused(g) => format!("模型生成的 SQL 未通过校验：{}", g.zh()),
            LlmError::Query(m) => format!("模型生成的 SQL 执行失败：{m}"),
            LlmError::QueryTimeout(s) => format!("模型生成的 SQL 在 {s} 秒内没有执行完"),
            LlmError::Schema(m) => format!("无法向模型描述工作区：{m}"),
        }
    }
}

/// What the fallback produced: checked SQL and the rows it returned.
#[derive(Debug)]
pub struct ModelResult {
    pub model: String,
    pub checked: Checked,
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
}

/// A client of one chat-completions endpoint.
#[derive(Debug, Clone)]
pub struct LlmClient {
    http: reqwest::Client,
    url: String,
    model: String,
    key: Option<String>,
    timeout_secs: u64,
}

impl LlmClient {
    /// A client for `settings`, with the key read from the variable it names.
    pub fn new(settings: &LlmSettings) -> Result<LlmClient, LlmError> {
        let key = match &settings.api_key_env {
            None => None,
            Some(var) => match std::env::var(var) {
                Ok(k) if !k.trim().is_empty() => Some(k.trim().to_string()),
                _ => return Err(LlmError::MissingKey(var.clone())),
            },
        };
        let url = format!("{}/chat/completions", settings.base_url.trim().trim_end_matches('/'));
        let mut builder = reqwest::Client::builder()
            .timeout(Duration::from_secs(settings.timeout_secs))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("huaxiang/", env!("CARGO_PKG_VERSION")));
        if reqwest::Url::parse(&url).is_ok_and(|u| huaxiang_core::net::is_loopback(&u)) {
            // A proxy cannot reach this machine's own loopback interface.
            builder = builder.no_proxy();
        }
        let http = builder
            .build()
            .map_err(|e| LlmError::Client(huaxiang_core::error::chain(&e)))?;
        Ok(LlmClient {
            http,
            url,
            model: settings.model.clone(),
            key,
            timeout_secs: settings.timeout_secs,
        })
    }

    /// The endpoint requests go to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Sends one system and one user message at temperature 0; returns the reply's text.
    pub async fn complete(&self, system: &str, user: &str) -> Result<String, LlmError> {
        let body = json!({
            "model": self.model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
            "temperature": 0,
        });
        let mut req = self
            .http
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
        if let Some(k) = &self.key {
            req = req.bearer_auth(k);
        }
        let failed = |e: reqwest::Error| {
            if e.is_timeout() {
                LlmError::Timeout(self.timeout_secs)
            } else {
                LlmError::Request {
                    url: self.url.clone(),
                    message: huaxiang_core::error::chain(&e),
                }
            }
        };
        let resp = req.send().await.map_err(failed)?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(failed)?;
        if !status.is_success() {
            let text: String = String::from_utf8_lossy(&bytes).trim().chars().take(200).collect();
            return Err(LlmError::Status {
                status: status.as_u16(),
                body: text,
            });
        }
        let v: Value = serde_json::from_slice(&bytes).map_err(|e| LlmError::Reply(format!("not JSON ({e})")))?;
        content(&v).ok_or_else(|| LlmError::Reply("no choices[0].message.content".to_string()))
    }
}

/// The text of `choices[0].message.content` (a string, or a list of text parts).
fn content(v: &Value) -> Option<String> {
    let c = v.get("choices")?.get(0)?.get("message")?.get("content")?;
    match c {
        Value::String(s) => Some(s.clone()),
        Value::Array(parts) => {
            let text: Vec<&str> = parts
                .iter()
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .collect();
            (!text.is_empty()).then(|| text.concat())
        }
        _ => None,
    }
}

/// The SQL in a model's reply: the first fenced block if there is one, else
/// the whole text; a reply starting with `NO_SQL` is the model declining.
pub fn extract_sql(reply: &str) -> Result<String, LlmError> {
    // Reasoning models may think aloud first.
    let text = reply.rsplit_once("</think>").map_or(reply, |(_, after)| after).trim();
    let declined = text.get(..6).is_some_and(|p| p.eq_ignore_ascii_case("NO_SQL"));
    if declined {
        let reason = text[6..].trim_start_matches([':', ' ', '：']).trim();
        return Err(LlmError::Declined(reason.chars().take(300).collect()));
    }
    let sql = match text.split_once("```") {
        Some((_, rest)) => {
            // Skip the info string (```sql) up to the end of its line.
            let rest = match rest.split_once('\n') {
                Some((info, code)) if is_info_string(info) => code,
                _ => rest,
            };
            rest.split_once("```").map_or(rest, |(code, _)| code)
        }
        None => text,
    };
    let sql = sql.trim();
    if sql.is_empty() {
        return Err(LlmError::Refused(GuardError::Empty));
    }
    Ok(sql.to_string())
}

/// Whether the rest of a fence's first line is a language tag (`sql`), not code.
fn is_info_string(line: &str) -> bool {
    let t = line.trim();
    t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && !t.eq_ignore_ascii_case("select")
        && !t.eq_ignore_ascii_case("with")
}

/// The tables the model may read in this workspace: the allow-list, plus the
/// precomputed `metric_*` facts that are current.
pub fn policy(env: &Env, max_rows: usize) -> Policy {
    let current = env
        .precomputed
        .iter()
        .filter_map(|f| huaxiang_metrics::precompute::table_of(*f));
    Policy::new(env.tables.iter().cloned(), current, max_rows)
}

/// The system message: rules, as-of day and zone, tables and columns, facts and metrics.
pub async fn system_prompt(
    engine: &SqlEngine,
    catalog: &Catalog,
    env: &Env,
    policy: &Policy,
) -> Result<String, LlmError> {
    let mut p = String::new();
    p.push_str(&format!(
        "You write one SQL query (Apache DataFusion SQL) that answers a business question over the \
         customer-profile workspace of Huaxiang (华像). The query runs read-only; its rows are shown to \
         the user as the answer, so the query must compute the answer itself.\n\n\
         Rules:\n\
         1. Reply with exactly one SELECT statement (WITH … SELECT is fine) in a ```sql fenced block. \
         Nothing that writes or changes anything.\n\
         2. Read only the tables listed below, by their plain names. No other tables, no \
         information_schema, no table functions (generate_series, range, read_csv, UNNEST …), no \
         WITH RECURSIVE.\n\
         3. The outermost query must end with LIMIT n, n at most {max}.\n\
         4. Use only the listed columns. Personal data (names, phones, e-mails) is masked; never try \
         to reveal it.\n\
         5. Today is the as-of day {as_of}: never use now(), current_date or the wall clock, and \
         leave out anything after the end of {as_of}. Timestamps are shown in the time zone {tz}; \
         days, weeks (Monday to Sunday), months, quarters and years are calendar periods in that \
         zone, ending with the as-of day (\"this year\" = {year}).\n\
         6. Customers are people: a person (person_id) may have several customer records. Map a \
         row's customer_id to its person as the facts below do.\n\
         7. When the question names a metric of the catalog below, compute it exactly as defined \
         there (its measure over its fact's rows).\n\
         8. Give result columns short snake_case names: label columns first, the number last; \
         order the rows meaningfully.\n\
         9. If the data cannot answer the question (the future, forecasts, anything these tables do \
         not hold), reply exactly: NO_SQL: <one-sentence reason>\n\n",
        max = policy.max_rows,
        as_of = env.as_of,
        tz = env.time_zone,
        year = chrono::Datelike::year(&env.as_of),
    ));
    p.push_str(&format!(
        "As-of day: {}. Time zone: {}.\n\nTables (column TYPE):\n",
        env.as_of, env.time_zone
    ));
    let ctx = engine.context();
    for table in policy.allowed() {
        let df = ctx
            .table(table)
            .await
            .map_err(|e| LlmError::Schema(format!("table `{table}`: {e}")))?;
        let schema = df.schema();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        let cols: Vec<String> = schema
            .fields()
            .iter()
            .filter(|f| {
                let n = f.name();
                let is_hash = n.strip_suffix("_hash").is_some_and(|base| names.contains(&base));
                !is_hash && n != "_run_id" && n != "_line"
            })
            .map(|f| {
                let masked = names.contains(&huaxiang_core::schema::hash_column(f.name()).as_str());
                format!(
                    "{} {}{}",
                    f.name(),
                    sql_type(f.data_type()),
                    if masked { " (masked)" } else { "" }
                )
            })
            .collect();
        p.push_str(&format!("- {table}({})\n", cols.join(", ")));
    }
    let avail = |f: Fact| Available {
        events: env.has("events"),
        orders: env.has("orders"),
        // The compact activity table counts persons only; the raw rows suit any measure.
        precomputed: f != Fact::Activity && env.precomputed.contains(&f),
    };
    let readable = |f: Fact| match f {
        Fact::Activity => policy.allows("identity_links") && (policy.allows("events") || policy.allows("orders")),
        f => {
            let a = avail(f);
            match f.precomputed_table(&a) {
                Some(t) => policy.allows(t),
                None => f.tables().iter().all(|t| policy.allows(t)),
            }
        }
    };
    let used: Vec<Fact> = Fact::ALL
        .into_iter()
        .filter(|f| catalog.metrics().iter().any(|m| m.fact == *f) && readable(*f))
        .collect();
    p.push_str(&format!(
        "\nFacts: the rows each metric aggregates, as SQL. Where a fact's SQL uses hx_unique_records, \
         put this CTE first: WITH {UNIQUE_RECORDS_CTE}\n"
    ));
    for f in &used {
        p.push_str(&format!("- {}: {}\n", f.name(), f.sql(&avail(*f))));
    }
    p.push_str(
        "\nMetrics (id | 中文名 / English name | fact | measure [| filter] [| per person: aggregate per \
         person first] | time column | meaning):\n",
    );
    for m in catalog.metrics().iter().filter(|m| used.contains(&m.fact)) {
        let mut line = format!(
            "- {} | {} / {} | {} | {}",
            m.id,
            m.name_zh,
            m.name_en,
            m.fact.name(),
            m.measure
        );
        if let Some(f) = &m.filter {
            line.push_str(&format!(" | filter {f}"));
        }
        if !m.per_person.is_empty() {
            let pp: Vec<String> = m.per_person.iter().map(|(n, e)| format!("{e} AS {n}")).collect();
            line.push_str(&format!(" | per person: {}", pp.join(", ")));
        }
        line.push_str(&format!(" | {} | {}\n", m.time, m.description));
        p.push_str(&line);
    }
    Ok(p)
}

/// The SQL name of a column type, for the prompt.
fn sql_type(t: &DataType) -> String {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "VARCHAR".to_string(),
        DataType::Int8 | DataType::Int16 | DataType::Int32 => "INT".to_string(),
        DataType::Int64 | DataType::UInt64 | DataType::UInt32 => "BIGINT".to_string(),
        DataType::Float32 | DataType::Float64 => "DOUBLE".to_string(),
        DataType::Decimal128(p, s) | DataType::Decimal256(p, s) => format!("DECIMAL({p},{s})"),
        DataType::Boolean => "BOOLEAN".to_string(),
        DataType::Date32 | DataType::Date64 => "DATE".to_string(),
        DataType::Timestamp(_, Some(tz)) => format!("TIMESTAMP ({tz})"),
        DataType::Timestamp(_, None) => "TIMESTAMP".to_string(),
        DataType::List(f) | DataType::LargeList(f) => format!("{}[]", sql_type(f.data_type())),
        other => other.to_string(),
    }
}

/// Runs checked SQL in `engine`'s session with the engine's read-only
/// options, giving up after `timeout`.
///
/// The query runs on a thread of its own: a DataFusion operator busy with
/// rows already in memory (a cross join, say) may not yield to the runtime
/// for a long time, and a timer on the same thread could then not fire. So
/// the caller gets its answer at the deadline whatever the query does, and
/// the query's own runtime drops it at its next yield point.
pub async fn run(
    engine: &SqlEngine,
    checked: &Checked,
    timeout: Duration,
) -> Result<(SchemaRef, Vec<RecordBatch>), LlmError> {
    let secs = timeout.as_secs().max(1);
    let ctx = engine.context().clone();
    let sql = checked.sql.clone();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("huaxiang-llm-sql".to_string())
        .spawn(move || {
            let result = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt.block_on(async {
                    tokio::time::timeout(timeout, collect(&ctx, &sql))
                        .await
                        .unwrap_or(Err(LlmError::QueryTimeout(secs)))
                }),
                Err(e) => Err(LlmError::Query(format!("cannot start the query runtime: {e}"))),
            };
            // The caller may have given up already.
            let _ = tx.send(result);
        });
    if let Err(e) = spawned {
        return Err(LlmError::Query(format!("cannot start the query thread: {e}")));
    }
    match tokio::time::timeout(timeout, rx).await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err(LlmError::Query("the query thread stopped without a result".to_string())),
        Err(_) => Err(LlmError::QueryTimeout(secs)),
    }
}

/// What [`SqlEngine::query`] does, with a yield after every batch so a
/// deadline is noticed between batches.
async fn collect(ctx: &SessionContext, sql: &str) -> Result<(SchemaRef, Vec<RecordBatch>), LlmError> {
    let failed = |e: datafusion::error::DataFusionError| LlmError::Query(e.to_string().chars().take(300).collect());
    let options = SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false);
    let df = ctx.sql_with_options(sql, options).await.map_err(failed)?;
    let schema: SchemaRef = std::sync::Arc::new(df.schema().as_arrow().clone());
    let mut stream = df.execute_stream().await.map_err(failed)?;
    let mut batches = Vec::new();
    while let Some(batch) = stream.next().await {
        batches.push(batch.map_err(failed)?);
        tokio::task::yield_now().await;
    }
    Ok((schema, batches))
}

/// Asks the model for SQL answering `question`, checks it and runs it.
pub async fn ask(
    settings: &LlmSettings,
    engine: &SqlEngine,
    catalog: &Catalog,
    env: &Env,
    question: &str,
) -> Result<ModelResult, LlmError> {
    let client = LlmClient::new(settings)?;
    let policy = policy(env, settings.max_rows);
    let system = system_prompt(engine, catalog, env, &policy).await?;
    let reply = client.complete(&system, question.trim()).await?;
    let sql = extract_sql(&reply)?;
    let checked = sql_guard::check(&sql, &policy)?;
    let (schema, batches) = run(engine, &checked, Duration::from_secs(settings.timeout_secs)).await?;
    Ok(ModelResult {
        model: settings.model.clone(),
        checked,
        schema,
        batches,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_is_taken_from_fences_or_plain_text() {
        let plain = extract_sql("  SELECT 1 LIMIT 1  ").expect("plain");
        assert_eq!(plain, "SELECT 1 LIMIT 1");
        let fenced = extract_sql("Here you go:\n```sql\nSELECT channel\nFROM orders LIMIT 5;\n```\nThis counts …")
            .expect("fenced");
        assert_eq!(fenced, "SELECT channel\nFROM orders LIMIT 5;");
        let bare = extract_sql("```\nSELECT 2 LIMIT 1\n```").expect("bare fence");
        assert_eq!(bare, "SELECT 2 LIMIT 1");
        let one_line = extract_sql("```SELECT 3 LIMIT 1```").expect("one line");
        assert_eq!(one_line, "SELECT 3 LIMIT 1");
        let unclosed = extract_sql("```sql\nSELECT 4 LIMIT 1").expect("unclosed");
        assert_eq!(unclosed, "SELECT 4 LIMIT 1");
        let thought = extract_sql("<think>maybe ```DROP```</think>\n```sql\nSELECT 5 LIMIT 1\n```").expect("think");
        assert_eq!(thought, "SELECT 5 LIMIT 1");
        match extract_sql("NO_SQL: the data has no weather") {
            Err(LlmError::Declined(r)) => assert_eq!(r, "the data has no weather"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(extract_sql("   "), Err(LlmError::Refused(GuardError::Empty))));
        assert!(matches!(
            extract_sql("```sql\n```"),
            Err(LlmError::Refused(GuardError::Empty))
        ));
    }

    #[test]
    fn replies_are_read_from_choices() {
        let v = json!({"choices": [{"message": {"role": "assistant", "content": "SELECT 1"}}]});
        assert_eq!(content(&v).as_deref(), Some("SELECT 1"));
        let parts = json!({"choices": [{"message": {"content": [{"type": "text", "text": "SELECT "}, {"type": "text", "text": "2"}]}}]});
        assert_eq!(content(&parts).as_deref(), Some("SELECT 2"));
        assert_eq!(content(&json!({"choices": []})), None);
        assert_eq!(content(&json!({"error": "x"})), None);
    }

    #[test]
    fn every_failure_has_a_chinese_reason() {
        let all = [
            LlmError::MissingKey("K".into()),
            LlmError::Client("x".into()),
            LlmError::Request {
                url: "u".into(),
                message: "m".into(),
            },
            LlmError::Timeout(20),
            LlmError::Status {
                status: 500,
                body: "b".into(),
            },
            LlmError::Reply("r".into()),
            LlmError::Declined("d".into()),
            LlmError::Refused(GuardError::NoLimit(5)),
            LlmError::Query("q".into()),
            LlmError::QueryTimeout(20),
            LlmError::Schema("s".into()),
        ];
        for e in all {
            assert!(crate::text::is_chinese(&e.zh()), "{e}");
        }
    }
}
