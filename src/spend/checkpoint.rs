//! WAL checkpoints off the request path. SQLite's automatic checkpoint runs inside the
//! commit that crosses the threshold and ends with an fsync of the database file; with the
//! ledger committing on request tasks, that stalled a request for tens of milliseconds
//! every few hundred commits. So the writer's automatic checkpoint is turned off and this
//! thread checkpoints (PASSIVE: it never blocks the writer) from a reader connection.
//! Commits stay durable against a crash without it: they are in the WAL.
//!
//! A passive checkpoint never catches up with a writer that never pauses, and SQLite only
//! starts the WAL again from its beginning after a checkpoint that did: under steady load
//! the WAL grew by gigabytes. So once it is longer than [`RESTART_FRAMES`], the thread
//! copies what it can without the writer, then takes the writer only to copy the few
//! frames committed meanwhile ([`Db::checkpoint_rest`]); the next commit starts the WAL
//! again. Taking the writer for a whole `RESTART` checkpoint (a copy of everything since
//! the last pass, and a wait for readers) held every request for 15 to 60 ms.

use crate::db::{Db, DbError};
use std::time::Duration;

/// Often enough that each pass copies little (and so holds the disk briefly).
const EVERY: Duration = Duration::from_millis(100);

/// About 64 MB of 4 KiB pages.
const RESTART_FRAMES: i64 = 16_384;

/// Turns off the writer's own checkpoints and starts the checkpoint thread.
pub fn start(db: &Db) -> Result<(), DbError> {
    // After a restart the WAL file is cut back to this size rather than kept at its longest.
    db.take_over_checkpoints(RESTART_FRAMES * 4096)?;
    let weak = db.downgrade();
    std::thread::Builder::new()
        .name("wal-checkpoint".into())
        .spawn(move || {
            loop {
                std::thread::sleep(EVERY);
                // Ends with the database: the thread must not keep the file (and its lock) open.
                let Some(db) = weak.upgrade() else { return };
                let result = match db.checkpoint_passive() {
                    // A second pass right away leaves only what was committed during it.
                    Ok(frames) if frames.log > RESTART_FRAMES => {
                        db.checkpoint_passive().and_then(|_| db.checkpoint_rest()).map(|_| ())
                    }
                    other => other.map(|_| ()),
                };
                if let Err(e) = result {
                    tracing::warn!(error = %e, "WAL checkpoint failed; will retry");
                }
            }
        })
        .map_err(|e| DbError::Other(format!("cannot start the checkpoint thread: {e}")))?;
    Ok(())
}
