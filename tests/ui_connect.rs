//! The connect page over HTTP: it lists only the visitor's own keys, a role that may not
//! create keys is refused by the server when it posts the form anyway, and the settings
//! leave out the clients of a dialect the proxy does not serve.

mod common;

use common::browser::Browser;
use common::{Options, Proxy};
use serde_json::json;

fn csrf(browser: &Browser, proxy: &Proxy) -> String {
    let page = browser.get(&proxy.url("/ui/connect"));
    let marker = "name=\"csrf-token\" content=\"";
    let start = page.body.find(marker).expect("csrf meta") + marker.len();
    page.body[start..start + 64].to_string()
}

#[test]
fn only_your_own_keys_and_only_within_your_rights() {
    let config = common::model("connect-only-openai", "connect-only-openai", 0.001, 0.002);
    let proxy = Proxy::start_with(Options { config: Some(&config), ..Default::default() });
    let admin = proxy.admin();
    common::new_users(&admin, &[("ann", "internal_user"), ("ben", "internal_user"), ("rita", "internal_user_viewer")]);
    for (user, alias) in [("ann", "ann-laptop"), ("ben", "ben-secret-key")] {
        let (status, body) = admin.post("/key/generate", json!({"user_id": user, "key_alias": alias}));
        assert_eq!(status, 200, "{body}");
    }
    for user in ["ann", "rita"] {
        let (status, body) = admin.post("/user/update", json!({"user_id": user, "password": "a-good-password"}));
        assert_eq!(status, 200, "{body}");
    }
    let ann = Browser::signed_in(&proxy, "ann@example.com", "a-good-password");
    let page = ann.get(&proxy.url("/ui/connect"));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("ann-laptop") && !page.body.contains("ben-secret-key"), "{}", page.body);
    assert!(page.body.contains("id=\"text-openai-python\"") && page.body.contains("YOUR_KEY"));
    // An OpenAI-shaped model reaches Claude Code and Codex too: the gateway translates.
    assert!(page.body.contains("id=\"text-claude-code\"") && page.body.contains("id=\"text-codex\""), "{}", page.body);
    assert!(page.body.contains("ANTHROPIC_MODEL=connect-only-openai"), "{}", page.body);
    // Another user's key named in the link is not shown: the page falls back to her own.
    let ben_token: String = common::query(&proxy, "SELECT token FROM keys WHERE key_alias = 'ben-secret-key'");
    let page = ann.get(&proxy.url(&format!("/ui/connect?key={ben_token}")));
    assert!(!page.body.contains("ben-secret-key") && !page.body.contains(&ben_token), "{}", page.body);

    let rita = Browser::signed_in(&proxy, "rita@example.com", "a-good-password");
    let page = rita.get(&proxy.url("/ui/connect"));
    assert!(!page.body.contains("id=\"new-key\""), "no key creation is offered to a viewer");
    let token = csrf(&rita, &proxy);
    let page = rita.post_form(&proxy.url("/ui/connect"), &[("csrf_token", &token), ("key_alias", "forged")], &[]);
    assert!(page.status == 401 || page.status == 403, "{}: {}", page.status, page.body);
    let forged: i64 = common::query(&proxy, "SELECT count(*) FROM keys WHERE key_alias = 'forged'");
    assert_eq!(forged, 0);
}
