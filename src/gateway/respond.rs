//! A whole (non-streamed) answer: read the upstream body, take the usage from it (or count
//! the tokens when the upstream reports none), price it, commit the spend row, free the
//! request's slots, and only then answer, with the cost and the key's new spend in headers.

use super::admission::{insert, rate_headers};
use super::dispatch::Upstream;
use super::failure;
use super::flow::Ctx;
use super::request::ModelRequest;
use super::upstream::{self, SendError};
use crate::error::ApiError;
use crate::limits::Admission;
use crate::spend::{Committed, Price, tokens};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Deserialize, Default, Clone, Copy)]
pub struct Usage {
    #[serde(default)]
    pub prompt_tokens: Option<u64>,
    #[serde(default)]
    pub completion_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct WithUsage {
    usage: Option<Usage>,
}

pub async fn complete(
    ctx: Ctx,
    mut admission: Admission,
    upstream: Upstream,
    request: &ModelRequest,
    price: Option<Price>,
) -> Result<Response, Response> {
    let body = match upstream::read_body(upstream.response, upstream.deadline).await {
        Ok(body) => body,
        Err(error) => {
            ctx.state.router.record_failure(&upstream.deployment);
            let status = if matches!(error, SendError::TimedOut) { 408 } else { 502 };
            let message = format!("The upstream answer of model {} broke off: {error}", ctx.group);
            let response = ApiError::Upstream { status, message }.into_response();
            return Err(failure::logged(&ctx, response, Some(&upstream.deployment), &upstream.upstream_model).await);
        }
    };
    let model = &upstream.upstream_model;
    let usage = serde_json::from_slice::<WithUsage>(&body).ok().and_then(|w| w.usage);
    let (prompt, completion) = match usage {
        Some(Usage { prompt_tokens: Some(p), completion_tokens }) => (p, completion_tokens.unwrap_or(0)),
        _ => count_tokens(model, request, &body),
    };
    let cost = price.map_or(0.0, |p| p.cost(prompt, completion));
    let row = ctx.row(Some(&upstream.deployment), model, prompt, completion, cost);
    let reservation = admission.reservation.clone();
    let committed =
        ctx.state.ledger.commit(&ctx.state, row, Some(reservation)).await.map_err(IntoResponse::into_response)?;
    admission.release_slots();
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    spend_headers(&mut response, cost, committed, &upstream.deployment.id);
    rate_headers(response.headers_mut(), &admission.remaining);
    ctx.answer_headers(response.headers_mut());
    Ok(response)
}

pub fn spend_headers(response: &mut Response, cost: f64, committed: Committed, model_id: &str) {
    let headers = response.headers_mut();
    insert(headers, "x-litellm-response-cost", cost.to_string());
    if let Some(spend) = committed.key_spend {
        insert(headers, "x-litellm-key-spend", spend.to_string());
    }
    insert(headers, "x-litellm-model-id", model_id.to_string());
}

/// Tokens by the tokenizer, for upstreams that report no usage.
fn count_tokens(model: &str, request: &ModelRequest, body: &[u8]) -> (u64, u64) {
    let prompt = tokens::prompt_tokens(model, &serde_json::Value::Object(request.body.clone()));
    let answer: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let completion = answer
        .get("choices")
        .and_then(|c| c.as_array())
        .map(|choices| {
            choices
                .iter()
                .map(|choice| {
                    let text = choice.get("message").and_then(|m| m.get("content")).or_else(|| choice.get("text"));
                    tokens::count(model, &tokens::text_of(text))
                })
                .sum()
        })
        .unwrap_or(0);
    (prompt, completion)
}
