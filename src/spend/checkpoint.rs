//! WAL checkpoints off the request path. SQLite's automatic checkpoint runs inside the
//! commit that crosses the threshold and ends with an fsync of the database file; with the
//! ledger committing on request tasks, that stalled a request for tens of milliseconds
//! every few hundred commits. So the writer's automatic checkpoint is turned off and this
//! thread checkpoints (PASSIVE: it never blocks the writer) from a reader connection.
//! Commits stay durable against a crash without it: they are in the WAL. The thread holds
//! only a weak handle and ends once the database is dropped, so it never keeps the file
//! (and its owner lock) open.

use crate::db::{Db, DbError};
use std::time::Duration;

const EVERY: Duration = Duration::from_millis(500);

/// Turns off the writer's own checkpoints and starts the checkpoint thread.
pub fn start(db: &Db) -> Result<(), DbError> {
    db.write_blocking(|tx| tx.pragma_update(None, "wal_autocheckpoint", 0).map_err(DbError::from))?;
    let db = db.downgrade();
    std::thread::Builder::new()
        .name("wal-checkpoint".into())
        .spawn(move || {
            loop {
                std::thread::sleep(EVERY);
                let Some(db) = db.upgrade() else { return };
                let result = db.read_blocking(|conn| conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())));
                if let Err(e) = result {
                    tracing::warn!(error = %e, "WAL checkpoint failed; will retry");
                }
            }
        })
        .map_err(|e| DbError::Other(format!("cannot start the checkpoint thread: {e}")))?;
    Ok(())
}
