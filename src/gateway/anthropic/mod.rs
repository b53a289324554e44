//! Anthropic's Messages dialect at the gateway's edge: `POST /v1/messages` (plain and
//! streamed) and `/v1/messages/count_tokens`, Claude Code's client. A request to an
//! Anthropic deployment is relayed as its bytes (only `model` rewritten when the upstream
//! name differs) and the gateway reads only the usage (`usage.rs`, `events.rs`); it goes
//! through the same key check, model access, admission and spend rows as chat (`flow`).
//! Every refusal is answered in Anthropic's error shape (`errors.rs`).

pub mod count;
pub mod errors;
pub mod events;
pub mod usage;

use crate::gateway::providers::Forwarded;
use http::{HeaderMap, HeaderName};

/// Claude Code names its session in this header; the spend row keeps it.
const SESSION: HeaderName = HeaderName::from_static("x-claude-code-session-id");
/// The longest session id kept (Claude Code sends a UUID).
const SESSION_LIMIT: usize = 200;

/// The client's Claude Code session, if it sent a usable one.
pub fn session_id(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(&SESSION)?.to_str().ok()?.trim();
    (!value.is_empty() && value.len() <= SESSION_LIMIT).then(|| value.to_string())
}

/// The client headers an Anthropic upstream is given: `anthropic-version` and
/// `anthropic-beta`, as the client sent them.
pub fn forwarded_headers(headers: &HeaderMap) -> Forwarded {
    Forwarded {
        version: headers.get("anthropic-version").cloned(),
        betas: headers.get_all("anthropic-beta").iter().cloned().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_and_forwarded_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("x-claude-code-session-id", "  5f1c  ".parse().unwrap());
        headers.insert("anthropic-version", "2023-06-01".parse().unwrap());
        headers.append("anthropic-beta", "a-2025".parse().unwrap());
        headers.append("anthropic-beta", "b-2026".parse().unwrap());
        headers.insert("authorization", "Bearer sk-client".parse().unwrap());
        assert_eq!(session_id(&headers).as_deref(), Some("5f1c"));
        let forwarded = forwarded_headers(&headers);
        assert_eq!(forwarded.version.as_ref().map(|v| v.as_bytes()), Some(&b"2023-06-01"[..]));
        let betas: Vec<&[u8]> = forwarded.betas.iter().map(|v| v.as_bytes()).collect();
        assert_eq!(betas, [&b"a-2025"[..], &b"b-2026"[..]]);
        headers.insert("x-claude-code-session-id", "x".repeat(SESSION_LIMIT + 1).parse().unwrap());
        assert_eq!(session_id(&headers), None);
    }
}
