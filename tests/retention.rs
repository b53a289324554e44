//! Spend-log retention as an operator meets it: the real binary with
//! `maximum_spend_logs_retention_period` set and a one-second interval, on a database
//! seeded with spend rows from 40 days ago (and the sums and running spend the ledger
//! would have written for them). The old rows must go; the recent ones, the per-day
//! sums, the usage and spend reports and the spend of key, user and team must stay.

mod common;

use common::browser::Browser;
use common::seed::{KeySpec, Seed, hash};
use common::{MASTER_KEY, Options, Proxy, model, post};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// 10 prompt and 5 completion tokens at 0.001 and 0.002 USD.
const COST: f64 = 0.02;
const OLD_ROWS: usize = 1_200;
const OLD_COST: f64 = 0.5;

fn config(upstream: &str, retention: Option<&str>) -> String {
    let general = match retention {
        Some(period) => format!(
            "[general_settings]\nmaximum_spend_logs_retention_period = \"{period}\"\nmaximum_spend_logs_retention_interval = \"1s\"\n\n"
        ),
        None => String::new(),
    };
    // JSON log lines: the test reads the runs' counts from them.
    format!("[server]\nlog_format = \"json\"\n\n{general}{}", model("ret-model", upstream, 0.001, 0.002))
}

fn days_ago(days: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() - chrono::Duration::days(days)
}

/// alice in team t1 with one key, and `OLD_ROWS` spend rows of that key from 40 and 41 days
/// ago, with their per-day sums and running spend as the ledger writes them (the weekly
/// and per-user sums are built from `daily_spend` when the seed is dropped).
fn seed_with_old_rows(dir: &std::path::Path) -> String {
    let seed = Seed::new(dir);
    seed.user("alice", "internal_user", None, &[]);
    seed.team("t1", None, &[]);
    seed.member("t1", "alice", None);
    let key = seed.key(KeySpec { user_id: Some("alice"), team_id: Some("t1"), ..Default::default() });
    let token = hash(&key);
    seed.conn
        .write(|tx| {
            for i in 0..OLD_ROWS {
                let start = days_ago(40 + (i % 2) as i64) + chrono::Duration::milliseconds(i as i64);
                let start = start.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
                tx.execute(
                    "INSERT INTO spend_logs (request_id, call_type, api_key, spend, total_tokens, prompt_tokens,
                        completion_tokens, startTime, endTime, model, model_group, custom_llm_provider, \"user\", team_id)
                     VALUES (?1, 'acompletion', ?2, ?3, 15, 10, 5, ?4, ?4, 'old-upstream', 'ret-model', 'openai', 'alice', 't1')",
                    proxy::params![format!("old-{i}"), token, OLD_COST, start],
                )?;
            }
            tx.execute_batch(
                "INSERT INTO daily_spend (date, user_id, team_id, api_key, model, custom_llm_provider, prompt_tokens,
                    completion_tokens, spend, api_requests, successful_requests, failed_requests)
                 SELECT substr(startTime, 1, 10), \"user\", team_id, api_key, model_group, custom_llm_provider,
                    sum(prompt_tokens), sum(completion_tokens), sum(spend), count(*), count(*), 0
                 FROM spend_logs GROUP BY 1, 2, 3, 4, 5, 6;
                 UPDATE keys SET spend = (SELECT sum(spend) FROM spend_logs);
                 UPDATE users SET spend = (SELECT sum(spend) FROM spend_logs);
                 UPDATE teams SET spend = (SELECT sum(spend) FROM spend_logs);
                 UPDATE team_memberships SET spend = (SELECT sum(spend) FROM spend_logs);",
            )?;
            Ok(())
        })
        .unwrap();
    key
}

fn chat(proxy: &Proxy, key: &str) {
    let body = json!({"model": "ret-model", "messages": [{"role": "user", "content": "hi"}]});
    let (status, _, answer) = post(&proxy.url("/v1/chat/completions"), key, &body);
    assert_eq!(status, 200, "{answer}");
}

/// Everything a user reads that must not change when old raw rows go.
fn reports(proxy: &Proxy, key: &str) -> Vec<(String, Value)> {
    let (first, last) = (days_ago(60).format("%Y-%m-%d"), days_ago(-1).format("%Y-%m-%d"));
    let old = days_ago(40).format("%Y-%m-%d");
    let admin = proxy.admin();
    [
        format!("/user/daily/activity?start_date={first}&end_date={last}"),
        format!("/user/daily/activity?start_date={old}&end_date={old}"),
        format!("/global/spend/report?start_date={first}&end_date={last}"),
        format!("/global/spend/report?start_date={first}&end_date={last}&group_by=api_key"),
        format!("/key/info?key={key}"),
        "/user/info?user_id=alice".into(),
        "/team/info?team_id=t1".into(),
    ]
    .into_iter()
    .map(|path| {
        let (status, mut body) = admin.get(&path);
        assert_eq!(status, 200, "{path}: {body}");
        without_last_active(&mut body);
        (path, body)
    })
    .collect()
}

/// A key's `last_active` is its last request's time in memory and its fold's time once
/// read back from the database after a restart: not what retention may change.
fn without_last_active(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            fields.remove("last_active");
            fields.values_mut().for_each(without_last_active);
        }
        Value::Array(items) => items.iter_mut().for_each(without_last_active),
        _ => {}
    }
}

fn spend_of(reports: &[(String, Value)]) -> [f64; 3] {
    let at = |prefix: &str, field: &str| {
        reports.iter().find(|(path, _)| path.starts_with(prefix)).map(|(_, body)| body[field]["spend"].as_f64())
    };
    [
        at("/key/info", "info").flatten().unwrap_or(-1.0),
        at("/user/info", "user_info").flatten().unwrap_or(-1.0),
        at("/team/info", "team_info").flatten().unwrap_or(-1.0),
    ]
}

/// The spend-log rows of 39 to 41 days ago as `/spend/logs` lists them (at most its page
/// of 1,000) and as `/spend/logs/v2` counts them.
fn old_rows_listed(proxy: &Proxy) -> (usize, u64) {
    let (from, until) = (days_ago(41).format("%Y-%m-%d"), days_ago(39).format("%Y-%m-%d"));
    let (status, rows) = proxy.admin().get(&format!("/spend/logs?summarize=false&start_date={from}&end_date={until}"));
    assert_eq!(status, 200, "{rows}");
    let (status, page) = proxy.admin().get(&format!("/spend/logs/v2?start_date={from}&end_date={until}"));
    assert_eq!(status, 200, "{page}");
    (rows.as_array().map_or(usize::MAX, Vec::len), page["total"].as_u64().unwrap_or(u64::MAX))
}

fn scalar(proxy: &Proxy, sql: &str) -> f64 {
    proxy.folded_db().query_row(sql, (), |r| r.get(0)).expect(sql)
}

/// Waits (bounded) until the retention job logged a run that deleted rows.
fn wait_for_pruning(proxy: &Proxy) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !proxy.output().contains("spend-log retention: deleted old spend-log rows") {
        assert!(Instant::now() < deadline, "no retention run:\n{}", proxy.output());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn old_spend_rows_go_and_the_sums_reports_and_spend_stay() {
    let upstream = "ret-keep+p=10+c=5";
    let dir = tempfile::tempdir().unwrap();
    let key = seed_with_old_rows(dir.path());

    // Without retention: everything is kept, and this is what the reports say.
    let proxy =
        Proxy::start_with(Options { config: Some(&config(upstream, None)), dir: Some(dir), ..Default::default() });
    for _ in 0..3 {
        chat(&proxy, &key);
    }
    let before = reports(&proxy, &key);
    let expected = OLD_ROWS as f64 * OLD_COST + 3.0 * COST;
    for spend in spend_of(&before) {
        assert!((spend - expected).abs() < 1e-6, "{spend} != {expected}");
    }
    assert_eq!(old_rows_listed(&proxy), (1_000, OLD_ROWS as u64), "a page of 1,000, all counted");
    assert!(!proxy.output().contains("spend-log retention"), "off by default");
    let old_day = &before[1].1["metadata"]["total_api_requests"];
    assert!(old_day.as_u64().is_some_and(|n| n > 0), "the old day is reported: {old_day}");
    let sums = |proxy: &Proxy| {
        ["daily_spend", "weekly_spend", "daily_user_spend"]
            .map(|table| scalar(proxy, &format!("SELECT sum(spend) * 1000 + sum(api_requests) FROM {table}")))
    };
    let sums_before = sums(&proxy);
    let settings = settings_page(&proxy);
    let oldest = days_ago(41).format("%Y-%m-%d").to_string();
    assert!(settings.contains(&format!("{}, the oldest from {oldest}", OLD_ROWS + 3)), "{settings}");
    assert!(settings.contains("none: rows are kept for ever"), "{settings}");
    let dir = proxy.stop();

    // With a 30-day retention: the first run (at start) deletes the 40-day-old rows.
    let proxy = Proxy::start_with(Options {
        config: Some(&config(upstream, Some("30d"))),
        dir: Some(dir),
        ..Default::default()
    });
    wait_for_pruning(&proxy);
    assert_eq!(rows_pruned(&proxy), OLD_ROWS as u64, "{}", proxy.output());
    assert_eq!(scalar(&proxy, "SELECT count(*) FROM spend_logs WHERE request_id LIKE 'old-%'"), 0.0);
    assert_eq!(scalar(&proxy, "SELECT count(*) FROM spend_logs"), 3.0, "the recent rows stay");
    assert_eq!(old_rows_listed(&proxy), (0, 0), "/spend/logs no longer lists them");
    let (_, recent) = proxy.admin().get("/spend/logs");
    assert_eq!(recent.as_array().map(Vec::len), Some(3), "{recent}");

    assert_eq!(sums(&proxy), sums_before, "the per-day and per-week sums are kept");
    let settings = settings_page(&proxy);
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert!(settings.contains(&format!("3, the oldest from {today}")), "{settings}");
    assert!(settings.contains("rows older than 30d are deleted every 1s"), "{settings}");
    let after = reports(&proxy, &key);
    for ((path, was), (_, is)) in before.iter().zip(&after) {
        assert_eq!(was, is, "{path} changed");
    }
}

/// `/ui/settings` as the admin sees it.
fn settings_page(proxy: &Proxy) -> String {
    let page = Browser::signed_in(proxy, "admin", MASTER_KEY).get(&proxy.url("/ui/settings"));
    assert_eq!(page.status, 200, "{}", page.body);
    page.body
}

/// The rows the retention runs logged as deleted so far.
fn rows_pruned(proxy: &Proxy) -> u64 {
    proxy
        .output()
        .lines()
        .filter(|line| line.contains("deleted old spend-log rows"))
        .filter_map(|line| serde_json::from_str::<Value>(line).ok()?["fields"]["rows"].as_u64())
        .sum()
}

#[test]
fn pruning_while_requests_flow_loses_nothing_and_charges_everything() {
    // A one-second period: rows made while the requests flow are pruned while they flow.
    let upstream = "ret-flow+p=10+c=5";
    let dir = tempfile::tempdir().unwrap();
    let key = seed_with_old_rows(dir.path());
    let proxy = Proxy::start_with(Options {
        config: Some(&config(upstream, Some("1s"))),
        dir: Some(dir),
        ..Default::default()
    });
    let runs_that_deleted = || proxy.output().matches("deleted old spend-log rows").count();
    let made = std::sync::atomic::AtomicU64::new(0);
    let deadline = Instant::now() + Duration::from_secs(20);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                // Until two runs after the one at start have deleted rows made here.
                while runs_that_deleted() < 3 && Instant::now() < deadline {
                    chat(&proxy, &key);
                    made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            });
        }
    });
    assert!(runs_that_deleted() >= 3, "no pruning while requests flowed:\n{}", proxy.output());
    let made = made.into_inner();

    // Every row is either still listed or was deleted by a run, never both, never neither.
    let total = OLD_ROWS as u64 + made;
    let settle = Instant::now() + Duration::from_secs(10);
    loop {
        let kept = scalar(&proxy, "SELECT count(*) FROM spend_logs") as u64;
        if kept + rows_pruned(&proxy) == total {
            break;
        }
        assert!(Instant::now() < settle, "{kept} kept + {} pruned != {total} made", rows_pruned(&proxy));
        std::thread::sleep(Duration::from_millis(20));
    }
    // And every request is charged and summed, pruned or not.
    let charged = OLD_ROWS as f64 * OLD_COST + made as f64 * COST;
    for spend in spend_of(&reports(&proxy, &key)) {
        assert!((spend - charged).abs() < 1e-6, "{spend} != {charged}");
    }
    assert_eq!(scalar(&proxy, "SELECT sum(api_requests) FROM daily_spend") as u64, total);
    assert_eq!(scalar(&proxy, "SELECT sum(api_requests) FROM daily_user_spend") as u64, total);
}

#[test]
fn a_bad_retention_duration_is_a_config_error_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("proxy.toml"),
        "[general_settings]\nmaximum_spend_logs_retention_interval = \"1d\"\nmaximum_spend_logs_retention_period = \"30 days\"\n",
    )
    .unwrap();
    let output = common::command(dir.path()).arg("check-config").output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(!output.status.success(), "{text}");
    assert!(
        text.contains(
            "proxy.toml:3:1: general_settings.maximum_spend_logs_retention_period: `30 days` is not a duration"
        ),
        "{text}"
    );
}
