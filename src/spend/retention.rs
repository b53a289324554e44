//! Spend-log retention (`general_settings.maximum_spend_logs_retention_period`): deleting
//! the raw spend rows (`spend_rows`, read as `spend_logs`) older than a cutoff, and the
//! request and response bodies kept with them (`spend_payloads`, kept for the shorter
//! `payload_retention_period`) older than theirs. Only the
//! raw rows go: the per-day and per-week sums (`daily_spend`, `weekly_spend`,
//! `daily_user_spend`) and the running spend of keys, users, teams and memberships are
//! kept for ever, so the usage page, the activity and spend reports and every budget read
//! the same before and after.
//!
//! The rows go in small batches, each its own write: every write folds the spend journal
//! first (see `db::Deferred`), so a row still in the journal reaches `spend_logs` before
//! anything is deleted, and the ledger gets the writer between two batches, so a request
//! waits at most one batch (sized to take about [`BATCH_TARGET`]) however many rows are
//! due. Freed pages are reused by later rows, so at steady load the file stops growing.

use crate::db::{DbError, WeakDb};
use chrono::{DateTime, Utc};
use std::time::{Duration, Instant};

/// How many rows a batch deletes: it starts at `first` and adapts so that one batch holds
/// the writer about [`BATCH_TARGET`] (deleting a row touches its table and its index
/// b-trees, tens of microseconds on a busy disk), never more than `max` rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batches {
    pub first: usize,
    pub max: usize,
}

impl Batches {
    pub const DEFAULT: Batches = Batches { first: 128, max: 4096 };
}

/// The writer time a batch aims at: a request that arrives during a batch waits about
/// this long at most.
pub const BATCH_TARGET: Duration = Duration::from_millis(2);

const MIN_BATCH_ROWS: usize = 16;

/// The next batch's size after one of `rows` rows took `took`: doubled while well under
/// the target, halved while well over it.
pub fn next_batch(rows: usize, took: Duration, max: usize) -> usize {
    let next = if took < BATCH_TARGET / 2 {
        rows.saturating_mul(2)
    } else if took > BATCH_TARGET * 2 {
        rows / 2
    } else {
        rows
    };
    next.clamp(MIN_BATCH_ROWS.min(max), max.max(1))
}

/// A progress line is logged every this many rows of a long run (the first run after
/// turning retention on may have millions to delete).
const PROGRESS_EVERY: u64 = 100_000;

/// What one run deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub rows: u64,
    pub batches: u64,
}

/// The raw spend rows a database holds, as `/ui/settings` shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub rows: i64,
    /// When the oldest row's request started.
    pub oldest: Option<DateTime<Utc>>,
}

/// About how many raw spend rows there are, and the oldest (through `spend_rows_start`):
/// both without walking the table, which a settings page must not do at ten million rows.
pub fn held(conn: &crate::db::Conn<'_>) -> crate::db::Result<Held> {
    let rows = crate::db::dialect::row_count_estimate("spend_rows");
    let sql = format!("SELECT {rows}, (SELECT min(start) FROM spend_rows)");
    conn.query_row(&sql, (), |r| {
        let oldest: Option<i64> = r.get(1)?;
        Ok(Held { rows: r.get(0)?, oldest: oldest.and_then(DateTime::from_timestamp_micros) })
    })
}

/// The moment before which rows are deleted: `now` less the period; a period in months
/// counts calendar months, as budgets do.
pub fn cutoff(now: DateTime<Utc>, period: crate::duration::Duration) -> DateTime<Utc> {
    match period {
        crate::duration::Duration::Seconds(s) => {
            chrono::TimeDelta::try_seconds(s).and_then(|d| now.checked_sub_signed(d))
        }
        crate::duration::Duration::Months(m) => now.checked_sub_months(chrono::Months::new(m)),
    }
    // A period longer than the calendar reaches: nothing is that old.
    .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Through `spend_rows_start`, oldest first: a run cut short leaves the newer rows.
const DELETE_ROWS: &str = "DELETE FROM spend_rows WHERE rowid IN
    (SELECT rowid FROM spend_rows WHERE start < ?1 ORDER BY start LIMIT ?2)";

/// The kept bodies (`spend::payloads`), through `spend_payloads_start` likewise.
const DELETE_PAYLOADS: &str = "DELETE FROM spend_payloads WHERE rowid IN
    (SELECT rowid FROM spend_payloads WHERE start < ?1 ORDER BY start LIMIT ?2)";

/// Batches of kept bodies: up to 128 KiB each, so fewer to a batch at first.
pub const PAYLOAD_BATCHES: Batches = Batches { first: 16, max: 1024 };

/// Deletes every spend-log row that started before `cutoff`, in batches sized by
/// `batches`, and rests between batches as long as the last one took, so the writer is
/// free at least half of the time while a long backlog drains. Holds the database only
/// during a batch and stops when it is closed, so a shutdown never waits for a long run
/// (the next run goes on from the oldest row left). Blocking: run it off the async runtime.
pub fn prune(db: &WeakDb, cutoff: DateTime<Utc>, batches: Batches) -> Result<Pruned, DbError> {
    prune_with(db, DELETE_ROWS, cutoff, batches)
}

/// Deletes the request and response bodies kept of requests that started before `cutoff`
/// (their rows stay), as [`prune`] does rows.
pub fn prune_payloads(db: &WeakDb, cutoff: DateTime<Utc>, batches: Batches) -> Result<Pruned, DbError> {
    prune_with(db, DELETE_PAYLOADS, cutoff, batches)
}

fn prune_with(db: &WeakDb, delete: &str, cutoff: DateTime<Utc>, batches: Batches) -> Result<Pruned, DbError> {
    let (shown, cutoff) = (crate::time::format(cutoff), cutoff.timestamp_micros());
    let mut rows = batches.first.clamp(1, batches.max.max(1));
    let mut pruned = Pruned::default();
    loop {
        let began = Instant::now();
        let Some(db) = db.upgrade() else { return Ok(pruned) };
        let (deleted, took) = db.write_blocking(|tx| {
            let deleting = Instant::now();
            let deleted =
                tx.prepare_cached(delete)?.execute(crate::params![cutoff, i64::try_from(rows).unwrap_or(i64::MAX)])?;
            Ok::<_, DbError>((deleted, deleting.elapsed()))
        })?;
        drop(db);
        if deleted == 0 {
            return Ok(pruned);
        }
        let before = pruned.rows;
        pruned.rows += deleted as u64;
        pruned.batches += 1;
        if pruned.rows / PROGRESS_EVERY > before / PROGRESS_EVERY {
            tracing::info!(rows = pruned.rows, cutoff = %shown, "retention: still deleting old rows");
        }
        if deleted < rows {
            return Ok(pruned);
        }
        rows = next_batch(rows, took, batches.max);
        std::thread::sleep(began.elapsed().min(Duration::from_millis(50)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use crate::duration::Duration as Period;

    fn at(text: &str) -> DateTime<Utc> {
        crate::time::parse(text).unwrap()
    }

    #[test]
    fn the_cutoff_is_the_period_before_now() {
        let now = at("2026-03-31T12:00:00Z");
        assert_eq!(cutoff(now, Period::parse("30d").unwrap()), at("2026-03-01T12:00:00Z"));
        assert_eq!(cutoff(now, Period::parse("1h").unwrap()), at("2026-03-31T11:00:00Z"));
        // Calendar months, clamped to the month's last day.
        assert_eq!(cutoff(now, Period::parse("1mo").unwrap()), at("2026-02-28T12:00:00Z"));
    }

    #[test]
    fn batches_grow_while_quick_and_shrink_while_slow_within_bounds() {
        let (quick, slow, fair) = (Duration::from_micros(100), Duration::from_millis(20), BATCH_TARGET);
        assert_eq!(next_batch(128, quick, 4096), 256);
        assert_eq!(next_batch(4096, quick, 4096), 4096);
        assert_eq!(next_batch(128, slow, 4096), 64);
        assert_eq!(next_batch(16, slow, 4096), 16);
        assert_eq!(next_batch(128, fair, 4096), 128);
        assert_eq!(next_batch(5, quick, 5), 5);
    }

    fn scalar(db: &Db, sql: &str) -> i64 {
        db.read_blocking(|conn| conn.query_row(sql, (), |r| r.get(0))).unwrap()
    }

    #[test]
    fn deletes_only_rows_before_the_cutoff_in_batches_and_keeps_the_sums() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = Db::open(&dir.path().join("r.db")).unwrap();
        db.write_blocking(|tx| {
            let mut insert = tx.prepare(
                "INSERT INTO spend_logs (request_id, call_type, api_key, spend, startTime, endTime, model)
                 VALUES (?1, 'acompletion', 'k', 0.5, ?2, ?2, 'm')",
            )?;
            for i in 0..23 {
                insert.execute(crate::params![format!("old-{i}"), format!("2026-01-{:02}T10:00:00.000000Z", i + 1)])?;
            }
            for i in 0..4 {
                insert.execute(crate::params![format!("new-{i}"), format!("2026-03-{:02}T10:00:00.000000Z", i + 1)])?;
            }
            tx.execute(
                "INSERT INTO daily_spend (date, api_key, spend, api_requests) VALUES ('2026-01-01', 'k', 11.5, 23)",
                (),
            )?;
            Ok::<_, DbError>(())
        })
        .unwrap();

        let five = Batches { first: 5, max: 5 };
        let pruned = prune(&db.downgrade(), at("2026-02-01T00:00:00Z"), five).unwrap();
        assert_eq!(pruned, Pruned { rows: 23, batches: 5 });
        assert_eq!(scalar(&db, "SELECT count(*) FROM spend_logs WHERE request_id LIKE 'old-%'"), 0);
        assert_eq!(scalar(&db, "SELECT count(*) FROM spend_logs WHERE request_id LIKE 'new-%'"), 4);
        assert_eq!(scalar(&db, "SELECT api_requests FROM daily_spend"), 23);

        // Nothing left before the cutoff: a run deletes nothing and says so.
        assert_eq!(prune(&db.downgrade(), at("2026-02-01T00:00:00Z"), five).unwrap(), Pruned::default());
        // A row exactly at the cutoff is kept ("older than the period" only).
        assert_eq!(prune(&db.downgrade(), at("2026-03-01T10:00:00Z"), five).unwrap(), Pruned::default());

        // Kept bodies go by their own cutoff; their rows stay.
        db.write_blocking(|tx| {
            tx.execute_batch(
                "INSERT INTO spend_payloads (request_id, start, request, response) VALUES
                    ('new-0', 1772359200000000, '{}', '{}'), ('new-1', 1772445600000000, '{}', '{}')",
            )?;
            Ok::<_, DbError>(())
        })
        .unwrap();
        let pruned = prune_payloads(&db.downgrade(), at("2026-03-02T00:00:00Z"), five).unwrap();
        assert_eq!(pruned, Pruned { rows: 1, batches: 1 });
        assert_eq!(scalar(&db, "SELECT count(*) FROM spend_payloads WHERE request_id = 'new-1'"), 1);
        assert_eq!(scalar(&db, "SELECT count(*) FROM spend_logs WHERE request_id LIKE 'new-%'"), 4);

        // A closed database (the proxy shutting down) ends a run; nothing is deleted.
        let weak = db.downgrade();
        drop(db);
        assert_eq!(prune(&weak, at("2026-04-01T00:00:00Z"), five).unwrap(), Pruned::default());
        assert_eq!(
            crate::db::Direct::open_read_only(dir.path().join("r.db"))
                .unwrap()
                .query_row("SELECT count(*) FROM spend_logs", (), |r| r.get::<_, i64>(0))
                .unwrap(),
            4
        );
    }
}
