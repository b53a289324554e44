//! A real Gemini-shaped upstream for the black-box tests: an axum server on 127.0.0.1,
//! started once per test binary, serving `POST /v1beta/models/{model}:generateContent` and
//! `:streamGenerateContent?alt=sse` as Google documents them. It refuses a request without
//! the right `x-goog-api-key` (403 `PERMISSION_DENIED`, Google's error shape). What it
//! answers is chosen by the model's `+`-separated flags: `p=N` prompt tokens (default 10),
//! `c=N` candidate tokens (default 5), `cached=N` of the prompt read from a cache, `tool`
//! (the answer is a whole `functionCall`, signed), `fail429`. It counts calls per model and
//! keeps each model's last body.
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

/// The key the mock accepts in `x-goog-api-key`.
pub const UPSTREAM_KEY: &str = "gemini-mock-upstream-key";

#[derive(Default)]
pub struct Seen {
    pub calls: HashMap<String, usize>,
    pub bodies: HashMap<String, Value>,
}

pub struct MockGemini {
    pub base: String,
    seen: Arc<Mutex<Seen>>,
}

impl MockGemini {
    pub fn calls(&self, model: &str) -> usize {
        self.seen.lock().unwrap().calls.get(model).copied().unwrap_or(0)
    }

    pub fn last_body(&self, model: &str) -> Option<Value> {
        self.seen.lock().unwrap().bodies.get(model).cloned()
    }
}

/// The mock, started on first use.
pub fn mock() -> &'static MockGemini {
    static MOCK: OnceLock<MockGemini> = OnceLock::new();
    MOCK.get_or_init(|| {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let (tx, rx) = std::sync::mpsc::channel();
        let shared = seen.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                let app = Router::new().route("/v1beta/models/{call}", post(generate)).with_state(shared);
                axum::serve(listener, app).await.unwrap();
            });
        });
        let address = rx.recv().unwrap();
        MockGemini { base: format!("http://{address}"), seen }
    })
}

/// One `[[model_list]]` entry: `name` served by `gemini/<upstream>` on the mock, priced
/// (input, output) per token.
pub fn model(name: &str, upstream: &str, price: (f64, f64)) -> String {
    format!(
        "[[model_list]]\nmodel_name = \"{name}\"\n[model_list.litellm_params]\nmodel = \"gemini/{upstream}\"\napi_base = \"{}\"\napi_key = \"{UPSTREAM_KEY}\"\n[model_list.model_info]\ninput_cost_per_token = {}\noutput_cost_per_token = {}\n\n",
        mock().base,
        price.0,
        price.1
    )
}

type Shared = Arc<Mutex<Seen>>;

fn flag(model: &str, name: &str) -> Option<u64> {
    model.split('+').find_map(|f| f.strip_prefix(&format!("{name}="))?.parse().ok())
}

fn has(model: &str, name: &str) -> bool {
    model.split('+').any(|f| f == name)
}

fn error(status: u16, code: &str, message: &str) -> Response {
    let body = json!({"error": {"code": status, "message": message, "status": code}});
    (StatusCode::from_u16(status).unwrap(), axum::Json(body)).into_response()
}

fn usage(model: &str) -> Value {
    let prompt = flag(model, "p").unwrap_or(10);
    let candidates = flag(model, "c").unwrap_or(5);
    let mut usage =
        json!({"promptTokenCount": prompt, "candidatesTokenCount": candidates, "totalTokenCount": prompt + candidates});
    if let Some(cached) = flag(model, "cached") {
        usage["cachedContentTokenCount"] = json!(cached);
    }
    usage
}

async fn generate(
    State(seen): State<Shared>,
    Path(call): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let Some((model, method)) = call.split_once(':') else {
        return error(404, "NOT_FOUND", "no such method");
    };
    let model = model.to_string();
    let parsed: Value = serde_json::from_slice(&body).unwrap_or_default();
    {
        let mut seen = seen.lock().unwrap();
        *seen.calls.entry(model.clone()).or_default() += 1;
        seen.bodies.insert(model.clone(), parsed.clone());
    }
    if headers.get("x-goog-api-key").and_then(|v| v.to_str().ok()) != Some(UPSTREAM_KEY) {
        return error(403, "PERMISSION_DENIED", "API key not valid. Please pass a valid API key.");
    }
    if parsed.get("contents").and_then(Value::as_array).is_none_or(|c| c.is_empty()) {
        return error(400, "INVALID_ARGUMENT", "* GenerateContentRequest.contents: contents is not specified");
    }
    if has(&model, "fail429") {
        return error(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).");
    }
    let call_part =
        json!({"functionCall": {"name": "get_weather", "args": {"location": "Paris"}}, "thoughtSignature": "c2lnbmVk"});
    match method {
        "generateContent" => {
            let mut parts = vec![json!({"text": "Hello from Gemini."})];
            if has(&model, "tool") {
                parts.push(call_part);
            }
            axum::Json(json!({
                "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}],
                "usageMetadata": usage(&model), "modelVersion": model, "responseId": "resp-mock",
            }))
            .into_response()
        }
        "streamGenerateContent" if query.get("alt").map(String::as_str) == Some("sse") => {
            let mut chunks = vec![
                json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "Hello"}]}, "index": 0}], "modelVersion": model, "responseId": "resp-mock"}),
                json!({"candidates": [{"content": {"role": "model", "parts": [{"text": " from Gemini."}]}, "index": 0}], "modelVersion": model}),
            ];
            if has(&model, "tool") {
                chunks.push(json!({"candidates": [{"content": {"role": "model", "parts": [call_part]}, "index": 0}], "modelVersion": model}));
            }
            chunks.push(json!({"candidates": [{"content": {"role": "model", "parts": [{"text": ""}]}, "finishReason": "STOP", "index": 0}], "usageMetadata": usage(&model), "modelVersion": model}));
            let text: String = chunks.iter().map(|c| format!("data: {c}\r\n\r\n")).collect();
            let mut response = Body::from(text).into_response();
            response.headers_mut().insert("content-type", "text/event-stream".parse().unwrap());
            response
        }
        _ => error(404, "NOT_FOUND", "no such method"),
    }
}
