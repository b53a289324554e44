//! Every curl command of the two seed docs (`litellm-self-serve.txt`,
//! `litellm-proxy-ui.txt`), sent to the real binary, gets the documented answer shape;
//! plus the "All Settings for Self Serve" block as a `proxy.toml`.

mod common;

use common::{Options, Proxy};
use serde_json::{Value, json};

fn assert_error_envelope(body: &Value, status: u16) {
    let error = &body["error"];
    assert!(error["message"].is_string(), "{body}");
    assert!(error["type"].is_string(), "{body}");
    assert!(error.get("param").is_some(), "{body}");
    assert_eq!(error["code"], status.to_string(), "{body}");
}

#[test]
fn self_serve_step_1_user_new_then_step_2_invitation_new() {
    let proxy = Proxy::start();
    let admin = proxy.admin();
    // Step 1: create an internal user.
    let (status, user) =
        admin.post("/user/new", json!({"user_email": "krrishdholakia@gmail.com", "user_role": "internal_user"}));
    assert_eq!(status, 200, "{user}");
    let user_id = user["user_id"].as_str().expect("user_id");
    assert!(!user_id.is_empty());
    assert_eq!(user["user_email"], "krrishdholakia@gmail.com");
    assert_eq!(user["user_role"], "internal_user");
    // The user's first key comes with it, shown once.
    assert!(user["key"].as_str().is_some_and(|k| k.starts_with("sk-")), "{user}");

    // Step 2: the invitation.
    let (status, invite) = admin.post("/invitation/new", json!({"user_id": user_id}));
    assert_eq!(status, 200, "{invite}");
    for field in [
        "id",
        "user_id",
        "is_accepted",
        "accepted_at",
        "expires_at",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
    ] {
        assert!(invite.get(field).is_some(), "missing {field}: {invite}");
    }
    assert_eq!(invite["user_id"], user_id);
    assert_eq!(invite["is_accepted"], false);
    assert_eq!(invite["accepted_at"], Value::Null);
    assert_eq!(invite["created_by"], "default_user_id");
    let created = chrono::DateTime::parse_from_rfc3339(invite["created_at"].as_str().unwrap()).unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(invite["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!((expires - created).num_seconds(), 7 * 86_400, "valid for 7d");
    let id = invite["id"].as_str().unwrap();
    let link = invite["invitation_link"].as_str().unwrap();
    assert_eq!(link, format!("{}/ui/onboarding?id={id}", proxy.base_url));

    // The invitation can be read back, and the user sees their own info.
    let (status, info) = admin.get(&format!("/invitation/info?invitation_id={id}"));
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["id"], id);
    let (status, info) = admin.get(&format!("/user/info?user_id={user_id}"));
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["user_id"], user_id);
    assert_eq!(info["user_info"]["user_email"], "krrishdholakia@gmail.com");
    assert_eq!(info["keys"].as_array().unwrap().len(), 1);
    assert!(info["keys"][0].get("key").is_none(), "no clear key outside /key/generate: {info}");
}

#[test]
fn self_serve_auto_add_sso_users_step_2_team_new() {
    let proxy = Proxy::start();
    let (status, team) = proxy.admin().post("/team/new", json!({"team_alias": "team_1", "team_id": "team_id_1"}));
    assert_eq!(status, 200, "{team}");
    assert_eq!(team["team_id"], "team_id_1");
    assert_eq!(team["team_alias"], "team_1");
    assert!(team["members_with_roles"].is_array(), "{team}");
    assert_eq!(team["spend"], 0.0);
    // The same id again is refused, naming the field.
    let (status, body) = proxy.admin().post("/team/new", json!({"team_alias": "again", "team_id": "team_id_1"}));
    assert_eq!(status, 400, "{body}");
    assert_error_envelope(&body, 400);
    assert!(body["error"]["message"].as_str().unwrap().contains("team_id_1"), "{body}");
}

#[test]
fn proxy_ui_step_1_upperbound_clamps_max_budget_200_to_100() {
    let config = r#"
[litellm_settings.upperbound_key_generate_params]
max_budget = 100.0
duration = "30d"
"#;
    let proxy = Proxy::start_with(Options { config: Some(config), ..Default::default() });
    let (status, key) = proxy.admin().post("/key/generate", json!({"max_budget": 200}));
    assert_eq!(status, 200, "{key}");
    assert_eq!(key["max_budget"], 100.0, "{key}");
    // Left out, the lifetime gets the bound: expires about 30 days from now.
    let expires = chrono::DateTime::parse_from_rfc3339(key["expires"].as_str().expect("expires")).unwrap();
    let days = (expires.to_utc() - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!((29.9..=30.1).contains(&days), "{days}");
    // /key/info shows what the key really has.
    let (status, info) = proxy.admin().get(&format!("/key/info?key={}", key["key"].as_str().unwrap()));
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["info"]["max_budget"], 100.0);
}

const ALL_SELF_SERVE_SETTINGS: &str = r#"
[litellm_settings]
max_internal_user_budget = 10
internal_user_budget_duration = "1mo"

[litellm_settings.default_internal_user_params]
user_role = "internal_user"
max_budget = 100
budget_duration = "30d"
models = ["gpt-3.5-turbo"]

[litellm_settings.upperbound_key_generate_params]
max_budget = 100
budget_duration = "10d"
duration = "30d"
max_parallel_requests = 1000
tpm_limit = 1000
rpm_limit = 1000

[litellm_settings.key_generation_settings.team_key_generation]
allowed_team_member_roles = ["admin"]

[litellm_settings.key_generation_settings.personal_key_generation]
allowed_user_roles = ["proxy_admin"]
"#;

#[test]
fn self_serve_all_settings_block() {
    let proxy = Proxy::start_with(Options { config: Some(ALL_SELF_SERVE_SETTINGS), ..Default::default() });
    let admin = proxy.admin();
    // A user created without those fields gets default_internal_user_params.
    let (status, user) = admin.post("/user/new", json!({"user_email": "new@example.com"}));
    assert_eq!(status, 200, "{user}");
    assert_eq!(user["user_role"], "internal_user");
    assert_eq!(user["max_budget"], 100.0);
    assert_eq!(user["budget_duration"], "30d");
    assert_eq!(user["models"], json!(["gpt-3.5-turbo"]));
    assert!(user["budget_reset_at"].is_string(), "{user}");
    let key = user["key"].as_str().unwrap().to_string();

    // personal_key_generation.allowed_user_roles = ["proxy_admin"]: the internal user is refused.
    let (status, body) = proxy.client(Some(&key)).post("/key/generate", json!({}));
    assert_eq!(status, 400, "{body}");
    assert_error_envelope(&body, 400);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("allowed_user_roles"), "{message}");

    // team_key_generation.allowed_team_member_roles = ["admin"]: a plain member is refused,
    // the team's admin is not.
    let (status, _) = admin.post("/team/new", json!({"team_id": "t1"}));
    assert_eq!(status, 200);
    let (_, admin_user) = admin.post("/user/new", json!({"user_email": "lead@example.com"}));
    let lead_key = admin_user["key"].as_str().unwrap().to_string();
    let user_id = user["user_id"].as_str().unwrap();
    let lead_id = admin_user["user_id"].as_str().unwrap();
    let (status, body) = admin.post(
        "/team/member_add",
        json!({"team_id": "t1", "member": [{"role": "user", "user_id": user_id}, {"role": "admin", "user_id": lead_id}]}),
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = proxy.client(Some(&key)).post("/key/generate", json!({"team_id": "t1"}));
    assert_eq!(status, 400, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("allowed_team_member_roles"), "{body}");
    let (status, body) =
        proxy.client(Some(&lead_key)).post("/key/generate", json!({"team_id": "t1", "max_budget": 500}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["team_id"], "t1");
    assert_eq!(body["user_id"], lead_id, "a non-admin's key is their own");
    assert_eq!(body["max_budget"], 100.0, "clamped");
    assert_eq!(body["budget_duration"], "10d", "filled with the bound");
    assert_eq!(body["tpm_limit"], 1000);
}

#[test]
fn errors_use_the_litellm_envelope() {
    let proxy = Proxy::start();
    let (status, body) = proxy.client(None).get("/key/list");
    assert_eq!(status, 401, "{body}");
    assert_error_envelope(&body, 401);
    let (status, body) = proxy.admin().post("/user/new", json!({"user_role": "boss"}));
    assert_eq!(status, 400, "{body}");
    assert_error_envelope(&body, 400);
    assert_eq!(body["error"]["param"], "user_role");
    let (status, body) = proxy.admin().get("/team/info?team_id=nope");
    assert_eq!(status, 404, "{body}");
    assert_error_envelope(&body, 404);
}

#[test]
fn the_api_docs_list_the_management_and_onboarding_routes() {
    let proxy = Proxy::start();
    let (status, doc) = proxy.client(None).get("/openapi.json");
    assert_eq!(status, 200);
    let paths = doc["paths"].as_object().expect("paths");
    for path in [
        "/key/generate",
        "/key/update",
        "/key/delete",
        "/key/info",
        "/key/list",
        "/key/regenerate",
        "/key/{key}/regenerate",
        "/key/block",
        "/key/unblock",
        "/user/new",
        "/user/info",
        "/user/update",
        "/user/delete",
        "/user/list",
        "/team/new",
        "/team/update",
        "/team/delete",
        "/team/info",
        "/team/list",
        "/team/member_add",
        "/team/member_delete",
        "/team/member_update",
        "/invitation/new",
        "/invitation/info",
        "/invitation/delete",
        "/audit",
    ] {
        assert!(paths.contains_key(path), "{path} missing from /openapi.json");
    }
    // LiteLLM hides onboarding from its schema; here every route is described, since
    // the document is what schema fuzzing tests the proxy against.
    assert!(paths.contains_key("/onboarding/claim_token"));
}
