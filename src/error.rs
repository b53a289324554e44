//! The error every JSON route answers with. LiteLLM and OpenAI share one envelope,
//! `{"error": {"message", "type", "param", "code"}}`, with the HTTP status as a string in
//! `code`; clients match on `type`. Each variant maps to exactly one status and type in
//! one exhaustive `match`, so adding a variant forces that decision. The message is for
//! the client; internal details go to the log (by the `Internal` constructor), never out.
//!
//! Anthropic's routes (`/v1/messages`) answer the same errors in Anthropic's shape
//! (`{"type": "error", "error": {"type", "message"}}`, [`ApiError::anthropic_response`]),
//! decided by a second exhaustive `match`. An error answer carries its `ApiError` as a
//! response extension, so an error made deep in the gateway is rendered in the client's
//! dialect at the edge without parsing its body back.

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
    /// A request naming a blocked customer (LiteLLM's answer: 400 `invalid_request_error`).
    CustomerBlocked(String),
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

    /// The error's type in OpenAI's shape (`bad_request_error`, `budget_exceeded`, ...).
    pub fn error_type(&self) -> &'static str {
        self.parts().1
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
                (StatusCode::FORBIDDEN, kind, message.clone(), Some("model".into()))
            }
            ApiError::TeamMemberPermission(m) => {
                (StatusCode::UNAUTHORIZED, "team_member_permission_error", m.clone(), None)
            }
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, "not_found_error", m.clone(), None),
            ApiError::Conflict(m) => (StatusCode::CONFLICT, "bad_request_error", m.clone(), None),
            ApiError::AlreadyInTeam(m) => (StatusCode::BAD_REQUEST, "team_member_already_in_team", m.clone(), None),
            ApiError::CustomerBlocked(m) => (StatusCode::BAD_REQUEST, "invalid_request_error", m.clone(), None),
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
        let mut body =
            json!({"error": {"message": message, "type": kind, "param": param, "code": status.as_u16().to_string()}});
        // LiteLLM's refusal of a blocked customer carries its `detail` here too.
        if let ApiError::CustomerBlocked(m) = self {
            body["error"]["provider_specific_fields"] = json!({"error": m});
        }
        body
    }

    /// Anthropic's status and error type for this error, chosen so that Anthropic's SDKs
    /// raise the matching exception (401 `AuthenticationError`, 403
    /// `PermissionDeniedError`, 429 `RateLimitError`, ...).
    pub fn anthropic_parts(&self) -> (StatusCode, &'static str) {
        let status = |code: u16| StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST);
        match self {
            ApiError::BadRequest(_)
            | ApiError::InvalidField { .. }
            | ApiError::AlreadyInTeam(_)
            | ApiError::CustomerBlocked(_) => (StatusCode::BAD_REQUEST, "invalid_request_error"),
            ApiError::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "request_too_large"),
            ApiError::Unauthorized(_) | ApiError::ExpiredKey(_) | ApiError::KeyNotFound(_) => {
                (StatusCode::UNAUTHORIZED, "authentication_error")
            }
            // Anthropic's clients expect a refused model to be a permission error.
            ApiError::Forbidden(_) | ApiError::ModelAccessDenied { .. } | ApiError::TeamMemberPermission(_) => {
                (StatusCode::FORBIDDEN, "permission_error")
            }
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found_error"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "invalid_request_error"),
            ApiError::BudgetExceeded { status: code, .. } | ApiError::Upstream { status: code, .. } => {
                (status(*code), anthropic_error_type(*code))
            }
            ApiError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limit_error"),
            ApiError::StoreUnavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "api_error"),
            ApiError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "api_error"),
        }
    }

    /// The error in Anthropic's shape.
    pub fn anthropic_body(&self) -> serde_json::Value {
        let (_, kind) = self.anthropic_parts();
        json!({"type": "error", "error": {"type": kind, "message": self.message()}})
    }

    /// The answer to an Anthropic client: its status, body and the same headers as
    /// [`IntoResponse`] gives.
    pub fn anthropic_response(self) -> Response {
        let status = self.anthropic_parts().0;
        let body = self.anthropic_body();
        let mut response = self.into_response();
        *response.status_mut() = status;
        *response.body_mut() = axum::body::Body::from(body.to_string());
        response.headers_mut().remove(header::CONTENT_LENGTH);
        response
    }
}

/// Anthropic's error type for an HTTP status (for errors that carry a status of their
/// own: an upstream's, or the configured budget status).
pub fn anthropic_error_type(status: u16) -> &'static str {
    match status {
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        529 | 503 => "overloaded_error",
        400..=499 => "invalid_request_error",
        _ => "api_error",
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
        response.extensions_mut().insert(self.clone());
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
            DbError::NoRow => ApiError::internal("a row the change needed was not found".to_string()),
            DbError::Other(detail) => ApiError::internal(detail),
        }
    }
}

/// The JSON body extractor's rejection, in our envelope instead of axum's plain text.
pub fn json_rejection(rejection: axum::extract::rejection::JsonRejection) -> ApiError {
    ApiError::BadRequest(format!("Invalid request body: {}", rejection.body_text()))
}
