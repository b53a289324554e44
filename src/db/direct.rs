//! A plain connection to a store that something else owns: no owner lock, no upgrade, no
//! folding of deferred writes. For tests and tools that seed a store before the proxy
//! starts or look at what it wrote; the proxy itself only ever uses [`super::Db`].

use super::sql::{Conn, Params, Result, Row, Stmt, Tx};
use super::{DbError, migrate};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

pub struct Direct {
    raw: Connection,
}

impl Direct {
    /// Opens the store at `path` (creating an empty file if there is none).
    pub fn open(path: impl AsRef<Path>) -> Result<Direct> {
        let raw = Connection::open(path.as_ref())?;
        raw.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(Direct { raw })
    }

    /// Opens the store at `path` for reading only.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Direct> {
        let raw = Connection::open_with_flags(path.as_ref(), OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        raw.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(Direct { raw })
    }

    /// A new store at `path` with today's schema, as the proxy would make it.
    pub fn create(path: impl AsRef<Path>) -> Result<Direct> {
        let mut raw = Connection::open(path.as_ref())?;
        migrate::migrate_with(&mut raw, migrate::SCHEMA, migrate::UPGRADES).map_err(|e| match e {
            migrate::MigrateError::Sqlite(inner) => DbError::from(inner),
            other => DbError::Other(other.to_string()),
        })?;
        Ok(Direct { raw })
    }

    /// Marks the store as made by schema `version` (a test of a file from a newer proxy).
    pub fn set_schema_version(&self, version: i64) -> Result<()> {
        Ok(self.raw.pragma_update(None, "user_version", version)?)
    }

    /// Runs `f` in one transaction, committed when it returns `Ok`.
    pub fn write<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        let tx = self.raw.unchecked_transaction()?;
        let value = f(&Tx::new(&tx))?;
        tx.commit()?;
        Ok(value)
    }

    pub fn conn(&self) -> Conn<'_> {
        Conn::new(&self.raw)
    }

    pub fn execute(&self, sql: &str, params: impl Params) -> Result<usize> {
        self.conn().execute(sql, params)
    }

    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        self.conn().execute_batch(sql)
    }

    pub fn query_row<T>(&self, sql: &str, params: impl Params, f: impl FnOnce(&Row<'_>) -> Result<T>) -> Result<T> {
        self.conn().query_row(sql, params, f)
    }

    pub fn prepare(&self, sql: &str) -> Result<Stmt<'_>> {
        self.conn().prepare(sql)
    }
}
