//! The SQLite store: opening the file (owner lock, pragmas, schema version), a pool of
//! reader connections and one writer connection. Every write in the process goes through
//! `Db::write` (or the spend ledger's batch, which uses the same writer), so SQLite never
//! sees two writers and a write never waits on `SQLITE_BUSY` from this process.
//!
//! This module is the only place that knows the store is SQLite: a PostgreSQL backend for
//! several replicas would be added here.

#![allow(clippy::disallowed_types, clippy::disallowed_methods, clippy::disallowed_macros)] // the one place that may name the engine

mod backup;
pub mod dialect;
mod direct;
mod lock;
pub mod migrate;
mod pieces;
pub mod settings;
mod sql;

pub use crate::params;
pub use backup::{BackupError, backup_to};
pub use direct::Direct;
pub use sql::{
    ColumnIndex, Conn, FromSql, MappedRows, OptionalExtension, Params, ParamsFromIter, Result, Row, Rows, Stmt, ToSql,
    Tx, Value, params_from_iter,
};

use parking_lot::Mutex;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, ErrorCode, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Write transactions that rolled back, in any database of the process: caches of what a
/// transaction wrote (such as the spend names' numbers) start over when it changes.
static ROLLBACKS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many write transactions have rolled back so far (see [`ROLLBACKS`]).
pub fn rollbacks() -> u64 {
    ROLLBACKS.load(std::sync::atomic::Ordering::Acquire)
}

/// Counts a rollback unless disarmed by a commit; a guard, so that a panic counts too.
struct RollbackCount(bool);

impl Drop for RollbackCount {
    fn drop(&mut self) {
        if self.0 {
            ROLLBACKS.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        }
    }
}

#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

/// A handle that does not keep the database open: background threads hold this, so dropping
/// the last `Db` closes the file and releases the owner lock (a second `open` in the same
/// process, as tests do, then succeeds).
#[derive(Clone)]
pub struct WeakDb(std::sync::Weak<Inner>);

impl WeakDb {
    /// The database, unless every `Db` has been dropped.
    pub fn upgrade(&self) -> Option<Db> {
        self.0.upgrade().map(|inner| Db { inner })
    }
}

struct Inner {
    path: PathBuf,
    readers: r2d2::Pool<SqliteConnectionManager>,
    writer: Mutex<Connection>,
    /// Writes accepted but not yet in their tables (see [`Deferred`]).
    deferred: std::sync::OnceLock<Arc<dyn Deferred>>,
    _owner: lock::OwnerLock,
}

/// Why the database cannot be opened; each message tells the operator the fix.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("the directory {0} of the database does not exist: create it, or point --db / DATABASE_PATH elsewhere")]
    NoDirectory(String),
    #[error(
        "the directory {dir} is not writable, so the database {db} cannot be created or locked there ({detail}): fix its permissions, or point --db / DATABASE_PATH elsewhere"
    )]
    DirectoryNotWritable { dir: String, db: String, detail: String },
    #[error(
        "the database file {0} is read-only: make it writable (chmod u+w), or point --db / DATABASE_PATH at a writable copy"
    )]
    ReadOnly(String),
    #[error(
        "{0} is not a SQLite database (or it is damaged or encrypted): point --db / DATABASE_PATH at the right file, or move this one away to start afresh"
    )]
    NotADatabase(String),
    #[error("cannot use the database {db}: {source}")]
    Schema { db: String, source: migrate::MigrateError },
    #[error(transparent)]
    Lock(#[from] lock::LockError),
    #[error("cannot open the database {db}: {detail}")]
    Other { db: String, detail: String },
}

/// A failed database operation, by what the caller can do about it.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("the database disk is full")]
    Full,
    #[error("the database is busy")]
    Busy,
    #[error("the database file is read-only")]
    ReadOnly,
    #[error("a uniqueness or reference rule of the database refused the change: {0}")]
    Constraint(String),
    /// A read that needed a row found none (see [`OptionalExtension::optional`]).
    #[error("the database has no such row")]
    NoRow,
    #[error("database error: {0}")]
    Other(String),
}

impl DbError {
    /// A column whose stored value does not decode (say, JSON text that no longer parses).
    pub fn column(index: usize, error: impl std::fmt::Display) -> Self {
        DbError::Other(format!("column {index} holds a value that does not decode: {error}"))
    }
}

impl From<rusqlite::Error> for DbError {
    fn from(error: rusqlite::Error) -> Self {
        if matches!(error, rusqlite::Error::QueryReturnedNoRows) {
            return DbError::NoRow;
        }
        match error.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => DbError::Full,
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => DbError::Busy,
            Some(ErrorCode::ReadOnly) => DbError::ReadOnly,
            Some(ErrorCode::ConstraintViolation) => DbError::Constraint(error.to_string()),
            _ => DbError::Other(error.to_string()),
        }
    }
}

impl From<r2d2::Error> for DbError {
    fn from(error: r2d2::Error) -> Self {
        DbError::Other(error.to_string())
    }
}

/// Read-write without SQLite's per-connection mutex. Each connection is used by one thread
/// at a time (the writer behind its `Mutex`, readers checked out of the pool), so that lock
/// only costs: in serialized mode every `sqlite3_column_*` call takes it, a fifth of the
/// time of a scan such as the usage page's.
fn unshared() -> OpenFlags {
    OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(())
}

impl Db {
    /// Opens (creating if needed) and locks the database, bringing its schema up to date.
    pub fn open(path: &Path) -> Result<(Self, migrate::Applied), OpenError> {
        let shown = path.display().to_string();
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(OpenError::NoDirectory(dir.display().to_string()));
        }
        let owner = lock::acquire(path).map_err(|e| match e {
            lock::LockError::Create { source, .. } if source.kind() == std::io::ErrorKind::PermissionDenied => {
                OpenError::DirectoryNotWritable {
                    dir: dir.display().to_string(),
                    db: shown.clone(),
                    detail: source.to_string(),
                }
            }
            other => OpenError::Lock(other),
        })?;
        if path.exists() && std::fs::OpenOptions::new().write(true).open(path).is_err() {
            return Err(OpenError::ReadOnly(shown));
        }
        let classify = |e: rusqlite::Error| match e.sqlite_error_code() {
            Some(ErrorCode::NotADatabase) => OpenError::NotADatabase(shown.clone()),
            Some(ErrorCode::ReadOnly) => OpenError::ReadOnly(shown.clone()),
            Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => OpenError::DirectoryNotWritable {
                dir: dir.display().to_string(),
                db: shown.clone(),
                detail: e.to_string(),
            },
            _ => OpenError::Other { db: shown.clone(), detail: e.to_string() },
        };
        let mut writer =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_CREATE | unshared()).map_err(&classify)?;
        let mode: String = writer.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).map_err(&classify)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(OpenError::Other { db: shown, detail: format!("cannot switch to WAL mode (got {mode})") });
        }
        configure(&writer).map_err(&classify)?;
        // Every statement of the spend writes stays prepared: past the default 16, the
        // least recently used were parsed again on each batch.
        writer.set_prepared_statement_cache_capacity(64);
        let applied = migrate::migrate_with(&mut writer, migrate::SCHEMA, migrate::UPGRADES).map_err(|e| match e {
            migrate::MigrateError::Sqlite(inner) => classify(inner),
            newer => OpenError::Schema { db: shown.clone(), source: newer },
        })?;
        let manager = SqliteConnectionManager::file(path).with_flags(unshared()).with_init(|c| configure(c));
        let readers = r2d2::Pool::builder()
            .max_size(8)
            .min_idle(Some(1))
            .build(manager)
            .map_err(|e| OpenError::Other { db: shown.clone(), detail: e.to_string() })?;
        let inner = Inner {
            path: path.to_path_buf(),
            readers,
            writer: Mutex::new(writer),
            deferred: Default::default(),
            _owner: owner,
        };
        Ok((Self { inner: Arc::new(inner) }, applied))
    }

    /// A handle for background threads that does not keep the database open.
    pub fn downgrade(&self) -> WeakDb {
        WeakDb(Arc::downgrade(&self.inner))
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs a read on a pooled connection, off the async runtime.
    pub async fn read<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&Conn<'_>) -> Result<T, DbError> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.read_blocking(f))
            .await
            .map_err(|e| DbError::Other(format!("read task failed: {e}")))?
    }

    /// Whether the store answers a query on its schema (the readiness check).
    pub async fn ping(&self) -> Result<(), DbError> {
        self.read(|conn| conn.query_row("SELECT count(*) FROM settings", (), |r| r.get::<_, i64>(0)).map(|_| ())).await
    }

    pub fn read_blocking<T>(&self, f: impl FnOnce(&Conn<'_>) -> Result<T, DbError>) -> Result<T, DbError> {
        if self.inner.deferred.get().is_some_and(|d| d.pending())
            && let Err(e) = self.write_blocking(|_| Ok::<_, DbError>(()))
        {
            // A read still answers (from what is folded) when folding fails, e.g. on a full disk.
            tracing::warn!(error = %e, "could not fold deferred writes before a read");
        }
        let conn = self.inner.readers.get()?;
        f(&Conn::new(&conn))
    }

    /// Runs `f` in one immediate transaction on the writer connection, off the runtime.
    /// The transaction commits when `f` returns `Ok` and rolls back otherwise.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&Tx<'_>) -> Result<T, E> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.write_blocking(f))
            .await
            .map_err(|e| E::from(DbError::Other(format!("write task failed: {e}"))))?
    }

    pub fn write_blocking<T, E>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T, E>) -> Result<T, E>
    where
        E: From<DbError>,
    {
        self.write_then_blocking(f, |_| {})
    }

    /// Like `write`, and runs `then` after the commit while still holding the writer, so
    /// in-memory tables are updated in exactly the order the database saw the changes.
    /// `then` must be quick and must not touch the database.
    pub async fn write_then<T, E, F, A>(&self, f: F, then: A) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&Tx<'_>) -> Result<T, E> + Send + 'static,
        A: FnOnce(&T) + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.write_then_blocking(f, then))
            .await
            .map_err(|e| E::from(DbError::Other(format!("write task failed: {e}"))))?
    }

    pub fn write_then_blocking<T, E>(
        &self,
        f: impl FnOnce(&Tx<'_>) -> Result<T, E>,
        then: impl FnOnce(&T),
    ) -> Result<T, E>
    where
        E: From<DbError>,
    {
        self.transact(true, f, then)
    }

    /// A write that leaves deferred writes where they are: only for the deferring itself
    /// (the spend journal's append), which must stay cheap.
    pub fn write_deferred_then_blocking<T, E>(
        &self,
        f: impl FnOnce(&Tx<'_>) -> Result<T, E>,
        then: impl FnOnce(&T),
    ) -> Result<T, E>
    where
        E: From<DbError>,
    {
        self.transact(false, f, then)
    }

    fn transact<T, E>(&self, fold: bool, f: impl FnOnce(&Tx<'_>) -> Result<T, E>, then: impl FnOnce(&T)) -> Result<T, E>
    where
        E: From<DbError>,
    {
        let conn = self.inner.writer.lock();
        let tx = WriteTx::begin(&conn).map_err(|e| E::from(e.into()))?;
        // Declared after `tx`, so dropped before it: counted before the writer is let go.
        let mut rollback = RollbackCount(true);
        let deferred = self.inner.deferred.get().filter(|d| fold && d.pending());
        let result = match deferred {
            Some(deferred) => deferred.fold(&Tx::new(tx.conn)).map_err(E::from).and_then(|()| f(&Tx::new(tx.conn))),
            None => f(&Tx::new(tx.conn)),
        };
        let committed = result.and_then(|value| tx.commit().map(|()| value).map_err(|e| E::from(e.into())));
        rollback.0 = committed.is_err();
        let value = committed?;
        // Still holding the writer, so no append comes between the commit and this; a
        // reader that saw `pending` until now waits for the writer and then sees the fold.
        if let Some(deferred) = deferred {
            deferred.folded();
        }
        then(&value);
        Ok(value)
    }

    /// Registers the writes this database defers; every other write (and every read)
    /// folds them into their tables first, so nobody sees the database without them.
    pub fn defer(&self, deferred: Arc<dyn Deferred>) {
        let _ = self.inner.deferred.set(deferred);
    }

    /// Stops the writer's own checkpoints (the caller runs them from now on, see
    /// [`Db::checkpoint_passive`]) and keeps the WAL file at most `wal_bytes` after one.
    pub fn take_over_checkpoints(&self, wal_bytes: i64) -> Result<(), DbError> {
        let conn = self.inner.writer.lock();
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        conn.pragma_update(None, "journal_size_limit", wal_bytes)?;
        Ok(())
    }

    /// A passive checkpoint from a reader connection: copies what it can of the WAL into
    /// the file without taking the writer (and without folding deferred writes, which a
    /// checkpoint does not need). Returns the frames in the WAL and those copied.
    pub fn checkpoint_passive(&self) -> Result<WalFrames, DbError> {
        let conn = self.inner.readers.get()?;
        let frames = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
            Ok(WalFrames { log: row.get(1)?, copied: row.get(2)? })
        })?;
        Ok(frames)
    }

    /// Copies the rest of the WAL while holding the writer, so that the next write starts
    /// the WAL again from its beginning instead of making it longer. Meant right after
    /// [`Db::checkpoint_passive`], which leaves little to copy: the writer is held for the
    /// frames committed since, and the two syncs of a checkpoint.
    pub fn checkpoint_rest(&self) -> Result<WalFrames, DbError> {
        let conn = self.inner.writer.lock();
        let frames = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
            Ok(WalFrames { log: row.get(1)?, copied: row.get(2)? })
        })?;
        Ok(frames)
    }

    /// Folds deferred writes and checkpoints the WAL into the main file (on shutdown, so
    /// the `.db` alone is complete).
    pub fn checkpoint(&self) -> Result<(), DbError> {
        self.write_blocking(|_| Ok::<_, DbError>(()))?;
        let conn = self.inner.writer.lock();
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }
}

/// What a checkpoint found: frames in the WAL, and how many of them are in the file now.
#[derive(Debug, Clone, Copy)]
pub struct WalFrames {
    pub log: i64,
    pub copied: i64,
}

/// The writer's transaction, begun and ended by statements kept prepared: rusqlite's
/// `Transaction` parses `BEGIN IMMEDIATE` and `COMMIT` anew each time, about 3,400
/// instructions of the 115,000 a relayed request takes. Rolls back when dropped without a
/// commit (an error, a failed commit, a panic).
struct WriteTx<'c> {
    conn: &'c Connection,
    open: bool,
}

impl<'c> WriteTx<'c> {
    fn begin(conn: &'c Connection) -> rusqlite::Result<Self> {
        conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
        Ok(WriteTx { conn, open: true })
    }

    fn commit(mut self) -> rusqlite::Result<()> {
        self.conn.prepare_cached("COMMIT")?.execute([])?;
        self.open = false;
        Ok(())
    }
}

impl Drop for WriteTx<'_> {
    fn drop(&mut self) {
        if self.open && !self.conn.is_autocommit() {
            // Nothing to tell anyone: the caller has its error already, and a connection
            // that cannot even roll back fails its next BEGIN with a clear one.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// Writes accepted durably in a cheap form (an append) and folded into their real tables
/// later, in bulk. The spend journal is the one such write: a model request must not
/// wait for a dozen b-tree pages per row.
pub trait Deferred: Send + Sync {
    /// Whether anything waits to be folded (cheap: asked before every read and write).
    fn pending(&self) -> bool;
    /// Folds everything pending inside the writer's transaction.
    fn fold(&self, tx: &Tx<'_>) -> Result<(), DbError>;
    /// The transaction that folded has committed: nothing is pending.
    fn folded(&self);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(db: &Db) -> Vec<String> {
        db.read_blocking(|c| {
            c.prepare("SELECT name FROM settings ORDER BY name")?.query_map((), |r| r.get(0))?.collect()
        })
        .unwrap()
    }

    fn put(tx: &Tx<'_>, name: &str) -> Result<usize, DbError> {
        tx.execute("INSERT INTO settings (name, value, updated_at) VALUES (?1, 'v', '')", [name])
    }

    #[test]
    fn a_write_commits_on_ok_and_rolls_back_on_an_error_or_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = Db::open(&dir.path().join("w.db")).unwrap();
        let before = names(&db);
        db.write_blocking(|tx| put(tx, "kept")).unwrap();
        let before_rollbacks = rollbacks();
        let failed = db.write_blocking(|tx| {
            put(tx, "undone")?;
            Err::<(), _>(DbError::Other("refused".into()))
        });
        assert!(failed.is_err());
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            db.write_blocking(|tx| -> Result<(), DbError> {
                put(tx, "panicked")?;
                panic!("in the middle of a write")
            })
        }));
        assert!(panicked.is_err());
        assert!(rollbacks() >= before_rollbacks + 2);
        // A failing commit's statement (a broken constraint) leaves no transaction open either.
        assert!(db.write_blocking(|tx| put(tx, "kept")).is_err());
        db.write_blocking(|tx| put(tx, "after")).unwrap();
        let mut expected = before;
        expected.extend(["after".to_string(), "kept".to_string()]);
        expected.sort();
        assert_eq!(names(&db), expected);
    }
}
