//! The route table: every route's method, path, permission, parameters and
//! response shape, in one list. The router, the permission guard, the
//! OpenAPI document and the 401/403 tests all read this table, so a route
//! cannot exist without a permission or be missing from the documentation.

pub mod analytics;
pub mod metrics;
pub mod models;
pub mod ops;
pub mod people;
pub mod segments;
pub mod session;
pub mod tags;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};

use crate::auth::{self, Principal};
use crate::error::ApiError;
use crate::roles::{Permission, allows};
use crate::state::AppState;

/// An HTTP method of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// One route of the API.
#[derive(Clone)]
pub struct Route {
    pub method: Method,
    /// The path, with `{name}` for path parameters.
    pub path: &'static str,
    pub permission: Permission,
    pub summary: &'static str,
    /// Query parameters: (name, description).
    pub query: &'static [(&'static str, &'static str)],
    /// The JSON body's fields, in words, for POST routes that take one.
    pub body: Option<&'static str>,
    /// The response's shape, in words.
    pub response: &'static str,
    handler: fn() -> MethodRouter<AppState>,
}

impl Route {
    /// The names of the path parameters, in order.
    pub fn path_params(&self) -> Vec<&'static str> {
        self.path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect()
    }
}

const PAGE: [(&str, &str); 2] = [
    ("limit", "page size, at most 1000 (default 100) / 每页条数"),
    ("offset", "rows to skip (default 0) / 跳过条数"),
];

macro_rules! route {
    ($m:ident $path:literal, $perm:ident, $summary:literal, query: $q:expr, body: $b:expr, response: $r:literal, $h:expr) => {
        Route {
            method: Method::$m,
            path: $path,
            permission: Permission::$perm,
            summary: $summary,
            query: $q,
            body: $b,
            response: $r,
            handler: || $h,
        }
    };
}

/// Every route of the API.
pub fn table() -> Vec<Route> {
    vec![
        route!(Get "/api/health", Public, "Liveness / 健康检查", query: &[], body: None,
            response: "{status, version}", get(session::health)),
        route!(Get "/api/openapi.json", Public, "This API's OpenAPI 3.0 document / 接口文档", query: &[], body: None,
            response: "OpenAPI 3.0 document", get(crate::openapi::handler)),
        route!(Post "/api/login", Public, "Sign in; sets an HttpOnly session cookie / 登录", query: &[],
            body: Some("{name, password}"), response: "{name, role}", post(session::login)),
        route!(Post "/api/logout", SignedIn, "Sign out / 退出登录", query: &[], body: None,
            response: "{ok}", post(session::logout)),
        route!(Get "/api/me", SignedIn, "The signed-in user / 当前用户", query: &[], body: None,
            response: "{name, role}", get(session::me)),
        route!(Post "/api/tokens", SignedIn, "Create an API token for yourself, shown once / 创建 API 令牌", query: &[],
            body: Some("{label?}"), response: "{token, label}", post(session::create_token)),
        route!(Get "/api/users", Admin, "Users and roles / 用户列表", query: &[], body: None,
            response: "[{name, role}]", get(session::users)),
        route!(Get "/api/audit", Admin, "The audit log of reveals and exports / 审计日志", query: &PAGE, body: None,
            response: "{total, limit, offset, items: [{time, user, action, target}]}", get(session::audit)),
        route!(Get "/api/profile", Read, "One person's 360, masked unless admin with reveal=true / 客户画像",
            query: &[("q", "person id, record id, phone or e-mail / 客户编号、手机号或邮箱"),
                     ("reveal", "admin only: personal data in plain text (audited) / 显示明文"),
                     ("timeline", "timeline entries (default 20, at most 1000) / 时间线条数")],
            body: None, response: "{person_id, records, attributes, features, tags, segments, timeline}",
            get(people::profile)),
        route!(Get "/api/features/{person_id}", Read, "A person's features at the last build / 客户特征", query: &[],
            body: None, response: "{person_id, …feature columns}", get(people::features)),
        route!(Get "/api/tags", Read, "The tag catalog with coverage / 标签列表", query: &[], body: None,
            response: "[{tag_id, name_zh, name_en, tag_type, version, persons, share, stale, …}]", get(tags::list)),
        route!(Post "/api/tags", Analyze, "Create a rule tag (validated against the real columns) / 新建规则标签", query: &[],
            body: Some("{id, expression, name_zh?, name_en?, description?, owner?, value_type?}"),
            response: "{definition, preview, persons}", post(tags::create)),
        route!(Post "/api/tags/preview", Analyze, "Validate a rule tag and count it on the current data, without saving / 标签预览",
            query: &[], body: Some("{expression, id?, value_type?, allowed_values?}"),
            response: "{definition, preview, persons}", post(tags::preview)),
        route!(Get "/api/tags/{id}/versions", Read, "Every version of a tag's definition / 标签版本", query: &[],
            body: None, response: "[{…definition, last_build_id}]", get(tags::versions)),
        route!(Get "/api/tags/{id}/coverage", Read, "Persons per tag value at the last build / 标签覆盖", query: &[],
            body: None, response: "{tag_id, version, last_build_id, persons, coverage: [{value, persons, share}]}",
            get(tags::coverage)),
        route!(Get "/api/tags/{id}/lineage", Read, "The features, tags, tables and source columns a tag depends on / 标签血缘",
            query: &[], body: None, response: "{tree, depends_on: [{kind, name}]}", get(tags::lineage)),
        route!(Get "/api/tags/{id}", Read, "One tag: definition versions, coverage, lineage / 标签详情", query: &[],
            body: None, response: "{…definition, versions, coverage, lineage}", get(tags::show)),
        route!(Post "/api/tags/{id}", Analyze, "Save a new version of a tag with the given fields changed / 修改标签",
            query: &[], body: Some("{expression?, name_zh?, name_en?, description?, owner?, allowed_values?}"),
            response: "{definition, preview, persons}", post(tags::edit)),
        route!(Get "/api/segments", Read, "Segments with their last membership / 人群列表", query: &[], body: None,
            response: "[{name, version, where, members, persons, stale, …}]", get(segments::list)),
        route!(Post "/api/segments", Segments, "Save a new segment (members recorded by the next build) / 保存人群", query: &[],
            body: Some("{name, where, description?}"), response: "{name, version, members, persons, share}",
            post(segments::create)),
        route!(Post "/api/segments/{name}/webhook", Segments,
            "Push a segment's members to a webhook in HMAC-SHA256-signed JSON batches, with retries (audited) / 推送人群",
            query: &[], body: Some("{url, secret_env? (server env var, default HUAXIANG_WEBHOOK_SECRET), batch_size?, attempts?}"),
            response: "{segment, build_id, members, batches, outcomes}", post(segments::webhook)),
        route!(Post "/api/segments/preview", Segments, "Count the persons a condition selects now / 人群预估", query: &[],
            body: Some("{where}"), response: "{members, persons, share}", post(segments::preview)),
        route!(Get "/api/segments/{name}/members", Segments, "Members of a segment at its last build, masked / 人群成员",
            query: &PAGE, body: None, response: "{total, limit, offset, items: [{person_id, name, phone, email}]}",
            get(segments::members)),
        route!(Get "/api/segments/{name}/export", Segments, "Every member of a segment, masked (audited) / 导出人群",
            query: &[], body: None, response: "{segment, build_id, rows, items}", get(segments::export)),
        route!(Get "/api/metrics", Read, "The metric catalog / 指标列表", query: &[], body: None,
            response: "[{id, name_zh, name_en, synonyms, description, dimensions, grain, …}]", get(metrics::list)),
        route!(Get "/api/metrics/{name}", Read, "Compute a metric / 计算指标",
            query: &[("by", "dimensions, comma separated / 维度"), ("last", "range such as 30d, 3m, 1y / 最近时间"),
                     ("where", "filter over dimensions / 过滤条件")],
            body: None, response: "{metric, by, from, to, as_of, sql, columns, rows}", get(metrics::compute)),
        route!(Post "/api/ask", Read, "Answer a question in Chinese or English with SQL, rows, a chart and a sentence / 智能问答",
            query: &[], body: Some("{question}"), response: "{intent, sql, columns, rows, chart, answer}", post(metrics::ask)),
        route!(Get "/api/clusters", Read, "Cluster profiles of the kept clustering / 聚类画像", query: &PAGE, body: None,
            response: "{total, limit, offset, items}", get(models::clusters)),
        route!(Get "/api/models", Analyze, "The model registry / 模型列表", query: &PAGE, body: None,
            response: "{total, limit, offset, items}", get(models::models)),
        route!(Get "/api/models/{name}", Analyze, "A model's metrics, ROC curve and feature importance / 模型详情",
            query: &[], body: None, response: "{entry, kind, evaluation, importance, roc_curve}", get(models::model)),
        route!(Get "/api/predictions/{person_id}", Analyze, "A person's model scores with reasons / 预测与原因",
            query: &[], body: None, response: "[{model, score, reasons, …}]", get(models::predictions)),
        route!(Get "/api/clv/{person_id}", Analyze, "A person's lifetime value / 客户终身价值", query: &[], body: None,
            response: "[{person_id, p_alive, expected_purchases, …}]", get(models::clv)),
        route!(Get "/api/status", Read, "Data freshness: as-of day, last build and ingest, table sizes / 数据状态",
            query: &[], body: None, response: "{as_of, last_build, last_ingest, persons, tables: [{table, rows, version, updated}]}",
            get(ops::status)),
        route!(Get "/api/sources", Read, "Sources declared in huaxiang.toml or seen by ingest runs / 数据源", query: &[],
            body: None, response: "[{source, table, declared, runs, rows, last_run}]", get(ops::sources)),
        route!(Get "/api/quality", Read, "Data quality report / 数据质量", query: &[], body: None,
            response: "{tables, quarantine}", get(ops::quality)),
        route!(Get "/api/ingest/runs", Analyze, "Ingest runs, newest first / 导入记录", query: &PAGE, body: None,
            response: "{total, limit, offset, items}", get(ops::ingest_runs)),
        route!(Get "/api/quarantine", Admin, "Quarantined values with reasons / 隔离数据", query: &PAGE, body: None,
            response: "{total, limit, offset, items}", get(ops::quarantine)),
        route!(Post "/api/funnel", Analyze, "Run a conversion funnel over event steps (stored in funnel_results) / 转化漏斗",
            query: &[], body: Some("{steps: [\"view\", \"cart\", \"purchase\"], window?: \"7d\", order?: sequential|strict|any, by?, from?, to?}"),
            response: "{funnel, steps, …}", post(analytics::funnel_run)),
        route!(Post "/api/paths", Analyze, "Most frequent event paths after or before an event / 行为路径", query: &[],
            body: Some("{event, direction?: after|before, depth?: 1-5, top?, keep_repeats?, gap_minutes?, from?, to?}"),
            response: "{query, paths, nodes, links, …}", post(analytics::paths_run)),
        route!(Get "/api/retention", Read, "Cohort retention by first order or signup / 留存分析",
            query: &[("by", "order (default) or signup / 分组依据"), ("period", "month (default) or week / 周期"),
                     ("periods", "highest period offset, default 12, at most 120 / 观察期数")],
            body: None, response: "{basis, cohorts, …}", get(analytics::retention)),
        route!(Get "/api/rules", Read, "Association rules / 关联规则", query: &PAGE, body: None,
            response: "{total, limit, offset, items}", get(analytics::rules)),
        route!(Get "/api/recommendations/{person_id}", Segments, "Recommended products for a person / 商品推荐",
            query: &[], body: None, response: "[{person_id, product_id, rank, score}]", get(analytics::recommendations)),
        route!(Get "/api/attribution", Read, "Credit for orders per channel and campaign / 营销归因",
            query: &[("model", "first, last, linear, time_decay[:days], position[:a,b], markov[:order], shapley (default) / 归因模型"),
                     ("lookback_days", "touches at most this many days before an order, default 3 / 回溯天数")],
            body: None, response: "{model, channels, campaigns, lookback_days, …}", get(analytics::attribution)),
        route!(Get "/api/experiments", Read, "Experiments with their assignment counts / 实验列表", query: &[],
            body: None, response: "[{experiment_id, assignments, variants}]", get(analytics::experiments)),
        route!(Get "/api/experiments/{id}", Read, "An A/B test readout / 实验结果",
            query: &[("control", "the control variant (default: first by name) / 对照组"),
                     ("confidence", "confidence level, default 0.95 / 置信水平"),
                     ("covariate", "a numeric feature as CUPED covariate / CUPED 协变量")], body: None,
            response: "[{experiment_id, variant, users, conversions, rate, lift_abs, …}]", get(analytics::experiment)),
    ]
}

/// Checks every matched request against the table's permission for its route.
async fn guard(State(state): State<AppState>, matched: Option<MatchedPath>, mut req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_string();
    let Some(path) = matched.map(|m| m.as_str().to_string()) else {
        return ApiError::NotFound(req.uri().path().to_string()).into_response();
    };
    let Some(route) = table()
        .into_iter()
        .find(|r| r.path == path && r.method.as_str() == method)
    else {
        return ApiError::NotFound(path).into_response();
    };
    let who = authenticate(&state, req.headers());
    if route.permission != Permission::Public {
        let who = match &who {
            Some(w) => w,
            None => return ApiError::Unauthenticated.into_response(),
        };
        if !allows(who.role, route.permission) {
            return ApiError::Forbidden {
                role: who.role.to_string(),
                needs: route.permission.describe().to_string(),
            }
            .into_response();
        }
    }
    if let Some(w) = who {
        req.extensions_mut().insert(w);
    }
    let query = req.uri().query().unwrap_or("").to_string();
    if !crate::cache::cacheable(req.method(), &path, &query) {
        return next.run(req).await;
    }
    cached(&state, req, next).await
}

/// Runs a cacheable request through the cache: the same request on the same
/// data gets the kept answer; a new one is computed and kept when it succeeds
/// and is not marked `Cache-Control: no-store`.
async fn cached(state: &AppState, req: Request, next: Next) -> Response {
    use crate::cache::{Cache, Entry, fingerprint};
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, crate::extract::MAX_BODY).await else {
        return ApiError::Validation("request body too large or unreadable / 请求体过大".to_string()).into_response();
    };
    // JSON bodies are keyed in canonical form (sorted keys, no spaces).
    let canonical = serde_json::from_slice::<serde_json::Value>(&bytes)
        .map(|v| v.to_string().into_bytes())
        .unwrap_or_else(|_| bytes.to_vec());
    let key = Cache::key(
        &fingerprint(state.workspace().dir()),
        &parts.method,
        &parts.uri.to_string(),
        &canonical,
    );
    if let Some(hit) = state.cache().get(&key) {
        return hit.response();
    }
    let response = next
        .run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await;
    let no_store = response
        .headers()
        .get(axum::http::header::CACHE_CONTROL)
        .is_some_and(|v| v.as_bytes() == b"no-store");
    if response.status() != axum::http::StatusCode::OK || no_store {
        return response;
    }
    let (rparts, rbody) = response.into_parts();
    let Ok(body) = axum::body::to_bytes(rbody, 256 * 1024 * 1024).await else {
        return ApiError::internal("response body unreadable").into_response();
    };
    state.cache().put(
        key,
        Entry {
            status: rparts.status,
            content_type: rparts.headers.get(axum::http::header::CONTENT_TYPE).cloned(),
            body: body.clone(),
        },
    );
    Response::from_parts(rparts, axum::body::Body::from(body))
}

/// The user of the request's session cookie or bearer token.
fn authenticate(state: &AppState, headers: &axum::http::HeaderMap) -> Option<Principal> {
    if let Some(p) = auth::session_cookie(headers).and_then(|t| state.sessions().get(&t)) {
        return Some(p);
    }
    let token = auth::bearer(headers)?;
    auth::token_user(state.workspace(), &token).ok().flatten()
}

/// The router of every route in [`table`], guarded.
pub fn router(state: AppState) -> Router {
    let mut r: Router<AppState> = Router::new();
    for route in table() {
        r = r.route(route.path, (route.handler)());
    }
    r.route_layer(middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}
