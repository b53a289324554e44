//! Requests translated between dialects, over real HTTP against the real binary and mock
//! upstreams that speak each provider's wire format (tests/common/mock_*.rs): Anthropic's
//! Messages to an OpenAI-shaped model and to Gemini, OpenAI's chat to Anthropic and to
//! Gemini, plain and streamed, tool calls included; spend equals the usage priced; errors
//! in the caller's dialect; a Claude Code request to every provider.

mod common;

use common::seed::{KeySpec, hash};
use common::{Proxy, mock_anthropic, mock_gemini, mock_upstream, model, query, start_seeded};
use serde_json::{Value, json};

const IN: f64 = 1e-6;
const OUT: f64 = 4e-6;
const CACHE_READ: f64 = 1e-7;

/// An `anthropic/` model on the mock, priced (IN, OUT) and CACHE_READ per cached token.
fn claude(name: &str, upstream: &str) -> String {
    format!(
        "{}[model_list.model_info]\ninput_cost_per_token = {IN:?}\noutput_cost_per_token = {OUT:?}\ncache_read_input_token_cost = {CACHE_READ:?}\n\n",
        mock_anthropic::model(name, upstream)
    )
}

fn post(proxy: &Proxy, path: &str, key: &str, body: &Value) -> (u16, String) {
    let response = reqwest::blocking::Client::new()
        .post(proxy.url(path))
        .header("x-api-key", key)
        .header("anthropic-version", "2023-06-01")
        .bearer_auth(key)
        .json(body)
        .send()
        .expect("request");
    let status = response.status().as_u16();
    (status, response.text().unwrap_or_default())
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::String(text.to_string()))
}

fn spend(proxy: &Proxy, key: &str) -> f64 {
    query(proxy, &format!("SELECT spend FROM keys WHERE token = '{}'", hash(key)))
}

fn weather_tool_anthropic() -> Value {
    json!([{"name": "get_weather", "description": "The weather", "input_schema": {"type": "object", "properties": {"location": {"type": "string"}}}}])
}

fn weather_tool_openai() -> Value {
    json!([{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"location": {"type": "string"}}}}}])
}

fn messages_body(model: &str, stream: bool) -> Value {
    json!({"model": model, "max_tokens": 100, "stream": stream, "system": "Be brief.",
        "tools": weather_tool_anthropic(), "messages": [{"role": "user", "content": "Weather in Paris?"}]})
}

fn chat_body(model: &str, stream: bool) -> Value {
    json!({"model": model, "stream": stream, "stream_options": {"include_usage": true},
        "tools": weather_tool_openai(),
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Weather in Paris?"}]})
}

/// The `event:` names of an Anthropic stream, and the joined `partial_json` pieces.
fn anthropic_events(text: &str) -> (Vec<String>, String) {
    let names = text.lines().filter_map(|l| l.strip_prefix("event: ")).map(str::to_string).collect();
    let arguments = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(json_of)
        .filter_map(|e| e.pointer("/delta/partial_json").and_then(Value::as_str).map(str::to_string))
        .collect();
    (names, arguments)
}

/// The chunks of an OpenAI stream (without `[DONE]`), and whether `[DONE]` ended it.
fn openai_chunks(text: &str) -> (Vec<Value>, bool) {
    let data: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("data: ")).collect();
    let done = data.last() == Some(&"[DONE]");
    (data.iter().filter(|d| **d != "[DONE]").map(|d| json_of(d)).collect(), done)
}

fn streamed_arguments(chunks: &[Value]) -> (usize, String) {
    let pieces: Vec<String> = chunks
        .iter()
        .filter_map(|c| c.pointer("/choices/0/delta/tool_calls/0/function/arguments").and_then(Value::as_str))
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect();
    (pieces.len(), pieces.concat())
}

#[test]
fn an_anthropic_client_reaches_an_openai_model() {
    let upstream = "gpt-translated+p=30+c=7+tool";
    let mut key = String::new();
    let proxy = start_seeded(&model("gpt-x", upstream, IN, OUT), |s| key = s.key(KeySpec::default()));

    let (status, text) = post(&proxy, "/v1/messages", &key, &messages_body("gpt-x", false));
    assert_eq!(status, 200, "{text}");
    let answer = json_of(&text);
    assert_eq!(answer["type"], "message");
    assert_eq!(answer["model"], "gpt-x");
    assert_eq!(answer["content"][0], json!({"type": "text", "text": "tok tok tok tok tok tok tok"}));
    assert_eq!(answer["content"][1]["type"], "tool_use");
    assert_eq!(answer["content"][1]["input"], json!({"location": "Paris"}));
    assert_eq!(answer["stop_reason"], "tool_use");
    assert_eq!(
        (answer["usage"]["input_tokens"].as_u64(), answer["usage"]["output_tokens"].as_u64()),
        (Some(30), Some(7))
    );
    // The upstream got a chat request: the system prompt as a message, the tool as a function.
    let sent = mock_upstream::mock().last_body(upstream).unwrap_or_default();
    assert_eq!(sent["messages"][0], json!({"role": "system", "content": "Be brief."}));
    assert_eq!(sent["tools"][0]["function"]["name"], "get_weather");
    assert_eq!(sent["max_tokens"], 100);

    let (status, text) = post(&proxy, "/v1/messages", &key, &messages_body("gpt-x", true));
    assert_eq!(status, 200, "{text}");
    let (names, arguments) = anthropic_events(&text);
    assert_eq!(names.first().map(String::as_str), Some("message_start"));
    assert_eq!(names.last().map(String::as_str), Some("message_stop"));
    assert!(names.iter().any(|n| n == "message_delta"), "{names:?}");
    // The arguments came as deltas, as the upstream sent them.
    assert_eq!(text.matches("\"input_json_delta\"").count(), 3, "{text}");
    assert_eq!(json_of(&arguments), json!({"location": "Paris"}));
    assert!(text.contains(r#""stop_reason":"tool_use""#), "{text}");
    assert_eq!(mock_upstream::mock().calls(upstream), 2);

    let one = 30.0 * IN + 7.0 * OUT;
    assert!((spend(&proxy, &key) - 2.0 * one).abs() < 1e-12, "{}", spend(&proxy, &key));
    let rows: i64 = query(
        &proxy,
        "SELECT COUNT(*) FROM spend_logs WHERE call_type = 'anthropic_messages' AND prompt_tokens = 30 AND completion_tokens = 7",
    );
    assert_eq!(rows, 2);
}

#[test]
fn an_openai_client_reaches_a_claude_model() {
    let upstream = "claude-translated+i=12+cr=100+o=9+tool";
    let mut key = String::new();
    let proxy = start_seeded(&claude("claude-x", upstream), |s| key = s.key(KeySpec::default()));
    let anthropic = mock_anthropic::mock();

    let (status, _, answer) = common::post(&proxy.url("/v1/chat/completions"), &key, &chat_body("claude-x", false));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["object"], "chat.completion");
    assert_eq!(answer["choices"][0]["message"]["content"], "Hello from the mock.");
    let call = &answer["choices"][0]["message"]["tool_calls"][0];
    assert_eq!((call["id"].as_str(), call["function"]["name"].as_str()), (Some("toolu_01"), Some("get_weather")));
    assert_eq!(json_of(call["function"]["arguments"].as_str().unwrap_or_default()), json!({"location": "Paris"}));
    assert_eq!(answer["choices"][0]["finish_reason"], "tool_calls");
    assert_eq!(answer["usage"]["prompt_tokens"], 112);
    assert_eq!(answer["usage"]["prompt_tokens_details"]["cached_tokens"], 100);
    // Anthropic got its own dialect, its headers and the max_tokens it requires.
    let sent: Value = serde_json::from_slice(&anthropic.last_body(upstream).unwrap_or_default()).unwrap_or_default();
    assert_eq!(sent["system"][0]["text"], "Be brief.");
    assert_eq!(sent["tools"][0]["input_schema"]["type"], "object");
    assert_eq!(sent["max_tokens"], 4096);
    assert_eq!(anthropic.last_header(upstream, "anthropic-version"), vec!["2023-06-01"]);

    let (status, text) = post(&proxy, "/v1/chat/completions", &key, &chat_body("claude-x", true));
    assert_eq!(status, 200, "{text}");
    let (chunks, done) = openai_chunks(&text);
    assert!(done, "{text}");
    let (pieces, arguments) = streamed_arguments(&chunks);
    assert_eq!(pieces, 3, "{text}");
    assert_eq!(json_of(&arguments), json!({"location": "Paris"}));
    let finish: Vec<&str> = chunks.iter().filter_map(|c| c.pointer("/choices/0/finish_reason")?.as_str()).collect();
    assert_eq!(finish, ["tool_calls"]);
    let usage = chunks.iter().find_map(|c| c.get("usage").filter(|u| !u.is_null())).cloned().unwrap_or_default();
    assert_eq!((usage["prompt_tokens"].as_u64(), usage["completion_tokens"].as_u64()), (Some(112), Some(9)));

    // The cached tokens cost the model's cache price, not the input price.
    let one = 12.0 * IN + 100.0 * CACHE_READ + 9.0 * OUT;
    assert!((spend(&proxy, &key) - 2.0 * one).abs() < 1e-12, "{}", spend(&proxy, &key));
}

#[test]
fn both_dialects_reach_a_gemini_model() {
    let upstream = "gemini-2.5-flash+p=40+cached=10+c=6+tool";
    let mut key = String::new();
    let proxy = start_seeded(&mock_gemini::model("gemini-x", upstream, (IN, OUT)), |s| key = s.key(KeySpec::default()));
    let gemini = mock_gemini::mock();

    let (status, _, answer) = common::post(&proxy.url("/v1/chat/completions"), &key, &chat_body("gemini-x", false));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["choices"][0]["message"]["content"], "Hello from Gemini.");
    assert_eq!(answer["choices"][0]["finish_reason"], "tool_calls");
    let call = &answer["choices"][0]["message"]["tool_calls"][0];
    assert_eq!(json_of(call["function"]["arguments"].as_str().unwrap_or_default()), json!({"location": "Paris"}));
    let sent = gemini.last_body(upstream).unwrap_or_default();
    assert_eq!(sent["systemInstruction"]["parts"][0]["text"], "Be brief.");
    assert_eq!(sent["contents"][0], json!({"role": "user", "parts": [{"text": "Weather in Paris?"}]}));
    assert_eq!(sent["tools"][0]["functionDeclarations"][0]["name"], "get_weather");

    // The client sends the call back with its result: Gemini gets the call (and its
    // signature, carried in the id) and the result under the function's name.
    let mut follow_up = chat_body("gemini-x", false);
    let messages = follow_up["messages"].as_array_mut().expect("messages");
    messages.push(json!({"role": "assistant", "content": null, "tool_calls": [call]}));
    messages.push(json!({"role": "tool", "tool_call_id": call["id"], "content": "Sunny"}));
    let (status, _, answer) = common::post(&proxy.url("/v1/chat/completions"), &key, &follow_up);
    assert_eq!(status, 200, "{answer}");
    let sent = gemini.last_body(upstream).unwrap_or_default();
    assert_eq!(sent["contents"][1]["parts"][0]["functionCall"]["name"], "get_weather");
    assert_eq!(sent["contents"][1]["parts"][0]["thoughtSignature"], "c2lnbmVk");
    assert_eq!(
        sent["contents"][2]["parts"][0]["functionResponse"],
        json!({"name": "get_weather", "response": {"content": "Sunny"}})
    );

    let (status, text) = post(&proxy, "/v1/chat/completions", &key, &chat_body("gemini-x", true));
    assert_eq!(status, 200, "{text}");
    let (chunks, done) = openai_chunks(&text);
    assert!(done, "{text}");
    let content: String =
        chunks.iter().filter_map(|c| c.pointer("/choices/0/delta/content")?.as_str()).collect::<Vec<_>>().concat();
    assert_eq!(content, "Hello from Gemini.");
    let (_, arguments) = streamed_arguments(&chunks);
    assert_eq!(json_of(&arguments), json!({"location": "Paris"}));

    let (status, text) = post(&proxy, "/v1/messages", &key, &messages_body("gemini-x", true));
    assert_eq!(status, 200, "{text}");
    let (names, arguments) = anthropic_events(&text);
    assert_eq!(names.last().map(String::as_str), Some("message_stop"));
    assert_eq!(json_of(&arguments), json!({"location": "Paris"}));

    let (status, text) = post(&proxy, "/v1/messages", &key, &messages_body("gemini-x", false));
    assert_eq!(status, 200, "{text}");
    let answer = json_of(&text);
    assert_eq!(answer["usage"]["input_tokens"], 30);
    assert_eq!(answer["usage"]["cache_read_input_tokens"], 10);
    assert_eq!(gemini.calls(upstream), 5);

    let one = 40.0 * IN + 6.0 * OUT;
    assert!((spend(&proxy, &key) - 5.0 * one).abs() < 1e-12, "{}", spend(&proxy, &key));
}

/// A request as Claude Code sends it, thinking, cache marks, tools with `$schema` and a
/// field no other provider knows (`context_management`) included.
fn claude_code_body(model: &str) -> Value {
    json!({"model": model, "max_tokens": 32000, "stream": true, "temperature": 1,
        "system": [{"type": "text", "text": "You are Claude Code, Anthropic's official CLI for Claude.", "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": [{"type": "text", "text": "fix the failing test", "cache_control": {"type": "ephemeral"}}]}],
        "tools": [{"name": "Bash", "description": "Executes a given bash command", "input_schema": {"type": "object",
            "properties": {"command": {"type": "string"}}, "required": ["command"], "additionalProperties": false,
            "$schema": "http://json-schema.org/draft-07/schema#"}}],
        "metadata": {"user_id": "user_2f6c_account__session_6f1c0b9e"},
        "thinking": {"type": "enabled", "budget_tokens": 31999},
        "context_management": {"edits": [{"type": "clear_tool_uses_20250919"}]}})
}

#[test]
fn a_claude_code_request_goes_to_every_provider() {
    let mut config = model("cc-gpt", "cc-gpt-up", IN, OUT);
    config += &mock_gemini::model("cc-gemini", "cc-gemini-up", (IN, OUT));
    let mut key = String::new();
    let proxy = start_seeded(&config, |s| key = s.key(KeySpec::default()));
    let client = reqwest::blocking::Client::new();
    for name in ["cc-gpt", "cc-gemini"] {
        let response = client
            .post(proxy.url("/v1/messages?beta=true"))
            .header("x-api-key", &key)
            .header("anthropic-version", "2023-06-01")
            .header(
                "anthropic-beta",
                "claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27",
            )
            .header("x-claude-code-session-id", "6f1c0b9e-6a43")
            .json(&claude_code_body(name))
            .send()
            .expect("request");
        assert_eq!(response.status().as_u16(), 200, "{name}");
        let text = response.text().unwrap_or_default();
        let (names, _) = anthropic_events(&text);
        assert_eq!(names.first().map(String::as_str), Some("message_start"), "{name}: {text}");
        assert_eq!(names.last().map(String::as_str), Some("message_stop"), "{name}: {text}");
    }
    let openai = mock_upstream::mock().last_body("cc-gpt-up").unwrap_or_default();
    assert_eq!(openai["tools"][0]["function"]["name"], "Bash");
    assert_eq!(openai["user"], "user_2f6c_account__session_6f1c0b9e");
    assert!(openai.get("context_management").is_none() && openai.get("thinking").is_none(), "{openai}");
    let gemini = mock_gemini::mock().last_body("cc-gemini-up").unwrap_or_default();
    assert_eq!(gemini["generationConfig"]["thinkingConfig"]["thinkingBudget"], 31999);
    assert_eq!(gemini["tools"][0]["functionDeclarations"][0]["parametersJsonSchema"]["required"][0], "command");
    let sessions: i64 = query(&proxy, "SELECT COUNT(*) FROM spend_logs WHERE session_id = '6f1c0b9e-6a43'");
    assert_eq!(sessions, 2);
}

#[test]
fn errors_come_in_the_callers_dialect_and_untranslatable_requests_change_nothing() {
    let mut config = model("busy-gpt", "busy-gpt-up+fail429", IN, OUT);
    config += &model("plain-gpt", "plain-gpt-up", IN, OUT);
    config +=
        "[[model_list]]\nmodel_name = \"bad-gemini\"\n[model_list.litellm_params]\nmodel = \"gemini/bad-gemini-up\"\n";
    config += &format!("api_base = \"{}\"\napi_key = \"wrong-key\"\n\n", mock_gemini::mock().base);
    let mut key = String::new();
    let proxy = start_seeded(&config, |s| key = s.key(KeySpec::default()));

    // An OpenAI upstream's 429 reaches an Anthropic client as Anthropic's rate_limit_error.
    let (status, text) = post(&proxy, "/v1/messages", &key, &messages_body("busy-gpt", false));
    assert_eq!(status, 429, "{text}");
    let error = json_of(&text);
    assert_eq!((error["type"].as_str(), error["error"]["type"].as_str()), (Some("error"), Some("rate_limit_error")));
    assert!(error["error"]["message"].as_str().unwrap_or_default().contains("mock fail429"), "{error}");

    // Gemini refusing the upstream key reaches an OpenAI client in OpenAI's shape.
    let (status, _, answer) = common::post(&proxy.url("/v1/chat/completions"), &key, &chat_body("bad-gemini", false));
    assert_eq!(status, 403, "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap_or_default().contains("API key not valid"), "{answer}");

    // Anthropic's server tools cannot run elsewhere: refused before anything is sent.
    let mut body = messages_body("plain-gpt", false);
    body["tools"] = json!([{"type": "web_search_20250305", "name": "web_search"}]);
    let (status, text) = post(&proxy, "/v1/messages", &key, &body);
    assert_eq!(status, 400, "{text}");
    assert_eq!(json_of(&text)["error"]["type"], "invalid_request_error");
    assert_eq!(mock_upstream::mock().calls("plain-gpt-up"), 0);
    // Embeddings have no counterpart at Gemini.
    let (status, _, answer) =
        common::post(&proxy.url("/v1/embeddings"), &key, &json!({"model": "bad-gemini", "input": "x"}));
    assert_eq!(status, 400, "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap_or_default().contains("no counterpart"), "{answer}");
    assert_eq!(mock_gemini::mock().calls("bad-gemini-up"), 1);
    assert_eq!(spend(&proxy, &key), 0.0);
}

#[test]
fn the_official_clients_reach_models_of_the_other_dialect() {
    let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv/bin/python");
    assert!(python.exists(), "missing {}: see tests/anthropic_client.rs", python.display());
    let mut config = claude("sdk-claude", "sdk-claude-up+i=11+o=6+tool");
    config += &mock_gemini::model("sdk-gemini", "sdk-gemini-up+p=20+c=4+tool", (IN, OUT));
    config += &model("sdk-gpt", "sdk-gpt-up+p=15+c=5+tool", IN, OUT);
    let mut key = String::new();
    let proxy = start_seeded(&config, |s| key = s.key(KeySpec::default()));
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/translated_clients.py");
    let output = std::process::Command::new(python)
        .arg(script)
        .env_clear()
        .env("PROXY_URL", proxy.url(""))
        .env("PROXY_KEY", &key)
        .env("CLAUDE", "sdk-claude")
        .env("GEMINI", "sdk-gemini")
        .env("GPT", "sdk-gpt")
        .output()
        .expect("python runs");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{text}");
    assert!(text.contains("8 passed, 0 failed"), "{text}");
    // Spend is each call's usage priced: 2 Claude, 4 Gemini, 2 OpenAI-shaped calls.
    let expected = 2.0 * (11.0 * IN + 6.0 * OUT) + 4.0 * (20.0 * IN + 4.0 * OUT) + 2.0 * (15.0 * IN + 5.0 * OUT);
    assert!((spend(&proxy, &key) - expected).abs() < 1e-12, "{} vs {expected}", spend(&proxy, &key));
}
