//! How keys look in answers, with LiteLLM's field names. Only `/key/generate` and
//! `/key/regenerate` ever show a clear key; everything else shows the hash (`token`) and
//! the masked `key_name`.

use super::record::KeyRecord;
use serde_json::{Value, json};

/// `"sk-..." + last 4 characters`, as LiteLLM shows keys.
pub fn key_name(clear: &str) -> String {
    let chars: Vec<char> = clear.chars().collect();
    if chars.len() < 8 {
        return "sk-...".into();
    }
    format!("sk-...{}", chars[chars.len() - 4..].iter().collect::<String>())
}

/// The hash a request means: the 64-hex hash itself, or the hash of a clear key.
pub fn token_of(presented: &str) -> String {
    let presented = presented.trim();
    if presented.len() == 64 && presented.chars().all(|c| c.is_ascii_hexdigit()) {
        presented.to_ascii_lowercase()
    } else {
        super::hash_key(presented)
    }
}

/// The key row with the fields LiteLLM adds, including `token` (the hash).
pub fn full(key: &KeyRecord) -> Value {
    let mut value = serde_json::to_value(key).unwrap_or_else(|_| json!({}));
    if let Some(map) = value.as_object_mut() {
        map.remove("is_session_key");
        map.insert("token_id".into(), Value::String(key.token.clone()));
        for extra in ["budget_id", "litellm_budget_table", "organization_id", "object_permission", "key_type"] {
            map.entry(extra).or_insert(Value::Null);
        }
        map.insert("model_spend".into(), json!({}));
        map.insert("model_max_budget".into(), json!({}));
        map.insert("allowed_cache_controls".into(), json!([]));
    }
    value
}

/// The key as `/key/info` shows it: the row without the hash.
pub fn info(key: &KeyRecord) -> Value {
    let mut value = full(key);
    if let Some(map) = value.as_object_mut() {
        map.remove("token");
        map.remove("token_id");
    }
    value
}

/// The answer of `/key/generate` and `/key/regenerate`: the row, the clear key once,
/// and the lifetime asked for.
pub fn generated(key: &KeyRecord, clear: &str, duration: Option<String>) -> Value {
    let mut value = full(key);
    if let Some(map) = value.as_object_mut() {
        map.insert("key".into(), Value::String(clear.to_string()));
        // LiteLLM echoes the request's `tags`, which it keeps in `metadata.tags`.
        let tags: Vec<&str> = crate::tags::of_metadata(&key.metadata).collect();
        map.insert("tags".into(), if tags.is_empty() { Value::Null } else { json!(tags) });
        map.insert("duration".into(), duration.map_or(Value::Null, Value::String));
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_tokens() {
        assert_eq!(key_name("sk-abcdefgh1234"), "sk-...1234");
        let hash = super::super::hash_key("sk-abc");
        assert_eq!(token_of("sk-abc"), hash);
        assert_eq!(token_of(&hash.to_uppercase()), hash);
    }
}
