//! The API driven in memory (`tower::ServiceExt::oneshot`, no sockets).

use std::path::Path;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use huaxiang_server::auth;
use huaxiang_server::roles::{Permission, Role, allows};
use huaxiang_server::routes::{Method, Route, table};
use huaxiang_server::{AppState, app};
use huaxiang_store::Workspace;
use serde_json::{Value, json};
use tower::ServiceExt;

const PASSWORD: &str = "s3cret-pass";

/// A workspace with one user per role; returns the app and each role's API token.
fn with_users(ws: &Workspace) -> (Router, Vec<(Role, String)>) {
    let mut tokens = Vec::new();
    for role in Role::ALL {
        auth::add_user(ws, role.as_str(), role, PASSWORD).expect("add user");
        tokens.push((role, auth::create_token(ws, role.as_str(), "test").expect("token")));
    }
    (app(AppState::new(ws.clone())), tokens)
}

fn empty_workspace(dir: &Path) -> Workspace {
    Workspace::init(&dir.join("ws")).expect("init workspace")
}

fn token(tokens: &[(Role, String)], role: Role) -> String {
    tokens
        .iter()
        .find(|(r, _)| *r == role)
        .map(|(_, t)| t.clone())
        .expect("a token for every role")
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

async fn send(app: &Router, req: Request<Body>) -> Reply {
    let res = app.clone().oneshot(req).await.expect("infallible service");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.expect("body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Reply { status, headers, body }
}

fn request(method: &str, uri: &str, bearer: Option<&str>, body: Option<Value>) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(uri);
    if let Some(t) = bearer {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    match body {
        Some(v) => b
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(v.to_string())),
        None => b.body(Body::empty()),
    }
    .expect("request")
}

async fn get(app: &Router, uri: &str, bearer: &str) -> Reply {
    send(app, request("GET", uri, Some(bearer), None)).await
}

/// The route's path with every parameter replaced by `value`.
fn concrete(route: &Route, value: &str) -> String {
    let mut p = route.path.to_string();
    for name in route.path_params() {
        p = p.replace(&format!("{{{name}}}"), value);
    }
    p
}

fn body_for(route: &Route) -> Option<Value> {
    route.body.map(|_| json!({}))
}

#[tokio::test]
async fn every_route_answers_401_without_credentials_and_403_to_lesser_roles() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = empty_workspace(tmp.path());
    let (app, tokens) = with_users(&ws);
    let mut checked_403 = 0;
    for route in table() {
        let uri = concrete(&route, "x");
        let method = route.method.as_str();
        if route.permission == Permission::Public {
            let r = send(&app, request(method, &uri, None, body_for(&route))).await;
            assert_ne!(r.status, StatusCode::UNAUTHORIZED, "{method} {uri} is public");
            continue;
        }
        let r = send(&app, request(method, &uri, None, body_for(&route))).await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "{method} {uri} without credentials: {}",
            r.body
        );
        assert_eq!(r.body["code"], "unauthenticated", "{method} {uri}");
        let bogus = send(&app, request(method, &uri, Some("hx_not_a_token"), body_for(&route))).await;
        assert_eq!(
            bogus.status,
            StatusCode::UNAUTHORIZED,
            "{method} {uri} with a bogus token"
        );
        for role in Role::ALL {
            let t = token(&tokens, role);
            let r = send(&app, request(method, &uri, Some(&t), body_for(&route))).await;
            if allows(role, route.permission) {
                assert!(
                    r.status != StatusCode::UNAUTHORIZED && r.status != StatusCode::FORBIDDEN,
                    "{method} {uri} as {role}: {} {}",
                    r.status,
                    r.body
                );
            } else {
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{method} {uri} as {role}: {}", r.body);
                assert_eq!(r.body["code"], "forbidden");
                checked_403 += 1;
            }
        }
    }
    assert!(checked_403 > 10, "the matrix forbids something: {checked_403}");
}

#[tokio::test]
async fn openapi_lists_every_route_with_its_role() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (app, _) = with_users(&empty_workspace(tmp.path()));
    let r = send(&app, request("GET", "/api/openapi.json", None, None)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["openapi"], "3.0.3");
    let mut operations = 0;
    for route in table() {
        let method = match route.method {
            Method::Get => "get",
            Method::Post => "post",
        };
        let op = &r.body["paths"][route.path][method];
        assert!(op.is_object(), "{} {} is documented", route.method.as_str(), route.path);
        assert_eq!(op["x-roles"], route.permission.describe());
        for p in route.path_params() {
            let params = op["parameters"].as_array().expect("parameters");
            assert!(
                params.iter().any(|x| x["name"] == p && x["in"] == "path"),
                "{}: {p}",
                route.path
            );
        }
        operations += 1;
    }
    let documented: usize = r.body["paths"]
        .as_object()
        .expect("paths")
        .values()
        .map(|p| p.as_object().map_or(0, |m| m.len()))
        .sum();
    assert_eq!(documented, operations, "nothing documented that is not routed");
}

#[tokio::test]
async fn login_sets_a_strict_http_only_cookie_and_tokens_work() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (app, _) = with_users(&empty_workspace(tmp.path()));
    let wrong = send(
        &app,
        request(
            "POST",
            "/api/login",
            None,
            Some(json!({"name": "analyst", "password": "nope"})),
        ),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.body["code"], "bad_credentials");
    let unknown = send(
        &app,
        request(
            "POST",
            "/api/login",
            None,
            Some(json!({"name": "nobody", "password": PASSWORD})),
        ),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);

    let ok = send(
        &app,
        request(
            "POST",
            "/api/login",
            None,
            Some(json!({"name": "analyst", "password": PASSWORD})),
        ),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.body["role"], "analyst");
    let cookie = ok
        .headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .expect("set-cookie")
        .to_string();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    let pair = cookie.split(';').next().expect("name=value").to_string();

    let with_cookie = |method: &str, uri: &str, body: Option<Value>| {
        let mut b = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::COOKIE, pair.clone());
        if body.is_some() {
            b = b.header(header::CONTENT_TYPE, "application/json");
        }
        b.body(body.map_or_else(Body::empty, |v| Body::from(v.to_string())))
            .expect("request")
    };
    let me = send(&app, with_cookie("GET", "/api/me", None)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["name"], "analyst");
    let forbidden = send(&app, with_cookie("GET", "/api/audit", None)).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);

    let created = send(&app, with_cookie("POST", "/api/tokens", Some(json!({"label": "ci"})))).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let t = created.body["token"].as_str().expect("token").to_string();
    let stored = std::fs::read_to_string(tmp.path().join("ws/meta/users.json")).expect("users.json");
    assert!(!stored.contains(&t), "the token is stored hashed");
    assert!(!stored.contains(PASSWORD), "the password is stored hashed");
    let me = get(&app, "/api/me", &t).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["role"], "analyst");

    let out = send(&app, with_cookie("POST", "/api/logout", None)).await;
    assert_eq!(out.status, StatusCode::OK);
    let after = send(&app, with_cookie("GET", "/api/me", None)).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn errors_are_json_with_limits_and_no_panic_escapes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (app, tokens) = with_users(&empty_workspace(tmp.path()));
    let admin = token(&tokens, Role::Admin);
    let big = get(&app, "/api/audit?limit=1001", &admin).await;
    assert_eq!(big.status, StatusCode::BAD_REQUEST);
    assert_eq!(big.body["code"], "limit_too_large");
    assert!(big.body["message"].as_str().expect("message").contains("1000"));
    let fine = get(&app, "/api/audit?limit=1000&offset=5", &admin).await;
    assert_eq!(fine.status, StatusCode::OK, "{}", fine.body);
    let bad = get(&app, "/api/audit?limit=many", &admin).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["code"], "bad_request");

    let huge = "x".repeat(2 * 1024 * 1024);
    let r = send(
        &app,
        request("POST", "/api/login", None, Some(json!({"name": huge, "password": "p"}))),
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert_eq!(r.body["code"], "payload_too_large");
    let malformed = send(
        &app,
        Request::builder()
            .method("POST")
            .uri("/api/login")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{not json"))
            .expect("request"),
    )
    .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.body["code"], "bad_request");
    let missing = get(&app, "/api/nothing-here", &admin).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body["code"], "not_found");

    #[allow(clippy::panic)]
    async fn boom() -> &'static str {
        panic!("boom")
    }
    let panicky = huaxiang_server::with_layers(Router::new().route("/boom", axum::routing::get(boom)));
    let r = send(&panicky, request("GET", "/boom", None, None)).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(r.body["code"], "internal");
}

/// A built workspace of ~300 demo customers with one segment.
async fn demo_workspace(dir: &Path) -> Workspace {
    use huaxiang_core::config::Mapping;
    use huaxiang_ingest::run::NoProgress;
    use huaxiang_ingest::{IngestRequest, Input};
    let ws = empty_workspace(dir);
    let data = dir.join("data");
    huaxiang_demo::generate(
        &huaxiang_demo::DemoOptions::new().with_customers(300).with_seed(7),
        &data,
    )
    .expect("generate demo data");
    for table in [
        "customers",
        "products",
        "orders",
        "order_items",
        "events",
        "touches",
        "experiment",
    ] {
        let req = IngestRequest {
            table: table.to_string(),
            source: "shop".to_string(),
            mapping: Mapping::default(),
            inputs: vec![Input::File(data.join(format!("{table}.csv")))],
            batch_rows: ws.config().ingest.batch_rows,
        };
        huaxiang_ingest::ingest(&ws, &req, &NoProgress).await.expect("ingest");
    }
    let mut reg = huaxiang_segments::Registry::load(&ws).expect("segments");
    reg.add("buyers", "frequency >= 1", "bought at least once")
        .expect("add segment");
    reg.save(&ws).expect("save segments");
    huaxiang_build::build(&ws, &huaxiang_build::BuildOptions::default())
        .await
        .expect("build");
    ws
}

fn masked(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.contains('*'))
}

#[tokio::test]
async fn data_routes_mask_personal_data_and_audit_reveals() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = demo_workspace(tmp.path()).await;
    let (app, tokens) = with_users(&ws);
    let viewer = token(&tokens, Role::Viewer);
    let marketer = token(&tokens, Role::Marketer);
    let analyst = token(&tokens, Role::Analyst);
    let admin = token(&tokens, Role::Admin);

    // A person with a phone on record.
    let engine = huaxiang_store::sql::SqlEngine::new(&ws, false).await.expect("engine");
    let (_, batches) = engine
        .query(
            "SELECT l.person_id FROM identity_links l JOIN customers c ON c.source = l.source \
             AND c.customer_id = l.record_id WHERE c.phone IS NOT NULL ORDER BY l.person_id LIMIT 1",
        )
        .await
        .expect("a person");
    let text =
        huaxiang_store::sql::format_batches(&batches[0].schema(), &batches, huaxiang_store::sql::OutputFormat::Csv)
            .expect("csv");
    let pid = text.lines().nth(1).expect("one row").trim().to_string();

    let seen = get(&app, &format!("/api/profile?q={pid}"), &viewer).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    assert_eq!(seen.body["person_id"], pid.as_str());
    assert_eq!(seen.body["revealed"], false);
    let record = &seen.body["records"][0];
    assert!(masked(&record["phone"]), "viewer sees a masked phone: {record}");
    let refused = get(&app, &format!("/api/profile?q={pid}&reveal=true"), &viewer).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let before = get(&app, "/api/audit", &admin).await;
    assert_eq!(before.body["total"], 0, "nothing audited yet: {}", before.body);

    let shown = get(&app, &format!("/api/profile?q={pid}&reveal=true"), &admin).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert_eq!(shown.body["revealed"], true);
    let plain = &shown.body["records"][0]["phone"];
    assert!(plain.is_string() && !masked(plain), "admin sees the phone: {plain}");
    let audit = get(&app, "/api/audit", &admin).await;
    let items = audit.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{}", audit.body);
    assert_eq!(items[0]["user"], "admin");
    assert_eq!(items[0]["action"], "reveal");
    assert_eq!(items[0]["target"], format!("person:{pid}"));
    let line = std::fs::read_to_string(ws.meta_dir().join("audit.jsonl")).expect("audit log");
    assert_eq!(line.lines().count(), 1);
    let by_phone = get(
        &app,
        &format!("/api/profile?q={}", plain.as_str().expect("phone")),
        &viewer,
    )
    .await;
    assert_eq!(by_phone.status, StatusCode::OK, "lookup by phone: {}", by_phone.body);

    let features = get(&app, &format!("/api/features/{pid}"), &viewer).await;
    assert_eq!(features.status, StatusCode::OK, "{}", features.body);
    assert_eq!(features.body["person_id"], pid.as_str());
    let nobody = get(&app, "/api/features/nobody", &viewer).await;
    assert_eq!(nobody.status, StatusCode::NOT_FOUND);

    // Tags: validation errors are 422 with the library's message.
    let bad = send(
        &app,
        request(
            "POST",
            "/api/tags",
            Some(&analyst),
            Some(json!({"id": "bad_tag", "expression": "no_such_column > 3"})),
        ),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(bad.body["code"], "validation_failed");
    let msg = bad.body["message"].as_str().expect("message");
    assert!(
        msg.contains("no_such_column") && msg.contains("unknown column"),
        "{msg}"
    );
    let made = send(
        &app,
        request(
            "POST",
            "/api/tags",
            Some(&analyst),
            Some(json!({"id": "big_spender", "expression": "monetary > 100", "name_en": "Big spender"})),
        ),
    )
    .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let again = send(
        &app,
        request(
            "POST",
            "/api/tags",
            Some(&analyst),
            Some(json!({"id": "big_spender", "expression": "monetary > 100"})),
        ),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let edited = send(
        &app,
        request(
            "POST",
            "/api/tags/big_spender",
            Some(&analyst),
            Some(json!({"expression": "monetary > 200"})),
        ),
    )
    .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert_eq!(edited.body["definition"]["version"], 2, "{}", edited.body);
    let tags = get(&app, "/api/tags", &viewer).await;
    assert!(
        tags.body
            .as_array()
            .expect("tags")
            .iter()
            .any(|t| t["tag_id"] == "big_spender"),
        "{}",
        tags.body
    );
    let one = get(&app, "/api/tags/big_spender", &viewer).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.body);
    assert_eq!(
        get(&app, "/api/tags/no_such_tag", &viewer).await.status,
        StatusCode::NOT_FOUND
    );

    // Segments.
    let list = get(&app, "/api/segments", &viewer).await;
    assert!(
        list.body
            .as_array()
            .expect("segments")
            .iter()
            .any(|s| s["name"] == "buyers")
    );
    let preview = send(
        &app,
        request(
            "POST",
            "/api/segments/preview",
            Some(&marketer),
            Some(json!({"where": "frequency >= 2"})),
        ),
    )
    .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(preview.body["members"].as_u64().expect("members") <= preview.body["persons"].as_u64().expect("persons"));
    let invalid = send(
        &app,
        request(
            "POST",
            "/api/segments/preview",
            Some(&marketer),
            Some(json!({"where": "nope > 1"})),
        ),
    )
    .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", invalid.body);
    let members = get(&app, "/api/segments/buyers/members?limit=5", &marketer).await;
    assert_eq!(members.status, StatusCode::OK, "{}", members.body);
    let items = members.body["items"].as_array().expect("items");
    assert!(!items.is_empty() && items.len() <= 5, "{}", members.body);
    assert!(members.body["total"].as_u64().expect("total") >= items.len() as u64);
    assert!(
        items.iter().all(|m| m["phone"].is_null() || masked(&m["phone"])),
        "{}",
        members.body
    );
    let paging = get(&app, "/api/segments/buyers/members?limit=5000", &marketer).await;
    assert_eq!(paging.status, StatusCode::BAD_REQUEST);
    let export = get(&app, "/api/segments/buyers/export", &marketer).await;
    assert_eq!(export.status, StatusCode::OK, "{}", export.body);
    let audit = get(&app, "/api/audit", &admin).await;
    assert!(
        audit.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|e| e["action"] == "export"
                && e["user"] == "marketer"
                && e["target"].as_str().is_some_and(|t| t.starts_with("segment:buyers"))),
        "{}",
        audit.body
    );

    // Metrics.
    let metrics = get(&app, "/api/metrics", &viewer).await;
    assert!(
        metrics
            .body
            .as_array()
            .expect("metrics")
            .iter()
            .any(|m| m["id"] == "gmv")
    );
    let gmv = get(&app, "/api/metrics/gmv?last=1y", &viewer).await;
    assert_eq!(gmv.status, StatusCode::OK, "{}", gmv.body);
    assert_eq!(gmv.body["metric"], "gmv");
    let unknown = get(&app, "/api/metrics/no_such_metric", &viewer).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    let runs = get(&app, "/api/ingest/runs", &analyst).await;
    assert_eq!(runs.status, StatusCode::OK, "{}", runs.body);
    assert_eq!(runs.body["total"], 7);
    assert_eq!(get(&app, "/api/quality", &viewer).await.status, StatusCode::OK);

    // Analyses.
    let funnel = send(
        &app,
        request(
            "POST",
            "/api/funnel",
            Some(&analyst),
            Some(json!({"steps": ["product_view", "add_to_cart", "purchase"], "window": "7d"})),
        ),
    )
    .await;
    assert_eq!(funnel.status, StatusCode::OK, "{}", funnel.body);
    let short = send(
        &app,
        request(
            "POST",
            "/api/funnel",
            Some(&analyst),
            Some(json!({"steps": ["purchase"]})),
        ),
    )
    .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", short.body);
    let paths = send(
        &app,
        request(
            "POST",
            "/api/paths",
            Some(&analyst),
            Some(json!({"event": "product_view", "depth": 2})),
        ),
    )
    .await;
    assert_eq!(paths.status, StatusCode::OK, "{}", paths.body);
    let viewer_funnel = send(
        &app,
        request("POST", "/api/funnel", Some(&viewer), Some(json!({"steps": ["a", "b"]}))),
    )
    .await;
    assert_eq!(viewer_funnel.status, StatusCode::FORBIDDEN);
    let retention = get(&app, "/api/retention?period=month&periods=6", &viewer).await;
    assert_eq!(retention.status, StatusCode::OK, "{}", retention.body);
    let bad_period = get(&app, "/api/retention?period=fortnight", &viewer).await;
    assert_eq!(
        bad_period.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad_period.body
    );
    let attribution = get(&app, "/api/attribution?model=linear", &viewer).await;
    assert_eq!(attribution.status, StatusCode::OK, "{}", attribution.body);
    let bad_model = get(&app, "/api/attribution?model=astrology", &viewer).await;
    assert_eq!(bad_model.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad_model.body);
    let experiment = get(&app, "/api/experiments/EXP01", &viewer).await;
    assert_eq!(experiment.status, StatusCode::OK, "{}", experiment.body);
    assert_eq!(experiment.body["experiment"], "EXP01");

    // Every GET answers with JSON and never a 500 on a built workspace.
    for route in table().into_iter().filter(|r| r.method == Method::Get) {
        let uri = concrete(&route, &pid);
        let r = get(&app, &uri, &admin).await;
        eprintln!("GET {uri} → {} {:.200}", r.status, r.body.to_string());
        assert!(
            r.body.is_object() || r.body.is_array(),
            "GET {uri}: {} {}",
            r.status,
            r.body
        );
        assert_ne!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "GET {uri}: {}", r.body);
    }
}

#[tokio::test]
async fn answers_are_cached_per_data_version_and_never_stale() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ws = demo_workspace(tmp.path()).await;
    let (app, tokens) = with_users(&ws);
    let analyst = token(&tokens, Role::Analyst);
    let first = get(&app, "/api/tags", &analyst).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.headers.get("x-huaxiang-cache").is_none());
    let again = get(&app, "/api/tags", &analyst).await;
    assert_eq!(
        again.headers.get("x-huaxiang-cache").map(|v| v.as_bytes()),
        Some(&b"hit"[..])
    );
    assert_eq!(again.body, first.body);

    // A saved definition changes the data version: the next answer is fresh.
    let saved = send(
        &app,
        request(
            "POST",
            "/api/tags",
            Some(&analyst),
            Some(json!({"id": "cache_probe", "expression": "frequency >= 2"})),
        ),
    )
    .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let after = get(&app, "/api/tags", &analyst).await;
    assert!(after.headers.get("x-huaxiang-cache").is_none());
    assert!(
        after
            .body
            .as_array()
            .expect("list")
            .iter()
            .any(|t| t["tag_id"] == "cache_probe"),
        "{}",
        after.body
    );

    // Computing POSTs are keyed by their canonical body; errors are never kept.
    let body = |text: &str| {
        Request::builder()
            .method("POST")
            .uri("/api/segments/preview")
            .header("authorization", format!("Bearer {analyst}"))
            .header("content-type", "application/json")
            .body(Body::from(text.to_string()))
            .expect("request")
    };
    let a = send(&app, body(r#"{"where": "frequency >= 2"}"#)).await;
    let b = send(&app, body(r#"{ "where":"frequency >= 2" }"#)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(
        b.headers.get("x-huaxiang-cache").map(|v| v.as_bytes()),
        Some(&b"hit"[..])
    );
    assert_eq!(a.body, b.body);
    let bad = send(&app, body(r#"{"where": "nope >"}"#)).await;
    assert_ne!(bad.status, StatusCode::OK);
    let bad_again = send(&app, body(r#"{"where": "nope >"}"#)).await;
    assert!(bad_again.headers.get("x-huaxiang-cache").is_none());

    // Questions: answered from the metric catalog, or refused without a number.
    let ask = |q: &str| {
        request(
            "POST",
            "/api/ask",
            Some(analyst.as_str()),
            Some(json!({ "question": q })),
        )
    };
    let gmv = send(&app, ask("今年的GMV是多少？")).await;
    assert_eq!(gmv.status, StatusCode::OK, "{}", gmv.body);
    assert_eq!(gmv.body["intent"]["status"], "ok", "{}", gmv.body);
    assert!(
        gmv.body["sql"].is_string() && gmv.body["rows"][0].is_array(),
        "{}",
        gmv.body
    );
    let weather = send(&app, ask("明天上海的天气怎么样？")).await;
    assert_eq!(weather.status, StatusCode::OK);
    assert!(
        weather.body["rows"].is_null() && weather.body["sql"].is_null(),
        "{}",
        weather.body
    );
    let empty = send(&app, ask("   ")).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The audit log is never cached.
    let admin = token(&tokens, Role::Admin);
    let r1 = get(&app, "/api/audit", &admin).await;
    let r2 = get(&app, "/api/audit", &admin).await;
    assert!(r1.headers.get("x-huaxiang-cache").is_none() && r2.headers.get("x-huaxiang-cache").is_none());
}
