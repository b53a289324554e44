//! The gateway's part of the security review (issue 12): spend rows named by the server,
//! upstream keys kept out of relayed and stored errors, `api_base` credentials masked
//! wherever a deployment is shown. The real binary, the mock upstream, seeded keys.

mod common;

use common::mock_upstream::mock;
use common::seed::{KeySpec, hash};
use common::{model, query, start_seeded};
use serde_json::{Value, json};

const PRICE_IN: f64 = 0.001;
const PRICE_OUT: f64 = 0.002;
/// 10 prompt and 5 completion tokens at the prices above.
const COST: f64 = 0.02;

fn chat(model: &str) -> Value {
    json!({"model": model, "messages": [{"role": "user", "content": "hi"}]})
}

fn header(headers: &reqwest::header::HeaderMap, name: &str) -> String {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

/// Finding 7: the spend row was keyed by the client's `x-request-id` and inserted with
/// `OR IGNORE`, so a second request with the same id (anyone's) was charged but never
/// logged. Now each row has its own server-made id and both are found by the client's id.
#[test]
fn a_reused_client_request_id_hides_no_row() {
    let config = model("sec-reuse", "sec-reuse+p=10+c=5", PRICE_IN, PRICE_OUT);
    let (mut ann, mut bob) = (String::new(), String::new());
    let proxy = start_seeded(&config, |s| {
        s.user("ann", "internal_user", None, &[]);
        s.user("bob", "internal_user", None, &[]);
        ann = s.key(KeySpec { user_id: Some("ann"), ..Default::default() });
        bob = s.key(KeySpec { user_id: Some("bob"), ..Default::default() });
    });
    let http = reqwest::blocking::Client::new();
    let send = |key: &str| {
        let response = http
            .post(proxy.url("/v1/chat/completions"))
            .bearer_auth(key)
            .header("x-request-id", "shared-id")
            .json(&chat("sec-reuse"))
            .send()
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(header(response.headers(), "x-request-id"), "shared-id", "the client's id is echoed");
        header(response.headers(), "x-litellm-call-id")
    };
    let calls = [send(&ann), send(&bob)];
    assert!(calls[0] != calls[1] && !calls[0].contains("shared-id"), "{calls:?}");

    let (status, rows) = proxy.admin().get("/spend/logs?request_id=shared-id");
    assert_eq!(status, 200, "{rows}");
    let mut users: Vec<&str> = rows.as_array().unwrap().iter().filter_map(|r| r["user"].as_str()).collect();
    users.sort();
    assert_eq!(users, ["ann", "bob"], "both rows are logged: {rows}");

    for (key, user, call) in [(&ann, "ann", &calls[0]), (&bob, "bob", &calls[1])] {
        let (status, own) = proxy.client(Some(key)).get("/spend/logs?request_id=shared-id");
        assert_eq!(status, 200, "{own}");
        let own = own.as_array().cloned().unwrap_or_default();
        assert_eq!(own.len(), 1, "{user} sees only their own row: {own:?}");
        assert_eq!((own[0]["user"].as_str(), own[0]["request_id"].as_str()), (Some(user), Some(call.as_str())));
        let (_, by_call) = proxy.client(Some(key)).get(&format!("/spend/logs?request_id={call}"));
        assert_eq!(by_call.as_array().map(Vec::len), Some(1), "the call id names the row: {by_call}");
        let spend: f64 = query(&proxy, &format!("SELECT spend FROM keys WHERE token = '{}'", hash(key)));
        let logged: f64 = query(&proxy, &format!("SELECT sum(spend) FROM spend_logs WHERE api_key = '{}'", hash(key)));
        assert!((spend - COST).abs() < 1e-9 && (logged - spend).abs() < 1e-9, "{user}: {spend} vs {logged}");
    }
    assert_eq!(mock().calls("sec-reuse+p=10+c=5"), 2);
}
