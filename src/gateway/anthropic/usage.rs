//! The usage of an Anthropic answer: `input_tokens` (the uncached prompt),
//! `cache_creation_input_tokens`, `cache_read_input_tokens` and `output_tokens`, in a whole
//! answer's `usage` or in a stream's `message_start.message.usage` and
//! `message_delta.usage` (the delta's counts are the running totals, so they replace).

use crate::spend::Usage;
use serde::Deserialize;
use serde_json::Value;

/// The counts of an answer's `usage`; the rest of the answer is skipped unread (no JSON
/// tree is built: this runs on every relayed answer).
#[derive(Deserialize)]
struct Answer {
    usage: Option<Counts>,
}

#[derive(Deserialize)]
struct Counts {
    input_tokens: Option<u64>,
    cache_creation_input_tokens: Option<u64>,
    cache_read_input_tokens: Option<u64>,
    output_tokens: Option<u64>,
}

/// The usage of a whole answer, if it reports one.
pub fn of_answer(body: &[u8]) -> Option<Usage> {
    let counts = serde_json::from_slice::<Answer>(body).ok()?.usage?;
    let read =
        [counts.input_tokens, counts.cache_creation_input_tokens, counts.cache_read_input_tokens, counts.output_tokens];
    read.iter().any(Option::is_some).then(|| Usage {
        input: counts.input_tokens.unwrap_or(0),
        cache_creation: counts.cache_creation_input_tokens.unwrap_or(0),
        cache_read: counts.cache_read_input_tokens.unwrap_or(0),
        output: counts.output_tokens.unwrap_or(0),
    })
}

/// Takes the counts `usage` carries into `into`; false when it carries none.
pub fn merge(into: &mut Usage, usage: &Value) -> bool {
    let get = |field: &str| usage.get(field).and_then(Value::as_u64);
    let mut any = false;
    for (field, slot) in [
        ("input_tokens", &mut into.input),
        ("cache_creation_input_tokens", &mut into.cache_creation),
        ("cache_read_input_tokens", &mut into.cache_read),
        ("output_tokens", &mut into.output),
    ] {
        if let Some(count) = get(field) {
            *slot = count;
            any = true;
        }
    }
    any
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_count_and_tolerates_nulls() {
        let body = br#"{"type":"message","usage":{"input_tokens":12,"cache_creation_input_tokens":100,"cache_read_input_tokens":null,"output_tokens":7}}"#;
        assert_eq!(of_answer(body), Some(Usage { input: 12, cache_creation: 100, cache_read: 0, output: 7 }));
        assert_eq!(of_answer(br#"{"type":"message"}"#), None);
        assert_eq!(of_answer(b"not json"), None);
    }
}
