//! Streamed Anthropic answers and the internal events. The decoder reads an Anthropic
//! upstream's events (`message_start`, `content_block_*`, `message_delta`, `error`); the
//! encoder writes them for an Anthropic client: every block opened, filled by deltas
//! (`text_delta`, `thinking_delta`, `signature_delta`, `input_json_delta`) and closed, then
//! `message_delta` with the stop reason and the usage, and `message_stop` last.

use super::super::sse;
use super::super::{Block, Delta, Event, StopReason, StreamDecoder, StreamEncoder};
use super::reply::{stop_name, stop_reason, usage_json};
use crate::gateway::anthropic::usage::merge;
use crate::spend::Usage;
use bytes::Bytes;
use serde_json::{Value, json};

#[derive(Default)]
pub struct Decoder {
    usage: Usage,
    /// Anthropic's index of each block passed on; server-tool blocks are not.
    passed: Vec<u64>,
}

impl StreamDecoder for Decoder {
    fn decode(&mut self, data: &str, out: &mut Vec<Event>) {
        let Ok(event) = serde_json::from_str::<Value>(data) else { return };
        let text = |pointer: &str| event.pointer(pointer).and_then(Value::as_str).unwrap_or_default().to_string();
        let index = event.get("index").and_then(Value::as_u64).unwrap_or(0);
        match event.get("type").and_then(Value::as_str).unwrap_or_default() {
            "message_start" => {
                out.push(Event::Start { id: text("/message/id"), model: text("/message/model") });
                if let Some(found) = event.pointer("/message/usage") {
                    merge(&mut self.usage, found);
                    out.push(Event::Usage(self.usage));
                }
            }
            "content_block_start" => {
                let block = match event.pointer("/content_block/type").and_then(Value::as_str) {
                    Some("text") => Block::Text,
                    Some("thinking") => Block::Thinking,
                    Some("redacted_thinking") => Block::RedactedThinking { data: text("/content_block/data") },
                    Some("tool_use") => {
                        Block::ToolCall { id: text("/content_block/id"), name: text("/content_block/name") }
                    }
                    _ => return,
                };
                self.passed.push(index);
                let index = index as usize;
                out.push(Event::BlockStart { index, block });
                let initial = text("/content_block/text");
                if !initial.is_empty() {
                    out.push(Event::Delta { index, delta: Delta::Text(initial) });
                }
            }
            "content_block_delta" if self.passed.contains(&index) => {
                let delta = match event.pointer("/delta/type").and_then(Value::as_str) {
                    Some("text_delta") => Delta::Text(text("/delta/text")),
                    Some("thinking_delta") => Delta::Thinking(text("/delta/thinking")),
                    Some("signature_delta") => Delta::Signature(text("/delta/signature")),
                    Some("input_json_delta") => Delta::ToolArguments(text("/delta/partial_json")),
                    _ => return,
                };
                out.push(Event::Delta { index: index as usize, delta });
            }
            "content_block_stop" if self.passed.contains(&index) => {
                out.push(Event::BlockStop { index: index as usize })
            }
            "message_delta" => {
                if let Some(found) = event.get("usage") {
                    merge(&mut self.usage, found);
                    out.push(Event::Usage(self.usage));
                }
                if let Some(reason) = event.pointer("/delta/stop_reason").and_then(Value::as_str) {
                    let sequence = event.pointer("/delta/stop_sequence").and_then(Value::as_str).map(str::to_string);
                    out.push(Event::Stop { reason: stop_reason(reason), sequence });
                }
            }
            "error" => out.push(Event::Error { message: text("/error/message") }),
            _ => {}
        }
    }

    fn end(&mut self, _out: &mut Vec<Event>) {}
}

pub struct Encoder {
    id: String,
    model: String,
    started: bool,
    stop: (StopReason, Option<String>),
}

impl Encoder {
    /// `id` names the message; `model` is the name the client asked for.
    pub fn new(id: String, model: String) -> Self {
        Self { id, model, started: false, stop: (StopReason::EndTurn, None) }
    }

    fn start(&mut self, out: &mut Vec<Bytes>) {
        if self.started {
            return;
        }
        self.started = true;
        let message = json!({
            "id": self.id, "type": "message", "role": "assistant", "model": self.model, "content": [],
            "stop_reason": null, "stop_sequence": null, "usage": usage_json(Usage::default()),
        });
        out.push(sse::named("message_start", &json!({"type": "message_start", "message": message})));
    }
}

impl StreamEncoder for Encoder {
    fn encode(&mut self, event: Event, out: &mut Vec<Bytes>) {
        match event {
            Event::Start { .. } => self.start(out),
            Event::BlockStart { index, block } => {
                self.start(out);
                let block = match block {
                    Block::Text => json!({"type": "text", "text": ""}),
                    Block::Thinking => json!({"type": "thinking", "thinking": "", "signature": ""}),
                    Block::RedactedThinking { data } => json!({"type": "redacted_thinking", "data": data}),
                    Block::ToolCall { id, name } => json!({"type": "tool_use", "id": id, "name": name, "input": {}}),
                };
                let payload = json!({"type": "content_block_start", "index": index, "content_block": block});
                out.push(sse::named("content_block_start", &payload));
            }
            Event::Delta { index, delta } => {
                let delta = match delta {
                    Delta::Text(text) => json!({"type": "text_delta", "text": text}),
                    Delta::Thinking(text) => json!({"type": "thinking_delta", "thinking": text}),
                    Delta::Signature(signature) => json!({"type": "signature_delta", "signature": signature}),
                    Delta::ToolArguments(piece) => json!({"type": "input_json_delta", "partial_json": piece}),
                };
                let payload = json!({"type": "content_block_delta", "index": index, "delta": delta});
                out.push(sse::named("content_block_delta", &payload));
            }
            Event::BlockStop { index } => {
                out.push(sse::named("content_block_stop", &json!({"type": "content_block_stop", "index": index})));
            }
            Event::Stop { reason, sequence } => self.stop = (reason, sequence),
            Event::Usage(_) => {}
            Event::Error { message } => {
                let kind = "api_error";
                out.push(sse::named("error", &json!({"type": "error", "error": {"type": kind, "message": message}})));
            }
        }
    }

    fn finish(&mut self, usage: Usage, out: &mut Vec<Bytes>) {
        self.start(out);
        let (reason, sequence) = &self.stop;
        let delta = json!({
            "type": "message_delta",
            "delta": {"stop_reason": stop_name(*reason), "stop_sequence": sequence},
            "usage": usage_json(usage),
        });
        out.push(sse::named("message_delta", &delta));
        out.push(sse::named("message_stop", &json!({"type": "message_stop"})));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_tool_use_stream() {
        let mut decoder = Decoder::default();
        let mut events = Vec::new();
        for data in [
            r#"{"type":"message_start","message":{"id":"msg_1","model":"claude","usage":{"input_tokens":12,"output_tokens":1}}}"#,
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_1","name":"get","input":{}}}"#,
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"a\":"}}"#,
            r#"{"type":"content_block_stop","index":0}"#,
            r#"{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":30}}"#,
            r#"{"type":"message_stop"}"#,
        ] {
            decoder.decode(data, &mut events);
        }
        assert_eq!(events[0], Event::Start { id: "msg_1".into(), model: "claude".into() });
        assert_eq!(
            events[2],
            Event::BlockStart { index: 0, block: Block::ToolCall { id: "toolu_1".into(), name: "get".into() } }
        );
        assert_eq!(events[3], Event::Delta { index: 0, delta: Delta::ToolArguments("{\"a\":".into()) });
        assert_eq!(events[5], Event::Usage(Usage { input: 12, output: 30, ..Usage::default() }));
        assert_eq!(events[6], Event::Stop { reason: StopReason::ToolUse, sequence: None });
    }

    #[test]
    fn encodes_the_documented_sequence() {
        let mut encoder = Encoder::new("msg_x".into(), "my-model".into());
        let mut out = Vec::new();
        encoder.encode(Event::Start { id: "c".into(), model: "gpt".into() }, &mut out);
        encoder.encode(Event::BlockStart { index: 0, block: Block::Text }, &mut out);
        encoder.encode(Event::Delta { index: 0, delta: Delta::Text("Hi".into()) }, &mut out);
        encoder.encode(Event::BlockStop { index: 0 }, &mut out);
        encoder.encode(Event::Stop { reason: StopReason::MaxTokens, sequence: None }, &mut out);
        encoder.finish(Usage { input: 3, output: 1, ..Usage::default() }, &mut out);
        let names: Vec<String> =
            out.iter().map(|b| String::from_utf8_lossy(b).lines().next().unwrap_or_default().to_string()).collect();
        assert_eq!(
            names,
            [
                "event: message_start",
                "event: content_block_start",
                "event: content_block_delta",
                "event: content_block_stop",
                "event: message_delta",
                "event: message_stop"
            ]
        );
        assert!(String::from_utf8_lossy(&out[4]).contains("\"stop_reason\":\"max_tokens\""));
    }
}
