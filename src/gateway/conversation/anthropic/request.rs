//! Anthropic Messages requests and the internal form. Reading keeps the cache marks,
//! thinking blocks with their signatures and tool results; Anthropic's server tools (web
//! search, code execution: a `type` other than `custom`) run only at Anthropic, so a
//! request with one is refused for another provider rather than answered without it.
//! Writing adds the `max_tokens` Anthropic requires when the client set none.

use super::super::{Conversation, Image, Part, Role, Text, Thinking, Tool, ToolChoice};
use crate::error::ApiError;
use serde_json::{Map, Value, json};

/// Anthropic requires `max_tokens`; LiteLLM sends this when the client gives none.
const DEFAULT_MAX_TOKENS: u64 = 4096;

pub fn read(body: &Map<String, Value>) -> Result<Conversation, ApiError> {
    let mut conversation = Conversation {
        max_tokens: body.get("max_tokens").and_then(Value::as_u64),
        temperature: body.get("temperature").and_then(Value::as_f64),
        top_p: body.get("top_p").and_then(Value::as_f64),
        top_k: body.get("top_k").and_then(Value::as_u64),
        stream: body.get("stream").and_then(Value::as_bool).unwrap_or(false),
        user: body.get("metadata").and_then(|m| m.get("user_id")).and_then(Value::as_str).map(str::to_string),
        stop: body
            .get("stop_sequences")
            .and_then(Value::as_array)
            .map(|s| s.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default(),
        ..Conversation::default()
    };
    conversation.system = match body.get("system") {
        Some(Value::String(text)) => vec![Text { text: text.clone(), cache: None }],
        Some(Value::Array(blocks)) => blocks
            .iter()
            .filter_map(|b| {
                let text = b.get("text")?.as_str()?.to_string();
                Some(Text { text, cache: b.get("cache_control").cloned() })
            })
            .collect(),
        _ => Vec::new(),
    };
    if let Some(thinking) = body.get("thinking")
        && thinking.get("type").and_then(Value::as_str) == Some("enabled")
    {
        let budget_tokens = thinking.get("budget_tokens").and_then(Value::as_u64).unwrap_or(1024);
        conversation.thinking = Some(Thinking { budget_tokens });
    }
    for tool in body.get("tools").and_then(Value::as_array).into_iter().flatten() {
        conversation.tools.push(read_tool(tool)?);
    }
    if let Some(choice) = body.get("tool_choice") {
        conversation.tool_choice = match choice.get("type").and_then(Value::as_str) {
            Some("any") => Some(ToolChoice::Any),
            Some("none") => Some(ToolChoice::None),
            Some("tool") => choice.get("name").and_then(Value::as_str).map(|n| ToolChoice::Tool(n.to_string())),
            _ => Some(ToolChoice::Auto),
        };
        if choice.get("disable_parallel_tool_use").and_then(Value::as_bool) == Some(true) {
            conversation.parallel_tool_calls = Some(false);
        }
    }
    let Some(messages) = body.get("messages").and_then(Value::as_array) else {
        return Err(ApiError::field("messages", "`messages` is required: a list of turns."));
    };
    for (index, message) in messages.iter().enumerate() {
        let field = format!("messages[{index}]");
        let role = match message.get("role").and_then(Value::as_str) {
            Some("user") => Role::User,
            Some("assistant") => Role::Assistant,
            _ => return Err(ApiError::field(&field, "`role` must be user or assistant.")),
        };
        let parts = blocks(message.get("content"), &field)?;
        conversation.push(role, parts);
    }
    Ok(conversation)
}

fn read_tool(tool: &Value) -> Result<Tool, ApiError> {
    let kind = tool.get("type").and_then(Value::as_str).unwrap_or("custom");
    if kind != "custom" {
        return Err(ApiError::field(
            "tools",
            format!(
                "The tool type `{kind}` is one of Anthropic's server tools; only Anthropic runs it, and this model is served by another provider."
            ),
        ));
    }
    let Some(name) = tool.get("name").and_then(Value::as_str) else {
        return Err(ApiError::field("tools", "Every tool needs a `name`."));
    };
    Ok(Tool {
        name: name.to_string(),
        description: tool.get("description").and_then(Value::as_str).map(str::to_string),
        parameters: tool.get("input_schema").cloned().unwrap_or_else(|| json!({"type": "object", "properties": {}})),
        cache: tool.get("cache_control").cloned(),
    })
}

fn blocks(content: Option<&Value>, field: &str) -> Result<Vec<Part>, ApiError> {
    let items = match content {
        Some(Value::String(text)) => return Ok(vec![Part::Text(Text { text: text.clone(), cache: None })]),
        Some(Value::Array(items)) => items,
        _ => return Err(ApiError::field(field, "`content` must be a string or a list of blocks.")),
    };
    let mut parts = Vec::new();
    for block in items {
        let text = |name: &str| block.get(name).and_then(Value::as_str).unwrap_or_default().to_string();
        let part = match block.get("type").and_then(Value::as_str).unwrap_or_default() {
            "text" => Part::Text(Text { text: text("text"), cache: block.get("cache_control").cloned() }),
            "image" => Part::Image(image(block.get("source"), field)?),
            "tool_use" => Part::ToolCall {
                id: text("id"),
                name: text("name"),
                arguments: block.get("input").map_or_else(|| "{}".to_string(), Value::to_string),
            },
            "tool_result" => {
                let content = match block.get("content") {
                    None | Some(Value::Null) => Vec::new(),
                    other => blocks(other, field)?,
                };
                Part::ToolResult {
                    call_id: text("tool_use_id"),
                    content,
                    is_error: block.get("is_error").and_then(Value::as_bool).unwrap_or(false),
                }
            }
            "thinking" => Part::Thinking {
                text: text("thinking"),
                signature: block.get("signature").and_then(Value::as_str).map(str::to_string),
            },
            "redacted_thinking" => Part::RedactedThinking { data: text("data") },
            other => {
                return Err(ApiError::field(
                    field,
                    format!("Content blocks of type `{other}` cannot be translated for this model's provider."),
                ));
            }
        };
        parts.push(part);
    }
    Ok(parts)
}

fn image(source: Option<&Value>, field: &str) -> Result<Image, ApiError> {
    let text = |name: &str| source.and_then(|s| s.get(name)).and_then(Value::as_str).map(str::to_string);
    match text("type").as_deref() {
        Some("base64") => Ok(Image::Base64 {
            media_type: text("media_type").unwrap_or_else(|| "image/png".into()),
            data: text("data").unwrap_or_default(),
        }),
        Some("url") => Ok(Image::Url(text("url").unwrap_or_default())),
        _ => Err(ApiError::field(field, "An image block needs a `source` of type base64 or url.")),
    }
}

fn write_text(text: &Text) -> Value {
    let mut block = json!({"type": "text", "text": text.text});
    if let Some(cache) = &text.cache {
        block["cache_control"] = cache.clone();
    }
    block
}

fn write_image(image: &Image) -> Value {
    match image {
        Image::Url(url) => json!({"type": "image", "source": {"type": "url", "url": url}}),
        Image::Base64 { media_type, data } => {
            json!({"type": "image", "source": {"type": "base64", "media_type": media_type, "data": data}})
        }
    }
}

fn write_part(part: &Part) -> Option<Value> {
    Some(match part {
        Part::Text(text) => {
            if text.text.is_empty() {
                return None; // Anthropic refuses empty text blocks.
            }
            write_text(text)
        }
        Part::Image(image) => write_image(image),
        Part::ToolCall { id, name, arguments } => {
            let input: Value = serde_json::from_str(arguments).unwrap_or_else(|_| json!({}));
            json!({"type": "tool_use", "id": id, "name": name, "input": input})
        }
        Part::ToolResult { call_id, content, is_error } => {
            let content: Vec<Value> = content.iter().filter_map(write_part).collect();
            json!({"type": "tool_result", "tool_use_id": call_id, "content": content, "is_error": is_error})
        }
        // Anthropic accepts back only the thinking it signed.
        Part::Thinking { text, signature: Some(signature) } => {
            json!({"type": "thinking", "thinking": text, "signature": signature})
        }
        Part::Thinking { signature: None, .. } => return None,
        Part::RedactedThinking { data } => json!({"type": "redacted_thinking", "data": data}),
    })
}

/// The Messages request for `model`.
pub fn write(conversation: &Conversation, model: &str) -> Value {
    let mut body = Map::new();
    body.insert("model".into(), model.into());
    body.insert("max_tokens".into(), conversation.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS).into());
    if !conversation.system.is_empty() {
        body.insert("system".into(), conversation.system.iter().map(write_text).collect::<Vec<_>>().into());
    }
    let messages: Vec<Value> = conversation
        .messages
        .iter()
        .map(|message| {
            let role = if message.role == Role::User { "user" } else { "assistant" };
            let content: Vec<Value> = message.parts.iter().filter_map(write_part).collect();
            json!({"role": role, "content": content})
        })
        .filter(|m| m["content"].as_array().is_some_and(|c| !c.is_empty()))
        .collect();
    body.insert("messages".into(), messages.into());
    for (field, value) in [("temperature", conversation.temperature), ("top_p", conversation.top_p)] {
        if let Some(value) = value {
            body.insert(field.into(), value.into());
        }
    }
    if let Some(top_k) = conversation.top_k {
        body.insert("top_k".into(), top_k.into());
    }
    if !conversation.stop.is_empty() {
        body.insert("stop_sequences".into(), conversation.stop.clone().into());
    }
    if let Some(user) = &conversation.user {
        body.insert("metadata".into(), json!({"user_id": user}));
    }
    if let Some(thinking) = conversation.thinking {
        body.insert("thinking".into(), json!({"type": "enabled", "budget_tokens": thinking.budget_tokens}));
    }
    if !conversation.tools.is_empty() {
        let tools: Vec<Value> = conversation
            .tools
            .iter()
            .map(|tool| {
                let mut written = json!({"name": tool.name, "input_schema": tool.parameters});
                if let Some(description) = &tool.description {
                    written["description"] = description.clone().into();
                }
                if let Some(cache) = &tool.cache {
                    written["cache_control"] = cache.clone();
                }
                written
            })
            .collect();
        body.insert("tools".into(), tools.into());
    }
    let mut choice = match &conversation.tool_choice {
        Some(ToolChoice::Auto) => Some(json!({"type": "auto"})),
        Some(ToolChoice::None) => Some(json!({"type": "none"})),
        Some(ToolChoice::Any) => Some(json!({"type": "any"})),
        Some(ToolChoice::Tool(name)) => Some(json!({"type": "tool", "name": name})),
        None => None,
    };
    if conversation.parallel_tool_calls == Some(false) && !conversation.tools.is_empty() {
        choice.get_or_insert_with(|| json!({"type": "auto"}))["disable_parallel_tool_use"] = true.into();
    }
    if let Some(choice) = choice {
        body.insert("tool_choice".into(), choice);
    }
    if conversation.stream {
        body.insert("stream".into(), true.into());
    }
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::super::super::Message;
    use super::*;

    fn read_json(body: Value) -> Result<Conversation, ApiError> {
        let Value::Object(body) = body else { return Err(ApiError::bad_request("not an object")) };
        read(&body)
    }

    #[test]
    fn a_claude_code_request_round_trips() {
        let conversation = read_json(json!({
            "model": "claude", "max_tokens": 32000, "stream": true,
            "system": [{"type": "text", "text": "You are Claude Code.", "cache_control": {"type": "ephemeral"}}],
            "metadata": {"user_id": "user_abc_session_1"},
            "thinking": {"type": "enabled", "budget_tokens": 8000},
            "tools": [{"name": "Bash", "description": "Run", "input_schema": {"type": "object"}}],
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": "ls", "cache_control": {"type": "ephemeral"}}]},
                {"role": "assistant", "content": [
                    {"type": "thinking", "thinking": "hmm", "signature": "sig"},
                    {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "ls"}}]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "a.txt"}]},
            ],
            "context_management": {"edits": []},
        }))
        .unwrap();
        assert_eq!(conversation.user.as_deref(), Some("user_abc_session_1"));
        assert_eq!(conversation.thinking, Some(Thinking { budget_tokens: 8000 }));
        let written = write(&conversation, "claude-sonnet-4-5");
        assert_eq!(written["system"][0]["cache_control"]["type"], "ephemeral");
        assert_eq!(written["messages"][1]["content"][1]["input"]["command"], "ls");
        assert_eq!(written["messages"][2]["content"][0]["content"][0]["text"], "a.txt");
        assert!(written.get("context_management").is_none());
    }

    #[test]
    fn server_tools_and_unknown_blocks_are_refused() {
        let search = json!({"max_tokens": 5, "messages": [{"role": "user", "content": "x"}],
            "tools": [{"type": "web_search_20250305", "name": "web_search"}]});
        assert!(read_json(search).is_err());
        let document = json!({"max_tokens": 5, "messages": [{"role": "user", "content": [{"type": "document"}]}]});
        assert!(read_json(document).is_err());
    }

    #[test]
    fn unsigned_thinking_is_left_out_and_max_tokens_defaulted() {
        let conversation = Conversation {
            messages: vec![Message {
                role: Role::Assistant,
                parts: vec![
                    Part::Thinking { text: "t".into(), signature: None },
                    Part::Text(Text { text: "a".into(), cache: None }),
                ],
            }],
            ..Conversation::default()
        };
        let written = write(&conversation, "c");
        assert_eq!(written["max_tokens"], DEFAULT_MAX_TOKENS);
        assert_eq!(written["messages"][0]["content"], json!([{"type": "text", "text": "a"}]));
    }
}
