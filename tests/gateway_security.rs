//! The gateway's part of the security review (issue 12): spend rows named by the server,
//! upstream keys kept out of relayed and stored errors, `api_base` credentials masked
//! wherever a deployment is shown. The real binary, the mock upstream, seeded keys.

mod common;

use common::mock_upstream::mock;
use common::seed::{KeySpec, hash};
use common::{COST, PRICE_IN, PRICE_OUT, chat_body as chat, header_text as header, model, query, start_seeded};

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

/// Finding 11a: an upstream that echoes the request's `Authorization` header in its error
/// handed the deployment's key to the key's owner (in the relayed error) and to anyone who
/// reads the spend logs (in the failure row) or the health check.
#[test]
fn an_upstream_error_that_echoes_the_key_is_relayed_and_stored_without_it() {
    let upstream = "sec-echo+echo401";
    let config = model("sec-echo", upstream, PRICE_IN, PRICE_OUT);
    let mut key = String::new();
    let proxy = start_seeded(&config, |s| {
        s.user("cam", "internal_user", None, &[]);
        key = s.key(KeySpec { user_id: Some("cam"), ..Default::default() });
    });
    let (status, _, error) = common::post(&proxy.url("/v1/chat/completions"), &key, &chat("sec-echo"));
    assert_eq!(status, 401, "{error}");
    assert_eq!(mock().last_credential(upstream).as_deref(), Some("Bearer upstream-key"), "the key was sent");
    let message = error["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("Incorrect API key provided") && message.contains("[redacted]"), "{error}");
    assert!(!error.to_string().contains("upstream-key"), "relayed: {error}");

    let (status, rows) = proxy.client(Some(&key)).get("/spend/logs?status_filter=failure");
    assert_eq!(status, 200, "{rows}");
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "{rows}");
    let stored = rows[0]["metadata"]["error_information"]["error_message"].as_str().unwrap_or_default();
    assert!(stored.contains("[redacted]"), "{rows}");
    assert!(!rows.to_string().contains("upstream-key"), "stored: {rows}");

    let (status, health) = proxy.admin().get("/health");
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["unhealthy_count"], 1, "{health}");
    assert!(!health.to_string().contains("upstream-key"), "health: {health}");
}

/// Finding 11b: a password in `api_base` was shown on every page and answer that names a
/// deployment, and in the logs. It is masked everywhere now, and requests still reach the
/// upstream with the deployment's key.
#[test]
fn a_password_in_api_base_is_shown_nowhere() {
    const SECRET: &str = "hunter2-base-secret";
    let base = format!("{}/v1", mock().base.replacen("http://", &format!("http://sec-user:{SECRET}@"), 1));
    let upstream = "sec-base+p=10+c=5";
    let config = format!(
        "[[model_list]]\nmodel_name = \"sec-base\"\n[model_list.litellm_params]\nmodel = \"openai/{upstream}\"\napi_base = \"{base}\"\napi_key = \"upstream-key\"\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let key = {
        let seed = common::seed::Seed::new(dir.path());
        seed.user("dee", "internal_user", None, &[]);
        seed.key(KeySpec { user_id: Some("dee"), ..Default::default() })
    };
    // Debug logs too: the HTTP client's connection pool logs each upstream's address.
    let proxy = common::Proxy::start_with(common::Options {
        config: Some(&config),
        dir: Some(dir),
        env: vec![("RUST_LOG", "debug".into())],
        ..Default::default()
    });
    let (status, _, answer) = common::post(&proxy.url("/v1/chat/completions"), &key, &chat("sec-base"));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(mock().last_credential(upstream).as_deref(), Some("Bearer upstream-key"));
    let masked = "http://sec-user:****@";

    let (status, health) = proxy.admin().get("/health");
    assert_eq!(status, 200, "{health}");
    let health = health.to_string();
    assert!(health.contains(masked) && !health.contains(SECRET), "{health}");

    let (status, rows) = proxy.admin().get("/spend/logs");
    assert_eq!(status, 200, "{rows}");
    assert!(rows[0]["api_base"].as_str().is_some_and(|b| b.starts_with(masked)), "{rows}");
    assert!(!rows.to_string().contains(SECRET), "{rows}");
    let stored: String = query(&proxy, "SELECT api_base FROM spend_logs");
    assert!(stored.starts_with(masked), "stored masked, not only shown masked: {stored}");

    let admin = common::browser::Browser::signed_in(&proxy, "admin", common::MASTER_KEY);
    for path in ["/ui/models", "/ui/settings"] {
        let page = admin.get(&proxy.url(path));
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        assert!(page.body.contains("sec-user:****@") && !page.body.contains(SECRET), "{path}: {}", page.body);
    }
    let checked = common::command(proxy.dir.path()).arg("check-config").output().unwrap();
    let printed = String::from_utf8_lossy(&checked.stdout);
    assert!(checked.status.success(), "{printed}");
    assert!(printed.contains(masked) && !printed.contains(SECRET), "{printed}");

    let log = proxy.output();
    assert!(log.contains("DEBUG"), "debug logs were on");
    assert!(!log.contains(SECRET), "{log}");
}
