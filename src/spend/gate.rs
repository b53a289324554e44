//! Model requests refused while spend cannot be recorded. A request's spend row is
//! committed before its answer goes out, so on a full disk the request failed with 503,
//! but only after the upstream had answered and been paid. Once a spend commit has failed
//! for lack of space, the gate closes: model requests are refused before the upstream call
//! until a commit succeeds again.
//!
//! It opens by itself once space is freed: while it is closed, a request first tries a
//! small probe write (one at a time, at most one per [`PROBE_EVERY`]); when the probe
//! commits, the gate opens and that request goes on. Any spend commit that succeeds opens
//! it too.

use crate::db::{Db, DbError};
use crate::error::ApiError;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How often a closed gate lets a request try the disk again.
pub const PROBE_EVERY: Duration = Duration::from_millis(200);

#[derive(Default)]
pub struct Gate {
    full: AtomicBool,
    /// When the disk was last tried; held while a probe runs, so only one runs.
    last_try: Mutex<Option<Instant>>,
}

impl Gate {
    /// A spend commit failed: on a full disk the gate closes.
    pub fn commit_failed(&self, error: &DbError) {
        if !matches!(error, DbError::Full) {
            return;
        }
        *self.last_try.lock() = Some(Instant::now());
        if !self.full.swap(true, Ordering::AcqRel) {
            tracing::error!(
                "the database disk is full: model requests are refused before any upstream call until spend can be recorded again"
            );
        }
    }

    /// A spend commit succeeded.
    pub fn committed(&self) {
        if self.full.load(Ordering::Acquire) && self.full.swap(false, Ordering::AcqRel) {
            tracing::info!("spend is recorded again: model requests are served");
        }
    }

    /// Whether a model request may go on: yes while spend commits; while the disk is full,
    /// only once `probe` (a write like a spend commit) succeeds.
    pub fn admit(&self, probe: impl FnOnce() -> Result<(), DbError>) -> Result<(), ApiError> {
        self.admit_at(Instant::now(), probe)
    }

    fn admit_at(&self, now: Instant, probe: impl FnOnce() -> Result<(), DbError>) -> Result<(), ApiError> {
        if !self.full.load(Ordering::Acquire) {
            return Ok(());
        }
        // Someone else is probing: their answer will do for the next request.
        let Some(mut last_try) = self.last_try.try_lock() else { return Err(refusal()) };
        if last_try.is_some_and(|at| now.saturating_duration_since(at) < PROBE_EVERY) {
            return Err(refusal());
        }
        *last_try = Some(now);
        match probe() {
            Ok(()) => {
                drop(last_try);
                self.committed();
                Ok(())
            }
            Err(error) => {
                tracing::debug!(error = %error, "the disk-full probe failed; model requests are still refused");
                Err(refusal())
            }
        }
    }
}

fn refusal() -> ApiError {
    ApiError::StoreUnavailable(
        "The proxy's database disk is full, so the cost of a model request cannot be recorded: model requests are refused (no upstream call was made) until there is space again. Free disk space on the proxy's machine.".into(),
    )
}

/// A write about the size of a lone request's spend commit (a journal entry), rolled back
/// within the commit: it needs the space a spend row would.
pub fn probe(db: &Db) -> Result<(), DbError> {
    db.write_deferred_then_blocking(
        |tx| {
            let entry = format!("[{}]", " ".repeat(2046));
            let id: i64 =
                tx.query_row("INSERT INTO spend_journal (rows) VALUES (?1) RETURNING id", [&entry], |r| r.get(0))?;
            tx.execute("DELETE FROM spend_journal WHERE id = ?1", [id])?;
            Ok::<_, DbError>(())
        },
        |_| {},
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn closes_on_a_full_disk_probes_now_and_then_and_opens_when_a_write_commits() {
        let gate = Gate::default();
        let probes = Cell::new(0);
        let failing = || {
            probes.set(probes.get() + 1);
            Err(DbError::Full)
        };
        assert!(gate.admit(failing).is_ok(), "open: no probe");
        gate.commit_failed(&DbError::Busy);
        assert!(gate.admit(failing).is_ok(), "only a full disk closes it");
        assert_eq!(probes.get(), 0);

        gate.commit_failed(&DbError::Full);
        let closed_at = Instant::now();
        let error = gate.admit_at(closed_at, failing).unwrap_err();
        assert_eq!(error.status().as_u16(), 503);
        assert!(error.message().contains("disk is full"), "{}", error.message());
        assert_eq!(probes.get(), 0, "no probe right after the failure");
        let later = closed_at + PROBE_EVERY;
        assert!(gate.admit_at(later, failing).is_err());
        assert_eq!(probes.get(), 1);
        assert!(gate.admit_at(later, failing).is_err());
        assert_eq!(probes.get(), 1, "one probe per interval");
        assert!(gate.admit_at(later + PROBE_EVERY, || Ok(())).is_ok(), "space again");
        assert!(gate.admit(failing).is_ok());
        assert_eq!(probes.get(), 1);

        gate.commit_failed(&DbError::Full);
        gate.committed();
        assert!(gate.admit(failing).is_ok(), "a spend commit opens it too");
    }

    #[test]
    fn the_probe_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = Db::open(&dir.path().join("p.db")).unwrap();
        probe(&db).unwrap();
        let left: i64 =
            db.read_blocking(|c| c.query_row("SELECT count(*) FROM spend_journal", (), |r| r.get(0))).unwrap();
        assert_eq!(left, 0);
    }
}
