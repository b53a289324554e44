//! Alerts end to end, against real receivers started by the test (a webhook server and an
//! SMTP server on loopback): a budget alert reaches the JSON webhook and the Slack-shaped
//! one once, a failing channel is retried and shown in the UI, and a restart neither
//! loses a pending alert nor sends a sent one again; deployment alerts (401/403, failures
//! in a row, cooldown); email to the budget's owner and the admins.

mod common;

use common::browser::Browser;
use common::webhook::Receiver;
use common::{MASTER_KEY, Options, Proxy};
use serde_json::{Value, json};

fn events(bodies: &[String], event: &str) -> usize {
    bodies.iter().filter(|b| serde_json::from_str::<Value>(b).is_ok_and(|v| v["event"] == event)).count()
}

fn slack_texts(bodies: &[String], needle: &str) -> usize {
    bodies
        .iter()
        .filter(|b| {
            serde_json::from_str::<Value>(b).is_ok_and(|v| v["text"].as_str().is_some_and(|t| t.contains(needle)))
        })
        .count()
}

fn chat(proxy: &Proxy, key: &str, model: &str) -> u16 {
    common::post(&proxy.url("/v1/chat/completions"), key, &common::chat_body(model)).0
}

/// Waits until `sql` (one integer) reaches `at_least` in the proxy's database.
fn wait_until(proxy: &Proxy, sql: &str, at_least: i64) -> i64 {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let value: i64 = common::query(proxy, sql);
        if value >= at_least || std::time::Instant::now() > deadline {
            return value;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn a_budget_alert_is_sent_once_across_a_restart_and_a_failing_channel_is_retried() {
    let hooks = Receiver::start();
    hooks.set_failing("/slack", true);
    let model = "alert-budget";
    let config = format!(
        "[general_settings]\nalerting = [\"webhook\", \"slack\"]\nwebhook_url = \"{}\"\nslack_webhook_url = \"{}\"\nalert_check_interval = \"1s\"\n\n{}",
        hooks.url("/hook"),
        hooks.url("/slack"),
        common::model(model, model, common::PRICE_IN, common::PRICE_OUT)
    );
    let proxy = Proxy::start_with(Options { config: Some(&config), ..Default::default() });
    let (status, key) =
        proxy.admin().post("/key/generate", json!({"key_alias": "alerted", "max_budget": 0.05, "soft_budget": 0.01}));
    assert_eq!(status, 200, "{key}");
    let key = key["key"].as_str().unwrap().to_string();
    // 0.02 spent: past the soft budget (0.01), 40% of the max budget.
    assert_eq!(chat(&proxy, &key, model), 200);
    let hook = hooks.wait_for("/hook", |b| events(b, "soft_budget_crossed") == 1);
    assert_eq!(events(&hook, "soft_budget_crossed"), 1, "{hook:?}");
    let event: Value = serde_json::from_str(&hook[0]).unwrap();
    assert_eq!((event["key_alias"].as_str(), event["soft_budget"].as_f64()), (Some("alerted"), Some(0.01)), "{event}");
    assert!(event["event_message"].as_str().unwrap().contains("passed its soft budget"), "{event}");
    assert_eq!(events(&hook, "threshold_crossed"), 0, "40% of the max budget is no threshold");

    // Slack answers 500: the alert waits for a retry, and the UI says why.
    let tried = wait_until(&proxy, "SELECT count(*) FROM alert_outbox WHERE channel = 'slack' AND attempts > 0", 1);
    assert_eq!(tried, 1);
    let admin = Browser::signed_in(&proxy, "admin", MASTER_KEY);
    let page = admin.get(&proxy.url("/ui/alerts"));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("answered 500") && page.body.contains("passed its soft budget"), "{}", page.body);
    assert!(!page.body.contains(&hooks.url("/slack")), "the webhook URL (a secret for Slack) is not shown");

    // A restart with Slack back: the pending alert goes out, the sent one does not again.
    let dir = proxy.stop();
    hooks.set_failing("/slack", false);
    let proxy = Proxy::start_with(Options { config: Some(&config), dir: Some(dir), ..Default::default() });
    let slack = hooks.wait_for("/slack", |b| slack_texts(b, "passed its soft budget") == 1);
    assert_eq!(slack_texts(&slack, "passed its soft budget"), 1, "{slack:?}");
    assert!(slack_texts(&slack, "budget_alerts") == 1, "the Slack text names the alert type: {slack:?}");
    // 0.04 spent: 80% of the max budget. The check that files it looked at the soft
    // budget again too, after the restart.
    assert_eq!(chat(&proxy, &key, model), 200);
    let hook = hooks.wait_for("/hook", |b| events(b, "threshold_crossed") == 1);
    assert_eq!(events(&hook, "threshold_crossed"), 1, "{hook:?}");
    let slack = hooks.wait_for("/slack", |b| slack_texts(b, "80%") == 1);
    assert_eq!(events(&hooks.bodies("/hook"), "soft_budget_crossed"), 1, "sent once across the restart");
    assert_eq!(slack_texts(&slack, "passed its soft budget"), 1, "{slack:?}");
    // (The receiver has the last post a moment before the proxy marks it sent.)
    let sent = wait_until(&proxy, "SELECT count(*) FROM alert_outbox WHERE status = 'sent'", 4);
    assert_eq!(sent, 4, "two alerts, two channels each");
}

#[test]
fn deployments_refused_failing_or_cooling_down_alert_the_admins() {
    let hooks = Receiver::start();
    let config = format!(
        "[general_settings]\nalerting = [\"webhook\"]\nwebhook_url = \"{}\"\nalert_check_interval = \"1s\"\nalert_deployment_failures = 2\n\n[router_settings]\nallowed_fails = 1\nnum_retries = 0\n\n{}{}",
        hooks.url("/hook"),
        common::model("alert-revoked", "alert-revoked+echo401", 0.0, 0.0),
        common::model("alert-down", "alert-down+fail500", 0.0, 0.0)
    );
    let proxy = Proxy::start_with(Options { config: Some(&config), ..Default::default() });
    assert_eq!(chat(&proxy, MASTER_KEY, "alert-revoked"), 401);
    let hook = hooks.wait_for("/hook", |b| events(b, "llm_exceptions") == 1);
    assert_eq!(events(&hook, "llm_exceptions"), 1, "{hook:?}");
    assert!(hook[0].contains("refused the proxy's credentials") && hook[0].contains("alert-revoked"), "{hook:?}");
    assert!(!hook[0].contains("upstream-key"), "the provider key is not in the alert");
    for _ in 0..2 {
        assert!(chat(&proxy, MASTER_KEY, "alert-down") >= 500);
    }
    let hook = hooks.wait_for("/hook", |b| events(b, "outage_alerts") == 1 && events(b, "cooldown_deployment") == 1);
    assert_eq!(events(&hook, "outage_alerts"), 1, "{hook:?}");
    assert_eq!(events(&hook, "cooldown_deployment"), 1, "{hook:?}");
    assert!(hook.iter().any(|b| b.contains("failed 2 times in a row (last status 500)")), "{hook:?}");
    // A second refusal within the day is not reported again; it is the revoked
    // deployment's second failure in a row, which is (and shows the check has run).
    assert_eq!(chat(&proxy, MASTER_KEY, "alert-revoked"), 401);
    let hook = hooks.wait_for("/hook", |b| events(b, "outage_alerts") == 2);
    assert!(hook.iter().any(|b| b.contains("outage_alerts") && b.contains("alert-revoked")), "{hook:?}");
    assert_eq!(events(&hook, "llm_exceptions"), 1, "{hook:?}");
}

#[test]
fn email_alerts_go_to_the_budget_s_owner_and_the_admins() {
    let (port, messages) = common::smtp::smtp_server();
    let model = "alert-mail";
    let config = format!(
        "[general_settings]\nalerting = [\"email\"]\nalert_check_interval = \"1s\"\n\n[email]\nsmtp_host = \"127.0.0.1\"\nsmtp_port = {port}\nsmtp_security = \"none\"\nsmtp_from = \"proxy@example.com\"\n\n{}",
        common::model(model, model, common::PRICE_IN, common::PRICE_OUT)
    );
    let proxy = Proxy::start_with(Options { config: Some(&config), ..Default::default() });
    let admin = proxy.admin();
    common::new_users(&admin, &[("owner", "internal_user"), ("boss", "proxy_admin"), ("other", "internal_user")]);
    let (status, key) = admin.post("/key/generate", json!({"user_id": "owner", "soft_budget": 0.01}));
    assert_eq!(status, 200, "{key}");
    assert_eq!(chat(&proxy, key["key"].as_str().unwrap(), model), 200);
    let sent = wait_until(&proxy, "SELECT count(*) FROM alert_outbox WHERE status = 'sent'", 1);
    assert_eq!(sent, 1);
    let messages = messages.lock().unwrap();
    assert_eq!(messages.len(), 1, "{messages:?}");
    let mail = &messages[0];
    assert!(mail.contains("owner@example.com") && mail.contains("boss@example.com"), "{mail}");
    assert!(!mail.contains("other@example.com"), "{mail}");
    assert!(
        mail.contains("Subject: LLM proxy alert: soft budget crossed") && mail.contains("passed its soft budget"),
        "{mail}"
    );
    // Only admins and admin viewers see the alerts page.
    let (status, _) = admin.post("/user/update", json!({"user_id": "other", "password": "a-good-password"}));
    assert_eq!(status, 200);
    let other = Browser::signed_in(&proxy, "other@example.com", "a-good-password");
    assert_eq!(other.get(&proxy.url("/ui/alerts")).status, 403);
}
