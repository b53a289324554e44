//! One event of a relayed Responses stream, read on its way to the client: the usage of
//! the final `response.completed` (or `response.incomplete`, `response.failed`), the text
//! of `response.output_text.delta` and of tool arguments (to count tokens by when no usage
//! comes), and that final event held back until the spend row is committed. Every other
//! event passes as it came; an `error` event is an upstream error body, so the upstream's
//! credentials are taken out of it.

use crate::gateway::conversation::data_of;
use crate::gateway::conversation::responses::reply::usage;
use crate::gateway::redact::Redactor;
use crate::gateway::stream::Seen;
use bytes::Bytes;
use serde_json::Value;

/// What to forward of one event (None: held back).
pub fn inspect(event: &[u8], seen: &mut Seen, redactor: &Redactor) -> Option<Bytes> {
    let Some(data) = data_of(event) else {
        return Some(Bytes::copy_from_slice(event));
    };
    let Ok(payload) = serde_json::from_str::<Value>(&data) else {
        return Some(Bytes::copy_from_slice(event));
    };
    match payload.get("type").and_then(Value::as_str) {
        Some("response.output_text.delta" | "response.function_call_arguments.delta") => {
            if let Some(piece) = payload.get("delta").and_then(Value::as_str) {
                seen.text.push_str(piece);
            }
        }
        Some("response.completed" | "response.incomplete" | "response.failed") => {
            if let Some(found) = payload.pointer("/response/usage").and_then(usage) {
                seen.usage = Some(found);
            }
            seen.tail = Some(Bytes::copy_from_slice(event));
            return None;
        }
        Some("error" | "response.error") => return Some(Bytes::from(redactor.redact(event).into_owned())),
        _ => {}
    }
    Some(Bytes::copy_from_slice(event))
}

/// An `error` event for a stream that cannot go on.
pub fn error_event(message: &str) -> Bytes {
    let body = serde_json::json!({"type": "error", "code": "server_error", "message": message, "param": null});
    Bytes::from(format!("event: error\ndata: {body}\n\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spend::Usage;

    #[test]
    fn reads_the_final_usage_and_holds_the_final_event_back() {
        let mut seen = Seen::default();
        let none = Redactor::default();
        let delta =
            b"event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"Hi\"}\n\n";
        assert_eq!(inspect(delta, &mut seen, &none).as_deref(), Some(&delta[..]));
        let done = b"event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"usage\":{\"input_tokens\":30,\"input_tokens_details\":{\"cached_tokens\":10},\"output_tokens\":5}}}\n\n";
        assert!(inspect(done, &mut seen, &none).is_none());
        assert_eq!(seen.tail.as_deref(), Some(&done[..]));
        assert_eq!(seen.usage, Some(Usage { input: 20, cache_read: 10, output: 5, cache_creation: 0 }));
        assert_eq!(seen.text, "Hi");
        let error = b"event: error\ndata: {\"type\":\"error\",\"message\":\"key sk-up-secret\"}\n\n";
        let forwarded = inspect(error, &mut seen, &Redactor::new(["sk-up-secret"])).unwrap_or_default();
        assert!(!String::from_utf8_lossy(&forwarded).contains("sk-up-secret"));
    }
}
