//! The error every JSON route answers with. LiteLLM and OpenAI share one envelope,
//! `{"error": {"message", "type", "param", "code"}}`, with the HTTP status as a string in
//! `code`; clients match on `type`. Each variant maps to exactly one status and type in
//! one exhaustive `match`, so adding a variant forces that decision. The message is for
//! the client; internal details go to the log (by the `Internal` constructor), never out.

use crate::db::DbError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The request is malformed or asks for something impossible.
    BadRequest(String),
    /// The request body is larger than the gateway reads.
    PayloadTooLarge(String),
    /// The request names a field wrongly; `param` is the field.
    InvalidField {
        param: String,
        message: String,
    },
    /// No credential, or a credential that is not valid.
    Unauthorized(String),
    /// An expired virtual key.
    ExpiredKey(String),
    /// A key that is not in the database.
    KeyNotFound(String),
    /// A valid caller who may not do this.
    Forbidden(String),
    /// A virtual key, user or team that may not use the requested model.
    ModelAccessDenied {
        kind: ModelAccessKind,
        message: String,
    },
    /// A team member whose team role does not allow the operation.
    TeamMemberPermission(String),
    NotFound(String),
    /// Something with this id, email or alias exists already.
    Conflict(String),
    /// A member who is already in the team.
    AlreadyInTeam(String),
    /// A budget is spent; the status is configurable (`budget_exceeded_status_code`).
    BudgetExceeded {
        status: u16,
        message: String,
    },
    /// An rpm, tpm or parallel-request limit; `retry_after` in seconds.
    RateLimited {
        message: String,
        retry_after: u64,
    },
    /// The store cannot take writes right now (disk full, read-only, locked).
    StoreUnavailable(String),
    /// An upstream model server failed or could not be reached.
    Upstream {
        status: u16,
        message: String,
    },
    /// A bug or an unexpected failure; the detail was logged, the client sees a generic text.
    Internal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelAccessKind {
    Key,
    Team,
    User,
}

impl ApiError {
    /// An unexpected failure: logs the detail, answers a generic 500.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        ApiError::Internal
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::BadRequest(message.into())
    }

    pub fn field(param: &str, message: impl Into<String>) -> Self {
        ApiError::InvalidField { param: param.to_string(), message: message.into() }
    }

    pub fn status(&self) -> StatusCode {
        self.parts().0
    }

    pub fn message(&self) -> String {
        self.parts().2
    }

    /// The request field the error is about, if any (the UI shows the message beside it).
    pub fn param(&self) -> Option<String> {
        self.parts().3
    }

    /// (status, type, message, param)
    fn parts(&self) -> (StatusCode, &'static str, String, Option<String>) {
        let status = |code: u16| StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST);
        match self {
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, "bad_request_error", m.clone(), None),
            ApiError::PayloadTooLarge(m) => (StatusCode::PAYLOAD_TOO_LARGE, "bad_request_error", m.clone(), None),
            ApiError::InvalidField { param, message } => {
                (StatusCode::BAD_REQUEST, "bad_request_error", message.clone(), Some(param.clone()))
            }
            ApiError::Unauthorized(m) => (StatusCode::UNAUTHORIZED, "auth_error", m.clone(), None),
            ApiError::ExpiredKey(m) => (StatusCode::UNAUTHORIZED, "expired_key", m.clone(), None),
            ApiError::KeyNotFound(m) => {
                (StatusCode::UNAUTHORIZED, "token_not_found_in_db", m.clone(), Some("key".into()))
            }
            ApiError::Forbidden(m) => (StatusCode::FORBIDDEN, "auth_error", m.clone(), None),
            ApiError::ModelAccessDenied { kind, message } => {
                let kind = match kind {
                    ModelAccessKind::Key => "key_model_access_denied",
                    ModelAccessKind::Team => "team_model_access_denied",
                    ModelAccessKind::User => "user_model_access_denied",
                };
                (StatusCode::UNAUTHORIZED, kind, message.clone(), Some("model".into()))
            }
            ApiError::TeamMemberPermission(m) => {
                (StatusCode::UNAUTHORIZED, "team_member_permission_error", m.clone(), None)
            }
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, "not_found_error", m.clone(), None),
            ApiError::Conflict(m) => (StatusCode::CONFLICT, "bad_request_error", m.clone(), None),
            ApiError::AlreadyInTeam(m) => (StatusCode::BAD_REQUEST, "team_member_already_in_team", m.clone(), None),
            ApiError::BudgetExceeded { status: code, message } => {
                (status(*code), "budget_exceeded", message.clone(), None)
            }
            ApiError::RateLimited { message, .. } => {
                (StatusCode::TOO_MANY_REQUESTS, "rate_limit_error", message.clone(), None)
            }
            ApiError::StoreUnavailable(m) => (StatusCode::SERVICE_UNAVAILABLE, "no_db_connection", m.clone(), None),
            ApiError::Upstream { status: code, message } => (status(*code), "upstream_error", message.clone(), None),
            ApiError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_server_error",
                "Internal server error: the proxy logged the details".into(),
                None,
            ),
        }
    }

    pub fn body(&self) -> serde_json::Value {
        let (status, kind, message, param) = self.parts();
        json!({"error": {"message": message, "type": kind, "param": param, "code": status.as_u16().to_string()}})
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status(), axum::Json(self.body())).into_response();
        if let ApiError::RateLimited { retry_after, .. } = &self
            && let Ok(value) = HeaderValue::from_str(&retry_after.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        if let ApiError::PayloadTooLarge(_) = &self {
            // The rest of the body is left unread on the connection, so it cannot carry
            // another request: say so, or a client reuses it and loses its next request.
            response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

impl From<DbError> for ApiError {
    fn from(error: DbError) -> Self {
        match error {
            DbError::Full => ApiError::StoreUnavailable(
                "The database disk is full: the change was not saved. Free disk space on the proxy's machine.".into(),
            ),
            DbError::ReadOnly => {
                ApiError::StoreUnavailable("The database file is read-only: the change was not saved.".into())
            }
            DbError::Busy => ApiError::StoreUnavailable("The database is busy: try again.".into()),
            DbError::Constraint(detail) => ApiError::internal(format!("unhandled constraint: {detail}")),
            DbError::Other(detail) => ApiError::internal(detail),
        }
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(error: rusqlite::Error) -> Self {
        ApiError::from(DbError::from(error))
    }
}

/// The JSON body extractor's rejection, in our envelope instead of axum's plain text.
pub fn json_rejection(rejection: axum::extract::rejection::JsonRejection) -> ApiError {
    ApiError::BadRequest(format!("Invalid request body: {}", rejection.body_text()))
}
