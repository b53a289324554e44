//! The one reset, by both of its paths: the pass over every due entity (management reads
//! and the minute job) and admission's reset of the entities a request found due. Each
//! must leave the same rows and the same in-memory tables.

use super::*;
use crate::db::Direct;

const PAST: &str = "2020-01-01T00:00:00.000000Z";
const FUTURE: &str = "2999-01-01T00:00:00.000000Z";

/// A user, a team and a budget object whose periods ended, with what counts in them: the
/// team's member, the budget's customer, a key and another team's member that hold the
/// budget; and a key whose period has not ended.
fn seeded() -> (AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.db");
    let store = Direct::create(&path).unwrap();
    store
        .execute_batch(&format!(
            "INSERT INTO users (user_id, user_role, spend, budget_duration, budget_reset_at, created_at, updated_at)
                 VALUES ('fay', 'internal_user', 2.0, '30d', '{PAST}', '{PAST}', '{PAST}');
             INSERT INTO teams (team_id, spend, budget_duration, budget_reset_at, created_at, updated_at)
                 VALUES ('monthly', 3.0, '30d', '{PAST}', '{PAST}', '{PAST}'),
                        ('other', 1.0, NULL, NULL, '{PAST}', '{PAST}');
             INSERT INTO budgets (budget_id, budget_duration, budget_reset_at, created_at, created_by, updated_at, updated_by)
                 VALUES ('weekly', '7d', '{PAST}', '{PAST}', 'admin', '{PAST}', 'admin');
             INSERT INTO team_memberships (user_id, team_id, spend, max_budget_in_team, created_at, budget_id)
                 VALUES ('fay', 'monthly', 0.5, 1.0, '{PAST}', NULL),
                        ('fay', 'other', 0.7, NULL, '{PAST}', 'weekly');
             INSERT INTO end_users (user_id, spend, budget_id) VALUES ('cust', 4.0, 'weekly');
             INSERT INTO keys (token, key_name, spend, budget_id, created_at, updated_at)
                 VALUES ('holder', 'sk-...hold', 5.0, 'weekly', '{PAST}', '{PAST}');
             INSERT INTO keys (token, key_name, spend, budget_duration, budget_reset_at, created_at, updated_at)
                 VALUES ('later', 'sk-...late', 6.0, '1d', '{FUTURE}', '{PAST}', '{PAST}');"
        ))
        .unwrap();
    drop(store);
    let mut config = crate::config::Config::defaults();
    config.settings.server.database_path = path.display().to_string();
    let (state, _) = AppState::open(config).unwrap();
    (state, dir)
}

/// The spends as stored and as the in-memory tables hold them, by name.
fn spends(state: &AppState) -> Vec<(&'static str, f64, f64)> {
    let stored = |sql: &str| -> f64 { state.db.read_blocking(|c| c.query_row(sql, (), |r| r.get(0))).unwrap() };
    let team = |id: &str| state.teams.get(id).unwrap();
    let member = |team_id: &str| team(team_id).member("fay").unwrap().spend;
    vec![
        ("user", stored("SELECT spend FROM users WHERE user_id = 'fay'"), state.users.get("fay").unwrap().spend),
        ("team", stored("SELECT spend FROM teams WHERE team_id = 'monthly'"), team("monthly").spend),
        (
            "member in the team",
            stored("SELECT spend FROM team_memberships WHERE team_id = 'monthly'"),
            member("monthly"),
        ),
        (
            "member holding the budget",
            stored("SELECT spend FROM team_memberships WHERE team_id = 'other'"),
            member("other"),
        ),
        (
            "customer",
            stored("SELECT spend FROM end_users WHERE user_id = 'cust'"),
            state.customers.get("cust").unwrap().spend,
        ),
        (
            "key holding the budget",
            stored("SELECT spend FROM keys WHERE token = 'holder'"),
            state.keys.get("holder").unwrap().spend,
        ),
        ("key not due", stored("SELECT spend FROM keys WHERE token = 'later'"), state.keys.get("later").unwrap().spend),
        ("team not due", stored("SELECT spend FROM teams WHERE team_id = 'other'"), team("other").spend),
    ]
}

fn assert_reset(state: &AppState) {
    let expected = [
        ("user", 0.0),
        ("team", 0.0),
        ("member in the team", 0.0),
        ("member holding the budget", 0.0),
        ("customer", 0.0),
        ("key holding the budget", 0.0),
        ("key not due", 6.0),
        ("team not due", 1.0),
    ];
    let got = spends(state);
    for ((name, stored, memory), (_, want)) in got.iter().zip(expected) {
        assert_eq!((*stored, *memory), (want, want), "{name}: (stored, in memory)");
    }
    let now = crate::time::format(state.clock.now());
    let next =
        |sql: &str| -> Option<String> { state.db.read_blocking(|c| c.query_row(sql, (), |r| r.get(0))).unwrap() };
    for (sql, memory) in [
        (
            "SELECT budget_reset_at FROM users WHERE user_id = 'fay'",
            state.users.get("fay").unwrap().budget_reset_at.clone(),
        ),
        (
            "SELECT budget_reset_at FROM teams WHERE team_id = 'monthly'",
            state.teams.get("monthly").unwrap().budget_reset_at.clone(),
        ),
        (
            "SELECT budget_reset_at FROM budgets WHERE budget_id = 'weekly'",
            state.budgets.get("weekly").unwrap().budget_reset_at.clone(),
        ),
    ] {
        let stored = next(sql);
        assert!(stored.as_deref().is_some_and(|at| at > now.as_str()), "{sql}: the next reset is ahead: {stored:?}");
        assert_eq!(stored, memory, "{sql}: stored and in memory agree");
    }
}

#[test]
fn the_pass_over_due_entities_resets_them_and_what_counts_in_their_periods() {
    let (state, _dir) = seeded();
    assert!(any_due(&state, state.clock.now()));
    assert_eq!(reset_if_due_blocking(&state).unwrap(), 3, "the user, the team and the budget object");
    assert_reset(&state);
    assert!(!any_due(&state, state.clock.now()));
    assert_eq!(reset_if_due_blocking(&state).unwrap(), 0);
}

#[test]
fn admissions_resets_do_the_same_once() {
    let (state, _dir) = seeded();
    let now = state.clock.now();
    let resets = [Reset::User("fay".into()), Reset::Team("monthly".into()), Reset::Budget("weekly".into())];
    let plans: Vec<Planned> = resets.iter().filter_map(|r| plan(&state, r, now)).collect();
    assert_eq!(plans.len(), 3);
    let write_all = |plans: Vec<Planned>| {
        let cache = state.clone();
        state
            .db
            .write_then_blocking(
                move |tx| {
                    let mut written = Vec::new();
                    for plan in plans {
                        if write(tx, &plan, now)? {
                            written.push(plan);
                        }
                    }
                    Ok::<_, DbError>(written)
                },
                move |written: &Vec<Planned>| written.iter().for_each(|p| apply(&cache, p)),
            )
            .unwrap()
    };
    assert_eq!(write_all(plans.clone()).len(), 3);
    assert_reset(&state);
    // Another request that noticed the same resets before the first was written.
    assert!(write_all(plans).is_empty(), "a reset already written is not written again");
    assert_eq!(reset_if_due_blocking(&state).unwrap(), 0);
}

#[test]
fn a_period_that_no_longer_parses_stops_resetting() {
    let now = crate::time::parse("2026-11-23T10:00:00Z").unwrap();
    assert_eq!(next_after(Some("every now and then"), now), None);
    assert_eq!(next_after(None, now), None);
    assert!(next_after(Some("1d"), now).is_some_and(|at| at > crate::time::format(now)));
}
