//! Invitations as credentials, against the real binary: the review's escalation chain
//! (a team admin adds the built-in admin to their team, invites it and sets its password)
//! is refused at every step that would need it; a link is stored only as its hash; using
//! one, or setting a password, ends the user's other links; and a link made while it was
//! allowed stops working when the user gains rights its maker lacks.

mod common;

use common::Proxy;
use serde_json::{Value, json};

fn new_user(proxy: &Proxy, id: &str, role: &str) -> String {
    let (status, user) = proxy
        .admin()
        .post("/user/new", json!({"user_id": id, "user_role": role, "user_email": format!("{id}@example.com")}));
    assert_eq!(status, 200, "{user}");
    user["key"].as_str().unwrap().to_string()
}

/// A team T with `lead` as its admin; returns the lead's key.
fn team_with_lead(proxy: &Proxy) -> String {
    let lead = new_user(proxy, "lead", "internal_user");
    let (status, team) = proxy
        .admin()
        .post("/team/new", json!({"team_id": "T", "members_with_roles": [{"role": "admin", "user_id": "lead"}]}));
    assert_eq!(status, 200, "{team}");
    // The master key's creator joined as an admin too; this team is the lead's alone.
    let (status, team) =
        proxy.admin().post("/team/member_delete", json!({"team_id": "T", "user_id": "default_user_id"}));
    assert_eq!(status, 200, "{team}");
    lead
}

/// Uses an invitation as the onboarding page does; the status of the last step.
fn claim(proxy: &Proxy, invitation: &Value, password: &str) -> u16 {
    let id = invitation["id"].as_str().unwrap();
    let (status, token) = proxy.client(None).get(&format!("/onboarding/get_token?invite_link={id}"));
    if status != 200 {
        return status;
    }
    let (status, _) = proxy.client(token["token"].as_str()).post(
        "/onboarding/claim_token",
        json!({"invitation_link": id, "user_id": invitation["user_id"], "password": password}),
    );
    status
}

#[test]
fn a_team_admin_cannot_onboard_the_built_in_admin_or_anyone_above_them() {
    let proxy = Proxy::start();
    let lead = team_with_lead(&proxy);
    new_user(&proxy, "boss", "proxy_admin");
    let as_lead = proxy.client(Some(&lead));
    // Adding an existing user to the team stays allowed, as in LiteLLM...
    for user in ["default_user_id", "boss"] {
        let (status, body) =
            as_lead.post("/team/member_add", json!({"team_id": "T", "member": {"role": "user", "user_id": user}}));
        assert_eq!(status, 200, "{body}");
    }
    // ...but no credential for them follows from it.
    for user in ["default_user_id", "boss"] {
        let (status, body) = as_lead.post("/invitation/new", json!({"user_id": user}));
        assert_eq!(status, 403, "{body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("proxy_admin"), "{body}");
        let (status, body) = as_lead.post("/key/generate", json!({"user_id": user, "team_id": "T"}));
        assert_eq!(status, 403, "{body}");
    }
    let made: i64 = common::query(&proxy, "SELECT COUNT(*) FROM invitations");
    assert_eq!(made, 0);
}

#[test]
fn links_are_stored_hashed_and_a_used_link_ends_the_others() {
    let proxy = Proxy::start();
    new_user(&proxy, "dee", "internal_user");
    let (_, older) = proxy.admin().post("/invitation/new", json!({"user_id": "dee"}));
    let (_, newer) = proxy.admin().post("/invitation/new", json!({"user_id": "dee"}));
    let (older_id, newer_id) = (older["id"].as_str().unwrap(), newer["id"].as_str().unwrap());
    let stored: Vec<String> = {
        let conn = proxy::db::Direct::open(proxy.db_path()).unwrap();
        let mut stmt = conn.prepare("SELECT id FROM invitations").unwrap();
        stmt.query_map((), |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(stored.len(), 2);
    for id in [older_id, newer_id] {
        assert!(!stored.iter().any(|s| s == id), "the link's id is stored in clear");
        assert!(stored.contains(&stored_id(id)));
    }
    // The stored hash is no link.
    let (status, _) = proxy.client(None).get(&format!("/onboarding/get_token?invite_link={}", stored_id(newer_id)));
    assert_eq!(status, 401);
    // Info and delete still take the id the link carries.
    let (status, info) = proxy.admin().get(&format!("/invitation/info?invitation_id={older_id}"));
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["invitation_link"], older["invitation_link"]);

    assert_eq!(claim(&proxy, &newer, "dee's password 1"), 200);
    assert_eq!(claim(&proxy, &older, "someone else's 1"), 401, "an older link still sets the password");
    let (status, _) =
        proxy.client(None).post("/v2/login", json!({"username": "dee@example.com", "password": "dee's password 1"}));
    assert_eq!(status, 200);
}

#[test]
fn a_password_set_by_an_admin_ends_open_links() {
    let proxy = Proxy::start();
    new_user(&proxy, "eve", "internal_user");
    let (_, invitation) = proxy.admin().post("/invitation/new", json!({"user_id": "eve"}));
    let (status, body) = proxy.admin().post("/user/update", json!({"user_id": "eve", "password": "set by an admin"}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(claim(&proxy, &invitation, "taken over 123"), 401);
}

#[test]
fn a_link_stops_working_when_the_user_gains_rights_its_maker_lacks() {
    let proxy = Proxy::start();
    let lead = team_with_lead(&proxy);
    new_user(&proxy, "newbie", "internal_user");
    let (status, body) = proxy
        .admin()
        .post("/team/member_add", json!({"team_id": "T", "member": {"role": "user", "user_id": "newbie"}}));
    assert_eq!(status, 200, "{body}");
    let (status, invitation) = proxy.client(Some(&lead)).post("/invitation/new", json!({"user_id": "newbie"}));
    assert_eq!(status, 200, "a team admin onboards a new member: {invitation}");
    // Later, a proxy admin promotes the newbie; the lead still holds the link.
    let (status, body) = proxy.admin().post("/user/update", json!({"user_id": "newbie", "user_role": "proxy_admin"}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(claim(&proxy, &invitation, "the lead's choice 1"), 401);
    let page = reqwest::blocking::get(proxy.url(&format!("/ui/onboarding?id={}", invitation["id"].as_str().unwrap())))
        .unwrap();
    assert_eq!(page.status(), 410);
    assert!(page.text().unwrap().contains("no longer valid"));
    // A team admin may not invite a user who already signs in: it would reset their password.
    new_user(&proxy, "member", "internal_user");
    proxy.admin().post("/team/member_add", json!({"team_id": "T", "member": {"role": "user", "user_id": "member"}}));
    proxy.admin().post("/user/update", json!({"user_id": "member", "password": "member's own 1"}));
    let (status, body) = proxy.client(Some(&lead)).post("/invitation/new", json!({"user_id": "member"}));
    assert_eq!(status, 403, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("already sign in"), "{body}");
}

fn stored_id(link_id: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(link_id.as_bytes()))
}
