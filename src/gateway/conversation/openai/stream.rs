//! Streamed OpenAI chat answers and the internal events. The decoder reads an upstream's
//! `chat.completion.chunk`s: text, `reasoning_content` and tool calls (by their `index`)
//! become blocks that open and close in order. The encoder writes chunks for an OpenAI
//! client: tool arguments go out as deltas as they come, the usage chunk only when the
//! client asked for it, and `[DONE]` last.

use super::super::sse;
use super::super::{Block, Blocks, Delta, Event, StopReason, StreamDecoder, StreamEncoder};
use super::reply::{stop_reason, usage, usage_json};
use crate::spend::Usage;
use bytes::Bytes;
use serde_json::{Value, json};
use std::collections::HashMap;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    Text,
    Thinking,
    Tool(u64),
}

#[derive(Default)]
pub struct Decoder {
    started: bool,
    blocks: Blocks<Open>,
    /// OpenAI's tool-call index to the block's.
    tools: HashMap<u64, usize>,
    stopped: bool,
}

impl StreamDecoder for Decoder {
    fn decode(&mut self, data: &str, out: &mut Vec<Event>) {
        let Ok(chunk) = serde_json::from_str::<Value>(data) else { return };
        if let Some(error) = chunk.get("error") {
            let message = error.get("message").and_then(Value::as_str).unwrap_or("upstream error").to_string();
            out.push(Event::Error { message });
            return;
        }
        if !self.started {
            self.started = true;
            let text = |field: &str| chunk.get(field).and_then(Value::as_str).unwrap_or_default().to_string();
            out.push(Event::Start { id: text("id"), model: text("model") });
        }
        if let Some(choice) = chunk.get("choices").and_then(|c| c.get(0)) {
            let delta = choice.get("delta").unwrap_or(&Value::Null);
            if let Some(text) = delta.get("reasoning_content").and_then(Value::as_str).filter(|t| !t.is_empty()) {
                let index = self.blocks.ensure(Open::Thinking, || Block::Thinking, out);
                out.push(Event::Delta { index, delta: Delta::Thinking(text.to_string()) });
            }
            if let Some(text) = delta.get("content").and_then(Value::as_str).filter(|t| !t.is_empty()) {
                let index = self.blocks.ensure(Open::Text, || Block::Text, out);
                out.push(Event::Delta { index, delta: Delta::Text(text.to_string()) });
            }
            for call in delta.get("tool_calls").and_then(Value::as_array).into_iter().flatten() {
                let position = call.get("index").and_then(Value::as_u64).unwrap_or(0);
                let index = match self.tools.get(&position) {
                    Some(index) => *index,
                    None => {
                        let text = |p: &str| call.pointer(p).and_then(Value::as_str).unwrap_or_default().to_string();
                        let block = || Block::ToolCall { id: text("/id"), name: text("/function/name") };
                        let index = self.blocks.ensure(Open::Tool(position), block, out);
                        self.tools.insert(position, index);
                        index
                    }
                };
                if let Some(piece) =
                    call.pointer("/function/arguments").and_then(Value::as_str).filter(|a| !a.is_empty())
                {
                    out.push(Event::Delta { index, delta: Delta::ToolArguments(piece.to_string()) });
                }
            }
            if let Some(finish) = choice.get("finish_reason").and_then(Value::as_str) {
                self.blocks.close(out);
                self.stopped = true;
                out.push(Event::Stop { reason: stop_reason(finish), sequence: None });
            }
        }
        if let Some(found) = chunk.get("usage").and_then(usage) {
            out.push(Event::Usage(found));
        }
    }

    fn end(&mut self, out: &mut Vec<Event>) {
        self.blocks.close(out);
        if !self.stopped {
            self.stopped = true;
            out.push(Event::Stop { reason: StopReason::EndTurn, sequence: None });
        }
    }
}

pub struct Encoder {
    id: String,
    model: String,
    created: i64,
    include_usage: bool,
    /// The block's index to OpenAI's tool-call index.
    tools: HashMap<usize, usize>,
}

impl Encoder {
    /// `model` is the name the client asked for; `include_usage` its `stream_options`.
    pub fn new(id: String, model: String, created: i64, include_usage: bool) -> Self {
        Self { id, model, created, include_usage, tools: HashMap::new() }
    }

    fn chunk(&self, delta: Value, finish: Option<&str>) -> Bytes {
        sse::data(&json!({
            "id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }))
    }
}

impl StreamEncoder for Encoder {
    fn encode(&mut self, event: Event, out: &mut Vec<Bytes>) {
        match event {
            Event::Start { .. } => out.push(self.chunk(json!({"role": "assistant", "content": ""}), None)),
            Event::BlockStart { index, block: Block::ToolCall { id, name } } => {
                let position = self.tools.len();
                self.tools.insert(index, position);
                let call = json!({"index": position, "id": id, "type": "function", "function": {"name": name, "arguments": ""}});
                out.push(self.chunk(json!({"tool_calls": [call]}), None));
            }
            Event::Delta { delta: Delta::Text(text), .. } => out.push(self.chunk(json!({"content": text}), None)),
            Event::Delta { delta: Delta::Thinking(text), .. } => {
                out.push(self.chunk(json!({"reasoning_content": text}), None));
            }
            Event::Delta { index, delta: Delta::ToolArguments(piece) } => {
                if let Some(position) = self.tools.get(&index) {
                    let call = json!({"index": position, "function": {"arguments": piece}});
                    out.push(self.chunk(json!({"tool_calls": [call]}), None));
                }
            }
            Event::Stop { reason, .. } => {
                let finish = match reason {
                    StopReason::EndTurn | StopReason::StopSequence => "stop",
                    StopReason::MaxTokens => "length",
                    StopReason::ToolUse => "tool_calls",
                    StopReason::Refusal => "content_filter",
                };
                out.push(self.chunk(json!({}), Some(finish)));
            }
            Event::Error { message } => {
                out.push(sse::data(&json!({"error": {"message": message, "type": "upstream_error", "code": "502"}})));
            }
            Event::BlockStart { .. } | Event::BlockStop { .. } | Event::Usage(_) => {}
            Event::Delta { delta: Delta::Signature(_), .. } => {}
        }
    }

    fn finish(&mut self, usage: Usage, out: &mut Vec<Bytes>) {
        if self.include_usage {
            out.push(sse::data(&json!({
                "id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.model,
                "choices": [], "usage": usage_json(usage),
            })));
        }
        out.push(Bytes::from_static(b"data: [DONE]\n\n"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_text_then_a_streamed_tool_call() {
        let mut decoder = Decoder::default();
        let mut events = Vec::new();
        for data in [
            r#"{"id":"c","model":"m","choices":[{"delta":{"role":"assistant","content":"Hi"}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"t1","function":{"name":"get","arguments":""}}]}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\""}}]}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]}}]}"#,
            r#"{"choices":[{"delta":{},"finish_reason":"tool_calls"}]}"#,
            r#"{"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4}}"#,
        ] {
            decoder.decode(data, &mut events);
        }
        decoder.end(&mut events);
        assert_eq!(events[0], Event::Start { id: "c".into(), model: "m".into() });
        assert_eq!(events[1], Event::BlockStart { index: 0, block: Block::Text });
        assert_eq!(events[3], Event::BlockStop { index: 0 });
        assert_eq!(
            events[4],
            Event::BlockStart { index: 1, block: Block::ToolCall { id: "t1".into(), name: "get".into() } }
        );
        assert_eq!(events[6], Event::Delta { index: 1, delta: Delta::ToolArguments(":1}".into()) });
        assert_eq!(events[8], Event::Stop { reason: StopReason::ToolUse, sequence: None });
        assert_eq!(events[9], Event::Usage(Usage { input: 9, output: 4, ..Usage::default() }));
        assert_eq!(events.len(), 10);
    }

    #[test]
    fn encodes_tool_arguments_as_deltas_and_done_last() {
        let mut encoder = Encoder::new("id".into(), "claude".into(), 1, true);
        let mut out = Vec::new();
        encoder.encode(Event::Start { id: "x".into(), model: "y".into() }, &mut out);
        encoder.encode(
            Event::BlockStart { index: 3, block: Block::ToolCall { id: "t".into(), name: "get".into() } },
            &mut out,
        );
        encoder.encode(Event::Delta { index: 3, delta: Delta::ToolArguments("{\"a\":1}".into()) }, &mut out);
        encoder.finish(Usage { input: 1, output: 2, ..Usage::default() }, &mut out);
        let text: Vec<String> = out.iter().map(|b| String::from_utf8_lossy(b).into_owned()).collect();
        assert!(text[1].contains("\"index\":0") && text[1].contains("\"name\":\"get\""));
        assert!(text[2].contains("\"arguments\":\"{\\\"a\\\":1}\""));
        assert!(text[3].contains("\"total_tokens\":3"));
        assert_eq!(text[4], "data: [DONE]\n\n");
    }
}
