//! The in-memory user table (id -> record), loaded at start and updated by every write.

use super::record::UserRecord;
use crate::db::{Db, DbError};
use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Default)]
pub struct UserCache {
    by_id: RwLock<HashMap<String, Arc<UserRecord>>>,
}

impl UserCache {
    pub fn load(db: &Db) -> Result<Self, DbError> {
        let rows = db.read_blocking(super::store::all)?;
        let map = rows.into_iter().map(|r| (r.user_id.clone(), Arc::new(r))).collect();
        Ok(Self { by_id: RwLock::new(map) })
    }

    pub fn get(&self, user_id: &str) -> Option<Arc<UserRecord>> {
        self.by_id.read().get(user_id).cloned()
    }

    pub fn by_email(&self, email: &str) -> Option<Arc<UserRecord>> {
        self.by_id
            .read()
            .values()
            .find(|u| u.user_email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(email)))
            .cloned()
    }

    pub fn put(&self, record: UserRecord) {
        self.by_id.write().insert(record.user_id.clone(), Arc::new(record));
    }

    pub fn remove(&self, user_id: &str) {
        self.by_id.write().remove(user_id);
    }

    pub fn all(&self) -> Vec<Arc<UserRecord>> {
        self.by_id.read().values().cloned().collect()
    }
}
