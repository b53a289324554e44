//! Slow and hanging upstream calls end to end (`alerting_threshold`, LiteLLM's
//! `llm_too_slow` and `llm_requests_hanging`), with a tiny threshold, a mock upstream that
//! answers late and a real webhook receiver: a slow answer alerts once per deployment and
//! hour naming its key and team, a call still waiting alerts while it waits, fast calls
//! never alert, and `alert_types` is obeyed.

mod common;

use common::browser::Browser;
use common::webhook::Receiver;
use common::{MASTER_KEY, Options, Proxy};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn events(bodies: &[String], event: &str) -> Vec<Value> {
    bodies.iter().filter_map(|b| serde_json::from_str::<Value>(b).ok()).filter(|v| v["event"] == event).collect()
}

fn chat(proxy: &Proxy, key: &str, model: &str) -> u16 {
    common::post(&proxy.url("/v1/chat/completions"), key, &common::chat_body(model)).0
}

fn config(hooks: &Receiver, extra: &str, models: &[(&str, &str)]) -> String {
    let models: String = models.iter().map(|(name, upstream)| common::model(name, upstream, 0.0, 0.0)).collect();
    format!(
        "[general_settings]\nalerting = [\"webhook\", \"slack\"]\nwebhook_url = \"{}\"\nslack_webhook_url = \"{}\"\nalert_check_interval = \"1s\"\nalerting_threshold = 0.5\n{extra}\n\n{models}",
        hooks.url("/hook"),
        hooks.url("/slack"),
    )
}

#[test]
fn a_slow_answer_alerts_once_per_deployment_and_hour_naming_its_key_and_team() {
    let hooks = Receiver::start();
    // Only slow answers: the slow calls wait 2.5 s, past the threshold at several checks,
    // and must not make a hanging alert.
    let config = config(
        &hooks,
        "alert_types = [\"llm_too_slow\"]",
        &[("latency-slow", "latency-slow+delay=2500"), ("latency-quick", "latency-quick")],
    );
    let proxy = Proxy::start_with(Options { config: Some(&config), ..Default::default() });
    let admin = proxy.admin();
    let (status, team) = admin.post("/team/new", json!({"team_alias": "night-shift"}));
    assert_eq!(status, 200, "{team}");
    let (status, key) =
        admin.post("/key/generate", json!({"key_alias": "latency-ci", "team_id": team["team_id"].as_str().unwrap()}));
    assert_eq!(status, 200, "{key}");
    let key = key["key"].as_str().unwrap().to_string();

    assert_eq!(chat(&proxy, &key, "latency-quick"), 200);
    let started = Instant::now();
    assert_eq!(chat(&proxy, &key, "latency-slow"), 200);
    assert!(started.elapsed() >= Duration::from_millis(2500));
    let hook = hooks.wait_for("/hook", |b| !events(b, "llm_too_slow").is_empty());
    let slow = events(&hook, "llm_too_slow");
    assert_eq!(slow.len(), 1, "{hook:?}");
    let event = &slow[0];
    assert_eq!(event["alert_type"], "llm_too_slow");
    assert_eq!(event["model_group"], "latency-slow", "{event}");
    assert_eq!(event["key_alias"], "latency-ci", "{event}");
    assert_eq!(event["team_alias"], "night-shift", "{event}");
    assert!(!event["model_id"].as_str().unwrap_or_default().is_empty(), "{event}");
    let took = event["response_time"].as_f64().unwrap();
    assert!((2.5..10.0).contains(&took), "{event}");
    let message = event["event_message"].as_str().unwrap();
    assert!(
        message.starts_with("`Responses are slow - ") && message.contains("> Alerting threshold: 0.5s`"),
        "{message}"
    );
    assert!(!hook.iter().any(|b| b.contains("upstream-key")), "the provider key is not in the alert");
    let slack = hooks.wait_for("/slack", |b| b.iter().any(|t| t.contains("Responses are slow")));
    assert_eq!(slack.len(), 1, "{slack:?}");
    assert!(slack[0].contains("llm_too_slow") && slack[0].contains("latency-ci"), "{slack:?}");

    // Another slow answer within the hour: no second alert, however many checks pass.
    assert_eq!(chat(&proxy, &key, "latency-slow"), 200);
    std::thread::sleep(Duration::from_millis(3000));
    let hook = hooks.bodies("/hook");
    assert_eq!(events(&hook, "llm_too_slow").len(), 1, "{hook:?}");
    assert!(events(&hook, "llm_requests_hanging").is_empty(), "not in alert_types: {hook:?}");
    assert!(!hook.iter().any(|b| b.contains("latency-quick")), "a quick deployment never alerts: {hook:?}");
    let rows: i64 = common::query(&proxy, "SELECT count(*) FROM alert_outbox WHERE alert_type = 'llm_too_slow'");
    assert_eq!(rows, 2, "one alert, one row per channel");
}

#[test]
fn a_call_still_waiting_past_the_threshold_alerts_while_it_waits() {
    let hooks = Receiver::start();
    // alert_types unset: every type, slow answers too.
    let config = config(&hooks, "", &[("latency-hang", "latency-hang+delay=6000")]);
    let proxy = Proxy::start_with(Options { config: Some(&config), ..Default::default() });
    let url = proxy.url("/v1/chat/completions");
    let waiting = std::thread::spawn(move || common::post(&url, MASTER_KEY, &common::chat_body("latency-hang")).0);

    let hook = hooks.wait_for("/hook", |b| !events(b, "llm_requests_hanging").is_empty());
    assert!(!waiting.is_finished(), "the alert came while the call still waited");
    let hanging = events(&hook, "llm_requests_hanging");
    assert_eq!(hanging.len(), 1, "{hook:?}");
    let event = &hanging[0];
    assert_eq!((event["model_group"].as_str(), event["hanging_requests"].as_u64()), (Some("latency-hang"), Some(1)));
    assert!(event["longest_wait"].as_f64().unwrap() > 0.5, "{event}");
    let message = event["event_message"].as_str().unwrap();
    assert!(message.starts_with("`Requests are hanging - 0.5s+ request time`"), "{message}");
    assert!(message.contains("openai/latency-hang+delay=6000"), "{message}");

    assert_eq!(waiting.join().unwrap(), 200);
    // Once answered it is slow too; the hang is not told again within the hour.
    let hook = hooks.wait_for("/hook", |b| !events(b, "llm_too_slow").is_empty());
    assert_eq!(events(&hook, "llm_too_slow").len(), 1, "{hook:?}");
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(events(&hooks.bodies("/hook"), "llm_requests_hanging").len(), 1);

    let admin = Browser::signed_in(&proxy, "admin", MASTER_KEY);
    let page = admin.get(&proxy.url("/ui/alerts"));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Requests are hanging") && page.body.contains("Responses are slow"), "{}", page.body);
}
