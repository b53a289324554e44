//! Organizations against the real binary: the `/organization/*` contract (LiteLLM's
//! shapes, methods and statuses), the bounds an organization puts on its teams (at
//! `/team/new`, `/team/update` and at request time: models, budget, spend), and chains of
//! calls by an organization's admin that must never reach proxy-admin rights or another
//! organization's teams.

mod common;

use common::mock_upstream::mock;
use common::{COST, Client, Options, PRICE_IN, PRICE_OUT, Proxy, chat_body, model, new_users, post};
use serde_json::{Value, json};

/// A call with any method (LiteLLM uses PATCH and DELETE for some organization routes).
fn send(client: &Client, method: &str, path: &str, body: Value) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = client.http.request(method, format!("{}{}", client.base, path)).json(&body);
    if let Some(key) = &client.key {
        request = request.bearer_auth(key);
    }
    let response = request.send().unwrap();
    let status = response.status().as_u16();
    let text = response.text().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn new_org(admin: &Client, body: Value) -> String {
    let (status, org) = admin.post("/organization/new", body);
    assert_eq!(status, 200, "{org}");
    org["organization_id"].as_str().unwrap().to_string()
}

fn add_member(admin: &Client, org: &str, user: &str, role: &str) {
    let body = json!({"organization_id": org, "member": {"user_id": user, "role": role}});
    let (status, answer) = admin.post("/organization/member_add", body);
    assert_eq!(status, 200, "{answer}");
}

#[test]
fn the_organization_routes_answer_in_litellms_shapes() {
    let proxy = Proxy::start();
    let admin = proxy.admin();
    new_users(&admin, &[("alice", "internal_user")]);

    // organization_alias is required; the id is generated when not given.
    let (status, refusal) = admin.post("/organization/new", json!({"models": ["a"]}));
    assert_eq!(status, 400, "{refusal}");
    assert_eq!(refusal["error"]["param"], "organization_alias");
    let (status, refusal) = admin.post("/organization/new", json!({"organization_alias": "x", "max_budget": -1}));
    assert_eq!(status, 400, "{refusal}");
    let (status, created) = admin.post(
        "/organization/new",
        json!({"organization_alias": "Acme", "models": ["m1", "m2"], "max_budget": 10, "tpm_limit": 1000,
               "budget_duration": "30d", "metadata": {"tier": "gold"}}),
    );
    assert_eq!(status, 200, "{created}");
    let id = created["organization_id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 36, "a uuid: {id}");
    assert_eq!(created["organization_alias"], "Acme");
    assert_eq!(created["models"], json!(["m1", "m2"]));
    assert_eq!(created["spend"], 0.0);
    assert_eq!(created["litellm_budget_table"]["max_budget"], 10.0);
    assert_eq!(created["litellm_budget_table"]["tpm_limit"], 1000);
    assert!(created["litellm_budget_table"]["budget_reset_at"].is_string(), "{created}");
    assert_eq!(created["created_by"], "default_user_id");
    let (status, again) = admin.post("/organization/new", json!({"organization_id": id, "organization_alias": "dup"}));
    assert_eq!(status, 400, "{again}");
    new_org(&admin, json!({"organization_id": "beta-org", "organization_alias": "Beta"}));

    // Members: one object or a list, by id or by email (a new user is created).
    let (status, added) = admin.post(
        "/organization/member_add",
        json!({"organization_id": id, "member": [
            {"user_id": "alice", "role": "org_admin"},
            {"user_email": "newbie@example.com", "role": "internal_user_viewer"}
        ]}),
    );
    assert_eq!(status, 200, "{added}");
    assert_eq!(added["organization_id"], id.as_str());
    assert_eq!(added["updated_users"].as_array().unwrap().len(), 2, "{added}");
    let memberships = added["updated_organization_memberships"].as_array().unwrap();
    let newbie = memberships.iter().find(|m| m["user_email"] == "newbie@example.com").unwrap();
    assert_eq!(newbie["user_role"], "internal_user_viewer");
    let newbie_id = newbie["user_id"].as_str().unwrap().to_string();
    let (status, user) = admin.get(&format!("/user/info?user_id={newbie_id}"));
    assert_eq!(status, 200, "{user}");
    assert_eq!(user["user_info"]["user_role"], "internal_user");
    let (status, twice) = admin.post(
        "/organization/member_add",
        json!({"organization_id": id, "member": {"user_id": "alice", "role": "internal_user"}}),
    );
    assert_eq!(status, 400, "{twice}");
    let (status, bad_role) = admin.post(
        "/organization/member_add",
        json!({"organization_id": id, "member": {"user_id": "x", "role": "proxy_admin"}}),
    );
    assert_eq!(status, 400, "{bad_role}");
    let (status, missing) = admin.post(
        "/organization/member_add",
        json!({"organization_id": "nope", "member": {"user_id": "alice", "role": "internal_user"}}),
    );
    assert_eq!(status, 404, "{missing}");

    // Reads: GET info, the deprecated POST info, list with filters.
    let (status, info) = admin.get(&format!("/organization/info?organization_id={id}"));
    assert_eq!(status, 200, "{info}");
    let members = info["members"].as_array().unwrap();
    assert_eq!(members.len(), 2);
    let alice = members.iter().find(|m| m["user_id"] == "alice").unwrap();
    assert_eq!(
        (alice["user_role"].as_str(), alice["user_email"].as_str()),
        (Some("org_admin"), Some("alice@example.com"))
    );
    assert_eq!(info["teams"], json!([]));
    let (status, unknown) = admin.get("/organization/info?organization_id=nope");
    assert_eq!(status, 404, "{unknown}");
    let (status, several) = admin.post("/organization/info", json!({"organizations": [id, "beta-org"]}));
    assert_eq!(status, 200, "{several}");
    assert_eq!(several.as_array().unwrap().len(), 2);
    let (status, empty) = admin.post("/organization/info", json!({"organizations": []}));
    assert_eq!(status, 400, "{empty}");
    let (_, all) = admin.get("/organization/list");
    assert_eq!(all.as_array().unwrap().len(), 2);
    let (_, acme) = admin.get("/organization/list?org_alias=acm");
    assert_eq!(
        acme.as_array().unwrap().iter().map(|o| o["organization_id"].clone()).collect::<Vec<_>>(),
        vec![json!(id)]
    );
    let (_, by_id) = admin.get("/organization/list?org_id=beta-org");
    assert_eq!(by_id[0]["organization_alias"], "Beta");

    // Update (PATCH): the UI's nested budget, models, metadata merged.
    let (status, updated) = send(
        &admin,
        "PATCH",
        "/organization/update",
        json!({"organization_id": id, "models": ["m1"], "metadata": {"region": "eu"},
               "litellm_budget_table": {"max_budget": 20, "rpm_limit": 5}}),
    );
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["models"], json!(["m1"]));
    assert_eq!(updated["litellm_budget_table"]["max_budget"], 20.0);
    assert_eq!(updated["litellm_budget_table"]["rpm_limit"], 5);
    assert_eq!(updated["metadata"], json!({"tier": "gold", "region": "eu"}));
    let (status, missing) =
        send(&admin, "PATCH", "/organization/update", json!({"organization_id": "nope", "models": []}));
    assert_eq!(status, 404, "{missing}");

    // member_update (PATCH) and member_delete (DELETE), by id or email.
    let (status, changed) = send(
        &admin,
        "PATCH",
        "/organization/member_update",
        json!({"organization_id": id, "user_email": "newbie@example.com", "role": "internal_user"}),
    );
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        (changed["user_id"].as_str(), changed["user_role"].as_str()),
        (Some(newbie_id.as_str()), Some("internal_user"))
    );
    let (status, stranger) = send(
        &admin,
        "PATCH",
        "/organization/member_update",
        json!({"organization_id": id, "user_id": "nobody", "role": "org_admin"}),
    );
    assert_eq!(status, 404, "{stranger}");
    let (status, removed) =
        send(&admin, "DELETE", "/organization/member_delete", json!({"organization_id": id, "user_id": newbie_id}));
    assert_eq!(status, 200, "{removed}");
    let (_, info) = admin.get(&format!("/organization/info?organization_id={id}"));
    assert_eq!(info["members"].as_array().unwrap().len(), 1, "{info}");

    // Delete (DELETE): the organization goes with its teams and their keys.
    let (status, team) =
        admin.post("/team/new", json!({"team_id": "acme-team", "organization_id": id, "models": ["m1"]}));
    assert_eq!(status, 200, "{team}");
    let (_, key) = admin.post("/key/generate", json!({"team_id": "acme-team"}));
    let key = key["key"].as_str().unwrap().to_string();
    let (status, missing) = send(&admin, "DELETE", "/organization/delete", json!({"organization_ids": ["nope"]}));
    assert_eq!(status, 404, "{missing}");
    let (status, deleted) = send(&admin, "DELETE", "/organization/delete", json!({"organization_ids": [id]}));
    assert_eq!(status, 200, "{deleted}");
    assert_eq!(deleted[0]["organization_id"], id.as_str());
    assert_eq!(deleted[0]["teams"][0]["team_id"], "acme-team");
    assert_eq!(admin.get("/team/info?team_id=acme-team").0, 404);
    assert_eq!(proxy.client(Some(&key)).get("/key/info").0, 401, "the team's key is gone");
    assert_eq!(admin.get(&format!("/organization/info?organization_id={id}")).0, 404);
    let (_, audit) = admin.get("/audit");
    let tables: Vec<&str> = audit["audit_logs"]
        .as_array()
        .map(|l| l.iter().filter_map(|r| r["table_name"].as_str()).collect())
        .unwrap_or_default();
    assert!(tables.contains(&"organizations") && tables.contains(&"organization_memberships"), "{audit}");
}

#[test]
fn an_organization_bounds_its_teams_models_and_budget() {
    let proxy = Proxy::start();
    let admin = proxy.admin();
    let org = new_org(
        &admin,
        json!({"organization_alias": "Bounded", "models": ["m1", "m2"], "max_budget": 10, "rpm_limit": 50}),
    );

    let (status, refusal) = admin.post("/team/new", json!({"organization_id": "nope"}));
    assert_eq!(status, 400, "{refusal}");
    assert!(refusal["error"]["message"].as_str().unwrap().contains("Organization not found"), "{refusal}");
    let (status, refusal) = admin.post("/team/new", json!({"organization_id": org, "models": ["m1", "m3"]}));
    assert_eq!(status, 400, "{refusal}");
    let message = refusal["error"]["message"].as_str().unwrap();
    assert!(message.contains("Model 'm3' not in organization's allowed models") && message.contains(&org), "{message}");
    let (status, refusal) = admin.post("/team/new", json!({"organization_id": org, "max_budget": 11}));
    assert_eq!(status, 400, "{refusal}");
    assert!(refusal["error"]["message"].as_str().unwrap().contains("exceeds organization's max_budget"), "{refusal}");
    let (status, refusal) = admin.post("/team/new", json!({"organization_id": org, "rpm_limit": 51}));
    assert_eq!(status, 400, "{refusal}");
    assert_eq!(admin.get("/team/list").1.as_array().unwrap().len(), 0, "refusals made no team");

    let (status, team) = admin
        .post("/team/new", json!({"team_id": "inside", "organization_id": org, "models": ["m1"], "max_budget": 10}));
    assert_eq!(status, 200, "{team}");
    assert_eq!(team["organization_id"], org.as_str());
    let (_, info) = admin.get("/team/info?team_id=inside");
    assert_eq!(info["team_info"]["organization_id"], org.as_str());
    let (status, refusal) = admin.post("/team/update", json!({"team_id": "inside", "max_budget": 12}));
    assert_eq!(status, 400, "{refusal}");
    let (status, refusal) = admin.post("/team/update", json!({"team_id": "inside", "models": ["m9"]}));
    assert_eq!(status, 400, "{refusal}");
    assert_eq!(admin.get("/team/info?team_id=inside").1["team_info"]["max_budget"], 10.0, "unchanged");

    // A standalone team joining must fit as a whole.
    admin.post("/team/new", json!({"team_id": "outside", "models": ["m7"]}));
    let (status, refusal) = admin.post("/team/update", json!({"team_id": "outside", "organization_id": org}));
    assert_eq!(status, 400, "{refusal}");
    admin.post("/team/new", json!({"team_id": "fits"}));
    let (status, moved) = admin.post("/team/update", json!({"team_id": "fits", "organization_id": org}));
    assert_eq!(status, 200, "{moved}");
    let (_, listed) = admin.get(&format!("/team/list?organization_id={org}"));
    let ids: Vec<&str> = listed.as_array().unwrap().iter().filter_map(|t| t["team_id"].as_str()).collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids.contains(&"inside") && ids.contains(&"fits"));
    let (_, org_info) = admin.get(&format!("/organization/info?organization_id={org}"));
    assert_eq!(org_info["teams"].as_array().unwrap().len(), 2, "{org_info}");
}

#[test]
fn an_organizations_budget_and_models_hold_at_request_time() {
    let config = model("org-m1", "org-up-1", PRICE_IN, PRICE_OUT) + &model("org-m2", "org-up-2", PRICE_IN, PRICE_OUT);
    let proxy = Proxy::start_with(Options { config: Some(&config), ..Default::default() });
    let admin = proxy.admin();
    // Two requests fit (0.02 each); then the organization's budget is spent.
    let org = new_org(&admin, json!({"organization_alias": "Spender", "max_budget": 0.03}));
    admin.post("/team/new", json!({"team_id": "spenders", "organization_id": org}));
    let (_, key) = admin.post("/key/generate", json!({"team_id": "spenders"}));
    let key = key["key"].as_str().unwrap().to_string();
    let url = proxy.url("/v1/chat/completions");
    for _ in 0..2 {
        let (status, _, body) = post(&url, &key, &chat_body("org-m1"));
        assert_eq!(status, 200, "{body}");
    }
    let (status, _, body) = post(&url, &key, &chat_body("org-m1"));
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["type"], "budget_exceeded");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.starts_with(&format!("Budget has been exceeded! Organization={org} Current cost:")), "{message}");
    assert_eq!(mock().calls("org-up-1"), 2);
    let (_, info) = admin.get(&format!("/organization/info?organization_id={org}"));
    let spend = info["spend"].as_f64().unwrap();
    assert!((spend - 2.0 * COST).abs() < 1e-9, "the organization was charged: {spend}");

    // Shrinking the organization's models bounds a team that listed none.
    let wide = new_org(&admin, json!({"organization_alias": "Wide"}));
    admin.post("/team/new", json!({"team_id": "wide-team", "organization_id": wide}));
    let (_, key) = admin.post("/key/generate", json!({"team_id": "wide-team"}));
    let key = key["key"].as_str().unwrap().to_string();
    assert_eq!(post(&url, &key, &chat_body("org-m2")).0, 200);
    let (status, _) =
        send(&admin, "PATCH", "/organization/update", json!({"organization_id": wide, "models": ["org-m1"]}));
    assert_eq!(status, 200);
    let (status, _, body) = post(&url, &key, &chat_body("org-m2"));
    assert_eq!(status, 403, "{body}");
    assert_eq!(mock().calls("org-up-2"), 1);
    assert_eq!(post(&url, &key, &chat_body("org-m1")).0, 200);
}

/// An org admin's chains of allowed calls stay inside their organization and never reach
/// a right they do not hold.
#[test]
fn an_org_admin_manages_their_organization_and_nothing_else() {
    let proxy = Proxy::start();
    let admin = proxy.admin();
    let keys = new_users(
        &admin,
        &[
            ("lead", "internal_user"),
            ("boss", "proxy_admin"),
            ("rival", "internal_user"),
            ("plain", "internal_user"),
            ("member", "internal_user"),
        ],
    );
    let lead = proxy.client(Some(&keys[0]));
    let member = proxy.client(Some(&keys[4]));
    let org = new_org(&admin, json!({"organization_id": "o1", "organization_alias": "One", "max_budget": 10}));
    let other = new_org(&admin, json!({"organization_id": "o2", "organization_alias": "Two"}));
    add_member(&admin, &org, "lead", "org_admin");
    add_member(&admin, &org, "member", "internal_user");
    add_member(&admin, &other, "rival", "org_admin");
    admin.post("/team/new", json!({"team_id": "their-team", "organization_id": other}));

    // The organization itself is the proxy admin's.
    assert_eq!(
        send(&lead, "PATCH", "/organization/update", json!({"organization_id": org, "max_budget": 1000})).0,
        401
    );
    assert_eq!(lead.post("/organization/new", json!({"organization_alias": "mine"})).0, 401);
    assert_eq!(send(&lead, "DELETE", "/organization/delete", json!({"organization_ids": [org]})).0, 401);

    // Members: a user who holds nothing more joins; a proxy admin or another
    // organization's admin does not; a new user by email is created as an internal user.
    let add = |user: &str, role: &str| {
        lead.post(
            "/organization/member_add",
            json!({"organization_id": org, "member": {"user_id": user, "role": role}}),
        )
    };
    assert_eq!(add("plain", "internal_user").0, 200);
    let (status, refusal) = add("boss", "internal_user");
    assert_eq!(status, 403, "{refusal}");
    assert!(refusal["error"]["message"].as_str().unwrap().contains("proxy_admin"), "{refusal}");
    assert_eq!(add("rival", "internal_user").0, 403);
    let (status, added) = lead.post(
        "/organization/member_add",
        json!({"organization_id": org, "member": {"user_email": "hire@example.com", "role": "org_admin"}}),
    );
    assert_eq!(status, 200, "{added}");
    assert_eq!(added["updated_users"][0]["user_role"], "internal_user");
    assert_eq!(
        lead.post(
            "/organization/member_add",
            json!({"organization_id": other, "member": {"user_id": "plain", "role": "internal_user"}})
        )
        .0,
        401
    );
    // A proxy admin put into the organization by the proxy admin stays out of reach.
    add_member(&admin, &org, "boss", "internal_user");
    let change = json!({"organization_id": org, "user_id": "boss", "role": "org_admin"});
    assert_eq!(send(&lead, "PATCH", "/organization/member_update", change).0, 403);
    // A plain member reads the organization and changes nothing.
    assert_eq!(member.get(&format!("/organization/info?organization_id={org}")).0, 200);
    assert_eq!(member.get(&format!("/organization/info?organization_id={other}")).0, 403);
    assert_eq!(add_as(&member, &org, "plain").0, 401);
    let (_, listed) = member.get("/organization/list");
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");

    // Teams: inside the organization yes, outside or in another no.
    let (status, team) =
        lead.post("/team/new", json!({"team_id": "lead-team", "organization_id": org, "max_budget": 5}));
    assert_eq!(status, 200, "{team}");
    assert!(
        team["members_with_roles"].as_array().unwrap().iter().any(|m| m["user_id"] == "lead" && m["role"] == "admin")
    );
    assert_eq!(lead.post("/team/new", json!({"team_id": "loose"})).0, 401);
    assert_eq!(lead.post("/team/new", json!({"team_id": "sneaky", "organization_id": other})).0, 401);
    assert_eq!(lead.post("/team/new", json!({"organization_id": org, "max_budget": 11})).0, 400);
    assert_eq!(lead.post("/team/update", json!({"team_id": "lead-team", "max_budget": 8})).0, 200);
    assert_eq!(lead.post("/team/update", json!({"team_id": "lead-team", "max_budget": 80})).0, 400);
    assert_eq!(lead.post("/team/update", json!({"team_id": "lead-team", "organization_id": other})).0, 403);
    assert_eq!(lead.post("/team/update", json!({"team_id": "lead-team", "organization_id": ""})).0, 403);
    assert_eq!(lead.post("/team/update", json!({"team_id": "their-team", "max_budget": 1})).0, 403);
    assert_eq!(lead.get("/team/info?team_id=their-team").0, 403);
    let member_add = |team: &str, user: &str| {
        lead.post("/team/member_add", json!({"team_id": team, "member": {"user_id": user, "role": "user"}}))
    };
    assert_eq!(member_add("lead-team", "plain").0, 200);
    assert_eq!(member_add("their-team", "lead").0, 403);
    let (_, teams) = lead.get("/team/list");
    let ids: Vec<&str> = teams.as_array().unwrap().iter().filter_map(|t| t["team_id"].as_str()).collect();
    assert_eq!(ids, vec!["lead-team"]);

    // No credential for a stronger user, even in a team the org admin runs.
    assert_eq!(member_add("lead-team", "boss").0, 200);
    let (status, refusal) = lead.post("/key/generate", json!({"team_id": "lead-team", "user_id": "boss"}));
    assert_eq!(status, 403, "{refusal}");
    assert_eq!(lead.post("/key/generate", json!({"team_id": "lead-team", "user_id": "plain"})).0, 200);
    assert_eq!(lead.post("/user/update", json!({"user_id": "lead", "user_role": "proxy_admin"})).0, 401);
    assert_eq!(lead.get("/user/info?user_id=lead").1["user_info"]["user_role"], "internal_user");

    assert_eq!(lead.post("/team/delete", json!({"team_ids": ["their-team"]})).0, 401);
    assert_eq!(lead.post("/team/delete", json!({"team_ids": ["lead-team", "their-team"]})).0, 401);
    assert_eq!(lead.post("/team/delete", json!({"team_ids": ["lead-team"]})).0, 200);
    assert_eq!(admin.get("/team/info?team_id=their-team").0, 200, "the other organization's team stays");

    // Once out of the organization, the admin manages nothing of it.
    assert_eq!(
        send(&admin, "DELETE", "/organization/member_delete", json!({"organization_id": org, "user_id": "lead"})).0,
        200
    );
    assert_eq!(lead.post("/team/new", json!({"organization_id": org})).0, 401);
    assert_eq!(add("plain", "org_admin").0, 401);
}

fn add_as(client: &Client, org: &str, user: &str) -> (u16, Value) {
    client.post(
        "/organization/member_add",
        json!({"organization_id": org, "member": {"user_id": user, "role": "internal_user"}}),
    )
}

/// Defaults that would make new users admins are the proxy admin's to use.
#[test]
fn an_org_admin_cannot_create_admins_through_the_defaults() {
    let config = "[litellm_settings.default_internal_user_params]\nuser_role = \"proxy_admin_viewer\"\n";
    let proxy = Proxy::start_with(Options { config: Some(config), ..Default::default() });
    let admin = proxy.admin();
    let keys = new_users(&admin, &[("lead", "internal_user")]);
    let org = new_org(&admin, json!({"organization_alias": "O"}));
    add_member(&admin, &org, "lead", "org_admin");
    let lead = proxy.client(Some(&keys[0]));
    let body = json!({"organization_id": org, "member": {"user_email": "new@example.com", "role": "internal_user"}});
    let (status, refusal) = lead.post("/organization/member_add", body.clone());
    assert_eq!(status, 403, "{refusal}");
    assert_eq!(admin.get("/user/list").1["users"].as_array().unwrap().len(), 2, "no user was created");
    assert_eq!(admin.post("/organization/member_add", body).0, 200);
}
