//! Upgrades that report how far they are: the spend rows moved in pieces, in one transaction.

use super::*;

/// A file at version 9 holding `rows` spend-log rows with a few dozen names among them
/// (keys, users, teams, models), some with metadata of their own.
fn version_9_with_spend_logs(rows: u32) -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_with(&mut conn, SCHEMA, UPGRADES).unwrap();
    at_version_9(&conn);
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
         INSERT INTO spend_logs (request_id, call_type, api_key, spend, total_tokens, prompt_tokens, completion_tokens,
             startTime, endTime, model, model_group, custom_llm_provider, user, team_id, metadata, status)
         SELECT 'req-' || (i * 7919 % 100003), 'acompletion', 'key-' || (i % 37), 0.001 * (i % 5), 30, 20, 10,
             strftime('%Y-%m-%dT%H:%M:%fZ', 1767225600 + i, 'unixepoch'),
             strftime('%Y-%m-%dT%H:%M:%fZ', 1767225601 + i, 'unixepoch'), 'model-' || (i % 11), 'group-' || (i % 3),
             'openai', 'user-' || (i % 13), CASE WHEN i % 4 = 0 THEN 'team-' || (i % 5) END,
             CASE WHEN i % 9 = 0 THEN json_object('user_api_key_alias', 'alias-' || (i % 37), 'end_user', NULL)
                  WHEN i % 10 = 0 THEN json_object('error_information', json_object('error_code', '429'))
                  ELSE '{}' END,
             CASE WHEN i % 10 = 0 THEN 'failure' ELSE 'success' END
         FROM n",
        [rows],
    )
    .unwrap();
    conn
}

#[test]
fn moving_the_spend_rows_reports_rising_counts_and_makes_what_one_pass_makes() {
    let rows = 3_000;
    let mut conn = version_9_with_spend_logs(rows);
    let mut seen = Vec::new();
    let applied = migrate_reporting(&mut conn, SCHEMA, UPGRADES, 400, &mut |p| {
        seen.push((p.what.to_string(), p.done, p.total));
    })
    .unwrap();
    assert_eq!(applied, Applied::Upgraded { from: 9 });
    let of = |part: &str| -> Vec<(u64, u64)> {
        seen.iter().filter(|(what, ..)| what == part).map(|(_, done, total)| (*done, *total)).collect()
    };
    let moving = of("moving spend rows");
    assert!(moving.iter().all(|(_, total)| *total == u64::from(rows)), "{seen:?}");
    let done: Vec<u64> = moving.iter().map(|(done, _)| *done).collect();
    // 0, then one report per piece of 400 rows: 400, 800, ..., 3,000.
    assert_eq!(done.len(), 1 + 8, "{done:?}");
    assert_eq!((done[0], done[done.len() - 1]), (0, u64::from(rows)));
    assert!(done.windows(2).all(|w| w[0] < w[1]), "rising: {done:?}");
    // Then the old table's drop and the six indexes, one statement at a time.
    let statements = of("dropping the old spend log and indexing the new one");
    assert_eq!(statements, (0..=7).map(|done| (done, 7)).collect::<Vec<_>>(), "{seen:?}");

    // The same file moved in one piece: the same names with the same numbers, the same rows.
    let mut whole = version_9_with_spend_logs(rows);
    migrate_reporting(&mut whole, SCHEMA, UPGRADES, u64::MAX, &mut |_| {}).unwrap();
    let dump = |conn: &Connection, sql: &str| -> Vec<Vec<rusqlite::types::Value>> {
        let mut stmt = conn.prepare(sql).unwrap();
        let width = stmt.column_count();
        stmt.query_map([], |r| (0..width).map(|i| r.get(i)).collect()).unwrap().map(Result::unwrap).collect()
    };
    for sql in ["SELECT * FROM spend_names ORDER BY id", "SELECT rowid, * FROM spend_rows ORDER BY rowid"] {
        let (pieces, one) = (dump(&conn, sql), dump(&whole, sql));
        assert!(!pieces.is_empty());
        assert_eq!(pieces, one, "{sql}");
    }
    assert_eq!(dump(&conn, "SELECT count(*) FROM spend_logs"), [[rusqlite::types::Value::Integer(rows.into())]]);
}

#[test]
fn a_piece_that_fails_leaves_the_file_as_it_was() {
    let mut conn = Connection::open_in_memory().unwrap();
    migrate_with(&mut conn, V1, &[]).unwrap();
    conn.execute_batch(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10) INSERT INTO t SELECT i FROM n",
    )
    .unwrap();
    let step = "CREATE TABLE u (a INTEGER CHECK (a < 7));
        -- in pieces over t: copying
        INSERT INTO u SELECT a FROM t WHERE rowid BETWEEN :first AND :last;
        -- end of part
        DROP TABLE t;";
    let mut done = Vec::new();
    assert!(migrate_reporting(&mut conn, V1, &[step], 2, &mut |p| done.push(p.done)).is_err());
    assert_eq!(done, [0, 2, 4, 6], "the pieces before the failing one ran");
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, 1);
    let kept: i64 = conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap();
    assert_eq!(kept, 10);
    assert!(conn.query_row("SELECT count(*) FROM u", [], |_| Ok(())).is_err(), "the new table is gone");
}
