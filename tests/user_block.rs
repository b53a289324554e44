//! Blocking a user, as the people involved see it over real HTTP: the admin blocks with
//! `/user/block`; the user's open session ends at the next request, they cannot sign in
//! again (password or SSO), their key is refused at the gateway with 401 and the upstream
//! is not called; `/user/unblock` undoes it (but not the old session). Only proxy admins
//! may block.

mod common;

use common::browser::Browser;
use common::mock_upstream::mock;
use common::oidc::MockIdp;
use common::seed::KeySpec;
use common::{Options, Proxy, model, post};
use serde_json::json;

const PASSWORD: &str = "correct horse battery";

fn chat() -> serde_json::Value {
    json!({"model": "blk-model", "messages": [{"role": "user", "content": "hi"}]})
}

#[test]
fn a_blocked_user_loses_sessions_sign_in_and_keys_until_unblocked() {
    let upstream = "block-a+p=10+c=5";
    let config = model("blk-model", upstream, 0.001, 0.002);
    let dir = tempfile::tempdir().unwrap();
    let (key, other_key) = {
        let seed = common::seed::Seed::new(dir.path());
        seed.user("ivy", "internal_user", None, &[]);
        seed.user("sam", "internal_user", None, &[]);
        let hash = proxy::auth::password::hash(PASSWORD).unwrap();
        seed.conn
            .execute("UPDATE users SET user_email = 'ivy@example.com', password = ?1 WHERE user_id = 'ivy'", [&hash])
            .unwrap();
        (
            seed.key(KeySpec { user_id: Some("ivy"), ..Default::default() }),
            seed.key(KeySpec { user_id: Some("sam"), ..Default::default() }),
        )
    };
    let proxy = Proxy::start_with(Options { config: Some(&config), dir: Some(dir), ..Default::default() });
    let admin = proxy.admin();
    let completions = proxy.url("/v1/chat/completions");

    // Before: Ivy is signed in and her key works.
    let ivy = Browser::new();
    let signed_in =
        ivy.post_form(&proxy.url("/login"), &[("username", "ivy@example.com"), ("password", PASSWORD)], &[]);
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    assert_eq!(ivy.get(&proxy.url("/ui")).status, 200);
    assert_eq!(post(&completions, &key, &chat()).0, 200);
    let (_, info) = admin.get("/user/info?user_id=ivy");
    assert_eq!(info["user_info"]["blocked"], false, "{info}");

    // Only proxy admins may block.
    let (status, _) = proxy.client(Some(&other_key)).post("/user/block", json!({"user_ids": ["ivy"]}));
    assert_eq!(status, 401);
    let (status, body) = admin.post("/user/block", json!({"user_ids": ["ivy"]}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["users"][0]["user_id"], "ivy");
    assert_eq!(body["users"][0]["blocked"], true);

    // Her open session ends at the next request.
    let home = ivy.get(&proxy.url("/ui"));
    assert_eq!(home.status, 303, "{}", home.body);
    assert!(home.location.as_deref().is_some_and(|l| l.starts_with("/ui/login")));
    // She cannot sign in again: the right password gets a clear refusal.
    let again =
        Browser::new().post_form(&proxy.url("/login"), &[("username", "ivy@example.com"), ("password", PASSWORD)], &[]);
    assert_eq!(again.status, 403);
    assert!(again.body.contains("blocked"), "{}", again.body);
    assert!(again.set_cookie("token").is_none());
    let json_login =
        Browser::new().post_json(&proxy.url("/v2/login"), json!({"username": "ivy@example.com", "password": PASSWORD}));
    assert_eq!(json_login.status, 403, "{}", json_login.body);
    // A wrong password still says only "invalid", revealing nothing.
    let wrong =
        Browser::new().post_form(&proxy.url("/login"), &[("username", "ivy@example.com"), ("password", "nope")], &[]);
    assert_eq!(wrong.status, 401);
    assert!(!wrong.body.contains("blocked"));

    // Her key is refused at the gateway; the upstream is not called. Sam's key still works.
    let calls = mock().calls(upstream);
    let (status, _, body) = post(&completions, &key, &chat());
    assert_eq!(status, 401, "{body}");
    assert!(body["error"]["message"].as_str().unwrap_or_default().contains("is blocked"), "{body}");
    assert_eq!(mock().calls(upstream), calls);
    assert_eq!(post(&completions, &other_key, &chat()).0, 200);

    // Lists show it.
    let (_, list) = admin.get("/user/list");
    let row = list["users"].as_array().unwrap().iter().find(|u| u["user_id"] == "ivy").cloned().unwrap();
    assert_eq!(row["blocked"], true);
    // It is stored, so it survives a restart.
    let dir = proxy.stop();
    let proxy = Proxy::start_with(Options { config: Some(&config), dir: Some(dir), ..Default::default() });
    let completions = proxy.url("/v1/chat/completions");
    assert_eq!(post(&completions, &key, &chat()).0, 401);

    // Unblocked: the key works again and she can sign in; the old session stays ended.
    let (status, body) = proxy.admin().post("/user/unblock", json!({"user_ids": ["ivy"]}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["users"][0]["blocked"], false);
    assert_eq!(post(&completions, &key, &chat()).0, 200);
    assert_eq!(ivy.get(&proxy.url("/ui")).status, 303, "a cookie from before the block is not revived");
    let back =
        Browser::new().post_form(&proxy.url("/login"), &[("username", "ivy@example.com"), ("password", PASSWORD)], &[]);
    assert_eq!(back.status, 303);
}

#[test]
fn block_refuses_unknown_users_and_the_admin_itself() {
    let proxy = Proxy::start();
    let admin = proxy.admin();
    let (status, body) = admin.post("/user/block", json!({"user_ids": ["nobody"]}));
    assert_eq!(status, 404, "{body}");
    let (status, body) = admin.post("/user/block", json!({"user_ids": []}));
    assert_eq!(status, 400, "{body}");
    // The master key acts as the built-in admin, who would be locked out.
    let (status, body) = admin.post("/user/block", json!({"user_ids": ["default_user_id"]}));
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("cannot be blocked"), "{body}");
    // /user/update would ignore an unknown field; `blocked` there is refused, not dropped.
    let (status, body) = admin.post("/user/update", json!({"user_id": "default_user_id", "blocked": true}));
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("/user/block"), "{body}");
}

#[test]
fn a_blocked_user_cannot_sign_in_with_sso() {
    let idp = MockIdp::start();
    let proxy = Proxy::start_with(Options { env: idp.env(), ..Default::default() });
    idp.set_claims(json!({"sub": "s-kim", "preferred_username": "kim", "email": "kim@example.com"}));
    let sign_in = |browser: &Browser| {
        let start = browser.get(&proxy.url("/sso/key/generate"));
        let back = browser.get(start.location.as_deref().unwrap());
        browser.get(back.location.as_deref().unwrap())
    };
    let kim = Browser::new();
    assert_eq!(sign_in(&kim).status, 303);
    assert_eq!(kim.get(&proxy.url("/ui")).status, 200);

    let (status, body) = proxy.admin().post("/user/block", json!({"user_ids": ["kim"]}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(kim.get(&proxy.url("/ui")).status, 303, "the SSO session ended");
    let page = sign_in(&Browser::new());
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(page.body.contains("blocked"), "{}", page.body);
    assert!(page.set_cookie("token").is_none_or(|c| c.starts_with("token=;")));
}

#[test]
fn admins_block_and_unblock_on_the_users_page() {
    let proxy = Proxy::start();
    let (status, body) = proxy.admin().post("/user/new", json!({"user_id": "lou", "user_email": "lou@example.com"}));
    assert_eq!(status, 200, "{body}");
    let admin = Browser::new();
    let signed_in =
        admin.post_form(&proxy.url("/login"), &[("username", "admin"), ("password", common::MASTER_KEY)], &[]);
    assert_eq!(signed_in.status, 303);
    let page = admin.get(&proxy.url("/ui/users"));
    assert!(page.body.contains("action=\"/ui/users/lou/block\""), "{}", page.body);
    assert!(
        !page.body.contains("action=\"/ui/users/default_user_id/block\""),
        "the built-in admin has no Block button"
    );
    let token = common::browser::field(&page.body, "csrf_token").unwrap();

    // Without the CSRF token the form post is refused.
    let forged = admin.post_form(&proxy.url("/ui/users/lou/block"), &[("blocked", "true")], &[]);
    assert_eq!(forged.status, 403, "{}", forged.body);
    let done = admin.post_form(&proxy.url("/ui/users/lou/block"), &[("csrf_token", &token), ("blocked", "true")], &[]);
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some("/ui/users?notice=blocked"));
    let (_, info) = proxy.admin().get("/user/info?user_id=lou");
    assert_eq!(info["user_info"]["blocked"], true);
    let page = admin.get(&proxy.url("/ui/users?notice=blocked"));
    assert!(page.body.contains("tag bad\">blocked") && page.body.contains(">Unblock<"), "{}", page.body);

    let done = admin.post_form(&proxy.url("/ui/users/lou/block"), &[("csrf_token", &token), ("blocked", "false")], &[]);
    assert_eq!(done.location.as_deref(), Some("/ui/users?notice=unblocked"));
    let (_, info) = proxy.admin().get("/user/info?user_id=lou");
    assert_eq!(info["user_info"]["blocked"], false);
}

#[test]
fn a_blocked_user_cannot_use_their_invitation_link() {
    let proxy = Proxy::start();
    let admin = proxy.admin();
    let (status, body) = admin.post("/user/new", json!({"user_id": "nia", "user_email": "nia@example.com"}));
    assert_eq!(status, 200, "{body}");
    let (status, invitation) = admin.post("/invitation/new", json!({"user_id": "nia"}));
    assert_eq!(status, 200, "{invitation}");
    let id = invitation["id"].as_str().unwrap().to_string();
    let browser = Browser::new();
    let form = browser.get(&proxy.url(&format!("/ui/onboarding?id={id}")));
    assert_eq!(form.status, 200);
    let token = common::browser::field(&form.body, "csrf_token").unwrap();

    assert_eq!(admin.post("/user/block", json!({"user_ids": ["nia"]})).0, 200);
    let page = browser.get(&proxy.url(&format!("/ui/onboarding?id={id}")));
    assert_eq!(page.status, 403);
    assert!(page.body.contains("blocked"), "{}", page.body);
    let post = browser.post_form(
        &proxy.url("/ui/onboarding"),
        &[("invitation_id", &id), ("password", PASSWORD), ("confirm_password", PASSWORD), ("csrf_token", &token)],
        &[],
    );
    assert_eq!(post.status, 403, "{}", post.body);
    assert!(post.set_cookie("token").is_none());
    // LiteLLM's JSON onboarding routes refuse too.
    let (status, body) = proxy.client(None).get(&format!("/onboarding/get_token?invite_link={id}"));
    assert_eq!(status, 403, "{body}");
    let password: Option<String> = common::query(&proxy, "SELECT password FROM users WHERE user_id = 'nia'");
    assert_eq!(password, None, "no password was set");
}
