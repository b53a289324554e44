//! Google's Gemini API (`generateContent`, `streamGenerateContent?alt=sse`), the provider
//! side only: clients speak OpenAI's or Anthropic's dialect to the gateway.
//!
//! Gemini names no tool calls and signs its reasoning on the call part
//! (`thoughtSignature`), which Gemini 3 wants back with the call. Both survive a round
//! trip through a client that knows nothing of them by riding in the tool call's id:
//! `call_<n>` plus, when signed, [`SIGNATURE_MARK`] and the signature.

pub mod reply;
pub mod request;
pub mod stream;

/// Separates a tool call's own id from the Gemini signature carried with it.
pub const SIGNATURE_MARK: &str = "__thought__";

/// The id a client sees for Gemini's `n`th call with this signature.
pub fn call_id(n: usize, signature: Option<&str>) -> String {
    match signature {
        Some(signature) => format!("call_{n}{SIGNATURE_MARK}{signature}"),
        None => format!("call_{n}"),
    }
}

/// The signature a call id carries, if any.
pub fn signature_of(id: &str) -> Option<&str> {
    id.split_once(SIGNATURE_MARK).map(|(_, signature)| signature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_ride_in_call_ids() {
        assert_eq!(signature_of(&call_id(2, Some("c2ln+/="))), Some("c2ln+/="));
        assert_eq!(signature_of(&call_id(0, None)), None);
    }
}
