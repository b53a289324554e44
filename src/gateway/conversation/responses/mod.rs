//! OpenAI's Responses API (`/v1/responses`) and the internal form: requests read from a
//! client (`input` as a string or a list of items, `instructions`, function tools,
//! `text.format`, `reasoning`) and written for an upstream that speaks it; whole answers
//! (the `response` object with its `output` items); and streams (the `response.*` events,
//! each with its `sequence_number`).

pub mod reply;
pub mod request;
pub mod stream;
