//! The gateway as a client meets it: the real binary, a real mock upstream, keys seeded
//! into the database. Routes, error shapes, model access, budgets, rate limits, retries,
//! cooldown, providers, mock responses, health and the spend reports.

mod common;

use common::mock_upstream::mock;
use common::seed::{KeySpec, hash};
use common::{COST, PRICE_IN, PRICE_OUT, chat_body as chat, header_text as header, model, post, query, start_seeded};
use serde_json::{Value, json};

#[test]
fn chat_is_forwarded_charged_logged_and_reported() {
    let upstream = "basic-a+p=10+c=5";
    let config = model("gw-basic", upstream, PRICE_IN, PRICE_OUT);
    let mut key = String::new();
    let proxy = start_seeded(&config, |s| {
        s.user("alice", "internal_user", None, &[]);
        key = s.key(KeySpec {
            user_id: Some("alice"),
            max_budget: Some(10.0),
            alias: Some("alice-key"),
            ..Default::default()
        });
    });
    let mut body = chat("gw-basic");
    body["x_unknown_field"] = json!({"kept": true});
    let (status, headers, answer) = post(&proxy.url("/v1/chat/completions"), &key, &body);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["choices"][0]["message"]["content"], "tok tok tok tok tok");
    assert_eq!(answer["system_fingerprint"], "mock-fp", "the upstream body is passed through");
    let sent = mock().last_body(upstream).unwrap();
    assert_eq!(sent["model"], upstream, "model rewritten to the deployment's");
    assert_eq!(sent["x_unknown_field"]["kept"], true, "unknown fields forwarded");
    assert_eq!(mock().last_credential(upstream).unwrap(), "Bearer upstream-key");
    let cost: f64 = header(&headers, "x-litellm-response-cost").parse().unwrap();
    assert!((cost - COST).abs() < 1e-9, "{cost}");
    let spend: f64 = header(&headers, "x-litellm-key-spend").parse().unwrap();
    assert!((spend - COST).abs() < 1e-9);
    let request_id = header(&headers, "x-request-id");
    assert!(!request_id.is_empty());

    // Without /v1 as well; the spend is in the database as soon as the answer is.
    let (status, _, _) = post(&proxy.url("/chat/completions"), &key, &chat("gw-basic"));
    assert_eq!(status, 200);
    assert_eq!(mock().calls(upstream), 2);
    let stored: f64 = query(&proxy, &format!("SELECT spend FROM keys WHERE token = '{}'", hash(&key)));
    assert!((stored - 2.0 * COST).abs() < 1e-9, "{stored}");
    let user: f64 = query(&proxy, "SELECT spend FROM users WHERE user_id = 'alice'");
    assert!((user - 2.0 * COST).abs() < 1e-9);

    // The spend log: the key's own rows, by clear key or hash, and by request id.
    let (status, rows) = proxy.client(Some(&key)).get(&format!("/spend/logs?api_key={key}"));
    assert_eq!(status, 200, "{rows}");
    assert_eq!(rows.as_array().unwrap().len(), 2);
    let (_, rows) = proxy.admin().get(&format!("/spend/logs?request_id={request_id}"));
    let row = &rows[0];
    assert_eq!(row["api_key"], hash(&key));
    assert_eq!(row["user"], "alice");
    assert_eq!(row["model_group"], "gw-basic");
    assert_eq!(row["model"], upstream);
    assert_eq!(row["prompt_tokens"], 10);
    assert_eq!(row["completion_tokens"], 5);
    assert_eq!(row["status"], "success");
    let (_, page) = proxy.admin().get("/spend/logs/v2?user_id=alice&page_size=1");
    assert_eq!(page["total"], 2);
    assert_eq!(page["total_pages"], 2);
    assert_eq!(page["data"].as_array().unwrap().len(), 1);

    // Usage per day, and the global report for admins only.
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let (status, activity) =
        proxy.client(Some(&key)).get(&format!("/user/daily/activity?start_date={today}&end_date={today}"));
    assert_eq!(status, 200, "{activity}");
    assert_eq!(activity["metadata"]["total_api_requests"], 2);
    assert_eq!(activity["metadata"]["total_prompt_tokens"], 20);
    let day = &activity["results"][0];
    assert_eq!(day["date"], today);
    assert_eq!(day["breakdown"]["api_keys"][hash(&key)]["metadata"]["key_alias"], "alice-key");
    assert_eq!(day["breakdown"]["models"]["gw-basic"]["metrics"]["api_requests"], 2);
    let (status, _) = proxy.client(Some(&key)).get("/user/daily/activity?start_date=2026-01-01");
    assert_eq!(status, 400, "end_date is required");
    let (status, _) = proxy.client(Some(&key)).get("/global/spend/report");
    assert_eq!(status, 401);
    let (status, report) =
        proxy.admin().get(&format!("/global/spend/report?start_date={today}&end_date={today}&group_by=api_key"));
    assert_eq!(status, 200, "{report}");
    assert_eq!(report[0]["api_keys"][0]["api_key"], hash(&key));
}

#[test]
fn errors_have_openai_shape() {
    let config = model("gw-errors", "errors-a", PRICE_IN, PRICE_OUT);
    let mut key = String::new();
    let proxy = start_seeded(&config, |s| key = s.key(KeySpec::default()));
    let url = proxy.url("/v1/chat/completions");
    let raw = reqwest::blocking::Client::new().post(&url).bearer_auth(&key).body("{not json").send().unwrap();
    assert_eq!(raw.status().as_u16(), 400);
    let body: Value = raw.json().unwrap();
    assert_eq!(body["error"]["code"], "400");
    assert!(
        body["error"]["message"].is_string()
            && body["error"].get("type").is_some()
            && body["error"].get("param").is_some()
    );

    let (status, _, body) = post(&url, &key, &json!({"messages": []}));
    assert_eq!((status, body["error"]["param"].as_str()), (400, Some("model")));
    let (status, _, body) = post(&url, &key, &chat("no-such-model"));
    assert_eq!(status, 400);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("no-such-model") && message.contains("gw-errors"), "{message}");

    let (status, _, body) = post(&url, "sk-unknown-key-123", &chat("gw-errors"));
    assert_eq!((status, body["error"]["type"].as_str()), (401, Some("token_not_found_in_db")));
    assert_eq!(body["error"]["code"], "401");
    let response = reqwest::blocking::Client::new().post(&url).json(&chat("gw-errors")).send().unwrap();
    assert_eq!(response.status().as_u16(), 401);
    // The Azure, Anthropic and Google SDKs' headers carry keys too.
    for header in ["api-key", "x-api-key", "x-goog-api-key"] {
        let response =
            reqwest::blocking::Client::new().post(&url).header(header, &key).json(&chat("gw-errors")).send().unwrap();
        assert_eq!(response.status().as_u16(), 200, "{header}");
    }
    assert_eq!(mock().calls("errors-a"), 3, "refused requests never reach the upstream");
}

#[test]
fn model_access_aliases_and_wildcards() {
    let mut config = String::from("[litellm_settings.model_group_alias]\n\"gw-group-alias\" = \"gw-a\"\n\n");
    config += &model("gw-a", "access-a", PRICE_IN, PRICE_OUT);
    config += &model("gw-b", "access-b", PRICE_IN, PRICE_OUT);
    config += &format!(
        "[[model_list]]\nmodel_name = \"mockai/*\"\n[model_list.litellm_params]\nmodel = \"openai/*\"\napi_base = \"{}\"\n\n",
        mock().api_base()
    );
    let (mut only_a, mut team_key, mut personal, mut everything, mut aliased) = Default::default();
    let proxy = start_seeded(&config, |s| {
        s.user("bob", "internal_user", None, &["gw-b"]);
        s.team("team-a", None, &["gw-a"]);
        s.team("team-blocked", None, &[]);
        s.block_team("team-blocked");
        only_a = s.key(KeySpec { models: &["gw-a"], ..Default::default() });
        team_key = s.key(KeySpec { team_id: Some("team-a"), ..Default::default() });
        personal = s.key(KeySpec { user_id: Some("bob"), ..Default::default() });
        everything = s.key(KeySpec { models: &["all-proxy-models"], ..Default::default() });
        aliased =
            s.key(KeySpec { models: &["gw-a"], aliases: Some(json!({"my-model": "gw-a"})), ..Default::default() });
    });
    let url = proxy.url("/v1/chat/completions");
    let refused = |key: &str, model: &str, kind: &str| {
        let (status, _, body) = post(&url, key, &chat(model));
        assert_eq!((status, body["error"]["type"].as_str().unwrap_or_default()), (403, kind), "{model}: {body}");
    };
    refused(&only_a, "gw-b", "key_model_access_denied");
    refused(&team_key, "gw-b", "team_model_access_denied");
    refused(&personal, "gw-a", "user_model_access_denied");
    assert_eq!(post(&url, &only_a, &chat("gw-a")).0, 200);
    assert_eq!(post(&url, &team_key, &chat("gw-a")).0, 200);
    assert_eq!(post(&url, &personal, &chat("gw-b")).0, 200);
    assert_eq!(post(&url, &everything, &chat("gw-b")).0, 200);
    assert_eq!(post(&url, &aliased, &chat("my-model")).0, 200, "key alias");
    assert_eq!(post(&url, &everything, &chat("gw-group-alias")).0, 200, "model_group_alias");
    assert_eq!(mock().calls("access-a"), 4);

    let (status, _, body) = post(&url, &everything, &chat("mockai/wild-x+c=2"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(mock().calls("wild-x+c=2"), 1, "the wildcard's match goes upstream");

    let ids = |key: &str| -> Vec<String> {
        let (_, list) = proxy.client(Some(key)).get("/v1/models");
        list["data"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(ids(&only_a), vec!["gw-a"]);
    let all = ids(&everything);
    assert!(
        all.contains(&"gw-a".into()) && all.contains(&"gw-b".into()) && all.contains(&"gw-group-alias".into()),
        "{all:?}"
    );
    let (_, list) = proxy.client(Some(&personal)).get("/models");
    assert_eq!(list["object"], "list");
    assert_eq!(proxy.client(Some(&only_a)).get("/v1/models/gw-a").0, 200);
    assert_eq!(proxy.client(Some(&only_a)).get("/v1/models/gw-b").0, 404);
}

#[test]
fn budgets_refuse_at_the_limit_with_the_configured_status() {
    let mut config = String::from("[litellm_settings]\nbudget_exceeded_status_code = 422\n\n");
    config += &model("gw-budget", "budget-a", PRICE_IN, PRICE_OUT);
    let mut keys = Vec::new();
    let proxy = start_seeded(&config, |s| {
        s.user("carol", "internal_user", Some(1.0), &[]);
        s.user("dave", "internal_user", None, &[]);
        s.team("rich", Some(100.0), &[]);
        s.team("poor", Some(1.0), &[]);
        s.member("rich", "dave", Some(0.5));
        s.conn.execute("UPDATE users SET spend = 1.0 WHERE user_id = 'carol'", ()).unwrap();
        s.conn.execute("UPDATE teams SET spend = 1.0 WHERE team_id = 'poor'", ()).unwrap();
        s.conn.execute("UPDATE team_memberships SET spend = 0.5 WHERE user_id = 'dave'", ()).unwrap();
        keys.push(("key", s.key(KeySpec { max_budget: Some(1.0), spend: 1.0, ..Default::default() })));
        keys.push(("user", s.key(KeySpec { user_id: Some("carol"), ..Default::default() })));
        keys.push(("team", s.key(KeySpec { team_id: Some("poor"), ..Default::default() })));
        keys.push(("member", s.key(KeySpec { team_id: Some("rich"), user_id: Some("dave"), ..Default::default() })));
        keys.push(("below", s.key(KeySpec { max_budget: Some(1.0), spend: 0.99, ..Default::default() })));
        // Past its reset time: counts as spent 0 and is reset.
        keys.push((
            "reset",
            s.key(KeySpec {
                max_budget: Some(1.0),
                spend: 5.0,
                budget_duration: Some("1d"),
                budget_reset_at: Some("2020-01-01T00:00:00.000000Z"),
                ..Default::default()
            }),
        ));
    });
    let url = proxy.url("/v1/chat/completions");
    for (what, key) in &keys {
        let (status, _, body) = post(&url, key, &chat("gw-budget"));
        match *what {
            "below" | "reset" => assert_eq!(status, 200, "{what}: {body}"),
            _ => {
                assert_eq!(status, 422, "{what}: {body}");
                assert_eq!(body["error"]["type"], "budget_exceeded", "{what}");
                assert_eq!(body["error"]["code"], "422");
            }
        }
    }
    let message = post(&url, &keys[0].1, &chat("gw-budget")).2["error"]["message"].as_str().unwrap().to_string();
    assert!(message.starts_with("Budget has been exceeded!"), "{message}");
    let reset = hash(&keys[5].1);
    let spend: f64 = query(&proxy, &format!("SELECT spend FROM keys WHERE token = '{reset}'"));
    assert!((spend - COST).abs() < 1e-9, "reset to 0, then charged: {spend}");
    let next: String = query(&proxy, &format!("SELECT budget_reset_at FROM keys WHERE token = '{reset}'"));
    assert!(next > chrono::Utc::now().to_rfc3339(), "{next}");
    assert_eq!(mock().calls("budget-a"), 2);
}

/// A team's new budget period starts its members' budgets in the team again, whichever
/// path resets the team first: here a management read (the minute job at start does the
/// same), before any model request sees the team due.
#[test]
fn a_team_reset_restarts_its_members_budgets_in_the_team() {
    let config = model("gw-member-reset", "member-reset-a", PRICE_IN, PRICE_OUT);
    let mut key = String::new();
    let proxy = start_seeded(&config, |s| {
        s.user("fay", "internal_user", None, &[]);
        s.team("monthly", Some(100.0), &[]);
        s.member("monthly", "fay", Some(0.5));
        s.conn
            .execute(
                "UPDATE teams SET spend = 3.0, budget_duration = '30d', budget_reset_at = '2020-01-01T00:00:00.000000Z'
                 WHERE team_id = 'monthly'",
                (),
            )
            .unwrap();
        s.conn.execute("UPDATE team_memberships SET spend = 0.5 WHERE team_id = 'monthly'", ()).unwrap();
        key = s.key(KeySpec { team_id: Some("monthly"), user_id: Some("fay"), ..Default::default() });
    });
    let (status, info) = proxy.admin().get("/team/info?team_id=monthly");
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["team_info"]["spend"], 0.0, "{info}");
    let (status, _, body) = post(&proxy.url("/v1/chat/completions"), &key, &chat("gw-member-reset"));
    assert_eq!(status, 200, "the member's budget in the team starts again with the team's period: {body}");
    let spend: f64 = query(&proxy, "SELECT spend FROM team_memberships WHERE team_id = 'monthly'");
    assert!((spend - COST).abs() < 1e-9, "reset to 0, then charged: {spend}");
    assert_eq!(mock().calls("member-reset-a"), 1);
}

#[test]
fn rate_limits_answer_429_with_headers() {
    let config = model("gw-rate", "rate-a+p=10+c=5", PRICE_IN, PRICE_OUT);
    let (mut rpm, mut tpm, mut user_a, mut user_b, mut blocked, mut expired) = Default::default();
    let proxy = start_seeded(&config, |s| {
        s.user("erin", "internal_user", None, &[]);
        s.user_limits("erin", Some(3), None);
        rpm = s.key(KeySpec { rpm: Some(2), ..Default::default() });
        tpm = s.key(KeySpec { tpm: Some(20), ..Default::default() });
        user_a = s.key(KeySpec { user_id: Some("erin"), ..Default::default() });
        user_b = s.key(KeySpec { user_id: Some("erin"), ..Default::default() });
        blocked = s.key(KeySpec { blocked: true, ..Default::default() });
        expired = s.key(KeySpec { expires: Some("2020-01-01T00:00:00.000000Z"), ..Default::default() });
    });
    let url = proxy.url("/v1/chat/completions");
    let (status, headers, _) = post(&url, &rpm, &chat("gw-rate"));
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "x-ratelimit-remaining-requests"), "1");
    assert_eq!(header(&headers, "x-ratelimit-limit-requests"), "2");
    assert_eq!(post(&url, &rpm, &chat("gw-rate")).0, 200);
    let (status, headers, body) = post(&url, &rpm, &chat("gw-rate"));
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"]["type"], "rate_limit_error");
    let retry: u64 = header(&headers, "retry-after").parse().unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(header(&headers, "x-ratelimit-remaining-requests"), "0");

    // 15 tokens a request: the second still fits under 20, the third does not.
    assert_eq!(post(&url, &tpm, &chat("gw-rate")).0, 200);
    assert_eq!(post(&url, &tpm, &chat("gw-rate")).0, 200);
    let (status, headers, _) = post(&url, &tpm, &chat("gw-rate"));
    assert_eq!(status, 429);
    assert_eq!(header(&headers, "x-ratelimit-remaining-tokens"), "0");

    // The user's limit holds across the user's keys.
    for key in [&user_a, &user_b, &user_a] {
        assert_eq!(post(&url, key, &chat("gw-rate")).0, 200);
    }
    assert_eq!(post(&url, &user_b, &chat("gw-rate")).0, 429);

    let (status, _, body) = post(&url, &blocked, &chat("gw-rate"));
    assert_eq!(status, 401, "{body}");
    let (status, _, body) = post(&url, &expired, &chat("gw-rate"));
    assert_eq!((status, body["error"]["type"].as_str()), (401, Some("expired_key")));
    assert_eq!(mock().calls("rate-a+p=10+c=5"), 7);
}

#[test]
fn retries_cooldown_timeouts_and_passthrough() {
    let mut config = String::from("[router_settings]\nnum_retries = 2\nallowed_fails = 3\ncooldown_time = 60\n\n");
    config += &model("gw-flaky", "flaky-bad+fail500", PRICE_IN, PRICE_OUT);
    config += &model("gw-flaky", "flaky-good", PRICE_IN, PRICE_OUT);
    config += &model("gw-down", "down+fail429", PRICE_IN, PRICE_OUT);
    config += &model("gw-invalid", "invalid+fail400", PRICE_IN, PRICE_OUT);
    config += &model("gw-slow", "slow+delay=3000", PRICE_IN, PRICE_OUT).replace("api_key", "timeout = 1\napi_key");
    let mut key = String::new();
    let proxy = start_seeded(&config, |s| key = s.key(KeySpec::default()));
    let url = proxy.url("/v1/chat/completions");

    // A request that failed on one deployment is answered by the other. The balancer picks
    // at random, so send until the bad one has failed allowed_fails + 1 = 4 times.
    for _ in 0..200 {
        let (status, _, body) = post(&url, &key, &chat("gw-flaky"));
        assert_eq!(status, 200, "{body}");
        if mock().calls("flaky-bad+fail500") >= 4 {
            break;
        }
    }
    let bad = mock().calls("flaky-bad+fail500");
    assert_eq!(bad, 4, "after 4 failures the bad deployment cools down");
    for _ in 0..5 {
        assert_eq!(post(&url, &key, &chat("gw-flaky")).0, 200);
    }
    assert_eq!(mock().calls("flaky-bad+fail500"), bad, "cooling down: not called");

    // A lone failing deployment: 1 call + num_retries, then the upstream's error.
    let (status, _, body) = post(&url, &key, &chat("gw-down"));
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"]["message"], "mock fail429");
    assert_eq!(mock().calls("down+fail429"), 3);
    // A client error is not retried and passes through as it came.
    let (status, _, body) = post(&url, &key, &chat("gw-invalid"));
    assert_eq!((status, body["error"]["type"].as_str()), (400, Some("mock_error")));
    assert_eq!(mock().calls("invalid+fail400"), 1);
    // Timeouts are retried, then reported.
    let (status, _, body) = post(&url, &key, &chat("gw-slow"));
    assert_eq!(status, 408, "{body}");
    assert_eq!(mock().calls("slow+delay=3000"), 3);
    // Failed requests are logged, charged nothing.
    let failures: i64 = query(&proxy, "SELECT count(*) FROM spend_logs WHERE status = 'failure' AND spend = 0");
    assert_eq!(failures, 3);
}

#[test]
fn azure_embeddings_completions_mock_response_and_health() {
    let mut config = model("gw-embed", "embed-a+p=7", PRICE_IN, PRICE_OUT);
    config += &model("gw-text", "text-a", PRICE_IN, PRICE_OUT);
    config += &model("gw-broken", "broken+fail500", PRICE_IN, PRICE_OUT);
    config += &format!(
        "[[model_list]]\nmodel_name = \"gw-azure\"\n[model_list.litellm_params]\nmodel = \"azure/azure-dep\"\napi_base = \"{}\"\napi_key = \"azure-secret\"\napi_version = \"2024-06-01\"\n\n",
        mock().base
    );
    let mut key = String::new();
    let proxy = start_seeded(&config, |s| {
        s.user("frank", "internal_user", None, &[]);
        key = s.key(KeySpec { user_id: Some("frank"), ..Default::default() });
    });
    let (status, _, body) = post(&proxy.url("/v1/chat/completions"), &key, &chat("gw-azure"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(mock().last_credential("azure-dep").unwrap(), "api-key=azure-secret;api-version=2024-06-01");

    let (status, headers, body) =
        post(&proxy.url("/v1/embeddings"), &key, &json!({"model": "gw-embed", "input": "hello"}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"][0]["embedding"], json!([0.1, 0.2, 0.3]));
    let cost: f64 = header(&headers, "x-litellm-response-cost").parse().unwrap();
    assert!((cost - 7.0 * PRICE_IN).abs() < 1e-9);
    let (status, _, _) = post(&proxy.url("/completions"), &key, &json!({"model": "gw-text", "prompt": "hi"}));
    assert_eq!(status, 200);

    // mock_response: no upstream call, no cost, streamed too.
    let mut body = chat("gw-text");
    body["mock_response"] = json!("mocked answer");
    let (status, headers, answer) = post(&proxy.url("/v1/chat/completions"), &key, &body);
    assert_eq!(status, 200);
    assert_eq!(answer["choices"][0]["message"]["content"], "mocked answer");
    assert_eq!(header(&headers, "x-litellm-response-cost"), "0");
    body["stream"] = json!(true);
    let text = reqwest::blocking::Client::new()
        .post(proxy.url("/v1/chat/completions"))
        .bearer_auth(&key)
        .json(&body)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(text.contains("\"mocked \"") && text.trim_end().ends_with("data: [DONE]"), "{text}");
    assert_eq!(mock().calls("text-a"), 1);

    let (status, _) = proxy.client(Some(&key)).get("/health");
    assert_eq!(status, 401, "health probes are for admins");
    let (status, health) = proxy.admin().get("/health");
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["unhealthy_count"], 1);
    assert_eq!(health["unhealthy_endpoints"][0]["model_name"], "gw-broken");
    assert_eq!(health["healthy_count"], 3);
}

/// The model routes are served past the router (see `gateway::direct`); what the router's
/// layers did must still happen: the client's request id is echoed and names the spend
/// row, an oversized body is refused before any upstream call, and a request that carries
/// a cookie (served by the router) answers the same.
#[test]
fn model_routes_keep_request_ids_body_limits_and_cookies() {
    let upstream = "direct-a+p=10+c=5";
    // A small body limit, to show it holds without sending megabytes.
    let config =
        format!("[general_settings]\nmax_request_size_mb = 1\n{}", model("gw-direct", upstream, PRICE_IN, PRICE_OUT));
    let mut key = String::new();
    let proxy = start_seeded(&config, |s| {
        s.user("dora", "internal_user", None, &[]);
        key = s.key(KeySpec { user_id: Some("dora"), ..Default::default() });
    });
    let http = reqwest::blocking::Client::new();
    let url = proxy.url("/v1/chat/completions");

    let response =
        http.post(&url).bearer_auth(&key).header("x-request-id", "trace-7").json(&chat("gw-direct")).send().unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(header(response.headers(), "x-request-id"), "trace-7");
    let (_, rows) = proxy.admin().get("/spend/logs?request_id=trace-7");
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "{rows}");
    // LiteLLM's clients may name the call instead, on either path.
    for (cookie, id) in [("", "call-8"), ("unrelated=1", "call-9")] {
        let mut request = http.post(&url).bearer_auth(&key).header("x-litellm-call-id", id).json(&chat("gw-direct"));
        if !cookie.is_empty() {
            request = request.header("cookie", cookie);
        }
        let response = request.send().unwrap();
        assert_eq!(response.status(), 200);
        // The row's id is the server's own; the client's is echoed and searchable.
        let call_id = header(response.headers(), "x-litellm-call-id");
        assert!(!call_id.is_empty() && call_id != id, "{call_id}");
        assert_eq!(header(response.headers(), "x-request-id"), id);
        let (_, rows) = proxy.admin().get(&format!("/spend/logs?request_id={id}"));
        assert_eq!(rows.as_array().map(Vec::len), Some(1), "{rows}");
        assert_eq!(
            (rows[0]["request_id"].as_str(), rows[0]["client_request_id"].as_str()),
            (Some(&*call_id), Some(id))
        );
    }

    let huge = json!({"model": "gw-direct", "messages": [{"role": "user", "content": "x".repeat(1024 * 1024)}]});
    let response = http.post(&url).bearer_auth(&key).json(&huge).send().unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(header(response.headers(), "connection"), "close", "the unread body ends the connection");
    let error: Value = response.json().unwrap();
    assert!(error["error"]["message"].as_str().unwrap().contains("max_request_size_mb"), "{error}");
    assert_eq!(mock().calls(upstream), 3, "no upstream call for the oversized body");

    let response =
        http.post(&url).bearer_auth(&key).header("cookie", "unrelated=1").json(&chat("gw-direct")).send().unwrap();
    assert_eq!(response.status(), 200);
    assert!(!header(response.headers(), "x-request-id").is_empty());
    assert_eq!(mock().calls(upstream), 4);

    let response = http.post(&url).json(&chat("gw-direct")).send().unwrap();
    assert_eq!(response.status(), 401);
    let error: Value = response.json().unwrap();
    assert_eq!(error["error"]["type"], "auth_error", "{error}");
}

/// A request the proxy refuses (model access, an unknown model, a budget, a rate limit) is
/// logged like one that failed upstream: a `failure` row with no cost, nobody charged, and
/// why under `metadata.error_information`. `status_filter` picks them out. A request
/// without a valid key is not logged.
#[test]
fn refused_and_failed_requests_are_logged_with_their_error() {
    let mut config = model("gw-log", "log-a+p=10+c=5", PRICE_IN, PRICE_OUT);
    config += &model("gw-log-bad", "log-bad+fail400", PRICE_IN, PRICE_OUT);
    config += &model("gw-log-other", "log-other", PRICE_IN, PRICE_OUT);
    let (mut broke, mut limited) = Default::default();
    let proxy = start_seeded(&config, |s| {
        s.user("fay", "internal_user", None, &[]);
        broke = s.key(KeySpec { user_id: Some("fay"), max_budget: Some(1.0), spend: 1.0, ..Default::default() });
        limited = s.key(KeySpec {
            alias: Some("lim"),
            user_id: Some("fay"),
            models: &["gw-log", "gw-log-bad"],
            rpm: Some(2),
            ..Default::default()
        });
    });
    let url = proxy.url("/v1/chat/completions");
    let expect = |key: &str, model: &str, status: u16| {
        let (got, headers, body) = post(&url, key, &chat(model));
        assert_eq!(got, status, "{model}: {body}");
        headers
    };
    let refused = expect(&broke, "gw-log", 400);
    assert_eq!(header(&refused, "x-litellm-key-max-budget"), "1");
    expect(&broke, "gw-log-nowhere", 400);
    expect(&limited, "gw-log-other", 403);
    let (status, answered, _) = post(&url, &limited, &json!({"model": "gw-log", "user": "cust-7", "messages": []}));
    assert_eq!(status, 200);
    assert_eq!(header(&answered, "x-litellm-key-rpm-limit"), "2");
    assert!(header(&answered, "x-litellm-key-max-budget").is_empty(), "no budget, no header");
    let call_id = header(&answered, "x-litellm-call-id");
    expect(&limited, "gw-log-bad", 400);
    let refused = reqwest::blocking::Client::new()
        .post(&url)
        .bearer_auth(&limited)
        .header("x-request-id", "refused-1")
        .json(&chat("gw-log"))
        .send()
        .unwrap();
    assert_eq!(refused.status(), 429);
    assert_eq!(header(refused.headers(), "x-request-id"), "refused-1");
    assert_ne!(header(refused.headers(), "x-litellm-call-id"), "refused-1", "the row's id is the server's");
    expect("sk-not-a-key", "gw-log", 401);

    let (status, page) = proxy.admin().get("/spend/logs/v2?status_filter=failure&page_size=100");
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["total"], 5, "{page}");
    let rows = page["data"].as_array().cloned().unwrap_or_default();
    let mut errors: Vec<(String, String)> = rows
        .iter()
        .map(|row| {
            assert_eq!((row["status"].as_str(), row["spend"].as_f64()), (Some("failure"), Some(0.0)), "{row}");
            let error = &row["metadata"]["error_information"];
            (error["error_code"].as_str().unwrap_or("?").into(), error["error_class"].as_str().unwrap_or("?").into())
        })
        .collect();
    errors.sort();
    let expected = [
        ("400", "bad_request_error"),
        ("400", "budget_exceeded"),
        ("400", "mock_error"),
        ("403", "key_model_access_denied"),
        ("429", "rate_limit_error"),
    ];
    assert_eq!(errors, expected.map(|(c, t)| (c.to_string(), t.to_string())), "{rows:?}");
    let budget = rows.iter().find(|r| r["metadata"]["error_information"]["error_class"] == "budget_exceeded");
    let message = budget.map(|r| r["metadata"]["error_information"]["error_message"].to_string()).unwrap_or_default();
    assert!(message.contains("Budget has been exceeded"), "{message}");

    let (_, by_id) = proxy.admin().get("/spend/logs?request_id=refused-1");
    assert_eq!(by_id[0]["status"], "failure", "{by_id}");
    assert_eq!(by_id[0]["model_group"], "gw-log");
    assert_eq!(by_id[0]["user"], "fay");
    let (_, ok) = proxy.admin().get("/spend/logs/v2?status_filter=success");
    assert_eq!(ok["total"], 1, "{ok}");
    assert_eq!(ok["data"][0]["request_id"], call_id.as_str(), "the call id names the spend row");
    let (status, error) = proxy.admin().get("/spend/logs/v2?status_filter=failed");
    assert_eq!((status, error["error"]["param"].as_str()), (400, Some("status_filter")), "{error}");
    // LiteLLM's other v2 filters, and its sort.
    let total = |query: &str| {
        let (status, page) = proxy.admin().get(&format!("/spend/logs/v2?{query}"));
        assert_eq!(status, 200, "{query}: {page}");
        page["total"].as_i64().unwrap_or(-1)
    };
    assert_eq!(total("error_code=429"), 1);
    assert_eq!(total("error_message=has%20been%20exceeded"), 1);
    assert_eq!(total("key_alias=lim"), 4);
    assert_eq!(total("model_group=gw-log&status_filter=success"), 1);
    assert_eq!(total("model=log-a%2Bp%3D10%2Bc%3D5"), 1);
    assert_eq!(total("end_user=cust-7"), 1);
    assert_eq!(total("min_spend=0.01"), 1);
    assert_eq!(total("max_spend=0"), 5);
    let (_, page) = proxy.admin().get("/spend/logs/v2?sort_by=spend&sort_order=desc");
    assert!(page["data"][0]["spend"].as_f64() > Some(0.0), "{page}");
    assert_eq!(page["data"][0]["end_user"], "cust-7");
    for query in ["sort_by=user", "sort_order=up"] {
        let (status, error) = proxy.admin().get(&format!("/spend/logs/v2?{query}"));
        assert_eq!(status, 400, "{query}: {error}");
    }

    // Only the answered request was charged; the daily sums count the rest as failed.
    let spend: f64 = query(&proxy, &format!("SELECT spend FROM keys WHERE token = '{}'", hash(&limited)));
    assert!((spend - COST).abs() < 1e-9, "{spend}");
    let failed: i64 = query(&proxy, "SELECT sum(failed_requests) FROM daily_spend");
    assert_eq!(failed, 5);
}
