//! A customer as stored (`end_users`) and held in memory.

use crate::db::Row;
use crate::keys::list_column;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CustomerRecord {
    pub user_id: String,
    pub alias: Option<String>,
    pub spend: f64,
    /// `eu` or `us`: the customer's requests go only to deployments of that region.
    pub allowed_model_region: Option<String>,
    pub default_model: Option<String>,
    pub budget_id: Option<String>,
    pub blocked: bool,
    /// The models the customer may use (empty: any the caller may).
    pub models: Vec<String>,
}

pub const COLUMNS: &str = "user_id, alias, spend, allowed_model_region, default_model, budget_id, blocked, models";

impl CustomerRecord {
    pub fn from_row(row: &Row<'_>) -> crate::db::Result<Self> {
        Ok(Self {
            user_id: row.get(0)?,
            alias: row.get(1)?,
            spend: row.get(2)?,
            allowed_model_region: row.get(3)?,
            default_model: row.get(4)?,
            budget_id: row.get(5)?,
            blocked: row.get(6)?,
            models: list_column(row, 7)?,
        })
    }

    /// A customer with nothing set: what the first spend of an unknown id creates.
    pub fn blank(user_id: &str) -> Self {
        Self {
            user_id: user_id.to_string(),
            alias: None,
            spend: 0.0,
            allowed_model_region: None,
            default_model: None,
            budget_id: None,
            blocked: false,
            models: Vec::new(),
        }
    }
}
