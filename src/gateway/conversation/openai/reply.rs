//! Whole OpenAI chat answers and the internal form: read an upstream's `chat.completion`
//! (its first choice), and write a reply as one for an OpenAI client.

use super::super::{Names, Part, Reply, StopReason, Text, joined_text};
use crate::spend::Usage;
use serde_json::{Value, json};

/// OpenAI's usage: `prompt_tokens` includes the cached ones
/// (`prompt_tokens_details.cached_tokens`), which are priced apart.
pub fn usage(usage: &Value) -> Option<Usage> {
    let prompt = usage.get("prompt_tokens")?.as_u64()?;
    let completion = usage.get("completion_tokens").and_then(Value::as_u64).unwrap_or(0);
    let cached = usage.pointer("/prompt_tokens_details/cached_tokens").and_then(Value::as_u64).unwrap_or(0).min(prompt);
    Some(Usage { input: prompt - cached, cache_read: cached, output: completion, cache_creation: 0 })
}

pub fn stop_reason(finish: &str) -> StopReason {
    match finish {
        "length" => StopReason::MaxTokens,
        "tool_calls" | "function_call" => StopReason::ToolUse,
        "content_filter" => StopReason::Refusal,
        _ => StopReason::EndTurn,
    }
}

fn finish_reason(stop: StopReason) -> &'static str {
    match stop {
        StopReason::EndTurn | StopReason::StopSequence => "stop",
        StopReason::MaxTokens => "length",
        StopReason::ToolUse => "tool_calls",
        StopReason::Refusal => "content_filter",
    }
}

/// The reply in an upstream's chat completion; `None` when it is not one.
pub fn read(body: &[u8]) -> Option<Reply> {
    let answer: Value = serde_json::from_slice(body).ok()?;
    let choice = answer.get("choices")?.get(0)?;
    let message = choice.get("message")?;
    let mut parts = Vec::new();
    if let Some(reasoning) = message.get("reasoning_content").and_then(Value::as_str).filter(|r| !r.is_empty()) {
        parts.push(Part::Thinking { text: reasoning.to_string(), signature: None });
    }
    if let Some(text) = message.get("content").and_then(Value::as_str).filter(|t| !t.is_empty()) {
        parts.push(Part::Text(Text { text: text.to_string(), cache: None }));
    }
    for call in message.get("tool_calls").and_then(Value::as_array).into_iter().flatten() {
        let text = |pointer: &str| call.pointer(pointer).and_then(Value::as_str).unwrap_or_default().to_string();
        parts.push(Part::ToolCall {
            id: text("/id"),
            name: text("/function/name"),
            arguments: text("/function/arguments"),
        });
    }
    Some(Reply {
        id: answer.get("id").and_then(Value::as_str).unwrap_or_default().to_string(),
        model: answer.get("model").and_then(Value::as_str).unwrap_or_default().to_string(),
        parts,
        stop: stop_reason(choice.get("finish_reason").and_then(Value::as_str).unwrap_or("stop")),
        stop_sequence: None,
        usage: answer.get("usage").and_then(usage).unwrap_or_default(),
    })
}

/// The usage as OpenAI reports it.
pub fn usage_json(usage: Usage) -> Value {
    let prompt = usage.prompt();
    let mut body = json!({
        "prompt_tokens": prompt,
        "completion_tokens": usage.output,
        "total_tokens": prompt + usage.output,
    });
    if usage.cache_read > 0 || usage.cache_creation > 0 {
        body["prompt_tokens_details"] = json!({"cached_tokens": usage.cache_read});
        // LiteLLM's names for Anthropic's counts, which its clients read.
        body["cache_read_input_tokens"] = usage.cache_read.into();
        body["cache_creation_input_tokens"] = usage.cache_creation.into();
    }
    body
}

/// The reply as a chat completion, named as `names` says (the model the client asked for).
pub fn write(reply: &Reply, names: &Names) -> Value {
    let text = joined_text(&reply.parts);
    let mut message = json!({"role": "assistant", "content": if text.is_empty() { Value::Null } else { text.into() }});
    let reasoning: Vec<&str> = reply
        .parts
        .iter()
        .filter_map(|p| match p {
            Part::Thinking { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    if !reasoning.is_empty() {
        message["reasoning_content"] = reasoning.join("\n\n").into();
    }
    let calls: Vec<Value> = reply
        .parts
        .iter()
        .filter_map(|p| match p {
            Part::ToolCall { id, name, arguments } => {
                Some(json!({"id": id, "type": "function", "function": {"name": name, "arguments": arguments}}))
            }
            _ => None,
        })
        .collect();
    if !calls.is_empty() {
        message["tool_calls"] = calls.into();
    }
    json!({
        "id": names.id,
        "object": "chat.completion",
        "created": names.created,
        "model": names.model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason(reply.stop)}],
        "usage": usage_json(reply.usage),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_a_tool_call_answer() {
        let body = br#"{"id":"chatcmpl-1","model":"gpt-4o","choices":[{"index":0,"finish_reason":"tool_calls",
            "message":{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function",
            "function":{"name":"get","arguments":"{}"}}]}}],
            "usage":{"prompt_tokens":30,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":10}}}"#;
        let reply = read(body).unwrap();
        assert_eq!(reply.stop, StopReason::ToolUse);
        assert_eq!(reply.usage, Usage { input: 20, cache_read: 10, output: 5, cache_creation: 0 });
        let names = Names { id: "chatcmpl-x".into(), model: "my-gpt".into(), created: 7 };
        let written = write(&reply, &names);
        assert_eq!((written["id"].as_str(), written["model"].as_str()), (Some("chatcmpl-x"), Some("my-gpt")));
        assert_eq!(written["choices"][0]["message"]["tool_calls"][0]["function"]["name"], "get");
        assert_eq!(written["choices"][0]["finish_reason"], "tool_calls");
        assert_eq!(written["usage"]["prompt_tokens"], 30);
        assert!(read(b"{\"error\":{}}").is_none());
    }
}
