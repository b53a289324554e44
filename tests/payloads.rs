//! Payload capture (`store_prompts_in_spend_logs`) and the time to first token, as an
//! operator and a user meet them over HTTP with the mock upstream: off, nothing is kept;
//! on (for all, or for one key or team), the bodies are kept without credentials and cut
//! at 64 KiB, shown in `/spend/logs` and the request log's detail to those who may see the
//! row, and pruned after `payload_retention_period` while the row stays. A streamed answer's
//! row records when its first chunk came.

mod common;

use common::browser::Browser;
use common::{MASTER_KEY, Options, Proxy};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// `common::model` gives every deployment this upstream key.
const UPSTREAM_KEY: &str = "upstream-key";

fn start(general: &str, models: &[(&str, &str)]) -> Proxy {
    let models: String = models
        .iter()
        .map(|(name, upstream)| common::model(name, upstream, common::PRICE_IN, common::PRICE_OUT))
        .collect();
    let config = format!("[general_settings]\n{general}\n\n{models}");
    Proxy::start_with(Options { config: Some(&config), ..Default::default() })
}

/// Sends `body` with `key` to chat; returns the status and the call id.
fn chat(proxy: &Proxy, key: &str, body: &Value) -> (u16, String) {
    let (status, headers, answer) = common::post(&proxy.url("/v1/chat/completions"), key, body);
    assert!(status == 200 || body["model"].as_str().is_some_and(|m| m.contains("echo")), "{status} {answer}");
    (status, common::header_text(&headers, "x-litellm-call-id"))
}

/// The row of `/spend/logs?request_id=` (as the admin sees it).
fn row(proxy: &Proxy, id: &str) -> Value {
    let (status, rows) = proxy.admin().get(&format!("/spend/logs?request_id={id}"));
    assert_eq!(status, 200, "{rows}");
    let rows = rows.as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 1, "{rows:?}");
    rows[0].clone()
}

fn kept(proxy: &Proxy) -> i64 {
    common::query(proxy, "SELECT count(*) FROM spend_payloads")
}

/// A new key made by the admin with `fields` (e.g. metadata, team_id).
fn new_key(proxy: &Proxy, fields: Value) -> String {
    let (status, key) = proxy.admin().post("/key/generate", fields);
    assert_eq!(status, 200, "{key}");
    key["key"].as_str().expect("a key").to_string()
}

#[test]
fn off_by_default_nothing_is_kept() {
    let proxy = start("", &[("pl-off", "pl-off")]);
    let key = new_key(&proxy, json!({}));
    let (_, id) = chat(&proxy, &key, &common::chat_body("pl-off"));
    let row = row(&proxy, &id);
    for field in ["messages", "response", "proxy_server_request"] {
        assert_eq!(row[field], json!({}), "{field}: {row}");
    }
    // Not streamed: LiteLLM's completionStartTime is the end.
    assert_eq!(row["completionStartTime"], row["endTime"], "{row}");
    assert_eq!(kept(&proxy), 0);
}

#[test]
fn on_for_everyone_the_bodies_are_kept_without_credentials_and_cut_at_64_kib() {
    let proxy = start("store_prompts_in_spend_logs = true", &[("pl-on", "pl-on"), ("pl-echo", "pl-echo+echo401")]);
    let key = new_key(&proxy, json!({}));
    let content = format!("my key is {key}; is {UPSTREAM_KEY} yours? Authorization: Bearer {key}");
    let body = json!({"model": "pl-on", "messages": [{"role": "user", "content": content}], "api_key": key});
    let (_, id) = chat(&proxy, &key, &body);
    let row = row(&proxy, &id);
    let text = row.to_string();
    assert!(!text.contains(&key) && !text.contains(UPSTREAM_KEY), "a credential was kept: {text}");
    let request = &row["proxy_server_request"];
    assert_eq!(request["model"], "pl-on", "{row}");
    assert_eq!(request["api_key"], "[redacted]");
    assert_eq!(
        row["messages"][0]["content"],
        "my key is sk-[redacted]; is [redacted] yours? Authorization: Bearer [redacted]"
    );
    assert_eq!(row["response"]["choices"][0]["message"]["content"], "tok tok tok tok tok", "{row}");
    assert_eq!(row["response"]["usage"]["prompt_tokens"], 10);
    // `/spend/logs/v2` pages leave the bodies out, as LiteLLM's do.
    let (status, page) = proxy.admin().get(&format!("/spend/logs/v2?request_id={id}"));
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["data"][0]["request_id"], id.as_str(), "{page}");
    assert!(page["data"][0].get("response").is_none() && page["data"][0].get("proxy_server_request").is_none());

    // An upstream that repeats its credential in an error: the kept answer has it replaced.
    let (status, failed) = chat(&proxy, &key, &common::chat_body("pl-echo"));
    assert_eq!(status, 401);
    let failed = self::row(&proxy, &failed);
    assert_eq!(failed["status"], "failure");
    let answer = failed["response"].to_string();
    assert!(answer.contains("Incorrect API key provided") && !answer.contains(UPSTREAM_KEY), "{answer}");

    // Over 64 KiB: the first 64 KiB, with a note, as text.
    let long = format!("{key} {}", "a".repeat(100_000));
    let body = json!({"model": "pl-on", "messages": [{"role": "user", "content": long}]});
    let (_, id) = chat(&proxy, &key, &body);
    let row = self::row(&proxy, &id);
    let request = row["proxy_server_request"].as_str().expect("a cut body is text");
    assert!(request.len() < 64 * 1024 + 100, "{}", request.len());
    assert!(request.contains("[cut by the proxy: ") && request.starts_with("{\"model\":\"pl-on\""), "{request:.200}");
    assert!(!request.contains(&key));
    assert_eq!(row["messages"], json!({}), "a cut body has no messages to show");
    assert_eq!(kept(&proxy), 3);

    // A key whose metadata says false is left out, as in LiteLLM.
    let private = new_key(&proxy, json!({"metadata": {"store_prompts_in_spend_logs": false}}));
    let (_, id) = chat(&proxy, &private, &common::chat_body("pl-on"));
    assert_eq!(self::row(&proxy, &id)["proxy_server_request"], json!({}));
    assert_eq!(kept(&proxy), 3);
}

#[test]
fn on_for_one_key_or_team_only_their_requests_are_kept() {
    let proxy = start("", &[("pl-key", "pl-key")]);
    let chosen = new_key(&proxy, json!({"metadata": {"store_prompts_in_spend_logs": true}}));
    let other = new_key(&proxy, json!({}));
    let (status, team) = proxy.admin().post("/team/new", json!({"metadata": {"store_prompts_in_spend_logs": "true"}}));
    assert_eq!(status, 200, "{team}");
    let in_team = new_key(&proxy, json!({"team_id": team["team_id"]}));
    let (_, chosen_id) = chat(&proxy, &chosen, &common::chat_body("pl-key"));
    let (_, other_id) = chat(&proxy, &other, &common::chat_body("pl-key"));
    let (_, team_id) = chat(&proxy, &in_team, &common::chat_body("pl-key"));
    assert_eq!(row(&proxy, &chosen_id)["proxy_server_request"]["model"], "pl-key");
    assert_eq!(row(&proxy, &team_id)["proxy_server_request"]["model"], "pl-key");
    assert_eq!(row(&proxy, &other_id)["proxy_server_request"], json!({}));
    assert_eq!(kept(&proxy), 2);
}

#[test]
fn kept_bodies_go_after_their_period_and_the_row_stays() {
    let general = "payload_retention_period = \"2s\"\nmaximum_spend_logs_retention_interval = \"1s\"\nstore_prompts_in_spend_logs = true";
    let proxy = start(general, &[("pl-prune", "pl-prune")]);
    let key = new_key(&proxy, json!({}));
    let (_, id) = chat(&proxy, &key, &common::chat_body("pl-prune"));
    assert_eq!(row(&proxy, &id)["proxy_server_request"]["model"], "pl-prune");
    let deadline = Instant::now() + Duration::from_secs(20);
    while kept(&proxy) > 0 {
        assert!(Instant::now() < deadline, "never pruned:\n{}", proxy.output());
        std::thread::sleep(Duration::from_millis(100));
    }
    let row = row(&proxy, &id);
    assert_eq!((row["status"].as_str(), row["response"].clone()), (Some("success"), json!({})), "{row}");
    assert!(proxy.output().contains("payload retention: deleted kept request and response bodies"));
    assert!(!proxy.output().contains("spend-log retention"), "rows have no period: they are kept");
    let settings = Browser::signed_in(&proxy, "admin", MASTER_KEY).get(&proxy.url("/ui/settings"));
    assert!(
        settings.body.contains("on: every request's bodies are kept; kept bodies are deleted after 2s"),
        "{}",
        settings.body
    );
}

fn sign_in(proxy: &Proxy, user_id: &str) -> Browser {
    let (status, body) = proxy.admin().post("/user/update", json!({"user_id": user_id, "password": "a-good-password"}));
    assert_eq!(status, 200, "{body}");
    Browser::signed_in(proxy, &format!("{user_id}@example.com"), "a-good-password")
}

fn said(phrase: &str) -> Value {
    json!({"model": "pl-ui", "messages": [{"role": "user", "content": phrase}]})
}

#[test]
fn a_user_sees_the_bodies_of_their_own_requests_only() {
    let proxy = start("store_prompts_in_spend_logs = true", &[("pl-ui", "pl-ui")]);
    let keys = common::new_users(&proxy.admin(), &[("alice", "internal_user"), ("bob", "internal_user")]);
    let (_, alice_id) = chat(&proxy, &keys[0], &said("alice-asks-about-otters"));
    let (_, bob_id) = chat(&proxy, &keys[1], &said("bob-asks-about-badgers"));
    drop(proxy.folded_db());

    let alice = sign_in(&proxy, "alice");
    let page = alice.get(&proxy.url(&format!("/ui/logs/{alice_id}")));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("id=\"request-body\"") && page.body.contains("alice-asks-about-otters"),
        "{}",
        page.body
    );
    assert!(page.body.contains("id=\"response-body\"") && page.body.contains("tok tok"));
    assert!(!page.body.contains(&keys[0]), "her key is not shown");
    let theirs = alice.get(&proxy.url(&format!("/ui/logs/{bob_id}")));
    assert_eq!(theirs.status, 404);
    assert!(!theirs.body.contains("bob-asks-about-badgers"));
    let (status, rows) = proxy.client(Some(&keys[0])).get(&format!("/spend/logs?request_id={bob_id}"));
    assert!(status != 200 || rows.as_array().is_some_and(Vec::is_empty), "{rows}");
    assert!(!rows.to_string().contains("badgers"));
    let (status, rows) = proxy.client(Some(&keys[0])).get(&format!("/spend/logs?request_id={alice_id}"));
    assert_eq!(status, 200, "{rows}");
    assert_eq!(rows[0]["messages"][0]["content"], "alice-asks-about-otters", "{rows}");

    let admin = Browser::signed_in(&proxy, "admin", MASTER_KEY);
    let page = admin.get(&proxy.url(&format!("/ui/logs/{bob_id}")));
    assert!(page.body.contains("bob-asks-about-badgers"), "{}", page.body);
}

/// The milliseconds a page shows after `label`'s `<dd>`.
fn millis_after(body: &str, label: &str) -> Option<i64> {
    let rest = &body[body.find(label)? + label.len()..];
    let rest = &rest[rest.find("<dd>")? + 4..];
    rest[..rest.find(" ms")?].replace(',', "").trim().parse().ok()
}

#[test]
fn a_streamed_answer_records_its_time_to_first_token() {
    // 40 ms before the first chunk, 30 ms between chunks.
    let proxy = start("store_prompts_in_spend_logs = true", &[("pl-stream", "pl-stream+delay=40+slow=30")]);
    let key = new_key(&proxy, json!({}));
    let mut body = common::chat_body("pl-stream");
    body["stream"] = json!(true);
    let (status, id) = chat(&proxy, &key, &body);
    assert_eq!(status, 200);
    let micros: i64 = common::query(&proxy, &format!("SELECT first_token FROM spend_rows WHERE request_id = '{id}'"));
    let total: i64 = common::query(&proxy, &format!("SELECT duration FROM spend_rows WHERE request_id = '{id}'"));
    assert!(micros >= 40_000 && micros < total, "first token {micros} µs of {total} µs");
    let row = row(&proxy, &id);
    let time = |field: &str| chrono::DateTime::parse_from_rfc3339(row[field].as_str().unwrap_or_default()).ok();
    let (start, first, end) = (time("startTime"), time("completionStartTime"), time("endTime"));
    assert!(start.is_some() && start < first && first < end, "{row}");
    assert_eq!(row["response"], json!({"object": "stream", "content": "tok tok tok tok tok "}), "{row}");

    let admin = Browser::signed_in(&proxy, "admin", MASTER_KEY);
    let page = admin.get(&proxy.url(&format!("/ui/logs/{id}")));
    let ttft = millis_after(&page.body, "Time to first token");
    assert!(ttft.is_some_and(|ms| ms >= 40 && ms <= total / 1000), "{ttft:?}\n{}", page.body);
    let list = admin.get(&proxy.url("/ui/logs"));
    let shown = format!("{} ms", ttft.unwrap_or_default());
    assert!(list.body.matches(&shown).count() >= 1, "the list shows {shown}:\n{}", list.body);
}
