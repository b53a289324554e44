//! Whole Anthropic answers (`"type": "message"`) and the internal form.

use super::super::{Part, Reply, StopReason, Text};
use crate::gateway::anthropic::usage::merge;
use crate::spend::Usage;
use serde_json::{Value, json};

pub fn stop_reason(reason: &str) -> StopReason {
    match reason {
        "max_tokens" | "model_context_window_exceeded" => StopReason::MaxTokens,
        "stop_sequence" => StopReason::StopSequence,
        "tool_use" => StopReason::ToolUse,
        "refusal" => StopReason::Refusal,
        _ => StopReason::EndTurn,
    }
}

pub fn stop_name(reason: StopReason) -> &'static str {
    match reason {
        StopReason::EndTurn => "end_turn",
        StopReason::MaxTokens => "max_tokens",
        StopReason::StopSequence => "stop_sequence",
        StopReason::ToolUse => "tool_use",
        StopReason::Refusal => "refusal",
    }
}

/// The reply in an upstream's message; `None` when it is not one.
pub fn read(body: &[u8]) -> Option<Reply> {
    let answer: Value = serde_json::from_slice(body).ok()?;
    if answer.get("type").and_then(Value::as_str) != Some("message") {
        return None;
    }
    let mut parts = Vec::new();
    for block in answer.get("content").and_then(Value::as_array).into_iter().flatten() {
        let text = |name: &str| block.get(name).and_then(Value::as_str).unwrap_or_default().to_string();
        match block.get("type").and_then(Value::as_str) {
            Some("text") => parts.push(Part::Text(Text { text: text("text"), cache: None })),
            Some("thinking") => parts.push(Part::Thinking {
                text: text("thinking"),
                signature: block.get("signature").and_then(Value::as_str).map(str::to_string),
            }),
            Some("redacted_thinking") => parts.push(Part::RedactedThinking { data: text("data") }),
            Some("tool_use") => parts.push(Part::ToolCall {
                id: text("id"),
                name: text("name"),
                arguments: block.get("input").map_or_else(|| "{}".to_string(), Value::to_string),
            }),
            _ => {}
        }
    }
    let mut usage = Usage::default();
    if let Some(found) = answer.get("usage") {
        merge(&mut usage, found);
    }
    Some(Reply {
        id: answer.get("id").and_then(Value::as_str).unwrap_or_default().to_string(),
        model: answer.get("model").and_then(Value::as_str).unwrap_or_default().to_string(),
        parts,
        stop: stop_reason(answer.get("stop_reason").and_then(Value::as_str).unwrap_or("end_turn")),
        stop_sequence: answer.get("stop_sequence").and_then(Value::as_str).map(str::to_string),
        usage,
    })
}

/// The usage as Anthropic reports it.
pub fn usage_json(usage: Usage) -> Value {
    json!({
        "input_tokens": usage.input,
        "cache_creation_input_tokens": usage.cache_creation,
        "cache_read_input_tokens": usage.cache_read,
        "output_tokens": usage.output,
    })
}

/// The reply as a message named `id`, for the model the client asked for.
pub fn write(reply: &Reply, id: &str, model: &str) -> Value {
    let content: Vec<Value> = reply
        .parts
        .iter()
        .filter_map(|part| match part {
            Part::Text(text) => Some(json!({"type": "text", "text": text.text})),
            Part::Thinking { text, signature } => {
                Some(json!({"type": "thinking", "thinking": text, "signature": signature.clone().unwrap_or_default()}))
            }
            Part::RedactedThinking { data } => Some(json!({"type": "redacted_thinking", "data": data})),
            Part::ToolCall { id, name, arguments } => {
                let input: Value = serde_json::from_str(arguments).unwrap_or_else(|_| json!({}));
                Some(json!({"type": "tool_use", "id": id, "name": name, "input": input}))
            }
            Part::Image(_) | Part::ToolResult { .. } => None,
        })
        .collect();
    json!({
        "id": id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_name(reply.stop),
        "stop_sequence": reply.stop_sequence,
        "usage": usage_json(reply.usage),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_a_message() {
        let body = br#"{"id":"msg_1","type":"message","role":"assistant","model":"claude","stop_reason":"tool_use",
            "content":[{"type":"text","text":"Let me look."},{"type":"tool_use","id":"toolu_1","name":"get","input":{"a":1}}],
            "usage":{"input_tokens":10,"cache_read_input_tokens":100,"output_tokens":20}}"#;
        let reply = read(body).unwrap();
        assert_eq!(reply.stop, StopReason::ToolUse);
        assert_eq!(reply.usage, Usage { input: 10, cache_read: 100, output: 20, cache_creation: 0 });
        let written = write(&reply, "msg_x", "my-claude");
        assert_eq!(written["content"][1]["input"]["a"], 1);
        assert_eq!(written["model"], "my-claude");
        assert_eq!(written["usage"]["cache_read_input_tokens"], 100);
        assert!(read(br#"{"type":"error","error":{}}"#).is_none());
    }
}
