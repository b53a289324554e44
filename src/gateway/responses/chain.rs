//! The state of the Responses API for models the gateway translates: `previous_response_id`
//! and `store`. Before a request goes on, a `previous_response_id` that names a response
//! the gateway keeps (and the caller may read) is replaced by what it stands for: that
//! response's input items, its output, then the new input. So the model sees the whole
//! conversation whatever its provider, and a relayed upstream needs no state of ours. An id
//! the gateway does not keep stays as it is: OpenAI resolves its own, and a translated
//! request refuses it (`conversation::responses::request`). An id an upstream keeps for
//! a key (`relayed`) stays too, and the request is sent to the deployment that holds it;
//! for any other key it names nothing (404) and no upstream is called. After the answer, a
//! response the gateway made is kept, unless the request said `store: false`.

use super::store::{self, StoredResponse};
use crate::auth::Caller;
use crate::auth::policy::{Op, authorize};
use crate::error::ApiError;
use crate::state::AppState;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::{Map, Value, json};

/// Whether a request body asks that its answer be kept (`store`, true unless false).
pub fn wants_store(body: &[u8]) -> bool {
    let parsed: Option<Map<String, Value>> = serde_json::from_slice(body).ok();
    parsed.and_then(|b| b.get("store").and_then(Value::as_bool)).unwrap_or(true)
}

/// The request's input as a list of items (a string is one user message).
pub fn input_items(body: &Map<String, Value>) -> Vec<Value> {
    match body.get("input") {
        Some(Value::String(text)) => vec![json!({"type": "message", "role": "user", "content": text})],
        Some(Value::Array(items)) => items.clone(),
        _ => Vec::new(),
    }
}

/// The items of a kept response's output, as input for the next turn: its messages and
/// function calls, without the ids and statuses an upstream would look up, and without
/// reasoning summaries (no provider takes them back).
fn replayed(output: &Value) -> impl Iterator<Item = Value> + '_ {
    output.as_array().into_iter().flatten().filter(|item| item["type"] != "reasoning").map(|item| {
        let mut item = item.clone();
        if let Value::Object(fields) = &mut item {
            fields.remove("id");
            fields.remove("status");
        }
        item
    })
}

/// A request body ready to go on, and the deployment it must go to, if any.
pub struct Expanded {
    pub body: Bytes,
    /// The deployment holding the relayed response the request continues.
    pub deployment: Option<String>,
}

/// The body with a kept `previous_response_id` replaced by the conversation it stands for;
/// the body as it came when there is nothing to replace.
#[allow(clippy::result_large_err)] // the refusal is the finished response
pub async fn expand(state: &AppState, caller: &Caller, body: Bytes) -> Result<Expanded, Response> {
    let unchanged = |body| Ok(Expanded { body, deployment: None });
    // Most requests (every one of Codex's) carry none: they are not parsed here.
    if !contains(&body, b"previous_response_id") {
        return unchanged(body);
    }
    let Ok(Value::Object(mut fields)) = serde_json::from_slice::<Value>(&body) else { return unchanged(body) };
    let Some(previous) = fields.get("previous_response_id").and_then(Value::as_str).map(str::to_string) else {
        return unchanged(body);
    };
    let lookup = previous.clone();
    let found = state
        .db
        .read(move |conn| Ok((store::load(conn, &lookup)?, store::load_relayed(conn, &lookup)?)))
        .await
        .map_err(|e| ApiError::from(e).into_response())?;
    let route = "/v1/responses";
    let kept = match found {
        (Some(kept), _) => kept,
        (None, Some(relayed)) => {
            if authorize(state, caller, Op::StoredResponse { route, owner: &relayed.api_key }).is_err() {
                let error = ApiError::NotFound(format!("Previous response with id '{previous}' not found."));
                return Err(error.into_response());
            }
            return Ok(Expanded { body, deployment: Some(relayed.model_id) });
        }
        (None, None) => return unchanged(body),
    };
    if authorize(state, caller, Op::StoredResponse { route, owner: &kept.api_key }).is_err() {
        // Another key's response: as if there were none.
        return unchanged(body);
    }
    let mut items = kept.input_items;
    items.extend(replayed(&kept.response["output"]));
    items.extend(input_items(&fields));
    fields.insert("input".into(), Value::Array(items));
    fields.remove("previous_response_id");
    let body = serde_json::to_vec(&fields).map(Bytes::from).map_err(|e| ApiError::internal(e).into_response())?;
    Ok(Expanded { body, deployment: None })
}

/// Keeps `response`, made for `body` (as expanded) by the key `owner`.
pub async fn keep(state: &AppState, owner: String, body: &[u8], response: Value) {
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else { return };
    let stored = StoredResponse {
        id: response["id"].as_str().unwrap_or_default().to_string(),
        api_key: owner,
        created_at: crate::time::format(state.clock.now()),
        response,
        input_items: input_items(&fields),
    };
    let id = stored.id.clone();
    let written = state.db.write(move |tx| store::insert(tx, &stored)).await;
    if let Err(e) = written {
        tracing::warn!(response_id = %id, error = %e, "could not keep a response; previous_response_id will not find it");
    }
}

/// Whether `needle` (not empty) is in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_items_and_replayed_output() {
        let Value::Object(body) = json!({"input": "hi", "store": false}) else { return };
        assert_eq!(input_items(&body), [json!({"type": "message", "role": "user", "content": "hi"})]);
        assert!(!wants_store(br#"{"store": false}"#));
        assert!(wants_store(br#"{"input": "x"}"#));
        let output = json!([
            {"id": "rs_1_0", "type": "reasoning", "summary": []},
            {"id": "msg_1_1", "type": "message", "status": "completed", "role": "assistant", "content": []},
            {"id": "fc_1_2", "type": "function_call", "status": "completed", "call_id": "c", "name": "f", "arguments": "{}"},
        ]);
        let items: Vec<Value> = replayed(&output).collect();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0], json!({"type": "message", "role": "assistant", "content": []}));
        assert_eq!(items[1]["call_id"], "c");
        assert!(contains(b"{\"previous_response_id\":1}", b"previous_response_id"));
    }
}
