//! SSO against an OIDC provider nobody here wrote: `oidc-provider-mock` from PyPI (listed
//! in tests/python/requirements.txt, installed into target/test-venv by .ci/run), started
//! as a subprocess on a free loopback port and stopped by its PID. Its id tokens are
//! verified against its JWKS and issuer, as a real provider's would be.

mod common;

use common::browser::{Browser, query_param};
use common::{Options, Proxy};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Provider {
    child: Child,
    base: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_provider() -> Provider {
    let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `python3 -m venv target/test-venv && target/test-venv/bin/pip install -r tests/python/requirements.txt` (or .ci/run)",
        python.display()
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let alice = r#"{"sub": "alice-sub", "email": "alice@example.com", "email_verified": true,
                    "preferred_username": "alice", "name": "Alice", "groups": ["research"]}"#;
    let child = Command::new(python)
        .args(["-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--user-claims", alice])
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start oidc-provider-mock");
    let provider = Provider { child, base: format!("http://127.0.0.1:{port}") };
    let deadline = Instant::now() + Duration::from_secs(30);
    let discovery = format!("{}/.well-known/openid-configuration", provider.base);
    while reqwest::blocking::get(&discovery).map(|r| !r.status().is_success()).unwrap_or(true) {
        assert!(Instant::now() < deadline, "oidc-provider-mock did not start on port {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
    provider
}

#[test]
fn signs_in_through_oidc_provider_mock() {
    let idp = start_provider();
    let discovery: serde_json::Value =
        reqwest::blocking::get(format!("{}/.well-known/openid-configuration", idp.base)).unwrap().json().unwrap();
    let mut env = vec![
        ("GENERIC_CLIENT_ID", "proxy".to_string()),
        ("GENERIC_CLIENT_SECRET", "proxy-secret".to_string()),
        ("GENERIC_AUTHORIZATION_ENDPOINT", discovery["authorization_endpoint"].as_str().unwrap().to_string()),
        ("GENERIC_TOKEN_ENDPOINT", discovery["token_endpoint"].as_str().unwrap().to_string()),
        ("GENERIC_USERINFO_ENDPOINT", discovery["userinfo_endpoint"].as_str().unwrap().to_string()),
        // Its id tokens are checked against its published keys and issuer.
        ("GENERIC_JWKS_ENDPOINT", discovery["jwks_uri"].as_str().unwrap().to_string()),
        ("GENERIC_ISSUER", discovery["issuer"].as_str().unwrap().to_string()),
    ];
    let config = "[general_settings.litellm_jwtauth]\nteam_ids_jwt_field = \"groups\"\n";
    let first = Proxy::start_with(Options { config: Some(config), env: env.clone(), ..Default::default() });
    let dir = first.stop();
    proxy::db::Direct::open(dir.path().join("proxy.db"))
        .unwrap()
        .execute(
            "INSERT INTO teams (team_id, created_at, updated_at) VALUES ('research', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
            (),
        )
        .unwrap();
    let proxy =
        Proxy::start_with(Options { config: Some(config), env: env.clone(), dir: Some(dir), ..Default::default() });

    // The provider shows its sign-in form; "alice" is chosen by posting it back.
    let browser = Browser::new();
    let start = browser.get(&proxy.url("/sso/key/generate"));
    assert_eq!(start.status, 303, "{}", start.body);
    let authorize = start.location.unwrap();
    assert!(authorize.contains("code_challenge=") && authorize.contains("nonce="), "{authorize}");
    assert_eq!(browser.get(&authorize).status, 200);
    let back = browser.post_form(&authorize, &[("sub", "alice-sub")], &[]);
    assert!(back.status == 302 || back.status == 303, "{} {}", back.status, back.body);
    let callback = back.location.unwrap();
    let done = browser.get(&callback);
    assert_eq!(done.status, 303, "{}", done.body);
    let home = browser.get(&proxy.url("/ui"));
    assert_eq!(home.status, 200);
    assert!(home.body.contains("alice@example.com"), "{}", home.body);

    let conn = proxy::db::Direct::open(proxy.db_path()).unwrap();
    let (role, sso_id): (String, String) = conn
        .query_row("SELECT user_role, sso_user_id FROM users WHERE user_id = 'alice'", (), |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((role.as_str(), sso_id.as_str()), ("internal_user_viewer", "alice-sub"));
    let team: String =
        conn.query_row("SELECT team_id FROM team_memberships WHERE user_id = 'alice'", (), |r| r.get(0)).unwrap();
    assert_eq!(team, "research");

    // The provider refuses its code a second time; we show that refusal.
    let again = browser.get(&proxy.url("/sso/key/generate")).location.unwrap();
    let state = query_param(&again, "state").unwrap();
    let old_code = query_param(&callback, "code").unwrap();
    let replay = browser.get(&proxy.url(&format!("/sso/callback?code={old_code}&state={state}")));
    assert_eq!(replay.status, 401, "{}", replay.body);
    assert!(replay.body.contains("refused the sign-in code"), "{}", replay.body);

    // Denying consent at the provider ends on our page.
    let denied_at = browser.get(&proxy.url("/sso/key/generate")).location.unwrap();
    let denied = browser.post_form(&denied_at, &[("action", "deny")], &[]);
    let page = browser.get(&denied.location.unwrap());
    assert_eq!(page.status, 401, "{}", page.body);
    assert!(page.body.contains("denied"), "{}", page.body);
    drop(proxy);

    // The id token really is checked: a proxy told to expect another issuer refuses it.
    env.retain(|(k, _)| *k != "GENERIC_ISSUER");
    env.push(("GENERIC_ISSUER", "https://another-issuer.example.com".to_string()));
    let strict = Proxy::start_with(Options { env, ..Default::default() });
    let browser = Browser::new();
    let authorize = browser.get(&strict.url("/sso/key/generate")).location.unwrap();
    let back = browser.post_form(&authorize, &[("sub", "alice-sub")], &[]);
    let page = browser.get(&back.location.unwrap());
    assert_eq!(page.status, 502, "{}", page.body);
    assert!(page.body.contains("another issuer"), "{}", page.body);
}
