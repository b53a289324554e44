//! OpenAI chat requests and the internal form. Reading: system and developer messages
//! become the system prompt, `tool` messages become tool results in a user turn (as
//! Anthropic and Gemini want them), consecutive turns of one role merge. Writing: the
//! reverse, with the usage chunk asked for on streams. Fields outside the allow-list
//! below are dropped: they mean nothing to the other dialects.

use super::super::{Conversation, Image, Message, Part, ResponseFormat, Role, Text, Thinking, Tool, ToolChoice};
use crate::error::ApiError;
use serde_json::{Map, Value, json};

/// The thinking budget LiteLLM gives each `reasoning_effort`.
pub fn effort_budget(effort: &str) -> Option<u64> {
    match effort {
        "minimal" | "low" => Some(1024),
        "medium" => Some(2048),
        "high" => Some(4096),
        _ => None,
    }
}

pub fn read(body: &Map<String, Value>) -> Result<Conversation, ApiError> {
    let mut conversation = Conversation {
        max_tokens: ["max_completion_tokens", "max_tokens"].iter().find_map(|f| body.get(*f)?.as_u64()),
        temperature: body.get("temperature").and_then(Value::as_f64),
        top_p: body.get("top_p").and_then(Value::as_f64),
        top_k: body.get("top_k").and_then(Value::as_u64),
        stream: body.get("stream").and_then(Value::as_bool).unwrap_or(false),
        user: body.get("user").and_then(Value::as_str).map(str::to_string),
        parallel_tool_calls: body.get("parallel_tool_calls").and_then(Value::as_bool),
        ..Conversation::default()
    };
    conversation.stop = match body.get("stop") {
        Some(Value::String(one)) => vec![one.clone()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => Vec::new(),
    };
    conversation.thinking = thinking(body);
    conversation.response_format = response_format(body.get("response_format"));
    for tool in body.get("tools").and_then(Value::as_array).into_iter().flatten() {
        conversation.tools.push(read_tool(tool)?);
    }
    conversation.tool_choice = match body.get("tool_choice") {
        Some(Value::String(choice)) => match choice.as_str() {
            "none" => Some(ToolChoice::None),
            "required" => Some(ToolChoice::Any),
            _ => Some(ToolChoice::Auto),
        },
        Some(named @ Value::Object(_)) => {
            named.pointer("/function/name").and_then(Value::as_str).map(|name| ToolChoice::Tool(name.to_string()))
        }
        _ => None,
    };
    let Some(messages) = body.get("messages").and_then(Value::as_array) else {
        return Err(ApiError::field("messages", "`messages` is required: a list of chat messages."));
    };
    for (index, message) in messages.iter().enumerate() {
        read_message(message, index, &mut conversation)?;
    }
    Ok(conversation)
}

fn thinking(body: &Map<String, Value>) -> Option<Thinking> {
    // LiteLLM accepts Anthropic's `thinking` on chat requests too.
    if let Some(thinking) = body.get("thinking")
        && thinking.get("type").and_then(Value::as_str) == Some("enabled")
    {
        let budget_tokens = thinking.get("budget_tokens").and_then(Value::as_u64).unwrap_or(1024);
        return Some(Thinking { budget_tokens });
    }
    let effort = body.get("reasoning_effort").and_then(Value::as_str)?;
    effort_budget(effort).map(|budget_tokens| Thinking { budget_tokens })
}

fn response_format(format: Option<&Value>) -> Option<ResponseFormat> {
    let format = format?;
    match format.get("type").and_then(Value::as_str)? {
        "json_object" => Some(ResponseFormat::JsonObject),
        "json_schema" => {
            let spec = format.get("json_schema")?;
            Some(ResponseFormat::JsonSchema {
                name: spec.get("name").and_then(Value::as_str).unwrap_or("response").to_string(),
                schema: spec.get("schema").cloned().unwrap_or_else(|| json!({"type": "object"})),
                strict: spec.get("strict").and_then(Value::as_bool),
            })
        }
        _ => None,
    }
}

fn read_tool(tool: &Value) -> Result<Tool, ApiError> {
    let function = tool.get("function").unwrap_or(tool);
    let Some(name) = function.get("name").and_then(Value::as_str) else {
        return Err(ApiError::field("tools", "Every tool needs `function.name`."));
    };
    Ok(Tool {
        name: name.to_string(),
        description: function.get("description").and_then(Value::as_str).map(str::to_string),
        parameters: function.get("parameters").cloned().unwrap_or_else(|| json!({"type": "object", "properties": {}})),
        cache: None,
    })
}

fn read_message(message: &Value, index: usize, conversation: &mut Conversation) -> Result<(), ApiError> {
    let field = format!("messages[{index}]");
    let role = message.get("role").and_then(Value::as_str).unwrap_or_default();
    let content = message.get("content");
    match role {
        "system" | "developer" => {
            for part in content_parts(content, &field)? {
                if let Part::Text(text) = part {
                    conversation.system.push(text);
                }
            }
        }
        "user" => conversation.push(Role::User, content_parts(content, &field)?),
        "assistant" => {
            let mut parts = Vec::new();
            if let Some(reasoning) = message.get("reasoning_content").and_then(Value::as_str)
                && !reasoning.is_empty()
            {
                parts.push(Part::Thinking { text: reasoning.to_string(), signature: None });
            }
            parts.extend(content_parts(content, &field)?);
            for call in message.get("tool_calls").and_then(Value::as_array).into_iter().flatten() {
                let text =
                    |pointer: &str| call.pointer(pointer).and_then(Value::as_str).unwrap_or_default().to_string();
                parts.push(Part::ToolCall {
                    id: text("/id"),
                    name: text("/function/name"),
                    arguments: text("/function/arguments"),
                });
            }
            conversation.push(Role::Assistant, parts);
        }
        "tool" | "function" => {
            let call_id = message.get("tool_call_id").and_then(Value::as_str).unwrap_or_default().to_string();
            let content = content_parts(content, &field)?;
            conversation.push(Role::User, vec![Part::ToolResult { call_id, content, is_error: false }]);
        }
        other => {
            return Err(ApiError::field(
                &field,
                format!("Unknown role `{other}`: use system, developer, user, assistant or tool."),
            ));
        }
    }
    Ok(())
}

fn content_parts(content: Option<&Value>, field: &str) -> Result<Vec<Part>, ApiError> {
    let mut parts = Vec::new();
    match content {
        None | Some(Value::Null) => {}
        Some(Value::String(text)) => parts.push(Part::Text(Text { text: text.clone(), cache: None })),
        Some(Value::Array(items)) => {
            for item in items {
                match item.get("type").and_then(Value::as_str) {
                    Some("text") => {
                        let text = item.get("text").and_then(Value::as_str).unwrap_or_default().to_string();
                        parts.push(Part::Text(Text { text, cache: item.get("cache_control").cloned() }));
                    }
                    Some("image_url") => {
                        let url = item.pointer("/image_url/url").or_else(|| item.get("image_url"));
                        let Some(url) = url.and_then(Value::as_str) else {
                            return Err(ApiError::field(field, "An `image_url` part needs `image_url.url`."));
                        };
                        parts.push(Part::Image(Image::from_url(url)));
                    }
                    Some(other) => {
                        return Err(ApiError::field(
                            field,
                            format!("Content parts of type `{other}` cannot be translated for this model's provider."),
                        ));
                    }
                    None => return Err(ApiError::field(field, "Every content part needs a `type`.")),
                }
            }
        }
        Some(_) => return Err(ApiError::field(field, "`content` must be a string or a list of parts.")),
    }
    Ok(parts)
}

/// Whether the model takes `max_completion_tokens` only (OpenAI's reasoning models).
fn completion_tokens_only(model: &str) -> bool {
    let name = model.rsplit('/').next().unwrap_or(model);
    name.starts_with("gpt-5") || (name.starts_with('o') && name.chars().nth(1).is_some_and(|c| c.is_ascii_digit()))
}

/// The chat request for `model`.
pub fn write(conversation: &Conversation, model: &str) -> Value {
    let mut body = Map::new();
    body.insert("model".into(), model.into());
    let mut messages = Vec::new();
    if !conversation.system.is_empty() {
        let text: Vec<&str> = conversation.system.iter().map(|t| t.text.as_str()).collect();
        messages.push(json!({"role": "system", "content": text.join("\n\n")}));
    }
    for message in &conversation.messages {
        write_message(message, &mut messages);
    }
    body.insert("messages".into(), Value::Array(messages));
    if let Some(max) = conversation.max_tokens {
        let field = if completion_tokens_only(model) { "max_completion_tokens" } else { "max_tokens" };
        body.insert(field.into(), max.into());
    }
    for (field, value) in [("temperature", conversation.temperature), ("top_p", conversation.top_p)] {
        if let Some(value) = value {
            body.insert(field.into(), value.into());
        }
    }
    if !conversation.stop.is_empty() {
        body.insert("stop".into(), conversation.stop.clone().into());
    }
    if let Some(user) = &conversation.user {
        body.insert("user".into(), user.clone().into());
    }
    if !conversation.tools.is_empty() {
        let tools: Vec<Value> = conversation.tools.iter().map(write_tool).collect();
        body.insert("tools".into(), tools.into());
        if let Some(parallel) = conversation.parallel_tool_calls {
            body.insert("parallel_tool_calls".into(), parallel.into());
        }
    }
    if let Some(choice) = &conversation.tool_choice {
        let choice = match choice {
            ToolChoice::Auto => json!("auto"),
            ToolChoice::None => json!("none"),
            ToolChoice::Any => json!("required"),
            ToolChoice::Tool(name) => json!({"type": "function", "function": {"name": name}}),
        };
        body.insert("tool_choice".into(), choice);
    }
    if let Some(thinking) = conversation.thinking
        && completion_tokens_only(model)
    {
        let effort = match thinking.budget_tokens {
            0..=1024 => "low",
            1025..=4096 => "medium",
            _ => "high",
        };
        body.insert("reasoning_effort".into(), effort.into());
    }
    match &conversation.response_format {
        Some(ResponseFormat::JsonObject) => {
            body.insert("response_format".into(), json!({"type": "json_object"}));
        }
        Some(ResponseFormat::JsonSchema { name, schema, strict }) => {
            let mut spec = json!({"name": name, "schema": schema});
            if let Some(strict) = strict {
                spec["strict"] = (*strict).into();
            }
            body.insert("response_format".into(), json!({"type": "json_schema", "json_schema": spec}));
        }
        None => {}
    }
    if conversation.stream {
        body.insert("stream".into(), true.into());
        body.insert("stream_options".into(), json!({"include_usage": true}));
    }
    Value::Object(body)
}

fn write_tool(tool: &Tool) -> Value {
    let mut function = json!({"name": tool.name, "parameters": tool.parameters});
    if let Some(description) = &tool.description {
        function["description"] = description.clone().into();
    }
    json!({"type": "function", "function": function})
}

fn write_message(message: &Message, out: &mut Vec<Value>) {
    match message.role {
        Role::User => {
            // Tool results are messages of their own, before what the user adds.
            let mut content = Vec::new();
            for part in &message.parts {
                match part {
                    Part::ToolResult { call_id, content: result, is_error } => {
                        let mut text = super::super::joined_text(result);
                        if *is_error && text.is_empty() {
                            text = "error".to_string();
                        }
                        out.push(json!({"role": "tool", "tool_call_id": call_id, "content": text}));
                    }
                    Part::Text(text) => content.push(json!({"type": "text", "text": text.text})),
                    Part::Image(image) => {
                        content.push(json!({"type": "image_url", "image_url": {"url": image.to_url()}}))
                    }
                    _ => {}
                }
            }
            if !content.is_empty() {
                out.push(json!({"role": "user", "content": content}));
            }
        }
        Role::Assistant => {
            let text = super::super::joined_text(&message.parts);
            let calls: Vec<Value> = message
                .parts
                .iter()
                .filter_map(|part| match part {
                    Part::ToolCall { id, name, arguments } => Some(json!({
                        "id": id, "type": "function", "function": {"name": name, "arguments": arguments},
                    })),
                    _ => None,
                })
                .collect();
            let mut turn =
                json!({"role": "assistant", "content": if text.is_empty() { Value::Null } else { text.into() }});
            if !calls.is_empty() {
                turn["tool_calls"] = calls.into();
            }
            out.push(turn);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_json(body: Value) -> Conversation {
        let Value::Object(body) = body else { panic!("object") };
        read(&body).unwrap()
    }

    #[test]
    fn reads_a_tool_conversation_and_writes_it_back() {
        let conversation = read_json(json!({
            "model": "m", "max_tokens": 50, "stream": true, "stop": "END", "user": "u1", "seed": 3,
            "tools": [{"type": "function", "function": {"name": "get", "parameters": {"type": "object"}}}],
            "tool_choice": "required",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": [{"type": "text", "text": "Weather?"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAA"}}]},
                {"role": "assistant", "content": null, "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "get", "arguments": "{\"city\":\"Oslo\"}"}}]},
                {"role": "tool", "tool_call_id": "c1", "content": "rain"},
            ],
        }));
        assert_eq!(conversation.system[0].text, "Be brief.");
        assert_eq!(conversation.messages.len(), 3);
        assert_eq!(conversation.tool_choice, Some(ToolChoice::Any));
        assert!(matches!(&conversation.messages[2].parts[0], Part::ToolResult { call_id, .. } if call_id == "c1"));
        let written = write(&conversation, "gpt-4o");
        assert_eq!(written["messages"][0], json!({"role": "system", "content": "Be brief."}));
        assert_eq!(written["messages"][2]["tool_calls"][0]["function"]["arguments"], "{\"city\":\"Oslo\"}");
        assert_eq!(written["messages"][3], json!({"role": "tool", "tool_call_id": "c1", "content": "rain"}));
        assert_eq!(written["stream_options"]["include_usage"], true);
        assert_eq!(written["max_tokens"], 50);
        assert!(written.get("seed").is_none(), "fields outside the allow-list are dropped");
        assert_eq!(write(&conversation, "openai/o3-mini")["max_completion_tokens"], 50);
    }

    #[test]
    fn refuses_what_cannot_be_translated() {
        let Value::Object(body) = json!({"messages": [{"role": "user", "content": [{"type": "input_audio"}]}]}) else {
            return;
        };
        assert_eq!(read(&body).err().map(|e| e.status().as_u16()), Some(400));
        let Value::Object(body) = json!({"messages": [{"role": "wizard", "content": "x"}]}) else { return };
        assert!(read(&body).is_err());
    }
}
