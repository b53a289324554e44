//! An organization and its members as stored (`organizations`, `organization_memberships`)
//! and held in memory. LiteLLM keeps an organization's limits in a separate budget row;
//! here they are columns of the organization, shown in LiteLLM's `litellm_budget_table`.

use crate::db::Row;
use crate::error::ApiError;
use crate::keys::{json_column, list_column};
use serde::Serialize;
use serde_json::Value;

/// A member's role inside one organization (LiteLLM's `ROLES_WITHIN_ORG`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgRole {
    /// Manages the organization's members and teams, nothing outside it.
    OrgAdmin,
    InternalUser,
    InternalUserViewer,
}

impl OrgRole {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgRole::OrgAdmin => "org_admin",
            OrgRole::InternalUser => "internal_user",
            OrgRole::InternalUserViewer => "internal_user_viewer",
        }
    }

    /// The role a request names (`role` or `user_role`), absent meaning a plain member.
    pub fn parse(field: &str, text: Option<&str>) -> Result<OrgRole, ApiError> {
        match text {
            None | Some("internal_user") => Ok(OrgRole::InternalUser),
            Some("org_admin") => Ok(OrgRole::OrgAdmin),
            Some("internal_user_viewer") => Ok(OrgRole::InternalUserViewer),
            Some(other) => Err(ApiError::field(
                field,
                format!(
                    "Invalid role `{other}`. Must be one of: ['org_admin', 'internal_user', 'internal_user_viewer']"
                ),
            )),
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OrgMembership {
    pub user_id: String,
    pub organization_id: String,
    pub user_role: OrgRole,
    pub spend: f64,
    pub max_budget_in_organization: Option<f64>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OrgRecord {
    pub organization_id: String,
    pub organization_alias: String,
    pub max_budget: Option<f64>,
    pub spend: f64,
    pub budget_duration: Option<String>,
    pub budget_reset_at: Option<String>,
    /// The models the organization's teams may use; empty means every model.
    pub models: Vec<String>,
    pub tpm_limit: Option<i64>,
    pub rpm_limit: Option<i64>,
    pub metadata: Value,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    pub updated_by: String,
    /// Members, loaded from `organization_memberships`.
    pub members: Vec<OrgMembership>,
}

pub const COLUMNS: &str = "organization_id, organization_alias, max_budget, spend, budget_duration, budget_reset_at, \
     models, tpm_limit, rpm_limit, metadata, created_at, created_by, updated_at, updated_by";

pub const MEMBER_COLUMNS: &str =
    "user_id, organization_id, user_role, spend, max_budget_in_organization, created_at, updated_at";

impl OrgRecord {
    /// Reads an organization row; `members` is filled by the caller.
    pub fn from_row(row: &Row<'_>) -> crate::db::Result<Self> {
        Ok(Self {
            organization_id: row.get(0)?,
            organization_alias: row.get(1)?,
            max_budget: row.get(2)?,
            spend: row.get(3)?,
            budget_duration: row.get(4)?,
            budget_reset_at: row.get(5)?,
            models: list_column(row, 6)?,
            tpm_limit: row.get(7)?,
            rpm_limit: row.get(8)?,
            metadata: json_column(row, 9)?,
            created_at: row.get(10)?,
            created_by: row.get(11)?,
            updated_at: row.get(12)?,
            updated_by: row.get(13)?,
            members: Vec::new(),
        })
    }

    pub fn member(&self, user_id: &str) -> Option<&OrgMembership> {
        self.members.iter().find(|m| m.user_id == user_id)
    }

    /// Whether the organization lets its teams use every model (an empty list, or
    /// LiteLLM's `all-proxy-models`).
    pub fn allows_every_model(&self) -> bool {
        self.models.is_empty() || self.models.iter().any(|m| m == "all-proxy-models" || m == "*")
    }
}

impl OrgMembership {
    pub fn from_row(row: &Row<'_>) -> crate::db::Result<Self> {
        let role: String = row.get(2)?;
        Ok(Self {
            user_id: row.get(0)?,
            organization_id: row.get(1)?,
            // The column's CHECK keeps other values out.
            user_role: OrgRole::parse("user_role", Some(&role)).unwrap_or(OrgRole::InternalUserViewer),
            spend: row.get(3)?,
            max_budget_in_organization: row.get(4)?,
            created_at: row.get(5)?,
            updated_at: row.get(6)?,
        })
    }
}
