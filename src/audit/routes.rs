//! `GET /audit`: the audit rows, newest first, for proxy admins and admin viewers.

use super::store;
use crate::auth::Caller;
use crate::auth::policy::{self, Op};
use crate::error::ApiError;
use crate::extract::QueryParams;
use crate::fields;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    page: Option<i64>,
    page_size: Option<i64>,
    /// Only rows of this table (`keys`, `users`, `teams`, `team_memberships`, `invitations`).
    table_name: Option<String>,
    object_id: Option<String>,
    action: Option<String>,
    changed_by: Option<String>,
}

/// The audit log, newest first.
#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditQuery), responses((status = 200, body = crate::docs::schemas::reports::AuditPage)))]
async fn list_audit(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(query): QueryParams<AuditQuery>,
) -> Result<Json<Value>, ApiError> {
    policy::authorize(&state, &caller, Op::AuditRead)?;
    let (page, size) = fields::page(query.page, query.page_size, 50, 1000)?;
    let filter = store::Filter {
        table_name: query.table_name,
        object_id: query.object_id,
        action: query.action,
        changed_by: query.changed_by,
    };
    let (rows, total) = state.db.read(move |conn| store::page(conn, &filter, page, size)).await?;
    Ok(Json(json!({
        "audit_logs": rows,
        "total": total,
        "page": page,
        "page_size": size,
        "total_pages": fields::total_pages(total as usize, size),
    })))
}
