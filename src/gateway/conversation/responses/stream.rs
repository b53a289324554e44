//! Streamed Responses API answers and the internal events. The encoder writes the
//! documented sequence for a client, every event numbered by `sequence_number`:
//! `response.created` and `response.in_progress`; per output item `output_item.added`, its
//! content (`content_part.added`, `output_text.delta`s, `output_text.done`,
//! `content_part.done`; or `function_call_arguments.delta`s and `.done`; or a reasoning
//! summary), `output_item.done`; and last `response.completed` (or `response.incomplete`
//! when the output was cut) with the usage — or `response.failed` when the upstream
//! reported an error. The decoder reads the same events from an upstream.

use super::super::sse;
use super::super::{Block, Delta, Event, Names, StopReason, StreamDecoder, StreamEncoder};
use super::reply::{function_call_item, item_id, message_item, reasoning_item, response, usage};
use crate::spend::Usage;
use bytes::Bytes;
use serde_json::{Value, json};
use std::collections::HashMap;

/// An output item being streamed.
struct Open {
    output_index: usize,
    item_id: String,
    kind: Kind,
    /// The text, arguments or summary so far.
    text: String,
}

enum Kind {
    Message,
    FunctionCall { call_id: String, name: String },
    Reasoning,
}

pub struct Encoder {
    names: Names,
    sequence: u64,
    started: bool,
    /// The finished output items, in order.
    output: Vec<Value>,
    /// Open items by the internal block index.
    open: HashMap<usize, Open>,
    /// How many items were opened (the next one's `output_index`).
    opened: usize,
    stop: StopReason,
    failed: bool,
}

impl Encoder {
    /// `names.id` names the response (`resp_…`); `names.model` is the model the client asked for.
    pub fn new(names: Names) -> Self {
        Self {
            names,
            sequence: 0,
            started: false,
            output: Vec::new(),
            open: HashMap::new(),
            opened: 0,
            stop: StopReason::EndTurn,
            failed: false,
        }
    }

    fn emit(&mut self, kind: &str, mut payload: Value, out: &mut Vec<Bytes>) {
        payload["type"] = kind.into();
        payload["sequence_number"] = self.sequence.into();
        self.sequence += 1;
        out.push(sse::named(kind, &payload));
    }

    fn start(&mut self, out: &mut Vec<Bytes>) {
        if self.started {
            return;
        }
        self.started = true;
        let created = response(&self.names, "in_progress", Vec::new(), None);
        self.emit("response.created", json!({"response": created}), out);
        self.emit("response.in_progress", json!({"response": created}), out);
    }

    fn open(&mut self, index: usize, block: Block, out: &mut Vec<Bytes>) {
        self.start(out);
        let output_index = self.opened;
        let (prefix, kind, item) = match block {
            Block::Text => (
                "msg",
                Kind::Message,
                json!({"type": "message", "status": "in_progress", "role": "assistant", "content": []}),
            ),
            Block::ToolCall { id, name } => {
                let item = json!({"type": "function_call", "status": "in_progress", "call_id": id, "name": name, "arguments": ""});
                ("fc", Kind::FunctionCall { call_id: id, name }, item)
            }
            Block::Thinking => ("rs", Kind::Reasoning, json!({"type": "reasoning", "summary": []})),
            // Encrypted reasoning means nothing to a Responses client of another provider.
            Block::RedactedThinking { .. } => return,
        };
        self.opened += 1;
        let item_id = item_id(prefix, &self.names.id, output_index);
        let mut item = item;
        item["id"] = item_id.clone().into();
        self.emit("response.output_item.added", json!({"output_index": output_index, "item": item}), out);
        let at = json!({"item_id": item_id, "output_index": output_index});
        match kind {
            Kind::Message => {
                let part = json!({"type": "output_text", "text": "", "annotations": []});
                self.emit("response.content_part.added", with(&at, json!({"content_index": 0, "part": part})), out);
            }
            Kind::Reasoning => {
                let part = json!({"type": "summary_text", "text": ""});
                self.emit(
                    "response.reasoning_summary_part.added",
                    with(&at, json!({"summary_index": 0, "part": part})),
                    out,
                );
            }
            Kind::FunctionCall { .. } => {}
        }
        self.open.insert(index, Open { output_index, item_id, kind, text: String::new() });
    }

    fn delta(&mut self, index: usize, piece: String, out: &mut Vec<Bytes>) {
        let Some(open) = self.open.get_mut(&index) else { return };
        open.text.push_str(&piece);
        let at = json!({"item_id": open.item_id, "output_index": open.output_index});
        let (name, fields) = match open.kind {
            Kind::Message => {
                ("response.output_text.delta", json!({"content_index": 0, "delta": piece, "logprobs": []}))
            }
            Kind::FunctionCall { .. } => ("response.function_call_arguments.delta", json!({"delta": piece})),
            Kind::Reasoning => ("response.reasoning_summary_text.delta", json!({"summary_index": 0, "delta": piece})),
        };
        self.emit(name, with(&at, fields), out);
    }

    fn close(&mut self, index: usize, out: &mut Vec<Bytes>) {
        let Some(open) = self.open.remove(&index) else { return };
        let at = json!({"item_id": open.item_id, "output_index": open.output_index});
        let text = open.text;
        let item = match open.kind {
            Kind::Message => {
                self.emit(
                    "response.output_text.done",
                    with(&at, json!({"content_index": 0, "text": text, "logprobs": []})),
                    out,
                );
                let part = json!({"type": "output_text", "text": text, "annotations": []});
                self.emit("response.content_part.done", with(&at, json!({"content_index": 0, "part": part})), out);
                message_item(&open.item_id, &text)
            }
            Kind::FunctionCall { call_id, name } => {
                let done = json!({"name": name, "arguments": text});
                self.emit("response.function_call_arguments.done", with(&at, done), out);
                function_call_item(&open.item_id, &call_id, &name, &text)
            }
            Kind::Reasoning => {
                self.emit(
                    "response.reasoning_summary_text.done",
                    with(&at, json!({"summary_index": 0, "text": text})),
                    out,
                );
                let part = json!({"type": "summary_text", "text": text});
                self.emit(
                    "response.reasoning_summary_part.done",
                    with(&at, json!({"summary_index": 0, "part": part})),
                    out,
                );
                reasoning_item(&open.item_id, &text)
            }
        };
        self.emit("response.output_item.done", json!({"output_index": open.output_index, "item": item}), out);
        self.output.push(item);
    }
}

/// `base` with the fields of `more` added.
fn with(base: &Value, more: Value) -> Value {
    let mut joined = base.clone();
    if let (Value::Object(joined), Value::Object(more)) = (&mut joined, more) {
        joined.extend(more);
    }
    joined
}

impl StreamEncoder for Encoder {
    fn encode(&mut self, event: Event, out: &mut Vec<Bytes>) {
        if self.failed {
            return;
        }
        match event {
            Event::Start { .. } => self.start(out),
            Event::BlockStart { index, block } => self.open(index, block, out),
            Event::Delta {
                index,
                delta: Delta::Text(piece) | Delta::ToolArguments(piece) | Delta::Thinking(piece),
            } => {
                self.delta(index, piece, out);
            }
            Event::Delta { delta: Delta::Signature(_), .. } | Event::Usage(_) => {}
            Event::BlockStop { index } => self.close(index, out),
            Event::Stop { reason, .. } => self.stop = reason,
            Event::Error { message } => {
                self.start(out);
                self.failed = true;
                let mut failed = response(&self.names, "failed", std::mem::take(&mut self.output), None);
                failed["error"] = json!({"code": "server_error", "message": message});
                self.emit("response.failed", json!({"response": failed}), out);
            }
        }
    }

    fn finish(&mut self, usage: Usage, out: &mut Vec<Bytes>) {
        if self.failed {
            return;
        }
        self.start(out);
        let mut still_open: Vec<usize> = self.open.keys().copied().collect();
        still_open.sort_by_key(|index| self.open.get(index).map(|o| o.output_index));
        for index in still_open {
            self.close(index, out);
        }
        let output = std::mem::take(&mut self.output);
        let mut done = response(&self.names, "completed", output, Some(usage));
        let name = if self.stop == StopReason::MaxTokens {
            done["status"] = "incomplete".into();
            done["incomplete_details"] = json!({"reason": "max_output_tokens"});
            "response.incomplete"
        } else {
            "response.completed"
        };
        self.emit(name, json!({"response": done}), out);
    }
}

/// Reads an upstream's Responses events; output items become blocks numbered by their
/// `output_index`.
#[derive(Default)]
pub struct Decoder {
    open: Vec<usize>,
    called: bool,
    stopped: bool,
}

impl StreamDecoder for Decoder {
    fn decode(&mut self, data: &str, out: &mut Vec<Event>) {
        let Ok(event) = serde_json::from_str::<Value>(data) else { return };
        let text = |pointer: &str| event.pointer(pointer).and_then(Value::as_str).unwrap_or_default().to_string();
        let index = event.get("output_index").and_then(Value::as_u64).unwrap_or(0) as usize;
        match event.get("type").and_then(Value::as_str).unwrap_or_default() {
            "response.created" => out.push(Event::Start { id: text("/response/id"), model: text("/response/model") }),
            "response.output_item.added" => {
                let block = match event.pointer("/item/type").and_then(Value::as_str) {
                    Some("message") => Block::Text,
                    Some("reasoning") => Block::Thinking,
                    Some("function_call") => {
                        self.called = true;
                        Block::ToolCall { id: text("/item/call_id"), name: text("/item/name") }
                    }
                    _ => return,
                };
                self.open.push(index);
                out.push(Event::BlockStart { index, block });
            }
            "response.output_text.delta" if self.open.contains(&index) => {
                out.push(Event::Delta { index, delta: Delta::Text(text("/delta")) });
            }
            "response.function_call_arguments.delta" if self.open.contains(&index) => {
                out.push(Event::Delta { index, delta: Delta::ToolArguments(text("/delta")) });
            }
            "response.reasoning_summary_text.delta" if self.open.contains(&index) => {
                out.push(Event::Delta { index, delta: Delta::Thinking(text("/delta")) });
            }
            "response.output_item.done" if self.open.contains(&index) => {
                self.open.retain(|open| *open != index);
                out.push(Event::BlockStop { index });
            }
            kind @ ("response.completed" | "response.incomplete") => {
                if let Some(found) = event.pointer("/response/usage").and_then(usage) {
                    out.push(Event::Usage(found));
                }
                let reason = if kind == "response.incomplete" {
                    StopReason::MaxTokens
                } else if self.called {
                    StopReason::ToolUse
                } else {
                    StopReason::EndTurn
                };
                self.stopped = true;
                out.push(Event::Stop { reason, sequence: None });
            }
            "response.failed" => out.push(Event::Error { message: text("/response/error/message") }),
            "error" => out.push(Event::Error { message: text("/message") }),
            _ => {}
        }
    }

    fn end(&mut self, out: &mut Vec<Event>) {
        for index in self.open.drain(..) {
            out.push(Event::BlockStop { index });
        }
        if !self.stopped {
            self.stopped = true;
            out.push(Event::Stop { reason: StopReason::EndTurn, sequence: None });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payloads(out: &[Bytes]) -> Vec<Value> {
        out.iter()
            .map(|b| {
                let data = sse::data_of(b).unwrap_or_default();
                serde_json::from_str(&data).unwrap_or_default()
            })
            .collect()
    }

    #[test]
    fn encodes_the_documented_sequence_and_decodes_it_back() {
        let names = Names { id: "resp_r1".into(), model: "my-model".into(), created: 5 };
        let mut encoder = Encoder::new(names);
        let mut out = Vec::new();
        let events = [
            Event::Start { id: "up".into(), model: "up".into() },
            Event::BlockStart { index: 0, block: Block::Text },
            Event::Delta { index: 0, delta: Delta::Text("Hel".into()) },
            Event::Delta { index: 0, delta: Delta::Text("lo".into()) },
            Event::BlockStop { index: 0 },
            Event::BlockStart { index: 1, block: Block::ToolCall { id: "call_9".into(), name: "get".into() } },
            Event::Delta { index: 1, delta: Delta::ToolArguments("{\"a\":".into()) },
            Event::Delta { index: 1, delta: Delta::ToolArguments("1}".into()) },
            Event::BlockStop { index: 1 },
            Event::Stop { reason: StopReason::ToolUse, sequence: None },
        ];
        for event in events.clone() {
            encoder.encode(event, &mut out);
        }
        encoder.finish(Usage { input: 7, cache_read: 3, output: 4, cache_creation: 0 }, &mut out);
        let sent = payloads(&out);
        let kinds: Vec<&str> = sent.iter().map(|p| p["type"].as_str().unwrap_or_default()).collect();
        assert_eq!(
            kinds,
            [
                "response.created",
                "response.in_progress",
                "response.output_item.added",
                "response.content_part.added",
                "response.output_text.delta",
                "response.output_text.delta",
                "response.output_text.done",
                "response.content_part.done",
                "response.output_item.done",
                "response.output_item.added",
                "response.function_call_arguments.delta",
                "response.function_call_arguments.delta",
                "response.function_call_arguments.done",
                "response.output_item.done",
                "response.completed",
            ]
        );
        let numbers: Vec<u64> = sent.iter().map(|p| p["sequence_number"].as_u64().unwrap_or(99)).collect();
        assert_eq!(numbers, (0..15).collect::<Vec<u64>>());
        assert!(String::from_utf8_lossy(&out[4]).starts_with("event: response.output_text.delta\n"));
        assert_eq!(sent[6]["text"], "Hello");
        assert_eq!(sent[12]["arguments"], "{\"a\":1}");
        let done = &sent[14]["response"];
        assert_eq!(done["id"], "resp_r1");
        assert_eq!(done["output"][0]["content"][0]["text"], "Hello");
        assert_eq!(done["output"][1]["call_id"], "call_9");
        assert_eq!(done["usage"]["input_tokens"], 10);
        assert_eq!(done["usage"]["input_tokens_details"]["cached_tokens"], 3);

        let mut decoder = Decoder::default();
        let mut decoded = Vec::new();
        for payload in &sent {
            decoder.decode(&payload.to_string(), &mut decoded);
        }
        decoder.end(&mut decoded);
        assert_eq!(decoded[0], Event::Start { id: "resp_r1".into(), model: "my-model".into() });
        assert_eq!(decoded[1..9], events[1..9]);
        assert_eq!(decoded.len(), 11);
        assert_eq!(decoded[9], Event::Usage(Usage { input: 7, cache_read: 3, output: 4, cache_creation: 0 }));
        assert_eq!(decoded[10], Event::Stop { reason: StopReason::ToolUse, sequence: None });
    }

    #[test]
    fn an_upstream_error_fails_the_response_and_nothing_follows() {
        let names = Names { id: "resp_e".into(), model: "m".into(), created: 1 };
        let mut encoder = Encoder::new(names);
        let mut out = Vec::new();
        encoder.encode(Event::Error { message: "overloaded".into() }, &mut out);
        encoder.finish(Usage::default(), &mut out);
        let sent = payloads(&out);
        assert_eq!(sent.len(), 3);
        assert_eq!(sent[2]["type"], "response.failed");
        assert_eq!(sent[2]["response"]["error"]["message"], "overloaded");
    }

    #[test]
    fn a_cut_answer_ends_incomplete() {
        let names = Names { id: "resp_c".into(), model: "m".into(), created: 1 };
        let mut encoder = Encoder::new(names);
        let mut out = Vec::new();
        encoder.encode(Event::BlockStart { index: 0, block: Block::Text }, &mut out);
        encoder.encode(Event::Stop { reason: StopReason::MaxTokens, sequence: None }, &mut out);
        encoder.finish(Usage::default(), &mut out);
        let sent = payloads(&out);
        let last = sent.last().cloned().unwrap_or_default();
        assert_eq!(last["type"], "response.incomplete");
        assert_eq!(last["response"]["output"][0]["type"], "message", "the open item is closed first");
    }
}
