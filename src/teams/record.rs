//! A team and its members as stored (`teams`, `team_memberships`) and held in memory.

use crate::db::Row;
use crate::keys::{json_column, list_column};
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TeamRole {
    Admin,
    User,
}

impl TeamRole {
    pub fn as_str(self) -> &'static str {
        match self {
            TeamRole::Admin => "admin",
            TeamRole::User => "user",
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Membership {
    pub user_id: String,
    pub team_id: String,
    pub role: TeamRole,
    pub spend: f64,
    pub max_budget_in_team: Option<f64>,
    pub created_at: String,
    /// A budget object whose max budget and limits the member has in the team unless set
    /// here (`max_budget_in_team`).
    pub budget_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TeamRecord {
    pub team_id: String,
    pub team_alias: Option<String>,
    pub max_budget: Option<f64>,
    pub soft_budget: Option<f64>,
    pub spend: f64,
    pub budget_duration: Option<String>,
    pub budget_reset_at: Option<String>,
    pub models: Vec<String>,
    pub tpm_limit: Option<i64>,
    pub rpm_limit: Option<i64>,
    pub max_parallel_requests: Option<i64>,
    pub blocked: bool,
    pub metadata: Value,
    pub team_member_permissions: Option<Vec<String>>,
    pub created_at: String,
    pub updated_at: String,
    /// LiteLLM's legacy `admins` list, kept as given at `/team/new`; no rights follow
    /// from it (those are in `members`).
    pub listed_admins: Vec<String>,
    /// LiteLLM's legacy `members` list, kept as given, like `listed_admins`.
    pub listed_members: Vec<String>,
    /// Members, loaded from `team_memberships`.
    pub members: Vec<Membership>,
    /// The organization the team belongs to, whose budget and models bound the team's.
    pub organization_id: Option<String>,
    /// LiteLLM's team `model_aliases`: alias -> model, applied to the team's keys' requests
    /// after their own `aliases` (a JSON object of strings).
    pub model_aliases: Value,
}

pub const COLUMNS: &str = "team_id, team_alias, max_budget, soft_budget, spend, budget_duration, budget_reset_at, \
     models, tpm_limit, rpm_limit, max_parallel_requests, blocked, metadata, team_member_permissions, created_at, updated_at, admins, members, organization_id, model_aliases";

pub const MEMBER_COLUMNS: &str = "user_id, team_id, role, spend, max_budget_in_team, created_at, budget_id";

impl TeamRecord {
    /// Reads a team row; `members` is filled by the caller.
    pub fn from_row(row: &Row<'_>) -> crate::db::Result<Self> {
        let permissions: Option<String> = row.get(13)?;
        Ok(Self {
            team_id: row.get(0)?,
            team_alias: row.get(1)?,
            max_budget: row.get(2)?,
            soft_budget: row.get(3)?,
            spend: row.get(4)?,
            budget_duration: row.get(5)?,
            budget_reset_at: row.get(6)?,
            models: list_column(row, 7)?,
            tpm_limit: row.get(8)?,
            rpm_limit: row.get(9)?,
            max_parallel_requests: row.get(10)?,
            blocked: row.get(11)?,
            metadata: json_column(row, 12)?,
            team_member_permissions: permissions.and_then(|p| serde_json::from_str(&p).ok()),
            created_at: row.get(14)?,
            updated_at: row.get(15)?,
            listed_admins: list_column(row, 16)?,
            listed_members: list_column(row, 17)?,
            members: Vec::new(),
            organization_id: row.get(18)?,
            model_aliases: json_column(row, 19)?,
        })
    }

    pub fn member(&self, user_id: &str) -> Option<&Membership> {
        self.members.iter().find(|m| m.user_id == user_id)
    }

    /// The model a team alias stands for, if `model` is one.
    pub fn alias_target(&self, model: &str) -> Option<&str> {
        self.model_aliases.get(model).and_then(Value::as_str)
    }
}

impl Membership {
    pub fn from_row(row: &Row<'_>) -> crate::db::Result<Self> {
        let role: String = row.get(2)?;
        Ok(Self {
            user_id: row.get(0)?,
            team_id: row.get(1)?,
            role: if role == "admin" { TeamRole::Admin } else { TeamRole::User },
            spend: row.get(3)?,
            max_budget_in_team: row.get(4)?,
            created_at: row.get(5)?,
            budget_id: row.get(6)?,
        })
    }
}
