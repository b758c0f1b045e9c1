//! The language-model fallback against a local server that speaks the OpenAI
//! chat-completions protocol: scripted replies, recorded requests, and a small
//! built demo workspace (150 customers, customers and orders only).

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use huaxiang_core::config::LlmSettings;
use huaxiang_nlq::{Answer, answer, answer_with, llm, sql_guard};
use huaxiang_store::Workspace;
use huaxiang_store::sql::SqlEngine;
use serde_json::{Value, json};

/// A question the offline parser answers.
const OFFLINE_ZH: &str = "今年的GMV是多少？";
/// Questions it refuses (no metric of the catalog in them).
const OPEN_ZH: &str = "每个销售渠道分别有多少笔记录？";
const OPEN_EN: &str = "How many records does each sales channel have?";

/// What the scripted model does for one request.
#[derive(Clone)]
enum Reply {
    /// A chat completion whose message is this text.
    Says(String),
    /// This status and body.
    Status(u16, String),
    /// HTTP 200 with this body as it is.
    Raw(String),
    /// [`Reply::Says`] after a pause.
    Slow(Duration, String),
}

/// The authorization header and the body of one request.
type Recorded = (Option<String>, Value);

#[derive(Clone, Default)]
struct Script {
    replies: Arc<Mutex<VecDeque<Reply>>>,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

/// A running fake model server.
struct Model {
    base_url: String,
    script: Script,
}

impl Model {
    async fn start(replies: Vec<Reply>) -> Model {
        let script = Script {
            replies: Arc::new(Mutex::new(replies.into())),
            requests: Arc::default(),
        };
        let app = Router::new()
            .route("/v1/chat/completions", post(completions))
            .with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Model {
            base_url: format!("http://{addr}/v1"),
            script,
        }
    }

    fn settings(&self) -> LlmSettings {
        LlmSettings {
            base_url: self.base_url.clone(),
            model: "scripted-sql-7b".to_string(),
            api_key_env: None,
            timeout_secs: 5,
            max_rows: 100,
        }
    }

    fn requests(&self) -> Vec<Recorded> {
        self.script.requests.lock().expect("lock").clone()
    }
}

async fn completions(State(script): State<Script>, headers: HeaderMap, body: Bytes) -> Response {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let parsed = serde_json::from_slice(&body).unwrap_or(Value::Null);
    script.requests.lock().expect("lock").push((auth, parsed));
    let next = script.replies.lock().expect("lock").pop_front();
    let says = |text: String| {
        let body = json!({
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": "scripted-sql-7b",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        });
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response()
    };
    match next {
        Some(Reply::Says(text)) => says(text),
        Some(Reply::Slow(pause, text)) => {
            tokio::time::sleep(pause).await;
            says(text)
        }
        Some(Reply::Status(code, body)) => (
            StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            body,
        )
            .into_response(),
        Some(Reply::Raw(body)) => (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body).into_response(),
        None => (StatusCode::INTERNAL_SERVER_ERROR, "no scripted reply left").into_response(),
    }
}

/// The built demo workspace, made once per test process under the target's
/// temporary folder; folders of processes that have ended are removed.
fn workspace() -> Workspace {
    static WS: OnceLock<PathBuf> = OnceLock::new();
    let dir = WS.get_or_init(|| {
        let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("nlq-llm");
        std::fs::create_dir_all(&base).expect("tmp dir");
        for e in std::fs::read_dir(&base).expect("read tmp").flatten() {
            let alive = e
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
                .is_some_and(|pid| Path::new("/proc").join(pid.to_string()).exists());
            if !alive {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
        let root = base.join(std::process::id().to_string());
        let _ = std::fs::remove_dir_all(&root);
        // The tests run inside runtimes that must not block: build on a thread of its own.
        let built = root.clone();
        std::thread::spawn(move || build_fixture(&built))
            .join()
            .expect("fixture thread");
        root.join("ws")
    });
    Workspace::open(dir).expect("open workspace")
}

fn build_fixture(root: &Path) {
    use huaxiang_ingest::run::NoProgress;
    use huaxiang_ingest::{IngestRequest, Input};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let ws = Workspace::init(&root.join("ws")).expect("init");
        let data = root.join("data");
        huaxiang_demo::generate(
            &huaxiang_demo::DemoOptions::new().with_customers(150).with_seed(7),
            &data,
        )
        .expect("demo data");
        for table in ["customers", "orders"] {
            let req = IngestRequest {
                table: table.to_string(),
                source: "shop".to_string(),
                mapping: Default::default(),
                inputs: vec![Input::File(data.join(format!("{table}.csv")))],
                batch_rows: ws.config().ingest.batch_rows,
            };
            huaxiang_ingest::ingest(&ws, &req, &NoProgress).await.expect("ingest");
        }
        huaxiang_build::build(&ws, &Default::default()).await.expect("build");
    });
}

/// An environment variable this process surely has, standing in for an API key
/// (tests may not set variables: `unsafe` is forbidden), and its value.
fn key_var() -> (String, String) {
    ["CARGO_PKG_NAME", "CARGO_MANIFEST_DIR", "PATH", "HOME"]
        .into_iter()
        .find_map(|v| {
            std::env::var(v)
                .ok()
                .filter(|x| !x.trim().is_empty())
                .map(|x| (v.to_string(), x.trim().to_string()))
        })
        .expect("some environment variable")
}

/// The rows of `sql` in the masked engine, as the answer's JSON cells.
async fn rows_of(ws: &Workspace, sql: &str) -> Vec<Vec<Value>> {
    let engine = SqlEngine::new(ws, false).await.expect("engine");
    let (_, batches) = engine.query(sql).await.expect("query");
    let batches = huaxiang_metrics::result::plain(batches).expect("plain");
    huaxiang_metrics::result::json_rows(&batches).expect("rows")
}

fn status(a: &Answer) -> &str {
    a.intent["status"].as_str().unwrap_or("")
}

/// A refusal: nothing ran, no number, the offline suggestions and the reason.
fn assert_refused(a: &Answer, needle: &str) {
    assert_eq!(status(a), "unanswerable", "{:#}", a.intent);
    assert_eq!(a.intent["source"], "offline");
    assert!(
        a.sql.is_none() && a.rows.is_none() && a.columns.is_empty(),
        "nothing ran: {a:?}"
    );
    assert_eq!(a.chart["type"], "none");
    let why = a.intent["llm_error"].as_str().unwrap_or_default();
    assert!(why.contains(needle), "`{needle}` not in the reason: {why}");
    assert!(a.answer.contains(why), "the answer gives the reason: {}", a.answer);
    assert!(!a.intent["suggestions"].as_array().is_none_or(Vec::is_empty));
    assert!(!a.cacheable());
}

#[tokio::test]
async fn offline_questions_never_reach_the_model() {
    let ws = workspace();
    let model = Model::start(vec![Reply::Says("SELECT 1 AS n LIMIT 1".into())]).await;
    let a = answer_with(&ws, OFFLINE_ZH, Some(&model.settings()))
        .await
        .expect("answer");
    assert_eq!(status(&a), "ok", "{:#}", a.intent);
    assert_eq!(a.intent["source"], "offline");
    assert_eq!(a.intent["metric"], "gmv");
    assert!(a.cacheable());
    // Without [ask.llm] (the default) a refused question stays refused, offline.
    let a = answer(&ws, OPEN_ZH).await.expect("answer");
    assert_eq!(status(&a), "unanswerable", "{:#}", a.intent);
    assert!(a.intent.get("llm_error").is_none());
    assert!(
        model.requests().is_empty(),
        "the model was called: {:?}",
        model.requests()
    );
}

#[tokio::test]
async fn refused_questions_are_answered_by_the_models_checked_sql() {
    let ws = workspace();
    let sql =
        "SELECT channel, count(*) AS records FROM orders GROUP BY channel ORDER BY records DESC, channel LIMIT 10";
    let model = Model::start(vec![
        Reply::Says(format!(
            "Each order row is one record.\n```sql\n{sql};\n```\nThe query counts orders per channel."
        )),
        Reply::Says(format!("{sql}\n")),
    ])
    .await;
    let (var, key) = key_var();
    let settings = LlmSettings {
        api_key_env: Some(var),
        ..model.settings()
    };
    let a = answer_with(&ws, OPEN_ZH, Some(&settings)).await.expect("answer");
    assert_eq!(status(&a), "ok", "{:#} {}", a.intent, a.answer);
    assert_eq!(a.intent["source"], "llm");
    assert_eq!(a.intent["model"], "scripted-sql-7b");
    assert_eq!(a.intent["tables"], json!(["orders"]));
    assert_eq!(a.sql.as_deref(), Some(sql), "the SQL shown is the SQL that ran");
    assert_eq!(a.columns, ["channel", "records"]);
    let want = rows_of(&ws, sql).await;
    assert!(want.len() >= 2, "demo orders have several channels: {want:?}");
    assert_eq!(a.rows.as_ref(), Some(&want));
    assert_eq!(a.chart["type"], "bar");
    assert_eq!(
        (a.chart["x"].as_str(), a.chart["y"].as_str()),
        (Some("channel"), Some("records"))
    );
    assert!(a.answer.contains("模型") && a.answer.contains("SQL"), "{}", a.answer);
    let first = want[0][0].as_str().expect("a channel");
    assert!(a.answer.contains(first), "{}", a.answer);
    assert!(a.cacheable());

    // What the model was sent.
    let requests = model.requests();
    assert_eq!(requests.len(), 1);
    let (auth, body) = &requests[0];
    assert_eq!(auth.as_deref(), Some(format!("Bearer {key}").as_str()));
    assert_eq!(body["model"], "scripted-sql-7b");
    assert_eq!(body["temperature"], 0);
    let messages = body["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 2);
    assert_eq!(
        (messages[0]["role"].as_str(), messages[1]["role"].as_str()),
        (Some("system"), Some("user"))
    );
    assert_eq!(messages[1]["content"], OPEN_ZH);
    let system = messages[0]["content"].as_str().expect("system prompt");
    for needle in [
        "- orders(order_id VARCHAR",
        "amount DOUBLE",
        "- customers(",
        "phone VARCHAR (masked)",
        "- identity_links(",
        "- gmv | 成交额 / GMV | paid_orders | sum(amount)",
        "paid_orders: SELECT",
        "hx_unique_records AS (",
        "LIMIT n, n at most 100",
        "Asia/Shanghai",
        "NO_SQL",
    ] {
        assert!(system.contains(needle), "`{needle}` not in the prompt:\n{system}");
    }
    let engine = SqlEngine::new(&ws, false).await.expect("engine");
    let (_, b) = engine
        .query("SELECT CAST(max(as_of) AS VARCHAR) FROM builds")
        .await
        .expect("as-of");
    let as_of = huaxiang_metrics::result::cells(b[0].column(0)).expect("cells")[0].clone();
    assert!(system.contains(&format!("As-of day: {}", as_of.as_str().expect("day"))));
    for hidden in [
        "quarantine(",
        "ingest_runs(",
        "identity_evidence(",
        "builds(",
        "phone_hash",
        "_run_id",
    ] {
        assert!(!system.contains(hidden), "`{hidden}` is in the prompt");
    }

    // The same through an English question: an English sentence.
    let settings = model.settings();
    let a = answer_with(&ws, OPEN_EN, Some(&settings)).await.expect("answer");
    assert_eq!(status(&a), "ok", "{:#} {}", a.intent, a.answer);
    assert!(a.answer.starts_with("By the SQL the model wrote"), "{}", a.answer);
    assert_eq!(a.rows.as_ref(), Some(&want));
    assert_eq!(
        model.requests()[1].0,
        None,
        "no key configured, no authorization header"
    );
}

#[tokio::test]
async fn the_config_section_turns_the_fallback_on() {
    let fixture = workspace();
    let tmp = tempfile::tempdir().expect("tmp");
    copy_dir(fixture.dir(), &tmp.path().join("ws"));
    let model = Model::start(vec![Reply::Says(
        "SELECT count(*) AS records FROM orders LIMIT 1".into(),
    )])
    .await;
    let cfg = tmp.path().join("ws/huaxiang.toml");
    let mut text = std::fs::read_to_string(&cfg).expect("config");
    text.push_str(&format!(
        "\n[ask.llm]\nbase_url = \"{}\"\nmodel = \"scripted-sql-7b\"\nmax_rows = 10\n",
        model.base_url
    ));
    std::fs::write(&cfg, text).expect("write config");
    let ws = Workspace::open(&tmp.path().join("ws")).expect("open");
    assert_eq!(ws.config().ask.llm.as_ref().map(|l| l.max_rows), Some(10));
    let a = answer(&ws, OPEN_EN).await.expect("answer");
    assert_eq!(status(&a), "ok", "{:#} {}", a.intent, a.answer);
    let n = rows_of(&ws, "SELECT count(*) FROM orders").await;
    assert_eq!(a.rows, Some(n.clone()));
    assert_eq!(a.chart["type"], "table");
    let shown = n[0][0].as_i64().expect("count");
    assert!(a.answer.contains(&shown.to_string()) || shown >= 1000, "{}", a.answer);
    assert_eq!(model.requests().len(), 1);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read").flatten() {
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

#[tokio::test]
async fn unsafe_or_unbounded_sql_is_refused_before_it_runs() {
    let ws = workspace();
    let cases: Vec<(&str, &str)> = vec![
        ("DROP TABLE orders", "不允许 DROP TABLE"),
        (
            "```sql\nSELECT * FROM orders LIMIT 5; DROP TABLE orders;\n```",
            "只允许一条语句，回复中有 2 条",
        ),
        (
            "SELECT * FROM quarantine LIMIT 5",
            "表 `quarantine` 不在允许模型读取的表中",
        ),
        ("SELECT * FROM builds LIMIT 5", "表 `builds` 不在允许模型读取的表中"),
        (
            "SELECT * FROM information_schema.tables LIMIT 5",
            "information_schema.tables",
        ),
        (
            "SELECT channel, count(*) FROM orders GROUP BY channel",
            "缺少顶层 LIMIT",
        ),
        ("SELECT * FROM orders LIMIT 5000", "LIMIT 5000 超过允许的 100 行"),
        (
            "SELECT * FROM generate_series(1, 1000000000) LIMIT 5",
            "不允许表函数 `generate_series`",
        ),
        ("SELECT no_such_column FROM orders LIMIT 5", "模型生成的 SQL 执行失败"),
        ("NO_SQL: 数据中没有天气信息", "模型认为数据无法回答：数据中没有天气信息"),
        ("", "回复中没有 SQL"),
    ];
    let replies = cases.iter().map(|(r, _)| Reply::Says(r.to_string())).collect();
    let model = Model::start(replies).await;
    for (reply, needle) in &cases {
        let a = answer_with(&ws, OPEN_ZH, Some(&model.settings()))
            .await
            .expect("answer");
        assert_refused(&a, needle);
        assert!(a.answer.contains("大模型兜底也未能回答"), "{reply}: {}", a.answer);
    }
    assert_eq!(model.requests().len(), cases.len());
    // English questions get English reasons.
    let model = Model::start(vec![Reply::Says("SELECT * FROM orders".into())]).await;
    let a = answer_with(&ws, OPEN_EN, Some(&model.settings()))
        .await
        .expect("answer");
    assert_refused(
        &a,
        "the query has no top-level LIMIT; it must end with LIMIT n, n at most 100",
    );
    assert!(
        a.answer.contains("The language-model fallback could not answer either"),
        "{}",
        a.answer
    );
    // Nothing was dropped.
    assert!(!rows_of(&ws, "SELECT count(*) FROM orders").await.is_empty());
}

#[tokio::test]
async fn a_slow_model_hits_the_timeout() {
    let ws = workspace();
    let model = Model::start(vec![Reply::Slow(
        Duration::from_secs(60),
        "SELECT 1 AS n LIMIT 1".into(),
    )])
    .await;
    let settings = LlmSettings {
        timeout_secs: 1,
        ..model.settings()
    };
    let started = Instant::now();
    let a = answer_with(&ws, OPEN_EN, Some(&settings)).await.expect("answer");
    // Generous: the machine may be busy, but nowhere near the server's minute.
    assert!(started.elapsed() < Duration::from_secs(30), "{:?}", started.elapsed());
    assert_refused(&a, "the model did not answer within 1 s");
}

#[tokio::test]
async fn a_slow_query_hits_the_timeout() {
    let ws = workspace();
    let engine = SqlEngine::new(&ws, false).await.expect("engine");
    let policy = sql_guard::Policy::new(ws.tables().names().expect("tables"), Vec::<String>::new(), 10);
    let checked = sql_guard::check(
        "SELECT sum(a.amount * b.amount - c.amount) AS n FROM orders a, orders b, orders c LIMIT 1",
        &policy,
    )
    .expect("allowed");
    let started = Instant::now();
    // ~100 million rows: seconds of work that does not yield to the runtime.
    let run = llm::run(&engine, &checked, Duration::from_millis(100)).await;
    assert!(matches!(run, Err(llm::LlmError::QueryTimeout(_))), "{run:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
}

#[tokio::test]
async fn server_errors_and_garbage_are_clear_refusals() {
    let ws = workspace();
    let model = Model::start(vec![
        Reply::Status(500, "model crashed".into()),
        Reply::Raw("<html>not json</html>".into()),
        Reply::Raw(r#"{"error": {"message": "overloaded"}}"#.into()),
        Reply::Status(401, "invalid api key".into()),
    ])
    .await;
    let s = model.settings();
    let a = answer_with(&ws, OPEN_EN, Some(&s)).await.expect("answer");
    assert_refused(&a, "the model endpoint answered HTTP 500: model crashed");
    let a = answer_with(&ws, OPEN_EN, Some(&s)).await.expect("answer");
    assert_refused(&a, "the model's reply is not a chat completion: not JSON");
    let a = answer_with(&ws, OPEN_EN, Some(&s)).await.expect("answer");
    assert_refused(&a, "no choices[0].message.content");
    let a = answer_with(&ws, OPEN_ZH, Some(&s)).await.expect("answer");
    assert_refused(&a, "模型服务返回 HTTP 401");

    // A key variable that is not set: the server is not called.
    let before = model.requests().len();
    let missing = LlmSettings {
        api_key_env: Some("HUAXIANG_TEST_LLM_KEY_THAT_IS_NOT_SET".into()),
        ..model.settings()
    };
    let a = answer_with(&ws, OPEN_EN, Some(&missing)).await.expect("answer");
    assert_refused(
        &a,
        "`HUAXIANG_TEST_LLM_KEY_THAT_IS_NOT_SET` named by ask.llm.api_key_env is not set",
    );
    assert_eq!(model.requests().len(), before);

    // Nobody listening.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let gone = LlmSettings {
        base_url: format!("http://127.0.0.1:{port}/v1"),
        ..model.settings()
    };
    let a = answer_with(&ws, OPEN_EN, Some(&gone)).await.expect("answer");
    assert_refused(
        &a,
        &format!("cannot reach the model at http://127.0.0.1:{port}/v1/chat/completions"),
    );
}
