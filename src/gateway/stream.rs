//! Streamed answers: upstream server-sent events relayed one by one as they arrive. The
//! usage chunk the gateway asked for is read and dropped again unless the client asked for
//! it too; without one, the tokens are counted. A task owns the upstream stream and sends
//! to the client through a small channel: when the client goes away the channel closes,
//! the task drops the upstream request (stopping it) and still charges what was generated.
//! The final `[DONE]` (Anthropic's `message_stop`) goes out only after the spend row is
//! committed and the request's slots are free. Each dialect reads its own events
//! (`inspect` here for OpenAI's, `anthropic::events` for Anthropic's).

use super::admission::{insert, rate_headers};
use super::anthropic;
use super::conversation::{self, Delta, Event, Names, StreamDecoder, StreamEncoder};
use super::dispatch::Upstream;
use super::flow::Ctx;
use super::providers::Dialect;
use super::redact::Redactor;
use super::request::ModelRequest;
use super::upstream;
use crate::limits::Admission;
use crate::spend::{Price, Usage, payloads, tokens};
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::StreamExt;
use std::convert::Infallible;
use tokio::sync::mpsc;

/// What the relay learned from the events.
#[derive(Default)]
pub struct Seen {
    pub usage: Option<Usage>,
    /// The answer's text, to count tokens by when no usage comes.
    pub text: String,
    /// The stream's last event, held back until the spend row is committed.
    pub tail: Option<Bytes>,
}

pub fn relay(
    ctx: Ctx,
    admission: Admission,
    upstream: Upstream,
    request: ModelRequest,
    price: Option<Price>,
) -> Response {
    let (sender, receiver) = mpsc::channel::<Bytes>(16);
    let remaining = admission.remaining;
    let key_spend = ctx.charge.key.as_deref().and_then(|k| ctx.state.keys.get(k)).map(|k| k.spend);
    let model_id = upstream.deployment.id.clone();
    let mut answer_headers = axum::http::HeaderMap::new();
    ctx.answer_headers(&mut answer_headers);
    tokio::spawn(run(ctx, admission, upstream, request, price, sender));
    let body = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (Ok::<_, Infallible>(chunk), receiver))
    });
    let mut response = (StatusCode::OK, Body::from_stream(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Some(spend) = key_spend {
        insert(headers, "x-litellm-key-spend", spend.to_string());
    }
    insert(headers, "x-litellm-model-id", model_id);
    rate_headers(headers, &remaining);
    headers.extend(answer_headers);
    response
}

async fn run(
    ctx: Ctx,
    mut admission: Admission,
    upstream: Upstream,
    request: ModelRequest,
    price: Option<Price>,
    sender: mpsc::Sender<Bytes>,
) {
    let read_timeout = upstream.deployment.timeout;
    let deployment = upstream.deployment.clone();
    let model = upstream.upstream_model.clone();
    let sent = upstream.sent;
    let mut events = Box::pin(upstream::data_stream(upstream.response));
    let mut buffer: Vec<u8> = Vec::new();
    let mut seen = Seen::default();
    let mut client_gone = false;
    let mut broken = false;
    // When the first chunk came: the metrics count from the upstream call, the row's time
    // to first token from the request's arrival, as its client sees it.
    let mut first_at: Option<std::time::Instant> = None;
    let dialect = request.endpoint.dialect();
    let redactor = &ctx.state.router().redactor;
    let mut reader = if upstream.translated {
        let names = Names::new(dialect, &ctx.request_id, &request.model, ctx.started.timestamp());
        Reader::Translate {
            decoder: conversation::decoder(deployment.provider.dialect()),
            encoder: conversation::encoder(dialect, names, request.client_wants_usage),
            events: Vec::new(),
        }
    } else {
        Reader::Relay(dialect)
    };
    let mut out: Vec<Bytes> = Vec::new();
    'read: loop {
        let next = tokio::select! {
            () = sender.closed() => { client_gone = true; break 'read; }
            next = tokio::time::timeout(read_timeout, events.next()) => next,
        };
        let chunk = match next {
            Ok(Some(Ok(chunk))) => {
                first_at.get_or_insert_with(std::time::Instant::now);
                chunk
            }
            Ok(None) => break,
            Ok(Some(Err(_))) | Err(_) => {
                broken = true;
                break;
            }
        };
        buffer.extend(chunk.iter().filter(|b| **b != b'\r'));
        while let Some(end) = buffer.windows(2).position(|w| w == b"\n\n") {
            let event: Vec<u8> = buffer.drain(..end + 2).collect();
            reader.read(&event, request.client_wants_usage, &mut seen, redactor, &mut out);
            for forward in out.drain(..) {
                if sender.send(forward).await.is_err() {
                    client_gone = true;
                    break 'read;
                }
            }
        }
    }
    if !broken && !client_gone {
        reader.end(&mut seen, &mut out);
    }
    // Dropping the upstream stream closes its connection: the upstream stops generating.
    drop(events);
    if broken {
        let cooled = ctx.state.router().record_failure(&deployment);
        ctx.count_deployment_failure(&deployment, &model, 502, cooled);
    }
    let usage = seen.usage.unwrap_or_else(|| Usage {
        input: super::respond::prompt_tokens(&model, &request),
        output: tokens::count(&model, &seen.text),
        ..Usage::default()
    });
    let completion = usage.output;
    let cost = price.map_or(0.0, |p| p.cost_of(usage));
    let mut row = ctx.row(Some(&deployment), &model, usage, cost);
    row.first_token = first_at.map(|at| at.saturating_duration_since(ctx.arrived).as_micros() as u64);
    row.payload = ctx.payload(|known| payloads::streamed(&seen.text, known));
    let committed = ctx.state.ledger.commit(&ctx.state, row, Some(admission.reservation.clone())).await;
    admission.release_slots();
    drop(admission);
    let first_chunk = first_at.map(|at| at.saturating_duration_since(sent));
    ctx.count_answer(Some(&deployment), &model, (usage, cost), Some(sent.elapsed()), first_chunk);
    if client_gone {
        tracing::info!(call_id = %ctx.request_id, completion, "client left mid-stream; charged what was generated");
        return;
    }
    if let (Reader::Translate { encoder, .. }, Ok(_), false) = (&mut reader, &committed, broken) {
        encoder.finish(usage, &mut out);
        seen.tail = out.pop();
        for ending in out.drain(..) {
            let _ = sender.send(ending).await;
        }
    }
    let tail = match committed {
        Ok(_) if seen.tail.is_some() || !broken => seen.tail.or(match dialect {
            Dialect::OpenAi | Dialect::Gemini => Some(Bytes::from_static(b"data: [DONE]\n\n")),
            Dialect::Anthropic | Dialect::Responses => None,
        }),
        Ok(_) => Some(error_event(dialect, "The upstream stream broke off before it was complete.")),
        Err(error) => Some(error_event(dialect, &error.message())),
    };
    if let Some(tail) = tail {
        let _ = sender.send(tail).await;
    }
}

/// How the relay reads the upstream's events.
enum Reader {
    /// The upstream speaks the client's dialect: events pass as they came, and only the
    /// usage and the text are read from them.
    Relay(Dialect),
    /// Another dialect: events are read into the internal form and written in the client's.
    Translate { decoder: Box<dyn StreamDecoder>, encoder: Box<dyn StreamEncoder>, events: Vec<Event> },
}

impl Reader {
    /// Reads one upstream event; what goes to the client is added to `out`.
    fn read(&mut self, event: &[u8], wants_usage: bool, seen: &mut Seen, redactor: &Redactor, out: &mut Vec<Bytes>) {
        match self {
            Reader::Relay(Dialect::Anthropic) => out.extend(anthropic::events::inspect(event, seen, redactor)),
            Reader::Relay(Dialect::Responses) => out.extend(super::responses::events::inspect(event, seen, redactor)),
            Reader::Relay(_) => out.extend(inspect(event, wants_usage, seen, redactor)),
            Reader::Translate { decoder, encoder, events } => {
                let Some(data) = conversation::data_of(event) else { return };
                if data.trim() == "[DONE]" {
                    return;
                }
                decoder.decode(&data, events);
                Self::write(encoder.as_mut(), events, seen, redactor, out);
            }
        }
    }

    /// The upstream's stream ended whole: a decoder closes what is still open.
    fn end(&mut self, seen: &mut Seen, out: &mut Vec<Bytes>) {
        if let Reader::Translate { decoder, encoder, events } = self {
            decoder.end(events);
            Self::write(encoder.as_mut(), events, seen, &Redactor::default(), out);
        }
    }

    fn write(
        encoder: &mut dyn StreamEncoder,
        events: &mut Vec<Event>,
        seen: &mut Seen,
        redactor: &Redactor,
        out: &mut Vec<Bytes>,
    ) {
        for event in events.drain(..) {
            let event = match event {
                Event::Usage(usage) => {
                    seen.usage = Some(usage);
                    continue;
                }
                Event::Delta {
                    delta: Delta::Text(ref text) | Delta::Thinking(ref text) | Delta::ToolArguments(ref text),
                    ..
                } => {
                    seen.text.push_str(text);
                    event
                }
                Event::Error { message } => Event::Error { message: redactor.redact_text(&message) },
                other => other,
            };
            encoder.encode(event, out);
        }
    }
}

fn error_event(dialect: Dialect, message: &str) -> Bytes {
    match dialect {
        Dialect::OpenAi | Dialect::Gemini => {
            let body = serde_json::json!({"error": {"message": message, "type": "upstream_error", "param": null, "code": "502"}});
            Bytes::from(format!("data: {body}\n\n"))
        }
        Dialect::Anthropic => anthropic::errors::event("api_error", message),
        Dialect::Responses => super::responses::events::error_event(message),
    }
}

/// Reads one event; returns what to forward (None: hold it back). An error event is an
/// upstream error body too: the upstream's credentials are taken out of it.
fn inspect(event: &[u8], client_wants_usage: bool, seen: &mut Seen, redactor: &Redactor) -> Option<Bytes> {
    let text = std::str::from_utf8(event).ok()?;
    let data: String =
        text.lines().filter_map(|l| l.strip_prefix("data:")).map(str::trim_start).collect::<Vec<_>>().join("\n");
    if data.is_empty() {
        // Comments and keep-alives pass through.
        return Some(Bytes::copy_from_slice(event));
    }
    if data.trim() == "[DONE]" {
        // Held back until the spend row is committed.
        seen.tail = Some(Bytes::copy_from_slice(event));
        return None;
    }
    let Ok(chunk) = serde_json::from_str::<serde_json::Value>(&data) else {
        return Some(Bytes::copy_from_slice(event));
    };
    if chunk.get("error").is_some() {
        return Some(Bytes::from(redactor.redact(event).into_owned()));
    }
    if let Some(usage) = chunk.get("usage").filter(|u| !u.is_null()) {
        let get = |f: &str| usage.get(f).and_then(serde_json::Value::as_u64);
        if let Some(prompt) = get("prompt_tokens") {
            seen.usage = Some(super::respond::openai_usage(prompt, get("completion_tokens").unwrap_or(0), usage));
        }
    }
    let choices = chunk.get("choices").and_then(|c| c.as_array());
    for choice in choices.into_iter().flatten() {
        let piece = choice.get("delta").and_then(|d| d.get("content")).or_else(|| choice.get("text"));
        if let Some(piece) = piece.and_then(|p| p.as_str()) {
            seen.text.push_str(piece);
        }
    }
    let usage_only = choices.is_none_or(|c| c.is_empty()) && chunk.get("usage").is_some_and(|u| !u.is_null());
    if usage_only && !client_wants_usage {
        return None;
    }
    Some(Bytes::copy_from_slice(event))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_usage_and_strips_the_chunk_the_client_did_not_ask_for() {
        let mut seen = Seen::default();
        let none = Redactor::default();
        let content = b"data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}],\"usage\":null}\n\n";
        assert!(inspect(content, false, &mut seen, &none).is_some());
        let usage = b"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7}}\n\n";
        assert!(inspect(usage, false, &mut seen, &none).is_none());
        assert!(inspect(usage, true, &mut seen, &none).is_some());
        assert!(inspect(b"data: [DONE]\n\n", false, &mut seen, &none).is_none());
        assert_eq!(seen.usage, Some(Usage { input: 5, output: 7, ..Usage::default() }));
        assert_eq!(seen.text, "Hi");
        assert!(seen.tail.is_some());
    }

    #[test]
    fn an_error_event_loses_the_upstream_key() {
        let redactor = Redactor::new(["sk-upstream-secret"]);
        let event = b"data: {\"error\":{\"message\":\"bad key Bearer sk-upstream-secret\"}}\n\n";
        let forwarded = inspect(event, false, &mut Seen::default(), &redactor).unwrap_or_default();
        assert_eq!(&forwarded[..], &b"data: {\"error\":{\"message\":\"bad key Bearer [redacted]\"}}\n\n"[..]);
    }
}
