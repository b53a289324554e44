//! Anthropic's Messages API through the gateway, over real HTTP against the real binary and
//! a mock Anthropic upstream (tests/common/mock_anthropic.rs): the relay (plain and
//! streamed, bytes untouched), usage and spend with cache tokens priced apart, errors in
//! Anthropic's shape, count_tokens, both shapes of `/v1/models`, and Claude Code's session.

mod common;

use common::mock_anthropic::{self, mock};
use common::seed::{KeySpec, hash};
use common::{Proxy, model, query, start_seeded};
use serde_json::{Value, json};

const VERSION: &str = "2023-06-01";

/// A request to the proxy with the key in `x-api-key` and `anthropic-version`; returns
/// the status, headers and the body as text.
fn send(
    proxy: &Proxy,
    path: &str,
    key: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, reqwest::header::HeaderMap, String) {
    let mut request = reqwest::blocking::Client::new()
        .post(proxy.url(path))
        .header("x-api-key", key)
        .header("anthropic-version", VERSION)
        .header("content-type", "application/json")
        .body(body.to_vec());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().expect("request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().unwrap_or_default())
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::String(text.to_string()))
}

fn request_body(model: &str) -> Vec<u8> {
    json!({"model": model, "max_tokens": 64, "messages": [{"role": "user", "content": "Hello"}]})
        .to_string()
        .into_bytes()
}

fn key_spend(proxy: &Proxy, key: &str) -> f64 {
    query(proxy, &format!("SELECT spend FROM keys WHERE token = '{}'", hash(key)))
}

/// Sonnet 4.5's prices: input, cache write, cache read, output per token.
const SONNET: (f64, f64, f64, f64) = (3e-6, 3.75e-6, 3e-7, 1.5e-5);

#[test]
fn a_message_is_relayed_and_its_cached_tokens_are_priced_apart() {
    let upstream = "claude-sonnet-4-5+i=10+cw=1000+cr=2000+o=100+plain";
    let mut key = String::new();
    let proxy = start_seeded(&mock_anthropic::model("claude-sonnet-4-5", upstream), |s| {
        key = s.key(KeySpec { max_budget: Some(10.0), ..Default::default() })
    });
    let (status, headers, text) = send(&proxy, "/v1/messages", &key, &[], &request_body("claude-sonnet-4-5"));
    assert_eq!(status, 200, "{text}");
    let answer = json_of(&text);
    assert_eq!(answer["type"], "message");
    assert_eq!(answer["content"][0]["text"], "Hello from the mock.");
    assert_eq!(answer["usage"]["cache_read_input_tokens"], 2000);
    assert_eq!(mock().calls(upstream), 1);
    // The upstream got the upstream's model name, the upstream key and a version.
    let sent: Value = serde_json::from_slice(&mock().last_body(upstream).unwrap_or_default()).unwrap_or_default();
    assert_eq!(sent["model"], upstream);
    assert_eq!(mock().last_header(upstream, "anthropic-version"), vec![VERSION]);

    let (input, write, read, output) = SONNET;
    let expected = 10.0 * input + 1000.0 * write + 2000.0 * read + 100.0 * output;
    let cost: f64 = headers["x-litellm-response-cost"].to_str().unwrap_or_default().parse().unwrap_or_default();
    assert!((cost - expected).abs() < 1e-12, "cost {cost}, expected {expected}");
    assert!((key_spend(&proxy, &key) - expected).abs() < 1e-12);
    let row: (i64, i64, String, String) = proxy
        .folded_db()
        .query_row("SELECT prompt_tokens, completion_tokens, call_type, custom_llm_provider FROM spend_logs", (), |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .unwrap();
    assert_eq!(row, (3010, 100, "anthropic_messages".to_string(), "anthropic".to_string()));
}

#[test]
fn a_stream_is_relayed_event_by_event_and_charged_before_its_stop() {
    let upstream = "claude-sonnet-4-5+i=20+cr=500+o=42+tool+streamed";
    let mut key = String::new();
    let proxy =
        start_seeded(&mock_anthropic::model("claude-sonnet-4-5", upstream), |s| key = s.key(KeySpec::default()));
    let mut body: Value = serde_json::from_slice(&request_body("claude-sonnet-4-5")).unwrap_or_default();
    body["stream"] = json!(true);
    let (status, headers, text) = send(&proxy, "/v1/messages", &key, &[], body.to_string().as_bytes());
    assert_eq!(status, 200, "{text}");
    assert_eq!(headers["content-type"], "text/event-stream");
    let names: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("event: ")).collect();
    assert_eq!(names.first(), Some(&"message_start"));
    assert_eq!(names.last(), Some(&"message_stop"));
    assert!(names.contains(&"ping") && names.contains(&"message_delta"), "{names:?}");
    // The tool's arguments arrive piece by piece, as the upstream sent them.
    let pieces = text.matches("\"type\":\"input_json_delta\"").count();
    assert_eq!(pieces, 4, "{text}");
    assert!(text.contains(r#""partial_json":" \"Par""#), "{text}");
    assert!(text.ends_with("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"), "{text}");

    let (input, _, read, output) = SONNET;
    let expected = 20.0 * input + 500.0 * read + 42.0 * output;
    assert!((key_spend(&proxy, &key) - expected).abs() < 1e-12, "{}", key_spend(&proxy, &key));
    let tokens: (i64, i64) = proxy
        .folded_db()
        .query_row("SELECT prompt_tokens, completion_tokens FROM spend_logs", (), |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(tokens, (520, 42));
}

/// A request as Claude Code sends it (system blocks with cache_control, tools,
/// metadata.user_id, thinking, beta flags, `?beta=true`, its session header).
const CLAUDE_CODE_BODY: &str = r#"{"model":"claude-code-bytes","messages":[{"role":"user","content":[{"type":"text","text":"<system-reminder>\nAs you answer the user's questions, you can use the following context.\n</system-reminder>\n"},{"type":"text","text":"fix the failing test","cache_control":{"type":"ephemeral"}}]}],"temperature":1,"system":[{"type":"text","text":"You are Claude Code, Anthropic's official CLI for Claude.","cache_control":{"type":"ephemeral"}},{"type":"text","text":"You are an interactive CLI tool that helps users with software engineering tasks.","cache_control":{"type":"ephemeral"}}],"tools":[{"name":"Bash","description":"Executes a given bash command","input_schema":{"type":"object","properties":{"command":{"type":"string","description":"The command to execute"},"timeout":{"type":"number"}},"required":["command"],"additionalProperties":false,"$schema":"http://json-schema.org/draft-07/schema#"}},{"name":"Read","description":"Reads a file","input_schema":{"type":"object","properties":{"file_path":{"type":"string"}},"required":["file_path"]}}],"metadata":{"user_id":"user_2f6c1e0a9b8d_account__session_6f1c0b9e-6a43-4c1e-9d55-1b0c4a3e2f10"},"max_tokens":32000,"thinking":{"budget_tokens":31999,"type":"enabled"},"stream":true,"context_management":{"edits":[{"type":"clear_tool_uses_20250919"}]}}"#;

#[test]
fn a_claude_code_request_reaches_anthropic_as_it_was_sent() {
    let session = "6f1c0b9e-6a43-4c1e-9d55-1b0c4a3e2f10";
    let betas = "claude-code-20250219,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14,a-flag-from-the-future-2027-01-01";
    let mut config = mock_anthropic::model("claude-code-bytes", "claude-code-bytes");
    config += &mock_anthropic::model("claude-renamed", "claude-code-upstream-name");
    let mut key = String::new();
    let proxy = start_seeded(&config, |s| key = s.key(KeySpec::default()));
    let headers =
        [("anthropic-beta", betas), ("x-claude-code-session-id", session), ("anthropic-version", "2023-06-01")];
    let (status, _, text) = send(&proxy, "/v1/messages?beta=true", &key, &headers, CLAUDE_CODE_BODY.as_bytes());
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("event: message_stop"), "{text}");
    // Byte for byte, unknown fields (context_management) included; the beta flags as sent.
    assert_eq!(mock().last_body("claude-code-bytes").as_deref(), Some(CLAUDE_CODE_BODY.as_bytes()));
    assert_eq!(mock().last_header("claude-code-bytes", "anthropic-beta"), vec![betas]);
    assert_eq!(mock().last_header("claude-code-bytes", "anthropic-version"), vec!["2023-06-01"]);

    // A model whose upstream name differs: only `model` changes.
    let renamed = CLAUDE_CODE_BODY.replace("claude-code-bytes", "claude-renamed");
    let (status, _, text) = send(&proxy, "/messages", &key, &[("anthropic-beta", betas)], renamed.as_bytes());
    assert_eq!(status, 200, "{text}");
    let sent: Value =
        serde_json::from_slice(&mock().last_body("claude-code-upstream-name").unwrap_or_default()).unwrap();
    let mut expected: Value = serde_json::from_str(CLAUDE_CODE_BODY).unwrap();
    expected["model"] = json!("claude-code-upstream-name");
    assert_eq!(sent, expected);

    // The session is on the spend row, and the logs filter by it.
    let stored: String = query(&proxy, "SELECT session_id FROM spend_logs WHERE model = 'claude-code-bytes'");
    assert_eq!(stored, session);
    let (status, logs) = proxy.admin().get(&format!("/spend/logs?session_id={session}"));
    assert_eq!(status, 200, "{logs}");
    let rows = logs.as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 1, "{logs}");
    assert_eq!(rows[0]["session_id"], session);
    assert_eq!(rows[0]["model"], "claude-code-bytes");
    let (_, none) = proxy.admin().get("/spend/logs?session_id=another-session");
    assert_eq!(none.as_array().map(Vec::len), Some(0), "{none}");
}

fn anthropic_error(text: &str) -> (String, String) {
    let body = json_of(text);
    assert_eq!(body["type"], "error", "{text}");
    (
        body["error"]["type"].as_str().unwrap_or_default().to_string(),
        body["error"]["message"].as_str().unwrap_or_default().to_string(),
    )
}

#[test]
fn every_refusal_comes_in_anthropics_shape() {
    let mut config = mock_anthropic::model("claude-errors", "claude-errors+ok");
    config += &mock_anthropic::model("claude-busy", "claude-errors+fail529");
    config += &model("gpt-only", "gpt-only-errors", 0.001, 0.002);
    let (mut plain, mut other_model, mut spent, mut limited) = Default::default();
    let proxy = start_seeded(&config, |s| {
        plain = s.key(KeySpec::default());
        other_model = s.key(KeySpec { models: &["gpt-only"], ..Default::default() });
        spent = s.key(KeySpec { max_budget: Some(1.0), spend: 2.0, ..Default::default() });
        limited = s.key(KeySpec { rpm: Some(1), ..Default::default() });
    });
    let body = request_body("claude-errors");

    let (status, _, text) = send(&proxy, "/v1/messages", "sk-not-a-key-of-this-proxy-000000", &[], &body);
    assert_eq!((status, anthropic_error(&text).0.as_str()), (401, "authentication_error"), "{text}");

    let (status, _, text) = send(&proxy, "/v1/messages", &other_model, &[], &body);
    assert_eq!((status, anthropic_error(&text).0.as_str()), (403, "permission_error"), "{text}");

    let (status, _, text) = send(&proxy, "/v1/messages", &spent, &[], &body);
    let (kind, message) = anthropic_error(&text);
    assert_eq!((status, kind.as_str()), (400, "invalid_request_error"), "{text}");
    assert!(message.contains("Budget has been exceeded"), "{message}");

    assert_eq!(send(&proxy, "/v1/messages", &limited, &[], &body).0, 200);
    let (status, headers, text) = send(&proxy, "/v1/messages", &limited, &[], &body);
    assert_eq!((status, anthropic_error(&text).0.as_str()), (429, "rate_limit_error"), "{text}");
    assert!(headers.contains_key("retry-after"));

    let (status, _, text) = send(&proxy, "/v1/messages", &plain, &[], &request_body("no-such-model"));
    assert_eq!((status, anthropic_error(&text).0.as_str()), (400, "invalid_request_error"), "{text}");
    let (status, _, text) = send(&proxy, "/v1/messages", &plain, &[], b"{not json");
    assert_eq!((status, anthropic_error(&text).0.as_str()), (400, "invalid_request_error"), "{text}");

    // A block no OpenAI-shaped deployment can take: refused, the upstream never called.
    let document = json!({"model": "gpt-only", "max_tokens": 8, "messages": [{"role": "user", "content": [
        {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "x"}}]}]});
    let (status, _, text) = send(&proxy, "/v1/messages", &plain, &[], document.to_string().as_bytes());
    let (kind, message) = anthropic_error(&text);
    assert_eq!((status, kind.as_str()), (400, "invalid_request_error"), "{text}");
    assert!(message.contains("cannot be translated"), "{message}");
    assert_eq!(common::mock_upstream::mock().calls("gpt-only-errors"), 0);

    // The upstream's own refusal passes as Anthropic wrote it.
    let (status, _, text) = send(&proxy, "/v1/messages", &plain, &[], &request_body("claude-busy"));
    assert_eq!((status, anthropic_error(&text).0.as_str()), (529, "overloaded_error"), "{text}");

    // The refusals of known keys are in the logs, as chat's are; the unknown key's is not.
    let failures: i64 = query(&proxy, "SELECT count(*) FROM spend_logs WHERE status = 'failure'");
    // 403, budget, 429, unknown model, untranslated, 529 (a body that is not JSON gets none, as in chat).
    assert_eq!(failures, 6);
    let codes: String = query(
        &proxy,
        "SELECT group_concat(json_extract(metadata, '$.error_information.error_code'), ',') FROM (SELECT metadata FROM spend_logs WHERE status = 'failure' ORDER BY startTime)",
    );
    assert_eq!(codes, "403,400,429,400,400,529");
}

#[test]
fn tokens_are_counted_by_anthropic_or_estimated_and_cost_nothing() {
    let mut config = mock_anthropic::model("claude-count", "claude-count+i=321");
    config += &model("gpt-count", "gpt-count-upstream", 0.001, 0.002);
    let (mut key, mut other) = Default::default();
    let proxy = start_seeded(&config, |s| {
        key = s.key(KeySpec { max_budget: Some(1.0), ..Default::default() });
        other = s.key(KeySpec { models: &["gpt-count"], ..Default::default() });
    });
    let body = json!({"model": "claude-count", "messages": [{"role": "user", "content": "hello world"}]}).to_string();
    let (status, _, text) = send(&proxy, "/v1/messages/count_tokens", &key, &[], body.as_bytes());
    assert_eq!(status, 200, "{text}");
    assert_eq!(json_of(&text), json!({"input_tokens": 321}));
    assert_eq!(mock().counts("claude-count+i=321"), 1);

    let body = json!({"model": "gpt-count", "system": "hello world", "messages": [{"role": "user", "content": "hello world"}]}).to_string();
    let (status, headers, text) = send(&proxy, "/v1/messages/count_tokens", &key, &[], body.as_bytes());
    assert_eq!(status, 200, "{text}");
    assert_eq!(json_of(&text), json!({"input_tokens": 2 + 3 + 2}));
    assert_eq!(headers["x-token-count-estimated"], "true");
    assert_eq!(common::mock_upstream::mock().calls("gpt-count-upstream"), 0);

    let claude = json!({"model": "claude-count", "messages": []}).to_string();
    let (status, _, text) = send(&proxy, "/v1/messages/count_tokens", &other, &[], claude.as_bytes());
    assert_eq!((status, anthropic_error(&text).0.as_str()), (403, "permission_error"), "{text}");
    let (status, _, text) =
        send(&proxy, "/v1/messages/count_tokens", "sk-wrong-key-for-counting-0000", &[], claude.as_bytes());
    assert_eq!((status, anthropic_error(&text).0.as_str()), (401, "authentication_error"), "{text}");

    let rows: i64 = query(&proxy, "SELECT count(*) FROM spend_logs");
    assert_eq!(rows, 0);
    assert_eq!(key_spend(&proxy, &key), 0.0);
}

#[test]
fn models_are_listed_in_the_callers_dialect_and_the_probe_needs_no_key() {
    let mut config = mock_anthropic::model("claude-listed", "claude-listed");
    config += &model("gpt-listed", "gpt-listed", 0.0, 0.0);
    config += &model("gpt-hidden", "gpt-hidden", 0.0, 0.0);
    let mut key = String::new();
    let proxy = start_seeded(&config, |s| {
        key = s.key(KeySpec { models: &["claude-listed", "gpt-listed"], ..Default::default() })
    });
    let http = reqwest::blocking::Client::new();
    let anthropic: Value = http
        .get(proxy.url("/v1/models"))
        .header("x-api-key", &key)
        .header("anthropic-version", VERSION)
        .send()
        .and_then(|r| r.json())
        .expect("models");
    let ids: Vec<&str> = anthropic["data"].as_array().into_iter().flatten().filter_map(|m| m["id"].as_str()).collect();
    assert_eq!(ids, ["claude-listed", "gpt-listed"]);
    assert_eq!(anthropic["data"][0]["type"], "model");
    assert_eq!(anthropic["data"][0]["display_name"], "claude-listed");
    assert!(anthropic["data"][0]["created_at"].as_str().is_some_and(|t| t.ends_with('Z')), "{anthropic}");
    assert_eq!(
        (anthropic["has_more"].clone(), anthropic["first_id"].clone(), anthropic["last_id"].clone()),
        (json!(false), json!("claude-listed"), json!("gpt-listed"))
    );

    let (status, openai) = proxy.client(Some(&key)).get("/v1/models");
    assert_eq!(status, 200);
    assert_eq!(openai["object"], "list");
    assert_eq!(openai["data"][0]["object"], "model");
    assert_eq!(openai["data"].as_array().map(Vec::len), Some(2));

    // One model: Anthropic's shape with `anthropic-version`, OpenAI's without; hidden
    // models are not found either way.
    let one = |id: &str, anthropic: bool| {
        let mut request = http.get(proxy.url(&format!("/v1/models/{id}"))).header("x-api-key", &key);
        if anthropic {
            request = request.header("anthropic-version", VERSION);
        }
        let response = request.send().expect("model");
        (response.status().as_u16(), response.json::<Value>().unwrap_or_default())
    };
    let (status, model) = one("claude-listed", true);
    assert_eq!(
        (status, model["type"].as_str(), model["display_name"].as_str()),
        (200, Some("model"), Some("claude-listed"))
    );
    assert_eq!(one("claude-listed", false).1["object"], "model");
    let (status, refusal) = one("gpt-hidden", true);
    assert_eq!(
        (status, refusal["type"].as_str(), refusal["error"]["type"].as_str()),
        (404, Some("error"), Some("not_found_error"))
    );
    // Without the header, OpenAI's shape: `error` holds the message, no `type: "error"`.
    let (status, refusal) = one("gpt-hidden", false);
    assert!(status == 404 && refusal.get("type").is_none() && refusal["error"]["message"].is_string(), "{refusal}");

    let probe = http.head(proxy.url("/")).send().expect("probe");
    assert_eq!(probe.status().as_u16(), 200);
}
