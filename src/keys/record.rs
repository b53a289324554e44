//! A virtual key as stored (`keys` table) and held in memory. The clear key never appears
//! here: `token` is its SHA-256 hex.

use crate::db::Row;
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KeyRecord {
    pub token: String,
    pub key_name: String,
    pub key_alias: Option<String>,
    pub spend: f64,
    pub expires: Option<String>,
    pub models: Vec<String>,
    pub aliases: Value,
    pub config: Value,
    pub user_id: Option<String>,
    pub team_id: Option<String>,
    pub permissions: Value,
    pub max_parallel_requests: Option<i64>,
    pub metadata: Value,
    pub blocked: bool,
    pub tpm_limit: Option<i64>,
    pub rpm_limit: Option<i64>,
    pub max_budget: Option<f64>,
    pub soft_budget: Option<f64>,
    pub budget_duration: Option<String>,
    pub budget_reset_at: Option<String>,
    pub allowed_routes: Vec<String>,
    pub is_session_key: bool,
    pub created_at: String,
    pub created_by: Option<String>,
    pub updated_at: String,
    pub updated_by: Option<String>,
    pub last_active: Option<String>,
    /// A budget object whose max budget, limits and period the key takes unless it sets
    /// its own (see `budgets::effective`).
    pub budget_id: Option<String>,
}

/// The column list matching `KeyRecord::from_row`.
pub const COLUMNS: &str = "token, key_name, key_alias, spend, expires, models, aliases, config, user_id, team_id, \
     permissions, max_parallel_requests, metadata, blocked, tpm_limit, rpm_limit, max_budget, soft_budget, \
     budget_duration, budget_reset_at, allowed_routes, is_session_key, created_at, created_by, updated_at, \
     updated_by, last_active, budget_id";

pub fn json_column(row: &Row<'_>, index: usize) -> crate::db::Result<Value> {
    let text: String = row.get(index)?;
    serde_json::from_str(&text).map_err(|e| crate::db::DbError::column(index, e))
}

pub fn list_column(row: &Row<'_>, index: usize) -> crate::db::Result<Vec<String>> {
    let text: String = row.get(index)?;
    serde_json::from_str(&text).map_err(|e| crate::db::DbError::column(index, e))
}

impl KeyRecord {
    /// A new key for the clear secret `clear`, with nothing set.
    pub fn new(clear: &str, now: &str, by: Option<String>) -> KeyRecord {
        KeyRecord {
            token: super::hash_key(clear),
            key_name: super::view::key_name(clear),
            key_alias: None,
            spend: 0.0,
            expires: None,
            models: Vec::new(),
            aliases: serde_json::json!({}),
            config: serde_json::json!({}),
            user_id: None,
            team_id: None,
            permissions: serde_json::json!({}),
            max_parallel_requests: None,
            metadata: serde_json::json!({}),
            blocked: false,
            tpm_limit: None,
            rpm_limit: None,
            max_budget: None,
            soft_budget: None,
            budget_duration: None,
            budget_reset_at: None,
            allowed_routes: Vec::new(),
            is_session_key: false,
            created_at: now.to_string(),
            created_by: by.clone(),
            updated_at: now.to_string(),
            updated_by: by,
            last_active: None,
            budget_id: None,
        }
    }

    pub fn from_row(row: &Row<'_>) -> crate::db::Result<Self> {
        Ok(Self {
            token: row.get(0)?,
            key_name: row.get(1)?,
            key_alias: row.get(2)?,
            spend: row.get(3)?,
            expires: row.get(4)?,
            models: list_column(row, 5)?,
            aliases: json_column(row, 6)?,
            config: json_column(row, 7)?,
            user_id: row.get(8)?,
            team_id: row.get(9)?,
            permissions: json_column(row, 10)?,
            max_parallel_requests: row.get(11)?,
            metadata: json_column(row, 12)?,
            blocked: row.get(13)?,
            tpm_limit: row.get(14)?,
            rpm_limit: row.get(15)?,
            max_budget: row.get(16)?,
            soft_budget: row.get(17)?,
            budget_duration: row.get(18)?,
            budget_reset_at: row.get(19)?,
            allowed_routes: list_column(row, 20)?,
            is_session_key: row.get(21)?,
            created_at: row.get(22)?,
            created_by: row.get(23)?,
            updated_at: row.get(24)?,
            updated_by: row.get(25)?,
            last_active: row.get(26)?,
            budget_id: row.get(27)?,
        })
    }
}
