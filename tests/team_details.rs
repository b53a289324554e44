//! Team details over real HTTP, against the real binary and the mock upstream: a team's
//! `model_aliases` lead its keys to their targets (and access still holds on the target),
//! request tags from the body, the header, the key and the team are summed per tag by
//! `/spend/tags`, and keys and team members that reference a budget object (`budget_id`)
//! are held to its budget and limits. A referenced budget cannot be deleted, and bad
//! inputs are refused with a 400 that changes nothing.

mod common;

use common::mock_upstream::mock;
use common::{COST, Client, Options, PRICE_IN, PRICE_OUT, Proxy, model};
use serde_json::{Value, json};

fn start(config: &str) -> Proxy {
    Proxy::start_with(Options { config: Some(config), ..Default::default() })
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

fn ask(model: &str) -> Value {
    json!({"model": model, "messages": [{"role": "user", "content": "hi"}]})
}

fn generate(admin: &Client, body: Value) -> String {
    let (status, key) = admin.post("/key/generate", body);
    assert_eq!(status, 200, "{key}");
    key["key"].as_str().expect("the key").to_string()
}

fn assert_field_error(status: u16, body: &Value, param: &str) {
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["param"], param, "{body}");
    assert_eq!(body["error"]["code"], "400", "{body}");
}

#[test]
fn team_aliases_lead_the_teams_keys_to_their_target_and_access_still_holds() {
    let config =
        [model("td-cheap", "td-cheap-up", PRICE_IN, PRICE_OUT), model("td-smart", "td-smart-up", PRICE_IN, PRICE_OUT)]
            .concat();
    let proxy = start(&config);
    let admin = proxy.admin();
    let aliases = json!({"fast": "td-cheap", "clever": "td-smart"});
    let (status, team) =
        admin.post("/team/new", json!({"team_id": "alias-team", "models": ["td-cheap"], "model_aliases": aliases}));
    assert_eq!(status, 200, "{team}");
    assert_eq!(team["model_aliases"], aliases);
    assert_eq!(team["litellm_model_table"]["model_aliases"], aliases);

    let key = generate(&admin, json!({"team_id": "alias-team"}));
    let (status, answer) = chat(&proxy, &key, ask("fast"), &[]);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(mock().calls("td-cheap-up"), 1, "the alias reached its target");
    // The target of `clever` is not among the team's models: refused before any upstream call.
    let (status, refused) = chat(&proxy, &key, ask("clever"), &[]);
    assert_eq!(status, 403, "{refused}");
    assert_eq!(refused["error"]["type"], "team_model_access_denied", "{refused}");
    assert_eq!(mock().calls("td-smart-up"), 0);

    // The key's own aliases come first, then the team's.
    let chained = generate(&admin, json!({"team_id": "alias-team", "aliases": {"quick": "fast"}}));
    let (status, answer) = chat(&proxy, &chained, ask("quick"), &[]);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(mock().calls("td-cheap-up"), 2);

    // A key of no team knows no such alias.
    let outsider = generate(&admin, json!({}));
    let (status, refused) = chat(&proxy, &outsider, ask("fast"), &[]);
    assert_eq!(status, 400, "{refused}");
    assert_eq!(mock().calls("td-cheap-up"), 2);

    // /team/info and /team/list show the aliases; an update replaces them.
    let (_, info) = admin.get("/team/info?team_id=alias-team");
    assert_eq!(info["team_info"]["model_aliases"], aliases, "{info}");
    let (status, updated) =
        admin.post("/team/update", json!({"team_id": "alias-team", "model_aliases": {"fast": "td-smart"}}));
    assert_eq!(status, 200, "{updated}");
    let (_, list) = admin.get("/team/list");
    let listed = list.as_array().and_then(|l| l.iter().find(|t| t["team_id"] == "alias-team")).cloned();
    assert_eq!(listed.map(|t| t["model_aliases"].clone()), Some(json!({"fast": "td-smart"})));
    let (status, refused) = chat(&proxy, &key, ask("fast"), &[]);
    assert_eq!(status, 403, "the new target is not the team's: {refused}");

    // Bad aliases: refused, and the team keeps the ones it had.
    for (body, what) in [
        (json!({"team_id": "alias-team", "model_aliases": {"fast": "no-such-model"}}), "an unknown target"),
        (json!({"team_id": "alias-team", "model_aliases": "fast=td-cheap"}), "not an object"),
        (json!({"team_id": "alias-team", "model_aliases": {"fast": 3}}), "a target that is not a name"),
    ] {
        let (status, refused) = admin.post("/team/update", body);
        assert_field_error(status, &refused, "model_aliases");
        let (_, info) = admin.get("/team/info?team_id=alias-team");
        assert_eq!(info["team_info"]["model_aliases"], json!({"fast": "td-smart"}), "{what}");
    }
    let (status, refused) = admin.post("/team/new", json!({"team_id": "never", "model_aliases": {"x": "nowhere"}}));
    assert_field_error(status, &refused, "model_aliases");
    assert_eq!(admin.get("/team/info?team_id=never").0, 404, "no team was made");
}

fn tag_spend(client: &Client, query: &str) -> Vec<(String, i64, f64)> {
    let (status, tags) = client.get(&format!("/spend/tags{query}"));
    assert_eq!(status, 200, "{tags}");
    let mut rows: Vec<(String, i64, f64)> = tags
        .as_array()
        .expect("a list")
        .iter()
        .map(|t| {
            let tag = t["individual_request_tag"].as_str().expect("tag").to_string();
            (tag, t["log_count"].as_i64().expect("count"), t["total_spend"].as_f64().expect("spend"))
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows
}

fn near(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn tags_from_body_header_key_and_team_are_summed_per_tag() {
    let proxy = start(&model("td-tag", "td-tag-up", PRICE_IN, PRICE_OUT));
    let admin = proxy.admin();
    let (status, team) = admin.post("/team/new", json!({"team_id": "tag-team", "tags": ["team-t"]}));
    assert_eq!(status, 200, "{team}");
    assert_eq!(team["metadata"]["tags"], json!(["team-t"]));
    let (status, made) = admin.post("/key/generate", json!({"team_id": "tag-team", "tags": ["key-t"]}));
    assert_eq!(status, 200, "{made}");
    assert_eq!(made["metadata"]["tags"], json!(["key-t"]));
    assert_eq!(made["tags"], json!(["key-t"]));
    let team_key = made["key"].as_str().unwrap().to_string();
    let plain_key = generate(&admin, json!({}));

    let mut body = ask("td-tag");
    body["metadata"] = json!({"tags": ["body-t"]});
    assert_eq!(chat(&proxy, &team_key, body, &[]).0, 200);
    assert_eq!(chat(&proxy, &team_key, ask("td-tag"), &[("x-litellm-tags", "head-t, body-t")]).0, 200);
    assert_eq!(chat(&proxy, &plain_key, ask("td-tag"), &[]).0, 200);
    let mut top = ask("td-tag");
    top["tags"] = json!(["top-t"]);
    assert_eq!(chat(&proxy, &plain_key, top, &[]).0, 200);
    assert_eq!(mock().calls("td-tag-up"), 4);
    let sent = mock().last_body("td-tag-up").expect("a body");
    assert!(sent.get("tags").is_none(), "no upstream is sent LiteLLM's tags: {sent}");

    let sums = tag_spend(&admin, "");
    let expected = [("body-t", 2), ("head-t", 1), ("key-t", 2), ("team-t", 2), ("top-t", 1)];
    assert_eq!(sums.len(), expected.len(), "{sums:?}");
    for ((tag, count, spend), (want, n)) in sums.iter().zip(expected) {
        assert_eq!((tag.as_str(), *count), (want, n), "{sums:?}");
        assert!(near(*spend, n as f64 * COST), "{tag}: {spend}");
    }
    // The days asked for bound the sums; a bad day is a 400.
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert_eq!(tag_spend(&admin, &format!("?start_date={today}&end_date={today}")).len(), 5);
    assert!(tag_spend(&admin, "?start_date=2999-01-01").is_empty());
    let (status, refused) = admin.get("/spend/tags?end_date=tomorrow");
    assert_field_error(status, &refused, "end_date");

    // Each log row carries its tags, the key's and team's after its own.
    let (status, logs) = admin.get("/spend/logs?summarize=false");
    assert_eq!(status, 200, "{logs}");
    let tags: Vec<Value> = logs.as_array().unwrap().iter().map(|r| r["request_tags"].clone()).collect();
    assert!(tags.contains(&json!(["head-t", "body-t", "key-t", "team-t"])), "{tags:?}");
    assert!(tags.contains(&json!([])), "a row without tags: {tags:?}");

    // A user sees the tags of their own spend only.
    let user_key = common::new_users(&admin, &[("tagger", "internal_user")]).remove(0);
    assert_eq!(chat(&proxy, &user_key, ask("td-tag"), &[("x-litellm-tags", "mine")]).0, 200);
    let own = tag_spend(&proxy.client(Some(&user_key)), "");
    assert_eq!(own.iter().map(|t| t.0.as_str()).collect::<Vec<_>>(), ["mine"]);
    assert_eq!(tag_spend(&admin, "").len(), 6);

    // A request's tag list must hold tags: refused before any upstream call.
    let mut bad = ask("td-tag");
    bad["metadata"] = json!({"tags": ["ok", 7]});
    let (status, refused) = chat(&proxy, &plain_key, bad, &[]);
    assert_eq!(status, 400, "{refused}");
    assert_eq!(mock().calls("td-tag-up"), 5);
}

#[test]
fn bad_tags_on_keys_and_teams_are_refused_and_change_nothing() {
    let proxy = start(&model("td-badtag", "td-badtag-up", PRICE_IN, PRICE_OUT));
    let admin = proxy.admin();
    let (status, made) = admin.post("/key/generate", json!({"key_alias": "tagged", "tags": ["a"]}));
    assert_eq!(status, 200, "{made}");
    let key = made["key"].as_str().unwrap().to_string();
    for body in [
        json!({"key": key, "tags": "a,b"}),
        json!({"key": key, "tags": ["a", 1]}),
        json!({"key": key, "metadata": {"tags": "a"}}),
    ] {
        let (status, refused) = admin.post("/key/update", body.clone());
        let param = if body.get("metadata").is_some() { "metadata.tags" } else { "tags" };
        assert_field_error(status, &refused, param);
        let (_, info) = admin.get(&format!("/key/info?key={key}"));
        assert_eq!(info["info"]["metadata"]["tags"], json!(["a"]), "{body}");
    }
    let (status, refused) = admin.post("/key/generate", json!({"key_alias": "never", "tags": "x"}));
    assert_field_error(status, &refused, "tags");
    let (_, keys) = admin.get("/key/list?key_alias=never");
    assert_eq!(keys["keys"], json!([]), "no key was made");
    // `tags` replaces `metadata.tags`; `null` leaves them.
    let (status, _) = admin.post("/key/update", json!({"key": key, "tags": ["b"]}));
    assert_eq!(status, 200);
    let (status, _) = admin.post("/key/update", json!({"key": key, "tags": null}));
    assert_eq!(status, 200);
    let (_, info) = admin.get(&format!("/key/info?key={key}"));
    assert_eq!(info["info"]["metadata"]["tags"], json!(["b"]));

    let (status, team) = admin.post("/team/new", json!({"team_id": "tags-t", "tags": ["x"]}));
    assert_eq!(status, 200, "{team}");
    let (status, refused) = admin.post("/team/update", json!({"team_id": "tags-t", "tags": {"x": 1}}));
    assert_field_error(status, &refused, "tags");
    let (status, refused) = admin.post("/team/new", json!({"team_id": "tags-u", "metadata": {"tags": 5}}));
    assert_field_error(status, &refused, "metadata.tags");
    let (_, info) = admin.get("/team/info?team_id=tags-t");
    assert_eq!(info["team_info"]["metadata"]["tags"], json!(["x"]));
    assert_eq!(admin.get("/team/info?team_id=tags-u").0, 404);
}

#[test]
fn a_key_with_a_budget_id_has_the_budgets_max_and_rpm_unless_it_sets_its_own() {
    let proxy = start(&model("td-budget", "td-budget-up", PRICE_IN, PRICE_OUT));
    let admin = proxy.admin();
    let (status, budget) = admin.post("/budget/new", json!({"budget_id": "td-cap", "max_budget": 0.03}));
    assert_eq!(status, 200, "{budget}");
    let (status, _) = admin.post("/budget/new", json!({"budget_id": "td-rate", "rpm_limit": 2}));
    assert_eq!(status, 200);

    let (status, made) = admin.post("/key/generate", json!({"key_alias": "capped", "budget_id": "td-cap"}));
    assert_eq!(status, 200, "{made}");
    assert_eq!(made["budget_id"], "td-cap");
    let capped = made["key"].as_str().unwrap().to_string();
    for _ in 0..2 {
        let (status, answer) = chat(&proxy, &capped, ask("td-budget"), &[]);
        assert_eq!(status, 200, "{answer}");
    }
    let (status, refused) = chat(&proxy, &capped, ask("td-budget"), &[]);
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["error"]["type"], "budget_exceeded", "{refused}");
    let message = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("Budget has been exceeded! Key=capped"), "{message}");
    assert!(message.contains("Max budget: 0.03"), "{message}");
    assert_eq!(mock().calls("td-budget-up"), 2);
    // A higher budget serves the key again at once; the key's own max would win over it.
    let (status, _) = admin.post("/budget/update", json!({"budget_id": "td-cap", "max_budget": 1.0}));
    assert_eq!(status, 200);
    assert_eq!(chat(&proxy, &capped, ask("td-budget"), &[]).0, 200);
    let (status, _) = admin.post("/key/update", json!({"key": capped, "max_budget": 0.05}));
    assert_eq!(status, 200);
    assert_eq!(chat(&proxy, &capped, ask("td-budget"), &[]).0, 400, "the key's own max_budget applies");
    assert_eq!(mock().calls("td-budget-up"), 3);

    // The budget's rpm: two requests a minute.
    let limited = generate(&admin, json!({"budget_id": "td-rate"}));
    assert_eq!(chat(&proxy, &limited, ask("td-budget"), &[]).0, 200);
    assert_eq!(chat(&proxy, &limited, ask("td-budget"), &[]).0, 200);
    let (status, refused) = chat(&proxy, &limited, ask("td-budget"), &[]);
    assert_eq!(status, 429, "{refused}");
    let own_rpm = generate(&admin, json!({"budget_id": "td-rate", "rpm_limit": 5}));
    for _ in 0..3 {
        assert_eq!(chat(&proxy, &own_rpm, ask("td-budget"), &[]).0, 200, "the key's own rpm_limit wins");
    }
    assert_eq!(mock().calls("td-budget-up"), 8);

    // A budget nobody has: refused, no key made or changed.
    let (status, refused) = admin.post("/key/generate", json!({"key_alias": "orphan", "budget_id": "nope"}));
    assert_field_error(status, &refused, "budget_id");
    let (_, keys) = admin.get("/key/list?key_alias=orphan");
    assert_eq!(keys["keys"], json!([]));
    let (status, refused) = admin.post("/key/update", json!({"key": capped, "budget_id": "nope"}));
    assert_field_error(status, &refused, "budget_id");
    let (_, info) = admin.get(&format!("/key/info?key={capped}"));
    assert_eq!(info["info"]["budget_id"], "td-cap");

    // A budget keys reference cannot be deleted until they let go of it.
    let (status, refused) = admin.post("/budget/delete", json!({"id": "td-cap"}));
    assert_field_error(status, &refused, "id");
    let message = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("keys (capped)"), "{message}");
    assert_eq!(admin.post("/budget/info", json!({"budgets": ["td-cap"]})).1.as_array().map(Vec::len), Some(1));
    let (status, _) = admin.post("/key/update", json!({"key": capped, "budget_id": null}));
    assert_eq!(status, 200);
    let (status, deleted) = admin.post("/budget/delete", json!({"id": "td-cap"}));
    assert_eq!(status, 200, "{deleted}");
}

#[test]
fn a_team_member_with_a_budget_id_is_held_to_it_in_the_team() {
    let proxy = start(&model("td-member", "td-member-up", PRICE_IN, PRICE_OUT));
    let admin = proxy.admin();
    common::new_users(&admin, &[("member-1", "internal_user")]);
    let (status, _) = admin.post("/budget/new", json!({"budget_id": "td-seat", "max_budget": 0.03}));
    assert_eq!(status, 200);
    let (status, _) = admin.post("/team/new", json!({"team_id": "seat-team"}));
    assert_eq!(status, 200);

    // An unknown budget: refused, nobody added.
    let member = json!({"role": "user", "user_id": "member-1"});
    let (status, refused) =
        admin.post("/team/member_add", json!({"team_id": "seat-team", "member": member, "budget_id": "nope"}));
    assert_field_error(status, &refused, "budget_id");
    let (_, info) = admin.get("/team/info?team_id=seat-team");
    let members = info["team_memberships"].as_array().expect("memberships");
    assert!(members.iter().all(|m| m["user_id"] != "member-1"), "{info}");

    let (status, added) =
        admin.post("/team/member_add", json!({"team_id": "seat-team", "member": member, "budget_id": "td-seat"}));
    assert_eq!(status, 200, "{added}");
    assert_eq!(added["updated_team_memberships"][0]["budget_id"], "td-seat", "{added}");
    assert_eq!(added["updated_team_memberships"][0]["litellm_budget_table"]["max_budget"], 0.03, "{added}");
    let key = generate(&admin, json!({"user_id": "member-1", "team_id": "seat-team"}));
    for _ in 0..2 {
        assert_eq!(chat(&proxy, &key, ask("td-member"), &[]).0, 200);
    }
    let (status, refused) = chat(&proxy, &key, ask("td-member"), &[]);
    assert_eq!(status, 400, "{refused}");
    let message = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("Budget has been exceeded! User=member-1 in Team=seat-team"), "{message}");
    assert_eq!(mock().calls("td-member-up"), 2);

    // Still referenced by the membership: the budget stays.
    let (status, refused) = admin.post("/budget/delete", json!({"id": "td-seat"}));
    assert_field_error(status, &refused, "id");
    assert!(refused["error"]["message"].as_str().unwrap_or_default().contains("seat-team:member-1"), "{refused}");

    // The member's own max in the team wins over the budget's; without either, no limit.
    let (status, updated) = admin
        .post("/team/member_update", json!({"team_id": "seat-team", "user_id": "member-1", "max_budget_in_team": 1.0}));
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["budget_id"], "td-seat");
    assert_eq!(chat(&proxy, &key, ask("td-member"), &[]).0, 200);
    let (status, updated) = admin.post(
        "/team/member_update",
        json!({"team_id": "seat-team", "user_id": "member-1", "max_budget_in_team": null, "budget_id": null}),
    );
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["budget_id"], Value::Null);
    assert_eq!(chat(&proxy, &key, ask("td-member"), &[]).0, 200);
    let (status, deleted) = admin.post("/budget/delete", json!({"id": "td-seat"}));
    assert_eq!(status, 200, "{deleted}");
}

#[test]
fn a_budget_period_that_ends_restarts_the_spend_of_keys_on_it_but_not_of_keys_with_their_own() {
    let proxy = start(&model("td-period", "td-period-up", PRICE_IN, PRICE_OUT));
    let admin = proxy.admin();
    let past = "2020-01-01T00:00:00.000000Z";
    let body = json!({"budget_id": "td-daily", "max_budget": 0.03, "budget_duration": "1d"});
    let (status, budget) = admin.post("/budget/new", body);
    assert_eq!(status, 200, "{budget}");
    let on_budget = generate(&admin, json!({"budget_id": "td-daily", "spend": 5.0}));
    let own_period = generate(&admin, json!({"budget_id": "td-daily", "spend": 5.0, "budget_duration": "30d"}));
    // The period ends only now that its keys exist: had it ended before, the reset job could
    // have started the new period before the keys came, and their spend would count in it.
    let (status, budget) = admin.post("/budget/update", json!({"budget_id": "td-daily", "budget_reset_at": past}));
    assert_eq!(status, 200, "{budget}");

    // Over the budget in a period that has ended: the key starts the new period.
    let (status, answer) = chat(&proxy, &on_budget, ask("td-period"), &[]);
    assert_eq!(status, 200, "{answer}");
    let (_, info) = admin.get(&format!("/key/info?key={on_budget}"));
    assert!(near(info["info"]["spend"].as_f64().expect("spend"), COST), "reset to 0, then charged: {info}");
    let (_, budgets) = admin.post("/budget/info", json!({"budgets": ["td-daily"]}));
    assert!(budgets[0]["budget_reset_at"].as_str().is_some_and(|at| at > "2021"), "{budgets}");
    // A key with a period of its own keeps its spend, and the budget's max still holds it.
    let (status, refused) = chat(&proxy, &own_period, ask("td-period"), &[]);
    assert_eq!(status, 400, "{refused}");
    let (_, info) = admin.get(&format!("/key/info?key={own_period}"));
    assert!(near(info["info"]["spend"].as_f64().expect("spend"), 5.0), "{info}");
    assert_eq!(mock().calls("td-period-up"), 1);
}
