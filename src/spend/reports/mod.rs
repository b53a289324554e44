//! LiteLLM's spend and usage reports: `GET /spend/logs` (and the paginated
//! `/spend/logs/v2`), `GET /user/daily/activity`, `GET /global/spend/report`, `GET
//! /spend/tags`. Admins and
//! admin viewers see everything; everyone else only their own spend, as the permission
//! policy decides (`scope_of`).

mod activity;
mod logs;
pub mod request_log;
mod tags;
pub mod usage;

use crate::auth::Caller;
use crate::auth::policy::{self, Op};
use crate::error::ApiError;
use crate::state::AppState;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(logs::spend_logs))
        .routes(routes!(logs::spend_logs_v2))
        .routes(routes!(activity::daily_activity))
        .routes(routes!(activity::global_spend_report))
        .routes(routes!(tags::spend_tags))
}

/// Whose spend a caller may read.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadScope {
    Everything,
    User(String),
    Key(String),
}

/// What the caller may read, as the policy decided: everything, or their own spend.
pub fn scope_of(state: &AppState, caller: &Caller, route: &str) -> Result<ReadScope, ApiError> {
    let permit = policy::authorize(state, caller, Op::SpendRead { route })?;
    if permit.sees_all() {
        return Ok(ReadScope::Everything);
    }
    Ok(match &caller.user_id {
        Some(user) => ReadScope::User(user.clone()),
        None => ReadScope::Key(caller.api_key_hash().to_string()),
    })
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
