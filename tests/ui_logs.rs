//! The request log page (`/ui/logs`) over HTTP, without a browser: an internal user sees
//! only their own requests (in the list, through the filters and by id), admins and admin
//! viewers see everyone's; the filters and the id search narrow the list; a failure's
//! detail shows why it failed.

mod common;

use common::browser::Browser;
use common::{MASTER_KEY, Options, Proxy};
use serde_json::json;

const GOOD: &str = "logs-good";
const BAD: &str = "logs-bad";

fn proxy() -> Proxy {
    let config = format!(
        "{}{}",
        common::model(GOOD, "logs-good", common::PRICE_IN, common::PRICE_OUT),
        common::model(BAD, "logs-bad+fail400", common::PRICE_IN, common::PRICE_OUT)
    );
    Proxy::start_with(Options { config: Some(&config), ..Default::default() })
}

/// Sends one chat request with `key`; returns its call id.
fn call(proxy: &Proxy, key: &str, model: &str) -> String {
    let (status, headers, body) = common::post(&proxy.url("/v1/chat/completions"), key, &common::chat_body(model));
    assert_eq!(status == 200, model == GOOD, "{status} {body}");
    common::header_text(&headers, "x-litellm-call-id")
}

fn sign_in(proxy: &Proxy, user_id: &str) -> Browser {
    let (status, body) = proxy.admin().post("/user/update", json!({"user_id": user_id, "password": "a-good-password"}));
    assert_eq!(status, 200, "{body}");
    Browser::signed_in(proxy, &format!("{user_id}@example.com"), "a-good-password")
}

/// How many request rows a log page lists.
fn rows(body: &str) -> usize {
    body.matches("<tr data-status=").count()
}

#[test]
fn users_see_their_own_requests_and_admins_everyone_s() {
    let proxy = proxy();
    let keys = common::new_users(
        &proxy.admin(),
        &[("alice", "internal_user"), ("bob", "internal_user"), ("vera", "proxy_admin_viewer")],
    );
    let alice_ok = call(&proxy, &keys[0], GOOD);
    let alice_failed = call(&proxy, &keys[0], BAD);
    let bob_ok = call(&proxy, &keys[1], GOOD);
    let bob_failed = call(&proxy, &keys[1], BAD);
    drop(proxy.folded_db());

    let alice = sign_in(&proxy, "alice");
    let page = alice.get(&proxy.url("/ui/logs"));
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(rows(&page.body), 2, "{}", page.body);
    assert!(page.body.contains(&alice_ok) && page.body.contains(&alice_failed));
    assert!(!page.body.contains(&bob_ok) && !page.body.contains(&bob_failed), "alice sees none of bob's rows");
    assert!(page.body.contains("Your own requests."));
    // Naming bob in the filters or by id shows her nothing of his.
    for path in ["/ui/logs?user=bob", "/ui/logs?user=bob%40example.com", &format!("/ui/logs?q={bob_ok}")] {
        let page = alice.get(&proxy.url(path));
        assert_eq!(page.status, 200, "{path}");
        assert!(!page.body.contains(&format!("/ui/logs/{bob_ok}")) && rows(&page.body) == 0, "{path}: {}", page.body);
    }
    let theirs = alice.get(&proxy.url(&format!("/ui/logs/{bob_failed}")));
    assert_eq!(theirs.status, 404, "bob's request is not shown to alice");
    assert!(!theirs.body.contains("mock fail400"));

    for who in [Browser::signed_in(&proxy, "admin", MASTER_KEY), sign_in(&proxy, "vera")] {
        let page = who.get(&proxy.url("/ui/logs"));
        assert_eq!(rows(&page.body), 4, "{}", page.body);
        assert!(page.body.contains("Every request."));
        let page = who.get(&proxy.url("/ui/logs?status=failure&user=bob%40example.com"));
        assert_eq!(rows(&page.body), 1, "{}", page.body);
        assert!(page.body.contains(&bob_failed) && page.body.contains("mock fail400"));
        let page = who.get(&proxy.url(&format!("/ui/logs?q={alice_ok}")));
        assert_eq!(rows(&page.body), 1);
        assert!(page.body.contains(&alice_ok));
        let page = who.get(&proxy.url(&format!("/ui/logs?model={GOOD}")));
        assert_eq!(rows(&page.body), 2);
        assert!(!page.body.contains("mock fail400"));
    }
}

#[test]
fn a_failure_s_detail_says_why_and_bad_filters_are_explained() {
    let proxy = proxy();
    let keys = common::new_users(&proxy.admin(), &[("carol", "internal_user")]);
    let failed = call(&proxy, &keys[0], BAD);
    drop(proxy.folded_db());
    let carol = sign_in(&proxy, "carol");
    let page = carol.get(&proxy.url(&format!("/ui/logs/{failed}")));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Why it failed") && page.body.contains("mock fail400"), "{}", page.body);
    assert!(page.body.contains(&failed) && page.body.contains("400"));
    let page = carol.get(&proxy.url("/ui/logs?start=yesterday"));
    assert_eq!(page.status, 400);
    assert!(page.body.contains("is not a date"), "{}", page.body);
    let page = carol.get(&proxy.url("/ui/logs?status=maybe"));
    assert_eq!(page.status, 400);
    assert!(page.body.contains("status_filter is success or failure"), "{}", page.body);
    // Signed out: to the sign-in page, and back here after it.
    let page = Browser::new().get(&proxy.url("/ui/logs"));
    assert_eq!(page.status, 303);
    assert_eq!(page.location.as_deref(), Some("/ui/login?next=/ui/logs"));
}
