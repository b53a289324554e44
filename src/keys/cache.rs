//! The in-memory key table the hot path reads: key hash -> record. It is loaded once at
//! start and updated by every write this process makes (the only writer), synchronously,
//! so a deleted or blocked key fails on the very next request. It also holds the old
//! hashes of regenerated keys that keep working for a grace period (`deprecated_keys`).

use super::record::KeyRecord;
use crate::db::{Db, DbError};
use chrono::{DateTime, Utc};
use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Default)]
pub struct KeyCache {
    by_hash: RwLock<HashMap<String, Arc<KeyRecord>>>,
    /// Old hash -> (the key's current hash, when the old secret stops working).
    deprecated: RwLock<HashMap<String, (String, DateTime<Utc>)>>,
}

impl KeyCache {
    pub fn load(db: &Db) -> Result<Self, DbError> {
        let rows = db.read_blocking(super::store::all)?;
        let map = rows.into_iter().map(|r| (r.token.clone(), Arc::new(r))).collect();
        let deprecated = db.read_blocking(super::store::deprecated)?;
        let deprecated = deprecated
            .into_iter()
            .filter_map(|(old, new, at)| crate::time::parse(&at).map(|at| (old, (new, at))))
            .collect();
        Ok(Self { by_hash: RwLock::new(map), deprecated: RwLock::new(deprecated) })
    }

    /// The key a presented hash stands for: the key itself, or the successor of a
    /// regenerated key while its grace period lasts.
    pub fn resolve(&self, hash: &str, now: DateTime<Utc>) -> Option<Arc<KeyRecord>> {
        if let Some(key) = self.get(hash) {
            return Some(key);
        }
        let successor = self.deprecated.read().get(hash).filter(|(_, until)| *until > now).map(|(t, _)| t.clone())?;
        self.get(&successor)
    }

    /// Records that `old` keeps working as `new` until `until`; earlier secrets of the
    /// same key that still work now point at `new` too.
    pub fn deprecate(&self, old: &str, new: &str, until: Option<DateTime<Utc>>) {
        let mut map = self.deprecated.write();
        for (successor, _) in map.values_mut() {
            if successor == old {
                *successor = new.to_string();
            }
        }
        if let Some(until) = until {
            map.insert(old.to_string(), (new.to_string(), until));
        }
    }

    /// Forgets the grace periods of a deleted key.
    pub fn forget_deprecated(&self, token: &str) {
        self.deprecated.write().retain(|_, (successor, _)| successor != token);
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
