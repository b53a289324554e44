//! Models managed at run time, over real HTTP against the real binary and the mock
//! upstream: `/model/new` serves at once and across a restart, the upstream credential is
//! sealed in the database and never shown, `/model/update` and `/model/delete` apply at
//! once, models of proxy.toml are read-only and win over a stored model of the same name,
//! only proxy admins change models, access groups grant their models, and the reads
//! (`/model/info`, `/v2/model/info`, `/model_group/info`) show each caller what is theirs.

mod common;

use common::seed::KeySpec;
use common::{Options, Proxy, chat_body, mock_upstream::mock, model, new_users, post, query, start_seeded};
use serde_json::{Value, json};

const SECRET: &str = "sk-upstream-secret-0123456789";

fn new_model(name: &str, upstream: &str, key: &str, info: Value) -> Value {
    json!({
        "model_name": name,
        "litellm_params": {"model": format!("openai/{upstream}"), "api_base": mock().api_base(), "api_key": key, "drop_params": true},
        "model_info": info,
    })
}

fn chat(proxy: &Proxy, key: &str, model: &str) -> (u16, Value) {
    let (status, _, body) = post(&proxy.url("/v1/chat/completions"), key, &chat_body(model));
    (status, body)
}

#[test]
fn a_model_added_at_run_time_is_served_at_once_sealed_and_kept_across_a_restart() {
    let config = model("from-config", "ma-config", 1e-6, 2e-6);
    let mut key = String::new();
    let proxy = start_seeded(&config, |s| key = s.key(KeySpec { models: &["live"], ..Default::default() }));
    let admin = proxy.admin();

    assert_eq!(chat(&proxy, &key, "live").0, 400, "not there yet");
    let (status, created) =
        admin.post("/model/new", new_model("live", "ma-live", SECRET, json!({"input_cost_per_token": 1e-6})));
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["served"], true);
    assert!(!created.to_string().contains(SECRET), "the credential is never shown: {created}");
    assert_eq!(created["litellm_params"]["drop_params"], true, "fields the gateway does not use are kept");
    let id = created["model_id"].as_str().unwrap().to_string();

    let (status, answer) = chat(&proxy, &key, "live");
    assert_eq!(status, 200, "{answer}");
    assert_eq!(mock().calls("ma-live"), 1);
    assert_eq!(mock().last_credential("ma-live").unwrap(), format!("Bearer {SECRET}"));
    let spend: f64 = query(&proxy, "SELECT spend FROM spend_logs WHERE model_group = 'live' AND status = 'success'");
    // 10 prompt tokens at the stored model's price; no price is known for its completions.
    assert!((spend - 10.0 * 1e-6).abs() < 1e-12, "{spend}");

    // Sealed at rest: neither the table nor the audit trail holds the credential.
    let stored: String = query(&proxy, "SELECT secrets FROM models");
    assert!(!stored.contains(SECRET) && stored.starts_with("v1."), "{stored}");
    let audit: String = query(&proxy, "SELECT group_concat(updated_values) FROM audit_log WHERE table_name = 'models'");
    assert!(audit.contains("\"api_key\"") && !audit.contains(SECRET), "{audit}");

    let (status, info) = admin.get("/model/info");
    assert_eq!(status, 200);
    assert!(!info.to_string().contains(SECRET));
    let data = info["data"].as_array().unwrap();
    let live = data.iter().find(|m| m["model_info"]["id"] == id.as_str()).expect("listed");
    assert_eq!((live["model_info"]["db_model"].as_bool(), live["model_name"].as_str()), (Some(true), Some("live")));
    let config_entry = data.iter().find(|m| m["model_name"] == "from-config").expect("config model listed");
    assert_eq!(config_entry["model_info"]["db_model"], false);

    // Across a restart the stored model is read back and its credential opened.
    let dir = proxy.stop();
    let proxy = Proxy::start_with(Options { config: Some(&config), dir: Some(dir), ..Default::default() });
    let (status, answer) = chat(&proxy, &key, "live");
    assert_eq!(status, 200, "{answer}");
    assert_eq!(mock().last_credential("ma-live").unwrap(), format!("Bearer {SECRET}"));

    // An update applies at once: a new credential and upstream model.
    let admin = proxy.admin();
    let change = json!({"model_info": {"id": id}, "litellm_params": {"model": "openai/ma-live-2", "api_key": "sk-rotated-key-000000000"}});
    let (status, updated) = admin.post("/model/update", change);
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["litellm_params"]["api_base"], mock().api_base(), "fields not given stay");
    assert_eq!(chat(&proxy, &key, "live").0, 200);
    assert_eq!(mock().last_credential("ma-live-2").unwrap(), "Bearer sk-rotated-key-000000000");

    // PATCH by id, then delete: the name is gone at once.
    let (status, patched) = proxy
        .client(Some(&proxy.master_key))
        .http
        .patch(proxy.url(&format!("/model/{id}/update")))
        .bearer_auth(&proxy.master_key)
        .json(&json!({"model_info": {"mode": "chat", "team": "x"}}))
        .send()
        .map(|r| (r.status().as_u16(), r.json::<Value>().unwrap_or_default()))
        .unwrap();
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["model_info"]["team"], "x");
    let (status, deleted) = admin.post("/model/delete", json!({"id": id}));
    assert_eq!(status, 200, "{deleted}");
    assert_eq!(chat(&proxy, &key, "live").0, 400);
    let (status, _) = admin.post("/model/delete", json!({"id": id}));
    assert_eq!(status, 404);
}

#[test]
fn models_from_proxy_toml_are_read_only_and_win_over_a_stored_one_of_the_same_name() {
    let config = model("pinned", "ma-pinned", 1e-6, 2e-6);
    let proxy = Proxy::start_with(Options { config: Some(&config), ..Default::default() });
    let admin = proxy.admin();
    let (_, info) = admin.get("/model/info");
    let config_id = info["data"][0]["model_info"]["id"].as_str().unwrap().to_string();

    for (route, body) in [
        ("/model/update", json!({"model_info": {"id": config_id}, "litellm_params": {"rpm": 5}})),
        ("/model/delete", json!({"id": config_id})),
    ] {
        let (status, answer) = admin.post(route, body);
        assert_eq!(status, 400, "{route}: {answer}");
        assert!(answer["error"]["message"].as_str().unwrap().contains("proxy.toml"), "{answer}");
    }
    let (status, answer) = admin.post("/model/new", new_model("other", "ma-other", SECRET, json!({"id": config_id})));
    assert_eq!(status, 400, "ids are unique: {answer}");

    // The same public name: stored, but proxy.toml wins, and the answer says so.
    let (status, shadowed) = admin.post("/model/new", new_model("pinned", "ma-shadow", SECRET, json!({})));
    assert_eq!(status, 200, "{shadowed}");
    assert_eq!(shadowed["served"], false);
    assert!(shadowed["note"].as_str().unwrap().contains("proxy.toml wins"), "{shadowed}");
    for _ in 0..4 {
        assert_eq!(chat(&proxy, &proxy.master_key, "pinned").0, 200);
    }
    assert_eq!(mock().calls("ma-shadow"), 0);
    let (_, info) = admin.get("/model/info");
    let unserved: Vec<&Value> =
        info["data"].as_array().unwrap().iter().filter(|m| m["model_info"]["served"] == false).collect();
    assert_eq!(unserved.len(), 1, "{info}");
}

#[test]
fn only_proxy_admins_change_models_and_bad_input_changes_nothing() {
    let proxy = Proxy::start_with(Options::default());
    let admin = proxy.admin();
    let keys = new_users(&admin, &[("ma-user", "internal_user"), ("ma-viewer", "proxy_admin_viewer")]);
    let body = new_model("sneaky", "ma-sneaky", SECRET, json!({}));
    let (status, answer) = proxy.client(Some(&keys[0])).post("/model/new", body.clone());
    assert_eq!(status, 401, "{answer}");
    let (status, answer) = proxy.client(Some(&keys[1])).post("/model/new", body);
    assert_eq!(status, 403, "{answer}");

    for (body, param) in [
        (json!({"litellm_params": {"model": "openai/x"}}), "model_name"),
        (json!({"model_name": "x", "litellm_params": {}}), "litellm_params.model"),
        (json!({"model_name": "x", "litellm_params": {"model": "openai/x", "rpm": "many"}}), "litellm_params.rpm"),
        (json!({"model_name": "x", "litellm_params": {"model": "azure/x"}}), "litellm_params.api_base"),
        (
            json!({"model_name": "x", "litellm_params": {"model": "openai/x", "api_base": "ftp://h"}}),
            "litellm_params.api_base",
        ),
        (json!({"model_name": "x", "litellm_params": "openai/x"}), "litellm_params"),
        (
            json!({"model_name": "x", "litellm_params": {"model": "openai/x", "input_cost_per_token": -1}}),
            "litellm_params.input_cost_per_token",
        ),
    ] {
        let (status, answer) = admin.post("/model/new", body.clone());
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["error"]["param"], param, "{body}: {answer}");
    }
    let (status, answer) = admin.post("/model/update", json!({"model_info": {"id": "nope"}}));
    assert_eq!(status, 404, "{answer}");
    let (status, info) = admin.get("/model/info");
    assert_eq!(status, 200);
    assert_eq!(info["data"], json!([]), "nothing was stored");
    let stored: i64 = query(&proxy, "SELECT COUNT(*) FROM models");
    assert_eq!(stored, 0);
}

#[test]
fn an_access_group_grants_its_models_and_the_reads_show_each_caller_their_own() {
    let config = model("plain", "ma-plain", 1e-6, 2e-6);
    let mut beta = String::new();
    let proxy = start_seeded(&config, |s| beta = s.key(KeySpec { models: &["beta-models"], ..Default::default() }));
    let admin = proxy.admin();
    for (name, upstream) in [("beta-a", "ma-beta-a"), ("beta-b", "ma-beta-b")] {
        let body = new_model(name, upstream, SECRET, json!({"access_groups": ["beta-models"]}));
        assert_eq!(admin.post("/model/new", body).0, 200);
    }
    assert_eq!(chat(&proxy, &beta, "beta-a").0, 200);
    assert_eq!(chat(&proxy, &beta, "beta-b").0, 200);
    let (status, refused) = chat(&proxy, &beta, "plain");
    assert_eq!(status, 403, "{refused}");
    assert_eq!(refused["error"]["type"], "key_model_access_denied");

    let listed = |body: &Value| -> Vec<String> {
        let mut names: Vec<String> =
            body["data"].as_array().unwrap().iter().map(|m| m["model_name"].as_str().unwrap().to_string()).collect();
        names.sort();
        names
    };
    let client = proxy.client(Some(&beta));
    let (status, mine) = client.get("/model/info");
    assert_eq!(status, 200, "{mine}");
    assert_eq!(listed(&mine), ["beta-a", "beta-b"]);
    assert!(mine["data"][0]["litellm_params"].get("api_base").is_none(), "no upstream address for a key holder");
    let (_, groups) = client.get("/model_group/info");
    let names: Vec<&str> =
        groups["data"].as_array().unwrap().iter().map(|g| g["model_group"].as_str().unwrap()).collect();
    assert_eq!(names, ["beta-a", "beta-b"]);
    assert_eq!(groups["data"][0]["providers"], json!(["openai"]));
    assert_eq!(groups["data"][0]["access_groups"], json!(["beta-models"]));
    let (_, models) = client.get("/v1/models");
    assert_eq!(models["data"].as_array().unwrap().len(), 2);

    let (_, all) = admin.get("/v2/model/info?size=2&page=2");
    assert_eq!((all["total_count"].as_u64(), all["total_pages"].as_u64()), (Some(3), Some(2)));
    assert_eq!(all["data"].as_array().unwrap().len(), 1);
    let (_, one) = admin.get("/v2/model/info?search=BETA-B");
    assert_eq!(listed(&one), ["beta-b"]);
    let (_, plain) = admin.get("/model_group/info?model_group=plain");
    assert_eq!(plain["data"][0]["input_cost_per_token"], 1e-6);
    assert_eq!(admin.get("/v2/model/info?page=0").0, 400);
}

#[test]
fn routes_and_readiness_details_answer_any_key_and_no_one_else() {
    let config = model("ready", "ma-ready", 1e-6, 2e-6);
    let proxy = Proxy::start_with(Options { config: Some(&config), ..Default::default() });
    let keys = new_users(&proxy.admin(), &[("ma-reader", "internal_user")]);
    let client = proxy.client(Some(&keys[0]));

    let (status, routes) = client.get("/routes");
    assert_eq!(status, 200, "{routes}");
    let find = |path: &str| routes["routes"].as_array().unwrap().iter().find(|r| r["path"] == path).cloned();
    assert_eq!(find("/model/new").expect("listed")["methods"], json!(["POST"]));
    assert!(find("/v1/chat/completions").is_some() && find("/routes").is_some());

    let (status, details) = client.get("/health/readiness/details");
    assert_eq!(status, 200, "{details}");
    assert_eq!((details["status"].as_str(), details["db"].as_str()), (Some("healthy"), Some("connected")));
    assert_eq!(details["models"], 1);
    assert_eq!(details["deployments"]["healthy"], 1);
    assert!(details["database_bytes"].as_u64().unwrap() > 0);

    for path in ["/routes", "/health/readiness/details"] {
        assert_eq!(proxy.client(None).get(path).0, 401, "{path}");
    }
}
