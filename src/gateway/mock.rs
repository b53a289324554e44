//! `mock_response` in a request body: the text comes back as the completion (streamed
//! when asked) without an upstream call and at zero cost, as LiteLLM does. It still goes
//! through admission and gets its spend row, so demos and tests exercise the real path.

use super::flow::Ctx;
use super::providers::Endpoint;
use super::request::ModelRequest;
use super::respond::spend_headers;
use crate::limits::Admission;
use crate::spend::tokens;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub async fn respond(
    ctx: Ctx,
    mut admission: Admission,
    request: &ModelRequest,
    text: &str,
) -> Result<Response, Response> {
    let model = request.model.clone();
    let prompt = tokens::prompt_tokens(&model, &Value::Object(request.body.clone()));
    let completion = if request.endpoint == Endpoint::Embeddings { 0 } else { tokens::count(&model, text) };
    let spent = crate::spend::Usage { input: prompt, output: completion, ..Default::default() };
    let id = format!("chatcmpl-{}", uuid::Uuid::new_v4());
    let created = ctx.started.timestamp();
    let usage = json!({"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion});
    let (body, content_type) = if request.stream {
        (stream_body(&id, created, &model, text, request, &usage), "text/event-stream")
    } else {
        let body = match request.endpoint {
            Endpoint::Chat => json!({
                "id": id, "object": "chat.completion", "created": created, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": usage,
            }),
            Endpoint::Completions => json!({
                "id": id, "object": "text_completion", "created": created, "model": model,
                "choices": [{"index": 0, "text": text, "finish_reason": "stop", "logprobs": null}],
                "usage": usage,
            }),
            Endpoint::Embeddings => json!({
                "object": "list", "model": model,
                "data": [{"object": "embedding", "index": 0, "embedding": vec![0.0; 8]}],
                "usage": usage,
            }),
            // Never reached today: Anthropic's and Responses requests keep `mock_response` for
            // the upstream, and the media routes' requests have none (see `ModelRequest::parse`).
            Endpoint::Messages
            | Endpoint::CountTokens
            | Endpoint::Responses
            | Endpoint::Images
            | Endpoint::Transcriptions
            | Endpoint::Translations
            | Endpoint::Speech
            | Endpoint::Moderations
            | Endpoint::Rerank => json!({
                "id": id, "type": "message", "role": "assistant", "model": model,
                "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
                "usage": {"input_tokens": prompt, "output_tokens": completion},
            }),
        };
        (body.to_string(), "application/json")
    };
    let mut row = ctx.row(None, &model, spent, 0.0);
    row.payload = ctx.payload(|known| {
        if request.stream {
            crate::spend::payloads::streamed(text, known)
        } else {
            crate::spend::payloads::stored(body.as_bytes(), known)
        }
    });
    // Before the commit is awaited, as in `respond::complete`.
    ctx.count_answer(None, &model, (spent, 0.0), None, None);
    let committed = ctx
        .state
        .ledger
        .commit(&ctx.state, row, Some(admission.reservation.clone()))
        .await
        .map_err(IntoResponse::into_response)?;
    admission.release_slots();
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    spend_headers(&mut response, 0.0, committed, "mock");
    ctx.answer_headers(response.headers_mut());
    Ok(response)
}

/// The text as chunks of words, then the usage chunk if asked for, then `[DONE]`.
fn stream_body(id: &str, created: i64, model: &str, text: &str, request: &ModelRequest, usage: &Value) -> String {
    let chat = request.endpoint == Endpoint::Chat;
    let object = if chat { "chat.completion.chunk" } else { "text_completion" };
    let choice = |piece: &str, finish: Value| {
        if chat {
            json!({"index": 0, "delta": {"role": "assistant", "content": piece}, "finish_reason": finish})
        } else {
            json!({"index": 0, "text": piece, "finish_reason": finish})
        }
    };
    let mut out = String::new();
    let mut push = |chunk: Value| out.push_str(&format!("data: {chunk}\n\n"));
    for piece in text.split_inclusive(' ') {
        push(
            json!({"id": id, "object": object, "created": created, "model": model, "choices": [choice(piece, Value::Null)]}),
        );
    }
    push(
        json!({"id": id, "object": object, "created": created, "model": model, "choices": [choice("", json!("stop"))]}),
    );
    if request.client_wants_usage {
        push(json!({"id": id, "object": object, "created": created, "model": model, "choices": [], "usage": usage}));
    }
    out.push_str("data: [DONE]\n\n");
    out
}
