//! Places where LiteLLM's clients expect LiteLLM's answer and the proxy used to answer
//! differently: members named by ids or emails nobody has yet, the status of a refused
//! model, keys and users for ids without a user row, and the shapes of `/user/info` and
//! `/team/new`. Each test drives the real binary over HTTP.

mod common;

use common::mock_upstream::mock;
use common::seed::KeySpec;
use common::{Proxy, model, post, query, start_seeded};
use serde_json::{Value, json};

const DEFAULTS: &str = "[litellm_settings.default_internal_user_params]\nmax_budget = 7.5\nmodels = [\"parity-a\"]\n\n";

fn start() -> Proxy {
    let config = format!("{DEFAULTS}{}", model("parity-a", "parity-a", 0.001, 0.002));
    start_seeded(&config, |_| {})
}

fn user(proxy: &Proxy, id: &str) -> Value {
    let (status, info) = proxy.admin().get(&format!("/user/info?user_id={id}"));
    assert_eq!(status, 200, "{info}");
    info["user_info"].clone()
}

fn member_ids(team: &Value) -> Vec<(String, String)> {
    let mut ids: Vec<(String, String)> = team["members_with_roles"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| (m["user_id"].as_str().unwrap_or("?").to_string(), m["role"].as_str().unwrap_or("?").to_string()))
        .collect();
    ids.sort();
    ids
}

#[test]
fn members_named_by_unknown_ids_or_emails_are_created_with_the_defaults() {
    let proxy = start();
    let admin = proxy.admin();
    let (status, team) = admin.post(
        "/team/new",
        json!({"team_id": "parity-team", "members_with_roles": [
            {"role": "admin", "user_id": "new-lead"},
            {"role": "user", "user_email": "new-member@example.com"},
            {"role": "user", "user_id": "new-both", "user_email": "both@example.com"},
        ]}),
    );
    assert_eq!(status, 200, "{team}");
    let lead = user(&proxy, "new-lead");
    assert_eq!((lead["user_role"].as_str(), lead["max_budget"].as_f64()), (Some("internal_user"), Some(7.5)));
    assert_eq!(lead["models"], json!(["parity-a"]), "{lead}");
    assert_eq!(user(&proxy, "new-both")["user_email"], "both@example.com");
    let by_email: i64 = query(&proxy, "SELECT COUNT(*) FROM users WHERE user_email = 'new-member@example.com'");
    assert_eq!(by_email, 1);
    let roles = member_ids(&team);
    assert!(roles.contains(&("new-lead".into(), "admin".into())), "{roles:?}");
    assert!(roles.contains(&("new-both".into(), "user".into())), "{roles:?}");

    // The team admin adds a member nobody knows yet, by id: created, in the team, holding
    // nothing else (no key, no other team, the default role).
    let (status, key) = admin.post("/key/generate", json!({"user_id": "new-lead", "team_id": "parity-team"}));
    assert_eq!(status, 200, "{key}");
    let lead_client = proxy.client(key["key"].as_str());
    let (status, added) = lead_client
        .post("/team/member_add", json!({"team_id": "parity-team", "member": {"role": "user", "user_id": "newcomer"}}));
    assert_eq!(status, 200, "{added}");
    assert_eq!(added["updated_users"][0]["user_id"], "newcomer", "{added}");
    let newcomer = user(&proxy, "newcomer");
    assert_eq!(newcomer["user_role"], "internal_user", "{newcomer}");
    let keys: i64 = query(&proxy, "SELECT COUNT(*) FROM keys WHERE user_id = 'newcomer'");
    let teams: i64 = query(&proxy, "SELECT COUNT(*) FROM team_memberships WHERE user_id = 'newcomer'");
    assert_eq!((keys, teams), (0, 1));

    // An id nobody has with an email somebody has is refused, and changes nothing.
    let (status, refused) = admin.post(
        "/team/member_add",
        json!({"team_id": "parity-team", "member": {"user_id": "other-id", "user_email": "both@example.com"}}),
    );
    assert_eq!(status, 400, "{refused}");
    let other: i64 = query(&proxy, "SELECT COUNT(*) FROM users WHERE user_id = 'other-id'");
    assert_eq!(other, 0);
}

#[test]
fn a_refused_model_is_a_403_in_litellms_envelope() {
    let mut config = model("parity-a", "parity-a", 0.001, 0.002);
    config += &model("parity-b", "parity-b", 0.001, 0.002);
    let (mut key_only_a, mut team_key) = Default::default();
    let proxy = start_seeded(&config, |s| {
        s.team("parity-team", None, &["parity-a"]);
        key_only_a = s.key(KeySpec { models: &["parity-a"], ..Default::default() });
        team_key = s.key(KeySpec { team_id: Some("parity-team"), ..Default::default() });
    });
    let url = proxy.url("/v1/chat/completions");
    let chat = json!({"model": "parity-b", "messages": [{"role": "user", "content": "hi"}]});
    for (key, kind) in [(&key_only_a, "key_model_access_denied"), (&team_key, "team_model_access_denied")] {
        let (status, _, body) = post(&url, key, &chat);
        assert_eq!(status, 403, "{body}");
        let error = &body["error"];
        assert_eq!(
            (error["type"].as_str(), error["code"].as_str(), error["param"].as_str()),
            (Some(kind), Some("403"), Some("model"))
        );
        let message = error["message"].as_str().unwrap_or_default();
        assert!(message.starts_with("The requested model 'parity-b' is not available for this API key"), "{message}");
        assert!(!message.contains("parity-a"), "the allowed list is not shown: {message}");
    }
    assert_eq!(mock().calls("parity-b"), 0, "refused requests never reach the upstream");
}

#[test]
fn keys_and_users_for_ids_without_a_row() {
    let proxy = start();
    let admin = proxy.admin();
    // A proxy admin's key for an id without a user row: accepted, no row made, and the
    // key works.
    let (status, key) = admin.post("/key/generate", json!({"user_id": "ghost"}));
    assert_eq!((status, key["user_id"].as_str()), (200, Some("ghost")), "{key}");
    let ghosts: i64 = query(&proxy, "SELECT COUNT(*) FROM users WHERE user_id = 'ghost'");
    assert_eq!(ghosts, 0, "LiteLLM makes no user row for /key/generate");
    let chat = json!({"model": "parity-a", "messages": [{"role": "user", "content": "hi"}]});
    let (status, _, body) = post(&proxy.url("/v1/chat/completions"), key["key"].as_str().unwrap_or_default(), &chat);
    assert_eq!(status, 200, "{body}");

    // A team admin may not plant a key for an id nobody has yet.
    let (status, _) = admin.post(
        "/team/new",
        json!({"team_id": "plant-team", "members_with_roles": [{"role": "admin", "user_id": "planter"}]}),
    );
    assert_eq!(status, 200);
    let (_, planter) = admin.post("/key/generate", json!({"user_id": "planter", "team_id": "plant-team"}));
    let planter = proxy.client(planter["key"].as_str());
    let (status, refused) = planter.post("/key/generate", json!({"user_id": "future-user", "team_id": "plant-team"}));
    assert_eq!(status, 400, "{refused}");
    let planted: i64 = query(&proxy, "SELECT COUNT(*) FROM keys WHERE user_id = 'future-user'");
    assert_eq!(planted, 0);

    // /user/new with a team that does not exist: the user is made, the team add is not,
    // and the first key names no team.
    let (status, made) =
        admin.post("/user/new", json!({"user_id": "teamless", "team_id": "no-such-team", "teams": ["plant-team"]}));
    assert_eq!(status, 200, "{made}");
    assert_eq!(made["teams"], json!(["plant-team"]), "{made}");
    let key_team: Option<String> = query(&proxy, "SELECT team_id FROM keys WHERE user_id = 'teamless'");
    assert_eq!(key_team, None);

    // /user/update of an id or email nobody has creates the user, with the defaults.
    let (status, upserted) = admin.post("/user/update", json!({"user_id": "upserted", "user_alias": "Up"}));
    assert_eq!(status, 200, "{upserted}");
    let row = user(&proxy, "upserted");
    assert_eq!((row["user_alias"].as_str(), row["max_budget"].as_f64()), (Some("Up"), Some(7.5)), "{row}");
    let (status, by_email) = admin.post("/user/update", json!({"user_email": "fresh@example.com", "max_budget": 3.0}));
    assert_eq!(status, 200, "{by_email}");
    let id = by_email["user_id"].as_str().unwrap_or_default().to_string();
    let row = user(&proxy, &id);
    assert_eq!((row["user_email"].as_str(), row["max_budget"].as_f64()), (Some("fresh@example.com"), Some(3.0)));
    // Updating it again changes that row instead of making another.
    let (status, _) = admin.post("/user/update", json!({"user_email": "fresh@example.com", "max_budget": 4.0}));
    assert_eq!(status, 200);
    let rows: i64 = query(&proxy, "SELECT COUNT(*) FROM users WHERE user_email = 'fresh@example.com'");
    assert_eq!((rows, user(&proxy, &id)["max_budget"].as_f64()), (1, Some(4.0)));
}

#[test]
fn the_creator_is_the_teams_admin_and_user_info_shows_memberships_and_keys() {
    let proxy = start();
    let admin = proxy.admin();
    // The master key acts as the admin's user row: it becomes the team's admin.
    let (status, team) =
        admin.post("/team/new", json!({"team_id": "made", "members_with_roles": [{"role": "user", "user_id": "m1"}]}));
    assert_eq!(status, 200, "{team}");
    assert_eq!(member_ids(&team), [("default_user_id".into(), "admin".into()), ("m1".into(), "user".into())]);
    // A proxy admin's own key: that admin; not added twice when named already.
    let (status, boss) = admin.post("/user/new", json!({"user_id": "boss", "user_role": "proxy_admin"}));
    assert_eq!(status, 200, "{boss}");
    let boss = proxy.client(boss["key"].as_str());
    let (status, team) = boss.post("/team/new", json!({"team_id": "bossed"}));
    assert_eq!((status, member_ids(&team)), (200, vec![("boss".into(), "admin".into())]), "{team}");
    let (status, team) = boss
        .post("/team/new", json!({"team_id": "bossed-2", "members_with_roles": [{"role": "user", "user_id": "boss"}]}));
    assert_eq!((status, member_ids(&team)), (200, vec![("boss".into(), "user".into())]), "{team}");

    // /user/info's teams carry their memberships and keys, as /team/list's do.
    let (status, key) = admin.post("/key/generate", json!({"user_id": "m1", "team_id": "made", "key_alias": "m1-key"}));
    assert_eq!(status, 200, "{key}");
    let (status, info) = admin.get("/user/info?user_id=m1");
    assert_eq!(status, 200, "{info}");
    let made = &info["teams"][0];
    assert_eq!(made["team_id"], "made", "{info}");
    assert_eq!(made["keys"][0]["key_alias"], "m1-key", "{made}");
    let mut members: Vec<&str> =
        made["team_memberships"].as_array().into_iter().flatten().filter_map(|m| m["user_id"].as_str()).collect();
    members.sort();
    assert_eq!(members, ["default_user_id", "m1"], "{made}");
    let (_, list) = admin.get("/team/list?user_id=m1");
    assert_eq!(list[0]["team_memberships"], made["team_memberships"]);
    assert_eq!(list[0]["keys"], made["keys"]);
}

#[test]
fn legacy_admins_and_members_lists_are_kept_as_given() {
    let proxy = start();
    let admin = proxy.admin();
    let (status, team) = admin.post(
        "/team/new",
        json!({"team_id": "legacy", "admins": ["a1"], "members": ["m1", "m2"],
               "members_with_roles": [{"role": "admin", "user_id": "lead"}]}),
    );
    assert_eq!(status, 200, "{team}");
    assert_eq!((&team["admins"], &team["members"]), (&json!(["a1"]), &json!(["m1", "m2"])), "{team}");
    // The lists grant nothing: only members_with_roles made memberships.
    let a1: i64 = query(&proxy, "SELECT COUNT(*) FROM team_memberships WHERE user_id IN ('a1', 'm1', 'm2')");
    assert_eq!(a1, 0);
    // Member changes leave them as they were.
    let (status, _) =
        admin.post("/team/member_add", json!({"team_id": "legacy", "member": {"role": "admin", "user_id": "other"}}));
    assert_eq!(status, 200);
    let (_, info) = admin.get("/team/info?team_id=legacy");
    assert_eq!((&info["team_info"]["admins"], &info["team_info"]["members"]), (&json!(["a1"]), &json!(["m1", "m2"])));
    let (_, plain) = admin.post("/team/new", json!({"team_id": "plain"}));
    assert_eq!((&plain["admins"], &plain["members"]), (&json!([]), &json!([])), "{plain}");
}
