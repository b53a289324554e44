//! Browser tests of the admin UI: the real binary, the mock upstream, and Debian's
//! chromium driven by playwright-core (`npm ci` installs it into node_modules) through the
//! flows in `tests/ui/*.mjs`. Each flow prints `ok ...` per check and `FLOW PASSED`;
//! screenshots land in `target/ui-screenshots/` for a reviewer.

mod common;

use common::{MASTER_KEY, Options, Proxy, mock_upstream};
use serde_json::json;
use std::path::PathBuf;
use std::process::Command;

fn screenshots() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target").join("ui-screenshots")
}

fn flow(script: &str, args: &[&str]) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    assert!(
        root.join("node_modules").join("playwright-core").exists(),
        "playwright-core is missing: run `npm ci` in the repository first"
    );
    let output = Command::new("node")
        .arg(root.join("tests").join("ui").join(script))
        .args(args)
        .current_dir(&root)
        .output()
        .expect("node runs (install nodejs)");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(output.status.success() && stdout.contains("FLOW PASSED"), "{script} failed:\n{stdout}\n{stderr}");
    stdout
}

fn config(model: &str) -> String {
    format!(
        "{}[litellm_settings.upperbound_key_generate_params]\nmax_budget = 10.0\nduration = \"30d\"\n",
        common::model(model, &format!("{model}+c=5+slow=150"), 0.001, 0.002)
    )
}

#[test]
fn the_seed_flow_in_a_browser() {
    mock_upstream::mock();
    let model = "ui-chat";
    let config = config(model);
    let proxy = Proxy::start_with(Options { config: Some(&config), ..Default::default() });
    let dir = screenshots();
    let out = flow("seed_flow.mjs", &[&proxy.base_url, MASTER_KEY, dir.to_str().unwrap(), model]);
    for step in [
        "the budget was clamped",
        "the edited budget is listed",
        "the reply shows while it streams",
        "the whole reply arrives",
        "shows the spend",
    ] {
        assert!(out.contains(step), "missing step `{step}`:\n{out}");
    }
    // Created clamped to 10, then edited down to 4.5 on the key's edit form.
    let budget: f64 = common::query(&proxy, "SELECT max_budget FROM keys WHERE key_alias = 'alice-laptop'");
    assert_eq!(budget, 4.5);
    let spend: f64 = common::query(&proxy, "SELECT COALESCE(SUM(spend), 0) FROM daily_spend");
    assert!(spend > 0.0, "spend was recorded: {spend}");
}

#[test]
fn viewers_see_but_cannot_change() {
    let proxy = Proxy::start_with(Options { config: Some(&config("ui-viewer")), ..Default::default() });
    let admin = proxy.admin();
    let password = "viewer-password-1";
    for (email, role) in [("viewer@example.com", "proxy_admin_viewer"), ("reader@example.com", "internal_user_viewer")]
    {
        let (status, user) =
            admin.post("/user/new", json!({"user_email": email, "user_role": role, "auto_create_key": false}));
        assert_eq!(status, 200, "{user}");
        let (status, body) = admin.post("/user/update", json!({"user_id": user["user_id"], "password": password}));
        assert_eq!(status, 200, "{body}");
    }
    let (status, key) = admin.post("/key/generate", json!({"key_alias": "someone-elses-key"}));
    assert_eq!(status, 200, "{key}");
    let token = key["token"].as_str().unwrap().to_string();
    let dir = screenshots();
    flow("viewers.mjs", &[&proxy.base_url, password, dir.to_str().unwrap(), &token]);
    let keys: i64 = common::query(&proxy, "SELECT COUNT(*) FROM keys");
    assert_eq!(keys, 1, "no key was created or deleted by a viewer");
    // The upper bound filled in 10 at creation; the forged edit asked for 999.
    let budget: f64 = common::query(&proxy, "SELECT max_budget FROM keys");
    assert_eq!(budget, 10.0, "no key was edited by a viewer");
    let users: i64 = common::query(&proxy, "SELECT COUNT(*) FROM users WHERE user_email = 'mallory@example.com'");
    assert_eq!(users, 0);
}

#[test]
fn the_request_log_filters_and_shows_a_failure() {
    let (good, bad) = ("ui-log-good", "ui-log-bad");
    let config = format!(
        "[general_settings]\nstore_prompts_in_spend_logs = true\n\n{}{}",
        common::model(good, good, 0.001, 0.002),
        common::model(bad, &format!("{bad}+fail400"), 0.001, 0.002)
    );
    let proxy = Proxy::start_with(Options { config: Some(&config), ..Default::default() });
    let call = |model: &str| {
        let (_, headers, _) = common::post(&proxy.url("/v1/chat/completions"), MASTER_KEY, &common::chat_body(model));
        common::header_text(&headers, "x-litellm-call-id")
    };
    let ok = call(good);
    call(good);
    let failed = call(bad);
    drop(proxy.folded_db());
    let dir = screenshots();
    let out = flow("logs.mjs", &[&proxy.base_url, MASTER_KEY, dir.to_str().unwrap(), &failed, &ok]);
    for step in [
        "filtered to failures only",
        "the detail says why it failed",
        "the search by call id finds",
        "the detail shows the kept request and response",
    ] {
        assert!(out.contains(step), "missing step `{step}`:\n{out}");
    }
}

#[test]
fn the_connect_page_copies_a_snippet_whose_key_works() {
    let config = format!(
        "{}{}",
        common::model("connect-chat", "connect-chat", 0.001, 0.002),
        common::mock_anthropic::model("claude-connect", "claude-connect")
    );
    let proxy = Proxy::start_with(Options { config: Some(&config), ..Default::default() });
    let admin = proxy.admin();
    common::new_users(&admin, &[("dev", "internal_user")]);
    let (status, body) = admin.post("/user/update", json!({"user_id": "dev", "password": "a-good-password"}));
    assert_eq!(status, 200, "{body}");
    let dir = screenshots();
    let out = flow("connect.mjs", &[&proxy.base_url, "dev@example.com", "a-good-password", dir.to_str().unwrap()]);
    let copied = out.lines().find_map(|l| l.strip_prefix("COPIED ")).expect("the flow prints what it copied");
    let copied: String = serde_json::from_str(copied).unwrap();
    let key = copied.split("Bearer ").nth(1).and_then(|rest| rest.split('"').next()).expect("a key in the snippet");
    let (status, _, body) = common::post(&proxy.url("/v1/chat/completions"), key, &common::chat_body("connect-chat"));
    assert_eq!(status, 200, "the copied key works: {body}");
    let owner: String = common::query(&proxy, "SELECT user_id FROM keys WHERE key_alias = 'laptop-claude-code'");
    assert_eq!(owner, "dev");
}

#[test]
fn the_models_page_adds_tests_edits_and_deletes_a_model() {
    let proxy = Proxy::start_with(Options::default());
    let admin = proxy.admin();
    let (status, key) = admin.post("/key/generate", json!({"models": ["ui-added"]}));
    assert_eq!(status, 200, "{key}");
    let key = key["key"].as_str().unwrap().to_string();
    let api_base = mock_upstream::mock().api_base();
    let dir = screenshots();
    let out = flow(
        "models.mjs",
        &[&proxy.base_url, MASTER_KEY, dir.to_str().unwrap(), &api_base, "ui-models-upstream", &key],
    );
    for step in [
        "Test shows the upstream's answer",
        "a client calls the new model at once",
        "a deleted model is refused at once",
    ] {
        assert!(out.contains(step), "missing step `{step}`:\n{out}");
    }
    assert_eq!(
        mock_upstream::mock().last_credential("ui-models-upstream").unwrap(),
        "Bearer sk-ui-upstream-key-123456"
    );
    // The client's request was charged at the price typed in (1.50 per million prompt tokens).
    let spend: f64 =
        common::query(&proxy, "SELECT spend FROM spend_logs WHERE model_group = 'ui-added' AND status = 'success'");
    assert!((spend - (10.0 * 1.5e-6 + 5.0 * 3e-6)).abs() < 1e-12, "{spend}");
    let audit: i64 = common::query(&proxy, "SELECT COUNT(*) FROM audit_log WHERE table_name = 'models'");
    assert_eq!(audit, 3, "added, edited, deleted");
}
