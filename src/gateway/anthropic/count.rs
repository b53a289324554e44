//! `POST /v1/messages/count_tokens`: the prompt's size before sending it. An Anthropic
//! deployment is asked (its count is exact); for any other the gateway counts with its
//! tokenizer and says so in `x-token-count-estimated`, the answer keeping Anthropic's shape
//! `{"input_tokens": N}`. Counting costs nothing, so it is not admitted against budgets
//! and writes no spend row, but it needs a valid key and access to the model.

use super::{errors, forwarded_headers};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::gateway::providers::{Call, Dialect, Endpoint};
use crate::gateway::request::ModelRequest;
use crate::gateway::{access, dispatch, flow, upstream};
use crate::spend::tokens;
use crate::state::AppState;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde_json::{Map, Value, json};

/// Tokens the framing of each message adds (as for OpenAI's chat format).
const PER_MESSAGE: u64 = 3;

pub async fn handle(state: AppState, caller: Caller, headers: HeaderMap, body: Bytes) -> Response {
    match count(&state, &caller, &headers, &body).await {
        Ok(response) | Err(response) => errors::render(response),
    }
}

async fn count(state: &AppState, caller: &Caller, headers: &HeaderMap, body: &Bytes) -> Result<Response, Response> {
    let mut request = ModelRequest::parse(Endpoint::CountTokens, body).map_err(IntoResponse::into_response)?;
    let aliased = flow::aliased(state, caller, &request.model);
    let route = state.router().resolve(&aliased);
    let mut names = vec![request.model.as_str(), aliased.as_str()];
    if let Some(route) = &route {
        names.push(route.group.as_str());
    }
    access::check(state, caller, &names).map_err(IntoResponse::into_response)?;
    let Some(route) = route else {
        return Err(flow::unknown_model(state, caller, &request.model).into_response());
    };
    let Some(deployment) = route.deployments.first().cloned() else {
        return Err(flow::unknown_model(state, caller, &request.model).into_response());
    };
    let upstream_model = deployment.upstream_model_for(&route);
    if deployment.provider.dialect() != Dialect::Anthropic {
        let counted = estimate(&upstream_model, &request.body);
        let mut response = axum::Json(json!({"input_tokens": counted})).into_response();
        response.headers_mut().insert("x-token-count-estimated", HeaderValue::from_static("true"));
        return Ok(response);
    }
    let body = request.upstream_body(&upstream_model).map_err(IntoResponse::into_response)?;
    let outgoing = deployment
        .provider
        .request(
            &deployment,
            Call {
                endpoint: Endpoint::CountTokens,
                model: &upstream_model,
                stream: false,
                body,
                client: &forwarded_headers(headers),
            },
        )
        .map_err(|message| ApiError::Upstream { status: 500, message }.into_response())?;
    let deadline = Some(tokio::time::Instant::now() + deployment.timeout);
    let answer = state.http.get().send(outgoing, deadline).await.map_err(|error| {
        let message = format!("The upstream of model {} could not count the tokens: {error}", route.group);
        ApiError::Upstream { status: 502, message }.into_response()
    })?;
    let status = answer.status().as_u16();
    if !answer.status().is_success() {
        let body = upstream::read_error(answer, deadline, &state.router().redactor).await;
        return Err(dispatch::passthrough(status, &body));
    }
    let body = upstream::read_body(answer, deadline).await.map_err(|error| {
        let message = format!("The upstream's token count of model {} broke off: {error}", route.group);
        ApiError::Upstream { status: 502, message }.into_response()
    })?;
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(response)
}

/// The prompt tokens of an Anthropic request by the tokenizer: the system prompt, every
/// message's blocks and the tools' definitions.
pub fn estimate(model: &str, body: &Map<String, Value>) -> u64 {
    let mut total = 0;
    match body.get("system") {
        Some(Value::String(text)) => total += tokens::count(model, text),
        Some(Value::Array(blocks)) => total += blocks.iter().map(|b| tokens::count(model, &block_text(b))).sum::<u64>(),
        _ => {}
    }
    for message in body.get("messages").and_then(Value::as_array).into_iter().flatten() {
        total += PER_MESSAGE;
        total += match message.get("content") {
            Some(Value::String(text)) => tokens::count(model, text),
            Some(Value::Array(blocks)) => blocks.iter().map(|b| tokens::count(model, &block_text(b))).sum(),
            _ => 0,
        };
    }
    for tool in body.get("tools").and_then(Value::as_array).into_iter().flatten() {
        let text = ["name", "description"].iter().filter_map(|f| tool.get(*f)?.as_str()).collect::<Vec<_>>().join(" ");
        let schema = tool.get("input_schema").map(Value::to_string).unwrap_or_default();
        total += tokens::count(model, &text) + tokens::count(model, &schema);
    }
    total.max(1)
}

/// The text of one content block that a model reads (or writes): text, thinking, a tool
/// call's name and arguments, a tool result's content.
pub fn block_text(block: &Value) -> String {
    let field = |name: &str| block.get(name).and_then(Value::as_str).unwrap_or_default().to_string();
    match block.get("type").and_then(Value::as_str) {
        Some("text") => field("text"),
        Some("thinking") => field("thinking"),
        Some("tool_use") => {
            format!("{} {}", field("name"), block.get("input").map(Value::to_string).unwrap_or_default())
        }
        Some("tool_result") => match block.get("content") {
            Some(Value::String(text)) => text.clone(),
            Some(Value::Array(blocks)) => blocks.iter().map(block_text).collect::<Vec<_>>().join(" "),
            _ => String::new(),
        },
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_system_messages_blocks_and_tools() {
        let body = json!({
            "system": [{"type": "text", "text": "hello world", "cache_control": {"type": "ephemeral"}}],
            "messages": [
                {"role": "user", "content": "hello world"},
                {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "Read", "input": {"a": 1}}]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": [{"type": "text", "text": "hello world"}]}]}
            ],
            "tools": [{"name": "Read", "description": "hello world", "input_schema": {"type": "object"}}]
        });
        let Value::Object(body) = body else { unreachable!("an object literal") };
        let model = "claude-sonnet-4-5";
        let expected = 2 // system
            + 3 + 2 // first message
            + 3 + tokens::count(model, "Read {\"a\":1}")
            + 3 + 2 // tool result
            + tokens::count(model, "Read hello world") + tokens::count(model, "{\"type\":\"object\"}");
        assert_eq!(estimate(model, &body), expected);
        assert_eq!(estimate(model, &Map::new()), 1);
    }
}
