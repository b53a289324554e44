//! How organizations look in answers, in LiteLLM's shape (`LiteLLM_OrganizationTableWithMembers`):
//! the limits in `litellm_budget_table` (and, for convenience, at the top level), the
//! members with their emails, and the organization's teams.

use super::record::{OrgMembership, OrgRecord};
use crate::state::AppState;
use serde_json::{Value, json};

pub fn organization(state: &AppState, org: &OrgRecord) -> Value {
    let mut teams: Vec<_> = state
        .teams
        .all()
        .into_iter()
        .filter(|t| t.organization_id.as_deref() == Some(org.organization_id.as_str()))
        .collect();
    teams.sort_by(|a, b| a.team_alias.cmp(&b.team_alias).then_with(|| a.team_id.cmp(&b.team_id)));
    let teams: Vec<Value> = teams.iter().map(|t| crate::teams::view::team(state, t)).collect();
    let members: Vec<Value> = org.members.iter().map(|m| member(state, m)).collect();
    json!({
        "organization_id": org.organization_id,
        "organization_alias": org.organization_alias,
        // The limits are the organization's own columns; its id names them.
        "budget_id": org.organization_id,
        "spend": org.spend,
        "max_budget": org.max_budget,
        "tpm_limit": org.tpm_limit,
        "rpm_limit": org.rpm_limit,
        "budget_duration": org.budget_duration,
        "budget_reset_at": org.budget_reset_at,
        "metadata": org.metadata,
        "models": org.models,
        "model_spend": {},
        "created_at": org.created_at,
        "created_by": org.created_by,
        "updated_at": org.updated_at,
        "updated_by": org.updated_by,
        "litellm_budget_table": {
            "budget_id": org.organization_id,
            "max_budget": org.max_budget,
            "soft_budget": null,
            "max_parallel_requests": null,
            "tpm_limit": org.tpm_limit,
            "rpm_limit": org.rpm_limit,
            "model_max_budget": null,
            "budget_duration": org.budget_duration,
            "budget_reset_at": org.budget_reset_at,
            "created_at": org.created_at,
        },
        "object_permission": null,
        "object_permission_id": null,
        "members": members,
        "teams": teams,
    })
}

/// A membership as LiteLLM shows one (`LiteLLM_OrganizationMembershipTable`).
pub fn member(state: &AppState, member: &OrgMembership) -> Value {
    let email = state.users.get(&member.user_id).and_then(|u| u.user_email.clone());
    let budget = member.max_budget_in_organization.map(|b| json!({"max_budget": b}));
    json!({
        "user_id": member.user_id,
        "organization_id": member.organization_id,
        "user_role": member.user_role.as_str(),
        "spend": member.spend,
        "budget_id": null,
        "created_at": member.created_at,
        "updated_at": member.updated_at,
        "user_email": email,
        "litellm_budget_table": budget,
    })
}
