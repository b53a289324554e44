//! A user as stored (`users` table) and held in memory. The password hash is kept out of
//! every serialisation.

use crate::auth::Role;
use crate::db::Row;
use crate::keys::{json_column, list_column};
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UserRecord {
    pub user_id: String,
    pub user_email: Option<String>,
    pub user_alias: Option<String>,
    pub user_role: Role,
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub password_reset_required: bool,
    pub sso_user_id: Option<String>,
    pub max_budget: Option<f64>,
    pub spend: f64,
    pub budget_duration: Option<String>,
    pub budget_reset_at: Option<String>,
    pub models: Vec<String>,
    pub tpm_limit: Option<i64>,
    pub rpm_limit: Option<i64>,
    pub max_parallel_requests: Option<i64>,
    pub metadata: Value,
    #[serde(skip)]
    pub session_epoch: i64,
    pub created_at: String,
    pub updated_at: String,
    /// A blocked user cannot sign in, has no sessions, and their keys are refused.
    pub blocked: bool,
}

pub const COLUMNS: &str = "user_id, user_email, user_alias, user_role, password, password_reset_required, sso_user_id, \
     max_budget, spend, budget_duration, budget_reset_at, models, tpm_limit, rpm_limit, max_parallel_requests, \
     metadata, session_epoch, created_at, updated_at, blocked";

impl UserRecord {
    pub fn from_row(row: &Row<'_>) -> crate::db::Result<Self> {
        let role: String = row.get(3)?;
        Ok(Self {
            user_id: row.get(0)?,
            user_email: row.get(1)?,
            user_alias: row.get(2)?,
            // A role the code does not know is read as the least privileged one.
            user_role: role.parse().unwrap_or(Role::InternalUserViewer),
            password_hash: row.get(4)?,
            password_reset_required: row.get(5)?,
            sso_user_id: row.get(6)?,
            max_budget: row.get(7)?,
            spend: row.get(8)?,
            budget_duration: row.get(9)?,
            budget_reset_at: row.get(10)?,
            models: list_column(row, 11)?,
            tpm_limit: row.get(12)?,
            rpm_limit: row.get(13)?,
            max_parallel_requests: row.get(14)?,
            metadata: json_column(row, 15)?,
            session_epoch: row.get(16)?,
            created_at: row.get(17)?,
            updated_at: row.get(18)?,
            blocked: row.get(19)?,
        })
    }
}
