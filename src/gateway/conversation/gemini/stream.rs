//! Gemini's stream (`streamGenerateContent?alt=sse`): every event is a whole
//! `GenerateContentResponse` carrying the next parts. Text and thoughts open blocks that
//! stay open while the same kind continues; a function call arrives whole and is passed on
//! as a block with its arguments cut into deltas, as clients that read tool arguments
//! piece by piece expect.

use super::super::{Block, Blocks, Delta, Event, StopReason, StreamDecoder, argument_pieces};
use super::reply::{part, stop_reason, usage};
use crate::gateway::conversation::Part;
use serde_json::Value;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    Text,
    Thinking,
}

#[derive(Default)]
pub struct Decoder {
    started: bool,
    blocks: Blocks<Open>,
    calls: usize,
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
            out.push(Event::Start { id: text("responseId"), model: text("modelVersion") });
        }
        let candidate = chunk.get("candidates").and_then(|c| c.get(0));
        let parts = candidate.and_then(|c| c.pointer("/content/parts")).and_then(Value::as_array);
        for raw in parts.into_iter().flatten() {
            match part(raw, self.calls) {
                Some(Part::Text(text)) if !text.text.is_empty() => {
                    let index = self.blocks.ensure(Open::Text, || Block::Text, out);
                    out.push(Event::Delta { index, delta: Delta::Text(text.text) });
                }
                Some(Part::Thinking { text, .. }) if !text.is_empty() => {
                    let index = self.blocks.ensure(Open::Thinking, || Block::Thinking, out);
                    out.push(Event::Delta { index, delta: Delta::Thinking(text) });
                }
                Some(Part::ToolCall { id, name, arguments }) => {
                    self.blocks.close(out);
                    self.calls += 1;
                    let index = self.blocks.start(Block::ToolCall { id, name }, out);
                    for piece in argument_pieces(&arguments) {
                        out.push(Event::Delta { index, delta: Delta::ToolArguments(piece.to_string()) });
                    }
                    out.push(Event::BlockStop { index });
                }
                _ => {}
            }
        }
        if let Some(found) = chunk.get("usageMetadata").and_then(usage) {
            out.push(Event::Usage(found));
        }
        if let Some(finish) = candidate.and_then(|c| c.get("finishReason")).and_then(Value::as_str) {
            self.blocks.close(out);
            self.stopped = true;
            out.push(Event::Stop { reason: stop_reason(finish, self.calls > 0), sequence: None });
        }
    }

    fn end(&mut self, out: &mut Vec<Event>) {
        self.blocks.close(out);
        if !self.stopped {
            self.stopped = true;
            let reason = if self.calls > 0 { StopReason::ToolUse } else { StopReason::EndTurn };
            out.push(Event::Stop { reason, sequence: None });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spend::Usage;

    #[test]
    fn text_then_a_whole_call_becomes_blocks_and_deltas() {
        let mut decoder = Decoder::default();
        let mut events = Vec::new();
        for data in [
            r#"{"candidates":[{"content":{"role":"model","parts":[{"text":"Hel"}]}}],"modelVersion":"g","responseId":"r"}"#,
            r#"{"candidates":[{"content":{"role":"model","parts":[{"text":"lo"}]}}]}"#,
            r#"{"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"get","args":{"a":1}}}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":7,"candidatesTokenCount":3}}"#,
        ] {
            decoder.decode(data, &mut events);
        }
        decoder.end(&mut events);
        assert_eq!(events[0], Event::Start { id: "r".into(), model: "g".into() });
        assert_eq!(events[1], Event::BlockStart { index: 0, block: Block::Text });
        assert_eq!(events[3], Event::Delta { index: 0, delta: Delta::Text("lo".into()) });
        assert_eq!(events[4], Event::BlockStop { index: 0 });
        assert_eq!(
            events[5],
            Event::BlockStart { index: 1, block: Block::ToolCall { id: "call_0".into(), name: "get".into() } }
        );
        assert_eq!(events[6], Event::Delta { index: 1, delta: Delta::ToolArguments("{\"a\":1}".into()) });
        assert_eq!(events[8], Event::Usage(Usage { input: 7, output: 3, ..Usage::default() }));
        assert_eq!(events[9], Event::Stop { reason: StopReason::ToolUse, sequence: None });
        assert_eq!(events.len(), 10);
    }
}
