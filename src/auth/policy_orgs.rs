//! The organization part of the one policy. An organization's admins (`org_admin` in
//! `organization_memberships`) manage its members and its teams — create, update, delete
//! teams inside it and change their members — and nothing outside it. Creating, changing
//! or deleting an organization (its budget and models bound its admins) is proxy-admin
//! only. Plain members read their organization. Admin viewers read everything, change
//! nothing; a global viewer made `org_admin` reads only, as viewers do everywhere.
//!
//! `decide` answers every organization operation, and the team operations an organization
//! admin may do; other team operations fall through to the team rules (`None`). Refusals
//! follow LiteLLM's organization checks: 401 at its route gate, 403 for "no access".

use super::{ApiError, Caller, Op, Permit, Role, admin_only, grant, viewer_refused};
use crate::auth::rights::Rights;
use crate::organizations::OrgRole;
use crate::state::AppState;
use crate::teams::TeamRecord;

fn team_org_of(team: &TeamRecord) -> Option<&str> {
    team.organization_id.as_deref()
}

fn no_access() -> ApiError {
    ApiError::Forbidden("You do not have access to this organization".into())
}

pub(super) fn decide(
    caller: &Caller,
    op: &Op<'_>,
    org_role_in: &dyn Fn(&str) -> Option<OrgRole>,
    admins_some_org: &dyn Fn() -> bool,
) -> Option<Result<Permit, ApiError>> {
    let role = caller.role;
    // An org admin changes things only with a global role that may write.
    let admin_of =
        |org: Option<&str>| role == Some(Role::InternalUser) && org.and_then(org_role_in) == Some(OrgRole::OrgAdmin);
    if role == Some(Role::ProxyAdmin) {
        return match op {
            Op::OrgNew | Op::OrgUpdate | Op::OrgDelete | Op::OrgRead { .. } | Op::OrgList | Op::OrgMembers { .. } => {
                Some(grant(true))
            }
            _ => None,
        };
    }
    let viewer = role == Some(Role::ProxyAdminViewer);
    let refused_change = |route: &str, message: String| {
        Some(Err(if viewer { viewer_refused(route) } else { ApiError::Unauthorized(message) }))
    };
    match op {
        Op::OrgList => Some(grant(viewer)),
        Op::OrgRead { org } => {
            if viewer {
                Some(grant(true))
            } else if org_role_in(&org.organization_id).is_some() {
                Some(grant(false))
            } else {
                Some(Err(no_access()))
            }
        }
        Op::OrgNew => refused_change(
            "/organization/new",
            format!("Only admins can create orgs. Your role is = {}", caller.role_label()),
        ),
        Op::OrgUpdate => refused_change(
            "/organization/update",
            format!(
                "Only proxy admins can update organizations: an organization's budget and models bound its own admins. Your role is = {}",
                caller.role_label()
            ),
        ),
        Op::OrgDelete => refused_change("/organization/delete", "Only proxy admins can delete organizations".into()),
        Op::OrgMembers { route, org, .. } => {
            let org_id = &org.organization_id;
            if viewer {
                return Some(Err(viewer_refused(route)));
            }
            if admin_of(Some(org_id)) {
                return Some(grant(false));
            }
            Some(Err(match org_role_in(org_id) {
                None => ApiError::Unauthorized(format!(
                    "You do not have a role within the selected organization. Passed organization_id: {org_id}. Please contact the organization admin to request access."
                )),
                Some(OrgRole::OrgAdmin) => admin_only(caller, route),
                Some(member) => ApiError::Unauthorized(format!(
                    "You do not have the required role to perform {route} in Organization {org_id}. Your role is {} in Organization {org_id}",
                    member.as_str()
                )),
            }))
        }
        // Team operations an organization's admin may do inside it.
        Op::TeamNew { organization_id } if admin_of(*organization_id) => Some(grant(false)),
        Op::TeamUpdate { team, moves_to } if admin_of(team_org_of(team)) => match moves_to {
            Some(Some(destination)) if !admin_of(Some(destination)) => Some(Err(ApiError::Forbidden(
                "Relocating a team to a different organization requires PROXY_ADMIN or org-admin of the destination org."
                    .into(),
            ))),
            // Out of every organization: out of its budget, so only a proxy admin may.
            Some(None) => Some(Err(ApiError::Forbidden(format!(
                "Only proxy admins may take team={} out of its organization",
                team.team_id
            )))),
            _ => Some(grant(false)),
        },
        Op::TeamDelete { teams } if !teams.is_empty() && teams.iter().all(|t| admin_of(team_org_of(t))) => {
            Some(grant(false))
        }
        Op::TeamMembers { team, .. } if admin_of(team_org_of(team)) => Some(grant(false)),
        Op::TeamRead { team } if team_org_of(team).and_then(org_role_in) == Some(OrgRole::OrgAdmin) => {
            Some(grant(false))
        }
        // Without `user_id`: the teams of the organizations they administer, and their own.
        Op::TeamList { user_id: None } if role == Some(Role::InternalUser) && admins_some_org() => Some(grant(false)),
        _ => None,
    }
}

/// Members a call adds to or changes in an organization must hold no right the caller
/// lacks: an organization's admin gains power over its members (their teams, their team
/// keys), so adding a user who holds more would lend the admin that user's rights. Users
/// the call creates must not get an admin's global role from the defaults either.
pub(super) fn members_within_rights(state: &AppState, caller: &Caller, op: &Op<'_>) -> Result<(), ApiError> {
    let Op::OrgMembers { org, users, new_user_roles, .. } = op else { return Ok(()) };
    let mine = Rights::of_caller(state, caller);
    if mine.is_proxy_admin() {
        return Ok(());
    }
    let org_id = &org.organization_id;
    if let Some(role) = new_user_roles.iter().find(|r| r.sees_everything()) {
        return Err(ApiError::Forbidden(format!(
            "Only proxy admins may create a user with the role {role} (default_internal_user_params.user_role)"
        )));
    }
    for user in users.iter() {
        if let Some(right) = mine.lacking(&Rights::of_user(state, user)) {
            return Err(ApiError::Forbidden(format!(
                "Not allowed: user={user} holds {right}, a right you do not hold; only proxy admins may add or change them in organization={org_id}"
            )));
        }
    }
    Ok(())
}
