//! Whole Responses API answers and the internal form: the `response` object, its `output`
//! items (`message` with `output_text`, `function_call`, `reasoning` with its summary) and
//! its `usage` (`input_tokens` include the cached ones, `input_tokens_details.cached_tokens`,
//! which are priced apart). Items are named after the response (`msg_…`, `fc_…`, `rs_…`),
//! so a stored response and its stream name them alike.

use super::super::{Names, Part, Reply, StopReason, Text};
use crate::spend::Usage;
use serde_json::{Value, json};

/// The usage of a `response` object; `None` when it has none.
pub fn usage(usage: &Value) -> Option<Usage> {
    let input = usage.get("input_tokens")?.as_u64()?;
    let output = usage.get("output_tokens").and_then(Value::as_u64).unwrap_or(0);
    let cached = usage.pointer("/input_tokens_details/cached_tokens").and_then(Value::as_u64).unwrap_or(0).min(input);
    Some(Usage { input: input - cached, cache_read: cached, output, cache_creation: 0 })
}

/// The usage of a whole answer's body.
pub fn usage_of_answer(body: &[u8]) -> Option<Usage> {
    let answer: Value = serde_json::from_slice(body).ok()?;
    usage(answer.get("usage")?)
}

/// The usage as the Responses API reports it.
pub fn usage_json(usage: Usage) -> Value {
    let input = usage.prompt();
    json!({
        "input_tokens": input,
        "input_tokens_details": {"cached_tokens": usage.cache_read},
        "output_tokens": usage.output,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input + usage.output,
    })
}

/// The id of the `n`th output item of the response named `response_id`.
pub fn item_id(prefix: &str, response_id: &str, n: usize) -> String {
    format!("{prefix}_{}_{n}", response_id.strip_prefix("resp_").unwrap_or(response_id))
}

/// The `response` object around `output`, in `status`. What the client asked for besides
/// (tools, temperature) is not echoed: the gateway keeps no copy of it here.
pub fn response(names: &Names, status: &str, output: Vec<Value>, usage: Option<Usage>) -> Value {
    json!({
        "id": names.id,
        "object": "response",
        "created_at": names.created,
        "status": status,
        "error": null,
        "incomplete_details": null,
        "model": names.model,
        "output": output,
        "parallel_tool_calls": true,
        "tool_choice": "auto",
        "tools": [],
        "usage": usage.map(usage_json),
    })
}

/// A finished `message` item holding `text`.
pub fn message_item(id: &str, text: &str) -> Value {
    json!({
        "id": id, "type": "message", "status": "completed", "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    })
}

pub fn function_call_item(id: &str, call_id: &str, name: &str, arguments: &str) -> Value {
    json!({"id": id, "type": "function_call", "status": "completed", "call_id": call_id, "name": name, "arguments": arguments})
}

pub fn reasoning_item(id: &str, summary: &str) -> Value {
    json!({"id": id, "type": "reasoning", "summary": [{"type": "summary_text", "text": summary}]})
}

/// The reply as a `response` object.
pub fn write(reply: &Reply, names: &Names) -> Value {
    let mut output = Vec::new();
    for part in &reply.parts {
        let n = output.len();
        match part {
            Part::Text(text) if !text.text.is_empty() => {
                output.push(message_item(&item_id("msg", &names.id, n), &text.text));
            }
            Part::ToolCall { id, name, arguments } => {
                output.push(function_call_item(&item_id("fc", &names.id, n), id, name, arguments));
            }
            Part::Thinking { text, .. } if !text.is_empty() => {
                output.push(reasoning_item(&item_id("rs", &names.id, n), text));
            }
            _ => {}
        }
    }
    let mut written = response(names, "completed", output, Some(reply.usage));
    if reply.stop == StopReason::MaxTokens {
        written["status"] = "incomplete".into();
        written["incomplete_details"] = json!({"reason": "max_output_tokens"});
    }
    written
}

/// The text of a `response` object's messages (to count tokens by when it reports no usage).
pub fn output_text(answer: &Value) -> String {
    let items = answer.get("output").and_then(Value::as_array).into_iter().flatten();
    let contents = items.filter_map(|item| item.get("content").and_then(Value::as_array)).flatten();
    contents.filter_map(|c| c.get("text").and_then(Value::as_str)).collect::<Vec<_>>().join(" ")
}

/// The reply in an upstream's `response` object; `None` when it is not one.
pub fn read(body: &[u8]) -> Option<Reply> {
    let answer: Value = serde_json::from_slice(body).ok()?;
    if answer.get("object").and_then(Value::as_str) != Some("response") {
        return None;
    }
    let mut parts = Vec::new();
    let text = |value: &Value, name: &str| value.get(name).and_then(Value::as_str).unwrap_or_default().to_string();
    for item in answer.get("output").and_then(Value::as_array).into_iter().flatten() {
        match item.get("type").and_then(Value::as_str) {
            Some("message") => {
                for content in item.get("content").and_then(Value::as_array).into_iter().flatten() {
                    let field =
                        if content.get("type").and_then(Value::as_str) == Some("refusal") { "refusal" } else { "text" };
                    parts.push(Part::Text(Text { text: text(content, field), cache: None }));
                }
            }
            Some("function_call") => parts.push(Part::ToolCall {
                id: text(item, "call_id"),
                name: text(item, "name"),
                arguments: text(item, "arguments"),
            }),
            Some("reasoning") => {
                let summary: Vec<String> = item
                    .get("summary")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|s| text(s, "text"))
                    .collect();
                if !summary.is_empty() {
                    parts.push(Part::Thinking { text: summary.join("\n\n"), signature: None });
                }
            }
            _ => {}
        }
    }
    let stop = if answer.pointer("/incomplete_details/reason").and_then(Value::as_str) == Some("max_output_tokens") {
        StopReason::MaxTokens
    } else if parts.iter().any(|p| matches!(p, Part::ToolCall { .. })) {
        StopReason::ToolUse
    } else {
        StopReason::EndTurn
    };
    Some(Reply {
        id: text(&answer, "id"),
        model: text(&answer, "model"),
        parts,
        stop,
        stop_sequence: None,
        usage: answer.get("usage").and_then(usage).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_reply_and_reads_it_back() {
        let reply = Reply {
            parts: vec![
                Part::Thinking { text: "hmm".into(), signature: None },
                Part::Text(Text { text: "Let me look.".into(), cache: None }),
                Part::ToolCall { id: "call_1".into(), name: "get".into(), arguments: "{}".into() },
            ],
            stop: StopReason::ToolUse,
            usage: Usage { input: 20, cache_read: 10, output: 5, cache_creation: 0 },
            ..Reply::default()
        };
        let names = Names { id: "resp_abc".into(), model: "my-model".into(), created: 7 };
        let written = write(&reply, &names);
        assert_eq!(written["id"], "resp_abc");
        assert_eq!(written["status"], "completed");
        assert_eq!(written["output"][1]["id"], "msg_abc_1");
        assert_eq!(written["output"][2]["call_id"], "call_1");
        assert_eq!(written["usage"]["input_tokens"], 30);
        assert_eq!(written["usage"]["input_tokens_details"]["cached_tokens"], 10);
        assert_eq!(written["usage"]["total_tokens"], 35);
        let back = read(written.to_string().as_bytes()).unwrap();
        assert_eq!(back.parts, reply.parts);
        assert_eq!((back.stop, back.usage), (StopReason::ToolUse, reply.usage));
        assert!(read(b"{\"error\":{}}").is_none());
    }

    #[test]
    fn a_cut_answer_is_incomplete() {
        let reply = Reply { stop: StopReason::MaxTokens, ..Reply::default() };
        let names = Names { id: "resp_x".into(), model: "m".into(), created: 1 };
        let written = write(&reply, &names);
        assert_eq!(written["status"], "incomplete");
        assert_eq!(written["incomplete_details"]["reason"], "max_output_tokens");
    }
}
