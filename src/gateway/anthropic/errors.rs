//! Error answers of the Anthropic routes. An error the gateway made carries its typed
//! `ApiError` (see `error.rs`), which is rendered again in Anthropic's shape and status;
//! the headers of the first answer (retry-after, call id, the key's limits) are kept. An
//! upstream's own error body passes as it came: an Anthropic upstream's is in this shape
//! already.

use crate::error::ApiError;
use axum::response::Response;
use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};

/// `response` as an Anthropic client must see it.
pub fn render(response: Response) -> Response {
    let Some(error) = response.extensions().get::<ApiError>().cloned() else {
        return response;
    };
    let (parts, _) = response.into_parts();
    let mut rendered = error.anthropic_response();
    for (name, value) in &parts.headers {
        if name != CONTENT_TYPE && name != CONTENT_LENGTH {
            rendered.headers_mut().insert(name.clone(), value.clone());
        }
    }
    rendered
}

/// An `error` event for a stream that cannot go on, in Anthropic's shape.
pub fn event(kind: &str, message: &str) -> Bytes {
    let body = serde_json::json!({"type": "error", "error": {"type": kind, "message": message}});
    Bytes::from(format!("event: error\ndata: {body}\n\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::response::IntoResponse;

    async fn body_of(response: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap_or_default();
        serde_json::from_slice(&bytes).unwrap_or_default()
    }

    #[tokio::test]
    async fn gateway_errors_get_anthropics_shape_and_status() {
        let cases = [
            (ApiError::Unauthorized("no key".into()), 401, "authentication_error"),
            (
                ApiError::ModelAccessDenied { kind: crate::error::ModelAccessKind::Key, message: "no".into() },
                403,
                "permission_error",
            ),
            (
                ApiError::BudgetExceeded { status: 400, message: "Budget has been exceeded".into() },
                400,
                "invalid_request_error",
            ),
            (
                ApiError::BudgetExceeded { status: 429, message: "Budget has been exceeded".into() },
                429,
                "rate_limit_error",
            ),
            (ApiError::RateLimited { message: "rpm".into(), retry_after: 7 }, 429, "rate_limit_error"),
            (ApiError::Upstream { status: 529, message: "busy".into() }, 529, "overloaded_error"),
            (ApiError::Internal, 500, "api_error"),
            (ApiError::NotFound("gone".into()), 404, "not_found_error"),
        ];
        for (error, status, kind) in cases {
            let message = error.message();
            let retry = matches!(error, ApiError::RateLimited { .. });
            let rendered = render(error.into_response());
            assert_eq!(rendered.status().as_u16(), status, "{kind}");
            if retry {
                assert_eq!(rendered.headers().get("retry-after").map(|v| v.as_bytes()), Some(&b"7"[..]));
            }
            let body = body_of(rendered).await;
            assert_eq!(body, serde_json::json!({"type": "error", "error": {"type": kind, "message": message}}));
        }
    }

    #[tokio::test]
    async fn an_upstream_body_passes_as_it_came() {
        let upstream = (http::StatusCode::from_u16(529).unwrap_or_default(), "{\"type\":\"error\"}").into_response();
        let rendered = render(upstream);
        assert_eq!(rendered.status().as_u16(), 529);
        assert_eq!(body_of(rendered).await, serde_json::json!({"type": "error"}));
    }
}
