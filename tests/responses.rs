//! OpenAI's Responses API through the gateway, over real HTTP against the real binary and
//! the mock upstream (tests/common/mock_upstream.rs, mock_responses.rs): relayed to an
//! upstream that has the API (counted as `responses:<model>`), translated to a chat-only
//! one (counted as `<model>`), Codex's recorded request as a valid event stream, the
//! spend rows (`aresponses`) and the key's spend, chained responses and who may read
//! them, and Codex's WebSocket attempt. The official Python client's run is in
//! tests/responses_client.rs.

mod common;

use common::mock_upstream::mock;
use common::seed::{KeySpec, hash};
use common::{MASTER_KEY, PRICE_IN, PRICE_OUT, Proxy, post, query, start_seeded};
use serde_json::{Value, json};

/// A `[[model_list]]` entry on the mock upstream, priced as the gateway tests price.
fn entry(name: &str, upstream: &str, api_base: &str, info: &str) -> String {
    format!(
        "[[model_list]]\nmodel_name = \"{name}\"\n[model_list.litellm_params]\nmodel = \"openai/{upstream}\"\napi_base = \"{api_base}\"\napi_key = \"upstream-key\"\n[model_list.model_info]\ninput_cost_per_token = {PRICE_IN:?}\noutput_cost_per_token = {PRICE_OUT:?}\n{info}\n"
    )
}

fn start(config: &str) -> (Proxy, String, String) {
    let (mut first, mut second) = (String::new(), String::new());
    let proxy = start_seeded(config, |s| {
        first = s.key(KeySpec { max_budget: Some(10.0), ..Default::default() });
        second = s.key(KeySpec { max_budget: Some(10.0), ..Default::default() });
    });
    (proxy, first, second)
}

/// Every spend row of `key` costs its priced tokens, and the key's spend is their sum.
fn assert_spend_is_priced_usage(proxy: &Proxy, key: &str, rows: i64) {
    let key = hash(key);
    let counted: i64 = query(
        proxy,
        &format!(
            "SELECT count(*) FROM spend_logs WHERE api_key = '{key}' AND call_type = 'aresponses' AND status = 'success'"
        ),
    );
    assert_eq!(counted, rows);
    let mispriced: i64 = query(
        proxy,
        &format!(
            "SELECT count(*) FROM spend_logs WHERE api_key = '{key}' AND abs(spend - (prompt_tokens * {PRICE_IN:?} + completion_tokens * {PRICE_OUT:?})) > 1e-12"
        ),
    );
    assert_eq!(mispriced, 0);
    let logged: f64 = query(proxy, &format!("SELECT sum(spend) FROM spend_logs WHERE api_key = '{key}'"));
    let spend: f64 = query(proxy, &format!("SELECT spend FROM keys WHERE token = '{key}'"));
    assert!(logged > 0.0 && (spend - logged).abs() < 1e-12, "key spend {spend}, logged {logged}");
}

/// The events of a server-sent stream: (event name, data as JSON).
fn events(text: &str) -> Vec<(String, Value)> {
    text.split("\n\n")
        .filter(|e| !e.trim().is_empty())
        .map(|event| {
            let name = event.lines().find_map(|l| l.strip_prefix("event: ")).unwrap_or_default().to_string();
            let data = event.lines().find_map(|l| l.strip_prefix("data: ")).unwrap_or_default();
            (name, serde_json::from_str(data).unwrap_or(Value::Null))
        })
        .collect()
}

fn stream(proxy: &Proxy, key: &str, body: &Value) -> (u16, String) {
    let response =
        reqwest::blocking::Client::new().post(proxy.url("/v1/responses")).bearer_auth(key).json(body).send().unwrap();
    (response.status().as_u16(), response.text().unwrap_or_default())
}

/// A stream as the Responses API documents it: numbered from 0 without gaps, opened by
/// `response.created`, every item added before its deltas and done after, and ended by
/// `response.completed`; returns the final response.
fn assert_valid_stream(events: &[(String, Value)]) -> Value {
    for (n, (name, data)) in events.iter().enumerate() {
        assert_eq!(data["type"], name.as_str(), "{data}");
        assert_eq!(data["sequence_number"], n, "{data}");
    }
    assert_eq!(events[0].0, "response.created");
    let mut open = std::collections::BTreeSet::new();
    for (name, data) in events {
        let index = data["output_index"].as_u64();
        match name.as_str() {
            "response.output_item.added" => assert!(open.insert(index), "{data}"),
            "response.output_item.done" => assert!(open.remove(&index), "{data}"),
            n if n.ends_with(".delta") => assert!(open.contains(&index), "{data}"),
            _ => {}
        }
    }
    assert!(open.is_empty());
    let (name, last) = events.last().unwrap();
    assert_eq!(name, "response.completed");
    last["response"].clone()
}

#[test]
fn an_upstream_with_the_responses_api_gets_the_request_as_it_is() {
    let upstream = "resp-relay+p=12+c=4+cr=2";
    let config = entry("resp-relay", upstream, &mock().api_base(), "supports_responses_api = true");
    let (proxy, key, _) = start(&config);
    let body = json!({"model": "resp-relay", "input": "hi", "previous_response_id": "resp_openai_1", "new_field": 1});
    let (status, headers, answer) = post(&proxy.url("/v1/responses"), &key, &body);
    assert_eq!(status, 200, "{answer}");
    assert!(answer["id"].as_str().unwrap().starts_with("resp_mock_"), "the upstream's answer, as it came: {answer}");
    assert_eq!(mock().calls(&format!("responses:{upstream}")), 1);
    assert_eq!(mock().calls(upstream), 0, "no chat call");
    let sent = mock().last_body(&format!("responses:{upstream}")).unwrap();
    assert_eq!(sent["model"], upstream);
    assert_eq!((sent["previous_response_id"].as_str(), sent["new_field"].as_i64()), (Some("resp_openai_1"), Some(1)));
    // 12 input tokens of which 2 cached (priced as input: no cache price here), 4 output.
    let cost: f64 = common::header_text(&headers, "x-litellm-response-cost").parse().unwrap();
    assert!((cost - (12.0 * PRICE_IN + 4.0 * PRICE_OUT)).abs() < 1e-12, "{cost}");

    let (status, text) = stream(&proxy, &key, &json!({"model": "resp-relay", "input": "hi", "stream": true}));
    assert_eq!(status, 200, "{text}");
    let sent = events(&text);
    let last = sent.last().unwrap();
    assert_eq!(last.0, "response.completed", "the upstream's final event comes last");
    assert_eq!(last.1["response"]["usage"]["output_tokens"], 4);
    assert!(mock().last_body(&format!("responses:{upstream}")).unwrap().get("stream_options").is_none());
    assert_eq!(mock().calls(&format!("responses:{upstream}")), 2);
    assert_spend_is_priced_usage(&proxy, &key, 2);
    // OpenAI keeps its own responses, the gateway none of their content (tests/responses_relay.rs).
    assert_eq!(query::<i64>(&proxy, "SELECT count(*) FROM responses"), 0);
}

#[test]
fn a_chat_only_upstream_gets_it_translated_and_the_answer_is_kept_for_its_key() {
    let upstream = "resp-bridge+c=3";
    let (proxy, key, other) = start(&entry("resp-bridge", upstream, &mock().api_base(), ""));
    let body = json!({"model": "resp-bridge", "instructions": "Be brief.", "input": "hi", "max_output_tokens": 50});
    let (status, headers, answer) = post(&proxy.url("/v1/responses"), &key, &body);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(mock().calls(upstream), 1);
    assert_eq!(mock().calls(&format!("responses:{upstream}")), 0);
    let sent = mock().last_body(upstream).unwrap();
    assert_eq!(
        sent["messages"],
        json!([{"role": "system", "content": "Be brief."}, {"role": "user", "content": [{"type": "text", "text": "hi"}]}])
    );
    assert_eq!(sent["max_tokens"], 50);
    let id = answer["id"].as_str().unwrap().to_string();
    assert_eq!(id, format!("resp_{}", common::header_text(&headers, "x-litellm-call-id")));
    assert_eq!((answer["object"].as_str(), answer["status"].as_str()), (Some("response"), Some("completed")));
    assert_eq!(answer["output"][0]["content"][0]["text"], "tok tok tok");
    assert_eq!(
        (answer["usage"]["input_tokens"].as_u64(), answer["usage"]["output_tokens"].as_u64()),
        (Some(10), Some(3))
    );

    // Kept: its key reads it, a proxy admin too, another key does not learn it exists.
    let (status, kept) = proxy.client(Some(&key)).get(&format!("/v1/responses/{id}"));
    assert_eq!((status, &kept["output"]), (200, &answer["output"]));
    assert_eq!(proxy.client(Some(MASTER_KEY)).get(&format!("/v1/responses/{id}")).0, 200);
    let (status, refused) = proxy.client(Some(&other)).get(&format!("/v1/responses/{id}"));
    assert_eq!(status, 404, "{refused}");
    assert_eq!(proxy.client(Some(&other)).get(&format!("/responses/{id}/input_items")).0, 404);
    // Nor may it continue from it: to a translated model, the id names nothing.
    let follow = json!({"model": "resp-bridge", "previous_response_id": id, "input": "and?"});
    let (status, _, refused) = post(&proxy.url("/v1/responses"), &other, &follow);
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["error"]["param"], "previous_response_id");
    let failures: i64 = query(
        &proxy,
        &format!(
            "SELECT count(*) FROM spend_logs WHERE api_key = '{}' AND status = 'failure' AND call_type = 'aresponses'",
            hash(&other)
        ),
    );
    assert_eq!(failures, 1);
    assert_eq!(mock().calls(upstream), 1, "a refused request reaches no upstream");

    // Its own key continues the conversation: the model sees the whole of it.
    let (status, _, next) = post(&proxy.url("/v1/responses"), &key, &follow);
    assert_eq!(status, 200, "{next}");
    let sent = mock().last_body(upstream).unwrap();
    let roles: Vec<&str> = sent["messages"].as_array().unwrap().iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["user", "assistant", "user"], "{sent}");
    assert_eq!(sent["messages"][1]["content"], "tok tok tok");
    let (status, items) =
        proxy.client(Some(&key)).get(&format!("/v1/responses/{}/input_items", next["id"].as_str().unwrap()));
    assert_eq!(status, 200);
    assert_eq!(items["data"].as_array().map(Vec::len), Some(3), "{items}");

    // `store: false` keeps nothing; a deleted response is gone.
    let (_, _, unkept) =
        post(&proxy.url("/v1/responses"), &key, &json!({"model": "resp-bridge", "input": "x", "store": false}));
    assert_eq!(proxy.client(Some(&key)).get(&format!("/v1/responses/{}", unkept["id"].as_str().unwrap())).0, 404);
    let deleted = reqwest::blocking::Client::new()
        .delete(proxy.url(&format!("/v1/responses/{id}")))
        .bearer_auth(&other)
        .send()
        .unwrap();
    assert_eq!(deleted.status().as_u16(), 404, "another key cannot delete it");
    let deleted = reqwest::blocking::Client::new()
        .delete(proxy.url(&format!("/v1/responses/{id}")))
        .bearer_auth(&key)
        .send()
        .unwrap();
    assert_eq!(deleted.status().as_u16(), 200);
    assert_eq!(deleted.json::<Value>().unwrap(), json!({"id": id, "object": "response", "deleted": true}));
    assert_eq!(proxy.client(Some(&key)).get(&format!("/v1/responses/{id}")).0, 404);
    assert_spend_is_priced_usage(&proxy, &key, 3);
}

#[test]
fn a_streamed_translation_is_the_documented_event_sequence() {
    let upstream = "resp-bridge-stream+c=4";
    let (proxy, key, _) = start(&entry("resp-bridge-stream", upstream, &mock().api_base(), ""));
    let (status, text) = stream(&proxy, &key, &json!({"model": "resp-bridge-stream", "input": "hi", "stream": true}));
    assert_eq!(status, 200, "{text}");
    let sent = events(&text);
    let done = assert_valid_stream(&sent);
    let deltas: String = sent
        .iter()
        .filter(|(name, _)| name == "response.output_text.delta")
        .map(|(_, d)| d["delta"].as_str().unwrap())
        .collect();
    assert_eq!(deltas, "tok tok tok tok ");
    assert_eq!(done["usage"]["output_tokens"], 4);
    assert_eq!(done["output"][0]["content"][0]["text"], "tok tok tok tok ");
    // Kept before the stream ended.
    assert_eq!(proxy.client(Some(&key)).get(&format!("/v1/responses/{}", done["id"].as_str().unwrap())).0, 200);
    assert_spend_is_priced_usage(&proxy, &key, 1);
}

/// The body Codex sends (recorded from Codex CLI, instructions and tools shortened).
fn codex_request(model: &str) -> Value {
    json!({
        "model": model,
        "instructions": "You are Codex, based on GPT-5. You are running as a coding agent in the Codex CLI on a user's computer.",
        "input": [
            {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "<permissions instructions>Filesystem sandboxing: workspace-write.</permissions instructions>"}]},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "<environment_context>\n  <cwd>/home/dev/project</cwd>\n  <shell>bash</shell>\n</environment_context>"}]},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "list the files"}]},
            {"type": "reasoning", "summary": [{"type": "summary_text", "text": "Listing files"}], "content": null, "encrypted_content": "gAAAAABo-opaque"},
            {"type": "function_call", "name": "shell", "arguments": "{\"command\":[\"bash\",\"-lc\",\"ls\"],\"workdir\":\"/home/dev/project\"}", "call_id": "call_abc123"},
            {"type": "function_call_output", "call_id": "call_abc123", "output": "{\"output\":\"Cargo.toml\\nsrc\\n\",\"metadata\":{\"exit_code\":0,\"duration_seconds\":0.1}}"},
        ],
        "tools": [
            {"type": "function", "name": "shell", "description": "Runs a shell command and returns its output.", "strict": false,
             "parameters": {"type": "object", "properties": {"command": {"type": "array", "items": {"type": "string"}}, "workdir": {"type": "string"}}, "required": ["command"], "additionalProperties": false}},
            {"type": "custom", "name": "apply_patch", "description": "Use the `apply_patch` tool to edit files.",
             "format": {"type": "grammar", "syntax": "lark", "definition": "start: begin_patch hunk+ end_patch"}},
            {"type": "web_search"},
        ],
        "tool_choice": "auto",
        "parallel_tool_calls": false,
        "reasoning": {"effort": "medium", "summary": "auto"},
        "store": false,
        "stream": true,
        "include": ["reasoning.encrypted_content"],
        "prompt_cache_key": "0199a7c2-6f0e-7d31-9f55-1b2a3c4d5e6f",
        "text": {"verbosity": "medium"},
    })
}

#[test]
fn codexs_request_to_a_chat_only_upstream_comes_back_as_a_valid_stream() {
    let upstream = "resp-codex+c=2";
    let (proxy, key, _) = start(&entry("gpt-5-codex", upstream, &mock().api_base(), ""));
    // Codex first tries a WebSocket: told at once to use HTTP.
    let upgrade = reqwest::blocking::Client::new()
        .get(proxy.url("/v1/responses"))
        .bearer_auth(&key)
        .header("connection", "Upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .unwrap();
    assert_eq!(upgrade.status().as_u16(), 426);

    let (status, text) = stream(&proxy, &key, &codex_request("gpt-5-codex"));
    assert_eq!(status, 200, "{text}");
    let done = assert_valid_stream(&events(&text));
    assert_eq!(done["output"][0]["content"][0]["text"], "tok tok ");
    assert_eq!(done["usage"]["output_tokens"], 2);
    assert_eq!(mock().calls(upstream), 1);
    let sent = mock().last_body(upstream).unwrap();
    let roles: Vec<&str> = sent["messages"].as_array().unwrap().iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["system", "user", "assistant", "tool"], "{sent}");
    assert!(sent["messages"][0]["content"].as_str().unwrap().contains("Filesystem sandboxing"));
    assert_eq!(sent["messages"][2]["tool_calls"][0]["id"], "call_abc123");
    let tools: Vec<&str> =
        sent["tools"].as_array().unwrap().iter().map(|t| t["function"]["name"].as_str().unwrap()).collect();
    assert_eq!(tools, ["shell", "apply_patch"], "the hosted web_search tool is dropped");
    assert_eq!(sent["parallel_tool_calls"], false);
    for field in ["store", "include", "prompt_cache_key", "reasoning", "text", "instructions", "input"] {
        assert!(sent.get(field).is_none(), "{field} is not a chat field: {sent}");
    }
    // `store: false`: nothing kept.
    assert_eq!(query::<i64>(&proxy, "SELECT count(*) FROM responses"), 0);
    assert_spend_is_priced_usage(&proxy, &key, 1);
}

#[test]
fn azure_deployments_relay_to_the_resources_responses_api() {
    let config = format!(
        "[[model_list]]\nmodel_name = \"resp-azure\"\n[model_list.litellm_params]\nmodel = \"azure/resp-azure-deployment\"\napi_base = \"{}\"\napi_key = \"azure-key\"\napi_version = \"2025-03-01-preview\"\n[model_list.model_info]\ninput_cost_per_token = {PRICE_IN:?}\noutput_cost_per_token = {PRICE_OUT:?}\n",
        mock().base
    );
    let (proxy, key, _) = start(&config);
    let (status, _, answer) = post(&proxy.url("/v1/responses"), &key, &json!({"model": "resp-azure", "input": "hi"}));
    assert_eq!(status, 200, "{answer}");
    assert!(answer["id"].as_str().unwrap().starts_with("resp_mock_"), "{answer}");
    assert_eq!(mock().calls("responses:resp-azure-deployment"), 1, "the deployment is named as `model`");
    assert_eq!(
        mock().last_credential("responses:resp-azure-deployment").as_deref(),
        Some("azure-key"),
        "no Bearer: Azure's api-key"
    );
    assert_spend_is_priced_usage(&proxy, &key, 1);
}

#[test]
fn kept_responses_go_with_the_spend_logs() {
    let upstream = "resp-retention";
    let config = format!(
        "[general_settings]\nmaximum_spend_logs_retention_period = \"30d\"\nmaximum_spend_logs_retention_interval = \"1s\"\n\n{}",
        entry("resp-retention", upstream, &mock().api_base(), "")
    );
    let mut key = String::new();
    let proxy = start_seeded(&config, |s| {
        key = s.key(KeySpec { max_budget: Some(10.0), ..Default::default() });
        let old =
            (chrono::Utc::now() - chrono::Duration::days(40)).to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        s.conn
            .execute(
                "INSERT INTO responses (id, api_key, created_at, response, input_items) VALUES ('resp_old', ?1, ?2, '{}', '[]')",
                proxy::params![hash(&key), old],
            )
            .unwrap();
    });
    let (status, _, answer) =
        post(&proxy.url("/v1/responses"), &key, &json!({"model": "resp-retention", "input": "hi"}));
    assert_eq!(status, 200, "{answer}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while query::<i64>(&proxy, "SELECT count(*) FROM responses WHERE id = 'resp_old'") > 0
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(proxy.client(Some(&key)).get("/v1/responses/resp_old").0, 404, "the old response is gone");
    assert_eq!(proxy.client(Some(&key)).get(&format!("/v1/responses/{}", answer["id"].as_str().unwrap())).0, 200);
}
