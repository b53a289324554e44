//! One event of an Anthropic stream, read on its way to the client: the usage of
//! `message_start` and `message_delta`, the text of `content_block_delta` (to count tokens
//! by when no usage comes), and `message_stop` held back until the spend row is committed.
//! Every other event (`content_block_start`, `content_block_stop`, `ping`, thinking and
//! tool-argument deltas, and events Anthropic adds later) passes as it came; an `error`
//! event is an upstream error body, so the upstream's credentials are taken out of it.

use super::usage;
use crate::gateway::redact::Redactor;
use crate::gateway::stream::Seen;
use bytes::Bytes;
use serde_json::Value;

/// What to forward of one event (None: held back).
pub fn inspect(event: &[u8], seen: &mut Seen, redactor: &Redactor) -> Option<Bytes> {
    let Ok(text) = std::str::from_utf8(event) else {
        return Some(Bytes::copy_from_slice(event));
    };
    let data: String =
        text.lines().filter_map(|l| l.strip_prefix("data:")).map(str::trim_start).collect::<Vec<_>>().join("\n");
    let Ok(payload) = serde_json::from_str::<Value>(&data) else {
        return Some(Bytes::copy_from_slice(event));
    };
    match payload.get("type").and_then(Value::as_str) {
        Some("message_start") => {
            if let Some(found) = payload.get("message").and_then(|m| m.get("usage")) {
                usage::merge(seen.usage.get_or_insert_default(), found);
            }
        }
        Some("message_delta") => {
            if let Some(found) = payload.get("usage") {
                usage::merge(seen.usage.get_or_insert_default(), found);
            }
        }
        Some("content_block_delta") => {
            let delta = payload.get("delta");
            let piece = ["text", "partial_json", "thinking"]
                .iter()
                .find_map(|field| delta.and_then(|d| d.get(*field)).and_then(Value::as_str));
            if let Some(piece) = piece {
                seen.text.push_str(piece);
            }
        }
        Some("message_stop") => {
            seen.tail = Some(Bytes::copy_from_slice(event));
            return None;
        }
        Some("error") => return Some(Bytes::from(redactor.redact(event).into_owned())),
        _ => {}
    }
    Some(Bytes::copy_from_slice(event))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spend::Usage;

    #[test]
    fn reads_usage_holds_back_the_stop_and_passes_the_rest() {
        let mut seen = Seen::default();
        let none = Redactor::default();
        let start = b"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":20,\"cache_read_input_tokens\":1000,\"cache_creation_input_tokens\":0,\"output_tokens\":1}}}\n\n";
        assert_eq!(inspect(start, &mut seen, &none).as_deref(), Some(&start[..]));
        let delta = b"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"a\\\"\"}}\n\n";
        assert!(inspect(delta, &mut seen, &none).is_some());
        let ping = b"event: ping\ndata: {\"type\": \"ping\"}\n\n";
        assert_eq!(inspect(ping, &mut seen, &none).as_deref(), Some(&ping[..]));
        let end = b"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":42}}\n\n";
        assert!(inspect(end, &mut seen, &none).is_some());
        let stop = b"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        assert!(inspect(stop, &mut seen, &none).is_none());
        assert_eq!(seen.tail.as_deref(), Some(&stop[..]));
        assert_eq!(seen.usage, Some(Usage { input: 20, cache_creation: 0, cache_read: 1000, output: 42 }));
        assert_eq!(seen.text, "{\"a\"");
    }

    #[test]
    fn an_error_event_loses_the_upstream_key() {
        let redactor = Redactor::new(["sk-ant-secret"]);
        let event = b"event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"key sk-ant-secret\"}}\n\n";
        let forwarded = inspect(event, &mut Seen::default(), &redactor).unwrap_or_default();
        assert!(!String::from_utf8_lossy(&forwarded).contains("sk-ant-secret"));
    }
}
