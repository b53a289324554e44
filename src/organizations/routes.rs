//! The `/organization/*` routes that change organizations: new, update, delete (proxy
//! admins only, see the policy). Members are changed by `members.rs`.

use super::fields::{OrgFields, blank, flatten_budget};
use super::record::OrgRecord;
use super::{store, view};
use crate::audit::{self, Actor};
use crate::auth::Caller;
use crate::auth::policy::{self, Op, Permit};
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::fields;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(new_org)).routes(routes!(update_org)).routes(routes!(delete_org))
}

pub fn not_found(organization_id: &str) -> ApiError {
    ApiError::NotFound(format!("Organization not found for organization_id={organization_id}"))
}

#[derive(Deserialize)]
struct NewOrgExtra {
    organization_id: Option<String>,
}

/// Create an organization (proxy admins only).
#[utoipa::path(post, path = "/organization/new", tag = "organizations", request_body = crate::docs::schemas::organizations::OrgNewRequest, responses((status = 200, body = crate::docs::schemas::organizations::Organization)))]
async fn new_org(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    let _permit = policy::authorize(&state, &caller, Op::OrgNew)?;
    let body = flatten_budget(&body);
    let request: OrgFields = fields::parse(&body)?;
    let extra: NewOrgExtra = fields::parse(&body)?;
    request.validate()?;
    if request.organization_alias.is_none() {
        return Err(ApiError::field("organization_alias", "organization_alias is required"));
    }
    let organization_id = match extra.organization_id.as_deref().map(str::trim) {
        Some("") => return Err(ApiError::field("organization_id", "organization_id must not be empty")),
        Some(id) => id.to_string(),
        None => uuid::Uuid::new_v4().to_string(),
    };
    let now = state.clock.now();
    let now_text = crate::time::format(now);
    let actor = Actor::of(&caller);
    let mut org = blank(&organization_id, &actor.user_id, &now_text);
    request.apply(&mut org, now)?;
    let cache = state.clone();
    let org = state
        .db
        .write_then(
            move |tx| {
                if store::load(tx, &org.organization_id)?.is_some() {
                    return Err(ApiError::field(
                        "organization_id",
                        format!(
                            "Organization id = {} already exists. Please use a different organization id.",
                            org.organization_id
                        ),
                    ));
                }
                store::save(tx, &org)?;
                audit::record(
                    tx,
                    &actor,
                    &now_text,
                    "created",
                    "organizations",
                    &org.organization_id,
                    None,
                    Some(&audit::json(&org)),
                )?;
                Ok(org)
            },
            move |org: &OrgRecord| cache.organizations.put(org.clone()),
        )
        .await?;
    Ok(Json(view::organization(&state, &org)))
}

#[derive(Deserialize)]
struct UpdateExtra {
    organization_id: Option<String>,
    spend: Option<f64>,
}

/// Change an organization's alias, models, limits or metadata (proxy admins only).
#[utoipa::path(patch, path = "/organization/update", tag = "organizations", request_body = crate::docs::schemas::organizations::OrgUpdateRequest, responses((status = 200, body = crate::docs::schemas::organizations::Organization)))]
async fn update_org(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    let permit = policy::authorize(&state, &caller, Op::OrgUpdate)?;
    let body = flatten_budget(&body);
    let extra: UpdateExtra = fields::parse(&body)?;
    let request: OrgFields = fields::parse(&body)?;
    request.validate()?;
    fields::budget("spend", extra.spend)?;
    let organization_id =
        extra.organization_id.ok_or_else(|| ApiError::field("organization_id", "organization_id is required"))?;
    if state.organizations.get(&organization_id).is_none() {
        return Err(not_found(&organization_id));
    }
    let spend = extra.spend;
    let org = change(&state, &permit, &organization_id, Actor::of(&caller), move |org, now| {
        request.apply(org, now)?;
        if let Some(spend) = spend {
            org.spend = spend;
        }
        Ok(())
    })
    .await?;
    Ok(Json(view::organization(&state, &org)))
}

/// Read-modify-write of one organization row in one transaction, with its audit row.
pub async fn change(
    state: &AppState,
    _permit: &Permit,
    organization_id: &str,
    actor: Actor,
    modify: impl FnOnce(&mut OrgRecord, chrono::DateTime<chrono::Utc>) -> Result<(), ApiError> + Send + 'static,
) -> Result<OrgRecord, ApiError> {
    let now = state.clock.now();
    let organization_id = organization_id.to_string();
    let cache = state.clone();
    state
        .db
        .write_then(
            move |tx| {
                let mut org = store::load(tx, &organization_id)?.ok_or_else(|| not_found(&organization_id))?;
                let before = audit::json(&org);
                modify(&mut org, now)?;
                let now = crate::time::format(now);
                org.updated_at.clone_from(&now);
                org.updated_by.clone_from(&actor.user_id);
                store::save(tx, &org)?;
                audit::record(
                    tx,
                    &actor,
                    &now,
                    "updated",
                    "organizations",
                    &org.organization_id,
                    Some(&before),
                    Some(&audit::json(&org)),
                )?;
                Ok(org)
            },
            move |org: &OrgRecord| cache.organizations.put(org.clone()),
        )
        .await
}

#[derive(Deserialize)]
struct DeleteOrgs {
    organization_ids: Vec<String>,
}

/// Delete organizations with their teams (and the teams' keys, archived) and memberships,
/// as LiteLLM does. Answers the organizations as they were.
#[utoipa::path(delete, path = "/organization/delete", tag = "organizations", request_body = crate::docs::schemas::organizations::OrgDeleteRequest, responses((status = 200, body = Vec<crate::docs::schemas::organizations::Organization>)))]
async fn delete_org(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    let _permit = policy::authorize(&state, &caller, Op::OrgDelete)?;
    let request: DeleteOrgs = fields::parse(&body)?;
    if request.organization_ids.is_empty() {
        return Err(ApiError::field("organization_ids", "organization_ids must name at least one organization"));
    }
    let mut shown = Vec::new();
    for id in &request.organization_ids {
        let org =
            state.organizations.get(id).ok_or_else(|| ApiError::NotFound(format!("Organization={id} not found")))?;
        shown.push(view::organization(&state, &org));
    }
    let actor = Actor::of(&caller);
    let now = crate::time::format(state.clock.now());
    let cache = state.clone();
    let ids = request.organization_ids.clone();
    state
        .db
        .write_then(
            move |tx| {
                let (mut teams, mut tokens) = (Vec::new(), Vec::new());
                for org_id in &ids {
                    let Some(org) = store::load(tx, org_id)? else { continue };
                    for team_id in store::team_ids(tx, org_id)? {
                        tokens.extend(crate::teams::routes::delete_with_keys(tx, &actor, &now, &team_id)?);
                        teams.push(team_id);
                    }
                    store::delete(tx, org_id)?;
                    audit::record(
                        tx,
                        &actor,
                        &now,
                        "deleted",
                        "organizations",
                        org_id,
                        Some(&audit::json(&org)),
                        None,
                    )?;
                }
                Ok::<_, ApiError>((ids, teams, tokens))
            },
            move |(ids, teams, tokens): &(Vec<String>, Vec<String>, Vec<String>)| {
                crate::teams::routes::forget_deleted(&cache, teams, tokens);
                for id in ids {
                    cache.organizations.remove(id);
                }
            },
        )
        .await?;
    Ok(Json(Value::Array(shown)))
}
