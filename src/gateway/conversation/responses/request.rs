//! Responses API requests and the internal form. Reading: `instructions` and system or
//! developer messages become the system prompt; `input` is a string (one user turn) or a
//! list of items — messages, `function_call`s and their `function_call_output`s (and
//! Codex's `custom_tool_call`s, read as function calls) — merged into alternating turns.
//! Function tools are kept, custom (freeform) tools become function tools taking one
//! `input` string, and every other tool or item (hosted tools, `reasoning`, shell calls)
//! is dropped by the allow-list: no other provider could run them. A
//! `previous_response_id` still present here names no response the gateway keeps (see
//! `gateway::responses`), which a bridged model cannot resolve, so it is refused.

use super::super::openai::request::effort_budget;
use super::super::{Conversation, Image, Message, Part, ResponseFormat, Role, Text, Thinking, Tool, ToolChoice};
use crate::error::ApiError;
use serde_json::{Map, Value, json};

pub fn read(body: &Map<String, Value>) -> Result<Conversation, ApiError> {
    if let Some(id) = body.get("previous_response_id").and_then(Value::as_str) {
        return Err(ApiError::field("previous_response_id", format!("Previous response with id '{id}' not found.")));
    }
    let mut conversation = Conversation {
        max_tokens: body.get("max_output_tokens").and_then(Value::as_u64),
        temperature: body.get("temperature").and_then(Value::as_f64),
        top_p: body.get("top_p").and_then(Value::as_f64),
        stream: body.get("stream").and_then(Value::as_bool).unwrap_or(false),
        user: ["user", "safety_identifier"].iter().find_map(|f| body.get(*f)?.as_str()).map(str::to_string),
        parallel_tool_calls: body.get("parallel_tool_calls").and_then(Value::as_bool),
        ..Conversation::default()
    };
    if let Some(instructions) = body.get("instructions").and_then(Value::as_str).filter(|i| !i.is_empty()) {
        conversation.system.push(Text { text: instructions.to_string(), cache: None });
    }
    let effort = body.get("reasoning").and_then(|r| r.get("effort")).and_then(Value::as_str);
    conversation.thinking = effort.and_then(effort_budget).map(|budget_tokens| Thinking { budget_tokens });
    conversation.response_format = response_format(body.get("text").and_then(|t| t.get("format")));
    for tool in body.get("tools").and_then(Value::as_array).into_iter().flatten() {
        if let Some(tool) = read_tool(tool)? {
            conversation.tools.push(tool);
        }
    }
    conversation.tool_choice = match body.get("tool_choice") {
        Some(Value::String(choice)) => match choice.as_str() {
            "none" => Some(ToolChoice::None),
            "required" => Some(ToolChoice::Any),
            _ => Some(ToolChoice::Auto),
        },
        Some(named @ Value::Object(_)) => match named.get("name").and_then(Value::as_str) {
            Some(name) => Some(ToolChoice::Tool(name.to_string())),
            None => Some(ToolChoice::Auto),
        },
        _ => None,
    };
    match body.get("input") {
        Some(Value::String(text)) => {
            conversation.push(Role::User, vec![Part::Text(Text { text: text.clone(), cache: None })]);
        }
        Some(Value::Array(items)) => {
            for (index, item) in items.iter().enumerate() {
                read_item(item, index, &mut conversation)?;
            }
        }
        _ => return Err(ApiError::field("input", "`input` is required: a string or a list of input items.")),
    }
    Ok(conversation)
}

fn response_format(format: Option<&Value>) -> Option<ResponseFormat> {
    let format = format?;
    match format.get("type").and_then(Value::as_str)? {
        "json_object" => Some(ResponseFormat::JsonObject),
        "json_schema" => Some(ResponseFormat::JsonSchema {
            name: format.get("name").and_then(Value::as_str).unwrap_or("response").to_string(),
            schema: format.get("schema").cloned().unwrap_or_else(|| json!({"type": "object"})),
            strict: format.get("strict").and_then(Value::as_bool),
        }),
        _ => None,
    }
}

/// A custom tool's one argument, as the function tool it becomes takes it.
fn custom_parameters() -> Value {
    json!({"type": "object", "properties": {"input": {"type": "string"}}, "required": ["input"]})
}

fn read_tool(tool: &Value) -> Result<Option<Tool>, ApiError> {
    let kind = tool.get("type").and_then(Value::as_str).unwrap_or("function");
    if kind != "function" && kind != "custom" {
        return Ok(None);
    }
    let Some(name) = tool.get("name").and_then(Value::as_str) else {
        return Err(ApiError::field("tools", "Every function tool needs a `name`."));
    };
    let parameters = match kind {
        "custom" => custom_parameters(),
        _ => tool.get("parameters").cloned().unwrap_or_else(|| json!({"type": "object", "properties": {}})),
    };
    Ok(Some(Tool {
        name: name.to_string(),
        description: tool.get("description").and_then(Value::as_str).map(str::to_string),
        parameters,
        cache: None,
    }))
}

fn read_item(item: &Value, index: usize, conversation: &mut Conversation) -> Result<(), ApiError> {
    let field = format!("input[{index}]");
    let text = |name: &str| item.get(name).and_then(Value::as_str).unwrap_or_default().to_string();
    let kind =
        item.get("type").and_then(Value::as_str).unwrap_or(if item.get("role").is_some() { "message" } else { "" });
    match kind {
        "message" => {
            let parts = content_parts(item.get("content"), &field)?;
            match item.get("role").and_then(Value::as_str).unwrap_or_default() {
                "user" => conversation.push(Role::User, parts),
                "assistant" => conversation.push(Role::Assistant, parts),
                "system" | "developer" => {
                    conversation.system.extend(parts.into_iter().filter_map(|p| match p {
                        Part::Text(text) => Some(text),
                        _ => None,
                    }));
                }
                other => {
                    return Err(ApiError::field(
                        &field,
                        format!("Unknown role `{other}`: use user, assistant, system or developer."),
                    ));
                }
            }
        }
        "function_call" => {
            let call = Part::ToolCall { id: text("call_id"), name: text("name"), arguments: text("arguments") };
            conversation.push(Role::Assistant, vec![call]);
        }
        "custom_tool_call" => {
            let arguments = json!({"input": text("input")}).to_string();
            conversation
                .push(Role::Assistant, vec![Part::ToolCall { id: text("call_id"), name: text("name"), arguments }]);
        }
        "function_call_output" | "custom_tool_call_output" => {
            let content = match item.get("output") {
                Some(Value::String(output)) => vec![Part::Text(Text { text: output.clone(), cache: None })],
                other => content_parts(other, &field)?,
            };
            let result = Part::ToolResult { call_id: text("call_id"), content, is_error: false };
            conversation.push(Role::User, vec![result]);
        }
        "" => return Err(ApiError::field(&field, "Every input item needs a `type` (or a `role`).")),
        // Reasoning, hosted tools' calls, item references: nothing another provider can read.
        _ => {}
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
                let text = |name: &str| item.get(name).and_then(Value::as_str).unwrap_or_default().to_string();
                match item.get("type").and_then(Value::as_str) {
                    Some("input_text" | "output_text" | "text") => {
                        parts.push(Part::Text(Text { text: text("text"), cache: None }));
                    }
                    Some("refusal") => parts.push(Part::Text(Text { text: text("refusal"), cache: None })),
                    Some("input_image") => {
                        let url = item.get("image_url").and_then(Value::as_str);
                        let Some(url) = url.filter(|u| !u.is_empty()) else {
                            return Err(ApiError::field(
                                field,
                                "An `input_image` needs an `image_url` (a `file_id` cannot be translated for this model's provider).",
                            ));
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

/// The Responses request for `model` (for an upstream that speaks only this API). The
/// gateway keeps no state upstream: `store` is off.
pub fn write(conversation: &Conversation, model: &str) -> Value {
    let mut body = Map::new();
    body.insert("model".into(), model.into());
    if !conversation.system.is_empty() {
        let text: Vec<&str> = conversation.system.iter().map(|t| t.text.as_str()).collect();
        body.insert("instructions".into(), text.join("\n\n").into());
    }
    let mut input = Vec::new();
    for message in &conversation.messages {
        write_message(message, &mut input);
    }
    body.insert("input".into(), input.into());
    if let Some(max) = conversation.max_tokens {
        body.insert("max_output_tokens".into(), max.into());
    }
    for (field, value) in [("temperature", conversation.temperature), ("top_p", conversation.top_p)] {
        if let Some(value) = value {
            body.insert(field.into(), value.into());
        }
    }
    if !conversation.tools.is_empty() {
        let tools: Vec<Value> = conversation
            .tools
            .iter()
            .map(|t| json!({"type": "function", "name": t.name, "description": t.description, "parameters": t.parameters}))
            .collect();
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
            ToolChoice::Tool(name) => json!({"type": "function", "name": name}),
        };
        body.insert("tool_choice".into(), choice);
    }
    if let Some(thinking) = conversation.thinking {
        let effort = match thinking.budget_tokens {
            0..=1024 => "low",
            1025..=4096 => "medium",
            _ => "high",
        };
        body.insert("reasoning".into(), json!({"effort": effort}));
    }
    match &conversation.response_format {
        Some(ResponseFormat::JsonObject) => {
            body.insert("text".into(), json!({"format": {"type": "json_object"}}));
        }
        Some(ResponseFormat::JsonSchema { name, schema, strict }) => {
            let mut format = json!({"type": "json_schema", "name": name, "schema": schema});
            if let Some(strict) = strict {
                format["strict"] = (*strict).into();
            }
            body.insert("text".into(), json!({"format": format}));
        }
        None => {}
    }
    if let Some(user) = &conversation.user {
        body.insert("user".into(), user.clone().into());
    }
    body.insert("store".into(), false.into());
    if conversation.stream {
        body.insert("stream".into(), true.into());
    }
    Value::Object(body)
}

fn write_message(message: &Message, out: &mut Vec<Value>) {
    let (role, text_type) = match message.role {
        Role::User => ("user", "input_text"),
        Role::Assistant => ("assistant", "output_text"),
    };
    let mut content = Vec::new();
    let flush = |content: &mut Vec<Value>, out: &mut Vec<Value>| {
        if !content.is_empty() {
            out.push(json!({"type": "message", "role": role, "content": std::mem::take(content)}));
        }
    };
    for part in &message.parts {
        match part {
            Part::Text(text) => content.push(json!({"type": text_type, "text": text.text})),
            Part::Image(image) => content.push(json!({"type": "input_image", "image_url": image.to_url()})),
            Part::ToolCall { id, name, arguments } => {
                flush(&mut content, out);
                out.push(json!({"type": "function_call", "call_id": id, "name": name, "arguments": arguments}));
            }
            Part::ToolResult { call_id, content: result, .. } => {
                flush(&mut content, out);
                let output = super::super::joined_text(result);
                out.push(json!({"type": "function_call_output", "call_id": call_id, "output": output}));
            }
            Part::Thinking { .. } | Part::RedactedThinking { .. } => {}
        }
    }
    flush(&mut content, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_json(body: Value) -> Result<Conversation, ApiError> {
        let Value::Object(body) = body else { panic!("object") };
        read(&body)
    }

    #[test]
    fn reads_a_codex_turn_with_tools_and_their_results() {
        let conversation = read_json(json!({
            "model": "m", "instructions": "You are Codex.", "stream": true, "store": false,
            "include": ["reasoning.encrypted_content"], "prompt_cache_key": "abc",
            "reasoning": {"effort": "medium", "summary": "auto"},
            "tools": [
                {"type": "function", "name": "shell", "parameters": {"type": "object"}, "strict": false},
                {"type": "custom", "name": "apply_patch", "format": {"type": "grammar"}},
                {"type": "web_search"},
            ],
            "tool_choice": "auto", "parallel_tool_calls": false,
            "input": [
                {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "Sandbox: none."}]},
                {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "List files"}]},
                {"type": "reasoning", "summary": [], "encrypted_content": "gAAA"},
                {"type": "function_call", "call_id": "call_1", "name": "shell", "arguments": "{\"command\":[\"ls\"]}"},
                {"type": "function_call_output", "call_id": "call_1", "output": "a.txt"},
                {"type": "custom_tool_call", "call_id": "call_2", "name": "apply_patch", "input": "*** Begin Patch"},
                {"type": "custom_tool_call_output", "call_id": "call_2", "output": "Done"},
            ],
        }))
        .unwrap();
        assert_eq!(
            conversation.system.iter().map(|t| t.text.as_str()).collect::<Vec<_>>(),
            ["You are Codex.", "Sandbox: none."]
        );
        assert_eq!(conversation.tools.len(), 2, "the hosted web_search tool is dropped");
        assert_eq!(conversation.tools[1].parameters["required"], json!(["input"]));
        assert_eq!(conversation.thinking, Some(Thinking { budget_tokens: 2048 }));
        assert_eq!(conversation.parallel_tool_calls, Some(false));
        let roles: Vec<Role> = conversation.messages.iter().map(|m| m.role).collect();
        assert_eq!(roles, [Role::User, Role::Assistant, Role::User, Role::Assistant, Role::User]);
        assert!(matches!(&conversation.messages[3].parts[0],
            Part::ToolCall { name, arguments, .. } if name == "apply_patch" && arguments.contains("Begin Patch")));
        let chat = super::super::super::openai::request::write(&conversation, "gpt-4o");
        assert_eq!(chat["messages"][0]["role"], "system");
        assert_eq!(chat["messages"][3], json!({"role": "tool", "tool_call_id": "call_1", "content": "a.txt"}));
    }

    #[test]
    fn a_string_input_and_a_json_schema() {
        let conversation = read_json(json!({
            "input": "hi", "max_output_tokens": 20, "temperature": 0.5,
            "text": {"format": {"type": "json_schema", "name": "answer", "schema": {"type": "object"}, "strict": true}},
            "tool_choice": {"type": "function", "name": "get"},
        }))
        .unwrap();
        assert_eq!(conversation.messages.len(), 1);
        assert_eq!((conversation.max_tokens, conversation.temperature), (Some(20), Some(0.5)));
        assert!(
            matches!(conversation.response_format, Some(ResponseFormat::JsonSchema { ref name, .. }) if name == "answer")
        );
        assert_eq!(conversation.tool_choice, Some(ToolChoice::Tool("get".into())));
        let written = write(&conversation, "o4");
        assert_eq!(
            written["input"][0],
            json!({"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]})
        );
        assert_eq!(written["text"]["format"]["name"], "answer");
        assert_eq!(written["max_output_tokens"], 20);
    }

    #[test]
    fn refuses_what_a_bridge_cannot_carry() {
        for body in [
            json!({"model": "m"}),
            json!({"input": "hi", "previous_response_id": "resp_unknown"}),
            json!({"input": [{"role": "wizard", "content": "x"}]}),
            json!({"input": [{"role": "user", "content": [{"type": "input_file", "file_id": "f"}]}]}),
            json!({"input": [{"content": "no type, no role"}]}),
        ] {
            assert_eq!(read_json(body.clone()).err().map(|e| e.status().as_u16()), Some(400), "{body}");
        }
    }
}
