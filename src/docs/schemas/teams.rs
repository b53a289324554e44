//! The `/team/*` bodies and answers. The settable fields are the handlers' own
//! `TeamFields`; members and the team's id are described here.

use crate::teams::fields::TeamFields;
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A member to add: by `user_id`, or by `user_email`. A user with that id (or, given only
/// an email, that email) is created with the defaults for new users if there is none.
#[derive(ToSchema)]
pub struct TeamMember {
    user_id: Option<String>,
    user_email: Option<String>,
    /// The team role (default `user`).
    role: Option<TeamRole>,
}

#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TeamRole {
    Admin,
    User,
}

/// `POST /team/new`. The caller (the master key as the admin's user row) joins as an
/// admin unless named in `members_with_roles`.
#[derive(ToSchema)]
pub struct TeamNewRequest {
    /// Generated (a UUID) when not given.
    team_id: Option<String>,
    /// The organization the team belongs to: its models and budget bound the team's.
    organization_id: Option<String>,
    members_with_roles: Option<Vec<TeamMember>>,
    /// LiteLLM's legacy list of admin ids: kept and shown as given; rights come from
    /// `members_with_roles`.
    admins: Option<Vec<String>>,
    /// LiteLLM's legacy list of member ids, kept and shown as given like `admins`.
    members: Option<Vec<String>>,
    #[serde(flatten)]
    settings: TeamFields,
}

/// `POST /team/update`: the fields to change (`null` clears a field; a field not sent
/// stays as it is). Members change through `/team/member_*`.
#[derive(ToSchema)]
pub struct TeamUpdateRequest {
    team_id: String,
    /// Moves the team to this organization (`""` or `null`: out of its organization).
    organization_id: Option<String>,
    #[serde(flatten)]
    settings: TeamFields,
}

/// `POST /team/delete`.
#[derive(ToSchema)]
pub struct TeamDeleteRequest {
    #[schema(min_items = 1)]
    team_ids: Vec<String>,
}

#[derive(ToSchema)]
pub struct TeamsDeleted {
    deleted_teams: Vec<String>,
}

/// `POST /team/member_add`: one member or a list.
#[derive(ToSchema)]
pub struct MemberAddRequest {
    team_id: String,
    member: OneOrMoreMembers,
    /// The new members' budget in this team, in USD.
    #[schema(minimum = 0)]
    max_budget_in_team: Option<f64>,
    /// A budget object (`/budget/new`) whose max budget and rpm/tpm/parallel limits the
    /// new members have in this team where not set here.
    budget_id: Option<String>,
}

#[derive(ToSchema)]
#[serde(untagged)]
pub enum OneOrMoreMembers {
    One(TeamMember),
    Many(Vec<TeamMember>),
}

/// `POST /team/member_delete` and `/team/member_update`: the member by `user_id` or
/// `user_email`.
#[derive(ToSchema)]
pub struct MemberChangeRequest {
    team_id: String,
    user_id: Option<String>,
    user_email: Option<String>,
    /// `/team/member_update` only: the new team role.
    role: Option<TeamRole>,
    /// `/team/member_update` only: the member's budget in this team (`null`: none).
    #[schema(minimum = 0)]
    max_budget_in_team: Option<f64>,
    /// `/team/member_update` only: the member's budget object (`null`: none).
    budget_id: Option<String>,
}

/// A team member with their email.
#[derive(ToSchema)]
pub struct TeamMemberShown {
    user_id: String,
    user_email: Option<String>,
    role: TeamRole,
}

/// A team as answers show it.
#[derive(ToSchema)]
pub struct TeamObject {
    team_id: String,
    team_alias: Option<String>,
    max_budget: Option<f64>,
    soft_budget: Option<f64>,
    spend: f64,
    budget_duration: Option<String>,
    budget_reset_at: Option<String>,
    models: Vec<String>,
    tpm_limit: Option<i64>,
    rpm_limit: Option<i64>,
    max_parallel_requests: Option<i64>,
    blocked: bool,
    metadata: BTreeMap<String, Value>,
    team_member_permissions: Option<Vec<String>>,
    members_with_roles: Vec<TeamMemberShown>,
    /// LiteLLM's legacy `admins` list, as given at `/team/new` (roles: `members_with_roles`).
    admins: Vec<String>,
    /// LiteLLM's legacy `members` list, as given at `/team/new`.
    members: Vec<String>,
    organization_id: Option<String>,
    /// Alias -> model, applied to the team's keys' requests.
    model_aliases: BTreeMap<String, String>,
    created_at: String,
    updated_at: String,
}

/// A membership with its spend (LiteLLM's `team_memberships`).
#[derive(ToSchema)]
pub struct TeamMembership {
    user_id: String,
    team_id: String,
    role: TeamRole,
    spend: f64,
    /// The member's budget object, if any.
    budget_id: Option<String>,
    /// The budget object (its `max_budget` overridden by `max_budget_in_team`), or
    /// `{"max_budget": ...}` when the member has only a budget in the team.
    litellm_budget_table: Option<BTreeMap<String, Value>>,
}

/// `GET /team/info`.
#[derive(ToSchema)]
pub struct TeamInfoAnswer {
    team_id: String,
    team_info: TeamObject,
    keys: Vec<super::keys::KeyInfo>,
    team_memberships: Vec<TeamMembership>,
}

/// One entry of `GET /team/list`: the team with its memberships and keys.
#[derive(ToSchema)]
pub struct TeamListEntry {
    team_memberships: Vec<TeamMembership>,
    keys: Vec<super::keys::KeyInfo>,
    #[serde(flatten)]
    team: TeamObject,
}

/// `POST /team/update`: the team, and again under `data`.
#[derive(ToSchema)]
pub struct TeamUpdated {
    data: TeamObject,
    #[serde(flatten)]
    team: TeamObject,
}

/// `POST /team/member_add`: the team, the users added and their memberships.
#[derive(ToSchema)]
pub struct MembersAdded {
    updated_users: Vec<super::users::UserObject>,
    updated_team_memberships: Vec<TeamMembership>,
    #[serde(flatten)]
    team: TeamObject,
}

/// `POST /team/member_update`: the membership after the change.
#[derive(ToSchema)]
pub struct MemberUpdated {
    team_id: String,
    user_id: String,
    user_email: Option<String>,
    role: TeamRole,
    max_budget_in_team: Option<f64>,
}
