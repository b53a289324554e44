//! The upgrade steps, each from a file of its version to the current schema.

use super::*;

#[path = "migrate_progress_tests.rs"]
mod progress;

/// The spend log as schema version 9 kept it (a table, in place of `spend_rows`, its
/// names and the view): where every test of an older version starts from.
const SPEND_LOGS_V9: &str = "
    DROP VIEW spend_logs; DROP TABLE spend_rows; DROP TABLE spend_names;
    CREATE TABLE spend_logs (
        request_id TEXT PRIMARY KEY, call_type TEXT NOT NULL, api_key TEXT NOT NULL,
        spend REAL NOT NULL DEFAULT 0, total_tokens INTEGER NOT NULL DEFAULT 0,
        prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0,
        startTime TEXT NOT NULL, endTime TEXT NOT NULL, model TEXT NOT NULL, model_id TEXT, model_group TEXT,
        custom_llm_provider TEXT, api_base TEXT, user TEXT, team_id TEXT, end_user TEXT,
        metadata TEXT NOT NULL DEFAULT '{}', cache_hit INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'success', client_request_id TEXT, session_id TEXT);
    CREATE INDEX spend_logs_start ON spend_logs (startTime);
    CREATE INDEX spend_logs_client_request ON spend_logs (client_request_id) WHERE client_request_id IS NOT NULL;
    CREATE INDEX spend_logs_session ON spend_logs (session_id) WHERE session_id IS NOT NULL;
    CREATE INDEX spend_logs_key_start ON spend_logs (api_key, startTime);
    CREATE INDEX spend_logs_user_start ON spend_logs (user, startTime) WHERE user IS NOT NULL;
    CREATE INDEX spend_logs_team_start ON spend_logs (team_id, startTime) WHERE team_id IS NOT NULL;
";

/// A new file taken back to schema version 9 (less what the later steps cannot add to
/// a file that has it: the team's organization).
fn at_version_9(conn: &Connection) {
    conn.execute_batch(SPEND_LOGS_V9).unwrap();
    conn.execute_batch("ALTER TABLE teams DROP COLUMN organization_id;").unwrap();
    drop_team_details_columns(conn, false);
    conn.pragma_update(None, "user_version", 9).unwrap();
}

/// The columns the team-details step adds by `ALTER`, which it cannot add twice (a
/// file taken back before version 12 has no `spend_rows` to drop one from; the view
/// that reads the column goes with it, and the step makes it again).
fn drop_team_details_columns(conn: &Connection, spend_rows: bool) {
    conn.execute_batch(
        "ALTER TABLE teams DROP COLUMN model_aliases; ALTER TABLE keys DROP COLUMN budget_id;
         ALTER TABLE team_memberships DROP COLUMN budget_id;",
    )
    .unwrap();
    if spend_rows {
        conn.execute_batch("DROP VIEW IF EXISTS spend_logs; ALTER TABLE spend_rows DROP COLUMN request_tags;").unwrap();
    }
}

/// A new file less what the first-token step cannot add to a file that has it (the
/// column, and so the view that reads it): for tests that mark a new file older than
/// that step.
fn before_first_token(conn: &Connection) {
    conn.execute_batch("DROP VIEW IF EXISTS spend_logs; ALTER TABLE spend_rows DROP COLUMN first_token;").unwrap();
}

const V1: &str = "CREATE TABLE t (a INTEGER);";
const V2: &str = "ALTER TABLE t ADD COLUMN b TEXT;";

#[test]
fn creates_then_is_up_to_date() {
    let mut conn = Connection::open_in_memory().unwrap();
    assert_eq!(migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap(), Applied::Created);
    assert_eq!(migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap(), Applied::UpToDate);
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, CURRENT);
}

#[test]
fn upgrades_an_older_file_in_order() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_with(&mut conn, V1, &[]).unwrap();
    conn.execute("INSERT INTO t (a) VALUES (7)", []).unwrap();
    let applied = migrate_with(&mut conn, &format!("{V1}{V2}"), &[V2]).unwrap();
    assert_eq!(applied, Applied::Upgraded { from: 1 });
    let b: Option<String> = conn.query_row("SELECT b FROM t WHERE a = 7", [], |r| r.get(0)).unwrap();
    assert_eq!(b, None);
}

#[test]
fn a_failed_upgrade_changes_nothing() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_with(&mut conn, V1, &[]).unwrap();
    let broken = "ALTER TABLE t ADD COLUMN c TEXT; THIS IS NOT SQL;";
    assert!(migrate_with(&mut conn, V1, &[broken]).is_err());
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, 1);
    assert!(conn.query_row("SELECT c FROM t", [], |_| Ok(())).is_err());
}

/// The real upgrades: a file at version 1 (today's schema less what later versions
/// added, with a user in it) ends with the same columns as a new file, data kept.
#[test]
fn a_version_1_file_is_upgraded_to_the_current_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let mut old = Connection::open(&path).unwrap();
    migrate_with(&mut old, SCHEMA, UPGRADES).unwrap();
    at_version_9(&old);
    old.execute_batch(
        "ALTER TABLE users DROP COLUMN blocked;
         DROP INDEX spend_logs_session; ALTER TABLE spend_logs DROP COLUMN session_id;
         DROP TABLE spend_journal;
         DROP TABLE weekly_spend;
         DROP TABLE daily_user_spend;
         DROP INDEX spend_logs_client_request;
         ALTER TABLE spend_logs DROP COLUMN client_request_id;
         ALTER TABLE teams DROP COLUMN admins; ALTER TABLE teams DROP COLUMN members;
         PRAGMA user_version = 1;
         INSERT INTO users (user_id, user_email, created_at, updated_at)
             VALUES ('old-user', 'old@example.com', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');",
    )
    .unwrap();
    drop(old);

    let mut conn = Connection::open(&path).unwrap();
    assert_eq!(migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap(), Applied::Upgraded { from: 1 });
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, CURRENT);
    let blocked: bool =
        conn.query_row("SELECT blocked FROM users WHERE user_id = 'old-user'", [], |r| r.get(0)).unwrap();
    assert!(!blocked);

    let columns = |conn: &Connection| -> Vec<(String, String, Option<String>)> {
        let mut stmt = conn.prepare("SELECT name, type, dflt_value FROM pragma_table_info('users')").unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
    };
    let mut fresh = Connection::open_in_memory().unwrap();
    migrate_with(&mut fresh, SCHEMA, UPGRADES).unwrap();
    assert_eq!(columns(&conn), columns(&fresh));
    let tables = |conn: &Connection| -> Vec<String> {
        let mut stmt = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(tables(&conn), tables(&fresh));
}

#[test]
fn version_4_sums_the_daily_rows_per_week_from_monday_and_per_day_and_user() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap();
    at_version_9(&conn);
    conn.execute_batch(
        "DROP TABLE weekly_spend; DROP TABLE daily_user_spend;
         DROP INDEX spend_logs_session; ALTER TABLE spend_logs DROP COLUMN session_id;
         DROP INDEX spend_logs_client_request; ALTER TABLE spend_logs DROP COLUMN client_request_id;
         ALTER TABLE teams DROP COLUMN admins; ALTER TABLE teams DROP COLUMN members;
         PRAGMA user_version = 3;
         INSERT INTO daily_spend (date, api_key, model, spend, api_requests) VALUES
             ('2026-11-22', 'k', 'm', 1.0, 1), ('2026-11-23', 'k', 'm', 2.0, 2), ('2026-11-29', 'k', 'm', 4.0, 4);",
    )
    .unwrap();
    assert_eq!(migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap(), Applied::Upgraded { from: 3 });
    let mut stmt = conn.prepare("SELECT week, spend, api_requests FROM weekly_spend ORDER BY week").unwrap();
    let weeks: Vec<(String, f64, i64)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect();
    // 2026-11-22 is a Sunday, 2026-11-23 a Monday and 2026-11-29 the Sunday after.
    assert_eq!(weeks, [("2026-11-16".into(), 1.0, 1), ("2026-11-23".into(), 6.0, 6)]);
    let days: i64 = conn.query_row("SELECT COUNT(*) FROM daily_user_spend", [], |r| r.get(0)).unwrap();
    assert_eq!(days, 3);
}

#[test]
fn version_5_gives_journal_rows_new_ids_and_keeps_theirs_as_the_clients() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap();
    at_version_9(&conn);
    conn.execute_batch(
        r#"DROP INDEX spend_logs_session; ALTER TABLE spend_logs DROP COLUMN session_id;
           DROP INDEX spend_logs_client_request; ALTER TABLE spend_logs DROP COLUMN client_request_id;
           ALTER TABLE teams DROP COLUMN admins; ALTER TABLE teams DROP COLUMN members;
         PRAGMA user_version = 4;
           INSERT INTO spend_journal (rows) VALUES ('[{"request_id":"same","cost":1.0},{"request_id":"same","cost":2.0}]');"#,
    )
    .unwrap();
    assert_eq!(migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap(), Applied::Upgraded { from: 4 });
    let rows: String = conn.query_row("SELECT rows FROM spend_journal", [], |r| r.get(0)).unwrap();
    let rows: serde_json::Value = serde_json::from_str(&rows).unwrap();
    let ids: Vec<&str> = rows.as_array().unwrap().iter().map(|r| r["request_id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.iter().all(|id| id.starts_with("journal-")) && ids[0] != ids[1], "{rows}");
    assert_eq!(rows[0]["client_request_id"], "same");
    assert_eq!(rows[1]["cost"], 2.0, "the rest of the row is kept");
    let indexed: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'spend_rows_client_request'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(indexed, 1);
}

#[test]
fn version_6_ends_the_invitations_whose_ids_were_stored_in_clear() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap();
    at_version_9(&conn);
    conn.execute_batch(
        "DROP INDEX spend_logs_session; ALTER TABLE spend_logs DROP COLUMN session_id;
         ALTER TABLE teams DROP COLUMN admins; ALTER TABLE teams DROP COLUMN members;
         PRAGMA user_version = 5;
         INSERT INTO users (user_id, user_role, created_at, updated_at) VALUES ('u', 'internal_user', 't', 't');
         INSERT INTO invitations (id, user_id, is_accepted, expires_at, created_at, updated_at) VALUES
             ('open-link', 'u', 0, '2999-01-01', 't', 't'), ('used-link', 'u', 1, '2999-01-01', 't', 't');",
    )
    .unwrap();
    assert_eq!(migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap(), Applied::Upgraded { from: 5 });
    let left: Vec<String> = conn
        .prepare("SELECT id FROM invitations")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(left, ["used-link"]);
}

#[test]
fn version_7_adds_the_session_of_a_spend_row() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap();
    at_version_9(&conn);
    conn.execute_batch(
        "DROP INDEX spend_logs_session; ALTER TABLE spend_logs DROP COLUMN session_id;
         ALTER TABLE teams DROP COLUMN admins; ALTER TABLE teams DROP COLUMN members;
         PRAGMA user_version = 6;
         INSERT INTO spend_logs (request_id, call_type, api_key, startTime, endTime, model)
             VALUES ('r', 'acompletion', 'k', 't', 't', 'm');",
    )
    .unwrap();
    assert_eq!(migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap(), Applied::Upgraded { from: 6 });
    let session: Option<String> =
        conn.query_row("SELECT session_id FROM spend_logs WHERE request_id = 'r'", [], |r| r.get(0)).unwrap();
    assert_eq!(session, None);
    let indexed: i64 = conn
        // `spend_rows`' since version 10.
        .query_row("SELECT count(*) FROM sqlite_master WHERE name = 'spend_rows_session'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(indexed, 1);
}

#[test]
fn version_8_leaves_rows_without_user_or_team_out_of_their_indexes_which_still_serve_lookups() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap();
    at_version_9(&conn);
    conn.execute_batch(
        "DROP INDEX spend_logs_user_start; CREATE INDEX spend_logs_user_start ON spend_logs (user, startTime);
         DROP INDEX spend_logs_team_start; CREATE INDEX spend_logs_team_start ON spend_logs (team_id, startTime);
         ALTER TABLE teams DROP COLUMN admins; ALTER TABLE teams DROP COLUMN members;
         PRAGMA user_version = 7;",
    )
    .unwrap();
    assert_eq!(migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap(), Applied::Upgraded { from: 7 });
    // The rows are in `spend_rows` since version 10, with the same partial indexes.
    for (index, column) in [("spend_rows_user_start", "user"), ("spend_rows_team_start", "team_id")] {
        let sql: String =
            conn.query_row("SELECT sql FROM sqlite_master WHERE name = ?1", [index], |r| r.get(0)).unwrap();
        assert!(sql.ends_with(&format!("WHERE {column} IS NOT NULL")), "{sql}");
        // The lookups of `/spend/logs` by user or team, with and without dates.
        for filter in [format!("{column} = ?1"), format!("{column} = ?1 AND start >= ?2 AND start <= ?3")] {
            let plan = spend_logs_plan(&conn, &filter);
            assert!(plan.iter().any(|step| step.contains(&format!("USING INDEX {index}"))), "{filter}: {plan:?}");
        }
    }
}

/// Every object of the file (tables, indexes, views, triggers) as SQLite keeps it.
fn objects(conn: &Connection) -> Vec<(String, String, Option<String>)> {
    let mut stmt = conn.prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
}

#[test]
fn version_12_keeps_every_spend_log_row_as_it_was_in_a_fraction_of_the_space() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap();
    let fresh = objects(&conn);
    at_version_9(&conn);
    conn.execute_batch(
        r#"INSERT INTO spend_logs (request_id, call_type, api_key, spend, total_tokens, prompt_tokens,
               completion_tokens, startTime, endTime, model, model_id, model_group, custom_llm_provider, api_base,
               user, team_id, end_user, metadata, cache_hit, status, client_request_id, session_id) VALUES
           ('plain', 'acompletion', 'k1', 0.25, 16, 14, 2, '2026-11-23T10:00:00.123456Z',
               '2026-11-23T10:00:01.000001Z', 'gpt-4o', 'dep-1', 'gpt', 'openai', 'https://api.example.com/v1',
               'alice', 't1', NULL, '{"user_api_key_alias":"ci","end_user":null}', 0, 'success', NULL, NULL),
           ('failed', 'acompletion', 'k1', 0, 0, 0, 0, '2026-11-23T10:00:02.000000Z',
               '2026-11-23T10:00:02.500000Z', 'gpt-4o', NULL, 'gpt', 'openai', NULL, NULL, NULL, 'cust',
               '{"user_api_key_alias":null,"end_user":"cust","error_information":{"error_code":"429"}}', 0,
               'failure', 'client-1', 'session-1'),
           ('odd', 'aembedding', 'master_key', 1.5, 99, 1, 2, '2026-11-23T10:00:03Z', '2026-11-23T10:00:03.5Z',
               'e', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{}', 1, 'success', NULL, NULL),
           ('unreadable', 'acompletion', 'k2', 0, 0, 0, 0, '2026-11-23T10:00:04.000000Z',
               '2026-11-23T10:00:04.000000Z', 'm', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'not json', 0,
               'success', NULL, NULL);"#,
    )
    .unwrap();
    let rows = |conn: &Connection| -> Vec<Vec<rusqlite::types::Value>> {
        let mut stmt = conn.prepare("SELECT * FROM spend_logs ORDER BY request_id").unwrap();
        stmt.query_map([], |r| (0..22).map(|i| r.get(i)).collect()).unwrap().map(Result::unwrap).collect()
    };
    let mut before = rows(&conn);
    assert_eq!(migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap(), Applied::Upgraded { from: 9 });
    // Times without six decimals come back with them (the same instant).
    let text = |v: &str| rusqlite::types::Value::Text(v.into());
    let odd = before.iter_mut().find(|r| r[0] == text("odd")).unwrap();
    (odd[7], odd[8]) = (text("2026-11-23T10:00:03.000000Z"), text("2026-11-23T10:00:03.500000Z"));
    assert_eq!(rows(&conn), before);
    assert_eq!(objects(&conn), fresh, "an upgraded file has the schema of a new one");
    let stored: Vec<Option<String>> = conn
        .prepare("SELECT metadata FROM spend_rows ORDER BY request_id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    // Only the metadata that says more than the key alias and the end user is kept.
    assert_eq!(
        stored[0],
        Some(r#"{"user_api_key_alias":null,"end_user":"cust","error_information":{"error_code":"429"}}"#.into())
    );
    assert_eq!(stored[1], Some("{}".into()));
    assert_eq!(stored[2], None);
    assert_eq!(stored[3], Some("not json".into()));
}

#[test]
fn version_10_adds_the_alert_outbox() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap();
    conn.execute_batch("DROP TABLE alert_outbox; PRAGMA user_version = 9;").unwrap();
    // Only up to version 10: the later steps expect a file of their own version.
    assert_eq!(migrate_with(&mut conn, SCHEMA, &UPGRADES[..9]).unwrap(), Applied::Upgraded { from: 9 });
    conn.execute(
        "INSERT INTO alert_outbox (dedupe_key, channel, alert_type, event, message, payload, created_at, next_attempt_at)
         VALUES ('d', 'slack', 't', 'e', 'm', '{}', 'now', 'now')",
        [],
    )
    .unwrap();
}

#[test]
fn version_13_adds_the_stored_models() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap();
    conn.execute_batch("DROP TABLE models; PRAGMA user_version = 12;").unwrap();
    assert_eq!(migrate_with(&mut conn, SCHEMA, &UPGRADES[..12]).unwrap(), Applied::Upgraded { from: 12 });
    conn.execute(
        "INSERT INTO models (model_id, model_name, litellm_params, model_info, created_at, created_by, updated_at, updated_by)
         VALUES ('m', 'n', '{}', '{}', 'now', 'a', 'now', 'a')",
        [],
    )
    .unwrap();
}

#[test]
fn version_14_adds_organizations_and_keeps_teams() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap();
    let fresh = objects(&conn);
    conn.execute_batch(
        "DROP TABLE organization_memberships; DROP TABLE organizations;
         ALTER TABLE teams DROP COLUMN organization_id;
         INSERT INTO teams (team_id, created_at, updated_at) VALUES ('old-team', 'then', 'then');",
    )
    .unwrap();
    drop_team_details_columns(&conn, true);
    before_first_token(&conn);
    conn.pragma_update(None, "user_version", 13).unwrap();
    assert_eq!(migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap(), Applied::Upgraded { from: 13 });
    assert_eq!(objects(&conn), fresh, "an upgraded file has the schema of a new one");
    let org: Option<String> =
        conn.query_row("SELECT organization_id FROM teams WHERE team_id = 'old-team'", [], |r| r.get(0)).unwrap();
    assert_eq!(org, None);
    conn.execute(
        "INSERT INTO organizations (organization_id, organization_alias, created_at, created_by, updated_at, updated_by)
         VALUES ('o', 'O', 'now', 'admin', 'now', 'admin')",
        [],
    )
    .unwrap();
}

#[test]
fn refuses_a_newer_file() {
    let mut conn = Connection::open_in_memory().unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    let err = migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap_err();
    assert!(err.to_string().contains("schema version 99"), "{err}");
}

#[test]
fn version_9_gives_teams_made_before_empty_legacy_lists() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap();
    at_version_9(&conn);
    conn.execute_batch(
        "ALTER TABLE teams DROP COLUMN admins; ALTER TABLE teams DROP COLUMN members;
         PRAGMA user_version = 8;
         INSERT INTO teams (team_id, created_at, updated_at) VALUES ('old-team', 'then', 'then');",
    )
    .unwrap();
    assert_eq!(migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap(), Applied::Upgraded { from: 8 });
    let lists: (String, String) = conn
        .query_row("SELECT admins, members FROM teams WHERE team_id = 'old-team'", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(lists, ("[]".into(), "[]".into()));
}

#[test]
fn the_customers_step_adds_budgets_and_end_users_like_a_new_file() {
    let columns = |conn: &Connection, table: &str| -> Vec<(String, String, Option<String>)> {
        let sql = format!("SELECT name, type, dflt_value FROM pragma_table_info('{table}')");
        let mut stmt = conn.prepare(&sql).unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
    };
    let mut fresh = Connection::open_in_memory().unwrap();
    migrate_with(&mut fresh, SCHEMA, UPGRADES).unwrap();
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap();
    let before = 14;
    drop_team_details_columns(&conn, true);
    before_first_token(&conn);
    conn.execute_batch(&format!("DROP TABLE end_users; DROP TABLE budgets; PRAGMA user_version = {before};")).unwrap();
    assert_eq!(migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap(), Applied::Upgraded { from: before });
    for table in ["budgets", "end_users"] {
        assert_eq!(columns(&conn, table), columns(&fresh, table), "{table}");
    }
    // A customer naming a budget nobody has is refused by the store itself.
    conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    assert!(conn.execute("INSERT INTO end_users (user_id, budget_id) VALUES ('c', 'none')", []).is_err());
}

#[test]
fn the_team_details_step_adds_aliases_budget_ids_and_request_tags_like_a_new_file() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap();
    let fresh = objects(&conn);
    drop_team_details_columns(&conn, true);
    before_first_token(&conn);
    conn.execute_batch("DROP TABLE spend_payloads;").unwrap();
    conn.execute_batch(
        "DROP TABLE daily_tag_spend;
         INSERT INTO teams (team_id, created_at, updated_at) VALUES ('old-team', 'then', 'then');
         INSERT INTO spend_names (id, name) VALUES (1, 'acompletion'), (2, 'k'), (3, 'm'), (4, 'success');
         INSERT INTO spend_rows (request_id, start, duration, call_type, api_key, model, status)
             VALUES ('old-row', 1767225600000000, 1000000, 1, 2, 3, 4);",
    )
    .unwrap();
    conn.pragma_update(None, "user_version", 15).unwrap();
    assert_eq!(migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap(), Applied::Upgraded { from: 15 });
    assert_eq!(objects(&conn), fresh, "an upgraded file has the schema of a new one");
    let aliases: String =
        conn.query_row("SELECT model_aliases FROM teams WHERE team_id = 'old-team'", [], |r| r.get(0)).unwrap();
    assert_eq!(aliases, "{}");
    // Rows written before have no tags; a row inserted through the view keeps its own.
    conn.execute(
        "INSERT INTO spend_logs (request_id, call_type, api_key, startTime, endTime, model, request_tags)
         VALUES ('new-row', 'acompletion', 'k', '2026-01-02T00:00:00Z', '2026-01-02T00:00:01Z', 'm', '[\"b\",\"a\"]')",
        [],
    )
    .unwrap();
    let tags = |id: &str| -> String {
        conn.query_row("SELECT request_tags FROM spend_logs WHERE request_id = ?1", [id], |r| r.get(0)).unwrap()
    };
    assert_eq!(tags("old-row"), "[]");
    assert_eq!(tags("new-row"), r#"["b","a"]"#);
    let stored: Option<String> =
        conn.query_row("SELECT request_tags FROM spend_rows WHERE request_id = 'old-row'", [], |r| r.get(0)).unwrap();
    assert_eq!(stored, None, "a row without tags stores nothing for them");
}

#[test]
fn the_first_token_step_keeps_every_row_and_shows_when_a_streamed_answer_began() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap();
    let fresh = objects(&conn);
    before_first_token(&conn);
    conn.execute_batch(
        "DROP TABLE spend_payloads; PRAGMA user_version = 16;
         INSERT INTO spend_names (id, name) VALUES (1, 'acompletion'), (2, 'k'), (3, 'm'), (4, 'success');
         INSERT INTO spend_rows (request_id, start, duration, call_type, api_key, model, status)
             VALUES ('old', 1000000, 2500000, 1, 2, 3, 4);",
    )
    .unwrap();
    assert_eq!(migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap(), Applied::Upgraded { from: 16 });
    assert_eq!(objects(&conn), fresh, "an upgraded file has the schema of a new one");
    let shown = |conn: &Connection, id: &str| -> (String, String) {
        conn.query_row("SELECT endTime, completionStartTime FROM spend_logs WHERE request_id = ?1", [id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap()
    };
    // A row from before: not streamed, as LiteLLM writes it (the end).
    let (end, first) = shown(&conn, "old");
    assert_eq!((end.as_str(), first.as_str()), ("1970-01-01T00:00:03.500000Z", "1970-01-01T00:00:03.500000Z"));
    // The view's insert keeps a streamed answer's first token, and none for the others.
    conn.execute_batch(
        "INSERT INTO spend_logs (request_id, call_type, api_key, startTime, endTime, model, completionStartTime)
             VALUES ('streamed', 'acompletion', 'k', '2026-11-23T10:00:00.000000Z', '2026-11-23T10:00:02.000000Z',
                 'm', '2026-11-23T10:00:00.250000Z'),
            ('whole', 'acompletion', 'k', '2026-11-23T10:00:00.000000Z', '2026-11-23T10:00:02.000000Z',
                 'm', '2026-11-23T10:00:02.000000Z');",
    )
    .unwrap();
    let stored = |id: &str| -> Option<i64> {
        conn.query_row("SELECT first_token FROM spend_rows WHERE request_id = ?1", [id], |r| r.get(0)).unwrap()
    };
    assert_eq!((stored("streamed"), stored("whole"), stored("old")), (Some(250_000), None, None));
    assert_eq!(shown(&conn, "streamed").1, "2026-11-23T10:00:00.250000Z");
    conn.execute(
        "INSERT INTO spend_payloads (request_id, start, request, response) VALUES ('streamed', 1, '{}', '{}')",
        [],
    )
    .unwrap();
}

#[test]
fn the_relayed_responses_step_adds_their_owners_like_a_new_file() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap();
    let shape = |conn: &Connection| -> Vec<(String, String, bool)> {
        let sql = "SELECT name, type, \"notnull\" FROM pragma_table_info('relayed_responses')
                   UNION ALL SELECT name, 'index', 0 FROM sqlite_master WHERE tbl_name = 'relayed_responses' AND type = 'index'";
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect()
    };
    let fresh = shape(&conn);
    assert_eq!(fresh.len(), 6, "{fresh:?}");
    let before = 17;
    conn.execute_batch(&format!("DROP TABLE relayed_responses; PRAGMA user_version = {before};")).unwrap();
    assert_eq!(migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap(), Applied::Upgraded { from: before });
    assert_eq!(shape(&conn), fresh, "an upgraded file has the table of a new one");
    conn.execute(
        "INSERT INTO relayed_responses (id, api_key, model_id, created_at) VALUES ('resp_1', 'k', 'm-0', 'now')",
        [],
    )
    .unwrap();
    // Run again on a file that has the table (a merge may reorder the steps): no error.
    conn.execute_batch(&format!("PRAGMA user_version = {before};")).unwrap();
    assert_eq!(migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap(), Applied::Upgraded { from: before });
    let kept: i64 = conn.query_row("SELECT count(*) FROM relayed_responses", [], |r| r.get(0)).unwrap();
    assert_eq!(kept, 1);
}

#[test]
fn the_model_group_step_indexes_the_spend_rows_like_a_new_file_and_the_model_filter_uses_it() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap();
    let fresh = objects(&conn);
    let before = 18;
    conn.execute_batch(&format!("DROP INDEX spend_rows_group_start; PRAGMA user_version = {before};")).unwrap();
    let mut seen = Vec::new();
    let applied = migrate_reporting(&mut conn, SCHEMA, UPGRADES, PIECE_ROWS, &mut |p| seen.push((p.done, p.total)));
    assert_eq!(applied.unwrap(), Applied::Upgraded { from: before });
    assert_eq!(objects(&conn), fresh, "an upgraded file has the schema of a new one");
    assert_eq!(seen, [(0, 1), (1, 1)], "the index is reported as it is built");
    // `/spend/logs`' filter by model group, with and without dates, newest first.
    for filter in ["model_group = ?1", "model_group = ?1 AND start >= ?2 AND start <= ?3"] {
        let plan = spend_logs_plan(&conn, filter);
        assert!(plan.iter().any(|step| step.contains("USING INDEX spend_rows_group_start")), "{filter}: {plan:?}");
    }
}

/// The steps of SQLite's plan for `/spend/logs`' page query under `filter` (whose
/// parameters, up to three, are bound to 1, 2, 3).
fn spend_logs_plan(conn: &Connection, filter: &str) -> Vec<String> {
    let query =
        format!("EXPLAIN QUERY PLAN SELECT * FROM spend_rows WHERE {filter} ORDER BY start DESC, request_id DESC");
    conn.prepare(&query)
        .unwrap()
        .query_map(rusqlite::params![1, 2, 3][..filter.matches('?').count()].as_ref(), |r| r.get(3))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}
