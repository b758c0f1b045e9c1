//! Answering over a workspace: vocabulary from the data, the metric query,
//! the chart and one sentence.

use std::collections::HashSet;

use arrow::array::{Array, StringArray};
use huaxiang_core::config::LlmSettings;
use huaxiang_metrics::{Catalog, Env, Outcome, Query, result};
use huaxiang_store::Workspace;
use huaxiang_store::sql::SqlEngine;
use huaxiang_store::table::plain_strings;
use serde::Serialize;
use serde_json::{Value, json};

use crate::parse::{ChartKind, Intent, Lang, Order, Parsed, parse};
use crate::vocab::Vocabulary;

/// What can go wrong while answering (not: a question that cannot be answered).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Metric(#[from] huaxiang_metrics::Error),
    #[error(transparent)]
    Store(#[from] huaxiang_store::StoreError),
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
}

/// The answer to a question, with exactly the keys of the nlq answer format.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    /// The parsed intent (`status`: ok, ambiguous or unanswerable).
    pub intent: Value,
    /// The SQL that ran (several statements for a comparison); null when nothing ran.
    pub sql: Option<String>,
    pub columns: Vec<String>,
    /// Unrounded values; null when nothing ran.
    pub rows: Option<Vec<Vec<Value>>>,
    pub chart: Value,
    /// One sentence in the question's language (numbers rounded here only).
    pub answer: String,
}

/// Reads the words of a workspace: the catalog, the as-of day, and the
/// distinct values of the dimensions, tags and segments in the data.
pub async fn vocabulary(engine: &SqlEngine, catalog: &Catalog, env: &Env) -> Result<Vocabulary, Error> {
    let rows = value_rows(engine, env).await?;
    Ok(apply(Vocabulary::new(catalog, env.as_of), rows))
}

/// The tables the vocabulary's values come from.
const SOURCES: [&str; 6] = [
    "person_attributes",
    "orders",
    "order_items",
    "segments",
    "tags",
    "tag_coverage",
];

/// The file that keeps the values between questions.
const CACHE: &str = "nlq_vocabulary.json";

#[derive(serde::Serialize, serde::Deserialize)]
struct Cached {
    key: String,
    rows: Vec<(String, String)>,
}

/// What the values depend on: the as-of day and the latest commit of each source table.
fn cache_key(ws: &Workspace, env: &Env) -> String {
    let mut key = format!("{} {:?}", env.as_of, env.as_of_source);
    for t in SOURCES {
        let log = ws.dir().join("tables").join(t).join("_delta_log");
        let latest = std::fs::read_dir(&log)
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(".json"))
                    .max()
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        key.push_str(&format!(" {t}={latest}"));
    }
    key
}

/// [`vocabulary`], with the values kept in `meta/` until a source table or the as-of day changes.
pub async fn cached_vocabulary(
    ws: &Workspace,
    engine: &SqlEngine,
    catalog: &Catalog,
    env: &Env,
) -> Result<Vocabulary, Error> {
    let key = cache_key(ws, env);
    let path = ws.meta_dir().join(CACHE);
    let rows = match huaxiang_store::meta::read_json::<Cached>(&path) {
        Ok(Some(c)) if c.key == key => c.rows,
        _ => {
            let rows = value_rows(engine, env).await?;
            // A read-only workspace still answers; it only reads the values again next time.
            let _ = huaxiang_store::meta::write_json(
                &path,
                &Cached {
                    key,
                    rows: rows.clone(),
                },
            );
            rows
        }
    };
    Ok(apply(Vocabulary::new(catalog, env.as_of), rows))
}

fn apply(mut vocab: Vocabulary, rows: Vec<(String, String)>) -> Vocabulary {
    let mut tag_values: Vec<(String, String)> = Vec::new();
    for (d, v) in rows {
        if let Some(def) = d.strip_prefix("tagdef:") {
            let (id, kind) = def.split_once('\t').unwrap_or((def, ""));
            let (zh, en) = v.split_once('\t').unwrap_or((v.as_str(), ""));
            vocab.add_tag(id, zh, en, kind == "bool" || kind == "boolean");
        } else if let Some(id) = d.strip_prefix("tag:") {
            tag_values.push((id.to_string(), v));
        } else if d == "segment" {
            vocab.add_segment(&v);
        } else {
            vocab.add_value(&d, &v, []);
        }
    }
    for (id, v) in tag_values {
        vocab.add_tag_value(&id, &v);
    }
    vocab
}

/// The (dimension, value) rows of the vocabulary query.
async fn value_rows(engine: &SqlEngine, env: &Env) -> Result<Vec<(String, String)>, Error> {
    let mut parts: Vec<String> = Vec::new();
    if env.has("person_attributes") {
        for c in [
            "city",
            "city_tier",
            "member_level",
            "gender",
            "age_band",
            "acquisition_channel",
        ] {
            parts.push(format!(
                "SELECT '{c}' AS d, CAST({c} AS VARCHAR) AS v FROM (SELECT DISTINCT {c} FROM person_attributes)"
            ));
        }
    }
    if env.has("orders") {
        parts.push("SELECT 'channel', CAST(channel AS VARCHAR) FROM (SELECT DISTINCT channel FROM orders)".into());
    }
    if env.has("order_items") {
        parts.push(
            "SELECT 'category', CAST(category AS VARCHAR) FROM (SELECT DISTINCT category FROM order_items)".into(),
        );
    }
    if env.has("segments") {
        parts.push("SELECT 'segment', CAST(name AS VARCHAR) FROM segments WHERE current".into());
    }
    if env.has("tags") {
        parts.push(
            "SELECT concat('tagdef:', CAST(tag_id AS VARCHAR), '\t', CAST(value_type AS VARCHAR)), \
             concat(CAST(name_zh AS VARCHAR), '\t', CAST(name_en AS VARCHAR)) FROM tags WHERE current"
                .into(),
        );
    }
    if env.has("tag_coverage") {
        parts.push(
            "SELECT concat('tag:', CAST(tag_id AS VARCHAR)), CAST(value AS VARCHAR) FROM tag_coverage \
             WHERE build_id = (SELECT max(build_id) FROM tag_coverage) AND value IS NOT NULL \
             AND tag_id IN (SELECT tag_id FROM tag_coverage GROUP BY tag_id HAVING count(*) <= 40)"
                .into(),
        );
    }
    if parts.is_empty() {
        return Ok(Vec::new());
    }
    let (_, batches) = engine.query(&parts.join(" UNION ALL ")).await?;
    let mut rows = Vec::new();
    for b in batches {
        let b = plain_strings(&b)?;
        let (Some(d), Some(v)) = (
            b.column(0).as_any().downcast_ref::<StringArray>(),
            b.column(1).as_any().downcast_ref::<StringArray>(),
        ) else {
            continue;
        };
        for i in 0..b.num_rows() {
            if d.is_null(i) || v.is_null(i) || v.value(i).trim().is_empty() {
                continue;
            }
            rows.push((d.value(i).to_string(), v.value(i).to_string()));
        }
    }
    rows.sort();
    rows.dedup();
    Ok(rows)
}

/// Answers `question` over the workspace `ws`, with the language-model
/// fallback of its `[ask.llm]` when it has one.
pub async fn answer(ws: &Workspace, question: &str) -> Result<Answer, Error> {
    answer_with(ws, question, ws.config().ask.llm.as_ref()).await
}

/// Answers `question` over `ws`; a question the offline parser cannot answer
/// goes to the model of `llm` when given ([`crate::llm`]).
pub async fn answer_with(ws: &Workspace, question: &str, llm: Option<&LlmSettings>) -> Result<Answer, Error> {
    let catalog = Catalog::load(ws.dir())?;
    // Never revealed: the model's SQL sees personal data masked, like `huaxiang sql`.
    let engine = SqlEngine::new(ws, false).await?;
    let env = Env::read(ws, &engine).await?;
    let vocab = cached_vocabulary(ws, &engine, &catalog, &env).await?;
    let parsed = parse(question, &vocab);
    match (parsed, llm) {
        (offline @ Parsed::Unanswerable { .. }, Some(settings)) => {
            Ok(fallback(settings, &engine, &catalog, &env, question, offline).await)
        }
        (parsed, _) => respond(&engine, &catalog, &env, parsed).await,
    }
}

impl Answer {
    /// Whether the same question on the same data gets the same answer, so
    /// it may be kept: not when the model fallback failed (a timeout or an
    /// unreachable server may pass).
    pub fn cacheable(&self) -> bool {
        self.intent.get("llm_error").is_none()
    }
}

/// The intent as JSON, marked with where the answer came from.
fn intent_value(parsed: &Parsed, source: &str) -> Value {
    let mut v = serde_json::to_value(parsed).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.insert("source".to_string(), Value::String(source.to_string()));
    }
    v
}

/// The model's answer to a question the parser could not answer, or the
/// parser's refusal with the model's failure added. Never an error: a bad
/// reply, an unreachable server or refused SQL is a reason, not a failure.
async fn fallback(
    settings: &LlmSettings,
    engine: &SqlEngine,
    catalog: &Catalog,
    env: &Env,
    question: &str,
    offline: Parsed,
) -> Answer {
    let Parsed::Unanswerable {
        reason,
        suggestions,
        lang,
    } = &offline
    else {
        return empty(intent_value(&offline, "offline"), String::new());
    };
    let zh = *lang == Lang::Zh;
    let failure = match crate::llm::ask(settings, engine, catalog, env, question).await {
        Ok(result) => match model_answer(result, question, *lang) {
            Ok(a) => return a,
            Err(e) => crate::llm::LlmError::Query(e.to_string()),
        },
        Err(e) => e,
    };
    let why = if zh { failure.zh() } else { failure.to_string() };
    let mut intent = intent_value(&offline, "offline");
    if let Value::Object(m) = &mut intent {
        m.insert("llm_error".to_string(), Value::String(why.clone()));
        m.insert("model".to_string(), Value::String(settings.model.clone()));
    }
    let hint = suggestions.first().map(String::as_str).unwrap_or("");
    let answer = if zh {
        format!("{reason} 大模型兜底也未能回答：{why}。{hint}")
    } else {
        format!("{reason} The language-model fallback could not answer either: {why}. {hint}")
    };
    empty(intent, answer.trim().to_string())
}

/// The answer made of the rows the model's SQL returned.
fn model_answer(result: crate::llm::ModelResult, question: &str, lang: Lang) -> Result<Answer, Error> {
    let batches = result::plain(result.batches)?;
    let schema = batches.first().map(|b| b.schema()).unwrap_or(result.schema);
    let columns: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let rows = result::json_rows(&batches)?;
    let kinds: Vec<Kind> = schema.fields().iter().map(|f| kind(f.name(), f.data_type())).collect();
    let chart = model_chart(&columns, &kinds, rows.len(), question);
    let answer = model_sentence(&columns, &rows, lang);
    Ok(Answer {
        intent: json!({
            "status": "ok",
            "source": "llm",
            "model": result.model,
            "lang": lang,
            "tables": result.checked.tables,
            "limit": result.checked.limit,
        }),
        sql: Some(result.checked.sql),
        columns,
        rows: Some(rows),
        chart,
        answer,
    })
}

/// What a result column holds, for the chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Time,
    Number,
    Text,
}

fn kind(name: &str, t: &arrow::datatypes::DataType) -> Kind {
    use arrow::datatypes::DataType as D;
    let n = name.to_ascii_lowercase();
    let time_name = ["day", "date", "week", "month", "quarter", "year", "period", "time"]
        .iter()
        .any(|w| n == *w || n.ends_with(&format!("_{w}")) || n.starts_with(&format!("{w}_")));
    match t {
        D::Date32 | D::Date64 | D::Timestamp(..) => Kind::Time,
        _ if time_name && !n.ends_with("_count") => Kind::Time,
        t if t.is_numeric() => Kind::Number,
        _ => Kind::Text,
    }
}

/// The chart rules of the offline answers: a time axis and a number is a
/// line, one label and one number a bar, anything else a table.
fn model_chart(columns: &[String], kinds: &[Kind], rows: usize, question: &str) -> Value {
    let title: String = question.trim().chars().take(60).collect();
    let last = kinds.len().saturating_sub(1);
    let number_last = kinds.last() == Some(&Kind::Number);
    let kind = if rows < 2 || !number_last || kinds.len() < 2 {
        "table"
    } else if kinds[0] == Kind::Time && kinds[1..last].iter().all(|k| *k != Kind::Number) {
        "line"
    } else if kinds.len() == 2 && kinds[0] == Kind::Text {
        "bar"
    } else {
        "table"
    };
    let (x, y, series) = if kind == "table" {
        (None, None, None)
    } else {
        (
            columns.first().cloned(),
            columns.last().cloned(),
            (kind == "line" && kinds.len() == 3).then(|| columns[1].clone()),
        )
    };
    json!({"type": kind, "x": x, "y": y, "series": series, "title": title})
}

/// A cell for reading: numbers grouped and rounded (only here), text as is.
fn cell_text(v: &Value) -> String {
    match v {
        Value::Number(n) if n.is_i64() || n.is_u64() => group(&n.to_string()),
        Value::Number(n) => match n.as_f64() {
            Some(x) if x.abs() < 1.0 && x != 0.0 => format!("{x:.4}"),
            Some(x) => group(&format!("{x:.2}")),
            None => n.to_string(),
        },
        Value::Null => "—".to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One sentence saying the numbers come from the model's SQL, with the first rows.
fn model_sentence(columns: &[String], rows: &[Vec<Value>], lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    if rows.is_empty() {
        return if zh {
            "模型编写的 SQL 经校验后已执行，没有返回数据。".to_string()
        } else {
            "The SQL written by the model was validated and run, and returned no rows.".to_string()
        };
    }
    if rows.len() == 1 && columns.len() == 1 {
        let v = cell_text(&rows[0][0]);
        return if zh {
            format!("根据模型编写并经校验的 SQL 的查询结果，{} 为 {v}。", columns[0])
        } else {
            format!(
                "By the SQL the model wrote (validated, then run), {} is {v}.",
                columns[0]
            )
        };
    }
    let shown: Vec<String> = rows
        .iter()
        .take(3)
        .map(|r| {
            let cells: Vec<String> = r.iter().map(cell_text).collect();
            match cells.split_last() {
                Some((last, labels)) if !labels.is_empty() => format!("{} {last}", labels.join(" / ")),
                _ => cells.join(" / "),
            }
        })
        .collect();
    let more = rows.len() > 3;
    if zh {
        format!(
            "根据模型编写并经校验的 SQL 的查询结果（共 {} 行）：{}{}。",
            rows.len(),
            shown.join("，"),
            if more { "等" } else { "" }
        )
    } else {
        let lead = if more { "the first 3: " } else { "" };
        format!(
            "By the SQL the model wrote (validated, then run), {} rows; {lead}{}.",
            rows.len(),
            shown.join("; ")
        )
    }
}

/// Runs a parsed question.
pub async fn respond(engine: &SqlEngine, catalog: &Catalog, env: &Env, parsed: Parsed) -> Result<Answer, Error> {
    let intent_json = intent_value(&parsed, "offline");
    let intent = match parsed {
        Parsed::Ok(i) => i,
        Parsed::Ambiguous { candidates, lang } => {
            let list: Vec<String> = candidates.iter().map(|c| describe(c, lang)).collect();
            let answer = match lang {
                Lang::Zh => format!("问题有多种理解，请选择一种：{}。", list.join("；")),
                Lang::En => format!(
                    "The question can be read in several ways; please pick one: {}.",
                    list.join("; ")
                ),
            };
            return Ok(empty(intent_json, answer));
        }
        Parsed::Unanswerable {
            reason,
            suggestions,
            lang,
        } => {
            let answer = format!("{reason} {}", suggestions.first().map(String::as_str).unwrap_or(""))
                .trim()
                .to_string();
            let _ = lang;
            return Ok(empty(intent_json, answer));
        }
    };
    let metric = catalog.find(&intent.metric)?;
    let mut periods = vec![intent.time.clone()];
    periods.extend(intent.comparison.iter().cloned());
    let compare = periods.len() > 1;
    let mut sqls = Vec::new();
    let mut columns: Vec<String> = Vec::new();
    let mut rows: Vec<Vec<Value>> = Vec::new();
    for p in &periods {
        let req = intent.request(p);
        let range = req.range.resolve(env.as_of);
        let query = Query::new(metric, &req.by, req.filter.as_deref(), range, req.sort, req.limit, env)?;
        let sql = query.sql(env);
        let (schema, batches) = engine.query(&sql).await.map_err(|e| huaxiang_metrics::Error::Query {
            metric: metric.id.clone(),
            message: e.to_string(),
            sql: sql.clone(),
        })?;
        let batches = result::plain(batches)?;
        let schema = batches.first().map(|b| b.schema()).unwrap_or(schema);
        let out = Outcome {
            query,
            sql: sql.clone(),
            as_of: env.as_of,
            as_of_source: env.as_of_source,
            schema,
            batches,
        };
        let v = out.json()?;
        let cols: Vec<String> = v["columns"]
            .as_array()
            .map(|a| a.iter().filter_map(|c| c.as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        let got: Vec<Vec<Value>> = v["rows"]
            .as_array()
            .map(|a| a.iter().filter_map(|r| r.as_array().cloned()).collect())
            .unwrap_or_default();
        if compare {
            if columns.is_empty() {
                columns = std::iter::once("period".to_string()).chain(cols).collect();
            }
            if got.is_empty() {
                rows.push(vec![Value::String(p.label.clone()), Value::Null]);
            }
            for mut r in got {
                r.insert(0, Value::String(p.label.clone()));
                rows.push(r);
            }
        } else {
            columns = cols;
            rows = got;
        }
        sqls.push(sql);
    }
    let dims = intent.dimensions.len() + usize::from(compare);
    if intent.share && !compare && intent.dimensions.len() == 1 {
        let total: f64 = rows.iter().filter_map(|r| r.get(dims).and_then(Value::as_f64)).sum();
        for r in &mut rows {
            let share = r
                .get(dims)
                .and_then(Value::as_f64)
                .filter(|_| total > 0.0)
                .map(|v| v / total);
            r.push(
                share
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
                    .unwrap_or(Value::Null),
            );
        }
        columns.push("share".to_string());
    }
    if !intent.focus.is_empty() {
        let focus: HashSet<&str> = intent.focus.iter().map(String::as_str).collect();
        rows.sort_by_key(|r| !r.first().is_some_and(|c| focus.contains(label(c).as_str())));
    }
    let chart = chart(&intent, &columns, compare);
    let sentence = sentence(&intent, &rows, dims, compare, &periods);
    Ok(Answer {
        intent: intent_json,
        sql: Some(sqls.join(";\n")),
        columns,
        rows: Some(rows),
        chart,
        answer: sentence,
    })
}

fn empty(intent: Value, answer: String) -> Answer {
    Answer {
        intent,
        sql: None,
        columns: Vec::new(),
        rows: None,
        chart: json!({"type": "none"}),
        answer,
    }
}

fn label(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "(unknown)".to_string(),
        other => other.to_string(),
    }
}

fn chart(intent: &Intent, columns: &[String], compare: bool) -> Value {
    let kind = match intent.chart {
        ChartKind::Line => "line",
        ChartKind::Bar => "bar",
        ChartKind::Pie => "pie",
        ChartKind::Table => "table",
    };
    let y = intent.metric.clone();
    let x = columns
        .first()
        .filter(|_| compare || !intent.dimensions.is_empty())
        .cloned();
    let series = if compare {
        intent.dimensions.first().cloned()
    } else {
        intent.dimensions.get(1).cloned()
    };
    let when = match (intent.time.label.as_str(), intent.lang) {
        ("all", Lang::Zh) => "全部时间",
        ("all", Lang::En) => "all time",
        (l, _) => l,
    };
    let title = match intent.lang {
        Lang::Zh => format!("{}（{when}）", intent.metric_name),
        Lang::En => format!("{} ({when})", intent.metric_name),
    };
    json!({
        "type": kind,
        "x": x,
        "y": if intent.share && intent.chart == ChartKind::Pie { "share".to_string() } else { y },
        "series": series,
        "title": title,
    })
}

/// A metric value for reading: rates as percentages, amounts to cents, counts whole.
fn show(metric: &str, v: &Value) -> String {
    let Some(x) = v.as_f64() else {
        return "—".to_string();
    };
    if metric.ends_with("_rate") {
        return format!("{:.2}%", x * 100.0);
    }
    if metric == "average_rating" {
        return format!("{x:.2}");
    }
    let whole = v.is_i64() || v.is_u64();
    let text = if whole { format!("{x:.0}") } else { format!("{x:.2}") };
    group(&text)
}

fn group(text: &str) -> String {
    let (sign, rest) = text.strip_prefix('-').map_or(("", text), |r| ("-", r));
    let (int, frac) = rest.split_once('.').map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

fn range_text(t: &crate::parse::TimeRange, lang: Lang) -> String {
    match (&t.from, lang) {
        (None, Lang::Zh) => format!("截至 {}", t.to),
        (None, Lang::En) => format!("up to {}", t.to),
        (Some(f), Lang::Zh) if *f == t.to => f.clone(),
        (Some(f), Lang::Zh) => format!("{f} 至 {}", t.to),
        (Some(f), Lang::En) if *f == t.to => format!("on {f}"),
        (Some(f), Lang::En) => format!("from {f} to {}", t.to),
    }
}

fn filters_text(intent: &Intent) -> String {
    intent
        .filters
        .iter()
        .map(|f| format!("{}={}", f.dimension, f.values.join("/")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One line describing a candidate reading.
fn describe(i: &Intent, lang: Lang) -> String {
    let mut s = format!("{} [{}]", i.metric_name, i.metric);
    if !i.dimensions.is_empty() {
        s.push_str(&format!(" by {}", i.dimensions.join(", ")));
    }
    let f = filters_text(i);
    if !f.is_empty() {
        s.push_str(&format!(" where {f}"));
    }
    s.push_str(&format!(" ({})", range_text(&i.time, lang)));
    s
}

fn sentence(
    intent: &Intent,
    rows: &[Vec<Value>],
    dims: usize,
    compare: bool,
    periods: &[crate::parse::TimeRange],
) -> String {
    let zh = intent.lang == Lang::Zh;
    let m = &intent.metric_name;
    let when = range_text(&intent.time, intent.lang);
    let f = filters_text(intent);
    let scope = if f.is_empty() {
        String::new()
    } else if zh {
        format!("（{f}）")
    } else {
        format!(" ({f})")
    };
    let val = |r: &Vec<Value>| show(&intent.metric, r.get(dims).unwrap_or(&Value::Null));
    let lab = |r: &Vec<Value>| {
        (0..dims)
            .map(|i| label(r.get(i).unwrap_or(&Value::Null)))
            .collect::<Vec<_>>()
            .join(" / ")
    };
    if rows.is_empty() {
        return if zh {
            format!("{when}{scope}没有符合条件的数据。")
        } else {
            format!("There is no matching data {when}{scope}.")
        };
    }
    if compare && intent.dimensions.is_empty() {
        let parts: Vec<String> = rows.iter().map(|r| format!("{} {}", lab(r), val(r))).collect();
        let change = match (
            rows.first().and_then(|r| r.get(1)?.as_f64()),
            rows.get(1).and_then(|r| r.get(1)?.as_f64()),
        ) {
            (Some(a), Some(b)) if b != 0.0 => Some((a - b) / b * 100.0),
            _ => None,
        };
        let _ = periods;
        return match (zh, change) {
            (true, Some(c)) => format!("{m}{scope}：{}，前者较后者变化 {c:+.2}%。", parts.join("，")),
            (true, None) => format!("{m}{scope}：{}。", parts.join("，")),
            (false, Some(c)) => format!(
                "{m}{scope}: {}; the first differs from the second by {c:+.2}%.",
                parts.join(", ")
            ),
            (false, None) => format!("{m}{scope}: {}.", parts.join(", ")),
        };
    }
    if dims == 0 {
        let v = val(&rows[0]);
        return if zh {
            format!("{when}{scope}的{m}为 {v}。")
        } else {
            format!("The {m}{scope} {when} is {v}.")
        };
    }
    let shown: Vec<String> = rows.iter().take(5).map(|r| format!("{} {}", lab(r), val(r))).collect();
    let more = rows.len().saturating_sub(5);
    if intent.sort != Order::Label {
        let best = &rows[0];
        let word = match (zh, intent.sort) {
            (true, Order::Asc) => "最低",
            (true, _) => "最高",
            (false, Order::Asc) => "lowest",
            (false, _) => "highest",
        };
        return if zh {
            format!(
                "{when}{scope}{m}{word}的是 {}（{}）；排名：{}。",
                lab(best),
                val(best),
                shown.join("，")
            )
        } else {
            format!(
                "{when}{scope}, {} has the {word} {m} ({}); ranking: {}.",
                lab(best),
                val(best),
                shown.join(", ")
            )
        };
    }
    if intent.share && intent.dimensions.len() == 1 {
        let shares: Vec<String> = rows
            .iter()
            .take(5)
            .map(|r| {
                let s = r
                    .get(dims + 1)
                    .and_then(Value::as_f64)
                    .map(|x| format!("{:.2}%", x * 100.0))
                    .unwrap_or_default();
                format!("{} {s}", lab(r))
            })
            .collect();
        return if zh {
            format!("{when}{scope}{m}的占比：{}。", shares.join("，"))
        } else {
            format!("Shares of {m}{scope} {when}: {}.", shares.join(", "))
        };
    }
    let tail = if more > 0 {
        if zh {
            format!("等（共 {} 组）", rows.len())
        } else {
            format!(", … ({} groups)", rows.len())
        }
    } else {
        String::new()
    };
    if zh {
        format!(
            "{when}{scope}按 {} 的{m}：{}{tail}。",
            intent.dimensions.join("、"),
            shown.join("，")
        )
    } else {
        format!(
            "{m}{scope} by {} {when}: {}{tail}.",
            intent.dimensions.join(", "),
            shown.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_rounded_only_for_reading() {
        assert_eq!(show("gmv", &json!(946211.9700000001)), "946,211.97");
        assert_eq!(show("orders", &json!(2825)), "2,825");
        assert_eq!(show("refund_rate", &json!(0.037322046941131205)), "3.73%");
        assert_eq!(show("average_rating", &json!(2.920546244568591)), "2.92");
        assert_eq!(group("-1234567.5"), "-1,234,567.5");
    }

    #[test]
    fn model_results_get_the_offline_chart_rules() {
        use arrow::datatypes::{DataType, TimeUnit};
        let cols = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let month = kind("month", &DataType::Utf8);
        let ts = kind(
            "first_day",
            &DataType::Timestamp(TimeUnit::Microsecond, Some("Asia/Shanghai".into())),
        );
        let num = kind("gmv", &DataType::Float64);
        let text = kind("channel", &DataType::Utf8);
        assert_eq!(
            (month, ts, num, text),
            (Kind::Time, Kind::Time, Kind::Number, Kind::Text)
        );
        let line = model_chart(&cols(&["month", "gmv"]), &[month, num], 12, "q");
        assert_eq!(
            (line["type"].as_str(), line["x"].as_str()),
            (Some("line"), Some("month"))
        );
        let series = model_chart(&cols(&["month", "channel", "gmv"]), &[month, text, num], 24, "q");
        assert_eq!(
            (series["type"].as_str(), series["series"].as_str()),
            (Some("line"), Some("channel"))
        );
        let bar = model_chart(&cols(&["channel", "gmv"]), &[text, num], 4, "q");
        assert_eq!((bar["type"].as_str(), bar["y"].as_str()), (Some("bar"), Some("gmv")));
        for (kinds, rows) in [
            (vec![text, num], 1),
            (vec![num], 5),
            (vec![text, text], 5),
            (vec![text, text, num], 5),
            (vec![num, text], 5),
        ] {
            let names: Vec<String> = (0..kinds.len()).map(|i| format!("c{i}")).collect();
            assert_eq!(model_chart(&names, &kinds, rows, "q")["type"], "table", "{kinds:?}");
        }
    }

    #[test]
    fn model_sentences_say_where_the_numbers_come_from() {
        let cols = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let one = model_sentence(&cols(&["gmv"]), &[vec![json!(946211.9700000001)]], Lang::Zh);
        assert_eq!(one, "根据模型编写并经校验的 SQL 的查询结果，gmv 为 946,211.97。");
        let rows: Vec<Vec<Value>> = (0..5).map(|i| vec![json!(format!("c{i}")), json!(1000 + i)]).collect();
        let en = model_sentence(&cols(&["channel", "n"]), &rows, Lang::En);
        assert_eq!(
            en,
            "By the SQL the model wrote (validated, then run), 5 rows; the first 3: c0 1,000; c1 1,001; c2 1,002."
        );
        assert!(model_sentence(&cols(&["n"]), &[], Lang::En).contains("no rows"));
        assert!(model_sentence(&cols(&["n"]), &[], Lang::Zh).contains("没有返回数据"));
    }
}
