//! The OpenAPI 3.0 document, generated from the route table.
//!
//! Paths, methods, parameters, the role each route needs and its response
//! shape all come from [`crate::routes::table`], the same list the router and
//! the permission guard use, so the document cannot drift from the server.

use axum::Json;
use serde_json::{Map, Value, json};

use crate::roles::Permission;
use crate::routes::{Method, table};

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

/// The whole document.
pub fn document() -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for r in table() {
        let mut params: Vec<Value> = r
            .path_params()
            .into_iter()
            .map(|p| json!({"name": p, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        params.extend(r.query.iter().map(|(name, description)| {
            json!({"name": name, "in": "query", "required": false, "description": description,
                   "schema": {"type": "string"}})
        }));
        let mut responses = Map::new();
        responses.insert(
            "200".into(),
            json!({"description": r.response, "content": {"application/json": {"schema": {}}}}),
        );
        responses.insert("400".into(), error_response("bad request / 请求无效"));
        if r.permission != Permission::Public {
            responses.insert("401".into(), error_response("authentication required / 需要登录"));
            responses.insert("403".into(), error_response("the role may not do this / 权限不足"));
        }
        responses.insert(
            "404".into(),
            error_response("not found, or not built yet (code `not_built`) / 未找到或尚未构建"),
        );
        if r.body.is_some() || !r.query.is_empty() {
            responses.insert(
                "422".into(),
                error_response("validation failed, with the library's message / 校验失败"),
            );
        }
        responses.insert("500".into(), error_response("internal error / 服务器内部错误"));
        let mut op = json!({
            "summary": r.summary,
            "operationId": format!("{}_{}", r.method.as_str().to_lowercase(),
                r.path.trim_start_matches("/api/").replace(['/', '.'], "_").replace(['{', '}'], "")),
            "x-permission": format!("{:?}", r.permission).to_lowercase(),
            "x-roles": r.permission.describe(),
            "description": format!("Role / 角色: {}. Response / 返回: {}", r.permission.describe(), r.response),
            "parameters": params,
            "responses": responses,
        });
        if r.permission == Permission::Public {
            op["security"] = json!([]);
        }
        if let Some(body) = r.body {
            op["requestBody"] = json!({
                "required": true,
                "description": body,
                "content": {"application/json": {"schema": {"type": "object"}}}
            });
        }
        let method = match r.method {
            Method::Get => "get",
            Method::Post => "post",
        };
        let entry = paths.entry(r.path.to_string()).or_insert_with(|| json!({}));
        entry[method] = op;
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Huaxiang 画像 API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Customer profiles, tags, segments, metrics and models of one workspace. \
                            Personal data is masked except for admins who ask to reveal it (audited)."
        },
        "paths": paths,
        "security": [{"session": []}, {"bearer": []}],
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": crate::auth::COOKIE_NAME},
                "bearer": {"type": "http", "scheme": "bearer"}
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {
                        "code": {"type": "string", "description": "stable snake_case code"},
                        "message": {"type": "string", "description": "中文 / English"}
                    }
                }
            }
        }
    })
}

pub async fn handler() -> Json<Value> {
    Json(document())
}
