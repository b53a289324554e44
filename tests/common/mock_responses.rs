//! The mock upstream's Responses API and its tool-calling chat (routes of the same server
//! as `mock_upstream`, whose flags and counts they share):
//! - `POST /v1/responses` (and Azure's `/openai/responses`): OpenAI's Responses API, whole
//!   or streamed, counted as
//!   `responses:<model>` (so a test tells a relay from a translation by the counts).
//!   Flags: `p=N`, `c=N` (input and output tokens; `c` text deltas), `cr=N` (cached input
//!   tokens), the failure flags of `mock_upstream`.
//!   Each response gets an id of its own (`resp_mock_<n>`) and, unless `store: false`, is
//!   kept: `GET`/`DELETE /v1/responses/{id}` and `GET /v1/responses/{id}/input_items`
//!   (Azure's under `/openai/responses/...`) read it, counted as `get:<model>`,
//!   `delete:<model>`, `items:<model>` (the recorded body is the query string and the
//!   method); an unknown id is a 404 in OpenAI's shape.
//! - `POST /tools/v1/chat/completions`: a chat server whose model calls `get_weather` with
//!   `{"city":"Oslo"}`, or answers "It rains." once the last message is the tool's result.
#![allow(dead_code)]

use super::mock_upstream::{Shared, failure, flag, record};
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

/// The upstream's Bearer key, or Azure's `api-key`.
fn credential(headers: &HeaderMap) -> String {
    let bearer = headers.get("authorization").and_then(|v| v.to_str().ok());
    bearer.or_else(|| headers.get("api-key").and_then(|v| v.to_str().ok())).unwrap_or("").to_string()
}

/// A response the mock keeps: the model, the response, the request's `input`.
type Kept = (String, Value, Value);

/// The responses the mock keeps, by id.
fn kept() -> &'static Mutex<HashMap<String, Kept>> {
    static KEPT: OnceLock<Mutex<HashMap<String, Kept>>> = OnceLock::new();
    KEPT.get_or_init(Default::default)
}

fn new_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("resp_mock_{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// `GET`/`DELETE /v1/responses/{id}`.
pub async fn stored(
    State(seen): State<Shared>,
    method: Method,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let Some((model, response, _)) = kept().lock().unwrap().get(&id).cloned() else { return missing(&id) };
    let verb = if method == Method::DELETE { "delete" } else { "get" };
    record(
        &seen,
        &format!("{verb}:{model}"),
        &json!({"query": query, "method": method.as_str()}),
        credential(&headers),
    );
    if method == Method::DELETE {
        kept().lock().unwrap().remove(&id);
        return axum::Json(json!({"id": id, "object": "response", "deleted": true})).into_response();
    }
    axum::Json(response).into_response()
}

/// `GET /v1/responses/{id}/input_items`.
pub async fn stored_items(
    State(seen): State<Shared>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let Some((model, _, input)) = kept().lock().unwrap().get(&id).cloned() else { return missing(&id) };
    record(&seen, &format!("items:{model}"), &json!({"query": query, "method": "GET"}), credential(&headers));
    let items = match input {
        Value::String(text) => vec![json!({"id": "msg_in_0", "type": "message", "role": "user",
            "content": [{"type": "input_text", "text": text}]})],
        Value::Array(items) => items,
        _ => Vec::new(),
    };
    axum::Json(
        json!({"object": "list", "data": items, "first_id": "msg_in_0", "last_id": "msg_in_0", "has_more": false}),
    )
    .into_response()
}

fn missing(id: &str) -> Response {
    let body = json!({"error": {"message": format!("Response with id '{id}' not found."),
        "type": "invalid_request_error", "param": null, "code": null}});
    (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
}

fn sse(events: Vec<(String, Value)>) -> Response {
    let text: String = events.into_iter().map(|(name, data)| format!("event: {name}\ndata: {data}\n\n")).collect();
    let mut response = Body::from(text).into_response();
    response.headers_mut().insert("content-type", "text/event-stream".parse().unwrap());
    response
}

pub async fn responses(
    State(seen): State<Shared>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let model = body["model"].as_str().unwrap_or("").to_string();
    record(&seen, &format!("responses:{model}"), &body, credential(&headers));
    if let Some(failure) = failure(&model).await {
        return failure;
    }
    let (input, output, cached) =
        (flag(&model, "p").unwrap_or(10), flag(&model, "c").unwrap_or(5), flag(&model, "cr").unwrap_or(0));
    let usage = json!({"input_tokens": input, "input_tokens_details": {"cached_tokens": cached},
        "output_tokens": output, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": input + output});
    let text = vec!["tok"; output as usize].join(" ");
    let item = json!({"id": "msg_mock", "type": "message", "status": "completed", "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": []}]});
    let id = new_id();
    let done = json!({"id": id, "object": "response", "created_at": 1, "status": "completed",
        "model": model, "output": [item], "usage": usage, "previous_response_id": body["previous_response_id"]});
    if body["store"].as_bool() != Some(false) {
        kept().lock().unwrap().insert(id, (model.clone(), done.clone(), body["input"].clone()));
    }
    if body["stream"].as_bool() != Some(true) {
        return axum::Json(done).into_response();
    }
    let mut created = done.clone();
    created["status"] = "in_progress".into();
    created["output"] = json!([]);
    created["usage"] = Value::Null;
    let mut events = vec![
        ("response.created".to_string(), json!({"type": "response.created", "response": created})),
        (
            "response.output_item.added".into(),
            json!({"type": "response.output_item.added", "output_index": 0,
            "item": {"id": "msg_mock", "type": "message", "status": "in_progress", "role": "assistant", "content": []}}),
        ),
    ];
    for _ in 0..output {
        events.push((
            "response.output_text.delta".into(),
            json!({"type": "response.output_text.delta",
            "item_id": "msg_mock", "output_index": 0, "content_index": 0, "delta": "tok "}),
        ));
    }
    events.push((
        "response.output_item.done".into(),
        json!({"type": "response.output_item.done", "output_index": 0, "item": item}),
    ));
    events.push(("response.completed".into(), json!({"type": "response.completed", "response": done})));
    for (n, (_, data)) in events.iter_mut().enumerate() {
        data["sequence_number"] = n.into();
    }
    sse(events)
}

pub async fn tool_chat(
    State(seen): State<Shared>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let model = body["model"].as_str().unwrap_or("").to_string();
    record(&seen, &model, &body, credential(&headers));
    let answered = body["messages"].as_array().and_then(|m| m.last()).is_some_and(|m| m["role"] == "tool");
    let usage = json!({"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15});
    let call = json!({"id": "call_mock_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Oslo\"}"}});
    if body["stream"].as_bool() != Some(true) {
        let message = if answered {
            json!({"role": "assistant", "content": "It rains."})
        } else {
            json!({"role": "assistant", "content": null, "tool_calls": [call]})
        };
        let finish = if answered { "stop" } else { "tool_calls" };
        return axum::Json(json!({"id": "chatcmpl-tools", "object": "chat.completion", "created": 1, "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish}], "usage": usage}))
        .into_response();
    }
    let chunk = |delta: Value, finish: Value| {
        json!({"id": "c", "object": "chat.completion.chunk", "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
    };
    let mut chunks = if answered {
        vec![chunk(json!({"role": "assistant", "content": "It rains."}), Value::Null), chunk(json!({}), json!("stop"))]
    } else {
        vec![
            chunk(
                json!({"role": "assistant", "tool_calls": [{"index": 0, "id": "call_mock_1", "type": "function",
                "function": {"name": "get_weather", "arguments": ""}}]}),
                Value::Null,
            ),
            chunk(json!({"tool_calls": [{"index": 0, "function": {"arguments": "{\"city\":"}}]}), Value::Null),
            chunk(json!({"tool_calls": [{"index": 0, "function": {"arguments": "\"Oslo\"}"}}]}), Value::Null),
            chunk(json!({}), json!("tool_calls")),
        ]
    };
    chunks.push(json!({"id": "c", "object": "chat.completion.chunk", "model": model, "choices": [], "usage": usage}));
    let text: String =
        chunks.iter().map(|c| format!("data: {c}\n\n")).chain(["data: [DONE]\n\n".to_string()]).collect();
    let mut response = Body::from(text).into_response();
    response.headers_mut().insert("content-type", "text/event-stream".parse().unwrap());
    response
}
