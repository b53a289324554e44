//! The proxy's edges against an attacker, over real HTTP (issue 12, findings 4, 5, 6 and
//! 11): `next` after sign-in stays on this site, wrong passwords do not lock the owner out,
//! slow bodies and too many connections cannot exhaust the server, logout needs a CSRF
//! proof, and key guessing is limited per address while chosen keys must be long.

mod common;

use common::browser::{Browser, field};
use common::{MASTER_KEY, Options, Proxy};
use serde_json::json;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn start_env(env: Vec<(&'static str, String)>) -> Proxy {
    Proxy::start_with(Options { env, ..Default::default() })
}

fn address(proxy: &Proxy) -> String {
    proxy.base_url.trim_start_matches("http://").to_string()
}

// ---- Finding 4: `next` -------------------------------------------------------------

/// The sign-in form's hidden `next`, unescaped (the template escapes `/`).
fn hidden_next(html: &str) -> Option<String> {
    field(html, "next").map(|v| v.replace("&#x2f;", "/"))
}

#[test]
fn next_with_control_characters_or_backslashes_falls_back_to_the_ui() {
    let proxy = Proxy::start();
    let refused = [
        "/\t/evil.example",
        "/\r\n/evil.example",
        "/\n/evil.example",
        "/\\evil.example",
        "/ui\\..\\evil.example",
        "/ /evil.example",
        "//evil.example",
        "https://evil.example",
    ];
    for next in refused {
        // The form post, signing in as the admin.
        let done = Browser::new().post_form(
            &proxy.url("/login"),
            &[("username", "admin"), ("password", MASTER_KEY), ("next", next)],
            &[],
        );
        assert_eq!((done.status, done.location.as_deref()), (303, Some("/ui")), "{next:?}: {}", done.body);
        let encoded: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
        // The sign-in page (never a 500) and its hidden field.
        let page = Browser::new().get(&proxy.url(&format!("/ui/login?next={encoded}")));
        assert_eq!(page.status, 200, "{next:?}");
        assert_eq!(hidden_next(&page.body).as_deref(), Some("/ui"), "{next:?}");
        // Signed in already: the page sends the browser on.
        let signed_in = Browser::signed_in(&proxy, "admin", MASTER_KEY);
        let on = signed_in.get(&proxy.url(&format!("/ui/login?next={encoded}")));
        assert_eq!((on.status, on.location.as_deref()), (303, Some("/ui")), "{next:?}");
        // The SSO entry (without a provider it shows the sign-in page).
        let sso = Browser::new().get(&proxy.url(&format!("/sso/key/generate?next={encoded}")));
        assert_eq!(sso.status, 200, "{next:?}");
        assert_eq!(hidden_next(&sso.body).as_deref(), Some("/ui"), "{next:?}");
    }
    // A plain local path is still honoured.
    let done = Browser::new().post_form(
        &proxy.url("/login"),
        &[("username", "admin"), ("password", MASTER_KEY), ("next", "/ui/keys?page=2")],
        &[],
    );
    assert_eq!(done.location.as_deref(), Some("/ui/keys?page=2"));
}

// ---- Finding 5: no lock-out of the owner -------------------------------------------

fn login_from(proxy: &Proxy, client: &str, password: &str) -> common::browser::Page {
    Browser::new().post_form(
        &proxy.url("/login"),
        &[("username", "admin"), ("password", password)],
        &[("x-forwarded-for", client)],
    )
}

#[test]
fn wrong_passwords_from_one_address_do_not_lock_the_owner_out() {
    // The harness connects from 127.0.0.1: trusted as a reverse proxy, its
    // X-Forwarded-For names the client.
    let config = "[server]\ntrusted_proxies = [\"127.0.0.1\"]\n";
    let proxy = Proxy::start_with(Options { config: Some(config), ..Default::default() });
    let attacker = "203.0.113.7";
    let statuses: Vec<u16> = (0..6).map(|_| login_from(&proxy, attacker, "wrong").status).collect();
    assert_eq!(statuses, vec![401, 401, 401, 401, 429, 429]);
    assert_eq!(login_from(&proxy, attacker, MASTER_KEY).status, 429, "the attacker's address stays locked");
    // The owner, from elsewhere, signs in with the right password.
    let owner = login_from(&proxy, "198.51.100.9", MASTER_KEY);
    assert_eq!(owner.status, 303, "{}", owner.body);
    assert!(owner.set_cookie("token").is_some());
    // And the API's master key works throughout.
    let (status, _) = proxy.admin().get("/key/list");
    assert_eq!(status, 200);
}

// ---- Finding 6: slow bodies and too many connections -------------------------------

/// Sends headers announcing a body, then the body one byte at a time, `gap` apart, on
/// another thread; returns what the server answered and how long it took to close.
fn trickle(proxy: &Proxy, path: &str, gap: Duration) -> (String, Duration) {
    let mut stream = TcpStream::connect(address(proxy)).unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer {MASTER_KEY}\r\n\
         Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{"
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let started = Instant::now();
    std::thread::spawn(move || {
        for _ in 0..100 {
            std::thread::sleep(gap);
            if writer.write_all(b" ").is_err() {
                return;
            }
        }
    });
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    (String::from_utf8_lossy(&answer).into_owned(), started.elapsed())
}

#[test]
fn a_trickling_body_is_answered_408_and_closed() {
    let proxy = start_env(vec![("PROXY_BODY_READ_TIMEOUT_SECONDS", "1".into())]);
    // The model routes (served past the router) and a management route.
    for path in ["/v1/chat/completions", "/key/generate"] {
        let (answer, took) = trickle(&proxy, path, Duration::from_millis(200));
        assert!(answer.starts_with("HTTP/1.1 408"), "{path}: {answer:?}");
        assert!(answer.to_ascii_lowercase().contains("connection: close"), "{path}: {answer}");
        assert!(answer.contains("body_read_timeout_seconds"), "{path}: {answer}");
        assert!(took < Duration::from_secs(5), "{path}: closed after {took:?}");
    }
    // A body that arrives in time is served as before.
    let (status, _) = proxy.admin().post("/key/generate", json!({}));
    assert_eq!(status, 200);
}

/// Whether the server closed `stream` without answering (EOF or reset) within 5 s.
fn closed_unanswered(stream: &mut TcpStream) -> bool {
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let _ = stream.write_all(b"GET /health/liveliness HTTP/1.1\r\nHost: proxy\r\n\r\n");
    let mut buffer = [0u8; 64];
    match stream.read(&mut buffer) {
        Ok(0) => true,
        Ok(_) => false,
        Err(error) => matches!(
            error.kind(),
            std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted
                | std::io::ErrorKind::BrokenPipe
        ),
    }
}

fn answers(proxy: &Proxy) -> bool {
    let Ok(mut stream) = TcpStream::connect(address(proxy)) else { return false };
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let request = "GET /health/liveliness HTTP/1.1\r\nHost: proxy\r\nConnection: close\r\n\r\n";
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200")
}

#[test]
fn connections_past_the_limit_are_closed_and_logged_once() {
    let proxy = start_env(vec![("PROXY_MAX_CONNECTIONS", "2".into())]);
    let mut held: Vec<TcpStream> = (0..2).map(|_| TcpStream::connect(address(&proxy)).unwrap()).collect();
    // The held connections are open at the server once one of them is answered.
    held[0].set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    held[0].write_all(b"GET /health/liveliness HTTP/1.1\r\nHost: proxy\r\n\r\n").unwrap();
    let mut buffer = [0u8; 12];
    held[0].read_exact(&mut buffer).unwrap();
    assert_eq!(&buffer, b"HTTP/1.1 200");
    for _ in 0..3 {
        let mut extra = TcpStream::connect(address(&proxy)).unwrap();
        assert!(closed_unanswered(&mut extra), "a connection past the limit was served");
    }
    let output = proxy.output_with("connection limit reached");
    assert_eq!(output.matches("connection limit reached").count(), 1, "{output}");
    // Once a held connection ends, a new one is served again.
    held.pop();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !answers(&proxy) {
        assert!(Instant::now() < deadline, "no connection served after one closed");
        std::thread::sleep(Duration::from_millis(50));
    }
}

// ---- Finding 11d: logout is a POST with a CSRF proof -------------------------------

#[test]
fn logout_takes_a_post_with_the_csrf_token() {
    let proxy = Proxy::start();
    let browser = Browser::signed_in(&proxy, "admin", MASTER_KEY);
    let home = browser.get(&proxy.url("/ui"));
    assert_eq!(home.status, 200);
    assert!(home.body.contains("action=\"/logout\""), "the sign-out link is a form");
    // A GET (a link or an image on any site) asks, and signs nobody out.
    let asked = browser.get(&proxy.url("/logout"));
    assert_eq!(asked.status, 200, "{}", asked.body);
    assert!(asked.set_cookie("token").is_none());
    assert_eq!(browser.get(&proxy.url("/ui")).status, 200, "still signed in after GET /logout");
    // A POST without the token (a form on another site) is refused.
    let forged = browser.post_form(&proxy.url("/logout"), &[], &[("origin", "https://evil.example")]);
    assert_eq!(forged.status, 403, "{}", forged.body);
    let bare = browser.post_form(&proxy.url("/logout"), &[], &[]);
    assert_eq!(bare.status, 403, "{}", bare.body);
    assert_eq!(browser.get(&proxy.url("/ui")).status, 200, "still signed in after refused posts");
    // The page's form signs out, for good.
    let token = field(&asked.body, "csrf_token").expect("the page carries the token");
    let old = browser.cookie("token").unwrap();
    let out = browser.post_form(&proxy.url("/logout"), &[("csrf_token", &token)], &[]);
    assert_eq!((out.status, out.location.as_deref()), (303, Some("/ui/login")), "{}", out.body);
    assert!(out.set_cookie("token").unwrap().contains("Max-Age=0"));
    browser.set("token", &old);
    assert_eq!(browser.get(&proxy.url("/ui")).status, 303, "the old cookie no longer works");
}

// ---- Finding 11f: key guessing and chosen keys -------------------------------------

fn chat(proxy: &Proxy, key: &str) -> u16 {
    let body = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]});
    common::post(&proxy.url("/v1/chat/completions"), key, &body).0
}

fn new_key(proxy: &Proxy) -> String {
    let (status, body) = proxy.admin().post("/key/generate", json!({}));
    assert_eq!(status, 200, "{body}");
    body["key"].as_str().unwrap().to_string()
}

#[test]
fn unknown_keys_from_one_address_are_limited_and_teach_nothing() {
    let proxy = Proxy::start();
    let (used, unused) = (new_key(&proxy), new_key(&proxy));
    let guess = |i: usize| format!("sk-guess-{i:032}");
    // The first unknown key puts the address under watch; a key used from it now keeps
    // working through a lock.
    assert_eq!(chat(&proxy, &guess(0)), 401);
    assert_eq!(proxy.client(Some(&used)).get("/v1/models").0, 200);
    let mut statuses = Vec::new();
    for i in 1..40 {
        // Both ways in: the model routes (served past the router) and the router's routes.
        statuses.push(if i % 2 == 0 {
            chat(&proxy, &guess(i))
        } else {
            proxy.client(Some(&guess(i))).get("/v1/models").0
        });
    }
    assert!(statuses.iter().take(18).all(|s| *s == 401), "{statuses:?}");
    assert!(statuses.iter().skip(20).all(|s| *s == 429), "{statuses:?}");
    let (status, headers, _) = common::post(&proxy.url("/v1/chat/completions"), &guess(99), &json!({}));
    assert_eq!(status, 429);
    assert!(headers.get("retry-after").is_some());
    // The key used before the lock still works; the master key always does.
    assert_eq!(proxy.client(Some(&used)).get("/v1/models").0, 200);
    assert_eq!(proxy.admin().get("/v1/models").0, 200);
    // A right guess during the lock looks like a wrong one.
    assert_eq!(proxy.client(Some(&unused)).get("/v1/models").0, 429);
    assert_eq!(chat(&proxy, &unused), 429);
}

#[test]
fn a_chosen_key_needs_24_characters_after_sk() {
    let proxy = Proxy::start();
    let admin = proxy.admin();
    let (status, body) = admin.post("/key/generate", json!({"key": "sk-12345678"}));
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["param"], "key", "{body}");
    let long = format!("sk-{}", "k".repeat(24));
    let (status, body) = admin.post("/key/generate", json!({"key": long}));
    assert_eq!(status, 200, "{body}");
    let (status, body) = admin.post("/key/regenerate", json!({"key": long, "new_key": "sk-short-one"}));
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["param"], "new_key", "{body}");
    let (status, body) =
        admin.post("/key/regenerate", json!({"key": long, "new_key": format!("sk-{}", "n".repeat(30))}));
    assert_eq!(status, 200, "{body}");
}
