//! LiteLLM's spend and usage reports: `GET /spend/logs` (and the paginated
//! `/spend/logs/v2`), `GET /user/daily/activity`, `GET /global/spend/report`. Admins and
//! admin viewers see everything; everyone else only their own spend (`scope_of`).

mod activity;
mod logs;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(logs::spend_logs))
        .routes(routes!(logs::spend_logs_v2))
        .routes(routes!(activity::daily_activity))
        .routes(routes!(activity::global_spend_report))
}

/// Whose spend a caller may read. (At merge this goes through the permission policy.)
#[derive(Debug, Clone, PartialEq)]
pub enum ReadScope {
    Everything,
    User(String),
    Key(String),
}

pub fn scope_of(caller: &Caller) -> ReadScope {
    if caller.is_master_key() || caller.role.is_some_and(|r| r.sees_everything()) {
        return ReadScope::Everything;
    }
    match &caller.user_id {
        Some(user) => ReadScope::User(user.clone()),
        None => ReadScope::Key(caller.api_key_hash().to_string()),
    }
}

/// Admin roles only (the global report).
pub fn require_admin_view(caller: &Caller) -> Result<(), ApiError> {
    match scope_of(caller) {
        ReadScope::Everything => Ok(()),
        _ => Err(ApiError::Unauthorized(format!(
            "Authentication Error, only proxy admins and admin viewers can view the global spend report. Your role={}",
            caller.role_label()
        ))),
    }
}

/// A key filter given as a clear key (`sk-...`) or as its hash.
pub fn key_hash(value: &str) -> String {
    if value.starts_with("sk-") { crate::keys::hash_key(value) } else { value.to_string() }
}

/// `YYYY-MM-DD` or a full timestamp; a date as an end is inclusive of that whole day.
pub fn date_bound(value: &str, end: bool) -> Result<String, ApiError> {
    if let Ok(date) = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        let time = if end { date.and_hms_micro_opt(23, 59, 59, 999_999) } else { date.and_hms_opt(0, 0, 0) };
        return Ok(time.map(|t| crate::time::format(t.and_utc())).unwrap_or_default());
    }
    crate::time::parse(value).map(crate::time::format).ok_or_else(|| {
        ApiError::bad_request(format!("`{value}` is not a date: use YYYY-MM-DD or an RFC 3339 timestamp"))
    })
}
