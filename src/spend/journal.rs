//! The spend journal. A request alone in the proxy commits its spend row here, as one JSON
//! row of `spend_journal` (a page or two of WAL), instead of into `spend_rows`, its
//! indexes, the running spend of key, user and team and the daily and weekly sums (a dozen
//! pages, worth it only for the many rows the ledger's writer thread commits under load).
//! The appended rows are as durable as the rest: they are in the same database, committed
//! before the answer goes out.
//!
//! They are folded into those tables in bulk: by the fold thread, a few entries at a time
//! every [`FOLD_EVERY`], and by any other write or read first (see `db::Deferred`), so no
//! report, info route, reset or backup ever sees the tables without them, and the order of
//! writes is kept: a budget reset folds the rows before it, rows after it come after. The
//! in-memory spend (admission's view) is raised at append time, as before. The fold thread
//! takes at most [`FOLD_CHUNK`] entries per transaction because a lone request's commit
//! waits for the writer: folding 50 ms of rows at once held it for 4 to 7 ms, which was
//! the p99 of a lone client (bench/run.sh).
//!
//! A fold is idempotent by its transaction, not by ignoring known ids: it inserts the rows
//! and deletes their journal entries in one commit, so a crash or a failed fold leaves
//! both as they were and the next fold does it once. Each row's id is the server's own
//! (`SpendRow::request_id`); a duplicate fails the fold, as the bug it would be.

use super::ledger::Deltas;
use super::row::SpendRow;
use crate::db::{Db, DbError, Deferred};
use crate::db::{Tx, params};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How often the fold thread folds.
const FOLD_EVERY: Duration = Duration::from_millis(5);

/// The most journal entries (one per lone commit) one fold-thread transaction takes: about
/// a fifth of a millisecond of the writer.
const FOLD_CHUNK: i64 = 16;

pub struct Journal {
    /// Rows appended and not yet folded. True at start: a previous run may have left some.
    pending: AtomicBool,
    /// `general_settings.disable_spend_logs`: fold into running spend and `daily_spend`
    /// only.
    write_logs: bool,
    /// The numbers of the names in spend rows.
    names: super::names::Names,
}

impl Journal {
    /// The journal of `db`, registered with it, and its fold thread.
    pub fn start(db: &Db, write_logs: bool) -> Result<Arc<Self>, DbError> {
        let journal = Self::attach(db, write_logs);
        let (weak, folding) = (db.downgrade(), journal.clone());
        std::thread::Builder::new()
            .name("spend-fold".into())
            .spawn(move || {
                let mut failing = false;
                loop {
                    std::thread::sleep(FOLD_EVERY);
                    // Ends with the database: the thread must not keep the file open.
                    let Some(db) = weak.upgrade() else { return };
                    if !folding.pending() {
                        continue;
                    }
                    let folded = db.write_deferred_then_blocking(
                        |tx| folding.fold_some(tx, FOLD_CHUNK),
                        |all| {
                            if *all {
                                folding.folded();
                            }
                        },
                    );
                    match folded.map(|_| ()) {
                        Ok(()) if failing => {
                            failing = false;
                            tracing::info!("the spend journal is folded again");
                        }
                        Ok(()) => {}
                        // Once per failing spell (a full disk fails every 50 ms).
                        Err(e) if !failing => {
                            failing = true;
                            tracing::warn!(error = %e, "could not fold the spend journal; retrying");
                        }
                        Err(_) => {}
                    }
                }
            })
            .map_err(|e| DbError::Other(format!("cannot start the spend fold thread: {e}")))?;
        Ok(journal)
    }

    /// The journal of `db`, without the fold thread.
    fn attach(db: &Db, write_logs: bool) -> Arc<Self> {
        let journal = Arc::new(Self { pending: AtomicBool::new(true), write_logs, names: Default::default() });
        db.defer(journal.clone());
        journal
    }

    /// Where the names of spend rows are numbered, when rows go to `spend_rows` too (not
    /// with `disable_spend_logs`).
    pub fn logs(&self) -> Option<&super::names::Names> {
        self.write_logs.then_some(&self.names)
    }

    /// Appends one batch, inside the ledger's transaction.
    pub fn append(&self, tx: &Tx<'_>, rows: &[&SpendRow]) -> Result<(), DbError> {
        let json = serde_json::to_string(rows).map_err(|e| DbError::Other(format!("a spend row as JSON: {e}")))?;
        tx.prepare_cached("INSERT INTO spend_journal (rows) VALUES (?1)")?.execute(params![json])?;
        self.pending.store(true, Ordering::Release);
        Ok(())
    }
}

impl Journal {
    /// Folds the oldest `limit` entries (all of them when negative); true when none is left.
    fn fold_some(&self, tx: &Tx<'_>, limit: i64) -> Result<bool, DbError> {
        let mut rows: Vec<SpendRow> = Vec::new();
        let (mut entries, mut last) = (0, 0);
        {
            // Two statements, not one `LIMIT ?1` given -1 or a chunk: SQLite prepares a
            // statement again whenever the value bound to its LIMIT changes.
            let mut select = if limit < 0 {
                tx.prepare_cached("SELECT id, rows FROM spend_journal ORDER BY id")?
            } else {
                tx.prepare_cached("SELECT id, rows FROM spend_journal ORDER BY id LIMIT ?1")?
            };
            let mut batches = if limit < 0 { select.query(())? } else { select.query([limit])? };
            while let Some(batch) = batches.next()? {
                let id: i64 = batch.get(0)?;
                let json: String = batch.get(1)?;
                let parsed: Vec<SpendRow> = serde_json::from_str(&json)
                    .map_err(|e| DbError::Other(format!("spend journal entry {id} is unreadable: {e}")))?;
                rows.extend(parsed);
                (entries, last) = (entries + 1, id);
            }
        }
        if entries == 0 {
            return Ok(true);
        }
        let borrowed: Vec<&SpendRow> = rows.iter().collect();
        super::write::write_rows(tx, &borrowed, &Deltas::of(borrowed.iter().copied()), self.logs())?;
        tx.prepare_cached("DELETE FROM spend_journal WHERE id <= ?1")?.execute([last])?;
        Ok(limit < 0 || entries < limit)
    }
}

impl Deferred for Journal {
    fn pending(&self) -> bool {
        self.pending.load(Ordering::Acquire)
    }

    fn fold(&self, tx: &Tx<'_>) -> Result<(), DbError> {
        self.fold_some(tx, -1).map(|_| ())
    }

    fn folded(&self) {
        self.pending.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spend::Charge;

    fn row(id: &str, key: &str, cost: f64) -> SpendRow {
        SpendRow {
            request_id: id.into(),
            client_request_id: None,
            session_id: None,
            call_type: "acompletion".into(),
            api_key: key.into(),
            user: None,
            team_id: None,
            end_user: Some("customer-1".into()),
            model: "m".into(),
            model_id: None,
            model_group: "m".into(),
            provider: "openai".into(),
            api_base: None,
            start: "2026-11-23T10:00:00.000000Z".into(),
            end: "2026-11-23T10:00:01.000000Z".into(),
            prompt_tokens: 3,
            completion_tokens: 4,
            cost,
            status_ok: true,
            first_token: None,
            metadata: serde_json::json!({}),
            charge: Charge { key: Some(key.into()), ..Default::default() },
            tags: Vec::new(),
            payload: None,
        }
    }

    fn count(db: &Db, sql: &str) -> f64 {
        db.read_blocking(|conn| conn.query_row(sql, (), |r| r.get(0))).unwrap()
    }

    #[test]
    fn appended_rows_are_folded_before_any_read_and_after_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.db");
        {
            let (db, _) = Db::open(&path).unwrap();
            // No fold thread: what is folded when is up to this test.
            let journal = Journal::attach(&db, true);
            db.write_blocking(|tx| {
                tx.execute(
                    "INSERT INTO keys (token, key_name, created_at, updated_at) VALUES ('k', 'sk-...k', '', '')",
                    (),
                )?;
                Ok::<_, DbError>(())
            })
            .unwrap();
            let (a, b) = (row("a", "k", 0.5), row("b", "k", 0.25));
            db.write_deferred_then_blocking(|tx| journal.append(tx, &[&a, &b]), |_| {}).unwrap();
            // The read folds first: the rows are in their tables, the journal is empty.
            assert_eq!(count(&db, "SELECT count(*) * 1.0 FROM spend_logs"), 2.0);
            assert_eq!(count(&db, "SELECT spend FROM keys WHERE token = 'k'"), 0.75);
            assert_eq!(count(&db, "SELECT count(*) * 1.0 FROM spend_journal"), 0.0);

            // A write that fails after folding rolls the fold back with it: still pending.
            let c = row("c", "k", 1.0);
            db.write_deferred_then_blocking(|tx| journal.append(tx, &[&c]), |_| {}).unwrap();
            let failed = db.write_blocking(|_| Err::<(), _>(DbError::Other("no".into())));
            assert!(failed.is_err());
            assert!(journal.pending());
            // Left unfolded when the process ends.
            let waiting: i64 = crate::db::Direct::open_read_only(&path)
                .unwrap()
                .query_row("SELECT count(*) FROM spend_journal", (), |r| r.get(0))
                .unwrap();
            assert_eq!(waiting, 1);
        }
        // The next start folds it, once.
        let (db, _) = Db::open(&path).unwrap();
        let _journal = Journal::attach(&db, true);
        assert_eq!(count(&db, "SELECT count(*) * 1.0 FROM spend_logs"), 3.0);
        assert_eq!(count(&db, "SELECT spend FROM keys WHERE token = 'k'"), 1.75);
        assert_eq!(count(&db, "SELECT count(*) * 1.0 FROM spend_logs WHERE end_user = 'customer-1'"), 3.0);
    }

    #[test]
    fn entries_from_before_end_user_still_read() {
        let mut entry = serde_json::to_value(row("old", "k", 0.1)).unwrap();
        entry.as_object_mut().unwrap().remove("end_user");
        let read: SpendRow = serde_json::from_value(entry).unwrap();
        assert_eq!((read.request_id.as_str(), read.end_user), ("old", None));
    }
}
