//! What an SSO sign-in does to the user table, in one transaction: find the user by the
//! provider's subject, else by user id, else by email (only when the provider says the
//! email is verified, and never taking over a row linked to another subject: LiteLLM lost
//! admin accounts that way, #36942); create a new user with `default_internal_user_params`
//! on first sign-in; apply the provider's role and `PROXY_ADMIN_ID`; sync the team
//! memberships listed in `team_ids_jwt_field`. The lead may later route creation through
//! the management API's `create_user`; this is the one place to change. The statements
//! are the users' and teams' stores'; this file holds the rules.

use super::identity::Identity;
use crate::auth::Role;
use crate::db::{DbError, Tx};
use crate::error::ApiError;
use crate::state::AppState;
use crate::teams::{self, Membership};
use crate::users::store::{NewSsoUser, SsoCandidate, SsoMatch};
use crate::users::{self, UserRecord};

#[derive(Debug)]
pub enum ProvisionError {
    /// The matching user is linked to another identity at the provider.
    LinkedElsewhere,
    /// A user with this email exists, and the provider did not verify the email.
    UnverifiedEmailTaken,
    /// The user exists and an admin blocked them (nothing is changed).
    Blocked,
    /// The account found by email (or user id) is the built-in admin, or has a higher
    /// role than the provider's claims give: linking it would hand those rights to
    /// whoever controls that address at the provider.
    HigherRole,
    Store(ApiError),
}

impl From<ApiError> for ProvisionError {
    fn from(e: ApiError) -> Self {
        ProvisionError::Store(e)
    }
}

impl From<DbError> for ProvisionError {
    fn from(e: DbError) -> Self {
        ProvisionError::Store(e.into())
    }
}

/// `PROXY_ADMIN_ID` as configured, and the user id the master key acts as (the same, or
/// `default_user_id`).
struct Admins {
    configured: Option<String>,
    builtin: String,
}

/// The settings a new SSO user gets.
struct NewUserDefaults {
    role: Role,
    max_budget: Option<f64>,
    budget_duration: Option<String>,
    budget_reset_at: Option<String>,
    models: String,
}

fn defaults(state: &AppState, identity: &Identity) -> NewUserDefaults {
    let litellm = &state.config.settings.litellm_settings;
    let params = &litellm.default_internal_user_params;
    let role = identity
        .role
        .or_else(|| params.user_role.as_deref().and_then(|r| r.parse().ok()))
        .unwrap_or(Role::InternalUserViewer);
    let max_budget = params.max_budget.or(litellm.max_internal_user_budget);
    let budget_duration = params.budget_duration.clone().or_else(|| litellm.internal_user_budget_duration.clone());
    let budget_reset_at = budget_duration
        .as_deref()
        .and_then(|d| crate::limits::period::next_reset(d, state.clock.now()).ok())
        .map(crate::time::format);
    let models = serde_json::to_string(&params.models).unwrap_or_else(|_| "[]".into());
    NewUserDefaults { role, max_budget, budget_duration, budget_reset_at, models }
}

/// Signs the SSO identity in to the user table; returns the user as stored now.
pub async fn sign_in_sso_user(state: &AppState, identity: Identity) -> Result<UserRecord, ProvisionError> {
    let new_user = defaults(state, &identity);
    let admins = Admins {
        configured: state.config.settings.general_settings.proxy_admin_id.clone(),
        builtin: state.admin_user_id().to_string(),
    };
    let now = crate::time::format(state.clock.now());
    let cache = state.clone();
    state
        .db
        .write_then(
            move |tx| {
                let user_id = find_or_create(tx, &identity, new_user, &admins, &now)?;
                let teams = match &identity.teams {
                    Some(listed) => sync_teams(tx, &user_id, listed, &now)?,
                    None => Vec::new(),
                };
                let user = users::store::load(tx, &user_id)?.ok_or(DbError::NoRow)?;
                Ok::<_, ProvisionError>((user, teams))
            },
            move |(user, teams)| {
                cache.users.put(user.clone());
                for (team_id, members) in teams {
                    if let Some(team) = cache.teams.get(team_id) {
                        let mut team = (*team).clone();
                        team.members = members.clone();
                        cache.teams.put(team);
                    }
                }
            },
        )
        .await
        .map(|(user, _)| user)
}

fn find_or_create(
    tx: &Tx<'_>,
    identity: &Identity,
    new_user: NewUserDefaults,
    admins: &Admins,
    now: &str,
) -> Result<String, ProvisionError> {
    type Found = SsoCandidate;
    let by_subject = users::store::sso_candidate(tx, SsoMatch::Subject, &identity.subject)?;
    let by_id = || users::store::sso_candidate(tx, SsoMatch::UserId, &identity.user_id);
    let email = identity.email.clone().unwrap_or_default();
    let by_email = || users::store::sso_candidate(tx, SsoMatch::Email, &email);
    // The role this sign-in may hold by what the provider says.
    let claimed = |user_id: &str| {
        if admins.configured.as_deref() == Some(user_id) {
            Role::ProxyAdmin
        } else {
            identity.role.unwrap_or(new_user.role)
        }
    };
    // A first link to an existing account never gains rights the claims do not give.
    // Without a role claim, an account an admin made for a plain user (internal_user or
    // less) may be linked; admin roles need the provider to say so.
    let link = |(id, _, role): Found, by_email: bool| {
        let stored = role.parse().unwrap_or(Role::ProxyAdmin);
        let builtin = id == admins.builtin && (by_email || admins.configured.as_deref() != Some(id.as_str()));
        let may_hold = match identity.role {
            None if admins.configured.as_deref() != Some(id.as_str()) && !new_user.role.covers(Role::InternalUser) => {
                Role::InternalUser
            }
            _ => claimed(&id),
        };
        if builtin || !may_hold.covers(stored) { Err(ProvisionError::HigherRole) } else { Ok(Some(id)) }
    };
    let existing = match by_subject {
        Some(found) => Some(found.0),
        None => match by_id()? {
            Some((_, Some(other), _)) if other != identity.subject => return Err(ProvisionError::LinkedElsewhere),
            Some(found) => link(found, false)?,
            None => match by_email()? {
                Some(_) if !identity.email_verified => return Err(ProvisionError::UnverifiedEmailTaken),
                Some((_, Some(other), _)) if other != identity.subject => return Err(ProvisionError::LinkedElsewhere),
                Some(found) => link(found, true)?,
                None => None,
            },
        },
    };
    match existing {
        Some(user_id) => {
            if users::store::is_blocked(tx, &user_id)? {
                return Err(ProvisionError::Blocked);
            }
            let role = if admins.configured.as_deref() == Some(user_id.as_str()) {
                Some(Role::ProxyAdmin)
            } else {
                identity.role
            };
            users::store::link_sso(
                tx,
                &user_id,
                &identity.subject,
                identity.email.as_deref(),
                role.map(Role::as_str),
                now,
            )?;
            Ok(user_id)
        }
        None => {
            let role = claimed(&identity.user_id);
            let metadata = serde_json::json!({ "auth_provider": identity.provider }).to_string();
            users::store::create_sso(
                tx,
                &NewSsoUser {
                    user_id: &identity.user_id,
                    email: identity.email.as_deref(),
                    alias: identity.display_name.as_deref(),
                    role: role.as_str(),
                    subject: &identity.subject,
                    max_budget: new_user.max_budget,
                    budget_duration: new_user.budget_duration.as_deref(),
                    budget_reset_at: new_user.budget_reset_at.as_deref(),
                    models: &new_user.models,
                    metadata: &metadata,
                    now,
                },
            )?;
            Ok(identity.user_id.clone())
        }
    }
}

/// Adds the user (role `user`) to the listed teams that exist, and removes them from
/// teams that SSO added earlier and the provider no longer lists. Returns the new member
/// lists of every team it changed.
fn sync_teams(
    tx: &Tx<'_>,
    user_id: &str,
    listed: &[String],
    now: &str,
) -> Result<Vec<(String, Vec<Membership>)>, ProvisionError> {
    let mut changed = Vec::new();
    for team_id in listed {
        if teams::store::exists(tx, team_id)? && teams::store::add_sso_member(tx, team_id, user_id, now)? {
            changed.push(team_id.clone());
        }
    }
    for team_id in teams::store::sso_team_ids(tx, user_id)?.into_iter().filter(|t| !listed.contains(t)) {
        teams::store::remove_member(tx, &team_id, user_id)?;
        changed.push(team_id);
    }
    let mut result = Vec::new();
    for team_id in changed {
        let members = teams::store::members(tx, &team_id)?;
        result.push((team_id, members));
    }
    Ok(result)
}
