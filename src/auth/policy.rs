//! The one place that decides who may do what on the management API (the matrix of the
//! LiteLLM contract, section 1). Every management handler calls `authorize` before it
//! validates or changes anything. A granted call gets a `Permit`, which only this module
//! can make; the domain functions that change the store take one, so a handler that did
//! not ask cannot change anything.
//!
//! Refusals use LiteLLM's statuses and messages: the "proxy admin only" route gate is a
//! 401, an admin viewer trying to change something a 403, a scoped refusal a 403.

use super::rights::Rights;
use super::{Caller, Role};
use crate::config::Settings;
use crate::error::ApiError;
use crate::keys::KeyRecord;
use crate::organizations::OrgRecord;
use crate::state::AppState;
use crate::teams::{TeamRecord, TeamRole};

/// Proof that `authorize` allowed the call. `sees_all` tells list routes whether to scope
/// the answer to the caller's own objects.
#[derive(Debug)]
pub struct Permit {
    sees_all: bool,
}

impl Permit {
    /// Whether the caller sees every object (admins, admin viewers) or only their own.
    pub fn sees_all(&self) -> bool {
        self.sees_all
    }
}

/// The operation asked for, with the facts the decision needs.
pub enum Op<'a> {
    /// `/key/generate`: `team` is the named team (when it exists), `team_id` the name,
    /// `for_user` the key's owner after defaulting, `fields` the request's non-null fields.
    KeyGenerate {
        team_id: Option<&'a str>,
        team: Option<&'a TeamRecord>,
        for_user: Option<&'a str>,
        fields: &'a [String],
    },
    /// `/key/update`, `/key/delete`, `/key/regenerate` on an existing key; `new_owner` and
    /// `new_team` when the call gives the key to another user or team (`team` is that
    /// team, when it exists; `fields` the key's non-null fields after the call).
    KeyChange {
        route: &'a str,
        verb: &'a str,
        key: &'a KeyRecord,
        new_owner: Option<&'a str>,
        new_team: Option<&'a str>,
        team: Option<&'a TeamRecord>,
        fields: &'a [String],
        /// The call sets the key's running spend.
        sets_spend: bool,
    },
    KeyBlock {
        route: &'a str,
        key: &'a KeyRecord,
    },
    KeyRead {
        key: &'a KeyRecord,
    },
    /// `/key/list`, filtered by user or team.
    KeyList {
        user_id: Option<&'a str>,
        team_id: Option<&'a str>,
    },
    UserNew,
    UserUpdate,
    UserDelete,
    /// `/user/block`, `/user/unblock`: proxy admins only.
    UserBlock {
        route: &'a str,
    },
    UserList,
    UserRead {
        user_id: Option<&'a str>,
    },
    /// `organization_id`: the organization the new team is to belong to.
    TeamNew {
        organization_id: Option<&'a str>,
    },
    /// `moves_to`: when the call changes the team's organization, the new one (`None`:
    /// out of every organization).
    TeamUpdate {
        team: &'a TeamRecord,
        moves_to: Option<Option<&'a str>>,
    },
    TeamDelete {
        teams: &'a [std::sync::Arc<TeamRecord>],
    },
    TeamRead {
        team: &'a TeamRecord,
    },
    TeamList {
        user_id: Option<&'a str>,
    },
    TeamMembers {
        route: &'a str,
        team: &'a TeamRecord,
    },
    /// `/organization/new`, `/organization/update`, `/organization/delete`: proxy admins
    /// only (an organization's budget and models bound its own admins).
    OrgNew,
    OrgUpdate,
    OrgDelete,
    OrgRead {
        org: &'a OrgRecord,
    },
    /// `/organization/list`: everyone, scoped to their organizations.
    OrgList,
    /// `/organization/member_*`: `users` are the existing users the call adds or changes,
    /// `new_user_roles` the global roles of the users it creates.
    OrgMembers {
        route: &'a str,
        org: &'a OrgRecord,
        users: &'a [String],
        new_user_roles: &'a [Role],
    },
    /// `user_id`: the invited user; `target_teams`: the teams they belong to.
    InvitationNew {
        user_id: Option<&'a str>,
        target_teams: &'a [String],
    },
    InvitationRead,
    InvitationDelete,
    AuditRead,
    /// `/spend/logs`, `/user/daily/activity`, `/spend/tags`: everyone, scoped to their own
    /// spend unless they see everything.
    SpendRead {
        route: &'a str,
    },
    /// `/global/spend/report`: admin roles only.
    GlobalSpendRead,
    /// `/metrics`: admin roles only (unless `metrics_public`, decided by the route).
    MetricsRead,
    /// The alerts sent and pending (`/ui/alerts`): admin roles only.
    AlertRead,
    /// `/customer/new`, `/update`, `/delete`, `/block`, `/unblock` (and `/end_user/*`):
    /// proxy admins only, as LiteLLM's route gate has it.
    CustomerWrite {
        route: &'a str,
    },
    /// `/customer/info`, `/customer/list` (and `/end_user/*`): admin roles only.
    CustomerRead {
        route: &'a str,
    },
    /// `/budget/new`, `/update`, `/delete`: proxy admins only.
    BudgetWrite {
        route: &'a str,
    },
    /// `/budget/info`, `/list`, `/settings`: admin roles only.
    BudgetRead {
        route: &'a str,
    },
    /// A `/v1/responses` answer the gateway keeps (read, chained from with
    /// `previous_response_id`, or deleted): only the key that made it (`owner`, its
    /// sha256) and proxy admins.
    StoredResponse {
        route: &'a str,
        owner: &'a str,
    },
    /// `/model/new`, `/model/update`, `/model/delete` and the UI's Models page: proxy
    /// admins only (a model holds an upstream credential every key may end up using).
    ModelWrite {
        route: &'a str,
    },
    /// `/model/info`, `/v2/model/info`, `/model_group/info`: everyone, scoped to the models
    /// their key may call unless they see everything.
    ModelRead {
        route: &'a str,
    },
}

impl<'a> Op<'a> {
    /// A change of `key` that gives it to no one new and leaves its spend alone.
    pub fn key_change(route: &'a str, verb: &'a str, key: &'a KeyRecord) -> Op<'a> {
        Op::KeyChange { route, verb, key, new_owner: None, new_team: None, team: None, fields: &[], sets_spend: false }
    }

    fn route(&self) -> &str {
        match self {
            Op::KeyGenerate { .. } => "/key/generate",
            Op::KeyChange { route, .. }
            | Op::KeyBlock { route, .. }
            | Op::UserBlock { route }
            | Op::TeamMembers { route, .. }
            | Op::CustomerWrite { route }
            | Op::CustomerRead { route }
            | Op::BudgetWrite { route }
            | Op::BudgetRead { route }
            | Op::OrgMembers { route, .. } => route,
            Op::KeyRead { .. } => "/key/info",
            Op::KeyList { .. } => "/key/list",
            Op::UserNew => "/user/new",
            Op::UserUpdate => "/user/update",
            Op::UserDelete => "/user/delete",
            Op::UserList => "/user/list",
            Op::UserRead { .. } => "/user/info",
            Op::TeamNew { .. } => "/team/new",
            Op::TeamUpdate { .. } => "/team/update",
            Op::TeamDelete { .. } => "/team/delete",
            Op::OrgNew => "/organization/new",
            Op::OrgUpdate => "/organization/update",
            Op::OrgDelete => "/organization/delete",
            Op::OrgRead { .. } => "/organization/info",
            Op::OrgList => "/organization/list",
            Op::TeamRead { .. } => "/team/info",
            Op::TeamList { .. } => "/team/list",
            Op::InvitationNew { .. } => "/invitation/new",
            Op::InvitationRead => "/invitation/info",
            Op::InvitationDelete => "/invitation/delete",
            Op::AuditRead => "/audit",
            Op::SpendRead { route } => route,
            Op::GlobalSpendRead => "/global/spend/report",
            Op::MetricsRead => "/metrics",
            Op::AlertRead => "/ui/alerts",
            Op::StoredResponse { route, .. } => route,
            Op::ModelWrite { route } | Op::ModelRead { route } => route,
        }
    }
}

/// Decides `op` for `caller`: the route's rule, then the rule for credentials.
pub fn authorize(state: &AppState, caller: &Caller, op: Op<'_>) -> Result<Permit, ApiError> {
    let role_in = |team_id: &str| {
        let user = caller.user_id.as_deref()?;
        state.teams.get(team_id).and_then(|t| t.member(user).map(|m| m.role))
    };
    let org_role_in = |org_id: &str| state.organizations.role_of(org_id, caller.user_id.as_deref()?);
    let admins_some_org = || {
        let Some(user) = caller.user_id.as_deref() else { return false };
        state.organizations.of_user(user).iter().any(|(_, m)| m.user_role == crate::organizations::OrgRole::OrgAdmin)
    };
    let permit = match orgs::decide(caller, &op, &org_role_in, &admins_some_org) {
        Some(decided) => decided?,
        None => decide(&state.config.settings, caller, &op, &role_in)?,
    };
    key_rules::team_member_permissions(state, caller, &op)?;
    credentials_within_rights(state, caller, &op)?;
    orgs::members_within_rights(state, caller, &op)?;
    Ok(permit)
}

/// No caller may obtain a credential acting for a principal that holds a right the
/// caller lacks. A key made for, regenerated from, or given to another user acts as that
/// user; an invitation link sets that user's password. Moving a key to a new owner also
/// hands the new owner's rights to whoever holds the key's secret now: its owner.
///
/// Proxy admins hold every right, so only the last check applies to them: a key they
/// give to a new owner must not act for more than its current owner may.
fn credentials_within_rights(state: &AppState, caller: &Caller, op: &Op<'_>) -> Result<(), ApiError> {
    let me = caller.user_id.as_deref();
    let mine = || Rights::of_caller(state, caller);
    match op {
        Op::KeyGenerate { for_user: Some(user), .. } if Some(*user) != me => {
            holds_rights_of(state, &mine(), "you", user)
        }
        Op::KeyChange { verb, key, new_owner, .. } => {
            let owner = key.user_id.as_deref();
            if *verb == "regenerate"
                && let Some(owner) = owner.filter(|o| Some(*o) != me)
            {
                holds_rights_of(state, &mine(), "you", owner)?;
            }
            if let Some(new_owner) = new_owner.filter(|n| Some(*n) != owner) {
                holds_rights_of(state, &mine(), "you", new_owner)?;
                // Whoever holds a key without an owner is unknown; a proxy admin answers for it.
                let holder = match owner {
                    Some(owner) => Rights::of_user(state, owner),
                    None if caller.role == Some(Role::ProxyAdmin) => return Ok(()),
                    None => Rights::nobody(),
                };
                let name = format!("the key's owner ({})", owner.unwrap_or("none"));
                holds_rights_of(state, &holder, &name, new_owner)?;
            }
            Ok(())
        }
        Op::InvitationNew { user_id: Some(user), .. } => may_invite(state, &mine(), user),
        _ => Ok(()),
    }
}

/// Whether `holder` (named `who` in the refusal) may hold a credential acting for `user`.
fn holds_rights_of(state: &AppState, holder: &Rights, who: &str, user: &str) -> Result<(), ApiError> {
    match holder.lacking(&Rights::of_user(state, user)) {
        None => Ok(()),
        Some(right) => Err(ApiError::Forbidden(format!(
            "Not allowed: this would give {who} a credential acting for user={user}, who holds {right}, a right not held by {who}"
        ))),
    }
}

/// Whether someone with `inviter`'s rights may make (or, at use, have made) an invitation
/// for `user`. Using one sets the user's password, so besides holding the user's rights,
/// an inviter who is not a proxy admin may only onboard a user who does not sign in yet.
pub fn may_invite(state: &AppState, inviter: &Rights, user: &str) -> Result<(), ApiError> {
    if inviter.is_proxy_admin() {
        return Ok(());
    }
    holds_rights_of(state, inviter, "the inviter", user)?;
    match state.users.get(user) {
        Some(record) if record.password_hash.is_some() || record.sso_user_id.is_some() => {
            Err(ApiError::Forbidden(format!(
                "Only proxy admins may invite user={user}: they already sign in, and an invitation would replace their password"
            )))
        }
        _ => Ok(()),
    }
}

fn grant(sees_all: bool) -> Result<Permit, ApiError> {
    Ok(Permit { sees_all })
}

/// LiteLLM's route gate for callers that are not proxy admins.
fn admin_only(caller: &Caller, route: &str) -> ApiError {
    ApiError::Unauthorized(format!(
        "Only proxy admin can be used to generate, delete, update info for new keys/users/teams. Route={route}. Your role={}. Your user_id={}",
        caller.role_label(),
        caller.user_label()
    ))
}

/// Spend is what budgets are checked against: only proxy admins may set it.
fn spend_refused(caller: &Caller, route: &str) -> ApiError {
    ApiError::Forbidden(format!(
        "Only proxy admins may set `spend`. Route={route}. Your role={}. Your user_id={}",
        caller.role_label(),
        caller.user_label()
    ))
}

/// A kept response is the key's that made it. Another's is answered as "not found":
/// whether another key made a response is not the caller's to learn.
fn own_response(caller: &Caller, owner: &str) -> Result<Permit, ApiError> {
    if caller.api_key_hash() == owner { grant(false) } else { Err(ApiError::NotFound("Response not found.".into())) }
}

fn viewer_refused(route: &str) -> ApiError {
    ApiError::Forbidden(format!(
        "user not allowed to access this route, role= proxy_admin_viewer. Trying to access: {route}"
    ))
}

fn invitation_admin_only(caller: &Caller) -> ApiError {
    ApiError::bad_request(format!(
        "Admin-only endpoint. Not allowed to access this., your role={}",
        caller.role_label()
    ))
}

fn decide(
    settings: &Settings,
    caller: &Caller,
    op: &Op<'_>,
    role_in: &dyn Fn(&str) -> Option<TeamRole>,
) -> Result<Permit, ApiError> {
    let team_role = |team: &TeamRecord| role_in(&team.team_id);
    let route = op.route();
    let me = caller.user_id.as_deref();
    let is_me = |id: Option<&str>| id.is_some() && id == me;
    let Some(role) = caller.role else {
        // A key that belongs to no user: it may read what concerns itself, nothing more.
        return match op {
            Op::KeyRead { key } if caller.key().is_some_and(|k| k.token == key.token) => grant(false),
            Op::KeyList { user_id: None, team_id: None } => grant(false),
            Op::TeamRead { team } if caller.key().and_then(|k| k.team_id.as_deref()) == Some(&team.team_id) => {
                grant(false)
            }
            Op::InvitationNew { .. } | Op::InvitationRead | Op::InvitationDelete => Err(invitation_admin_only(caller)),
            // Its own spend only.
            Op::SpendRead { .. } => grant(false),
            Op::StoredResponse { owner, .. } => own_response(caller, owner),
            Op::ModelRead { .. } => grant(false),
            _ => Err(admin_only(caller, route)),
        };
    };
    if role == Role::ProxyAdmin {
        if let Op::KeyGenerate { team_id: None, fields, .. } = op {
            key_rules::personal_key_rules(settings, role, fields)?;
        }
        return grant(true);
    }
    match op {
        // Not even admin viewers: a response holds the conversation itself.
        Op::StoredResponse { owner, .. } => own_response(caller, owner),
        // Reads open to admin viewers; scoped for the others.
        Op::KeyList { .. } if role == Role::ProxyAdminViewer => grant(true),
        Op::KeyList { user_id, team_id } => {
            if let Some(other) = user_id.filter(|u| !is_me(Some(u))) {
                return Err(ApiError::Forbidden(format!(
                    "User can only list their own keys. Got user_id={other}, Your ID={}",
                    caller.user_label()
                )));
            }
            if let Some(team) = team_id.filter(|t| role_in(t).is_none()) {
                return Err(ApiError::Forbidden(format!(
                    "User={} is not a member of team={team}, so cannot list its keys",
                    caller.user_label()
                )));
            }
            grant(false)
        }
        Op::KeyRead { key } => {
            let own_key = caller.key().is_some_and(|k| k.token == key.token);
            let in_team = key.team_id.as_deref().is_some_and(|t| role_in(t).is_some());
            if role == Role::ProxyAdminViewer || own_key || is_me(key.user_id.as_deref()) || in_team {
                grant(role == Role::ProxyAdminViewer)
            } else {
                Err(ApiError::Forbidden(format!("You are not allowed to access this key's info. Your role={role}")))
            }
        }
        Op::UserList => match role {
            Role::ProxyAdminViewer => grant(true),
            _ => Err(ApiError::Forbidden("Only proxy admins and organization admins can list users.".into())),
        },
        Op::UserRead { user_id } => {
            if role == Role::ProxyAdminViewer || user_id.is_none() || is_me(*user_id) {
                grant(role == Role::ProxyAdminViewer)
            } else {
                Err(ApiError::Forbidden(format!(
                    "key not allowed to access this user's info. user_id={}, your user_id={}",
                    user_id.unwrap_or("None"),
                    caller.user_label()
                )))
            }
        }
        Op::TeamRead { team } => {
            let team_key = caller.key().and_then(|k| k.team_id.as_deref()) == Some(&team.team_id);
            if role == Role::ProxyAdminViewer || team_role(team).is_some() || team_key {
                grant(role == Role::ProxyAdminViewer)
            } else {
                Err(ApiError::Forbidden(format!(
                    "User={} not authorized to access this team={}",
                    caller.user_label(),
                    team.team_id
                )))
            }
        }
        Op::TeamList { user_id } => {
            if role == Role::ProxyAdminViewer {
                grant(true)
            } else if is_me(*user_id) {
                grant(false)
            } else {
                Err(ApiError::Unauthorized(format!(
                    "Only admin users can query all teams/other teams. Your user role={role}"
                )))
            }
        }
        Op::InvitationRead => match role {
            Role::ProxyAdminViewer => grant(true),
            _ => Err(invitation_admin_only(caller)),
        },
        // LiteLLM's admin viewers read customers and budgets; nobody else but admins may.
        Op::CustomerRead { .. } | Op::BudgetRead { .. } => match role {
            Role::ProxyAdminViewer => grant(true),
            _ => Err(admin_only(caller, route)),
        },
        Op::SpendRead { .. } | Op::ModelRead { .. } => grant(role == Role::ProxyAdminViewer),
        Op::GlobalSpendRead => match role {
            Role::ProxyAdminViewer => grant(true),
            _ => Err(ApiError::Unauthorized(format!(
                "Authentication Error, only proxy admins and admin viewers can view the global spend report. Your role={role}"
            ))),
        },
        Op::MetricsRead => match role {
            Role::ProxyAdminViewer => grant(true),
            _ => Err(ApiError::Forbidden(format!(
                "Only proxy admins and admin viewers may read /metrics. Your role={role}"
            ))),
        },
        Op::AlertRead => match role {
            Role::ProxyAdminViewer => grant(true),
            _ => Err(ApiError::Forbidden(format!(
                "Only proxy admins and admin viewers may read the alerts. Your role={role}"
            ))),
        },
        Op::AuditRead => match role {
            Role::ProxyAdminViewer => grant(true),
            _ => Err(ApiError::Forbidden(format!(
                "Only proxy admins and admin viewers may read the audit log. Your role={role}"
            ))),
        },
        // Invitations answer 400 to everyone but admins (and team admins for their members).
        Op::InvitationNew { target_teams, .. } => {
            let team_admin =
                role == Role::InternalUser && target_teams.iter().any(|t| role_in(t) == Some(TeamRole::Admin));
            if team_admin { grant(false) } else { Err(invitation_admin_only(caller)) }
        }
        Op::InvitationDelete => Err(invitation_admin_only(caller)),
        // Everything else changes state: viewers never may.
        _ if role == Role::ProxyAdminViewer => Err(viewer_refused(route)),
        _ if role == Role::InternalUserViewer => Err(admin_only(caller, route)),
        Op::KeyChange { sets_spend: true, .. } => Err(spend_refused(caller, route)),
        Op::KeyGenerate { fields, .. } if fields.iter().any(|f| f == "spend") => Err(spend_refused(caller, route)),
        // Internal users.
        Op::KeyGenerate { team_id, team, for_user, fields } => {
            if let Some(owner) = for_user
                && !is_me(Some(owner))
                && team_id.is_none()
            {
                return Err(ApiError::Forbidden(format!(
                    "User can only create keys for themselves. Got user_id={owner}, Your ID={}",
                    caller.user_label()
                )));
            }
            match team_id {
                None => key_rules::personal_key_rules(settings, role, fields)?,
                Some(team_id) => {
                    key_rules::team_key_rules(settings, caller, team_id, *team, *for_user, fields, role_in)?
                }
            }
            grant(false)
        }
        Op::KeyChange { verb, key, new_owner, new_team, team, fields, .. } => {
            let team_admin = key.team_id.as_deref().is_some_and(|t| role_in(t) == Some(TeamRole::Admin));
            if !(is_me(key.user_id.as_deref()) || team_admin) {
                return Err(ApiError::Forbidden(format!("You are not authorized to {verb} this key")));
            }
            if let Some(owner) = new_owner.filter(|o| !is_me(Some(o)) && Some(*o) != key.user_id.as_deref()) {
                return Err(ApiError::Forbidden(format!(
                    "User can only give keys to themselves. Got user_id={owner}, Your ID={}",
                    caller.user_label()
                )));
            }
            if let Some(team_id) = new_team.filter(|t| Some(*t) != key.team_id.as_deref()) {
                if role_in(team_id).is_none() {
                    return Err(ApiError::Forbidden(format!(
                        "User={} is not a member of the team={team_id}, so cannot move keys into it",
                        caller.user_label()
                    )));
                }
                // A key moved into a team is a team key: the rules for making one there apply.
                let owner = new_owner.or(key.user_id.as_deref());
                key_rules::team_key_rules(settings, caller, team_id, *team, owner, fields, role_in)?;
            }
            grant(false)
        }
        Op::KeyBlock { key, .. } => {
            let team_admin = key.team_id.as_deref().is_some_and(|t| role_in(t) == Some(TeamRole::Admin));
            if team_admin { grant(false) } else { Err(admin_only(caller, route)) }
        }
        Op::TeamMembers { team, .. } => {
            if team_role(team) == Some(TeamRole::Admin) {
                grant(false)
            } else {
                Err(ApiError::Forbidden(format!(
                    "Call not allowed. User not proxy admin OR team admin. route={route}, team_id={}",
                    team.team_id
                )))
            }
        }
        Op::TeamUpdate { team, .. } => Err(ApiError::Forbidden(format!(
            "Only proxy admins may update team={}; team admins manage members with /team/member_*",
            team.team_id
        ))),
        Op::UserNew
        | Op::UserUpdate
        | Op::UserDelete
        | Op::UserBlock { .. }
        | Op::TeamNew { .. }
        | Op::TeamDelete { .. }
        | Op::CustomerWrite { .. }
        | Op::BudgetWrite { .. }
        | Op::ModelWrite { .. } => Err(admin_only(caller, route)),
        // Decided by `orgs::decide` before this function; refused should one get here.
        Op::OrgNew | Op::OrgUpdate | Op::OrgDelete | Op::OrgRead { .. } | Op::OrgList | Op::OrgMembers { .. } => {
            Err(admin_only(caller, route))
        }
    }
}

#[path = "policy_orgs.rs"]
mod orgs;

#[path = "policy_key_rules.rs"]
mod key_rules;

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
