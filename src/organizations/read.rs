//! The `/organization/*` routes that read: `/organization/info` (GET, and LiteLLM's
//! deprecated POST form) and `/organization/list`, from the in-memory tables. Proxy admins
//! and admin viewers see every organization, others the ones they belong to. Whether an
//! organization exists is told only to those who may read it.

use super::record::OrgRecord;
use super::view;
use crate::auth::Caller;
use crate::auth::policy::{self, Op};
use crate::error::ApiError;
use crate::extract::{JsonBody, QueryParams};
use crate::fields;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(org_info, org_info_post)).routes(routes!(org_list))
}

/// The organization, if the caller may read it; an unknown one is "not found" only to
/// those who see every organization.
fn readable(state: &AppState, caller: &Caller, organization_id: &str) -> Result<Arc<OrgRecord>, ApiError> {
    match state.organizations.get(organization_id) {
        Some(org) => {
            policy::authorize(state, caller, Op::OrgRead { org: &org })?;
            Ok(org)
        }
        None if policy::authorize(state, caller, Op::OrgList)?.sees_all() => {
            Err(ApiError::NotFound("Organization not found".into()))
        }
        None => Err(ApiError::Forbidden("You do not have access to this organization".into())),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct InfoQuery {
    organization_id: Option<String>,
}

/// An organization with its members and teams.
#[utoipa::path(get, path = "/organization/info", tag = "organizations", params(("organization_id" = String, Query)), responses((status = 200, body = crate::docs::schemas::organizations::Organization)))]
async fn org_info(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(query): QueryParams<InfoQuery>,
) -> Result<Json<Value>, ApiError> {
    let organization_id =
        query.organization_id.ok_or_else(|| ApiError::field("organization_id", "organization_id is required"))?;
    let org = readable(&state, &caller, &organization_id)?;
    Ok(Json(view::organization(&state, &org)))
}

#[derive(Deserialize)]
struct InfoBody {
    organizations: Vec<String>,
}

/// LiteLLM's deprecated form of `/organization/info`: several organizations at once.
#[utoipa::path(post, path = "/organization/info", tag = "organizations", request_body = crate::docs::schemas::organizations::OrgInfoRequest, responses((status = 200, body = Vec<crate::docs::schemas::organizations::Organization>)))]
async fn org_info_post(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    let request: InfoBody = fields::parse(&body)?;
    if request.organizations.is_empty() {
        return Err(ApiError::field("organizations", "Specify list of organization id's to query. Passed in=[]"));
    }
    let orgs = request.organizations.iter().map(|id| readable(&state, &caller, id)).collect::<Result<Vec<_>, _>>()?;
    Ok(Json(Value::Array(orgs.iter().map(|o| view::organization(&state, o)).collect())))
}

#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    /// Only the organization with this id.
    org_id: Option<String>,
    /// Only organizations whose alias contains this (case-insensitive).
    org_alias: Option<String>,
}

/// Organizations, sorted by alias: all of them for admins and admin viewers, the caller's
/// own for everyone else.
#[utoipa::path(get, path = "/organization/list", tag = "organizations", params(ListQuery), responses((status = 200, body = Vec<crate::docs::schemas::organizations::Organization>)))]
async fn org_list(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let permit = policy::authorize(&state, &caller, Op::OrgList)?;
    let me = caller.user_id.as_deref();
    let alias = query.org_alias.as_deref().map(str::to_lowercase);
    let mut orgs: Vec<_> = state
        .organizations
        .all()
        .into_iter()
        .filter(|o| permit.sees_all() || me.is_some_and(|u| o.member(u).is_some()))
        .filter(|o| query.org_id.as_deref().is_none_or(|id| o.organization_id == id))
        .filter(|o| alias.as_deref().is_none_or(|a| o.organization_alias.to_lowercase().contains(a)))
        .collect();
    orgs.sort_by(|a, b| {
        a.organization_alias.cmp(&b.organization_alias).then_with(|| a.organization_id.cmp(&b.organization_id))
    });
    Ok(Json(Value::Array(orgs.iter().map(|o| view::organization(&state, o)).collect())))
}
