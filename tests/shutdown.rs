//! Graceful shutdown: after SIGTERM the proxy takes no new connections, lets a stream in
//! flight finish, commits its spend row, and exits 0.

mod common;

use common::mock_upstream::mock;
use common::seed::KeySpec;
use common::{model, start_seeded};
use serde_json::json;
use std::time::{Duration, Instant};

#[test]
fn a_stream_in_flight_finishes_and_is_charged_after_sigterm() {
    // 30 chunks, 100 ms apart: about 3 s of streaming.
    let upstream = "drain+c=30+slow=100";
    let config = model("drain", upstream, 0.001, 0.002);
    let mut key = String::new();
    let mut proxy = start_seeded(&config, |s| key = s.key(KeySpec::default()));
    let url = proxy.url("/v1/chat/completions");
    let body = json!({"model": "drain", "stream": true, "messages": [{"role": "user", "content": "hi"}]});
    let stream = std::thread::spawn(move || {
        let response = reqwest::blocking::Client::new().post(&url).bearer_auth(&key).json(&body).send().unwrap();
        (response.status().as_u16(), response.text().unwrap())
    });
    let deadline = Instant::now() + Duration::from_secs(5);
    while mock().calls(upstream) == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(mock().calls(upstream), 1, "the stream started");
    let pid = proxy.pid();
    let _ = std::process::Command::new("kill").arg("-TERM").arg(pid.to_string()).status();

    // New connections are refused while the stream drains.
    std::thread::sleep(Duration::from_millis(300));
    let refused = reqwest::blocking::Client::new()
        .get(proxy.url("/health/liveliness"))
        .timeout(Duration::from_secs(1))
        .send()
        .is_err();
    assert!(refused, "a new connection was served after SIGTERM");

    let (status, text) = stream.join().unwrap();
    assert_eq!(status, 200);
    assert!(text.trim_end().ends_with("data: [DONE]"), "the stream was cut:\n{text}");
    assert_eq!(text.matches("tok ").count(), 30, "{text}");
    assert_eq!(proxy.terminate(), Some(0), "{}", proxy.output());

    let conn = proxy::db::Direct::open(proxy.db_path()).unwrap();
    let (rows, completion): (i64, i64) = conn
        .query_row("SELECT count(*), sum(completion_tokens) FROM spend_logs", (), |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(rows, 1, "the drained stream's spend row is committed");
    assert!(completion >= 30, "{completion}");
}
