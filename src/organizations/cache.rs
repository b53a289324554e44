//! The in-memory organization table (id -> organization with its members), loaded at start
//! and updated by every write. The policy reads members' roles here and admission reads
//! the budget of a team's organization, so neither touches SQLite.

use super::record::{OrgMembership, OrgRecord, OrgRole};
use crate::db::{Db, DbError};
use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Default)]
pub struct OrgCache {
    by_id: RwLock<HashMap<String, Arc<OrgRecord>>>,
}

impl OrgCache {
    pub fn load(db: &Db) -> Result<Self, DbError> {
        let orgs = db.read_blocking(super::store::load_all)?;
        let map = orgs.into_iter().map(|o| (o.organization_id.clone(), Arc::new(o))).collect();
        Ok(Self { by_id: RwLock::new(map) })
    }

    pub fn get(&self, organization_id: &str) -> Option<Arc<OrgRecord>> {
        self.by_id.read().get(organization_id).cloned()
    }

    pub fn put(&self, record: OrgRecord) {
        self.by_id.write().insert(record.organization_id.clone(), Arc::new(record));
    }

    pub fn remove(&self, organization_id: &str) {
        self.by_id.write().remove(organization_id);
    }

    pub fn all(&self) -> Vec<Arc<OrgRecord>> {
        self.by_id.read().values().cloned().collect()
    }

    /// The user's role in the organization, if a member.
    pub fn role_of(&self, organization_id: &str, user_id: &str) -> Option<OrgRole> {
        self.by_id.read().get(organization_id).and_then(|o| o.member(user_id).map(|m| m.user_role))
    }

    /// The organizations the user belongs to, with the user's membership in each.
    pub fn of_user(&self, user_id: &str) -> Vec<(Arc<OrgRecord>, OrgMembership)> {
        self.by_id.read().values().filter_map(|o| o.member(user_id).map(|m| (o.clone(), m.clone()))).collect()
    }

    /// Drops a deleted user's memberships (the database cascades the rows), so that a
    /// later user with the same id inherits nothing.
    pub fn forget_user(&self, user_id: &str) {
        let mut map = self.by_id.write();
        for org in map.values_mut() {
            if org.member(user_id).is_some() {
                Arc::make_mut(org).members.retain(|m| m.user_id != user_id);
            }
        }
    }
}
