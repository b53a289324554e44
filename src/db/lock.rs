//! One process owns a database file. The owner holds an exclusive lock on `<db>.lock`,
//! which also records its PID so a second `proxy` can say who has it. The operating system
//! drops the lock when the process dies, so a crash never leaves the file locked.

use fs4::fs_std::FileExt;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct OwnerLock {
    _file: File,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("database {db} is in use by process {pid}: stop that proxy first, or use another --db")]
    InUse { db: String, pid: String },
    #[error("cannot create the lock file {path}: {source}")]
    Create { path: String, source: std::io::Error },
}

pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

pub fn acquire(db: &Path) -> Result<OwnerLock, LockError> {
    let path = lock_path(db);
    let create_error = |source| LockError::Create { path: path.display().to_string(), source };
    let mut file =
        OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(create_error)?;
    match file.try_lock_exclusive() {
        Ok(true) => {}
        Ok(false) => {
            let mut pid = String::new();
            let _ = file.read_to_string(&mut pid);
            let pid = pid.trim();
            return Err(LockError::InUse {
                db: db.display().to_string(),
                pid: if pid.is_empty() { "unknown".into() } else { pid.to_string() },
            });
        }
        Err(source) => return Err(create_error(source)),
    }
    file.set_len(0).map_err(create_error)?;
    file.seek(SeekFrom::Start(0)).map_err(create_error)?;
    write!(file, "{}", std::process::id()).map_err(create_error)?;
    file.flush().map_err(create_error)?;
    Ok(OwnerLock { _file: file })
}
