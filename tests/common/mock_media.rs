//! The mock upstream's media routes, in OpenAI's and Cohere's documented shapes:
//! `/v1/images/generations` (`n` images), `/v1/audio/transcriptions` and `translations`
//! (a multipart upload; flags `dur=N` answer `verbose_json`'s `duration`, `secs=N` the
//! newer `usage.seconds`, else text only), `/v1/audio/speech` (`bytes=N` of fake mp3,
//! default 20000, sent in pieces), `/v1/moderations`, `/v1/rerank` (`tokens` answers
//! vLLM's `usage.total_tokens`, else Cohere's `billed_units.search_units`). Each call is
//! recorded like a chat call; an upload's record has its size and its form fields.
#![allow(dead_code)]

use super::mock_upstream::{Shared, failure, flag, record};
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Value, json};

fn credential(headers: &HeaderMap) -> String {
    let bearer = headers.get("authorization").and_then(|v| v.to_str().ok());
    bearer.or_else(|| headers.get("api-key").and_then(|v| v.to_str().ok())).unwrap_or("").to_string()
}

pub async fn images(State(seen): State<Shared>, headers: HeaderMap, axum::Json(body): axum::Json<Value>) -> Response {
    let model = body["model"].as_str().unwrap_or("").to_string();
    record(&seen, &model, &body, credential(&headers));
    if let Some(failure) = failure(&model).await {
        return failure;
    }
    let n = body["n"].as_u64().unwrap_or(1);
    let data: Vec<Value> = (0..n)
        .map(|i| json!({"url": format!("https://images.example/{i}.png"), "revised_prompt": "a prompt"}))
        .collect();
    axum::Json(json!({"created": 1_700_000_000, "data": data})).into_response()
}

/// The text fields of a multipart form (naively: enough for the tests' forms).
pub fn form_fields(body: &[u8]) -> serde_json::Map<String, Value> {
    let text = String::from_utf8_lossy(body);
    let mut fields = serde_json::Map::new();
    for part in text.split("Content-Disposition: form-data; name=\"").skip(1) {
        let Some((name, rest)) = part.split_once('"') else { continue };
        if rest.starts_with("; filename=") {
            continue;
        }
        let Some((_, value)) = rest.split_once("\r\n\r\n") else { continue };
        let value = value.split("\r\n--").next().unwrap_or("");
        fields.insert(name.to_string(), Value::String(value.to_string()));
    }
    fields
}

pub async fn transcriptions(State(seen): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let fields = form_fields(&body);
    let model = fields.get("model").and_then(Value::as_str).unwrap_or("").to_string();
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let length = headers.get("content-length").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let seen_body =
        json!({"bytes": body.len(), "fields": fields, "content_type": content_type, "content_length": length});
    record(&seen, &model, &seen_body, credential(&headers));
    if let Some(failure) = failure(&model).await {
        return failure;
    }
    if fields.get("response_format").and_then(Value::as_str) == Some("text") {
        return ([("content-type", "text/plain")], "hello from the mock\n").into_response();
    }
    let answer = if let Some(duration) = flag(&model, "dur") {
        json!({"task": "transcribe", "language": "english", "duration": duration as f64, "text": "hello from the mock"})
    } else if let Some(seconds) = flag(&model, "secs") {
        json!({"text": "hello from the mock", "usage": {"type": "duration", "seconds": seconds}})
    } else {
        json!({"text": "hello from the mock"})
    };
    axum::Json(answer).into_response()
}

pub async fn speech(State(seen): State<Shared>, headers: HeaderMap, axum::Json(body): axum::Json<Value>) -> Response {
    let model = body["model"].as_str().unwrap_or("").to_string();
    record(&seen, &model, &body, credential(&headers));
    if let Some(failure) = failure(&model).await {
        return failure;
    }
    let size = flag(&model, "bytes").unwrap_or(20_000) as usize;
    let pieces: Vec<Result<Bytes, std::convert::Infallible>> =
        vec![0x55u8; size].chunks(4096).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    let mut response = Body::from_stream(futures_util::stream::iter(pieces)).into_response();
    response.headers_mut().insert("content-type", "audio/mpeg".parse().unwrap());
    response
}

pub async fn moderations(
    State(seen): State<Shared>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let model = body["model"].as_str().unwrap_or("").to_string();
    record(&seen, &model, &body, credential(&headers));
    if let Some(failure) = failure(&model).await {
        return failure;
    }
    let categories =
        json!({"hate": false, "violence": false, "sexual": false, "harassment": false, "self-harm": false});
    let scores = json!({"hate": 0.001, "violence": 0.002, "sexual": 0.0, "harassment": 0.0, "self-harm": 0.0});
    axum::Json(json!({
        "id": "modr-mock", "model": model,
        "results": [{"flagged": false, "categories": categories, "category_scores": scores}],
    }))
    .into_response()
}

pub async fn rerank(State(seen): State<Shared>, headers: HeaderMap, axum::Json(body): axum::Json<Value>) -> Response {
    let model = body["model"].as_str().unwrap_or("").to_string();
    record(&seen, &model, &body, credential(&headers));
    if let Some(failure) = failure(&model).await {
        return failure;
    }
    let count = body["documents"].as_array().map_or(0, Vec::len);
    let results: Vec<Value> =
        (0..count).map(|i| json!({"index": i, "relevance_score": 1.0 / (i as f64 + 1.0)})).collect();
    let mut answer = json!({"id": "rerank-mock", "results": results});
    if model.split('+').any(|f| f == "tokens") {
        answer["usage"] = json!({"total_tokens": 40});
    } else {
        answer["meta"] = json!({"billed_units": {"search_units": 1}});
    }
    axum::Json(answer).into_response()
}
