//! Payload capture (LiteLLM's `store_prompts_in_spend_logs`): the request and response
//! bodies of a model request, kept beside its spend row in `spend_payloads` for the
//! request log's detail view and `/spend/logs`. Off by default. On for every request with
//! `general_settings.store_prompts_in_spend_logs`; a key's or team's `metadata` may say
//! the same name: `false` turns it off for them (as in LiteLLM), `true` on for them alone
//! (which LiteLLM does not offer).
//!
//! A body is stored as a reader may see it: fields named like credentials, anything that
//! looks like a key (`sk-…`) or a bearer token, and the deployments' own credentials are
//! replaced before it is kept, and each body is cut at [`CAP`] with a note saying so. A
//! streamed answer is kept as its assembled text.
//!
//! Off costs nothing on the hot path: the decision is a few map lookups, and a row with no
//! payload writes nothing more. On, the bodies go into the same ledger commit as their row
//! (so neither is ever kept without the other being committed) and are pruned after
//! `payload_retention_period` (see `retention`), sooner than the row.

use super::row::SpendRow;
use crate::db::{Conn, OptionalExtension, Tx, params};
use serde_json::{Value, json};

/// The most bytes kept of one body.
pub const CAP: usize = 64 * 1024;

/// The setting's name, in `general_settings` and in a key's or team's metadata.
pub const SETTING: &str = "store_prompts_in_spend_logs";

/// What replaces a secret.
const REDACTED: &str = "[redacted]";

/// Tokens after `sk-` or `Bearer ` shorter than this are words, not credentials.
const SHORTEST_SECRET: usize = 8;

/// Field names (lower case, without `_` and `-`) whose values are credentials wherever
/// they appear in a body.
const SECRET_FIELDS: &[&str] = &[
    "apikey",
    "xapikey",
    "authorization",
    "password",
    "secret",
    "secretfields",
    "clientsecret",
    "accesstoken",
    "refreshtoken",
    "idtoken",
    "masterkey",
    "privatekey",
    "awsaccesskeyid",
    "awssecretaccesskey",
    "awssessiontoken",
    "vertexcredentials",
];

/// The bodies of one request, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    pub request: String,
    pub response: String,
}

/// Whether a request's bodies are kept: a key's or team's `false` wins, then their `true`,
/// then the general setting.
pub fn wanted(general: bool, key: Option<&Value>, team: Option<&Value>) -> bool {
    let said = |metadata: Option<&Value>| metadata.and_then(|m| m.get(SETTING)).and_then(flag);
    let (key, team) = (said(key), said(team));
    if key == Some(false) || team == Some(false) {
        return false;
    }
    general || key == Some(true) || team == Some(true)
}

/// A metadata flag as LiteLLM reads it: a boolean, or `"true"`/`"false"` in any case.
fn flag(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// A body as stored: a JSON body without its credential fields, then every key-like token
/// and every credential `known` knows replaced, cut at [`CAP`]. Bodies that are not JSON
/// are kept as text.
pub fn stored(body: &[u8], known: &dyn Fn(&str) -> String) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(json) => stored_json(json, known),
        Err(_) => finish(&String::from_utf8_lossy(body), known),
    }
}

/// [`stored`] of a JSON value.
pub fn stored_json(mut json: Value, known: &dyn Fn(&str) -> String) -> String {
    redact_fields(&mut json);
    finish(&json.to_string(), known)
}

/// A streamed answer as stored: its assembled text.
pub fn streamed(text: &str, known: &dyn Fn(&str) -> String) -> String {
    stored_json(json!({"object": "stream", "content": text}), known)
}

fn finish(text: &str, known: &dyn Fn(&str) -> String) -> String {
    cut(known(&redact_tokens(text)))
}

fn redact_fields(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            for (name, field) in fields.iter_mut() {
                let plain: String =
                    name.chars().filter(|c| *c != '_' && *c != '-').map(|c| c.to_ascii_lowercase()).collect();
                if SECRET_FIELDS.contains(&plain.as_str()) && !field.is_null() {
                    *field = Value::String(REDACTED.into());
                } else {
                    redact_fields(field);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_fields),
        _ => {}
    }
}

/// Characters of a word: a key starts where a word does (`task-list` holds no key).
fn word_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// Characters of a key after `sk-`: those of a generated key, and of a chosen one (any
/// but the ones that end a phrase around it), so that no tail of it stays.
fn key_char(b: u8) -> bool {
    token_char(b) && !b",;'`<>()[]{}".contains(&b)
}

/// Characters of a bearer token: anything up to a space or the end of a JSON string.
fn token_char(b: u8) -> bool {
    !b.is_ascii_whitespace() && b != b'"' && b != b'\\'
}

/// `text` with every `sk-…` key and every `Bearer …` token replaced. Matches start at
/// ASCII bytes, so every slice below is on a character boundary.
fn redact_tokens(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let (mut at, mut copied) = (0, 0);
    while at < bytes.len() {
        let rest = &bytes[at..];
        let boundary = at == 0 || !word_char(bytes[at - 1]);
        let (prefix, body): (usize, fn(u8) -> bool) = if boundary && rest.starts_with(b"sk-") {
            (3, key_char)
        } else if boundary && (rest.starts_with(b"Bearer ") || rest.starts_with(b"bearer ")) {
            (7, token_char)
        } else {
            at += 1;
            continue;
        };
        let length = rest[prefix..].iter().take_while(|b| body(**b)).count();
        if length < SHORTEST_SECRET {
            at += prefix;
            continue;
        }
        out.push_str(&text[copied..at + prefix]);
        out.push_str(REDACTED);
        at += prefix + length;
        copied = at;
    }
    out.push_str(&text[copied..]);
    out
}

/// At most [`CAP`] bytes of `text` (on a character boundary), with a note when cut.
fn cut(mut text: String) -> String {
    if text.len() <= CAP {
        return text;
    }
    let whole = text.len();
    let mut end = CAP;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push_str(&format!("\n… [cut by the proxy: {whole} bytes, the first {end} kept]"));
    text
}

/// A stored body as JSON when it is JSON (it was not cut), else as text.
pub fn shown(stored: &str) -> Value {
    serde_json::from_str(stored).unwrap_or_else(|_| Value::String(stored.to_string()))
}

/// The fields LiteLLM's spend-log rows carry for the bodies: the request
/// (`proxy_server_request`), its `messages` (or `input`, `prompt`) and the `response`;
/// `{}` for each when none was kept, as LiteLLM answers.
pub fn row_fields(payload: Option<&Payload>) -> [(&'static str, Value); 3] {
    let Some(payload) = payload else {
        return [("messages", json!({})), ("response", json!({})), ("proxy_server_request", json!({}))];
    };
    let request = shown(&payload.request);
    let messages = ["messages", "input", "prompt"].iter().find_map(|f| request.get(*f)).cloned();
    [
        ("messages", messages.unwrap_or_else(|| json!({}))),
        ("response", shown(&payload.response)),
        ("proxy_server_request", request),
    ]
}

/// Writes the payloads of a batch's rows, inside the ledger's transaction. Rows without
/// one (every row, while capture is off) cost a look at a field.
pub(super) fn write(tx: &Tx<'_>, rows: &[&SpendRow]) -> crate::db::Result<()> {
    let mut captured = rows.iter().filter_map(|row| row.payload.as_deref().map(|p| (*row, p))).peekable();
    if captured.peek().is_none() {
        return Ok(());
    }
    let mut insert =
        tx.prepare_cached("INSERT INTO spend_payloads (request_id, start, request, response) VALUES (?1, ?2, ?3, ?4)")?;
    for (row, payload) in captured {
        insert.execute(params![row.request_id, super::micros(&row.start), payload.request, payload.response])?;
    }
    Ok(())
}

/// The payload of one row, by its server-made id.
pub fn read(conn: &Conn<'_>, request_id: &str) -> crate::db::Result<Option<Payload>> {
    conn.prepare_cached("SELECT request, response FROM spend_payloads WHERE request_id = ?1")?
        .query_row([request_id], |r| Ok(Payload { request: r.get(0)?, response: r.get(1)? }))
        .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(text: &str) -> String {
        text.to_string()
    }

    #[test]
    fn a_key_or_team_may_turn_capture_off_or_on_for_itself() {
        let on = json!({SETTING: true});
        let off = json!({SETTING: "False"});
        let silent = json!({"other": 1});
        assert!(!wanted(false, None, None));
        assert!(wanted(true, Some(&silent), None));
        assert!(wanted(false, Some(&on), None) && wanted(false, None, Some(&on)));
        assert!(!wanted(true, Some(&off), None) && !wanted(true, None, Some(&off)));
        assert!(!wanted(false, Some(&on), Some(&off)), "an off anywhere wins");
        assert!(wanted(false, Some(&json!({SETTING: "TRUE"})), None));
        assert!(!wanted(false, Some(&json!({SETTING: 1})), None), "not a flag: the general setting decides");
    }

    #[test]
    fn credentials_are_replaced_wherever_they_appear() {
        let body = json!({
            "model": "m", "api_key": "upstream-1234", "metadata": {"Authorization": "Bearer abc", "x-api-key": "k"},
            "messages": [{"role": "user", "content": "my key is sk-abcdefgh12345678 and Bearer tok_0123456789abcdef"}],
            "max_tokens": 5, "task-list": "keep sk-short and task-abcdefghijk",
        });
        let known = |text: &str| text.replace("hunter2-secret", REDACTED);
        let mut with_known = body.clone();
        with_known["user"] = json!("hunter2-secret");
        let stored = stored(with_known.to_string().as_bytes(), &known);
        for secret in ["upstream-1234", "Bearer abc", "sk-abcdefgh12345678", "tok_0123456789abcdef", "hunter2-secret"] {
            assert!(!stored.contains(secret), "{secret} in {stored}");
        }
        let back: Value = serde_json::from_str(&stored).unwrap();
        assert_eq!(back["api_key"], REDACTED);
        assert_eq!(back["metadata"]["x-api-key"], REDACTED);
        assert_eq!(back["max_tokens"], 5, "other fields are kept");
        assert_eq!(back["messages"][0]["content"], "my key is sk-[redacted] and Bearer [redacted]");
        assert_eq!(back["task-list"], "keep sk-short and task-abcdefghijk", "words are not keys");
        let chosen = redact_tokens("key=sk-my.chosen!key/2, then (sk-0123456789) done");
        assert_eq!(chosen, "key=sk-[redacted], then (sk-[redacted]) done");
    }

    #[test]
    fn long_bodies_are_cut_with_a_note_and_text_is_kept_as_text() {
        let long = "é".repeat(CAP);
        let stored = stored(long.as_bytes(), &none);
        assert!(stored.len() < CAP + 100 && stored.ends_with(&format!("{} bytes, the first {CAP} kept]", CAP * 2)));
        assert_eq!(shown(&stored), Value::String(stored.clone()), "a cut body is text");
        assert_eq!(super::stored(b"plain words", &none), "plain words");
        assert_eq!(shown(&streamed("Hi there", &none)), json!({"object": "stream", "content": "Hi there"}));
    }

    #[test]
    fn rows_show_litellm_s_fields() {
        let [messages, response, request] = row_fields(None);
        assert_eq!((messages.1, response.1, request.1), (json!({}), json!({}), json!({})));
        let payload =
            Payload { request: r#"{"model":"m","messages":[{"role":"user"}]}"#.into(), response: "{}".into() };
        let [messages, _, request] = row_fields(Some(&payload));
        assert_eq!((messages.0, messages.1), ("messages", json!([{"role": "user"}])));
        assert_eq!(request.1["model"], "m");
    }
}
