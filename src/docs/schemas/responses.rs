//! OpenAI's Responses API shapes (`/v1/responses`), as far as the gateway reads or
//! promises them. Relayed requests keep every field; translated ones are read by an
//! allow-list (`gateway::conversation::responses`).

use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A Responses API request (`POST /v1/responses`). Unknown fields are forwarded to
/// upstreams that have the Responses API.
#[derive(ToSchema)]
pub struct ResponsesRequest {
    /// A model name your key may use (`GET /v1/models` lists them).
    #[schema(example = "gpt-5-mini", min_length = 1)]
    model: String,
    /// A string, or a list of items: `message`, `function_call`, `function_call_output`.
    input: Value,
    /// The system prompt of this turn (not carried over by `previous_response_id`).
    instructions: Option<String>,
    /// Answer with server-sent events (`response.created` ... `response.completed`).
    stream: Option<bool>,
    /// Keep the answer for `previous_response_id` and `GET /v1/responses/{id}` (default true).
    store: Option<bool>,
    /// Continue from a response: its input and output come before this `input`.
    previous_response_id: Option<String>,
    #[schema(minimum = 1)]
    max_output_tokens: Option<u32>,
    #[schema(minimum = 0, maximum = 2)]
    temperature: Option<f64>,
    #[schema(minimum = 0, maximum = 1)]
    top_p: Option<f64>,
    /// Function tools (`{"type": "function", "name", "parameters"}`).
    tools: Option<Vec<BTreeMap<String, Value>>>,
    tool_choice: Option<Value>,
    parallel_tool_calls: Option<bool>,
    /// `{"format": {"type": "json_schema", "name", "schema", "strict"}}`.
    text: Option<BTreeMap<String, Value>>,
    /// `{"effort": "low" | "medium" | "high"}`.
    reasoning: Option<BTreeMap<String, Value>>,
    /// The end user, recorded on the spend row.
    user: Option<String>,
}

/// A `response` object.
#[derive(ToSchema)]
pub struct ResponseObject {
    #[schema(example = "resp_0193...")]
    id: String,
    #[schema(example = "response")]
    object: String,
    created_at: i64,
    /// `completed`, `incomplete`, `failed`, `in_progress`.
    status: String,
    model: String,
    /// `message`, `function_call` and `reasoning` items.
    output: Vec<BTreeMap<String, Value>>,
    usage: Option<ResponseUsage>,
}

#[derive(ToSchema)]
pub struct ResponseUsage {
    input_tokens: u64,
    input_tokens_details: Option<BTreeMap<String, u64>>,
    output_tokens: u64,
    total_tokens: u64,
}

/// One server-sent event of a streamed response: `event` names it, `data` is its JSON
/// with `type` and `sequence_number`.
#[derive(ToSchema)]
pub struct ResponseStreamEvent {
    event: String,
    data: String,
}

/// The answer of `DELETE /v1/responses/{id}`.
#[derive(ToSchema)]
pub struct ResponseDeleted {
    id: String,
    #[schema(example = "response")]
    object: String,
    deleted: bool,
}

/// The input items of a kept response.
#[derive(ToSchema)]
pub struct ResponseItemList {
    #[schema(example = "list")]
    object: String,
    data: Vec<BTreeMap<String, Value>>,
    first_id: Option<String>,
    last_id: Option<String>,
    has_more: bool,
}
