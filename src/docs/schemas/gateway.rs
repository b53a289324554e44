//! OpenAI's request and answer shapes for the model routes, as far as the gateway reads
//! or promises them. The gateway forwards a body it does not know field by field, so
//! these say what a client may send (every field OpenAI documents that the gateway or a
//! common upstream reads), not everything an upstream accepts.

use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A chat completion request (`POST /v1/chat/completions`). Unknown fields are forwarded.
#[derive(ToSchema)]
pub struct ChatCompletionRequest {
    /// A model name your key may use (`GET /v1/models` lists them).
    #[schema(example = "gpt-4o-mini", min_length = 1)]
    model: String,
    messages: Vec<ChatMessage>,
    /// Answer with server-sent events.
    stream: Option<bool>,
    stream_options: Option<StreamOptions>,
    #[schema(minimum = 1)]
    max_tokens: Option<u32>,
    #[schema(minimum = 1)]
    max_completion_tokens: Option<u32>,
    #[schema(minimum = 0, maximum = 2)]
    temperature: Option<f64>,
    #[schema(minimum = 0, maximum = 1)]
    top_p: Option<f64>,
    #[schema(minimum = 1, maximum = 8)]
    n: Option<u32>,
    stop: Option<StopSequences>,
    #[schema(minimum = -2, maximum = 2)]
    presence_penalty: Option<f64>,
    #[schema(minimum = -2, maximum = 2)]
    frequency_penalty: Option<f64>,
    seed: Option<i64>,
    /// The end user, recorded on the spend row.
    user: Option<String>,
    tools: Option<Vec<BTreeMap<String, Value>>>,
    tool_choice: Option<Value>,
    response_format: Option<BTreeMap<String, Value>>,
    /// LiteLLM's test switch: answer this text without calling the upstream.
    mock_response: Option<String>,
}

#[derive(ToSchema)]
pub struct ChatMessage {
    role: ChatRole,
    /// Text, or a list of content parts (text, image_url, ...).
    content: Option<MessageContent>,
    name: Option<String>,
    tool_calls: Option<Vec<BTreeMap<String, Value>>>,
    tool_call_id: Option<String>,
}

#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChatRole {
    System,
    Developer,
    User,
    Assistant,
    Tool,
    Function,
}

#[derive(ToSchema)]
#[serde(untagged)]
pub enum MessageContent {
    Text(String),
    Parts(Vec<BTreeMap<String, Value>>),
}

#[derive(ToSchema)]
#[serde(untagged)]
pub enum StopSequences {
    One(String),
    Many(Vec<String>),
}

#[derive(ToSchema)]
pub struct StreamOptions {
    /// The proxy always asks the upstream for usage; this says whether you get it too.
    include_usage: Option<bool>,
}

/// A text completion request (`POST /v1/completions`). Unknown fields are forwarded.
#[derive(ToSchema)]
pub struct CompletionRequest {
    #[schema(example = "gpt-4o-mini", min_length = 1)]
    model: String,
    prompt: Prompt,
    stream: Option<bool>,
    stream_options: Option<StreamOptions>,
    #[schema(minimum = 1)]
    max_tokens: Option<u32>,
    #[schema(minimum = 0, maximum = 2)]
    temperature: Option<f64>,
    #[schema(minimum = 0, maximum = 1)]
    top_p: Option<f64>,
    #[schema(minimum = 1, maximum = 8)]
    n: Option<u32>,
    stop: Option<StopSequences>,
    suffix: Option<String>,
    echo: Option<bool>,
    seed: Option<i64>,
    user: Option<String>,
    mock_response: Option<String>,
}

#[derive(ToSchema)]
#[serde(untagged)]
pub enum Prompt {
    Text(String),
    Texts(Vec<String>),
}

/// An embedding request (`POST /v1/embeddings`). Unknown fields are forwarded.
#[derive(ToSchema)]
pub struct EmbeddingRequest {
    #[schema(example = "text-embedding-3-small", min_length = 1)]
    model: String,
    input: EmbeddingInput,
    encoding_format: Option<EncodingFormat>,
    #[schema(minimum = 1)]
    dimensions: Option<u32>,
    user: Option<String>,
}

#[derive(ToSchema)]
#[serde(untagged)]
pub enum EmbeddingInput {
    Text(String),
    Texts(Vec<String>),
    Tokens(Vec<u32>),
}

#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum EncodingFormat {
    Float,
    Base64,
}

/// Token counts of one request.
#[derive(ToSchema)]
pub struct Usage {
    prompt_tokens: u64,
    completion_tokens: Option<u64>,
    total_tokens: u64,
}

/// A chat completion (`stream: false`). With `stream: true` the answer is
/// `text/event-stream`: `data:` lines of `chat.completion.chunk` objects, then `data: [DONE]`.
#[derive(ToSchema)]
pub struct ChatCompletion {
    id: String,
    #[schema(example = "chat.completion")]
    object: String,
    created: i64,
    model: String,
    choices: Vec<ChatChoice>,
    usage: Option<Usage>,
}

#[derive(ToSchema)]
pub struct ChatChoice {
    index: u32,
    message: BTreeMap<String, Value>,
    finish_reason: Option<String>,
}

/// A text completion.
#[derive(ToSchema)]
pub struct Completion {
    id: String,
    #[schema(example = "text_completion")]
    object: String,
    created: i64,
    model: String,
    choices: Vec<CompletionChoice>,
    usage: Option<Usage>,
}

#[derive(ToSchema)]
pub struct CompletionChoice {
    index: u32,
    text: String,
    finish_reason: Option<String>,
}

/// Embeddings, one per input.
#[derive(ToSchema)]
pub struct EmbeddingList {
    #[schema(example = "list")]
    object: String,
    data: Vec<Embedding>,
    model: String,
    usage: Option<Usage>,
}

#[derive(ToSchema)]
pub struct Embedding {
    index: u32,
    /// Numbers, or a base64 string with `encoding_format: base64`.
    embedding: Value,
    object: Option<String>,
}

/// A model the caller may use.
#[derive(ToSchema)]
pub struct Model {
    id: String,
    #[schema(example = "model")]
    object: String,
    created: i64,
    owned_by: String,
}

#[derive(ToSchema)]
pub struct ModelList {
    #[schema(example = "list")]
    object: String,
    data: Vec<Model>,
}

/// The answer of `GET /health`: one entry per probed deployment.
#[derive(ToSchema)]
pub struct ModelHealth {
    healthy_endpoints: Vec<BTreeMap<String, Value>>,
    unhealthy_endpoints: Vec<BTreeMap<String, Value>>,
    healthy_count: u64,
    unhealthy_count: u64,
}

/// One server-sent event of a stream (`stream: true`): its `data` is a `StreamChunk` as
/// JSON, or `[DONE]` at the end.
#[derive(ToSchema)]
pub struct StreamEvent {
    data: String,
}

/// A piece of a streamed completion; the last chunk carries `usage` and no choices.
#[derive(ToSchema)]
pub struct StreamChunk {
    id: String,
    /// `chat.completion.chunk` or `text_completion`.
    object: String,
    created: i64,
    model: String,
    choices: Vec<BTreeMap<String, Value>>,
    usage: Option<Usage>,
}
