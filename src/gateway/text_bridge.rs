//! `/v1/completions` on a model that only has chat (its deployments' mode is `chat`, by
//! `model_info.mode` or the price table), as LiteLLM's `text_completion` does: the prompt
//! becomes one user message, the request goes to the chat API, and the answer — whole or
//! streamed — is written back as a text completion (`choices[].text`). The spend row keeps
//! the client's call type (`atext_completion`). A list of several prompts has no single
//! chat counterpart and is refused.

use super::providers::{Dialect, Endpoint};
use super::request::ModelRequest;
use super::router::Route;
use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use futures_util::StreamExt;
use serde_json::{Value, json};

/// Whether a text completion on `route` goes through chat.
pub fn applies(state: &AppState, route: &Route, request: &ModelRequest) -> bool {
    if request.endpoint != Endpoint::Completions {
        return false;
    }
    let prices = &state.router().prices;
    route.deployments.iter().all(|d| {
        d.provider.dialect() == Dialect::OpenAi && d.mode_in(prices, &d.upstream_model_for(route)) == Some("chat")
    })
}

/// The request as a chat completion.
pub fn to_chat(request: &mut ModelRequest) -> Result<(), ApiError> {
    let prompt = match request.body.remove("prompt") {
        Some(Value::String(text)) => text,
        Some(Value::Array(items)) if items.len() == 1 && items[0].is_string() => {
            items[0].as_str().unwrap_or_default().to_string()
        }
        _ => {
            return Err(ApiError::field(
                "prompt",
                "This model has only chat: its text completions take one `prompt` string, sent as a user message.",
            ));
        }
    };
    // Fields of the completions API that chat does not take (or takes in another type).
    for field in ["echo", "suffix", "logprobs", "best_of"] {
        request.body.remove(field);
    }
    request.body.insert("messages".into(), json!([{"role": "user", "content": prompt}]));
    request.endpoint = Endpoint::Chat;
    Ok(())
}

/// The chat answer written as a text completion; errors go as they are.
pub async fn answer(response: Response, stream: bool) -> Response {
    if !response.status().is_success() {
        return response;
    }
    let (parts, body) = response.into_parts();
    if stream {
        let mut pending: Vec<u8> = Vec::new();
        let events = body.into_data_stream().map(move |chunk| {
            chunk.map(|bytes| {
                pending.extend_from_slice(&bytes);
                let mut out = Vec::new();
                while let Some(end) = pending.windows(2).position(|w| w == b"\n\n") {
                    let event: Vec<u8> = pending.drain(..end + 2).collect();
                    out.extend_from_slice(&event_as_text(&event));
                }
                Bytes::from(out)
            })
        });
        return Response::from_parts(parts, Body::from_stream(events));
    }
    // A whole answer is in memory already; this only joins its pieces.
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let written = match serde_json::from_slice::<Value>(&bytes) {
        Ok(chat) => Bytes::from(as_text(&chat, "message").to_string()),
        Err(_) => bytes,
    };
    let mut parts = parts;
    parts.headers.remove(http::header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(written))
}

/// A chat completion (`part` = `message`) or chunk (`delta`) as a text completion.
fn as_text(chat: &Value, part: &str) -> Value {
    let choices: Vec<Value> = chat["choices"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|choice| {
            json!({
                "index": choice["index"],
                "text": choice[part]["content"].as_str().unwrap_or_default(),
                "logprobs": null,
                "finish_reason": choice["finish_reason"],
            })
        })
        .collect();
    let mut text = json!({
        "id": chat["id"], "object": "text_completion", "created": chat["created"], "model": chat["model"],
        "choices": choices,
    });
    if let Some(usage) = chat.get("usage").filter(|u| !u.is_null()) {
        text["usage"] = usage.clone();
    }
    text
}

/// One server-sent event of a chat stream as a text completion's.
fn event_as_text(event: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(event);
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        match line.strip_prefix("data: ").map(str::trim_end) {
            Some(data) if data != "[DONE]" => match serde_json::from_str::<Value>(data) {
                Ok(chunk) if chunk.get("choices").is_some() => {
                    out.push_str(&format!("data: {}\n", as_text(&chunk, "delta")));
                }
                _ => out.push_str(line),
            },
            _ => out.push_str(line),
        }
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chat_answer_reads_as_a_text_completion() {
        let chat = json!({"id": "c1", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}});
        let text = as_text(&chat, "message");
        assert_eq!(text["object"], "text_completion");
        assert_eq!(text["choices"][0]["text"], "hi");
        assert_eq!(text["usage"]["total_tokens"], 4);
        let event = b"data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"},\"finish_reason\":null}]}\n\n";
        let written: Value =
            serde_json::from_str(String::from_utf8_lossy(&event_as_text(event)).trim().strip_prefix("data: ").unwrap())
                .unwrap();
        assert_eq!(written["choices"][0]["text"], "x");
        assert_eq!(event_as_text(b"data: [DONE]\n\n"), b"data: [DONE]\n\n");
    }

    #[test]
    fn the_prompt_becomes_a_user_message() {
        let body = Bytes::from_static(br#"{"model":"m","prompt":"Say hi","echo":false,"max_tokens":5}"#);
        let mut request = ModelRequest::parse(Endpoint::Completions, &body).unwrap();
        to_chat(&mut request).unwrap();
        assert_eq!(request.endpoint, Endpoint::Chat);
        assert_eq!(request.body["messages"][0]["content"], "Say hi");
        assert!(request.body.get("prompt").is_none() && request.body.get("echo").is_none());
        let body = Bytes::from_static(br#"{"model":"m","prompt":["a","b"]}"#);
        let mut request = ModelRequest::parse(Endpoint::Completions, &body).unwrap();
        assert!(to_chat(&mut request).is_err());
    }
}
