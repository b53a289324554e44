//! The client's request body, read once: the fields the gateway acts on (`model`,
//! `stream`, `stream_options`, `max_tokens`, `mock_response`, `user`) and the rest kept
//! as they are, so unknown fields reach the upstream untouched. An Anthropic request
//! keeps its bytes too: they go upstream as they came unless `model` must change.

use super::conversation::{self, Conversation};
use super::providers::{Dialect, Endpoint};
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
    /// The customer (end user) the request names: the body's `user` or another of
    /// LiteLLM's spellings (`customers::identify`); the caller sets the header's over it.
    pub end_user: Option<String>,
    /// Size of the body in bytes, the base of the prompt estimate.
    pub size: usize,
    /// The body as the client sent it, and the `model` written in it.
    raw: Bytes,
    raw_model: String,
    /// The client headers the provider may forward (`anthropic-version`, `anthropic-beta`).
    pub forwarded: super::providers::Forwarded,
    /// The request in the internal form, read when a deployment needs it translated.
    conversation: Option<Conversation>,
    /// LiteLLM's per-request routing: its own fallback groups, retries and timeout.
    pub fallbacks: Vec<String>,
    pub num_retries: Option<u32>,
    pub timeout: Option<std::time::Duration>,
    /// How long a streamed request waits for its answer to start (LiteLLM's `stream_timeout`).
    pub stream_timeout: Option<std::time::Duration>,
    /// LiteLLM's test hooks: the first group fails this way without an upstream call.
    pub mock_failure: Option<MockFailure>,
    /// The one deployment of the model's group that may serve the request (by id): the one
    /// holding the relayed response a `previous_response_id` continues. Set by the gateway,
    /// never read from the body.
    pub deployment: Option<String>,
}

/// A failure a request asks for, to test fallbacks and retries (`mock_testing_fallbacks`,
/// `mock_testing_rate_limit_error`, `mock_timeout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MockFailure {
    Error,
    RateLimit,
    Timeout,
}

impl MockFailure {
    pub fn response(self, group: &str) -> axum::response::Response {
        let (status, message) = match self {
            MockFailure::Error => (500, format!("This is a mock exception for model={group}, to trigger a fallback.")),
            MockFailure::RateLimit => (429, format!("This is a mock rate limit error for model={group}.")),
            MockFailure::Timeout => (408, format!("This is a mock timeout for model={group}.")),
        };
        axum::response::IntoResponse::into_response(ApiError::Upstream { status, message })
    }
}

/// LiteLLM's per-request routing fields.
#[derive(Default)]
struct Routing {
    fallbacks: Vec<String>,
    num_retries: Option<u32>,
    timeout: Option<std::time::Duration>,
    stream_timeout: Option<std::time::Duration>,
    mock_failure: Option<MockFailure>,
}

/// LiteLLM's routing fields of an OpenAI request, taken out of the body (they mean
/// nothing to the upstream).
fn routing_fields(body: &mut Map<String, Value>) -> Result<Routing, ApiError> {
    let fallbacks = match body.remove("fallbacks") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(name) => Ok(name.clone()),
                other => other
                    .get("model")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| ApiError::field("fallbacks", "Each fallback is a model name.")),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(ApiError::field("fallbacks", "`fallbacks` is a list of model names.")),
    };
    let num_retries = match body.remove("num_retries") {
        None | Some(Value::Null) => None,
        Some(value) => Some(
            value
                .as_u64()
                .filter(|n| *n <= 10)
                .ok_or_else(|| ApiError::field("num_retries", "`num_retries` is a whole number from 0 to 10."))?
                as u32,
        ),
    };
    let timeout = match body.remove("timeout").or_else(|| body.remove("request_timeout")) {
        None | Some(Value::Null) => None,
        Some(value) => Some(
            value
                .as_f64()
                .filter(|s| s.is_finite() && *s > 0.0 && *s <= 86_400.0)
                .map(std::time::Duration::from_secs_f64)
                .ok_or_else(|| ApiError::field("timeout", "`timeout` is a number of seconds above 0."))?,
        ),
    };
    // LiteLLM's `stream_timeout`: how long a streamed request waits for its answer to start.
    let stream_timeout = match body.remove("stream_timeout") {
        None | Some(Value::Null) => None,
        Some(value) => Some(
            value
                .as_f64()
                .filter(|s| s.is_finite() && *s > 0.0 && *s <= 86_400.0)
                .map(std::time::Duration::from_secs_f64)
                .ok_or_else(|| ApiError::field("stream_timeout", "`stream_timeout` is a number of seconds above 0."))?,
        ),
    };
    let flag = |body: &mut Map<String, Value>, name: &str| body.remove(name).is_some_and(|v| v.as_bool() == Some(true));
    let mock = if flag(body, "mock_testing_fallbacks") {
        Some(MockFailure::Error)
    } else if flag(body, "mock_testing_rate_limit_error") {
        Some(MockFailure::RateLimit)
    } else if flag(body, "mock_timeout") {
        Some(MockFailure::Timeout)
    } else {
        None
    };
    Ok(Routing { fallbacks, num_retries, timeout, stream_timeout, mock_failure: mock })
}

impl ModelRequest {
    pub fn parse(endpoint: Endpoint, bytes: &Bytes) -> Result<Self, ApiError> {
        let value: Value = serde_json::from_slice(bytes)
            .map_err(|e| ApiError::bad_request(format!("Invalid JSON in the request body: {e}")))?;
        let Value::Object(mut body) = value else {
            return Err(ApiError::bad_request("The request body must be a JSON object."));
        };
        // Only Anthropic's requests are relayed as their bytes; chat's need no copy of it.
        let raw_model = match endpoint.dialect() {
            Dialect::Anthropic => body.get("model").and_then(Value::as_str).unwrap_or_default().to_string(),
            Dialect::OpenAi | Dialect::Gemini | Dialect::Responses => String::new(),
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
        // The media routes' answers are relayed whole (speech's audio as it comes): an
        // image stream is read through, not parsed as chat's server-sent events.
        let stream = endpoint != Endpoint::Embeddings
            && endpoint.modes().is_none()
            && body.get("stream").and_then(Value::as_bool).unwrap_or(false);
        let client_wants_usage =
            body.get("stream_options").and_then(|o| o.get("include_usage")).and_then(Value::as_bool).unwrap_or(false);
        let max_tokens =
            ["max_completion_tokens", "max_tokens", "max_output_tokens"].iter().find_map(|f| body.get(*f)?.as_u64());
        // Anthropic's requests pass to Anthropic as they are: `mock_response` is OpenAI's.
        // The media routes answer in their own shapes: LiteLLM's chat mock means nothing there.
        let mock_field = if endpoint.dialect() == Dialect::OpenAi && endpoint.modes().is_none() {
            body.remove("mock_response")
        } else {
            None
        };
        let mock_response = match mock_field {
            Some(Value::String(text)) => Some(text),
            Some(Value::Null) | None => None,
            Some(other) => Some(other.to_string()),
        };
        let end_user = crate::customers::identify::from_body(&body);
        // LiteLLM's own metadata: it names the customer, and no upstream knows the field.
        if endpoint.dialect() == Dialect::OpenAi {
            body.remove("litellm_metadata");
        }
        let Routing { fallbacks, num_retries, timeout, stream_timeout, mock_failure } = match endpoint.dialect() {
            Dialect::OpenAi | Dialect::Gemini => routing_fields(&mut body)?,
            // Anthropic's and Responses bodies go upstream as they came: no routing fields.
            Dialect::Anthropic | Dialect::Responses => Routing::default(),
        };
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
            raw: bytes.clone(),
            raw_model,
            forwarded: Default::default(),
            conversation: None,
            fallbacks,
            num_retries,
            timeout,
            stream_timeout,
            mock_failure,
            deployment: None,
        })
    }

    /// A request of the audio routes, read from the form fields of its multipart upload
    /// (`model` found already); the upload itself is relayed by `media::upload`, never here.
    pub fn from_fields(endpoint: Endpoint, body: Map<String, Value>, model: String, size: usize) -> Self {
        let end_user = crate::customers::identify::from_body(&body);
        Self {
            endpoint,
            body,
            model,
            stream: false,
            client_wants_usage: false,
            max_tokens: None,
            mock_response: None,
            end_user,
            size,
            raw: Bytes::new(),
            raw_model: String::new(),
            forwarded: Default::default(),
            conversation: None,
            fallbacks: Vec::new(),
            num_retries: None,
            timeout: None,
            stream_timeout: None,
            mock_failure: None,
            deployment: None,
        }
    }

    /// A rough prompt size in tokens for the reservation estimate (about four bytes a
    /// token; exact counts come from the upstream's usage afterwards).
    pub fn prompt_estimate(&self) -> u64 {
        (self.size as u64 / 4).max(1)
    }

    /// Reads the request into the internal form (once), for deployments of another dialect.
    pub fn prepare_translation(&mut self) -> Result<(), ApiError> {
        if self.conversation.is_none() {
            self.conversation = Some(conversation::read_request(self.endpoint.dialect(), &self.body)?);
        }
        Ok(())
    }

    /// The body for a provider of `dialect`: the client's own (see [`Self::upstream_body`])
    /// when it speaks the client's dialect, else the request translated to its dialect.
    pub fn body_for(&mut self, dialect: Dialect, upstream_model: &str) -> Result<Bytes, ApiError> {
        if dialect == self.endpoint.dialect() {
            return self.upstream_body(upstream_model);
        }
        self.prepare_translation()?;
        let conversation = self.conversation.as_ref().ok_or(ApiError::Internal)?;
        let body = conversation::write_request(dialect, conversation, upstream_model);
        serde_json::to_vec(&body).map(Bytes::from).map_err(ApiError::internal)
    }

    /// The body for the upstream: `model` rewritten, usage asked for on OpenAI streams. An
    /// Anthropic request naming the upstream's model goes as its very bytes.
    pub fn upstream_body(&mut self, upstream_model: &str) -> Result<Bytes, ApiError> {
        if self.endpoint.dialect() == Dialect::Anthropic {
            if self.raw_model == upstream_model {
                return Ok(self.raw.clone());
            }
            self.body.insert("model".into(), Value::String(upstream_model.to_string()));
            return serde_json::to_vec(&self.body).map(Bytes::from).map_err(ApiError::internal);
        }
        self.body.insert("model".into(), Value::String(upstream_model.to_string()));
        // The Responses API reports usage at the end of every stream, and refuses the option.
        if self.stream && self.endpoint.dialect() == Dialect::OpenAi {
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
        let mut request = ModelRequest::parse(Endpoint::Chat, &Bytes::from_static(body)).unwrap();
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
        for body in [&b"{nope"[..], b"{}", b"[1]"] {
            let parsed = ModelRequest::parse(Endpoint::Chat, &Bytes::from_static(body));
            assert_eq!(parsed.err().map(|e| e.status().as_u16()), Some(400));
        }
    }

    #[test]
    fn anthropic_bodies_go_as_they_came() {
        let body = Bytes::from_static(
            br#"{ "model" : "claude-sonnet-4-5", "max_tokens": 9, "mock_response": "x", "stream": true, "new_field": 1 }"#,
        );
        let mut request = ModelRequest::parse(Endpoint::Messages, &body).unwrap();
        assert!(request.stream && request.mock_response.is_none());
        assert_eq!(request.max_tokens, Some(9));
        assert_eq!(request.upstream_body("claude-sonnet-4-5").unwrap(), body);
        let renamed: Value =
            serde_json::from_slice(&request.upstream_body("claude-sonnet-4-5-20250929").unwrap()).unwrap();
        assert_eq!(renamed["model"], "claude-sonnet-4-5-20250929");
        assert_eq!(renamed["new_field"], 1);
        assert!(renamed.get("stream_options").is_none());
        // A retry (the body's model rewritten already) still goes with the upstream's name.
        let again: Value =
            serde_json::from_slice(&request.upstream_body("claude-sonnet-4-5-20250929").unwrap()).unwrap();
        assert_eq!(again["model"], "claude-sonnet-4-5-20250929");
    }
}
