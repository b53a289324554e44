//! The in-memory key table the hot path reads: key hash -> record. It is loaded once at
//! start and updated by every write this process makes (the only writer), synchronously,
//! so a deleted or blocked key fails on the very next request.

use super::record::{COLUMNS, KeyRecord};
use crate::db::{Db, DbError};
use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Default)]
pub struct KeyCache {
    by_hash: RwLock<HashMap<String, Arc<KeyRecord>>>,
}

impl KeyCache {
    pub fn load(db: &Db) -> Result<Self, DbError> {
        let rows = db.read_blocking(|conn| {
            let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM keys"))?;
            let rows = stmt.query_map([], KeyRecord::from_row)?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })?;
        let map = rows.into_iter().map(|r| (r.token.clone(), Arc::new(r))).collect();
        Ok(Self { by_hash: RwLock::new(map) })
    }

    pub fn get(&self, hash: &str) -> Option<Arc<KeyRecord>> {
        self.by_hash.read().get(hash).cloned()
    }

    pub fn put(&self, record: KeyRecord) {
        self.by_hash.write().insert(record.token.clone(), Arc::new(record));
    }

    pub fn remove(&self, hash: &str) {
        self.by_hash.write().remove(hash);
    }

    pub fn len(&self) -> usize {
        self.by_hash.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// All records (for lists that filter in memory).
    pub fn all(&self) -> Vec<Arc<KeyRecord>> {
        self.by_hash.read().values().cloned().collect()
    }
}

/// SHA-256 hex of a clear key: how every key is stored and looked up.
pub fn hash_key(clear: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(clear.as_bytes()))
}
