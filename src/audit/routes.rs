//! `GET /audit`: the audit rows, newest first, for proxy admins and admin viewers.

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
    let (rows, total) = state
        .db
        .read(move |conn| {
            let filter = "(?1 IS NULL OR table_name = ?1) AND (?2 IS NULL OR object_id = ?2) \
                 AND (?3 IS NULL OR action = ?3) AND (?4 IS NULL OR changed_by = ?4)";
            let args = crate::params![query.table_name, query.object_id, query.action, query.changed_by];
            let total: i64 =
                conn.query_row(&format!("SELECT count(*) FROM audit_log WHERE {filter}"), args, |r| r.get(0))?;
            let mut stmt = conn.prepare(&format!(
                "SELECT id, updated_at, changed_by, changed_by_api_key, action, table_name, object_id, before_value, updated_values
                 FROM audit_log WHERE {filter} ORDER BY id DESC LIMIT ?5 OFFSET ?6"
            ))?;
            let parse = |text: Option<String>| text.and_then(|t| serde_json::from_str::<Value>(&t).ok());
            let rows = stmt
                .query_map(
                    crate::params![
                        query.table_name,
                        query.object_id,
                        query.action,
                        query.changed_by,
                        size,
                        (page - 1) * size
                    ],
                    |r| {
                        Ok(json!({
                            "id": r.get::<_, i64>(0)?.to_string(),
                            "updated_at": r.get::<_, String>(1)?,
                            "changed_by": r.get::<_, String>(2)?,
                            "changed_by_api_key": r.get::<_, Option<String>>(3)?,
                            "action": r.get::<_, String>(4)?,
                            "table_name": r.get::<_, String>(5)?,
                            "object_id": r.get::<_, String>(6)?,
                            "before_value": parse(r.get(7)?),
                            "updated_values": parse(r.get(8)?),
                        }))
                    },
                )?
                .collect::<crate::db::Result<Vec<_>>>()?;
            Ok((rows, total))
        })
        .await?;
    Ok(Json(json!({
        "audit_logs": rows,
        "total": total,
        "page": page,
        "page_size": size,
        "total_pages": fields::total_pages(total as usize, size),
    })))
}
