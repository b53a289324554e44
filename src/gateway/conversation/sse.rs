//! Server-sent events as the mappers see them: the `data` of an event in, an event out.

use bytes::Bytes;
use serde_json::Value;

/// The `data` lines of one event, joined; `None` for comments and keep-alives.
pub fn data_of(event: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(event).ok()?;
    let data: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("data:")).map(str::trim_start).collect();
    (!data.is_empty()).then(|| data.join("\n"))
}

/// A `data:` event with a JSON payload.
pub fn data(payload: &Value) -> Bytes {
    Bytes::from(format!("data: {payload}\n\n"))
}

/// A named event with a JSON payload.
pub fn named(name: &str, payload: &Value) -> Bytes {
    Bytes::from(format!("event: {name}\ndata: {payload}\n\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_data_lines() {
        assert_eq!(data_of(b"event: x\ndata: {\"a\":1}\n\n").as_deref(), Some("{\"a\":1}"));
        assert_eq!(data_of(b": keep-alive\n\n"), None);
        assert_eq!(data_of(b"data:[DONE]\n\n").as_deref(), Some("[DONE]"));
    }
}
