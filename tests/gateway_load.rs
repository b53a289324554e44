//! The gateway under real concurrency and failure: streams relayed with and without
//! usage, a client leaving mid-stream, `max_parallel_requests`, budgets hit by parallel
//! requests, and `kill -9` under load losing no spend row of a delivered answer.

mod common;

use common::mock_upstream::mock;
use common::seed::{KeySpec, hash};
use common::{model, post, query, start_seeded};
use serde_json::{Value, json};
use std::io::Read;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

fn chat(model: &str, stream: bool) -> Value {
    json!({"model": model, "stream": stream, "messages": [{"role": "user", "content": "hi"}]})
}

fn stream_text(url: &str, key: &str, body: &Value) -> (u16, String) {
    let response = reqwest::blocking::Client::new().post(url).bearer_auth(key).json(body).send().unwrap();
    let status = response.status().as_u16();
    (status, response.text().unwrap())
}

/// Runs `count` requests at once (released together by a barrier); returns the statuses.
fn parallel(count: usize, url: &str, key: &str, body: &Value) -> Vec<u16> {
    let barrier = Arc::new(Barrier::new(count));
    let handles: Vec<_> = (0..count)
        .map(|_| {
            let (barrier, url, key, body) = (barrier.clone(), url.to_string(), key.to_string(), body.clone());
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::new();
                barrier.wait();
                client.post(&url).bearer_auth(&key).json(&body).send().unwrap().status().as_u16()
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

#[test]
fn streams_relay_usage_only_when_asked_and_count_tokens_without_it() {
    let mut config = model("st-usage", "stream-a+p=10+c=4", 0.001, 0.002);
    config += &model("st-nousage", "stream-c+nousage+c=4", 0.001, 0.002);
    let mut key = String::new();
    let proxy = start_seeded(&config, |s| key = s.key(KeySpec { parallel: Some(1), ..Default::default() }));
    let url = proxy.url("/v1/chat/completions");

    let (status, text) = stream_text(&url, &key, &chat("st-usage", true));
    assert_eq!(status, 200);
    assert_eq!(mock().last_body("stream-a+p=10+c=4").unwrap()["stream_options"]["include_usage"], true);
    assert_eq!(text.matches("\"content\":\"tok \"").count(), 4, "{text}");
    assert!(!text.contains("prompt_tokens"), "usage chunk stripped: {text}");
    assert!(text.trim_end().ends_with("data: [DONE]"));

    let mut asked = chat("st-usage", true);
    asked["stream_options"] = json!({"include_usage": true});
    let (_, text) = stream_text(&url, &key, &asked);
    assert!(text.contains("\"prompt_tokens\":10"), "usage chunk kept when asked: {text}");

    let response = reqwest::blocking::Client::new().post(&url).bearer_auth(&key).json(&chat("st-usage", true)).send();
    let response = response.expect("stream request");
    let call_id = response.headers().get("x-litellm-call-id").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let call_id = call_id.to_string();
    assert!(response.text().unwrap_or_default().trim_end().ends_with("data: [DONE]"));
    let logged: i64 = query(&proxy, &format!("SELECT count(*) FROM spend_logs WHERE request_id = '{call_id}'"));
    assert_eq!(logged, 1, "the call id names the stream's row: {call_id:?}");

    // max_parallel_requests = 1: back-to-back streams are never refused.
    for _ in 0..5 {
        let (status, text) = stream_text(&url, &key, &chat("st-nousage", true));
        assert_eq!(status, 200, "{text}");
        assert!(text.trim_end().ends_with("data: [DONE]"));
    }
    let (prompt, completion): (i64, i64) =
        {
            proxy.folded_db().query_row(
            "SELECT prompt_tokens, completion_tokens FROM spend_logs WHERE model = 'stream-c+nousage+c=4' LIMIT 1",
            (),
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
        };
    // "tok tok tok tok " by the tokenizer; the prompt "hi" with chat framing.
    assert!((4..=8).contains(&completion), "{completion}");
    assert!((7..=12).contains(&prompt), "{prompt}");
    let rows: i64 = query(&proxy, "SELECT count(*) FROM spend_logs");
    assert_eq!(rows, 8);
}

#[test]
fn a_client_leaving_mid_stream_stops_the_upstream_and_is_charged() {
    let upstream = "leave+c=50+slow=100";
    let config = model("st-leave", upstream, 0.001, 0.002);
    let mut key = String::new();
    let proxy = start_seeded(&config, |s| key = s.key(KeySpec { parallel: Some(1), ..Default::default() }));
    let mut response = reqwest::blocking::Client::new()
        .post(proxy.url("/v1/chat/completions"))
        .bearer_auth(&key)
        .json(&chat("st-leave", true))
        .send()
        .unwrap();
    let mut received = Vec::new();
    let mut buffer = [0u8; 256];
    while received.windows(4).filter(|w| w == b"tok ").count() < 3 {
        let n = response.read(&mut buffer).unwrap();
        assert!(n > 0);
        received.extend_from_slice(&buffer[..n]);
    }
    drop(response);
    let deadline = Instant::now() + Duration::from_secs(3);
    while mock().aborted(upstream) == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(mock().aborted(upstream), 1, "the upstream stream was stopped");
    std::thread::sleep(Duration::from_millis(200));
    let completion: i64 = query(&proxy, "SELECT completion_tokens FROM spend_logs");
    assert!((3..50).contains(&completion), "charged what was generated: {completion}");
    let spend: f64 = query(&proxy, &format!("SELECT spend FROM keys WHERE token = '{}'", hash(&key)));
    assert!(spend > 0.0);
    // Its slot is free again.
    assert_eq!(post(&proxy.url("/v1/chat/completions"), &key, &chat("st-leave", false)).0, 200);
}

#[test]
fn max_parallel_requests_holds_under_concurrency() {
    let config = model("par", "par+delay=800", 0.001, 0.002);
    let mut key = String::new();
    let proxy = start_seeded(&config, |s| key = s.key(KeySpec { parallel: Some(3), ..Default::default() }));
    let statuses = parallel(10, &proxy.url("/v1/chat/completions"), &key, &chat("par", false));
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 3, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 7, "{statuses:?}");
}

#[test]
fn parallel_requests_never_refused_while_the_budget_covers_them() {
    // 10 prompt + 5 completion tokens = 0.019 a request.
    let config = model("bud", "bud+delay=200+p=10+c=5", 0.0009, 0.002);
    let (mut roomy, mut small) = Default::default();
    let proxy = start_seeded(&config, |s| {
        roomy = s.key(KeySpec { max_budget: Some(100.0), ..Default::default() });
        small = s.key(KeySpec { max_budget: Some(0.05), ..Default::default() });
    });
    let url = proxy.url("/v1/chat/completions");
    // LiteLLM 1.106 refuses 13 of these 20 (0.38 at stake of 100).
    let statuses = parallel(20, &url, &roomy, &chat("bud", false));
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    // A second request at 0.019 of 0.05 is served; refused only once spend >= budget.
    let statuses: Vec<u16> = (0..4).map(|_| post(&url, &small, &chat("bud", false)).0).collect();
    assert_eq!(statuses, vec![200, 200, 200, 400]);
}

#[test]
fn forty_parallel_requests_overshoot_a_budget_by_at_most_one_request() {
    let cost = 0.019;
    let config = model("bud40", "bud40+delay=300+p=10+c=5", 0.0009, 0.002);
    let mut key = String::new();
    let max_budget = 6.0 * cost;
    let proxy = start_seeded(&config, |s| key = s.key(KeySpec { max_budget: Some(max_budget), ..Default::default() }));
    let url = proxy.url("/v1/chat/completions");
    // One request first, so the estimate knows what this key's requests cost.
    assert_eq!(post(&url, &key, &chat("bud40", false)).0, 200);
    let statuses = parallel(40, &url, &key, &chat("bud40", false));
    let served = statuses.iter().filter(|s| **s == 200).count();
    assert!((5..=6).contains(&served), "room for 5: {statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 400), "{statuses:?}");
    let spend: f64 = query(&proxy, &format!("SELECT spend FROM keys WHERE token = '{}'", hash(&key)));
    assert!(spend <= max_budget + cost + 1e-9, "overshoot beyond one request: {spend}");
    assert!(spend >= max_budget - 1e-9, "the budget was used: {spend}");
}

/// The ledger gathers the rows of requests in flight into one commit, but only briefly: a
/// request waiting on a slow upstream must not hold back the answers of the others.
#[test]
fn a_slow_request_in_flight_does_not_hold_back_the_others() {
    let mut config = model("slow", "slow+delay=4000", 0.001, 0.002);
    config += &model("fast", "fast", 0.001, 0.002);
    let mut key = String::new();
    let proxy = start_seeded(&config, |s| key = s.key(KeySpec::default()));
    let url = proxy.url("/v1/chat/completions");
    let slow = {
        let (url, key) = (url.clone(), key.clone());
        std::thread::spawn(move || post(&url, &key, &chat("slow", false)).0)
    };
    std::thread::sleep(Duration::from_millis(300));
    for _ in 0..5 {
        let started = Instant::now();
        assert_eq!(post(&url, &key, &chat("fast", false)).0, 200);
        assert!(started.elapsed() < Duration::from_millis(1500), "held back for {:?}", started.elapsed());
    }
    assert_eq!(slow.join().unwrap(), 200);
    let rows: i64 = query(&proxy, "SELECT count(*) FROM spend_logs");
    assert_eq!(rows, 6);
}

#[test]
fn kill_9_under_load_loses_no_row_of_a_delivered_answer() {
    let config = model("kill", "kill+delay=2+p=10+c=5", 0.001, 0.002);
    let mut key = String::new();
    let proxy = start_seeded(&config, |s| key = s.key(KeySpec { max_budget: Some(1000.0), ..Default::default() }));
    let delivered = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Instant::now() + Duration::from_secs(20);
    let workers: Vec<_> = (0..6)
        .map(|_| {
            let (url, key, delivered) = (proxy.url("/v1/chat/completions"), key.clone(), delivered.clone());
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::new();
                while Instant::now() < stop {
                    let Ok(response) = client.post(&url).bearer_auth(&key).json(&chat("kill", false)).send() else {
                        break;
                    };
                    let id = response.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_string);
                    // Delivered means the whole answer arrived.
                    if response.status().as_u16() == 200 && response.bytes().is_ok() {
                        delivered.lock().unwrap().push(id.unwrap());
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    let dir = proxy.crash();
    for worker in workers {
        worker.join().unwrap();
    }
    let delivered = delivered.lock().unwrap().clone();
    assert!(delivered.len() > 50, "load ran: {}", delivered.len());
    // Rows still in the spend journal are folded by the next start.
    let restarted =
        common::Proxy::start_with(common::Options { config: Some(&config), dir: Some(dir), ..Default::default() });
    let conn = restarted.folded_db();
    for id in &delivered {
        let found: i64 =
            conn.query_row("SELECT count(*) FROM spend_logs WHERE request_id = ?1", [id], |r| r.get(0)).unwrap();
        assert_eq!(found, 1, "delivered answer {id} has no spend row");
    }
    let (logged, key_spend): (f64, f64) = conn
        .query_row("SELECT (SELECT sum(spend) FROM spend_logs), spend FROM keys WHERE token = ?1", [hash(&key)], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert!((logged - key_spend).abs() < 1e-6, "running spend matches the log: {logged} vs {key_spend}");
}
