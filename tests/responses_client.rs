//! The official `openai` Python client's Responses API against the proxy
//! (tests/python/responses_client.py), through chat-only upstreams: plain, streamed, with
//! function tools, chained, retrieved and deleted; then the spend on the key is the priced
//! usage of every call. It runs the venv at `target/test-venv` (see tests/openai_client.rs).

mod common;

use common::mock_upstream::mock;
use common::seed::{KeySpec, hash};
use common::{PRICE_IN, PRICE_OUT, query, start_seeded};
use std::path::Path;
use std::process::Command;

fn entry(name: &str, upstream: &str, api_base: &str) -> String {
    format!(
        "[[model_list]]\nmodel_name = \"{name}\"\n[model_list.litellm_params]\nmodel = \"openai/{upstream}\"\napi_base = \"{api_base}\"\napi_key = \"upstream-key\"\n[model_list.model_info]\ninput_cost_per_token = {PRICE_IN:?}\noutput_cost_per_token = {PRICE_OUT:?}\n\n"
    )
}

#[test]
fn the_official_openai_client_speaks_the_responses_api() {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv/bin/python");
    assert!(
        python.exists(),
        "missing {}: python3 -m venv target/test-venv && target/test-venv/bin/pip install -r tests/python/requirements.txt",
        python.display()
    );
    let mut config = entry("py-resp", "py-resp+c=3", &mock().api_base());
    config += &entry("py-resp-tools", "py-resp-tools", &format!("{}/tools/v1", mock().base));
    let mut key = String::new();
    let proxy = start_seeded(&config, |s| key = s.key(KeySpec { max_budget: Some(10.0), ..Default::default() }));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/responses_client.py");
    let output = Command::new(python)
        .arg(script)
        .env_clear()
        .env("PROXY_URL", proxy.url("/v1"))
        .env("PROXY_KEY", &key)
        .env("MODEL", "py-resp")
        .env("TOOL_MODEL", "py-resp-tools")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{text}\n{}", proxy.output());
    assert!(text.contains("5 passed, 0 failed"), "{text}");

    // The chained question reached the chat upstream with the whole conversation.
    let sent = mock().last_body("py-resp+c=3").unwrap();
    assert_eq!(sent["messages"].as_array().map(Vec::len), Some(3), "{sent}");
    assert_eq!(sent["messages"][1], serde_json::json!({"role": "assistant", "content": "tok tok tok"}));
    // So did the tool's result, after the call it answers.
    let sent = mock().last_body("py-resp-tools").unwrap();
    let roles: Vec<&str> = sent["messages"].as_array().unwrap().iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["user"], "the last call was the streamed one: {sent}");

    // Seven model calls, each charged its priced tokens; the key's spend is their sum.
    let key = hash(&key);
    let rows: i64 = query(
        &proxy,
        &format!(
            "SELECT count(*) FROM spend_logs WHERE api_key = '{key}' AND call_type = 'aresponses' AND status = 'success'"
        ),
    );
    assert_eq!(rows, 7);
    let priced: f64 = query(
        &proxy,
        &format!(
            "SELECT sum(prompt_tokens * {PRICE_IN:?} + completion_tokens * {PRICE_OUT:?}) FROM spend_logs WHERE api_key = '{key}'"
        ),
    );
    let spend: f64 = query(&proxy, &format!("SELECT spend FROM keys WHERE token = '{key}'"));
    assert!(priced > 0.0 && (spend - priced).abs() < 1e-12, "spend {spend}, priced {priced}");
}
