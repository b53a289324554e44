//! The in-memory budget table (id -> budget), loaded at start and updated by every write:
//! admission reads a customer's budget from here, never from the database.

use super::record::BudgetRecord;
use crate::db::{Db, DbError};
use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Default)]
pub struct BudgetCache {
    by_id: RwLock<HashMap<String, Arc<BudgetRecord>>>,
}

impl BudgetCache {
    pub fn load(db: &Db) -> Result<Self, DbError> {
        let budgets = db.read_blocking(super::store::all)?;
        let map = budgets.into_iter().map(|b| (b.budget_id.clone(), Arc::new(b))).collect();
        Ok(Self { by_id: RwLock::new(map) })
    }

    pub fn get(&self, budget_id: &str) -> Option<Arc<BudgetRecord>> {
        self.by_id.read().get(budget_id).cloned()
    }

    pub fn put(&self, budget: BudgetRecord) {
        self.by_id.write().insert(budget.budget_id.clone(), Arc::new(budget));
    }

    pub fn remove(&self, budget_id: &str) {
        self.by_id.write().remove(budget_id);
    }

    pub fn all(&self) -> Vec<Arc<BudgetRecord>> {
        self.by_id.read().values().cloned().collect()
    }
}
