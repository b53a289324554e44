//! The usage page against the spend ledger: after real requests through the proxy, the
//! page's totals are the sums of `spend_logs` — everyone's for the admin, only their own
//! keys' for an internal user; and over weeks of history, its totals (`daily_user_spend`)
//! and breakdowns (whole weeks from `weekly_spend`, edge days from `daily_spend`) equal
//! the daily sums.

mod common;

use common::browser::Browser;
use common::{MASTER_KEY, Options, Proxy};
use serde_json::json;

/// The page's number formats (`ui::format::usd` and `count`).
fn usd(value: f64) -> String {
    let digits = if value != 0.0 && value.abs() < 0.01 { 6 } else { 2 };
    format!("${value:.digits$}")
}

/// The page's total spend and request count.
fn totals(page: &str) -> (String, String) {
    let spend = page.split("<b id=\"total-spend\">").nth(1).and_then(|s| s.split('<').next()).unwrap_or_default();
    let requests = page
        .split("<span>requests</span>")
        .next()
        .and_then(|s| s.rsplit("<b>").next())
        .and_then(|s| s.split('<').next())
        .unwrap_or_default();
    (spend.to_string(), requests.to_string())
}

#[test]
fn the_page_totals_are_the_sums_of_the_spend_logs_for_whom_it_shows() {
    let config = common::model("usage-model", "usage-model", 0.001, 0.002);
    let proxy = Proxy::start_with(Options { config: Some(&config), ..Default::default() });
    let admin = proxy.admin();
    let (status, alice) = admin.post(
        "/user/new",
        json!({"user_email": "alice@example.com", "user_role": "internal_user", "auto_create_key": false}),
    );
    assert_eq!(status, 200, "{alice}");
    let alice_id = alice["user_id"].as_str().unwrap().to_string();
    let (status, _) = admin.post("/user/update", json!({"user_id": alice_id, "password": "a-good-password"}));
    assert_eq!(status, 200);
    let (status, key) = admin.post("/key/generate", json!({"user_id": alice_id}));
    assert_eq!(status, 200, "{key}");
    let alice_key = key["key"].as_str().unwrap().to_string();
    let chat = json!({"model": "usage-model", "messages": [{"role": "user", "content": "hello there"}]});
    for (key, times) in [(alice_key.as_str(), 3), (MASTER_KEY, 2)] {
        for _ in 0..times {
            let (status, _, body) = common::post(&proxy.url("/v1/chat/completions"), key, &chat);
            assert_eq!(status, 200, "{body}");
        }
    }
    let all: f64 = common::query(&proxy, "SELECT SUM(spend) FROM spend_logs");
    let token = key["token"].as_str().unwrap();
    let hers: f64 = common::query(&proxy, &format!("SELECT SUM(spend) FROM spend_logs WHERE api_key = '{token}'"));
    assert!(all > hers && hers > 0.0, "{all} {hers}");

    for table in ["weekly_spend", "daily_user_spend"] {
        let sum: f64 = common::query(&proxy, &format!("SELECT SUM(spend) FROM {table}"));
        assert!((sum - all).abs() < 1e-12, "the ledger keeps {table} too: {sum} vs {all}");
    }

    let page = Browser::signed_in(&proxy, "admin", MASTER_KEY).get(&proxy.url("/ui/usage"));
    assert_eq!(page.status, 200);
    assert_eq!(totals(&page.body), (usd(all), "5".to_string()), "the admin sees everyone's spend");
    let page = Browser::signed_in(&proxy, "alice@example.com", "a-good-password").get(&proxy.url("/ui/usage"));
    assert_eq!(page.status, 200);
    assert_eq!(totals(&page.body), (usd(hers), "3".to_string()), "alice sees her own spend only");
}

/// The spend a breakdown table shows for `name` (a model here).
fn group_spend(page: &str, name: &str) -> String {
    let row = page.split(&format!("<td>{name}</td>")).nth(1).unwrap_or_default();
    row.split("<td class=\"num\">").nth(1).and_then(|s| s.split('<').next()).unwrap_or_default().to_string()
}

#[test]
fn breakdowns_over_weeks_equal_the_daily_sums() {
    let today = chrono::Utc::now().date_naive();
    let day = |back: u64| (today - chrono::Days::new(back)).format("%Y-%m-%d").to_string();
    // The seed builds the coarser sums from daily_spend, as the upgrade does.
    let proxy = common::start_seeded(&common::model("wk-chat", "wk-chat", 0.001, 0.002), |seed| {
        for back in 0..100u64 {
            for (user, model, spend) in [("u", "wk-a", back as f64 + 1.0), ("u", "wk-b", 0.5), ("w", "wk-a", 100.0)] {
                seed.conn
                    .execute(
                        "INSERT INTO daily_spend (date, user_id, api_key, model, spend, prompt_tokens, api_requests)
                         VALUES (?1, ?2, 'k-' || ?2, ?3, ?4, 10, 1)",
                        proxy::params![day(back), user, model, spend],
                    )
                    .unwrap();
            }
        }
    });
    let weeks: i64 = common::query(&proxy, "SELECT COUNT(*) FROM weekly_spend");
    assert!(weeks >= 28, "weekly_spend was built: {weeks} rows");
    // `u` signs in as an internal user and sees only their own rows.
    let (status, user) = proxy.admin().post(
        "/user/new",
        json!({"user_id": "u", "user_email": "u@example.com", "user_role": "internal_user", "auto_create_key": false}),
    );
    assert_eq!(status, 200, "{user}");
    let (status, _) = proxy.admin().post("/user/update", json!({"user_id": "u", "password": "a-good-password"}));
    assert_eq!(status, 200);
    let viewers = [
        (Browser::signed_in(&proxy, "admin", MASTER_KEY), "1 = 1"),
        (Browser::signed_in(&proxy, "u@example.com", "a-good-password"), "user_id = 'u'"),
    ];
    for (browser, scope) in &viewers {
        for (start, end) in [(29, 0), (89, 0), (20, 6), (13, 7), (3, 1)] {
            let path = format!("/ui/usage?start={}&end={}", day(start), day(end));
            let page = browser.get(&proxy.url(&path));
            assert_eq!(page.status, 200, "{path}");
            let sum = |filter: &str| -> f64 {
                let sql = format!(
                    "SELECT SUM(spend) FROM daily_spend WHERE {scope} AND {filter} AND date BETWEEN '{}' AND '{}'",
                    day(start),
                    day(end)
                );
                common::query(&proxy, &sql)
            };
            for model in ["wk-a", "wk-b"] {
                let expected = sum(&format!("model = '{model}'"));
                assert_eq!(group_spend(&page.body, model), usd(expected), "{scope} {path} {model}");
            }
            assert_eq!(totals(&page.body).0, usd(sum("1 = 1")), "{scope} {path}");
        }
    }
}
