//! The spend-log row of a request that got no answer from a model: refused by the proxy
//! (model access, an unknown model, a budget, a rate limit) or failed upstream. As in
//! LiteLLM, it is a `failure` row with no tokens and no cost, and the error's status,
//! type and message under `metadata.error_information`, so that a user who asks "why was
//! my request refused?" finds the answer in the logs. Requests without a valid key get
//! no row: anyone can send those, and the log is the key owners'. A refusal the gateway
//! made is read from its typed error, as the client's dialect renders it (so the row's
//! status is the one the client saw); an upstream's error from its body. The same status
//! and type are counted in `/metrics` here, once for every refused or failed request.

use super::flow::Ctx;
use super::providers::Dialect;
use super::router::Deployment;
use crate::error::ApiError;
use axum::body::Body;
use axum::response::Response;
use serde_json::{Value, json};

/// The longest error message kept in a row; upstream error bodies can be long.
const MESSAGE_LIMIT: usize = 2000;

/// Commits the failure row of `response` and hands the response back unchanged. A row
/// that cannot be committed is logged and the answer still goes out: the client must
/// learn why its request failed either way.
pub async fn logged(ctx: &Ctx, response: Response, deployment: Option<&Deployment>, model: &str) -> Response {
    let (parts, body) = response.into_parts();
    // Error answers are built whole in memory; this only joins their pieces.
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let typed = parts.extensions.get::<ApiError>();
    let error = match typed {
        Some(typed) => typed_information(typed, ctx.endpoint.dialect()),
        None => error_information(parts.status.as_u16(), &bytes),
    };
    // The upstream's own error: relayed as it came, or the gateway's word for its failure.
    let upstream = deployment.is_some() && matches!(typed, None | Some(ApiError::Upstream { .. }));
    let status = error["error_code"].as_str().and_then(|c| c.parse().ok()).unwrap_or(parts.status.as_u16());
    let kind = error["error_class"].as_str().unwrap_or_default();
    ctx.count_failure(deployment, model, (status, kind), upstream);
    let mut row = ctx.failure_row(deployment, model, error);
    row.payload = ctx.payload(|known| crate::spend::payloads::stored(&bytes, known));
    if let Err(e) = ctx.state.ledger.commit(&ctx.state, row, None).await {
        tracing::warn!(call_id = %ctx.request_id, error = %e, "could not log a failed request");
    }
    let mut response = Response::from_parts(parts, Body::from(bytes));
    ctx.answer_headers(response.headers_mut());
    response
}

/// LiteLLM's `error_information` of an error the gateway made, as `dialect` renders it.
fn typed_information(error: &ApiError, dialect: Dialect) -> Value {
    let (status, kind) = match dialect {
        Dialect::OpenAi | Dialect::Gemini | Dialect::Responses => (error.status(), error.error_type()),
        Dialect::Anthropic => error.anthropic_parts(),
    };
    json!({
        "error_code": status.as_u16().to_string(),
        "error_class": kind,
        "error_message": truncated(error.message()),
    })
}

/// LiteLLM's `error_information`: the status as text, the error's type and its message
/// (the body itself when it is not an OpenAI-shaped error).
fn error_information(status: u16, body: &[u8]) -> Value {
    let parsed: Value = serde_json::from_slice(body).unwrap_or_default();
    let error = &parsed["error"];
    let message = match error["message"].as_str() {
        Some(message) => message.to_string(),
        None => String::from_utf8_lossy(body).trim().to_string(),
    };
    json!({
        "error_code": status.to_string(),
        "error_class": error["type"].as_str().unwrap_or_default(),
        "error_message": truncated(message),
    })
}

fn truncated(mut text: String) -> String {
    if text.len() > MESSAGE_LIMIT {
        let mut end = MESSAGE_LIMIT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openai_errors_give_their_type_and_message() {
        let body =
            br#"{"error":{"message":"Budget has been exceeded!","type":"budget_exceeded","param":null,"code":"400"}}"#;
        let info = error_information(400, body);
        assert_eq!(
            info,
            json!({"error_code": "400", "error_class": "budget_exceeded", "error_message": "Budget has been exceeded!"})
        );
    }

    #[test]
    fn typed_errors_are_recorded_as_the_dialect_answers_them() {
        let denied =
            ApiError::ModelAccessDenied { kind: crate::error::ModelAccessKind::Key, message: "not this one".into() };
        let openai = typed_information(&denied, Dialect::OpenAi);
        assert_eq!(
            (openai["error_code"].as_str(), openai["error_class"].as_str()),
            (Some("403"), Some("key_model_access_denied"))
        );
        let anthropic = typed_information(&denied, Dialect::Anthropic);
        assert_eq!(
            anthropic,
            json!({"error_code": "403", "error_class": "permission_error", "error_message": "not this one"})
        );
    }

    #[test]
    fn other_bodies_are_kept_as_text_and_cut() {
        let info = error_information(502, b" bad gateway \n");
        assert_eq!(info["error_message"], "bad gateway");
        assert_eq!(info["error_class"], "");
        let long = "é".repeat(MESSAGE_LIMIT);
        let info = error_information(500, long.as_bytes());
        let message = info["error_message"].as_str().unwrap_or_default();
        assert!(message.len() <= MESSAGE_LIMIT + '…'.len_utf8() && message.ends_with('…'), "{message}");
    }
}
