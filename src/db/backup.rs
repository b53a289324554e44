//! A consistent copy of a live database with `VACUUM INTO`: it reads one snapshot, so a
//! running proxy keeps serving (and writing) while the copy is made. The same function
//! serves `proxy backup FILE` and the UI's download button.

use rusqlite::{Connection, OpenFlags};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("the database {0} does not exist: nothing to back up (check --db / DATABASE_PATH)")]
    NoSource(String),
    #[error("{0} already exists: choose a new file name, backups never overwrite")]
    TargetExists(String),
    #[error("cannot back up {source_db} to {target}: {detail}")]
    Failed { source_db: String, target: String, detail: String },
}

/// Copies `source` into the new file `target`; returns the size of the copy in bytes.
pub fn backup_to(source: &Path, target: &Path) -> Result<u64, BackupError> {
    if !source.exists() {
        return Err(BackupError::NoSource(source.display().to_string()));
    }
    if target.exists() {
        return Err(BackupError::TargetExists(target.display().to_string()));
    }
    let failed = |detail: String| BackupError::Failed {
        source_db: source.display().to_string(),
        target: target.display().to_string(),
        detail,
    };
    let conn =
        Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(|e| failed(e.to_string()))?;
    conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(|e| failed(e.to_string()))?;
    let target_text = target.to_str().ok_or_else(|| failed("the target path is not valid UTF-8".into()))?;
    conn.execute("VACUUM INTO ?1", [target_text]).map_err(|e| failed(e.to_string()))?;
    std::fs::metadata(target).map(|m| m.len()).map_err(|e| failed(e.to_string()))
}
