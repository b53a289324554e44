//! A real Anthropic-shaped upstream for the black-box tests: an axum server on 127.0.0.1,
//! started once per test binary, serving `POST /v1/messages` and
//! `/v1/messages/count_tokens` as Anthropic documents them. It refuses a request without
//! the right `x-api-key` (401 `authentication_error`) or without `anthropic-version` (400),
//! as Anthropic does. What it answers is chosen by the `model` it is asked for, as
//! `+`-separated flags: `i=N` input tokens (default 10), `o=N` output tokens (default 5),
//! `cr=N` and `cw=N` cache read and cache write tokens, `tool` (the answer ends in a
//! tool call, streamed as `input_json_delta` pieces), `fail429`, `fail529`. It counts calls
//! per model and keeps each model's last body (its bytes) and headers.
#![allow(dead_code)]

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The key the mock accepts in `x-api-key`.
pub const UPSTREAM_KEY: &str = "sk-ant-mock-upstream-key";

#[derive(Default)]
pub struct Seen {
    pub calls: HashMap<String, usize>,
    pub counts: HashMap<String, usize>,
    pub bodies: HashMap<String, Bytes>,
    pub headers: HashMap<String, HeaderMap>,
}

pub struct MockAnthropic {
    pub base: String,
    seen: Arc<Mutex<Seen>>,
}

impl MockAnthropic {
    /// Calls of `/v1/messages` for a model.
    pub fn calls(&self, model: &str) -> usize {
        self.seen.lock().unwrap().calls.get(model).copied().unwrap_or(0)
    }

    /// Calls of `/v1/messages/count_tokens` for a model.
    pub fn counts(&self, model: &str) -> usize {
        self.seen.lock().unwrap().counts.get(model).copied().unwrap_or(0)
    }

    pub fn last_body(&self, model: &str) -> Option<Bytes> {
        self.seen.lock().unwrap().bodies.get(model).cloned()
    }

    /// Every value of a header of the model's last request.
    pub fn last_header(&self, model: &str, name: &str) -> Vec<String> {
        let seen = self.seen.lock().unwrap();
        let Some(headers) = seen.headers.get(model) else { return Vec::new() };
        headers.get_all(name).iter().map(|v| v.to_str().unwrap_or_default().to_string()).collect()
    }
}

/// The mock, started on first use.
pub fn mock() -> &'static MockAnthropic {
    static MOCK: OnceLock<MockAnthropic> = OnceLock::new();
    MOCK.get_or_init(|| {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let (tx, rx) = std::sync::mpsc::channel();
        let shared = seen.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                let app = Router::new()
                    .route("/v1/messages", post(messages))
                    .route("/v1/messages/count_tokens", post(count_tokens))
                    .with_state(shared);
                axum::serve(listener, app).await.unwrap();
            });
        });
        let address = rx.recv().unwrap();
        MockAnthropic { base: format!("http://{address}"), seen }
    })
}

/// One `[[model_list]]` entry: `name` served by `anthropic/<upstream>` on the mock, priced
/// by the built-in table unless `prices` gives (input, output) per token.
pub fn model(name: &str, upstream: &str) -> String {
    format!(
        "[[model_list]]\nmodel_name = \"{name}\"\n[model_list.litellm_params]\nmodel = \"anthropic/{upstream}\"\napi_base = \"{}\"\napi_key = \"{UPSTREAM_KEY}\"\n\n",
        mock().base
    )
}

type Shared = Arc<Mutex<Seen>>;

fn flag(model: &str, name: &str) -> Option<u64> {
    model.split('+').find_map(|f| f.strip_prefix(&format!("{name}="))?.parse().ok())
}

fn has(model: &str, name: &str) -> bool {
    model.split('+').any(|f| f == name)
}

fn error(status: u16, kind: &str, message: &str) -> Response {
    let body = json!({"type": "error", "error": {"type": kind, "message": message}});
    (StatusCode::from_u16(status).unwrap(), axum::Json(body)).into_response()
}

/// Anthropic's own checks of a request: the key and the version header.
fn refused(headers: &HeaderMap) -> Option<Response> {
    if headers.get("x-api-key").and_then(|v| v.to_str().ok()) != Some(UPSTREAM_KEY) {
        return Some(error(401, "authentication_error", "invalid x-api-key"));
    }
    if !headers.contains_key("anthropic-version") {
        return Some(error(400, "invalid_request_error", "anthropic-version: header is required"));
    }
    None
}

fn usage(model: &str) -> Value {
    json!({
        "input_tokens": flag(model, "i").unwrap_or(10),
        "cache_creation_input_tokens": flag(model, "cw").unwrap_or(0),
        "cache_read_input_tokens": flag(model, "cr").unwrap_or(0),
        "output_tokens": flag(model, "o").unwrap_or(5),
    })
}

async fn messages(State(seen): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let parsed: Value = serde_json::from_slice(&body).unwrap_or_default();
    let model = parsed["model"].as_str().unwrap_or("").to_string();
    {
        let mut seen = seen.lock().unwrap();
        *seen.calls.entry(model.clone()).or_default() += 1;
        seen.bodies.insert(model.clone(), body.clone());
        seen.headers.insert(model.clone(), headers.clone());
    }
    if let Some(refusal) = refused(&headers) {
        return refusal;
    }
    if has(&model, "fail429") {
        return error(429, "rate_limit_error", "mock rate limit");
    }
    if has(&model, "fail529") {
        return error(529, "overloaded_error", "Overloaded");
    }
    if parsed["stream"].as_bool() == Some(true) {
        return stream(&model);
    }
    let mut content = vec![json!({"type": "text", "text": "Hello from the mock."})];
    if has(&model, "tool") {
        content
            .push(json!({"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {"location": "Paris"}}));
    }
    let stop = if has(&model, "tool") { "tool_use" } else { "end_turn" };
    axum::Json(json!({
        "id": "msg_01mock", "type": "message", "role": "assistant", "model": model,
        "content": content, "stop_reason": stop, "stop_sequence": null, "usage": usage(&model),
    }))
    .into_response()
}

/// The documented event sequence: message_start, a text block, a ping, then (with `tool`)
/// a tool_use block whose input arrives as `input_json_delta` pieces, message_delta with
/// the output tokens, message_stop.
fn stream(model: &str) -> Response {
    let mut start_usage = usage(model);
    start_usage["output_tokens"] = json!(1);
    let mut events = vec![
        (
            "message_start",
            json!({"type": "message_start", "message": {"id": "msg_01mock", "type": "message", "role": "assistant", "model": model, "content": [], "stop_reason": null, "stop_sequence": null, "usage": start_usage}}),
        ),
        (
            "content_block_start",
            json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        ),
        ("ping", json!({"type": "ping"})),
        (
            "content_block_delta",
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hello"}}),
        ),
        (
            "content_block_delta",
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": " there."}}),
        ),
        ("content_block_stop", json!({"type": "content_block_stop", "index": 0})),
    ];
    if has(model, "tool") {
        events.push(("content_block_start", json!({"type": "content_block_start", "index": 1, "content_block": {"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {}}})));
        for piece in ["", "{\"location\":", " \"Par", "is\"}"] {
            events.push(("content_block_delta", json!({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": piece}})));
        }
        events.push(("content_block_stop", json!({"type": "content_block_stop", "index": 1})));
    }
    let stop = if has(model, "tool") { "tool_use" } else { "end_turn" };
    events.push(("message_delta", json!({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": null}, "usage": {"output_tokens": flag(model, "o").unwrap_or(5)}})));
    events.push(("message_stop", json!({"type": "message_stop"})));
    let text: String = events.iter().map(|(name, data)| format!("event: {name}\ndata: {data}\n\n")).collect();
    let mut response = Body::from(text).into_response();
    response.headers_mut().insert("content-type", "text/event-stream".parse().unwrap());
    response
}

async fn count_tokens(State(seen): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let parsed: Value = serde_json::from_slice(&body).unwrap_or_default();
    let model = parsed["model"].as_str().unwrap_or("").to_string();
    *seen.lock().unwrap().counts.entry(model.clone()).or_default() += 1;
    if let Some(refusal) = refused(&headers) {
        return refusal;
    }
    axum::Json(json!({"input_tokens": flag(&model, "i").unwrap_or(42)})).into_response()
}
