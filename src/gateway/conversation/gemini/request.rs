//! The internal form written as a Gemini `generateContent` request: turns as `contents`
//! (`user` and `model`), the system prompt as `systemInstruction`, tools as function
//! declarations with their JSON schema (`parametersJsonSchema`, so no schema needs
//! rewriting), sampling and thinking in `generationConfig`. A tool result names its
//! function, which Gemini wants: it is found by the call's id earlier in the conversation.

use super::super::{Conversation, Image, Part, ResponseFormat, Role, ToolChoice, joined_text};
use super::signature_of;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

pub fn write(conversation: &Conversation, _model: &str) -> Value {
    let mut names: HashMap<&str, &str> = HashMap::new();
    for message in &conversation.messages {
        for part in &message.parts {
            if let Part::ToolCall { id, name, .. } = part {
                names.insert(id, name);
            }
        }
    }
    let contents: Vec<Value> = conversation
        .messages
        .iter()
        .map(|message| {
            let role = if message.role == Role::User { "user" } else { "model" };
            let parts: Vec<Value> = message.parts.iter().filter_map(|p| write_part(p, &names)).collect();
            json!({"role": role, "parts": parts})
        })
        .filter(|c| c["parts"].as_array().is_some_and(|p| !p.is_empty()))
        .collect();
    let mut body = Map::new();
    body.insert("contents".into(), contents.into());
    if !conversation.system.is_empty() {
        let parts: Vec<Value> = conversation.system.iter().map(|t| json!({"text": t.text})).collect();
        body.insert("systemInstruction".into(), json!({"parts": parts}));
    }
    if !conversation.tools.is_empty() {
        let declarations: Vec<Value> = conversation
            .tools
            .iter()
            .map(|tool| {
                let mut declaration = json!({"name": tool.name, "parametersJsonSchema": tool.parameters});
                if let Some(description) = &tool.description {
                    declaration["description"] = description.clone().into();
                }
                declaration
            })
            .collect();
        body.insert("tools".into(), json!([{"functionDeclarations": declarations}]));
    }
    if let Some(choice) = &conversation.tool_choice {
        let config = match choice {
            ToolChoice::Auto => json!({"mode": "AUTO"}),
            ToolChoice::None => json!({"mode": "NONE"}),
            ToolChoice::Any => json!({"mode": "ANY"}),
            ToolChoice::Tool(name) => json!({"mode": "ANY", "allowedFunctionNames": [name]}),
        };
        body.insert("toolConfig".into(), json!({"functionCallingConfig": config}));
    }
    let config = generation_config(conversation);
    if !config.is_empty() {
        body.insert("generationConfig".into(), Value::Object(config));
    }
    Value::Object(body)
}

fn generation_config(conversation: &Conversation) -> Map<String, Value> {
    let mut config = Map::new();
    if let Some(max) = conversation.max_tokens {
        config.insert("maxOutputTokens".into(), max.into());
    }
    for (field, value) in [("temperature", conversation.temperature), ("topP", conversation.top_p)] {
        if let Some(value) = value {
            config.insert(field.into(), value.into());
        }
    }
    if let Some(top_k) = conversation.top_k {
        config.insert("topK".into(), top_k.into());
    }
    if !conversation.stop.is_empty() {
        config.insert("stopSequences".into(), conversation.stop.clone().into());
    }
    if let Some(thinking) = conversation.thinking {
        config.insert(
            "thinkingConfig".into(),
            json!({"thinkingBudget": thinking.budget_tokens, "includeThoughts": true}),
        );
    }
    match &conversation.response_format {
        Some(ResponseFormat::JsonObject) => {
            config.insert("responseMimeType".into(), "application/json".into());
        }
        Some(ResponseFormat::JsonSchema { schema, .. }) => {
            config.insert("responseMimeType".into(), "application/json".into());
            config.insert("responseJsonSchema".into(), schema.clone());
        }
        None => {}
    }
    config
}

/// The media type of an image URL, by its extension (Gemini asks for one).
fn media_type(url: &str) -> &'static str {
    let path = url.split(['?', '#']).next().unwrap_or(url).to_ascii_lowercase();
    match path.rsplit('.').next() {
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        _ => "image/jpeg",
    }
}

fn write_part(part: &Part, names: &HashMap<&str, &str>) -> Option<Value> {
    Some(match part {
        Part::Text(text) if !text.text.is_empty() => json!({"text": text.text}),
        Part::Text(_) => return None,
        Part::Image(Image::Base64 { media_type, data }) => {
            json!({"inlineData": {"mimeType": media_type, "data": data}})
        }
        Part::Image(Image::Url(url)) => json!({"fileData": {"mimeType": media_type(url), "fileUri": url}}),
        Part::ToolCall { id, name, arguments } => {
            let args: Value = serde_json::from_str(arguments).unwrap_or_else(|_| json!({}));
            let mut call = json!({"functionCall": {"name": name, "args": args}});
            if let Some(signature) = signature_of(id) {
                call["thoughtSignature"] = signature.into();
            }
            call
        }
        Part::ToolResult { call_id, content, is_error } => {
            let name = names.get(call_id.as_str()).copied().unwrap_or(call_id.as_str());
            let key = if *is_error { "error" } else { "content" };
            json!({"functionResponse": {"name": name, "response": {key: joined_text(content)}}})
        }
        // Gemini's reasoning is not sent back (its signature rides on the calls).
        Part::Thinking { .. } | Part::RedactedThinking { .. } => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::super::{Message, Text, Thinking, Tool};
    use super::*;

    #[test]
    fn writes_a_tool_round_trip() {
        let conversation = Conversation {
            system: vec![Text { text: "Be brief.".into(), cache: None }],
            messages: vec![
                Message { role: Role::User, parts: vec![Part::Text(Text { text: "Weather?".into(), cache: None })] },
                Message {
                    role: Role::Assistant,
                    parts: vec![Part::ToolCall {
                        id: super::super::call_id(0, Some("sig")),
                        name: "get".into(),
                        arguments: "{\"city\":\"Oslo\"}".into(),
                    }],
                },
                Message {
                    role: Role::User,
                    parts: vec![Part::ToolResult {
                        call_id: super::super::call_id(0, Some("sig")),
                        content: vec![Part::Text(Text { text: "rain".into(), cache: None })],
                        is_error: false,
                    }],
                },
            ],
            tools: vec![Tool {
                name: "get".into(),
                description: None,
                parameters: json!({"type": "object"}),
                cache: None,
            }],
            tool_choice: Some(ToolChoice::Tool("get".into())),
            max_tokens: Some(100),
            thinking: Some(Thinking { budget_tokens: 512 }),
            ..Conversation::default()
        };
        let body = write(&conversation, "gemini-2.5-flash");
        assert_eq!(body["systemInstruction"]["parts"][0]["text"], "Be brief.");
        assert_eq!(body["contents"][1]["role"], "model");
        assert_eq!(body["contents"][1]["parts"][0]["functionCall"]["args"]["city"], "Oslo");
        assert_eq!(body["contents"][1]["parts"][0]["thoughtSignature"], "sig");
        assert_eq!(body["contents"][2]["parts"][0]["functionResponse"]["name"], "get");
        assert_eq!(body["toolConfig"]["functionCallingConfig"]["allowedFunctionNames"][0], "get");
        assert_eq!(body["generationConfig"]["maxOutputTokens"], 100);
        assert_eq!(body["generationConfig"]["thinkingConfig"]["thinkingBudget"], 512);
        assert_eq!(body["tools"][0]["functionDeclarations"][0]["parametersJsonSchema"]["type"], "object");
    }
}
