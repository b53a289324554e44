//! A whole (non-streamed) answer: read the upstream body, take the usage from it (or count
//! the tokens when the upstream reports none), price it, commit the spend row, free the
//! request's slots, and only then answer, with the cost and the key's new spend in headers.
//! The body goes out as it came; only the usage is read from it, in the endpoint's dialect.

use super::admission::{insert, rate_headers};
use super::anthropic;
use super::conversation::{self, Names};
use super::dispatch::Upstream;
use super::failure;
use super::flow::Ctx;
use super::providers::Dialect;
use super::request::ModelRequest;
use super::router::Deployment;
use super::upstream::{self, SendError};
use crate::error::ApiError;
use crate::limits::Admission;
use crate::spend::{Committed, Price, Usage, payloads, tokens};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::Value;

/// OpenAI's usage: `prompt_tokens` includes the cached ones
/// (`prompt_tokens_details.cached_tokens`), which are priced apart.
pub fn openai_usage(prompt: u64, completion: u64, usage: &Value) -> Usage {
    let cached = usage
        .get("prompt_tokens_details")
        .and_then(|d| d.get("cached_tokens"))
        .and_then(Value::as_u64)
        .unwrap_or(0)
        .min(prompt);
    Usage { input: prompt - cached, cache_read: cached, output: completion, cache_creation: 0 }
}

/// The usage an answer reports, in its dialect.
fn usage_of(dialect: Dialect, body: &[u8]) -> Option<Usage> {
    match dialect {
        Dialect::Anthropic => anthropic::usage::of_answer(body),
        Dialect::Responses => conversation::responses::reply::usage_of_answer(body),
        Dialect::OpenAi | Dialect::Gemini => {
            // Only `usage` is built as a value: the choices are skipped, not copied.
            #[derive(serde::Deserialize)]
            struct Answer {
                usage: Option<Value>,
            }
            let usage = serde_json::from_slice::<Answer>(body).ok()?.usage?;
            let usage = &usage;
            let prompt = usage.get("prompt_tokens")?.as_u64()?;
            let completion = usage.get("completion_tokens").and_then(Value::as_u64).unwrap_or(0);
            Some(openai_usage(prompt, completion, usage))
        }
    }
}

/// The request's prompt tokens by the tokenizer, for upstreams that report no usage.
pub fn prompt_tokens(model: &str, request: &ModelRequest) -> u64 {
    match request.endpoint.dialect() {
        Dialect::OpenAi | Dialect::Gemini | Dialect::Responses => {
            tokens::prompt_tokens(model, &Value::Object(request.body.clone()))
        }
        Dialect::Anthropic => anthropic::count::estimate(model, &request.body),
    }
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
            let cooled = ctx.state.router().record_failure(&upstream.deployment);
            let status = if matches!(error, SendError::TimedOut) { 408 } else { 502 };
            ctx.count_deployment_failure(&upstream.deployment, &upstream.upstream_model, status, cooled);
            let message = format!("The upstream answer of model {} broke off: {error}", ctx.group);
            let response = ApiError::Upstream { status, message }.into_response();
            return Err(failure::logged(&ctx, response, Some(&upstream.deployment), &upstream.upstream_model).await);
        }
    };
    let model = &upstream.upstream_model;
    let (usage, body) = if upstream.translated {
        match translated(&ctx, &upstream.deployment, model, request, &body) {
            Some(translated) => translated,
            None => {
                let message = format!("The upstream answer of model {} could not be read.", ctx.group);
                let response = ApiError::Upstream { status: 502, message }.into_response();
                return Err(failure::logged(&ctx, response, Some(&upstream.deployment), model).await);
            }
        }
    } else {
        let usage = usage_of(request.endpoint.dialect(), &body).unwrap_or_else(|| count_tokens(model, request, &body));
        (usage, body)
    };
    let cost = price.map_or(0.0, |p| p.cost_of(usage));
    let mut row = ctx.row(Some(&upstream.deployment), model, usage, cost);
    row.payload = ctx.payload(|known| payloads::stored(&body, known));
    let reservation = admission.reservation.clone();
    // Counted before the commit is awaited: the row is written even if the client leaves
    // meanwhile (and this future is dropped), so the metrics must not miss it.
    ctx.count_answer(Some(&upstream.deployment), model, (usage, cost), Some(upstream.sent.elapsed()), None);
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

/// A translated answer's usage and its body in the client's dialect; `None` when the
/// upstream's body is not an answer of its dialect.
fn translated(
    ctx: &Ctx,
    deployment: &Deployment,
    model: &str,
    request: &ModelRequest,
    body: &[u8],
) -> Option<(Usage, Bytes)> {
    let reply = conversation::read_reply(deployment.provider.dialect(), body)?;
    let usage = if reply.usage == Usage::default() {
        let text: String = reply.parts.iter().map(conversation::part_text).collect::<Vec<_>>().join(" ");
        Usage { input: prompt_tokens(model, request), output: tokens::count(model, &text), ..Usage::default() }
    } else {
        reply.usage
    };
    let dialect = request.endpoint.dialect();
    let names = Names::new(dialect, &ctx.request_id, &request.model, ctx.started.timestamp());
    let written = conversation::write_reply(dialect, &reply, &names);
    Some((usage, Bytes::from(written.to_string())))
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
fn count_tokens(model: &str, request: &ModelRequest, body: &[u8]) -> Usage {
    let input = prompt_tokens(model, request);
    let answer: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    if request.endpoint.dialect() == Dialect::Anthropic {
        let blocks = answer.get("content").and_then(Value::as_array).into_iter().flatten();
        let output = blocks.map(|block| tokens::count(model, &anthropic::count::block_text(block))).sum();
        return Usage { input, output, ..Usage::default() };
    }
    if request.endpoint.dialect() == Dialect::Responses {
        let output = tokens::count(model, &conversation::responses::reply::output_text(&answer));
        return Usage { input, output, ..Usage::default() };
    }
    let output = answer
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
    Usage { input, output, ..Usage::default() }
}
