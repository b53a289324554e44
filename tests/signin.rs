//! Password sign-in as a browser meets it: the built-in admin and invited users, the JSON
//! variant, lockout, CSRF (login CSRF too), session expiry, logout, `admin_only`, the
//! `Secure` flag behind a trusted proxy, and onboarding by invitation link.

mod common;

use common::browser::{Browser, field};
use common::{MASTER_KEY, Options, Proxy};
use serde_json::json;

const PASSWORD: &str = "correct horse battery";

/// Starts a proxy once to create its database, runs `seed` on the file, restarts.
fn start_seeded(env: Vec<(&'static str, String)>, seed: &str) -> Proxy {
    let first = Proxy::start_with(Options { env: env.clone(), ..Default::default() });
    let dir = first.stop();
    let conn = proxy::db::Direct::open(dir.path().join("proxy.db")).unwrap();
    conn.execute_batch(seed).unwrap();
    drop(conn);
    Proxy::start_with(Options { env, dir: Some(dir), ..Default::default() })
}

fn users_seed() -> String {
    let hash = proxy::auth::password::hash(PASSWORD).unwrap();
    format!(
        "INSERT INTO users (user_id, user_email, user_role, password, created_at, updated_at) VALUES
            ('u-ivy', 'ivy@example.com', 'internal_user', '{hash}', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
            ('u-val', 'val@example.com', 'proxy_admin_viewer', '{hash}', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');"
    )
}

fn login(proxy: &Proxy, browser: &Browser, username: &str, password: &str) -> common::browser::Page {
    browser.post_form(&proxy.url("/login"), &[("username", username), ("password", password)], &[])
}

#[test]
fn the_admin_and_invited_users_sign_in_with_a_password() {
    let proxy = start_seeded(vec![], &users_seed());
    let browser = Browser::new();
    let signed_out = browser.get(&proxy.url("/ui"));
    assert_eq!(signed_out.status, 303);
    assert_eq!(signed_out.location.as_deref(), Some("/ui/login?next=/ui"));
    let page = browser.get(&proxy.url("/ui/login?next=/ui"));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("name=\"username\"") && page.body.contains("name=\"password\""));
    assert!(page.body.contains("action=\"/login\""));
    assert!(!page.body.contains("/sso/key/generate"), "no SSO configured");

    // UI_USERNAME defaults to admin, UI_PASSWORD to the master key.
    let done = login(&proxy, &browser, "admin", MASTER_KEY);
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some("/ui"));
    let cookie = done.set_cookie("token").unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"), "{cookie}");
    let home = browser.get(&proxy.url("/ui"));
    assert_eq!(home.status, 200);
    assert!(home.body.contains("default_user_id") && home.body.contains("proxy_admin"), "{}", home.body);

    // An invited user, by email in any case, with the role of their row; `next` is honoured.
    let ivy = Browser::new();
    let done = ivy.post_form(
        &proxy.url("/login"),
        &[("username", "IVY@example.com"), ("password", PASSWORD), ("next", "/ui/keys")],
        &[],
    );
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some("/ui/keys"));
    assert!(ivy.get(&proxy.url("/ui")).body.contains("internal_user"));
    // An off-site `next` is ignored.
    let done = Browser::new().post_form(
        &proxy.url("/login"),
        &[("username", "ivy@example.com"), ("password", PASSWORD), ("next", "https://evil.example/")],
        &[],
    );
    assert_eq!(done.location.as_deref(), Some("/ui"));

    // Wrong password and unknown email get the same answer.
    let wrong = login(&proxy, &Browser::new(), "ivy@example.com", "nope");
    let unknown = login(&proxy, &Browser::new(), "nobody@example.com", "nope");
    assert_eq!((wrong.status, unknown.status), (401, 401));
    assert!(wrong.body.contains("Invalid credentials"));
    assert_eq!(wrong.body, unknown.body.replace("nobody@example.com", "ivy@example.com"));
    assert!(wrong.set_cookie("token").is_none());
    // The master key alone is not a password for users.
    assert_eq!(login(&proxy, &Browser::new(), "ivy@example.com", MASTER_KEY).status, 401);
}

#[test]
fn v2_login_returns_the_token_and_the_cookie() {
    let proxy = start_seeded(vec![], &users_seed());
    let browser = Browser::new();
    let answer =
        browser.post_json(&proxy.url("/v2/login"), json!({"username": "ivy@example.com", "password": PASSWORD}));
    assert_eq!(answer.status, 200, "{}", answer.body);
    let body: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(body["redirect_url"], proxy.url("/ui?login=success"));
    let token = body["token"].as_str().unwrap();
    assert_eq!(browser.cookie("token").as_deref(), Some(token));
    // The token's claims carry what LiteLLM's UI reads (the signature is ours to check).
    let claims = token.split('.').nth(1).unwrap();
    use base64::Engine;
    let claims: serde_json::Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap();
    assert_eq!(claims["user_id"], "u-ivy");
    assert_eq!(claims["user_role"], "internal_user");
    assert_eq!(claims["user_email"], "ivy@example.com");
    assert_eq!(claims["login_method"], "username_password");
    assert!(claims["exp"].as_i64().unwrap() > chrono::Utc::now().timestamp() + 23 * 3600);

    let bad =
        Browser::new().post_json(&proxy.url("/v2/login"), json!({"username": "ivy@example.com", "password": "x"}));
    assert_eq!(bad.status, 401);
    let body: serde_json::Value = serde_json::from_str(&bad.body).unwrap();
    assert_eq!(body["error"]["code"], "401");
}

#[test]
fn repeated_failures_lock_the_account_without_revealing_it() {
    let env = vec![("PROXY_LOGIN_MAX_FAILURES", "3".to_string()), ("PROXY_LOGIN_LOCKOUT_DURATION", "8s".to_string())];
    let proxy = start_seeded(env, &users_seed());
    for _ in 0..2 {
        assert_eq!(login(&proxy, &Browser::new(), "ivy@example.com", "wrong").status, 401);
    }
    let third = login(&proxy, &Browser::new(), "ivy@example.com", "wrong");
    assert_eq!(third.status, 429, "{}", third.body);
    assert!(third.body.contains("Too many failed sign-in attempts"), "{}", third.body);
    // Now even the right password is refused from this address, on both routes, with
    // Retry-After (another address still signs in: tests/edge_security.rs).
    let locked = login(&proxy, &Browser::new(), "ivy@example.com", PASSWORD);
    assert_eq!(locked.status, 429);
    assert!(locked.set_cookie("token").is_none());
    let json =
        Browser::new().post_json(&proxy.url("/v2/login"), json!({"username": "ivy@example.com", "password": PASSWORD}));
    assert_eq!(json.status, 429);
    assert!(json.headers.get("retry-after").is_some());
    // An email that does not exist locks the same way.
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(login(&proxy, &Browser::new(), "ghost@example.com", "wrong").status);
    }
    assert_eq!(statuses, vec![401, 401, 429, 429]);
    // Other accounts are not locked out by it.
    assert_eq!(login(&proxy, &Browser::new(), "val@example.com", PASSWORD).status, 303);
    // The lock ends.
    std::thread::sleep(std::time::Duration::from_millis(8_100));
    assert_eq!(login(&proxy, &Browser::new(), "ivy@example.com", PASSWORD).status, 303);
}

#[test]
fn cookie_requests_that_change_state_need_a_csrf_proof() {
    let proxy = start_seeded(vec![], &users_seed());
    let browser = Browser::new();
    assert_eq!(login(&proxy, &browser, "ivy@example.com", PASSWORD).status, 303);
    let home = browser.get(&proxy.url("/ui"));
    let token =
        home.body.split("name=\"csrf-token\" content=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let url = proxy.url("/key/generate");

    let bare = browser.post_form(&url, &[("key_alias", "x")], &[]);
    assert_eq!(bare.status, 403, "{}", bare.body);
    assert!(bare.body.contains("CSRF"), "{}", bare.body);
    let other_site = browser.post_form(&url, &[("key_alias", "x")], &[("origin", "https://evil.example")]);
    let other_site_with_token =
        browser.post_form(&url, &[("key_alias", "x"), ("csrf_token", &token)], &[("origin", "https://evil.example")]);
    assert_ne!(other_site_with_token.status, 403, "the token is the proof");
    assert_eq!(other_site.status, 403);
    let bad_token = browser.post_form(&url, &[("csrf_token", "0000")], &[]);
    assert_eq!(bad_token.status, 403);
    // Each proof lets the request through to the route (absent on this branch: 404).
    let same_origin = browser.post_form(&url, &[("key_alias", "x")], &[("origin", &proxy.base_url)]);
    let header = browser.post_form(&url, &[("key_alias", "x")], &[("x-csrf-token", &token)]);
    let form = browser.post_form(&url, &[("key_alias", "x"), ("csrf_token", &token)], &[]);
    for page in [same_origin, header, form] {
        assert_ne!(page.status, 403, "{}", page.body);
    }
    // A bearer key is not cookie-authenticated and needs no token.
    let with_key = browser.http.post(&url).bearer_auth(MASTER_KEY).header("cookie", "token=x").send().unwrap();
    assert_ne!(with_key.status().as_u16(), 403);
}

#[test]
fn sessions_expire() {
    let proxy = start_seeded(vec![("LITELLM_UI_SESSION_DURATION", "2s".into())], &users_seed());
    let browser = Browser::new();
    let done = login(&proxy, &browser, "ivy@example.com", PASSWORD);
    assert!(done.set_cookie("token").unwrap().contains("Max-Age=2"));
    assert_eq!(browser.get(&proxy.url("/ui")).status, 200);
    std::thread::sleep(std::time::Duration::from_millis(2_500));
    let later = browser.get(&proxy.url("/ui"));
    assert_eq!(later.status, 303);
    assert_eq!(later.location.as_deref(), Some("/ui/login?next=/ui"));
}

#[test]
fn logout_ends_the_session_and_goes_to_the_logout_url() {
    let env = vec![("PROXY_LOGOUT_URL", "https://example.com/bye".to_string())];
    let proxy = start_seeded(env, &users_seed());
    let browser = Browser::new();
    login(&proxy, &browser, "ivy@example.com", PASSWORD);
    let old = browser.cookie("token").unwrap();
    let token = field(&browser.get(&proxy.url("/ui")).body, "csrf_token").expect("the sign-out form's token");
    let out = browser.post_form(&proxy.url("/logout"), &[("csrf_token", &token)], &[]);
    assert_eq!(out.status, 303);
    assert_eq!(out.location.as_deref(), Some("https://example.com/bye"));
    assert!(out.set_cookie("token").unwrap().contains("Max-Age=0"));
    // A kept copy of the old cookie no longer works.
    browser.set("token", &old);
    assert_eq!(browser.get(&proxy.url("/ui")).status, 303);

    let plain = Proxy::start();
    let out = Browser::new().post_form(&plain.url("/logout"), &[], &[]);
    assert_eq!(out.location.as_deref(), Some("/ui/login"));
}

#[test]
fn admin_only_admits_only_admins_and_admin_viewers() {
    let proxy = start_seeded(vec![("UI_ACCESS_MODE", "admin_only".into())], &users_seed());
    let refused = login(&proxy, &Browser::new(), "ivy@example.com", PASSWORD);
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("admin"), "{}", refused.body);
    assert!(refused.set_cookie("token").is_none());
    let json =
        Browser::new().post_json(&proxy.url("/v2/login"), json!({"username": "ivy@example.com", "password": PASSWORD}));
    assert_eq!(json.status, 401);
    assert_eq!(login(&proxy, &Browser::new(), "val@example.com", PASSWORD).status, 303);
    assert_eq!(login(&proxy, &Browser::new(), "admin", MASTER_KEY).status, 303);
}

#[test]
fn the_cookie_is_secure_only_behind_a_trusted_https_proxy() {
    let trusted = start_seeded(vec![("PROXY_TRUSTED_PROXIES", "127.0.0.1".into())], &users_seed());
    let forwarded = [("x-forwarded-proto", "https")];
    let form = [("username", "admin"), ("password", MASTER_KEY)];
    let behind = Browser::new().post_form(&trusted.url("/login"), &form, &forwarded);
    assert!(behind.set_cookie("token").unwrap().contains("; Secure"));
    let untrusted = Proxy::start();
    let spoofed = Browser::new().post_form(&untrusted.url("/login"), &form, &forwarded);
    assert!(!spoofed.set_cookie("token").unwrap().contains("Secure"));
}

#[test]
fn onboarding_sets_a_password_once_and_signs_in() {
    let seed = format!(
        "{}
        INSERT INTO users (user_id, user_email, user_role, created_at, updated_at) VALUES
            ('u-dee', 'dee@example.com', 'internal_user', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
        INSERT INTO invitations (id, user_id, is_accepted, expires_at, created_at, created_by, updated_at) VALUES
            ('{}', 'u-dee', 0, '2999-01-01T00:00:00.000000Z', '2026-01-01T00:00:00Z', 'default_user_id', '2026-01-01T00:00:00Z'),
            ('{}', 'u-dee', 0, '2020-01-01T00:00:00.000000Z', '2019-12-25T00:00:00Z', 'default_user_id', '2019-12-25T00:00:00Z'),
            ('{}', 'u-ivy', 1, '2999-01-01T00:00:00.000000Z', '2026-01-01T00:00:00Z', 'default_user_id', '2026-01-01T00:00:00Z');",
        users_seed(),
        stored_id("inv-open"),
        stored_id("inv-old"),
        stored_id("inv-used"),
    );
    let proxy = start_seeded(vec![], &seed);
    let browser = Browser::new();
    for (query, status, says) in [
        ("id=nope", 404, "does not exist"),
        ("id=inv-old", 410, "expired"),
        ("invitation_id=inv-used", 410, "already been used"),
    ] {
        let page = browser.get(&proxy.url(&format!("/ui/onboarding?{query}")));
        assert_eq!(page.status, status, "{query}");
        assert!(page.body.contains(says), "{query}: {}", page.body);
        assert!(!page.body.contains("<form"), "{query}");
    }
    let page = browser.get(&proxy.url("/ui/onboarding?invitation_id=inv-open"));
    assert_eq!(page.status, 200);
    let page = browser.get(&proxy.url("/ui/onboarding?id=inv-open"));
    assert!(page.body.contains("dee@example.com") && page.body.contains("<form"), "{}", page.body);
    let csrf = field(&page.body, "csrf_token").unwrap();
    let url = proxy.url("/ui/onboarding");
    let post = |password: &str, again: &str, csrf: &str| {
        browser.post_form(
            &url,
            &[("invitation_id", "inv-open"), ("password", password), ("confirm_password", again), ("csrf_token", csrf)],
            &[],
        )
    };
    assert_eq!(post("new password 1", "new password 1", "forged").status, 403);
    let short = post("short", "short", &csrf);
    assert_eq!(short.status, 400);
    assert!(short.body.contains("at least 8"));
    let differ = post("new password 1", "new password 2", &csrf);
    assert_eq!(differ.status, 400);
    assert!(differ.body.contains("not the same"));

    let done = post("new password 1", "new password 1", &csrf);
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some("/ui"));
    assert!(browser.get(&proxy.url("/ui")).body.contains("dee@example.com"));
    let conn = proxy::db::Direct::open(proxy.db_path()).unwrap();
    let (accepted, at): (bool, Option<String>) = conn
        .query_row("SELECT is_accepted, accepted_at FROM invitations WHERE id = ?1", [stored_id("inv-open")], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert!(accepted && at.is_some());
    let hash: String = conn.query_row("SELECT password FROM users WHERE user_id = 'u-dee'", (), |r| r.get(0)).unwrap();
    assert!(hash.starts_with("$argon2id$") && !hash.contains("new password"));

    // Used once: a second post shows the used page; the new password signs in.
    let again = post("other password", "other password", &csrf);
    assert_eq!(again.status, 410);
    assert_eq!(login(&proxy, &Browser::new(), "dee@example.com", "new password 1").status, 303);
    assert_eq!(login(&proxy, &Browser::new(), "dee@example.com", "other password").status, 401);
}

#[test]
fn the_ui_discovery_routes_answer_as_litellm_ui_expects() {
    let proxy = Proxy::start_with(Options {
        env: vec![("PROXY_LOGOUT_URL", "https://example.com/bye".into())],
        ..Default::default()
    });
    let browser = Browser::new();
    // Without SSO, the SSO button's URL shows the password form.
    let page = browser.get(&proxy.url("/sso/key/generate"));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("action=\"/login\""));
    let config: serde_json::Value =
        serde_json::from_str(&browser.get(&proxy.url("/.well-known/litellm-ui-config")).body).unwrap();
    assert_eq!(config["sso_configured"], false);
    assert_eq!(config["proxy_base_url"], proxy.base_url);
    assert_eq!(browser.get(&proxy.url("/sso/get/ui_settings")).status, 401);
    login(&proxy, &browser, "admin", MASTER_KEY);
    let settings: serde_json::Value =
        serde_json::from_str(&browser.get(&proxy.url("/sso/get/ui_settings")).body).unwrap();
    assert_eq!(settings["PROXY_LOGOUT_URL"], "https://example.com/bye");
    let (status, _) = proxy.admin().get("/sso/get/ui_settings");
    assert_eq!(status, 200);
}

#[test]
fn sign_in_forms_posted_from_another_site_are_refused() {
    let proxy = start_seeded(vec![], &users_seed());
    let credentials = [("username", "ivy@example.com"), ("password", PASSWORD)];
    let post = |headers: &[(&str, &str)]| Browser::new().post_form(&proxy.url("/login"), &credentials, headers);

    // A page on another site posting the form (login CSRF) is refused without a session.
    for headers in [
        &[("origin", "https://evil.example"), ("accept", "text/html")][..],
        &[("sec-fetch-site", "cross-site")][..],
        &[("origin", "null")][..],
    ] {
        let page = post(headers);
        assert_eq!(page.status, 403, "{headers:?}: {}", page.body);
        assert!(page.body.contains("another site"), "{}", page.body);
        assert!(page.set_cookie("token").is_none(), "{headers:?}");
    }
    // The JSON variant too.
    let json_login = reqwest::blocking::Client::new()
        .post(proxy.url("/v2/login"))
        .header("origin", "https://evil.example")
        .json(&json!({"username": "ivy@example.com", "password": PASSWORD}))
        .send()
        .unwrap();
    assert_eq!(json_login.status(), 403);
    assert!(json_login.headers().get("set-cookie").is_none());

    // Our own page (same Origin, or the browser saying same-origin) and clients without
    // Origin (curl) sign in.
    for headers in [
        &[("origin", proxy.base_url.as_str())][..],
        &[("sec-fetch-site", "same-origin"), ("origin", "https://proxy.behind.a.rewriting.lb")][..],
        &[][..],
    ] {
        let page = post(headers);
        assert_eq!(page.status, 303, "{headers:?}: {}", page.body);
        assert!(page.set_cookie("token").is_some());
    }
}

#[test]
fn admin_only_sets_the_password_but_signs_no_user_in_at_onboarding() {
    let seed = "INSERT INTO users (user_id, user_email, user_role, created_at, updated_at) VALUES
            ('u-eli', 'eli@example.com', 'internal_user', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
        INSERT INTO invitations (id, user_id, is_accepted, expires_at, created_at, created_by, updated_at) VALUES
            ('{}', 'u-eli', 0, '2999-01-01T00:00:00.000000Z', '2026-01-01T00:00:00Z', 'default_user_id', '2026-01-01T00:00:00Z');";
    let seed = seed.replace("{}", &stored_id("inv-eli"));
    let proxy = start_seeded(vec![("UI_ACCESS_MODE", "admin_only".into())], &seed);
    let browser = Browser::new();
    let page = browser.get(&proxy.url("/ui/onboarding?id=inv-eli"));
    let csrf = field(&page.body, "csrf_token").unwrap();
    let done = browser.post_form(
        &proxy.url("/ui/onboarding"),
        &[
            ("id", "inv-eli"),
            ("password", "long enough 1"),
            ("password_confirm", "long enough 1"),
            ("csrf_token", &csrf),
        ],
        &[],
    );
    assert_eq!(done.status, 403, "{}", done.body);
    assert!(done.body.contains("Your password is set"), "{}", done.body);
    assert!(done.set_cookie("token").is_none());
}

/// What the database keeps for an invitation id: its sha256, as for keys.
fn stored_id(link_id: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(link_id.as_bytes()))
}
