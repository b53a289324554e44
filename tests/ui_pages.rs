//! Black-box tests of the admin UI's pages without a browser: who gets which page, what
//! a role is refused (by the server, not only by hiding buttons), form errors beside
//! their field with the value kept, the backup download, and the asset caching.

mod common;

use common::browser::{Browser, field};
use common::{MASTER_KEY, Options, Proxy};
use serde_json::json;

const PAGES: [&str; 9] = [
    "/ui",
    "/ui/keys",
    "/ui/users",
    "/ui/teams",
    "/ui/usage",
    "/ui/models",
    "/ui/test-key",
    "/ui/settings",
    "/ui/keys/new",
];

fn proxy() -> Proxy {
    let config = format!(
        "{}[litellm_settings.upperbound_key_generate_params]\nmax_budget = 10.0\n",
        common::model("pages-model", "pages-model", 0.001, 0.002)
    );
    Proxy::start_with(Options { config: Some(&config), ..Default::default() })
}

fn user(proxy: &Proxy, email: &str, role: &str) -> String {
    let admin = proxy.admin();
    let (status, user) =
        admin.post("/user/new", json!({"user_email": email, "user_role": role, "auto_create_key": false}));
    assert_eq!(status, 200, "{user}");
    let (status, body) = admin.post("/user/update", json!({"user_id": user["user_id"], "password": "a-good-password"}));
    assert_eq!(status, 200, "{body}");
    user["user_id"].as_str().unwrap().to_string()
}

fn csrf(browser: &Browser, proxy: &Proxy) -> String {
    let page = browser.get(&proxy.url("/ui"));
    let marker = "name=\"csrf-token\" content=\"";
    let start = page.body.find(marker).expect("csrf meta") + marker.len();
    page.body[start..start + 64].to_string()
}

#[test]
fn signed_out_visits_go_to_sign_in_and_come_back() {
    let proxy = proxy();
    let browser = Browser::new();
    for path in PAGES {
        let page = browser.get(&proxy.url(path));
        assert_eq!(page.status, 303, "{path}");
        let location = page.location.unwrap_or_default();
        assert!(location.starts_with("/ui/login?next="), "{path}: {location}");
        assert_eq!(common::browser::query_param(&location, "next").as_deref(), Some(path));
    }
    let page = browser.post_form(
        &proxy.url("/login"),
        &[("username", "admin"), ("password", MASTER_KEY), ("next", "/ui/usage")],
        &[],
    );
    assert_eq!(page.location.as_deref(), Some("/ui/usage"));
}

#[test]
fn every_page_renders_for_the_admin() {
    let proxy = proxy();
    let admin = Browser::signed_in(&proxy, "admin", MASTER_KEY);
    for path in PAGES {
        let page = admin.get(&proxy.url(path));
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        assert!(page.body.contains("aria-current=\"page\"") && page.body.contains("</html>"), "{path}");
    }
    let settings = admin.get(&proxy.url("/ui/settings")).body;
    assert!(settings.contains(&"*".repeat(3)) || !settings.contains(MASTER_KEY), "the master key is masked");
    assert!(!settings.contains(MASTER_KEY));
}

#[test]
fn roles_are_refused_by_the_server_not_only_hidden() {
    let proxy = proxy();
    user(&proxy, "reader@example.com", "internal_user_viewer");
    user(&proxy, "viewer@example.com", "proxy_admin_viewer");
    let reader = Browser::signed_in(&proxy, "reader@example.com", "a-good-password");
    for (path, status) in
        [("/ui/users", 403), ("/ui/settings", 403), ("/ui/keys/new", 403), ("/ui/keys", 200), ("/ui/usage", 200)]
    {
        assert_eq!(reader.get(&proxy.url(path)).status, status, "{path}");
    }
    let token = csrf(&reader, &proxy);
    let page = reader.post_form(&proxy.url("/ui/keys/new"), &[("csrf_token", &token), ("key_alias", "nope")], &[]);
    assert!(page.status == 401 || page.status == 403, "{}", page.status);
    let viewer = Browser::signed_in(&proxy, "viewer@example.com", "a-good-password");
    let users = viewer.get(&proxy.url("/ui/users"));
    assert_eq!(users.status, 200);
    assert!(!users.body.contains("+ New user") && !users.body.contains("/delete\""));
    let token = csrf(&viewer, &proxy);
    let page = viewer.post_form(&proxy.url("/ui/teams"), &[("csrf_token", &token), ("team_alias", "forged")], &[]);
    assert_eq!(page.status, 403, "{}", page.body);
    let page = viewer.post_form(&proxy.url("/ui/settings/backup"), &[("csrf_token", &token)], &[]);
    assert_eq!(page.status, 403);
    // Without the form token the CSRF guard refuses before any page code runs.
    let page = viewer.post_form(&proxy.url("/ui/keys/new"), &[("key_alias", "x")], &[]);
    assert_eq!(page.status, 403);
    let keys: i64 = common::query(&proxy, "SELECT COUNT(*) FROM keys");
    let teams: i64 = common::query(&proxy, "SELECT COUNT(*) FROM teams");
    assert_eq!((keys, teams), (0, 0));
}

#[test]
fn form_errors_show_beside_the_field_with_the_value_kept() {
    let proxy = proxy();
    let admin = Browser::signed_in(&proxy, "admin", MASTER_KEY);
    let token = csrf(&admin, &proxy);
    let page = admin.post_form(
        &proxy.url("/ui/keys/new"),
        &[("csrf_token", &token), ("key_alias", "mine"), ("max_budget", "lots")],
        &[],
    );
    assert_eq!(page.status, 400);
    assert!(page.body.contains("id=\"e-max_budget\""), "{}", page.body);
    assert_eq!(field(&page.body, "max_budget").as_deref(), Some("lots"));
    assert_eq!(field(&page.body, "key_alias").as_deref(), Some("mine"));
    let page = admin.post_form(&proxy.url("/ui/keys/new"), &[("csrf_token", &token), ("budget_duration", "soon")], &[]);
    assert_eq!(page.status, 400);
    assert!(page.body.contains("id=\"e-budget_duration\""), "{}", page.body);
    let page = admin.post_form(&proxy.url("/ui/users/new"), &[("csrf_token", &token), ("user_email", "bad")], &[]);
    assert_eq!(page.status, 400);
    assert!(page.body.contains("id=\"e-user_email\"") && field(&page.body, "user_email").as_deref() == Some("bad"));
}

#[test]
fn teams_members_and_backup_through_the_forms() {
    let proxy = proxy();
    let bob = user(&proxy, "bob@example.com", "internal_user");
    let admin = Browser::signed_in(&proxy, "admin", MASTER_KEY);
    let token = csrf(&admin, &proxy);
    let page = admin.post_form(
        &proxy.url("/ui/teams"),
        &[("csrf_token", &token), ("team_alias", "research"), ("max_budget", "50")],
        &[],
    );
    assert_eq!(page.status, 303, "{}", page.body);
    let team_page = page.location.unwrap();
    let page = admin.post_form(
        &proxy.url(&team_page),
        &[("csrf_token", &token), ("member", "bob@example.com"), ("role", "admin")],
        &[],
    );
    assert_eq!(page.status, 303, "{}", page.body);
    let page = admin.get(&proxy.url(&team_page));
    assert_eq!(page.status, 200, "{team_page}");
    assert!(page.body.contains("bob@example.com") && page.body.contains("admin"), "{}", page.body);
    let role: String = common::query(&proxy, &format!("SELECT role FROM team_memberships WHERE user_id = '{bob}'"));
    assert_eq!(role, "admin");
    // A member already in the team: the error stands beside the field.
    let page = admin.post_form(&proxy.url(&team_page), &[("csrf_token", &token), ("member", "bob@example.com")], &[]);
    assert_eq!(page.status, 400);
    assert!(page.body.contains("id=\"e-member\""));
    let backup = admin.post_form(&proxy.url("/ui/settings/backup"), &[("csrf_token", &token)], &[]);
    assert_eq!(backup.status, 200);
    assert!(backup.body.starts_with("SQLite format 3"));
}

#[test]
fn assets_have_hashed_names_and_long_caching() {
    let proxy = proxy();
    let admin = Browser::signed_in(&proxy, "admin", MASTER_KEY);
    let page = admin.get(&proxy.url("/ui"));
    let start = page.body.find("/assets/ui.").unwrap();
    let end = start + page.body[start..].find('"').unwrap();
    let css = &page.body[start..end];
    assert!(css.ends_with(".css") && css.len() > "/assets/ui.css".len(), "{css}");
    let response = reqwest::blocking::get(proxy.url(css)).unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    let packed = reqwest::blocking::Client::new().get(proxy.url(css)).header("accept-encoding", "gzip").send().unwrap();
    assert_eq!(packed.headers()["content-encoding"], "gzip");
    assert_eq!(&packed.bytes().unwrap()[..2], &[0x1f, 0x8b]);
}

#[test]
fn the_test_chat_refuses_the_session_where_personal_keys_are_restricted() {
    let config = format!(
        "{}[litellm_settings.key_generation_settings.personal_key_generation]\nallowed_user_roles = [\"proxy_admin\"]\n",
        common::model("pages-chat", "pages-chat", 0.001, 0.002)
    );
    let proxy = Proxy::start_with(Options { config: Some(&config), ..Default::default() });
    user(&proxy, "carol@example.com", "internal_user");
    let carol = Browser::signed_in(&proxy, "carol@example.com", "a-good-password");
    let pane = carol.get(&proxy.url("/ui/test-key"));
    assert!(pane.body.contains("required: your admin restricts personal keys"), "{}", pane.body);
    let token = csrf(&carol, &proxy);
    let form = [("csrf_token", token.as_str()), ("model", "pages-chat"), ("message", "hi")];
    let page = carol.post_form(&proxy.url("/ui/test-key"), &form, &[]);
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(page.body.contains("cannot use your session"));
    assert_eq!(common::mock_upstream::mock().calls("pages-chat"), 0);
    // The admin may chat on the session; the reply and its cost come back on the page.
    let admin = Browser::signed_in(&proxy, "admin", MASTER_KEY);
    let token = csrf(&admin, &proxy);
    let form = [("csrf_token", token.as_str()), ("model", "pages-chat"), ("message", "hi")];
    let page = admin.post_form(&proxy.url("/ui/test-key"), &form, &[]);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("tok tok") && page.body.contains("completion tokens"), "{}", page.body);
}

/// A key made over the API for `user_id`; its hash (the id in UI paths).
fn key_of(proxy: &Proxy, user_id: &str, alias: &str) -> String {
    let (status, key) = proxy
        .admin()
        .post("/key/generate", json!({"user_id": user_id, "key_alias": alias, "max_budget": 5.0, "rpm_limit": 10}));
    assert_eq!(status, 200, "{key}");
    key["token"].as_str().unwrap().to_string()
}

fn key_info(proxy: &Proxy, token: &str) -> serde_json::Value {
    let (status, body) = proxy.admin().get(&format!("/key/info?key={token}"));
    assert_eq!(status, 200, "{body}");
    body["info"].clone()
}

#[test]
fn a_key_is_edited_through_its_form_and_a_bad_value_changes_nothing() {
    let proxy = proxy();
    let alice = user(&proxy, "alice@example.com", "internal_user");
    let token = key_of(&proxy, &alice, "laptop");
    let admin = Browser::signed_in(&proxy, "admin", MASTER_KEY);
    let list = admin.get(&proxy.url("/ui/keys"));
    assert!(list.body.contains(&format!("/ui/keys/{token}/edit")), "an edit link per key");
    let form = admin.get(&proxy.url(&format!("/ui/keys/{token}/edit")));
    assert_eq!(form.status, 200, "{}", form.body);
    assert_eq!(field(&form.body, "max_budget").as_deref(), Some("5"));
    assert_eq!(field(&form.body, "key_alias").as_deref(), Some("laptop"));
    let path = proxy.url(&format!("/ui/keys/{token}/edit"));
    let csrf_token = csrf(&admin, &proxy);
    let before = key_info(&proxy, &token);
    let page = admin.post_form(
        &path,
        &[("csrf_token", &csrf_token), ("key_alias", "laptop"), ("max_budget", "-3"), ("rpm_limit", "99")],
        &[],
    );
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.body.contains("id=\"e-max_budget\""), "{}", page.body);
    assert_eq!(field(&page.body, "max_budget").as_deref(), Some("-3"));
    assert_eq!(field(&page.body, "rpm_limit").as_deref(), Some("99"));
    assert_eq!(key_info(&proxy, &token), before, "a refused edit changes nothing");
    let page = admin.post_form(
        &path,
        &[
            ("csrf_token", &csrf_token),
            ("key_alias", "laptop 2"),
            ("max_budget", "7.5"),
            ("budget_duration", "7d"),
            ("rpm_limit", ""),
            ("tpm_limit", "1000"),
            ("models_listed", "1"),
            ("models", "pages-model"),
        ],
        &[],
    );
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some("/ui/keys?notice=updated"));
    let after = key_info(&proxy, &token);
    assert_eq!(after["key_alias"], "laptop 2");
    assert_eq!(after["max_budget"], 7.5);
    assert_eq!(after["budget_duration"], "7d");
    assert_eq!(after["rpm_limit"], serde_json::Value::Null, "an emptied field removes the limit");
    assert_eq!(after["tpm_limit"], 1000);
    assert_eq!(after["models"], json!(["pages-model"]));
    // The upper bound (max_budget = 10) applies as on /key/update.
    let page = admin.post_form(&path, &[("csrf_token", &csrf_token), ("max_budget", "500")], &[]);
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(key_info(&proxy, &token)["max_budget"], 10.0);
    assert_eq!(key_info(&proxy, &token)["models"], json!(["pages-model"]), "no models field: unchanged");
}

#[test]
fn viewers_are_not_offered_edits_and_their_forged_posts_change_nothing() {
    let proxy = proxy();
    let reader = user(&proxy, "reader@example.com", "internal_user_viewer");
    let bob = user(&proxy, "bob@example.com", "internal_user");
    user(&proxy, "viewer@example.com", "proxy_admin_viewer");
    let own = key_of(&proxy, &reader, "readers");
    let (status, team) = proxy.admin().post(
        "/team/new",
        json!({"team_alias": "ops", "max_budget": 20.0, "members_with_roles": [{"user_id": bob, "role": "admin"}]}),
    );
    assert_eq!(status, 200, "{team}");
    let team_id = team["team_id"].as_str().unwrap().to_string();
    let snapshot = || {
        let keys: String = common::query(&proxy, "SELECT group_concat(key_alias || max_budget, ',') FROM keys");
        let users: String =
            common::query(&proxy, "SELECT group_concat(user_role || ifnull(max_budget, '-'), ',') FROM users");
        let teams: String = common::query(&proxy, "SELECT group_concat(team_alias || max_budget, ',') FROM teams");
        let roles: String = common::query(&proxy, "SELECT group_concat(role, ',') FROM team_memberships");
        (keys, users, teams, roles)
    };
    let before = snapshot();
    for (email, offered) in [("reader@example.com", false), ("viewer@example.com", false)] {
        let browser = Browser::signed_in(&proxy, email, "a-good-password");
        let keys = browser.get(&proxy.url("/ui/keys"));
        assert_eq!(keys.body.contains("/edit\""), offered, "{email}: {}", keys.body);
        assert_eq!(browser.get(&proxy.url(&format!("/ui/keys/{own}/edit"))).status, 403, "{email}");
        let team_page = browser.get(&proxy.url(&format!("/ui/teams/{team_id}")));
        assert!(!team_page.body.contains("/edit\"") && !team_page.body.contains("/role\""), "{email}");
        let token = csrf(&browser, &proxy);
        let forged: [(String, Vec<(&str, &str)>); 4] = [
            (format!("/ui/keys/{own}/edit"), vec![("max_budget", "999"), ("key_alias", "forged")]),
            (format!("/ui/users/{bob}/edit"), vec![("user_role", "proxy_admin"), ("max_budget", "999")]),
            (format!("/ui/teams/{team_id}/edit"), vec![("team_alias", "forged"), ("max_budget", "999")]),
            (format!("/ui/teams/{team_id}/role"), vec![("user_id", bob.as_str()), ("role", "user")]),
        ];
        for (path, fields) in forged {
            let mut form = vec![("csrf_token", token.as_str())];
            form.extend(fields);
            let page = browser.post_form(&proxy.url(&path), &form, &[]);
            assert!(page.status == 401 || page.status == 403, "{email} {path}: {} {}", page.status, page.body);
        }
        assert_eq!(snapshot(), before, "{email}: nothing changed");
    }
}

#[test]
fn users_and_teams_are_edited_through_their_forms() {
    let proxy = proxy();
    let bob = user(&proxy, "bob@example.com", "internal_user");
    let admin = Browser::signed_in(&proxy, "admin", MASTER_KEY);
    let token = csrf(&admin, &proxy);
    let path = proxy.url(&format!("/ui/users/{bob}/edit"));
    assert!(admin.get(&proxy.url("/ui/users")).body.contains(&format!("/ui/users/{bob}/edit")));
    let page =
        admin.post_form(&path, &[("csrf_token", &token), ("max_budget", "12"), ("budget_duration", "soon")], &[]);
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.body.contains("id=\"e-budget_duration\"") && field(&page.body, "max_budget").as_deref() == Some("12"));
    let page = admin.post_form(
        &path,
        &[("csrf_token", &token), ("user_role", "proxy_admin_viewer"), ("max_budget", "42"), ("budget_duration", "")],
        &[],
    );
    assert_eq!(page.status, 303, "{}", page.body);
    let (status, info) = proxy.admin().get(&format!("/user/info?user_id={bob}"));
    assert_eq!(status, 200, "{info}");
    assert_eq!(
        (info["user_info"]["user_role"].as_str(), info["user_info"]["max_budget"].as_f64()),
        (Some("proxy_admin_viewer"), Some(42.0))
    );

    let (status, team) = proxy
        .admin()
        .post("/team/new", json!({"team_alias": "ops", "members_with_roles": [{"user_id": bob, "role": "admin"}]}));
    assert_eq!(status, 200, "{team}");
    let team_id = team["team_id"].as_str().unwrap().to_string();
    let team_page = admin.get(&proxy.url(&format!("/ui/teams/{team_id}")));
    assert!(team_page.body.contains(&format!("/ui/teams/{team_id}/edit")), "{}", team_page.body);
    let path = proxy.url(&format!("/ui/teams/{team_id}/edit"));
    let page = admin.post_form(&path, &[("csrf_token", &token), ("team_alias", ""), ("max_budget", "30")], &[]);
    assert_eq!(page.status, 400, "{}", page.body);
    assert!(page.body.contains("id=\"e-team_alias\"") && field(&page.body, "max_budget").as_deref() == Some("30"));
    let page = admin.post_form(
        &path,
        &[
            ("csrf_token", &token),
            ("team_alias", "operations"),
            ("max_budget", "30"),
            ("models_listed", "1"),
            ("models", "pages-model"),
        ],
        &[],
    );
    assert_eq!(page.status, 303, "{}", page.body);
    let (status, info) = proxy.admin().get(&format!("/team/info?team_id={team_id}"));
    assert_eq!(status, 200, "{info}");
    let info = &info["team_info"];
    assert_eq!((info["team_alias"].as_str(), info["max_budget"].as_f64()), (Some("operations"), Some(30.0)));
    assert_eq!(info["models"], json!(["pages-model"]));
    let role_path = proxy.url(&format!("/ui/teams/{team_id}/role"));
    let page = admin.post_form(&role_path, &[("csrf_token", &token), ("user_id", &bob), ("role", "user")], &[]);
    assert_eq!(page.status, 303, "{}", page.body);
    let role: String = common::query(&proxy, &format!("SELECT role FROM team_memberships WHERE user_id = '{bob}'"));
    assert_eq!(role, "user");
}
