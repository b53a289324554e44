//! Token counting with OpenAI's real tokenizers (tiktoken-rs embeds its BPE files, so
//! nothing is downloaded), for answers whose upstream reports no usage. The encoders are
//! built on first use only: most upstreams report usage and never need them.

use tiktoken_rs::CoreBPE;

fn encoder(model: &str) -> &'static CoreBPE {
    let bare = model.rsplit('/').next().unwrap_or(model);
    let o200k = ["gpt-4o", "gpt-4.1", "gpt-5", "o1", "o3", "o4", "chatgpt-4o"];
    if o200k.iter().any(|p| bare.starts_with(p)) {
        tiktoken_rs::o200k_base_singleton()
    } else {
        tiktoken_rs::cl100k_base_singleton()
    }
}

/// Tokens of a text as `model` would count them.
pub fn count(model: &str, text: &str) -> u64 {
    if text.is_empty() {
        return 0;
    }
    encoder(model).encode_ordinary(text).len() as u64
}

/// Prompt tokens of a chat/completion/embedding body, as OpenAI counts chat messages:
/// the content of each message plus a few tokens of framing.
pub fn prompt_tokens(model: &str, body: &serde_json::Value) -> u64 {
    if let Some(messages) = body.get("messages").and_then(|m| m.as_array()) {
        let mut total = 3;
        for message in messages {
            total += 3;
            total += count(model, &text_of(message.get("content")));
            if let Some(name) = message.get("name").and_then(|n| n.as_str()) {
                total += count(model, name) + 1;
            }
        }
        return total;
    }
    let input = body.get("prompt").or_else(|| body.get("input"));
    count(model, &text_of(input))
}

/// The text inside a content field: a string, a list of parts, or a list of strings.
pub fn text_of(value: Option<&serde_json::Value>) -> String {
    match value {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                serde_json::Value::String(s) => s.clone(),
                other => other.get("text").and_then(|t| t.as_str()).unwrap_or_default().to_string(),
            })
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_like_openai() {
        // "hello world" is two tokens in both encodings.
        assert_eq!(count("gpt-4o", "hello world"), 2);
        assert_eq!(count("gpt-3.5-turbo", "hello world"), 2);
        let body = serde_json::json!({"messages": [{"role": "user", "content": "hello world"}]});
        assert_eq!(prompt_tokens("gpt-4o", &body), 3 + 3 + 2);
    }
}
