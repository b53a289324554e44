//! The `/organization/*` bodies and answers. The settable fields are the handlers' own
//! `OrgFields`; ids, members and the answers are described here.

use crate::organizations::fields::OrgFields;
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A member's role inside one organization.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgRole {
    OrgAdmin,
    InternalUser,
    InternalUserViewer,
}

/// `POST /organization/new` (proxy admins only).
#[derive(ToSchema)]
pub struct OrgNewRequest {
    /// Generated (a UUID) when not given.
    organization_id: Option<String>,
    /// Required.
    organization_alias: String,
    #[serde(flatten)]
    settings: OrgFields,
}

/// `PATCH /organization/update` (proxy admins only): the fields to change (`null` clears
/// a field; a field not sent stays as it is). LiteLLM's UI may send the limits nested in
/// `litellm_budget_table`.
#[derive(ToSchema)]
pub struct OrgUpdateRequest {
    organization_id: String,
    /// Sets the running spend.
    #[schema(minimum = 0)]
    spend: Option<f64>,
    litellm_budget_table: Option<BTreeMap<String, Value>>,
    #[serde(flatten)]
    settings: OrgFields,
}

/// `DELETE /organization/delete`: the organizations go with their teams and the teams'
/// keys.
#[derive(ToSchema)]
pub struct OrgDeleteRequest {
    #[schema(min_items = 1)]
    organization_ids: Vec<String>,
}

/// `POST /organization/info` (LiteLLM's deprecated form).
#[derive(ToSchema)]
pub struct OrgInfoRequest {
    #[schema(min_items = 1)]
    organizations: Vec<String>,
}

/// A member to add: by `user_id`, or by `user_email`. A user with that id (or, given only
/// an email, that email) is created with the defaults for new users if there is none.
#[derive(ToSchema)]
pub struct OrgMemberToAdd {
    role: OrgRole,
    user_id: Option<String>,
    user_email: Option<String>,
}

#[derive(ToSchema)]
#[serde(untagged)]
pub enum OneOrMoreOrgMembers {
    One(OrgMemberToAdd),
    Many(Vec<OrgMemberToAdd>),
}

/// `POST /organization/member_add`.
#[derive(ToSchema)]
pub struct OrgMemberAddRequest {
    organization_id: String,
    member: OneOrMoreOrgMembers,
    /// The new members' budget in the organization, in USD (kept, not enforced).
    #[schema(minimum = 0)]
    max_budget_in_organization: Option<f64>,
}

/// `PATCH /organization/member_update`.
#[derive(ToSchema)]
pub struct OrgMemberUpdateRequest {
    organization_id: String,
    user_id: Option<String>,
    user_email: Option<String>,
    role: Option<OrgRole>,
    #[schema(minimum = 0)]
    max_budget_in_organization: Option<f64>,
}

/// `DELETE /organization/member_delete`.
#[derive(ToSchema)]
pub struct OrgMemberDeleteRequest {
    organization_id: String,
    user_id: Option<String>,
    user_email: Option<String>,
}

/// A membership (LiteLLM's `LiteLLM_OrganizationMembershipTable`).
#[derive(ToSchema)]
pub struct OrgMember {
    user_id: String,
    organization_id: String,
    user_role: OrgRole,
    spend: f64,
    budget_id: Option<String>,
    user_email: Option<String>,
    /// `{"max_budget": ...}` when the member has a budget in the organization.
    litellm_budget_table: Option<BTreeMap<String, Value>>,
    created_at: String,
    updated_at: String,
}

/// The organization's limits, in LiteLLM's budget-row shape.
#[derive(ToSchema)]
pub struct OrgBudget {
    budget_id: String,
    max_budget: Option<f64>,
    soft_budget: Option<f64>,
    max_parallel_requests: Option<i64>,
    tpm_limit: Option<i64>,
    rpm_limit: Option<i64>,
    model_max_budget: Option<BTreeMap<String, Value>>,
    budget_duration: Option<String>,
    budget_reset_at: Option<String>,
    created_at: String,
}

/// An organization as answers show it (LiteLLM's `LiteLLM_OrganizationTableWithMembers`).
#[derive(ToSchema)]
pub struct Organization {
    organization_id: String,
    organization_alias: String,
    budget_id: String,
    spend: f64,
    max_budget: Option<f64>,
    tpm_limit: Option<i64>,
    rpm_limit: Option<i64>,
    budget_duration: Option<String>,
    budget_reset_at: Option<String>,
    metadata: BTreeMap<String, Value>,
    /// Empty: every model.
    models: Vec<String>,
    model_spend: BTreeMap<String, Value>,
    created_at: String,
    created_by: String,
    updated_at: String,
    updated_by: String,
    litellm_budget_table: OrgBudget,
    object_permission: Option<BTreeMap<String, Value>>,
    object_permission_id: Option<String>,
    members: Vec<OrgMember>,
    teams: Vec<super::teams::TeamObject>,
}

/// `POST /organization/member_add`: the users added and their memberships.
#[derive(ToSchema)]
pub struct OrgMembersAdded {
    organization_id: String,
    updated_users: Vec<super::users::UserObject>,
    updated_organization_memberships: Vec<OrgMember>,
}
