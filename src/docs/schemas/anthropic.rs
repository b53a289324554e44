//! Anthropic's Messages shapes for `/v1/messages`, `/v1/messages/count_tokens` and the
//! Anthropic form of `/v1/models`, as far as the gateway reads or promises them. A request
//! to an Anthropic deployment is relayed as it came, so every field Anthropic documents
//! (and any it adds) reaches it; these name the ones a client most often sends.

use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A Messages request. Unknown fields are passed to the Anthropic upstream untouched.
#[derive(ToSchema)]
pub struct MessagesRequest {
    /// A model name your key may use (`GET /v1/models` lists them).
    #[schema(example = "claude-sonnet-4-5", min_length = 1)]
    model: String,
    #[schema(minimum = 1)]
    max_tokens: u32,
    messages: Vec<InputMessage>,
    /// A text, or text blocks (which may carry `cache_control`).
    system: Option<Value>,
    /// Answer with server-sent events.
    stream: Option<bool>,
    #[schema(minimum = 0, maximum = 1)]
    temperature: Option<f64>,
    tools: Option<Vec<BTreeMap<String, Value>>>,
    tool_choice: Option<BTreeMap<String, Value>>,
    /// Extended thinking: `{"type": "enabled", "budget_tokens": N}`.
    thinking: Option<BTreeMap<String, Value>>,
    /// `user_id` names the end user to Anthropic.
    metadata: Option<BTreeMap<String, Value>>,
    stop_sequences: Option<Vec<String>>,
}

/// The body of `POST /v1/messages/count_tokens`: a Messages request without `max_tokens`.
#[derive(ToSchema)]
pub struct CountTokensRequest {
    #[schema(example = "claude-sonnet-4-5", min_length = 1)]
    model: String,
    messages: Vec<InputMessage>,
    system: Option<Value>,
    tools: Option<Vec<BTreeMap<String, Value>>>,
    thinking: Option<BTreeMap<String, Value>>,
}

#[derive(ToSchema)]
pub struct InputMessage {
    role: Role,
    /// A text, or content blocks (text, image, tool_use, tool_result, thinking, ...).
    content: Value,
}

#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
}

/// A whole answer.
#[derive(ToSchema)]
pub struct Message {
    id: String,
    /// `message`.
    r#type: String,
    role: String,
    content: Vec<BTreeMap<String, Value>>,
    model: String,
    stop_reason: Option<String>,
    usage: MessageUsage,
}

/// The tokens of an answer; cached prompt tokens are counted apart and priced apart.
#[derive(ToSchema)]
pub struct MessageUsage {
    input_tokens: u64,
    output_tokens: u64,
    cache_creation_input_tokens: Option<u64>,
    cache_read_input_tokens: Option<u64>,
}

/// One server-sent event: `event: <type>` and `data: <JSON>` (`message_start`,
/// `content_block_start`, `content_block_delta`, `content_block_stop`, `message_delta`,
/// `message_stop`, `ping`, `error`).
#[derive(ToSchema)]
pub struct MessageStreamEvent {
    event: String,
    data: String,
}

/// The answer of `count_tokens`.
#[derive(ToSchema)]
pub struct TokenCount {
    input_tokens: u64,
}

/// Anthropic's error: `{"type": "error", "error": {"type", "message"}}`. The gateway's
/// own refusals use `authentication_error` (401), `permission_error` (403),
/// `invalid_request_error` (400), `not_found_error` (404), `rate_limit_error` (429),
/// `overloaded_error` (529) and `api_error` (500); an upstream's are relayed as they came.
#[derive(ToSchema)]
pub struct AnthropicError {
    /// `error`.
    r#type: String,
    error: AnthropicErrorDetail,
}

#[derive(ToSchema)]
pub struct AnthropicErrorDetail {
    r#type: String,
    message: String,
}

/// One model in Anthropic's list.
#[derive(ToSchema)]
pub struct AnthropicModel {
    /// `model`.
    r#type: String,
    id: String,
    display_name: String,
    /// RFC 3339.
    created_at: String,
}

/// Anthropic's model list (one page holding every model).
#[derive(ToSchema)]
pub struct AnthropicModelList {
    data: Vec<AnthropicModel>,
    has_more: bool,
    first_id: Option<String>,
    last_id: Option<String>,
}

/// `GET /v1/models`: OpenAI's list, or Anthropic's when the request carries
/// `anthropic-version`.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum AnyModelList {
    OpenAi(super::gateway::ModelList),
    Anthropic(AnthropicModelList),
}
