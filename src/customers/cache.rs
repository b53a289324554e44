//! The in-memory customer table (id -> customer), loaded at start and updated by every
//! write, the ledger's spend included: admission reads a customer from here, never from
//! the database.

use super::record::CustomerRecord;
use crate::db::{Db, DbError};
use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Default)]
pub struct CustomerCache {
    by_id: RwLock<HashMap<String, Arc<CustomerRecord>>>,
}

impl CustomerCache {
    pub fn load(db: &Db) -> Result<Self, DbError> {
        let customers = db.read_blocking(super::store::all)?;
        let map = customers.into_iter().map(|c| (c.user_id.clone(), Arc::new(c))).collect();
        Ok(Self { by_id: RwLock::new(map) })
    }

    pub fn get(&self, user_id: &str) -> Option<Arc<CustomerRecord>> {
        self.by_id.read().get(user_id).cloned()
    }

    pub fn put(&self, customer: CustomerRecord) {
        self.by_id.write().insert(customer.user_id.clone(), Arc::new(customer));
    }

    pub fn remove(&self, user_id: &str) {
        self.by_id.write().remove(user_id);
    }

    pub fn all(&self) -> Vec<Arc<CustomerRecord>> {
        self.by_id.read().values().cloned().collect()
    }

    /// Adds committed spend (creating the entry of an id first seen in a request, as the
    /// store does).
    pub fn add_spend(&self, user_id: &str, delta: f64) {
        let mut map = self.by_id.write();
        let entry = map.entry(user_id.to_string()).or_insert_with(|| Arc::new(CustomerRecord::blank(user_id)));
        Arc::make_mut(entry).spend += delta;
    }

    /// Sets the spend of every customer on `budget_id` back to 0 (its period ended).
    pub fn reset_budget(&self, budget_id: &str) {
        let mut map = self.by_id.write();
        for customer in map.values_mut().filter(|c| c.budget_id.as_deref() == Some(budget_id)) {
            Arc::make_mut(customer).spend = 0.0;
        }
    }
}
