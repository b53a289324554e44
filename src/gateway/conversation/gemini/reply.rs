//! Whole Gemini answers (`GenerateContentResponse`) read into the internal form: the first
//! candidate's parts (text, thoughts, function calls), its finish reason, and
//! `usageMetadata`, where cached prompt tokens are part of `promptTokenCount` and thinking
//! tokens are billed as output.

use super::super::{Part, Reply, StopReason, Text};
use super::call_id;
use crate::spend::Usage;
use serde_json::Value;

pub fn usage(metadata: &Value) -> Option<Usage> {
    let count = |field: &str| metadata.get(field).and_then(Value::as_u64).unwrap_or(0);
    metadata.get("promptTokenCount")?;
    let prompt = count("promptTokenCount");
    let cached = count("cachedContentTokenCount").min(prompt);
    Some(Usage {
        input: prompt - cached,
        cache_read: cached,
        cache_creation: 0,
        output: count("candidatesTokenCount") + count("thoughtsTokenCount"),
    })
}

pub fn stop_reason(finish: &str, called: bool) -> StopReason {
    match finish {
        "MAX_TOKENS" => StopReason::MaxTokens,
        "SAFETY" | "RECITATION" | "BLOCKLIST" | "PROHIBITED_CONTENT" | "SPII" | "IMAGE_SAFETY" => StopReason::Refusal,
        _ if called => StopReason::ToolUse,
        _ => StopReason::EndTurn,
    }
}

/// One part of a candidate, the `n`th call when it is a function call.
pub fn part(part: &Value, n: usize) -> Option<Part> {
    if let Some(call) = part.get("functionCall") {
        let signature = part.get("thoughtSignature").and_then(Value::as_str);
        return Some(Part::ToolCall {
            id: call_id(n, signature),
            name: call.get("name").and_then(Value::as_str).unwrap_or_default().to_string(),
            arguments: call.get("args").map_or_else(|| "{}".to_string(), Value::to_string),
        });
    }
    let text = part.get("text").and_then(Value::as_str)?.to_string();
    if part.get("thought").and_then(Value::as_bool) == Some(true) {
        return Some(Part::Thinking { text, signature: None });
    }
    Some(Part::Text(Text { text, cache: None }))
}

pub fn read(body: &[u8]) -> Option<Reply> {
    let answer: Value = serde_json::from_slice(body).ok()?;
    let candidate = answer.get("candidates")?.get(0);
    let mut parts = Vec::new();
    let raw = candidate.and_then(|c| c.pointer("/content/parts")).and_then(Value::as_array);
    for raw in raw.into_iter().flatten() {
        let calls = parts.iter().filter(|p| matches!(p, Part::ToolCall { .. })).count();
        parts.extend(part(raw, calls));
    }
    let called = parts.iter().any(|p| matches!(p, Part::ToolCall { .. }));
    let finish = candidate.and_then(|c| c.get("finishReason")).and_then(Value::as_str).unwrap_or("STOP");
    Some(Reply {
        id: answer.get("responseId").and_then(Value::as_str).unwrap_or_default().to_string(),
        model: answer.get("modelVersion").and_then(Value::as_str).unwrap_or_default().to_string(),
        parts,
        stop: stop_reason(finish, called),
        stop_sequence: None,
        usage: answer.get("usageMetadata").and_then(usage).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_calls_thoughts_and_usage() {
        let body = br#"{"candidates":[{"content":{"role":"model","parts":[
            {"text":"Let me think","thought":true},{"text":"Checking."},
            {"functionCall":{"name":"get","args":{"city":"Oslo"}},"thoughtSignature":"c2ln"}]},
            "finishReason":"STOP"}],
            "usageMetadata":{"promptTokenCount":100,"cachedContentTokenCount":60,"candidatesTokenCount":10,"thoughtsTokenCount":5},
            "modelVersion":"gemini-2.5-flash","responseId":"r1"}"#;
        let reply = read(body).unwrap();
        assert_eq!(reply.stop, StopReason::ToolUse);
        assert_eq!(reply.usage, Usage { input: 40, cache_read: 60, output: 15, cache_creation: 0 });
        assert!(matches!(&reply.parts[0], Part::Thinking { .. }));
        assert!(
            matches!(&reply.parts[2], Part::ToolCall { id, arguments, .. } if id == "call_0__thought__c2ln" && arguments.contains("Oslo"))
        );
        assert!(read(br#"{"error":{"code":400}}"#).is_none());
    }
}
