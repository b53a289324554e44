//! The gateway's one internal form of a conversation, between the dialects clients speak
//! and the ones providers speak. A request in one dialect is read into a [`Conversation`]
//! (the ingress mapper of its dialect), written out in the provider's wire format (the
//! provider's egress mapper), and the provider's answer is read back into a [`Reply`] or,
//! streamed, into a sequence of [`Event`]s, which the client's dialect renders again.
//!
//! Only requests whose dialect the deployment does not speak come here: when both speak
//! the same one, the bytes are relayed untouched (see `flow`). So the form holds what
//! every pair can carry — text, images, tool calls and results, thinking, the sampling
//! parameters, stop reasons and usage with cached tokens — and a mapper drops, by an
//! allow-list, what its counterpart cannot take.
//!
//! Each dialect has one folder: `openai` (chat completions, both ways), `anthropic`
//! (Messages, both ways), `responses` (OpenAI's Responses API, both ways), `gemini`
//! (provider side only). A folder has `request.rs`
//! (read a request into the form, write the form as a request), `reply.rs` (whole answers)
//! and `stream.rs` (a [`StreamDecoder`] for the provider side, a [`StreamEncoder`] for the
//! client side).

pub mod anthropic;
pub mod gemini;
pub mod openai;
pub mod responses;
mod sse;

pub use sse::data_of;

use super::providers::Dialect;
use crate::error::ApiError;
use crate::spend::Usage;
use bytes::Bytes;
use serde_json::{Map, Value};

/// Reads a client's request body in its dialect.
pub fn read_request(dialect: Dialect, body: &Map<String, Value>) -> Result<Conversation, ApiError> {
    match dialect {
        Dialect::OpenAi => openai::request::read(body),
        Dialect::Anthropic => anthropic::request::read(body),
        Dialect::Responses => responses::request::read(body),
        Dialect::Gemini => Err(ApiError::bad_request("No route takes requests in Gemini's dialect.")),
    }
}

/// The request body for a provider of this dialect and its model name.
pub fn write_request(dialect: Dialect, conversation: &Conversation, model: &str) -> Value {
    match dialect {
        Dialect::OpenAi => openai::request::write(conversation, model),
        Dialect::Anthropic => anthropic::request::write(conversation, model),
        Dialect::Gemini => gemini::request::write(conversation, model),
        Dialect::Responses => responses::request::write(conversation, model),
    }
}

/// The reply in a provider's whole answer; `None` when the body is not an answer.
pub fn read_reply(dialect: Dialect, body: &[u8]) -> Option<Reply> {
    match dialect {
        Dialect::OpenAi => openai::reply::read(body),
        Dialect::Anthropic => anthropic::reply::read(body),
        Dialect::Gemini => gemini::reply::read(body),
        Dialect::Responses => responses::reply::read(body),
    }
}

/// How the answer is named to the client: its id, the model the client asked for, and
/// when it was made.
pub struct Names {
    pub id: String,
    pub model: String,
    pub created: i64,
}

impl Names {
    /// The names of the answer to the spend row `request_id`, in the client's dialect's
    /// style of id.
    pub fn new(dialect: Dialect, request_id: &str, model: &str, created: i64) -> Self {
        let prefix = match dialect {
            Dialect::Anthropic => "msg_",
            Dialect::Responses => "resp_",
            Dialect::OpenAi | Dialect::Gemini => "chatcmpl-",
        };
        Self { id: format!("{prefix}{request_id}"), model: model.to_string(), created }
    }
}

/// A whole answer for a client of this dialect.
pub fn write_reply(dialect: Dialect, reply: &Reply, names: &Names) -> Value {
    match dialect {
        Dialect::Anthropic => anthropic::reply::write(reply, &names.id, &names.model),
        Dialect::Responses => responses::reply::write(reply, names),
        Dialect::OpenAi | Dialect::Gemini => openai::reply::write(reply, names),
    }
}

/// Reads a provider's stream of this dialect.
pub fn decoder(dialect: Dialect) -> Box<dyn StreamDecoder> {
    match dialect {
        Dialect::OpenAi => Box::new(openai::stream::Decoder::default()),
        Dialect::Anthropic => Box::new(anthropic::stream::Decoder::default()),
        Dialect::Gemini => Box::new(gemini::stream::Decoder::default()),
        Dialect::Responses => Box::new(responses::stream::Decoder::default()),
    }
}

/// Writes a stream for a client of this dialect; `include_usage` is OpenAI's
/// `stream_options.include_usage`.
pub fn encoder(dialect: Dialect, names: Names, include_usage: bool) -> Box<dyn StreamEncoder> {
    match dialect {
        Dialect::Anthropic => Box::new(anthropic::stream::Encoder::new(names.id, names.model)),
        Dialect::Responses => Box::new(responses::stream::Encoder::new(names)),
        Dialect::OpenAi | Dialect::Gemini => {
            Box::new(openai::stream::Encoder::new(names.id, names.model, names.created, include_usage))
        }
    }
}

/// The smallest conversation: one word in, at most one token out (the health probe's).
pub fn ping() -> Conversation {
    Conversation {
        messages: vec![Message {
            role: Role::User,
            parts: vec![Part::Text(Text { text: "ping".into(), cache: None })],
        }],
        max_tokens: Some(1),
        ..Conversation::default()
    }
}

/// A conversation as the client asked for it, in no dialect.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Conversation {
    /// The system prompt, as blocks (Anthropic's cache marks kept on each).
    pub system: Vec<Text>,
    pub messages: Vec<Message>,
    pub tools: Vec<Tool>,
    pub tool_choice: Option<ToolChoice>,
    /// False when the client asked for at most one tool call per turn.
    pub parallel_tool_calls: Option<bool>,
    pub max_tokens: Option<u64>,
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub top_k: Option<u64>,
    pub stop: Vec<String>,
    pub stream: bool,
    /// Extended thinking with this budget of tokens.
    pub thinking: Option<Thinking>,
    pub response_format: Option<ResponseFormat>,
    /// The end user the client named (OpenAI's `user`, Anthropic's `metadata.user_id`).
    pub user: Option<String>,
}

impl Conversation {
    /// Appends the parts as a turn, merged into the last one when it has the same role
    /// (Anthropic and Gemini want turns to alternate; tool results join the user's turn).
    pub fn push(&mut self, role: Role, parts: Vec<Part>) {
        if parts.is_empty() {
            return;
        }
        match self.messages.last_mut() {
            Some(last) if last.role == role => last.parts.extend(parts),
            _ => self.messages.push(Message { role, parts }),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    pub text: String,
    /// Anthropic's `cache_control` on this block, as sent.
    pub cache: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub role: Role,
    pub parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Text(Text),
    Image(Image),
    /// The model calling a tool; `arguments` is the JSON text of its input.
    ToolCall {
        id: String,
        name: String,
        arguments: String,
    },
    /// A tool's answer to the call `call_id`: text and images.
    ToolResult {
        call_id: String,
        content: Vec<Part>,
        is_error: bool,
    },
    /// The model's reasoning; the signature lets Anthropic check it when it comes back.
    Thinking {
        text: String,
        signature: Option<String>,
    },
    /// Reasoning a provider keeps encrypted; only Anthropic can read it back.
    RedactedThinking {
        data: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Image {
    Url(String),
    Base64 { media_type: String, data: String },
}

impl Image {
    /// A `data:` URL is base64 data in disguise; anything else is a URL.
    pub fn from_url(url: &str) -> Image {
        let parsed = url.strip_prefix("data:").and_then(|rest| rest.split_once(";base64,"));
        match parsed {
            Some((media_type, data)) => Image::Base64 { media_type: media_type.to_string(), data: data.to_string() },
            None => Image::Url(url.to_string()),
        }
    }

    /// The image as one URL (a `data:` URL for base64 data).
    pub fn to_url(&self) -> String {
        match self {
            Image::Url(url) => url.clone(),
            Image::Base64 { media_type, data } => format!("data:{media_type};base64,{data}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tool {
    pub name: String,
    pub description: Option<String>,
    /// The JSON schema of the tool's input.
    pub parameters: Value,
    pub cache: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ToolChoice {
    Auto,
    None,
    /// Some tool must be called.
    Any,
    /// This tool must be called.
    Tool(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thinking {
    pub budget_tokens: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ResponseFormat {
    JsonObject,
    JsonSchema { name: String, schema: Value, strict: Option<bool> },
}

/// Why the model stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StopReason {
    #[default]
    EndTurn,
    MaxTokens,
    StopSequence,
    ToolUse,
    /// Refused or filtered by the provider's content policy.
    Refusal,
}

/// A whole answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reply {
    pub id: String,
    pub model: String,
    pub parts: Vec<Part>,
    pub stop: StopReason,
    /// The stop sequence that ended the answer, when one did.
    pub stop_sequence: Option<String>,
    pub usage: Usage,
}

/// One step of a streamed answer. Blocks (text, thinking, a tool call) are numbered from 0
/// in the order they open; a dialect renumbers them as it needs (OpenAI counts tool calls
/// apart from text).
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Start {
        id: String,
        model: String,
    },
    BlockStart {
        index: usize,
        block: Block,
    },
    Delta {
        index: usize,
        delta: Delta,
    },
    BlockStop {
        index: usize,
    },
    /// The usage so far (running totals: they replace what came before).
    Usage(Usage),
    Stop {
        reason: StopReason,
        sequence: Option<String>,
    },
    /// The provider reported an error in the stream.
    Error {
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Text,
    Thinking,
    RedactedThinking { data: String },
    ToolCall { id: String, name: String },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Delta {
    Text(String),
    Thinking(String),
    Signature(String),
    /// A piece of a tool call's JSON arguments.
    ToolArguments(String),
}

/// The blocks a decoder opens for a provider that does not number them (OpenAI's chat,
/// Gemini): one block of a kind stays open while that kind goes on, and another kind
/// closes it first. `K` tells kinds apart (OpenAI's tool calls by their own index).
pub struct Blocks<K> {
    open: Option<(usize, K)>,
    next: usize,
}

impl<K> Default for Blocks<K> {
    fn default() -> Self {
        Self { open: None, next: 0 }
    }
}

impl<K: Copy + PartialEq> Blocks<K> {
    /// Closes the open block, if any.
    pub fn close(&mut self, out: &mut Vec<Event>) {
        if let Some((index, _)) = self.open.take() {
            out.push(Event::BlockStop { index });
        }
    }

    /// The index of the open block of this kind, opening it (`block`) if needed.
    pub fn ensure(&mut self, kind: K, block: impl FnOnce() -> Block, out: &mut Vec<Event>) -> usize {
        if let Some((index, open)) = self.open
            && open == kind
        {
            return index;
        }
        self.close(out);
        let index = self.start(block(), out);
        self.open = Some((index, kind));
        index
    }

    /// Opens a block that its caller closes itself (a whole tool call).
    pub fn start(&mut self, block: Block, out: &mut Vec<Event>) -> usize {
        let index = self.next;
        self.next += 1;
        out.push(Event::BlockStart { index, block });
        index
    }
}

/// Reads a provider's stream, one server-sent event's `data` at a time.
pub trait StreamDecoder: Send {
    fn decode(&mut self, data: &str, out: &mut Vec<Event>);
    /// The stream ended: close what is still open.
    fn end(&mut self, out: &mut Vec<Event>);
}

/// Writes a stream in the client's dialect.
pub trait StreamEncoder: Send {
    fn encode(&mut self, event: Event, out: &mut Vec<Bytes>);
    /// The events that end a complete stream, given its final usage; the last of them is
    /// held back by the relay until the spend row is committed.
    fn finish(&mut self, usage: Usage, out: &mut Vec<Bytes>);
}

/// Turns a whole tool-arguments string into pieces, so that a client that reads tool
/// arguments as deltas gets deltas even from a provider that sends them in one piece.
pub fn argument_pieces(arguments: &str) -> impl Iterator<Item = &str> {
    const PIECE: usize = 64;
    let mut rest = arguments;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut cut = rest.len().min(PIECE);
        while !rest.is_char_boundary(cut) {
            cut += 1;
        }
        let (piece, tail) = rest.split_at(cut);
        rest = tail;
        Some(piece)
    })
}

/// The text a part carries (to count tokens by when a provider reports no usage).
pub fn part_text(part: &Part) -> String {
    match part {
        Part::Text(text) => text.text.clone(),
        Part::Thinking { text, .. } => text.clone(),
        Part::ToolCall { name, arguments, .. } => format!("{name} {arguments}"),
        Part::ToolResult { content, .. } => joined_text(content),
        Part::Image(_) | Part::RedactedThinking { .. } => String::new(),
    }
}

/// The text of a list of parts (text parts only), joined by blank lines.
pub fn joined_text(parts: &[Part]) -> String {
    let texts: Vec<&str> = parts
        .iter()
        .filter_map(|p| match p {
            Part::Text(t) => Some(t.text.as_str()),
            _ => None,
        })
        .collect();
    texts.join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_urls_are_base64_images() {
        let image = Image::from_url("data:image/png;base64,iVBOR");
        assert_eq!(image, Image::Base64 { media_type: "image/png".into(), data: "iVBOR".into() });
        assert_eq!(image.to_url(), "data:image/png;base64,iVBOR");
        assert_eq!(Image::from_url("https://x/y.png"), Image::Url("https://x/y.png".into()));
    }

    #[test]
    fn arguments_are_cut_on_char_boundaries() {
        let long = format!("{{\"q\":\"{}\"}}", "é".repeat(100));
        let pieces: Vec<&str> = argument_pieces(&long).collect();
        assert!(pieces.len() > 1);
        assert_eq!(pieces.concat(), long);
        assert_eq!(argument_pieces("").count(), 0);
    }
}
