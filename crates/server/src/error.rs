//! The one error type of the API and its one mapping to HTTP.
//!
//! Every failure a handler can meet becomes an [`ApiError`]; `IntoResponse`
//! turns it into a status and a JSON body `{"code": "...", "message": "..."}`
//! where `code` is a stable snake_case identifier clients may match on and
//! `message` is bilingual ("中文 / English") like the command line's.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An API failure, mapped once to a status code and a stable code.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("需要登录 / authentication required")]
    Unauthenticated,
    #[error("用户名或密码错误 / wrong user name or password")]
    BadCredentials,
    #[error("权限不足 / your role `{role}` may not do this (needs {needs})")]
    Forbidden { role: String, needs: String },
    #[error("拒绝显示明文 / refusing to reveal personal data: {0}")]
    RevealRefused(String),
    #[error("请求无效 / bad request: {0}")]
    BadRequest(String),
    #[error("每页最多 1000 条 / limit must be at most 1000 (got {0})")]
    LimitTooLarge(u64),
    #[error("未找到 / not found: {0}")]
    NotFound(String),
    #[error("尚未就绪 / not available yet: {0}")]
    NotBuilt(String),
    #[error("{0}")]
    Validation(String),
    #[error("冲突 / conflict: {0}")]
    Conflict(String),
    #[error("请求体过大 / the request body is larger than 1 MiB")]
    PayloadTooLarge,
    #[error("服务器内部错误 / internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated | ApiError::BadCredentials => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden { .. } | ApiError::RevealRefused(_) => StatusCode::FORBIDDEN,
            ApiError::BadRequest(_) | ApiError::LimitTooLarge(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) | ApiError::NotBuilt(_) => StatusCode::NOT_FOUND,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::BadCredentials => "bad_credentials",
            ApiError::Forbidden { .. } => "forbidden",
            ApiError::RevealRefused(_) => "reveal_refused",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::LimitTooLarge(_) => "limit_too_large",
            ApiError::NotFound(_) => "not_found",
            ApiError::NotBuilt(_) => "not_built",
            ApiError::Validation(_) => "validation_failed",
            ApiError::Conflict(_) => "conflict",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::Internal(_) => "internal",
        }
    }

    /// 404 `not_built` for a table that does not exist yet.
    pub fn no_table(table: &str) -> ApiError {
        ApiError::NotBuilt(format!(
            "table `{table}` does not exist yet; run `huaxiang build` (or the command that writes it) first"
        ))
    }

    /// An internal error from anything displayable.
    pub fn internal(e: impl std::fmt::Display) -> ApiError {
        ApiError::Internal(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if matches!(self, ApiError::Internal(_)) {
            tracing::error!("{self}");
        }
        let body = json!({"code": self.code(), "message": self.to_string()});
        (self.status(), Json(body)).into_response()
    }
}

/// The JSON body of a 500 for a handler that panicked.
pub fn panic_response() -> Response {
    ApiError::Internal("the request handler panicked / 请求处理异常".to_string()).into_response()
}

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(e: axum::extract::rejection::JsonRejection) -> Self {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            ApiError::BadRequest(e.body_text())
        }
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(e: axum::extract::rejection::QueryRejection) -> Self {
        ApiError::BadRequest(e.body_text())
    }
}

impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(e: axum::extract::rejection::PathRejection) -> Self {
        ApiError::BadRequest(e.body_text())
    }
}

impl From<huaxiang_store::StoreError> for ApiError {
    fn from(e: huaxiang_store::StoreError) -> Self {
        use huaxiang_store::StoreError as S;
        match e {
            S::RevealRefused(m) => ApiError::RevealRefused(m),
            other => ApiError::internal(other),
        }
    }
}

impl From<huaxiang_profile::Error> for ApiError {
    fn from(e: huaxiang_profile::Error) -> Self {
        use huaxiang_profile::Error as P;
        match e {
            P::Store(s) => s.into(),
            P::NotFound(_) => ApiError::NotFound(e.to_string()),
            P::Ambiguous { .. } => ApiError::Conflict(e.to_string()),
            P::NotBuilt => ApiError::no_table("persons"),
        }
    }
}

impl From<huaxiang_tags::Error> for ApiError {
    fn from(e: huaxiang_tags::Error) -> Self {
        use huaxiang_tags::Error as T;
        match e {
            T::Store(s) => s.into(),
            T::UnknownTag(_) | T::UnknownPerson(_) => ApiError::NotFound(e.to_string()),
            T::TagExists(_) => ApiError::Conflict(e.to_string()),
            T::InvalidId { .. }
            | T::Definition { .. }
            | T::Parse { .. }
            | T::UnknownColumn { .. }
            | T::Type { .. }
            | T::Cycle { .. } => ApiError::Validation(e.to_string()),
            T::NoFeatures => ApiError::no_table("features"),
            T::NoPersons => ApiError::no_table("persons"),
            other => ApiError::internal(other),
        }
    }
}

impl From<huaxiang_segments::Error> for ApiError {
    fn from(e: huaxiang_segments::Error) -> Self {
        use huaxiang_segments::Error as G;
        match e {
            G::Store(s) => s.into(),
            G::UnknownSegment(_) => ApiError::NotFound(e.to_string()),
            G::SegmentExists(_) => ApiError::Conflict(e.to_string()),
            G::InvalidName(_)
            | G::EmptyCondition { .. }
            | G::UnknownColumn { .. }
            | G::NotBoolean { .. }
            | G::InvalidCondition { .. }
            | G::UnknownExportColumn { .. }
            | G::Usage(_) => ApiError::Validation(e.to_string()),
            G::NoFeatures => ApiError::no_table("features"),
            G::NeverBuilt { .. } | G::NoSuchBuild { .. } => ApiError::NotBuilt(e.to_string()),
            G::RevealRefused(m) => ApiError::RevealRefused(m),
            other => ApiError::internal(other),
        }
    }
}

impl From<huaxiang_metrics::Error> for ApiError {
    fn from(e: huaxiang_metrics::Error) -> Self {
        use huaxiang_metrics::Error as M;
        match e {
            M::Store(s) => s.into(),
            M::UnknownMetric { .. } => ApiError::NotFound(e.to_string()),
            M::Dimension { .. } | M::Range(_) | M::Where { .. } => ApiError::Validation(e.to_string()),
            M::MissingTable { .. } => ApiError::NotBuilt(e.to_string()),
            M::NoAsOf => ApiError::NotBuilt(e.to_string()),
            other => ApiError::internal(other),
        }
    }
}

impl From<huaxiang_nlq::Error> for ApiError {
    fn from(e: huaxiang_nlq::Error) -> Self {
        match e {
            huaxiang_nlq::Error::Metric(m) => m.into(),
            huaxiang_nlq::Error::Store(s) => s.into(),
            other => ApiError::internal(other),
        }
    }
}

impl From<huaxiang_analytics::Error> for ApiError {
    fn from(e: huaxiang_analytics::Error) -> Self {
        use huaxiang_analytics::Error as A;
        match e {
            A::Store(s) => s.into(),
            A::Invalid(m) => ApiError::Validation(m),
            other => {
                let text = other.to_string();
                if text.contains("huaxiang build") || text.contains("does not exist") {
                    ApiError::NotBuilt(text)
                } else {
                    ApiError::Internal(text)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn errors_map_to_a_status_and_a_stable_code() {
        let cases = [
            (ApiError::Unauthenticated, 401, "unauthenticated"),
            (ApiError::LimitTooLarge(5000), 400, "limit_too_large"),
            (ApiError::Validation("无效 / invalid".into()), 422, "validation_failed"),
            (ApiError::RevealRefused("no key".into()), 403, "reveal_refused"),
            (ApiError::no_table("clv"), 404, "not_built"),
            (ApiError::PayloadTooLarge, 413, "payload_too_large"),
        ];
        for (e, status, code) in cases {
            assert_eq!(e.code(), code);
            let res = e.into_response();
            assert_eq!(res.status().as_u16(), status);
            let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.expect("body");
            let v: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
            assert_eq!(v["code"], code);
            assert!(
                v["message"].as_str().is_some_and(|m| m.contains(" / ")),
                "bilingual: {v}"
            );
        }
    }
}
