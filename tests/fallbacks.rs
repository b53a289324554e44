//! Fallbacks and retries, LiteLLM's way, over real HTTP against the real binary and the mock
//! upstream: configured fallbacks after a group's retries, context-window fallbacks, the
//! request's own list and retries, LiteLLM's test hooks, the answer headers, one failure row
//! per failed group, and no fallback to a model the key may not use.

mod common;

use common::seed::{KeySpec, hash};
use common::{Proxy, header_text, mock_upstream::mock, model, post, query, start_seeded};
use serde_json::json;

const IN: f64 = 1e-6;
const OUT: f64 = 2e-6;

/// The models, their upstream names tagged per test: tests share the mock and its counts.
fn config(router: &str, tag: &str) -> String {
    let mut config = format!("[router_settings]\nnum_retries = 1\n{router}\n");
    config += &model("primary", &format!("{tag}-primary+fail500"), IN, OUT);
    config += &model("too-short", &format!("{tag}-short+toolong"), IN, OUT);
    config += &model("healthy", &format!("{tag}-healthy"), IN, OUT);
    config += &model("backup", &format!("{tag}-backup+p=3+c=2"), IN, OUT);
    config += &model("long-context", &format!("{tag}-long+p=30+c=4"), IN, OUT);
    config
}

fn chat(proxy: &Proxy, key: &str, body: serde_json::Value) -> (u16, reqwest::header::HeaderMap, serde_json::Value) {
    post(&proxy.url("/v1/chat/completions"), key, &body)
}

fn rows(proxy: &Proxy, status: &str, group: &str) -> i64 {
    query(proxy, &format!("SELECT COUNT(*) FROM spend_logs WHERE status = '{status}' AND model_group = '{group}'"))
}

#[test]
fn a_failing_group_falls_back_after_its_retries() {
    let router =
        "fallbacks = [{ primary = [\"backup\"] }]\ncontext_window_fallbacks = [{ too-short = [\"long-context\"] }]";
    let (mut key, mut narrow) = Default::default();
    let proxy = start_seeded(&config(router, "fa"), |s| {
        key = s.key(KeySpec::default());
        narrow = s.key(KeySpec { models: &["primary"], ..Default::default() });
    });

    let (status, headers, answer) =
        chat(&proxy, &key, json!({"model": "primary", "messages": [{"role": "user", "content": "hi"}]}));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["usage"]["prompt_tokens"], 3);
    assert_eq!(header_text(&headers, "x-litellm-model-group"), "backup");
    assert_eq!(header_text(&headers, "x-litellm-attempted-fallbacks"), "1");
    assert_eq!(header_text(&headers, "x-litellm-attempted-retries"), "0");
    // The first group was tried once and retried once, then left for its fallback.
    assert_eq!(mock().calls("fa-primary+fail500"), 2);
    assert_eq!(mock().calls("fa-backup+p=3+c=2"), 1);
    let all: String =
        query(&proxy, "SELECT group_concat(status || ':' || model_group || ':' || model, ',') FROM spend_logs");
    assert_eq!((rows(&proxy, "failure", "primary"), rows(&proxy, "success", "backup")), (1, 1), "{all}");
    let spend: f64 = query(&proxy, &format!("SELECT spend FROM keys WHERE token = '{}'", hash(&key)));
    assert!((spend - (3.0 * IN + 2.0 * OUT)).abs() < 1e-12, "{spend}");

    // A prompt too long for its group goes to the group with the longer context window.
    let (status, headers, answer) =
        chat(&proxy, &key, json!({"model": "too-short", "messages": [{"role": "user", "content": "hi"}]}));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(header_text(&headers, "x-litellm-model-group"), "long-context");
    // A 400 is no reason to retry the same group.
    assert_eq!(mock().calls("fa-short+toolong"), 1);

    // A key that may not use the fallback gets the first group's failure; the fallback is
    // not called for it.
    let before = mock().calls("fa-backup+p=3+c=2");
    let (status, headers, answer) =
        chat(&proxy, &narrow, json!({"model": "primary", "messages": [{"role": "user", "content": "hi"}]}));
    assert_eq!(status, 500, "{answer}");
    assert!(header_text(&headers, "x-litellm-attempted-fallbacks").is_empty());
    assert_eq!(mock().calls("fa-backup+p=3+c=2"), before);
}

#[test]
fn a_request_names_its_own_fallbacks_retries_and_test_hooks() {
    let mut key = String::new();
    let mut models = config("", "fb");
    for n in 1..=6 {
        models += &model(&format!("broken-{n}"), &format!("fb-broken-{n}+fail500"), IN, OUT);
    }
    let proxy = start_seeded(&models, |s| key = s.key(KeySpec::default()));
    let hello = json!([{"role": "user", "content": "hi"}]);

    // LiteLLM's hook fails the first group without calling it; the request's list is used.
    let (status, headers, answer) = chat(
        &proxy,
        &key,
        json!({"model": "healthy", "messages": hello, "mock_testing_fallbacks": true, "fallbacks": ["backup"], "timeout": 30}),
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(header_text(&headers, "x-litellm-model-group"), "backup");
    assert_eq!(header_text(&headers, "x-litellm-attempted-fallbacks"), "1");
    assert_eq!(header_text(&headers, "x-litellm-timeout"), "30");
    assert_eq!(mock().calls("fb-healthy"), 0);
    // The routing fields never reach the upstream.
    let sent = mock().last_body("fb-backup+p=3+c=2").unwrap_or_default();
    assert!(
        sent.get("fallbacks").is_none()
            && sent.get("mock_testing_fallbacks").is_none()
            && sent.get("timeout").is_none(),
        "{sent}"
    );

    // The request's own retries: none at all.
    let (status, _, _) = chat(&proxy, &key, json!({"model": "primary", "messages": hello, "num_retries": 0}));
    assert_eq!(status, 500);
    assert_eq!(mock().calls("fb-primary+fail500"), 1);

    // Streams fall back too (before the first byte).
    let (status, headers, answer) = chat(
        &proxy,
        &key,
        json!({"model": "primary", "messages": hello, "stream": true, "fallbacks": ["backup"], "num_retries": 0}),
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(header_text(&headers, "x-litellm-model-group"), "backup");

    // A request's own list is tried for at most five groups: each is an upstream call.
    let mut many: Vec<String> = (1..=6).map(|n| format!("broken-{n}")).collect();
    many.push("backup".into());
    let before = mock().calls("fb-backup+p=3+c=2");
    let (status, _, answer) = chat(
        &proxy,
        &key,
        json!({"model": "healthy", "messages": hello, "mock_testing_fallbacks": true, "fallbacks": many, "num_retries": 0}),
    );
    assert_eq!(status, 500, "{answer}");
    let tried: Vec<usize> = (1..=6).map(|n| mock().calls(&format!("fb-broken-{n}+fail500"))).collect();
    assert_eq!(tried, [1, 1, 1, 1, 1, 0]);
    assert_eq!(mock().calls("fb-backup+p=3+c=2"), before);

    // Bad routing fields are refused and nothing is sent.
    for bad in [json!({"fallbacks": "backup"}), json!({"num_retries": -1}), json!({"timeout": 0})] {
        let mut body = json!({"model": "healthy", "messages": hello});
        body.as_object_mut().expect("object").extend(bad.as_object().cloned().unwrap_or_default());
        let (status, _, answer) = chat(&proxy, &key, body);
        assert_eq!(status, 400, "{answer}");
    }
    assert_eq!(mock().calls("fb-healthy"), 0);
}

#[test]
fn a_stream_timeout_bounds_the_wait_for_a_stream_to_start() {
    let config = model("slow-start", "st-slow+delay=3000", IN, OUT) + &model("quick", "st-quick", IN, OUT);
    let mut key = String::new();
    let proxy = start_seeded(&config, |s| key = s.key(KeySpec::default()));
    let hello = json!([{"role": "user", "content": "hi"}]);
    let started = std::time::Instant::now();
    let (status, _, answer) =
        chat(&proxy, &key, json!({"model": "slow-start", "messages": hello, "stream": true, "stream_timeout": 0.3}));
    assert_eq!(status, 408, "{answer}");
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "did not wait for the upstream");
    // A stream that starts in time runs to its end.
    let (status, _, answer) =
        chat(&proxy, &key, json!({"model": "quick", "messages": hello, "stream": true, "stream_timeout": 5}));
    assert_eq!(status, 200, "{answer}");
    assert!(answer.as_str().is_some_and(|text| text.contains("[DONE]")), "{answer}");
    let (status, _, answer) =
        chat(&proxy, &key, json!({"model": "quick", "messages": hello, "stream_timeout": "soon"}));
    assert_eq!((status, answer["error"]["param"].as_str()), (400, Some("stream_timeout")), "{answer}");
}
