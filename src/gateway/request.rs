//! The client's request body, read once: the fields the gateway acts on (`model`,
//! `stream`, `stream_options`, `max_tokens`, `mock_response`, `user`) and the rest kept
//! as they are, so unknown fields reach the upstream untouched.

use super::providers::Endpoint;
use crate::error::ApiError;
use bytes::Bytes;
use serde_json::{Map, Value};

pub struct ModelRequest {
    pub endpoint: Endpoint,
    pub body: Map<String, Value>,
    pub model: String,
    pub stream: bool,
    /// The client asked for the usage chunk (`stream_options.include_usage`).
    pub client_wants_usage: bool,
    pub max_tokens: Option<u64>,
    pub mock_response: Option<String>,
    /// The end user named in the body (`user`).
    pub end_user: Option<String>,
    /// Size of the body in bytes, the base of the prompt estimate.
    pub size: usize,
}

impl ModelRequest {
    pub fn parse(endpoint: Endpoint, bytes: &[u8]) -> Result<Self, ApiError> {
        let value: Value = serde_json::from_slice(bytes)
            .map_err(|e| ApiError::bad_request(format!("Invalid JSON in the request body: {e}")))?;
        let Value::Object(mut body) = value else {
            return Err(ApiError::bad_request("The request body must be a JSON object."));
        };
        let model = match body.get("model") {
            Some(Value::String(m)) if !m.trim().is_empty() => m.trim().to_string(),
            _ => {
                return Err(ApiError::field(
                    "model",
                    "`model` is required: name one of the models your key may use (GET /v1/models lists them).",
                ));
            }
        };
        let stream = endpoint != Endpoint::Embeddings && body.get("stream").and_then(Value::as_bool).unwrap_or(false);
        let client_wants_usage =
            body.get("stream_options").and_then(|o| o.get("include_usage")).and_then(Value::as_bool).unwrap_or(false);
        let max_tokens = ["max_completion_tokens", "max_tokens"].iter().find_map(|f| body.get(*f)?.as_u64());
        let mock_response = match body.remove("mock_response") {
            Some(Value::String(text)) => Some(text),
            Some(Value::Null) | None => None,
            Some(other) => Some(other.to_string()),
        };
        let end_user = body.get("user").and_then(Value::as_str).map(str::to_string);
        Ok(Self {
            endpoint,
            body,
            model,
            stream,
            client_wants_usage,
            max_tokens,
            mock_response,
            end_user,
            size: bytes.len(),
        })
    }

    /// A rough prompt size in tokens for the reservation estimate (about four bytes a
    /// token; exact counts come from the upstream's usage afterwards).
    pub fn prompt_estimate(&self) -> u64 {
        (self.size as u64 / 4).max(1)
    }

    /// The body for the upstream: `model` rewritten, usage asked for on streams.
    pub fn upstream_body(&mut self, upstream_model: &str) -> Result<Bytes, ApiError> {
        self.body.insert("model".into(), Value::String(upstream_model.to_string()));
        if self.stream {
            let options = self.body.entry("stream_options").or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(options) = options {
                options.insert("include_usage".into(), Value::Bool(true));
            }
        }
        serde_json::to_vec(&self.body).map(Bytes::from).map_err(ApiError::internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_unknown_fields_and_rewrites_the_model() {
        let body = br#"{"model":"gpt","stream":true,"seed":7,"x_custom":{"a":1},"mock_response":null}"#;
        let mut request = ModelRequest::parse(Endpoint::Chat, body).unwrap();
        assert!(request.stream && !request.client_wants_usage);
        let sent: Value = serde_json::from_slice(&request.upstream_body("gpt-4o").unwrap()).unwrap();
        assert_eq!(sent["model"], "gpt-4o");
        assert_eq!(sent["seed"], 7);
        assert_eq!(sent["x_custom"]["a"], 1);
        assert_eq!(sent["stream_options"]["include_usage"], true);
        assert!(sent.get("mock_response").is_none());
    }

    #[test]
    fn refuses_bad_bodies() {
        assert_eq!(ModelRequest::parse(Endpoint::Chat, b"{nope").err().map(|e| e.status().as_u16()), Some(400));
        assert_eq!(ModelRequest::parse(Endpoint::Chat, b"{}").err().map(|e| e.status().as_u16()), Some(400));
        assert_eq!(ModelRequest::parse(Endpoint::Chat, b"[1]").err().map(|e| e.status().as_u16()), Some(400));
    }
}
