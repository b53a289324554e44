//! SSO against a mock OAuth/OIDC provider (a real HTTP server): the whole redirect flow
//! with a cookie-keeping client, first sign-in provisioning, PROXY_ADMIN_ID, team sync from
//! `groups`, and the refusals: bad state, replayed code, unverified email, denied consent,
//! a provider that cannot be reached, admin_only; id tokens checked against the provider's
//! keys (a forged signature, another audience or issuer, expiry; key rotation).

mod common;

use common::browser::{Browser, Page, query_param};
use common::oidc::MockIdp;
use common::{Options, Proxy};
use serde_json::json;

const CONFIG: &str = r#"
[general_settings.litellm_jwtauth]
team_ids_jwt_field = "groups"

[litellm_settings]
max_internal_user_budget = 10.0
internal_user_budget_duration = "1mo"

[litellm_settings.default_internal_user_params]
max_budget = 25.0
models = ["gpt-4o-mini"]
"#;

/// Starts a proxy once to create its database, runs `seed` on the file, restarts.
fn start_seeded(config: &str, env: Vec<(&'static str, String)>, seed: &str) -> Proxy {
    let first = Proxy::start_with(Options { config: Some(config), env: env.clone(), ..Default::default() });
    let dir = first.stop();
    let conn = proxy::db::Direct::open(dir.path().join("proxy.db")).unwrap();
    conn.execute_batch(seed).unwrap();
    drop(conn);
    Proxy::start_with(Options { config: Some(config), env, dir: Some(dir), ..Default::default() })
}

const TEAMS: &str = "
    INSERT INTO teams (team_id, team_alias, created_at, updated_at) VALUES
        ('t1', 'Team one', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
        ('t2', 'Team two', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
        ('t3', 'Team three', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');";

/// Starts SSO and follows the provider's redirect; returns the callback URL.
fn to_callback(proxy: &Proxy, browser: &Browser) -> String {
    let start = browser.get(&proxy.url("/sso/key/generate"));
    assert_eq!(start.status, 303, "{}", start.body);
    let authorize = start.location.clone().unwrap();
    let back = browser.get(&authorize);
    assert_eq!(back.status, 303, "{}", back.body);
    back.location.unwrap()
}

fn sign_in(proxy: &Proxy, browser: &Browser) -> Page {
    let callback = to_callback(proxy, browser);
    browser.get(&callback)
}

/// (role, email, max_budget, budget_duration, budget_reset_at, models)
type UserRow = (String, Option<String>, Option<f64>, Option<String>, Option<String>, String);

fn user_row(proxy: &Proxy, user_id: &str) -> Option<UserRow> {
    let conn = proxy::db::Direct::open(proxy.db_path()).unwrap();
    conn.query_row(
        "SELECT user_role, user_email, max_budget, budget_duration, budget_reset_at, models FROM users WHERE user_id = ?1",
        [user_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
    )
    .ok()
}

fn memberships(proxy: &Proxy, user_id: &str) -> Vec<(String, String, String)> {
    let conn = proxy::db::Direct::open(proxy.db_path()).unwrap();
    let mut stmt =
        conn.prepare("SELECT team_id, role, source FROM team_memberships WHERE user_id = ?1 ORDER BY team_id").unwrap();
    stmt.query_map([user_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
}

fn sso_user_id(proxy: &Proxy, user_id: &str) -> Option<String> {
    let conn = proxy::db::Direct::open(proxy.db_path()).unwrap();
    conn.query_row("SELECT sso_user_id FROM users WHERE user_id = ?1", [user_id], |r| r.get(0)).unwrap()
}

#[test]
fn first_sign_in_creates_the_user_and_syncs_teams() {
    let idp = MockIdp::start();
    let seed = format!(
        "{TEAMS}
        INSERT INTO users (user_id, created_at, updated_at) VALUES ('ann', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')
            ON CONFLICT DO NOTHING;
        DELETE FROM users WHERE user_id = 'ann';"
    );
    let proxy = start_seeded(CONFIG, idp.env(), &seed);
    // The sign-in page offers SSO.
    let browser = Browser::new();
    let login = browser.get(&proxy.url("/ui/login"));
    assert!(login.body.contains("/sso/key/generate"), "{}", login.body);

    idp.set_claims(json!({"sub": "sub-ann", "preferred_username": "ann", "email": "Ann@Example.com",
                          "email_verified": true, "name": "Ann", "groups": ["t1", "no-such-team"]}));
    let done = sign_in(&proxy, &browser);
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some("/ui"));
    let cookie = done.set_cookie("token").expect("a session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");

    // What the provider was asked: our callback, state, PKCE S256 and a nonce.
    let asked = idp.last_authorize();
    assert_eq!(asked["redirect_uri"], proxy.url("/sso/callback"));
    assert_eq!(asked["code_challenge_method"], "S256");
    assert!(!asked["state"].is_empty() && !asked["nonce"].is_empty());
    assert!(asked["scope"].contains("openid"));

    let home = browser.get(&proxy.url("/ui"));
    assert_eq!(home.status, 200, "{}", proxy.output());
    assert!(home.body.contains("ann@example.com") && home.body.contains("internal_user_viewer"), "{}", home.body);

    let (role, email, max_budget, duration, reset_at, models) = user_row(&proxy, "ann").expect("user created");
    assert_eq!(role, "internal_user_viewer");
    assert_eq!(email.as_deref(), Some("ann@example.com"));
    assert_eq!(max_budget, Some(25.0), "default_internal_user_params wins over max_internal_user_budget");
    assert_eq!(duration.as_deref(), Some("1mo"));
    assert!(reset_at.is_some_and(|r| r.ends_with("-01T00:00:00.000000Z")));
    assert_eq!(models, "[\"gpt-4o-mini\"]");
    assert_eq!(sso_user_id(&proxy, "ann").as_deref(), Some("sub-ann"));
    assert_eq!(memberships(&proxy, "ann"), vec![("t1".into(), "user".into(), "sso".into())]);

    // A membership made by hand stays; SSO memberships follow the provider's list.
    let conn = proxy::db::Direct::open(proxy.db_path()).unwrap();
    conn.execute(
        "INSERT INTO team_memberships (user_id, team_id, role, created_at) VALUES ('ann', 't3', 'admin', '2026-01-01T00:00:00Z')",
        (),
    )
    .unwrap();
    idp.set_claims(json!({"sub": "sub-ann", "preferred_username": "ann", "email": "ann@example.com",
                          "email_verified": true, "groups": ["t2"]}));
    let again = Browser::new();
    assert_eq!(sign_in(&proxy, &again).status, 303);
    assert_eq!(
        memberships(&proxy, "ann"),
        vec![("t2".into(), "user".into(), "sso".into()), ("t3".into(), "admin".into(), "manual".into())]
    );
    assert!(again.get(&proxy.url("/ui")).body.contains("Team two (user)"));
}

#[test]
fn proxy_admin_id_signs_in_as_admin_and_provider_roles_count() {
    let idp = MockIdp::start();
    let mut env = idp.env();
    env.push(("PROXY_ADMIN_ID", "boss".into()));
    let proxy = Proxy::start_with(Options { env, ..Default::default() });
    idp.set_claims(json!({"sub": "sub-boss", "preferred_username": "boss", "email": "boss@example.com",
                          "email_verified": true}));
    let browser = Browser::new();
    assert_eq!(sign_in(&proxy, &browser).status, 303);
    assert_eq!(user_row(&proxy, "boss").unwrap().0, "proxy_admin");
    assert!(browser.get(&proxy.url("/ui")).body.contains("proxy_admin"));

    idp.set_claims(json!({"sub": "sub-cy", "preferred_username": "cy", "email": "cy@example.com",
                          "role": "internal_user"}));
    assert_eq!(sign_in(&proxy, &Browser::new()).status, 303);
    assert_eq!(user_row(&proxy, "cy").unwrap().0, "internal_user");
}

#[test]
fn a_bad_state_is_refused() {
    let idp = MockIdp::start();
    let proxy = Proxy::start_with(Options { env: idp.env(), ..Default::default() });
    idp.set_claims(json!({"sub": "s", "preferred_username": "eve", "email": "eve@example.com"}));
    let browser = Browser::new();
    let callback = to_callback(&proxy, &browser);
    let code = query_param(&callback, "code").unwrap();
    let forged = proxy.url(&format!("/sso/callback?code={code}&state=forged"));
    let page = browser.get(&forged);
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.body.contains("state"), "{}", page.body);
    assert!(page.set_cookie("token").is_none());
    assert!(user_row(&proxy, "eve").is_none());
    assert_eq!(*idp.shared.token_requests.lock().unwrap(), 0, "the code was not even exchanged");
}

#[test]
fn a_replayed_code_is_refused() {
    let idp = MockIdp::start();
    let proxy = Proxy::start_with(Options { env: idp.env(), ..Default::default() });
    idp.set_claims(json!({"sub": "s-f", "preferred_username": "fay", "email": "fay@example.com"}));
    let browser = Browser::new();
    let first = to_callback(&proxy, &browser);
    assert_eq!(browser.get(&first).status, 303);
    // A new sign-in in the same browser, answered with the old code.
    let second = to_callback(&proxy, &browser);
    let old_code = query_param(&first, "code").unwrap();
    let new_state = query_param(&second, "state").unwrap();
    let replay = browser.get(&proxy.url(&format!("/sso/callback?code={old_code}&state={new_state}")));
    assert_eq!(replay.status, 401, "{}", replay.body);
    assert!(replay.body.contains("invalid_grant"), "{}", replay.body);
    assert!(replay.set_cookie("token").is_none_or(|c| c.starts_with("token=;")));
}

#[test]
fn an_unverified_email_does_not_take_over_an_existing_user() {
    let idp = MockIdp::start();
    let seed = "INSERT INTO users (user_id, user_email, user_role, created_at, updated_at)
                VALUES ('bob-local', 'bob@example.com', 'internal_user', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');";
    let proxy = start_seeded("", idp.env(), seed);
    idp.set_claims(json!({"sub": "attacker", "preferred_username": "bobby", "email": "bob@example.com",
                          "email_verified": false}));
    let page = sign_in(&proxy, &Browser::new());
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(page.body.contains("did not confirm"), "{}", page.body);
    assert_eq!(sso_user_id(&proxy, "bob-local"), None);
    assert!(user_row(&proxy, "bobby").is_none());

    // Verified, it links to the existing row (and a second subject cannot take it over).
    idp.set_claims(json!({"sub": "sub-bob", "preferred_username": "bobby", "email": "bob@example.com",
                          "email_verified": true}));
    let browser = Browser::new();
    assert_eq!(sign_in(&proxy, &browser).status, 303);
    assert_eq!(sso_user_id(&proxy, "bob-local").as_deref(), Some("sub-bob"));
    assert!(user_row(&proxy, "bobby").is_none());
    idp.set_claims(json!({"sub": "someone-else", "preferred_username": "bob2", "email": "bob@example.com",
                          "email_verified": true}));
    assert_eq!(sign_in(&proxy, &Browser::new()).status, 403);
    assert_eq!(sso_user_id(&proxy, "bob-local").as_deref(), Some("sub-bob"));
}

#[test]
fn a_verified_email_never_links_to_an_admin_or_the_built_in_admin() {
    let idp = MockIdp::start();
    let seed = "INSERT INTO users (user_id, user_email, user_role, created_at, updated_at) VALUES
                ('boss-local', 'boss@example.com', 'proxy_admin', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
                ('viewer-local', 'viewer@example.com', 'proxy_admin_viewer', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
                UPDATE users SET user_email = 'root@example.com' WHERE user_id = 'default_user_id';";
    let proxy = start_seeded("", idp.env(), seed);
    for (email, user) in [
        ("boss@example.com", "boss-local"),
        ("viewer@example.com", "viewer-local"),
        ("root@example.com", "default_user_id"),
    ] {
        idp.set_claims(json!({"sub": format!("sub-{user}"), "preferred_username": format!("x-{user}"),
                              "email": email, "email_verified": true}));
        let page = sign_in(&proxy, &Browser::new());
        assert_eq!(page.status, 403, "{email}: {}", page.body);
        assert!(page.body.contains("more rights"), "{}", page.body);
        assert!(page.set_cookie("token").is_none_or(|c| c.starts_with("token=;")));
        assert_eq!(sso_user_id(&proxy, user), None);
    }
    // A user id claim naming the built-in admin does not link to it either.
    idp.set_claims(json!({"sub": "sub-root", "preferred_username": "default_user_id", "email": "x@example.com",
                          "email_verified": true}));
    assert_eq!(sign_in(&proxy, &Browser::new()).status, 403);
    assert_eq!(sso_user_id(&proxy, "default_user_id"), None);
    // The provider saying the user is an admin is what lets the admin's account link.
    idp.set_claims(json!({"sub": "sub-boss", "preferred_username": "boss", "email": "boss@example.com",
                          "email_verified": true, "role": "proxy_admin"}));
    assert_eq!(sign_in(&proxy, &Browser::new()).status, 303);
    assert_eq!(sso_user_id(&proxy, "boss-local").as_deref(), Some("sub-boss"));
}

#[test]
fn provider_errors_end_on_a_page_that_says_what_went_wrong() {
    let idp = MockIdp::start();
    let proxy = Proxy::start_with(Options { env: idp.env(), ..Default::default() });
    let browser = Browser::new();
    let denied = browser.get(&proxy.url("/sso/callback?error=access_denied&error_description=user+said+no"));
    assert_eq!(denied.status, 401);
    assert!(denied.body.contains("consent was denied") && denied.body.contains("user said no"), "{}", denied.body);

    let no_pending = Browser::new().get(&proxy.url("/sso/callback?code=x&state=y"));
    assert_eq!(no_pending.status, 400, "{}", no_pending.body);

    // Missing email.
    idp.set_claims(json!({"sub": "s-x", "preferred_username": "x"}));
    let page = sign_in(&proxy, &Browser::new());
    assert_eq!(page.status, 400);
    assert!(page.body.contains("email"), "{}", page.body);

    // An id token for another sign-in (nonce) or another client (aud) is refused.
    idp.set_claims(json!({"sub": "s-n", "preferred_username": "nora", "email": "nora@example.com"}));
    *idp.shared.id_token_overrides.lock().unwrap() = json!({"nonce": "from-another-sign-in"});
    let page = sign_in(&proxy, &Browser::new());
    assert_eq!(page.status, 400);
    assert!(page.body.contains("nonce"), "{}", page.body);
    *idp.shared.id_token_overrides.lock().unwrap() = json!({"aud": "another-client"});
    let page = sign_in(&proxy, &Browser::new());
    assert_eq!(page.status, 502);
    assert!(page.body.contains("another client"), "{}", page.body);
    assert!(user_row(&proxy, "nora").is_none());
    *idp.shared.id_token_overrides.lock().unwrap() = json!(null);

    // A token endpoint that is down.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let mut env = idp.env();
    env.retain(|(k, _)| *k != "GENERIC_TOKEN_ENDPOINT");
    env.push(("GENERIC_TOKEN_ENDPOINT", format!("http://{closed}/token")));
    let down = Proxy::start_with(Options { env, ..Default::default() });
    idp.set_claims(json!({"sub": "s-y", "preferred_username": "y", "email": "y@example.com"}));
    let page = sign_in(&down, &Browser::new());
    assert_eq!(page.status, 502, "{}", page.body);
    assert!(page.body.contains("token endpoint"), "{}", page.body);
}

#[test]
fn admin_only_refuses_sso_users_who_are_not_admins() {
    let idp = MockIdp::start();
    let mut env = idp.env();
    env.push(("UI_ACCESS_MODE", "admin_only".into()));
    let proxy = Proxy::start_with(Options { env, ..Default::default() });
    idp.set_claims(json!({"sub": "s-v", "preferred_username": "vic", "email": "vic@example.com"}));
    let page = sign_in(&proxy, &Browser::new());
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(page.set_cookie("token").is_none_or(|c| c.starts_with("token=;")));
    idp.set_claims(json!({"sub": "s-w", "preferred_username": "wil", "email": "wil@example.com",
                          "role": "proxy_admin_viewer"}));
    assert_eq!(sign_in(&proxy, &Browser::new()).status, 303);
}

#[test]
fn id_tokens_are_verified_against_the_providers_keys() {
    let idp = MockIdp::start();
    let proxy = Proxy::start_with(Options { env: idp.env(), ..Default::default() });

    // A token signed with the published key signs in; the role comes from the id token
    // only (userinfo does not carry it), so the verified id token's claims are used.
    idp.set_claims(json!({"sub": "s-gil", "preferred_username": "gil", "email": "gil@example.com"}));
    *idp.shared.id_token_overrides.lock().unwrap() = json!({"role": "internal_user"});
    assert_eq!(sign_in(&proxy, &Browser::new()).status, 303);
    assert_eq!(user_row(&proxy, "gil").unwrap().0, "internal_user");
    let fetched = *idp.shared.jwks_requests.lock().unwrap();
    assert_eq!(fetched, 1, "the key set was fetched once");
    assert_eq!(sign_in(&proxy, &Browser::new()).status, 303);
    assert_eq!(*idp.shared.jwks_requests.lock().unwrap(), 1, "and then kept in memory");
    // The provider rotates its key: the unknown key id makes the proxy fetch the set again.
    *idp.shared.rotated.lock().unwrap() = true;
    assert_eq!(sign_in(&proxy, &Browser::new()).status, 303);
    assert_eq!(*idp.shared.jwks_requests.lock().unwrap(), 2);
    *idp.shared.id_token_overrides.lock().unwrap() = json!(null);

    // A token signed with another key (naming the published key id) is refused.
    idp.set_claims(json!({"sub": "s-hal", "preferred_username": "hal", "email": "hal@example.com"}));
    *idp.shared.sign_with_other_key.lock().unwrap() = true;
    let page = sign_in(&proxy, &Browser::new());
    assert_eq!(page.status, 502, "{}", page.body);
    assert!(page.body.contains("signature does not verify"), "{}", page.body);
    assert!(page.set_cookie("token").is_none_or(|c| c.starts_with("token=;")));
    assert!(user_row(&proxy, "hal").is_none());
    *idp.shared.sign_with_other_key.lock().unwrap() = false;

    // Validly signed but for another client, from another issuer, or expired: refused.
    for (overrides, why) in [
        (json!({"aud": "another-client"}), "another client"),
        (json!({"iss": "https://evil.example.com"}), "another issuer"),
        (json!({"exp": chrono::Utc::now().timestamp() - 3600}), "expired"),
    ] {
        *idp.shared.id_token_overrides.lock().unwrap() = overrides;
        let page = sign_in(&proxy, &Browser::new());
        assert_eq!(page.status, 502, "{}", page.body);
        assert!(page.body.contains(why), "{why}: {}", page.body);
    }
    assert!(user_row(&proxy, "hal").is_none());
}

#[test]
fn without_a_jwks_endpoint_the_id_token_is_ignored() {
    let idp = MockIdp::start();
    let mut env = idp.env();
    env.retain(|(k, _)| *k != "GENERIC_JWKS_ENDPOINT");
    let proxy = Proxy::start_with(Options { env, ..Default::default() });
    // Even a forged id token changes nothing: its role claim is not used.
    idp.set_claims(json!({"sub": "s-ivy", "preferred_username": "ivy", "email": "ivy@example.com"}));
    *idp.shared.sign_with_other_key.lock().unwrap() = true;
    *idp.shared.id_token_overrides.lock().unwrap() = json!({"role": "proxy_admin"});
    assert_eq!(sign_in(&proxy, &Browser::new()).status, 303);
    assert_eq!(user_row(&proxy, "ivy").unwrap().0, "internal_user_viewer");
    assert_eq!(*idp.shared.jwks_requests.lock().unwrap(), 0);
}
