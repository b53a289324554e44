//! The numbers of the names spend rows repeat (`spend_names`: key hashes, users, teams,
//! models, providers, API bases, call types, statuses, key aliases). A row stores one
//! small integer per name instead of the text, which keeps it and its indexes a fraction
//! of the size (see `spend_rows` in schema.sql).
//!
//! The numbers are cached, since a batch repeats the same few names. A number made in a
//! transaction that then rolls back would name nothing (or, later, another name), so the
//! cache is emptied whenever any write of the process has rolled back since it was last
//! used (`db::rollbacks`): the next batch looks its names up again.

use crate::db::{OptionalExtension, Tx};
use parking_lot::Mutex;
use std::collections::HashMap;

/// More names than this (many end users or key aliases) and the cache starts over.
const MAX_CACHED: usize = 10_000;

#[derive(Default)]
pub struct Names {
    cache: Mutex<Cache>,
}

#[derive(Default)]
struct Cache {
    /// `db::rollbacks()` when the entries were made.
    rollbacks: u64,
    ids: HashMap<String, i64>,
}

/// The names of one batch, looked up once each, inside its transaction.
pub struct Lookup<'a> {
    tx: &'a Tx<'a>,
    cache: parking_lot::MutexGuard<'a, Cache>,
}

impl Names {
    /// Starts the lookups of a batch (holding the cache for the batch: the writer is held
    /// anyway).
    pub fn lookup<'a>(&'a self, tx: &'a Tx<'a>) -> Lookup<'a> {
        let mut cache = self.cache.lock();
        let rollbacks = crate::db::rollbacks();
        if cache.rollbacks != rollbacks || cache.ids.len() > MAX_CACHED {
            cache.ids.clear();
            cache.rollbacks = rollbacks;
        }
        Lookup { tx, cache }
    }
}

impl Lookup<'_> {
    /// The number of `name`, made if new.
    pub fn id(&mut self, name: &str) -> crate::db::Result<i64> {
        if let Some(id) = self.cache.ids.get(name) {
            return Ok(*id);
        }
        let found = self
            .tx
            .prepare_cached("SELECT id FROM spend_names WHERE name = ?1")?
            .query_row([name], |r| r.get(0))
            .optional()?;
        let id = match found {
            Some(id) => id,
            None => {
                self.tx.prepare_cached("INSERT INTO spend_names (name) VALUES (?1)")?.execute([name])?;
                self.tx.last_insert_rowid()
            }
        };
        self.cache.ids.insert(name.to_string(), id);
        Ok(id)
    }

    pub fn optional(&mut self, name: Option<&str>) -> crate::db::Result<Option<i64>> {
        name.map(|n| self.id(n)).transpose()
    }
}
