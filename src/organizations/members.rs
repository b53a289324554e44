//! Organization members: `/organization/member_add`, `/organization/member_update`,
//! `/organization/member_delete` (roles `org_admin`, `internal_user`,
//! `internal_user_viewer`). Proxy admins and the organization's admins may call them; the
//! policy also checks that a member added or changed holds no right the caller lacks. A
//! member named by an id or email nobody has becomes a new user with the defaults for new
//! users, as `/team/member_add` does.

use super::record::{OrgMembership, OrgRecord, OrgRole};
use super::{store, view};
use crate::audit::{self, Actor};
use crate::auth::Caller;
use crate::auth::policy::{self, Op, Permit};
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::fields;
use crate::state::AppState;
use crate::teams::members::{Member, resolve};
use crate::users::UserRecord;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(member_add)).routes(routes!(member_update)).routes(routes!(member_delete))
}

/// The organization a member call names, authorized for the caller before anything else
/// is read: only callers who see every organization learn that one does not exist.
fn organization_for(state: &AppState, caller: &Caller, body: &Value, route: &str) -> Result<Arc<OrgRecord>, ApiError> {
    let organization_id = fields::text(body, "organization_id")
        .ok_or_else(|| ApiError::field("organization_id", "organization_id is required"))?;
    let Some(org) = state.organizations.get(&organization_id) else {
        return Err(if policy::authorize(state, caller, Op::OrgList)?.sees_all() {
            super::routes::not_found(&organization_id)
        } else {
            ApiError::Unauthorized(format!(
                "You do not have a role within the selected organization. Passed organization_id: {organization_id}. Please contact the organization admin to request access."
            ))
        });
    };
    policy::authorize(state, caller, Op::OrgMembers { route, org: &org, users: &[], new_user_roles: &[] })?;
    Ok(org)
}

#[derive(Debug, Clone, Deserialize)]
struct OrgMember {
    role: Option<String>,
    user_id: Option<String>,
    user_email: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(OrgMember),
    Many(Vec<OrgMember>),
}

#[derive(Deserialize)]
struct MemberAdd {
    member: OneOrMany,
    max_budget_in_organization: Option<f64>,
}

/// Add one member or several; unknown users are created.
#[utoipa::path(post, path = "/organization/member_add", tag = "organizations", request_body = crate::docs::schemas::organizations::OrgMemberAddRequest, responses((status = 200, body = crate::docs::schemas::organizations::OrgMembersAdded)))]
async fn member_add(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    let route = "/organization/member_add";
    let org = organization_for(&state, &caller, &body, route)?;
    let request: MemberAdd = fields::parse(&body)?;
    fields::budget("max_budget_in_organization", request.max_budget_in_organization)?;
    let members = match request.member {
        OneOrMany::One(m) => vec![m],
        OneOrMany::Many(ms) => ms,
    };
    if members.is_empty() {
        return Err(ApiError::field("member", "member must name at least one user"));
    }
    let mut joining = Vec::new();
    for member in &members {
        let role = match member.role.as_deref() {
            None => {
                return Err(ApiError::field(
                    "role",
                    "a member needs a role: org_admin, internal_user or internal_user_viewer",
                ));
            }
            Some(role) => OrgRole::parse("role", Some(role))?,
        };
        let named = Member { role: None, user_id: member.user_id.clone(), user_email: member.user_email.clone() };
        let resolved = resolve(&state, &named)?;
        if org.member(&resolved.user_id).is_none()
            && !joining.iter().any(|(j, _): &(crate::teams::members::Joining, _)| j.user_id == resolved.user_id)
        {
            joining.push((resolved, role));
        }
    }
    if joining.is_empty() {
        return Err(ApiError::bad_request(format!(
            "User already in organization={}. Member: user_id={:?}, user_email={:?}",
            org.organization_id, members[0].user_id, members[0].user_email
        )));
    }
    let existing: Vec<String> =
        joining.iter().filter(|(j, _)| j.new_user.is_none()).map(|(j, _)| j.user_id.clone()).collect();
    let new_roles: Vec<_> = joining.iter().filter_map(|(j, _)| j.new_user.as_ref().map(|u| u.user_role)).collect();
    let permit = policy::authorize(
        &state,
        &caller,
        Op::OrgMembers { route, org: &org, users: &existing, new_user_roles: &new_roles },
    )?;
    let actor = Actor::of(&caller);
    let now = crate::time::format(state.clock.now());
    let org_id = org.organization_id.clone();
    let budget = request.max_budget_in_organization;
    let (org, added) = members_write(&state, &permit, &org.organization_id, move |tx| {
        let mut created = Vec::new();
        let mut added = Vec::new();
        for (joining, role) in joining {
            let mut user_id = joining.user_id;
            if let Some(user) = joining.new_user {
                match taken(tx, &user)? {
                    Some(existing) => user_id = existing,
                    None => {
                        crate::users::store::save(tx, &user)?;
                        audit::record(
                            tx,
                            &actor,
                            &now,
                            "created",
                            "users",
                            &user.user_id,
                            None,
                            Some(&audit::json(&user)),
                        )?;
                        created.push(user);
                    }
                }
            }
            if store::load_member(tx, &org_id, &user_id)?.is_some() {
                continue;
            }
            let member = OrgMembership {
                user_id: user_id.clone(),
                organization_id: org_id.clone(),
                user_role: role,
                spend: 0.0,
                max_budget_in_organization: budget,
                created_at: now.clone(),
                updated_at: now.clone(),
            };
            store::add_member(tx, &member)?;
            let object = format!("{org_id}:{user_id}");
            audit::record(
                tx,
                &actor,
                &now,
                "created",
                "organization_memberships",
                &object,
                None,
                Some(&audit::json(&member)),
            )?;
            added.push(user_id);
        }
        Ok((created, added))
    })
    .await?;
    let users: Vec<Value> =
        added.iter().filter_map(|u| state.users.get(u)).map(|u| crate::users::view::user(&state, &u)).collect();
    let memberships: Vec<Value> =
        org.members.iter().filter(|m| added.contains(&m.user_id)).map(|m| view::member(&state, m)).collect();
    Ok(Json(json!({
        "organization_id": org.organization_id,
        "updated_users": users,
        "updated_organization_memberships": memberships,
    })))
}

/// The user who took a new user's id or email since it was resolved, if any.
fn taken(tx: &crate::db::Conn<'_>, user: &UserRecord) -> Result<Option<String>, ApiError> {
    if let Some(existing) = crate::users::store::load(tx, &user.user_id)? {
        return Ok(Some(existing.user_id));
    }
    Ok(match user.user_email.as_deref() {
        Some(email) => crate::users::store::by_email(tx, email)?.map(|u| u.user_id),
        None => None,
    })
}

/// Runs `modify` on the organization's memberships in one transaction, then reloads it;
/// users `modify` creates go into the in-memory table with it.
async fn members_write<T: Send + 'static>(
    state: &AppState,
    _permit: &Permit,
    organization_id: &str,
    modify: impl FnOnce(&crate::db::Tx<'_>) -> Result<(Vec<UserRecord>, T), ApiError> + Send + 'static,
) -> Result<(OrgRecord, T), ApiError> {
    let organization_id = organization_id.to_string();
    let cache = state.clone();
    let (org, _, result) = state
        .db
        .write_then(
            move |tx| {
                let (created, result) = modify(tx)?;
                let org =
                    store::load(tx, &organization_id)?.ok_or_else(|| super::routes::not_found(&organization_id))?;
                Ok::<_, ApiError>((org, created, result))
            },
            move |(org, created, _): &(OrgRecord, Vec<UserRecord>, T)| {
                for user in created {
                    cache.users.put(user.clone());
                }
                cache.organizations.put(org.clone());
            },
        )
        .await?;
    Ok((org, result))
}

#[derive(Deserialize)]
struct MemberRef {
    user_id: Option<String>,
    user_email: Option<String>,
    role: Option<String>,
    max_budget_in_organization: Option<f64>,
}

/// The member a call names, by id or (when no id is given) by email.
fn member_of(state: &AppState, org: &OrgRecord, request: &MemberRef) -> Result<OrgMembership, ApiError> {
    let user_id = match (&request.user_id, &request.user_email) {
        (Some(id), _) => id.clone(),
        (None, Some(email)) => state.users.by_email(email).map(|u| u.user_id.clone()).ok_or_else(|| {
            ApiError::field(
                "user_email",
                format!("Unique user not found for user_email={email}. Potential duplicate OR non-existent user_email in LiteLLM_UserTable. Use 'user_id' instead."),
            )
        })?,
        (None, None) => return Err(ApiError::field("user_id", "Either user id or user email must be provided")),
    };
    org.member(&user_id)
        .cloned()
        .ok_or_else(|| ApiError::NotFound(format!("Member not found in organization for user_id={user_id}")))
}

/// Change a member's role in the organization or their budget in it.
#[utoipa::path(patch, path = "/organization/member_update", tag = "organizations", request_body = crate::docs::schemas::organizations::OrgMemberUpdateRequest, responses((status = 200, body = crate::docs::schemas::organizations::OrgMember)))]
async fn member_update(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    let route = "/organization/member_update";
    let org = organization_for(&state, &caller, &body, route)?;
    let request: MemberRef = fields::parse(&body)?;
    fields::budget("max_budget_in_organization", request.max_budget_in_organization)?;
    let before = member_of(&state, &org, &request)?;
    let target = [before.user_id.clone()];
    let permit =
        policy::authorize(&state, &caller, Op::OrgMembers { route, org: &org, users: &target, new_user_roles: &[] })?;
    let mut after = before.clone();
    if request.role.is_some() {
        after.user_role = OrgRole::parse("role", request.role.as_deref())?;
    }
    if request.max_budget_in_organization.is_some() {
        after.max_budget_in_organization = request.max_budget_in_organization;
    }
    let actor = Actor::of(&caller);
    let now = crate::time::format(state.clock.now());
    after.updated_at.clone_from(&now);
    let member = after.clone();
    members_write(&state, &permit, &org.organization_id, move |tx| {
        store::update_member(tx, &member)?;
        let object = format!("{}:{}", member.organization_id, member.user_id);
        audit::record(
            tx,
            &actor,
            &now,
            "updated",
            "organization_memberships",
            &object,
            Some(&audit::json(&before)),
            Some(&audit::json(&member)),
        )?;
        Ok((Vec::new(), ()))
    })
    .await?;
    Ok(Json(view::member(&state, &after)))
}

/// Remove a member from the organization (their teams and keys stay).
#[utoipa::path(delete, path = "/organization/member_delete", tag = "organizations", request_body = crate::docs::schemas::organizations::OrgMemberDeleteRequest, responses((status = 200, body = crate::docs::schemas::organizations::OrgMember)))]
async fn member_delete(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    let route = "/organization/member_delete";
    let org = organization_for(&state, &caller, &body, route)?;
    let request: MemberRef = fields::parse(&body)?;
    let before = member_of(&state, &org, &request)?;
    let permit =
        policy::authorize(&state, &caller, Op::OrgMembers { route, org: &org, users: &[], new_user_roles: &[] })?;
    let actor = Actor::of(&caller);
    let now = crate::time::format(state.clock.now());
    let removed = before.clone();
    members_write(&state, &permit, &org.organization_id, move |tx| {
        store::remove_member(tx, &removed.organization_id, &removed.user_id)?;
        let object = format!("{}:{}", removed.organization_id, removed.user_id);
        audit::record(
            tx,
            &actor,
            &now,
            "deleted",
            "organization_memberships",
            &object,
            Some(&audit::json(&removed)),
            None,
        )?;
        Ok((Vec::new(), ()))
    })
    .await?;
    Ok(Json(view::member(&state, &before)))
}
