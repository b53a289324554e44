//! A real OpenAI-shaped upstream for the black-box tests: an axum server on 127.0.0.1,
//! started once per test binary. What it does is chosen by the `model` it is asked for,
//! as `+`-separated flags (tests pick unique model names, so counts never mix):
//! `fail429`, `fail500`, `fail400`, `delay=MS` (before answering), `nousage`, `p=N`
//! (prompt tokens, default 10), `c=N` (completion tokens / stream chunks, default 5),
//! `slow=MS` (between stream chunks), `echo401` (a 401 whose message repeats the
//! `Authorization` header, as a careless upstream might), `toolong` (a 400 `context_length_exceeded`), `tool` (the answer ends in a call
//! of `get_weather`, streamed argument piece by argument piece). It counts calls per model
//! and streams the client abandoned, and keeps the last request body and credential
//! headers per model. Its Responses API and a chat server whose model uses the tool's
//! result are in `mock_responses.rs`; its images, audio, moderation and rerank routes in
//! `mock_media.rs`.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

#[derive(Default)]
pub struct Seen {
    pub calls: HashMap<String, usize>,
    pub aborted: HashMap<String, usize>,
    pub bodies: HashMap<String, Value>,
    pub credentials: HashMap<String, String>,
}

pub struct Mock {
    pub base: String,
    seen: Arc<Mutex<Seen>>,
}

impl Mock {
    /// `api_base` for OpenAI-compatible deployments.
    pub fn api_base(&self) -> String {
        format!("{}/v1", self.base)
    }

    pub fn calls(&self, model: &str) -> usize {
        self.seen.lock().unwrap().calls.get(model).copied().unwrap_or(0)
    }

    pub fn aborted(&self, model: &str) -> usize {
        self.seen.lock().unwrap().aborted.get(model).copied().unwrap_or(0)
    }

    pub fn last_body(&self, model: &str) -> Option<Value> {
        self.seen.lock().unwrap().bodies.get(model).cloned()
    }

    pub fn last_credential(&self, model: &str) -> Option<String> {
        self.seen.lock().unwrap().credentials.get(model).cloned()
    }
}

/// The mock, started on first use.
pub fn mock() -> &'static Mock {
    static MOCK: OnceLock<Mock> = OnceLock::new();
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
                    .route("/v1/chat/completions", post(chat))
                    .route("/v1/completions", post(chat))
                    .route("/v1/embeddings", post(embeddings))
                    .route("/openai/deployments/{deployment}/chat/completions", post(azure))
                    .route("/v1/responses", post(super::mock_responses::responses))
                    .route("/openai/responses", post(super::mock_responses::responses))
                    .route(
                        "/v1/responses/{id}",
                        axum::routing::get(super::mock_responses::stored).delete(super::mock_responses::stored),
                    )
                    .route(
                        "/openai/responses/{id}",
                        axum::routing::get(super::mock_responses::stored).delete(super::mock_responses::stored),
                    )
                    .route("/v1/responses/{id}/input_items", axum::routing::get(super::mock_responses::stored_items))
                    .route(
                        "/openai/responses/{id}/input_items",
                        axum::routing::get(super::mock_responses::stored_items),
                    )
                    .route("/tools/v1/chat/completions", post(super::mock_responses::tool_chat))
                    .route("/v1/images/generations", post(super::mock_media::images))
                    .route("/v1/audio/transcriptions", post(super::mock_media::transcriptions))
                    .route("/v1/audio/translations", post(super::mock_media::transcriptions))
                    .route("/v1/audio/speech", post(super::mock_media::speech))
                    .route("/v1/moderations", post(super::mock_media::moderations))
                    .route("/v1/rerank", post(super::mock_media::rerank))
                    .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024))
                    .with_state(shared);
                axum::serve(listener, app).await.unwrap();
            });
        });
        let address = rx.recv().unwrap();
        Mock { base: format!("http://{address}"), seen }
    })
}

pub type Shared = Arc<Mutex<Seen>>;

pub fn flag(model: &str, name: &str) -> Option<u64> {
    model.split('+').find_map(|f| f.strip_prefix(&format!("{name}="))?.parse().ok())
}

fn has(model: &str, name: &str) -> bool {
    model.split('+').any(|f| f == name)
}

pub fn record(seen: &Shared, model: &str, body: &Value, credential: String) {
    let mut seen = seen.lock().unwrap();
    *seen.calls.entry(model.to_string()).or_default() += 1;
    seen.bodies.insert(model.to_string(), body.clone());
    seen.credentials.insert(model.to_string(), credential);
}

pub async fn failure(model: &str) -> Option<Response> {
    if let Some(ms) = flag(model, "delay") {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if has(model, "toolong") {
        let body = json!({"error": {"message": "This model's maximum context length is 8192 tokens.", "type": "invalid_request_error", "param": "messages", "code": "context_length_exceeded"}});
        return Some((StatusCode::BAD_REQUEST, axum::Json(body)).into_response());
    }
    for (name, status) in [("fail429", 429), ("fail500", 500), ("fail400", 400)] {
        if has(model, name) {
            let body = json!({"error": {"message": format!("mock {name}"), "type": "mock_error", "param": null, "code": status.to_string()}});
            return Some((StatusCode::from_u16(status).unwrap(), axum::Json(body)).into_response());
        }
    }
    None
}

async fn azure(
    State(seen): State<Shared>,
    Path(deployment): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let key = headers.get("api-key").and_then(|v| v.to_str().ok()).unwrap_or("");
    let credential = format!("api-key={key};api-version={}", query.get("api-version").cloned().unwrap_or_default());
    record(&seen, &deployment, &body, credential);
    answer(&deployment, &body, Some(seen)).await
}

async fn chat(State(seen): State<Shared>, headers: HeaderMap, axum::Json(body): axum::Json<Value>) -> Response {
    let model = body["model"].as_str().unwrap_or("").to_string();
    let credential = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    record(&seen, &model, &body, credential.clone());
    if has(&model, "echo401") {
        let message = format!("Incorrect API key provided: {credential}");
        let body = json!({"error": {"message": message, "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}});
        return (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
    }
    if let Some(failure) = failure(&model).await {
        return failure;
    }
    answer(&model, &body, Some(seen)).await
}

async fn answer(model: &str, body: &Value, seen: Option<Shared>) -> Response {
    let prompt = flag(model, "p").unwrap_or(10);
    let completion = flag(model, "c").unwrap_or(5);
    let usage = json!({"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion});
    let text = vec!["tok"; completion as usize].join(" ");
    if body["stream"].as_bool() == Some(true) {
        return stream(model.to_string(), completion, body, usage, seen.unwrap_or_default());
    }
    let mut answer = json!({
        "id": "chatcmpl-mock", "object": "chat.completion", "created": 1, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "text": text, "finish_reason": "stop"}],
        "system_fingerprint": "mock-fp",
    });
    if has(model, "tool") {
        answer["choices"][0]["message"]["tool_calls"] = json!([{"id": "call_01", "type": "function",
            "function": {"name": "get_weather", "arguments": "{\"location\": \"Paris\"}"}}]);
        answer["choices"][0]["finish_reason"] = json!("tool_calls");
    }
    if !has(model, "nousage") {
        answer["usage"] = usage;
    }
    axum::Json(answer).into_response()
}

/// Marks a stream abandoned if it is dropped before its last event.
struct Guard {
    model: String,
    seen: Shared,
    finished: bool,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if !self.finished {
            *self.seen.lock().unwrap().aborted.entry(self.model.clone()).or_default() += 1;
        }
    }
}

fn stream(model: String, chunks: u64, body: &Value, usage: Value, seen: Shared) -> Response {
    let wants_usage = body["stream_options"]["include_usage"].as_bool() == Some(true) && !has(&model, "nousage");
    let slow = flag(&model, "slow").unwrap_or(0);
    let chunk = |choices: Value, usage: Value| {
        json!({"id": "c", "object": "chat.completion.chunk", "model": model, "choices": choices, "usage": usage})
            .to_string()
    };
    let mut events: Vec<String> = (0..chunks)
        .map(|_| chunk(json!([{"index": 0, "delta": {"content": "tok "}, "finish_reason": null}]), Value::Null))
        .collect();
    if has(&model, "tool") {
        let call = json!({"index": 0, "id": "call_01", "type": "function", "function": {"name": "get_weather", "arguments": ""}});
        events.push(chunk(json!([{"index": 0, "delta": {"tool_calls": [call]}, "finish_reason": null}]), Value::Null));
        for piece in ["{\"location\":", " \"Par", "is\"}"] {
            let call = json!({"index": 0, "function": {"arguments": piece}});
            events.push(chunk(
                json!([{"index": 0, "delta": {"tool_calls": [call]}, "finish_reason": null}]),
                Value::Null,
            ));
        }
    }
    let finish = if has(&model, "tool") { "tool_calls" } else { "stop" };
    events.push(chunk(json!([{"index": 0, "delta": {}, "finish_reason": finish}]), Value::Null));
    if wants_usage {
        events.push(chunk(json!([]), usage));
    }
    events.push("[DONE]".to_string());
    let guard = Guard { model: model.clone(), seen, finished: false };
    let stream = futures_util::stream::unfold((0usize, events, guard), move |(i, events, mut guard)| async move {
        if i >= events.len() {
            return None;
        }
        if slow > 0 && i > 0 {
            tokio::time::sleep(Duration::from_millis(slow)).await;
        }
        if i + 1 == events.len() {
            guard.finished = true;
        }
        let event = format!("data: {}\n\n", events[i]);
        Some((Ok::<_, std::convert::Infallible>(event), (i + 1, events, guard)))
    });
    let mut response = Body::from_stream(stream).into_response();
    response.headers_mut().insert("content-type", "text/event-stream".parse().unwrap());
    response
}

async fn embeddings(State(seen): State<Shared>, headers: HeaderMap, axum::Json(body): axum::Json<Value>) -> Response {
    let model = body["model"].as_str().unwrap_or("").to_string();
    let credential = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    record(&seen, &model, &body, credential);
    if let Some(failure) = failure(&model).await {
        return failure;
    }
    let prompt = flag(&model, "p").unwrap_or(10);
    axum::Json(json!({
        "object": "list", "model": model,
        "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2, 0.3]}],
        "usage": {"prompt_tokens": prompt, "total_tokens": prompt},
    }))
    .into_response()
}
