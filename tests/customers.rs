//! Customers (end users) and budget objects over real HTTP, against the real binary and
//! the mock upstream: a customer over its budget is refused, a blocked one too until
//! unblocked, its spend shows on `/customer/info`, budgets are created, changed and
//! deleted (not while a customer uses one), bad inputs change nothing, and parallel
//! requests of one customer cannot overshoot its budget by more than one request.

mod common;

use common::mock_upstream::mock;
use common::{COST, Client, Options, PRICE_IN, PRICE_OUT, Proxy, model};
use serde_json::{Value, json};

fn start(config: &str) -> Proxy {
    Proxy::start_with(Options { config: Some(config), ..Default::default() })
}

/// A key of no user, made by the master key.
fn key(admin: &Client) -> String {
    let (status, key) = admin.post("/key/generate", json!({}));
    assert_eq!(status, 200, "{key}");
    key["key"].as_str().expect("the key").to_string()
}

/// A chat request with `key`, with extra headers.
fn chat(proxy: &Proxy, key: &str, body: Value, headers: &[(&str, &str)]) -> (u16, Value) {
    let mut request =
        reqwest::blocking::Client::new().post(proxy.url("/v1/chat/completions")).bearer_auth(key).json(&body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().expect("request");
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(Value::Null))
}

fn ask(model: &str, user: &str) -> Value {
    json!({"model": model, "messages": [{"role": "user", "content": "hi"}], "user": user})
}

fn spend_of(admin: &Client, customer: &str) -> f64 {
    let (status, info) = admin.get(&format!("/customer/info?end_user_id={customer}"));
    assert_eq!(status, 200, "{info}");
    info["spend"].as_f64().expect("spend")
}

fn assert_budget_refusal(status: u16, body: &Value, customer: &str) {
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["type"], "budget_exceeded", "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.starts_with(&format!("ExceededBudget: End User={customer} over budget. Spend=")), "{message}");
}

#[test]
fn a_customer_over_its_budget_is_refused_whichever_way_it_is_named_and_its_spend_is_shown() {
    let proxy = start(&model("cu-budget", "cust-budget", PRICE_IN, PRICE_OUT));
    let admin = proxy.admin();
    let key = key(&admin);
    let (status, made) = admin.post("/customer/new", json!({"user_id": "acme", "alias": "Acme", "max_budget": 0.03}));
    assert_eq!(status, 200, "{made}");
    assert_eq!(made["litellm_budget_table"]["max_budget"], 0.03, "{made}");
    assert_eq!(made["budget_id"], made["litellm_budget_table"]["budget_id"]);

    // 0.02 a request: the second starts at 0.02 (not above 0.03) and passes, as in LiteLLM.
    for _ in 0..2 {
        let (status, answer) = chat(&proxy, &key, ask("cu-budget", "acme"), &[]);
        assert_eq!(status, 200, "{answer}");
    }
    assert!((spend_of(&admin, "acme") - 2.0 * COST).abs() < 1e-9);
    let (status, refused) = chat(&proxy, &key, ask("cu-budget", "acme"), &[]);
    assert_budget_refusal(status, &refused, "acme");
    // The header names the customer over the body; Anthropic's `metadata.user_id` too.
    let (status, refused) = chat(&proxy, &key, ask("cu-budget", "someone-else"), &[("x-litellm-customer-id", "acme")]);
    assert_budget_refusal(status, &refused, "acme");
    let anthropic_style =
        json!({"model": "cu-budget", "messages": [{"role": "user", "content": "hi"}], "metadata": {"user_id": "acme"}});
    let (status, refused) = chat(&proxy, &key, anthropic_style, &[]);
    assert_budget_refusal(status, &refused, "acme");
    assert_eq!(mock().calls("cust-budget"), 2, "refused requests reach no upstream");
    assert!((spend_of(&admin, "acme") - 2.0 * COST).abs() < 1e-9, "refusals cost nothing");

    // A customer nobody created is served, and its spend is kept from its first request.
    let (status, answer) = chat(&proxy, &key, ask("cu-budget", "walk-in"), &[("x-litellm-end-user-id", "walk-in")]);
    assert_eq!(status, 200, "{answer}");
    assert!((spend_of(&admin, "walk-in") - COST).abs() < 1e-9);
    let (status, list) = admin.get("/customer/list?search=WALK");
    assert_eq!(status, 200, "{list}");
    assert_eq!(list.as_array().map(|l| l.len()), Some(1), "{list}");
    assert_eq!(list[0]["user_id"], "walk-in");
    assert_eq!(list[0]["litellm_budget_table"], Value::Null);

    // Raising the budget serves the customer again at once.
    let (status, updated) = admin.post("/customer/update", json!({"user_id": "acme", "max_budget": 1.0}));
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["budget_id"], made["budget_id"], "the customer's own budget object changed");
    assert_eq!(updated["alias"], "Acme", "fields not sent stay");
    let (status, answer) = chat(&proxy, &key, ask("cu-budget", "acme"), &[]);
    assert_eq!(status, 200, "{answer}");
    // The spend row names the customer.
    let logged: i64 = common::query(&proxy, "SELECT count(*) FROM spend_logs WHERE end_user = 'acme'");
    assert_eq!(logged, 6, "three answered and three refused requests");
}

#[test]
fn a_blocked_customer_is_refused_until_unblocked() {
    let proxy = start(&model("cu-block", "cust-block", PRICE_IN, PRICE_OUT));
    let admin = proxy.admin();
    let key = key(&admin);
    // Blocking an id nobody created makes the customer, blocked.
    let (status, blocked) = admin.post("/customer/block", json!({"user_ids": ["mallory"]}));
    assert_eq!(status, 200, "{blocked}");
    assert_eq!(blocked["blocked_users"][0]["user_id"], "mallory");
    assert_eq!(blocked["blocked_users"][0]["blocked"], true);
    let (status, refused) = chat(&proxy, &key, ask("cu-block", "mallory"), &[]);
    assert_eq!(status, 400, "{refused}");
    let message = "User blocked from making LLM API Calls. User=mallory";
    assert_eq!(
        refused,
        json!({"error": {"message": message, "type": "invalid_request_error", "param": null, "code": "400",
                         "provider_specific_fields": {"error": message}}})
    );
    let (status, refused) = chat(&proxy, &key, ask("cu-block", "x"), &[("x-litellm-end-user-id", "mallory")]);
    assert_eq!(status, 400, "{refused}");
    assert_eq!(mock().calls("cust-block"), 0);
    // Others are served.
    assert_eq!(chat(&proxy, &key, ask("cu-block", "alice"), &[]).0, 200);

    let (status, unblocked) = admin.post("/end_user/unblock", json!({"user_ids": ["mallory"]}));
    assert_eq!(status, 200, "{unblocked}");
    assert_eq!(unblocked["blocked_users"], json!([]));
    assert_eq!(chat(&proxy, &key, ask("cu-block", "mallory"), &[]).0, 200);
    let (_, info) = admin.get("/end_user/info?end_user_id=mallory");
    assert_eq!(info["blocked"], false);

    let (status, updated) = admin.post("/customer/update", json!({"user_id": "mallory", "blocked": true}));
    assert_eq!(status, 200, "{updated}");
    assert_eq!(chat(&proxy, &key, ask("cu-block", "mallory"), &[]).0, 400);
    assert_eq!(mock().calls("cust-block"), 2);
    // Unblocking someone nobody created changes nothing.
    let (status, answer) = admin.post("/customer/unblock", json!({"user_ids": ["mallory", "nobody"]}));
    assert_eq!(status, 404, "{answer}");
    assert_eq!(chat(&proxy, &key, ask("cu-block", "mallory"), &[]).0, 400);
}

#[test]
fn budget_objects_are_shared_changed_and_not_deleted_while_used() {
    let proxy = start(&model("cu-tier", "cust-tier", PRICE_IN, PRICE_OUT));
    let admin = proxy.admin();
    let key = key(&admin);
    let (status, tier) = admin.post(
        "/budget/new",
        json!({"budget_id": "tier", "max_budget": 0.0, "budget_duration": "1d", "rpm_limit": 100}),
    );
    assert_eq!(status, 200, "{tier}");
    assert!(tier["budget_reset_at"].as_str().is_some_and(|at| at > "2020"), "{tier}");
    assert_eq!((tier["rpm_limit"].as_i64(), tier["created_by"].as_str()), (Some(100), Some("default_user_id")));
    let (status, again) = admin.post("/budget/new", json!({"budget_id": "tier", "max_budget": 5.0}));
    assert_eq!(status, 400, "{again}");
    assert_eq!(again["error"]["message"], "Budget with id 'tier' already exists.");

    for customer in ["one", "two"] {
        let (status, made) = admin.post("/customer/new", json!({"user_id": customer, "budget_id": "tier"}));
        assert_eq!(status, 200, "{made}");
        assert_eq!(made["litellm_budget_table"]["budget_id"], "tier");
    }
    // Spend 0 is not above a budget of 0: one request each, then no more.
    assert_eq!(chat(&proxy, &key, ask("cu-tier", "one"), &[]).0, 200);
    let (status, refused) = chat(&proxy, &key, ask("cu-tier", "one"), &[]);
    assert_budget_refusal(status, &refused, "one");
    assert_eq!(chat(&proxy, &key, ask("cu-tier", "two"), &[]).0, 200, "each customer keeps its own spend");

    // A change of the budget applies to every customer on it, at once.
    let (status, raised) = admin.post("/budget/update", json!({"budget_id": "tier", "max_budget": 1.0}));
    assert_eq!(status, 200, "{raised}");
    assert_eq!((raised["max_budget"].as_f64(), raised["rpm_limit"].as_i64()), (Some(1.0), Some(100)));
    assert_eq!(chat(&proxy, &key, ask("cu-tier", "one"), &[]).0, 200);

    let (status, info) = admin.post("/budget/info", json!({"budgets": ["tier", "missing"]}));
    assert_eq!(status, 200, "{info}");
    assert_eq!(info.as_array().map(|a| a.len()), Some(1), "{info}");
    let (status, list) = admin.get("/budget/list");
    assert_eq!((status, list[0]["budget_id"].as_str()), (200, Some("tier")), "{list}");
    let (status, settings) = admin.get("/budget/settings?budget_id=tier");
    assert_eq!(status, 200, "{settings}");
    let max = settings.as_array().unwrap().iter().find(|s| s["field_name"] == "max_budget").cloned().unwrap();
    assert_eq!((max["field_type"].as_str(), max["field_value"].as_f64()), (Some("Float"), Some(1.0)));

    // Not deleted while customers use it; deleted once they are gone.
    let (status, refused) = admin.post("/budget/delete", json!({"id": "tier"}));
    assert_eq!(status, 400, "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap().contains("one, two"), "{refused}");
    assert_eq!(admin.post("/budget/info", json!({"budgets": ["tier"]})).1.as_array().map(|a| a.len()), Some(1));
    let (status, deleted) = admin.post("/customer/delete", json!({"user_ids": ["one", "two"]}));
    assert_eq!(status, 200, "{deleted}");
    assert_eq!(
        deleted,
        json!({"deleted_customers": 2, "message": "Successfully deleted customers with ids: ['one', 'two']"})
    );
    let (status, gone) = admin.post("/budget/delete", json!({"id": "tier"}));
    assert_eq!((status, gone["budget_id"].as_str()), (200, Some("tier")), "{gone}");
    assert_eq!(admin.post("/budget/info", json!({"budgets": ["tier"]})).1, json!([]));
    let audited: i64 =
        common::query(&proxy, "SELECT count(*) FROM audit_log WHERE table_name IN ('budgets', 'end_users')");
    assert!(audited >= 6, "{audited}");
}

#[test]
fn bad_inputs_get_clear_errors_and_change_nothing() {
    let proxy = start(&model("cu-bad", "cust-bad", PRICE_IN, PRICE_OUT));
    let admin = proxy.admin();
    let (status, _) = admin.post("/budget/new", json!({"budget_id": "real", "max_budget": 1.0}));
    assert_eq!(status, 200);
    let (status, _) = admin.post("/customer/new", json!({"user_id": "kept", "alias": "before"}));
    assert_eq!(status, 200);
    let before = |proxy: &Proxy| -> (i64, i64, i64) {
        (
            common::query(proxy, "SELECT count(*) FROM end_users"),
            common::query(proxy, "SELECT count(*) FROM budgets"),
            common::query(proxy, "SELECT count(*) FROM audit_log"),
        )
    };
    let snapshot = before(&proxy);
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        ("/customer/new", json!({"alias": "no id"}), 400, "user_id"),
        ("/customer/new", json!({"user_id": ""}), 400, "user_id"),
        ("/customer/new", json!({"user_id": "x", "budget_id": "nope"}), 400, "budget_id"),
        ("/customer/new", json!({"user_id": "x", "budget_id": "real", "max_budget": 2.0}), 400, "budget_id"),
        ("/customer/new", json!({"user_id": "x", "max_budget": -1}), 400, "max_budget"),
        ("/customer/new", json!({"user_id": "x", "budget_duration": "soon"}), 400, "budget_duration"),
        ("/customer/new", json!({"user_id": "x", "allowed_model_region": "mars"}), 400, "allowed_model_region"),
        ("/customer/new", json!({"user_id": "x", "default_model": "no-such-model"}), 400, "default_model"),
        ("/customer/new", json!({"user_id": "x", "models": "cu-bad"}), 400, "models"),
        ("/customer/new", json!({"user_id": "kept"}), 400, "user_id"),
        ("/customer/update", json!({"user_id": "ghost", "alias": "x"}), 404, ""),
        ("/customer/update", json!({"user_id": "kept", "alias": "after", "budget_id": "nope"}), 400, "budget_id"),
        ("/customer/delete", json!({"user_ids": []}), 400, "user_ids"),
        ("/customer/delete", json!({"user_ids": ["kept", "ghost"]}), 404, ""),
        ("/customer/block", json!({"user_ids": "kept"}), 400, "user_ids"),
        ("/budget/new", json!({"max_budget": "lots"}), 400, "max_budget"),
        ("/budget/new", json!({"soft_budget": -2}), 400, "soft_budget"),
        ("/budget/new", json!({"rpm_limit": -1}), 400, "rpm_limit"),
        ("/budget/new", json!({"model_max_budget": [1]}), 400, "model_max_budget"),
        ("/budget/update", json!({"max_budget": 3}), 400, "budget_id"),
        ("/budget/update", json!({"budget_id": "ghost", "max_budget": 3}), 404, ""),
        ("/budget/update", json!({"budget_id": "real", "budget_reset_at": "tomorrow"}), 400, "budget_reset_at"),
        ("/budget/delete", json!({"id": "ghost"}), 404, ""),
        ("/budget/delete", json!({}), 400, "id"),
        ("/customer/delete", json!({}), 400, "user_ids"),
        ("/budget/info", json!({}), 400, "budgets"),
        ("/budget/info", json!({"budgets": []}), 400, "budgets"),
    ];
    for (path, body, expected, param) in cases {
        let (status, answer) = admin.post(path, body.clone());
        assert_eq!(status, expected, "{path} {body}: {answer}");
        assert_eq!(answer["error"]["code"], expected.to_string(), "{path} {body}: {answer}");
        if !param.is_empty() {
            assert_eq!(answer["error"]["param"], param, "{path} {body}: {answer}");
        }
    }
    assert_eq!(before(&proxy), snapshot, "a refused call changed the database");
    assert_eq!(admin.get("/customer/info?end_user_id=kept").1["alias"], "before");
    assert_eq!(admin.get("/customer/info?end_user_id=x").0, 404);
    assert_eq!(admin.get("/customer/info").0, 400);
    assert_eq!(admin.get("/customer/list?page_size=101").0, 400);
    assert_eq!(admin.get("/budget/settings").0, 400);
}

#[test]
fn a_customer_held_to_a_region_is_served_only_there() {
    let region = |name: &str, upstream: &str, region: &str| {
        model(name, upstream, PRICE_IN, PRICE_OUT).replace("api_key", &format!("region_name = \"{region}\"\napi_key"))
    };
    let mut config = region("cu-region", "region-eu", "eu");
    config += &region("cu-region", "region-us", "us");
    config += &region("cu-us-only", "region-us-only", "us");
    let proxy = start(&config);
    let admin = proxy.admin();
    let key = key(&admin);
    let (status, made) = admin.post("/customer/new", json!({"user_id": "hans", "allowed_model_region": "eu"}));
    assert_eq!(status, 200, "{made}");
    assert_eq!(made["allowed_model_region"], "eu");
    for _ in 0..6 {
        assert_eq!(chat(&proxy, &key, ask("cu-region", "hans"), &[]).0, 200);
    }
    assert_eq!((mock().calls("region-eu"), mock().calls("region-us")), (6, 0));
    let (status, refused) = chat(&proxy, &key, ask("cu-us-only", "hans"), &[]);
    assert_eq!(status, 400, "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap().contains("allowed_model_region=eu"), "{refused}");
    assert_eq!(mock().calls("region-us-only"), 0);
    // A customer restricted to models may use only those.
    let (status, _) = admin.post("/customer/update", json!({"user_id": "hans", "models": ["cu-us-only"]}));
    assert_eq!(status, 200);
    let (status, refused) = chat(&proxy, &key, ask("cu-region", "hans"), &[]);
    assert_eq!(status, 403, "{refused}");
}

#[test]
fn parallel_requests_of_one_customer_overshoot_its_budget_by_at_most_one_request() {
    let proxy = start(&model("cu-parallel", "cust-parallel+delay=300", PRICE_IN, PRICE_OUT));
    let admin = proxy.admin();
    let key = key(&admin);
    let budget = 0.05;
    let (status, _) = admin.post("/customer/new", json!({"user_id": "rush", "max_budget": budget}));
    assert_eq!(status, 200);
    let results: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..12)
            .map(|_| {
                let (proxy, key) = (&proxy, &key);
                scope.spawn(move || {
                    let mut body = ask("cu-parallel", "rush");
                    body["max_tokens"] = json!(5);
                    chat(proxy, key, body, &[]).0
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a request thread")).collect()
    });
    let served = results.iter().filter(|s| **s == 200).count();
    assert!(served >= 1, "{results:?}");
    assert!(results.iter().all(|s| *s == 200 || *s == 400), "{results:?}");
    assert!(served < results.len(), "some must be refused: {results:?}");
    assert_eq!(mock().calls("cust-parallel+delay=300"), served);
    let spend = spend_of(&admin, "rush");
    assert!((spend - served as f64 * COST).abs() < 1e-9, "{spend} for {served}");
    assert!(spend <= budget + COST + 1e-9, "overshot by more than one request: {spend} of {budget}");
}

#[test]
fn a_budget_period_that_ends_restarts_its_customers_spend() {
    let proxy = start(&model("cu-reset", "cust-reset", PRICE_IN, PRICE_OUT));
    let admin = proxy.admin();
    let key = key(&admin);
    let past = "2020-01-01T00:00:00.000000Z";
    let body = json!({"budget_id": "daily", "max_budget": 1.0, "budget_duration": "1d", "budget_reset_at": past});
    let (status, daily) = admin.post("/budget/new", body);
    assert_eq!((status, daily["budget_reset_at"].as_str()), (200, Some(past)), "{daily}");
    let (status, made) = admin.post("/customer/new", json!({"user_id": "dana", "budget_id": "daily", "spend": 5.0}));
    assert_eq!((status, made["spend"].as_f64()), (200, Some(5.0)), "{made}");
    // Over its budget in a period that has ended: the request sees the new period.
    let (status, answer) = chat(&proxy, &key, ask("cu-reset", "dana"), &[]);
    assert_eq!(status, 200, "{answer}");
    assert!((spend_of(&admin, "dana") - COST).abs() < 1e-9, "reset to 0, then charged");
    let (_, info) = admin.post("/budget/info", json!({"budgets": ["daily"]}));
    let next = info[0]["budget_reset_at"].as_str().unwrap_or_default().to_string();
    assert!(next > chrono::Utc::now().to_rfc3339(), "{next}");
    let stored: f64 = common::query(&proxy, "SELECT spend FROM end_users WHERE user_id = 'dana'");
    assert!((stored - COST).abs() < 1e-9, "{stored}");
}
