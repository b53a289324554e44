//! The in-memory team table (id -> team with its members), loaded at start and updated by
//! every write.

use super::record::{Membership, TeamRecord};
use crate::db::{Db, DbError};
use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Default)]
pub struct TeamCache {
    by_id: RwLock<HashMap<String, Arc<TeamRecord>>>,
}

impl TeamCache {
    pub fn load(db: &Db) -> Result<Self, DbError> {
        let teams = db.read_blocking(super::store::all)?;
        let map = teams.into_iter().map(|team| (team.team_id.clone(), Arc::new(team))).collect();
        Ok(Self { by_id: RwLock::new(map) })
    }

    pub fn get(&self, team_id: &str) -> Option<Arc<TeamRecord>> {
        self.by_id.read().get(team_id).cloned()
    }

    pub fn put(&self, record: TeamRecord) {
        self.by_id.write().insert(record.team_id.clone(), Arc::new(record));
    }

    pub fn remove(&self, team_id: &str) {
        self.by_id.write().remove(team_id);
    }

    pub fn all(&self) -> Vec<Arc<TeamRecord>> {
        self.by_id.read().values().cloned().collect()
    }

    /// Teams the user belongs to, with the user's membership in each.
    pub fn of_user(&self, user_id: &str) -> Vec<(Arc<TeamRecord>, Membership)> {
        self.by_id.read().values().filter_map(|t| t.member(user_id).map(|m| (t.clone(), m.clone()))).collect()
    }
}
