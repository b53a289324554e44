//! `GET /spend/tags`: spend and request counts per request tag (LiteLLM's "View Spend Per
//! Request Tag"), summed from the per-day tag table (`daily_tag_spend`, kept by the ledger),
//! never from the log. As in LiteLLM, admins and admin viewers see every tag; everyone
//! else the tags of their own spend (a key without a user: its own).

use super::{ReadScope, scope_of};
use crate::auth::Caller;
use crate::db::Value as Sql;
use crate::error::ApiError;
use crate::extract::QueryParams;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TagQuery {
    /// First day counted (`YYYY-MM-DD`, UTC).
    start_date: Option<String>,
    /// Last day counted, inclusive (`YYYY-MM-DD`, UTC).
    end_date: Option<String>,
}

/// A day bound as the table files days: `YYYY-MM-DD` (a full timestamp counts its day).
fn day(value: Option<&String>, name: &str) -> Result<Option<String>, ApiError> {
    let Some(value) = value.map(|v| v.trim()).filter(|v| !v.is_empty()) else { return Ok(None) };
    if let Ok(date) = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Ok(Some(date.format("%Y-%m-%d").to_string()));
    }
    match crate::time::parse(value) {
        Some(time) => Ok(Some(time.format("%Y-%m-%d").to_string())),
        None => Err(ApiError::field(name, format!("{name} must be a YYYY-MM-DD date, got {value:?}"))),
    }
}

/// Spend per request tag: `[{individual_request_tag, log_count, total_spend}]`, the most
/// spent first.
#[utoipa::path(get, path = "/spend/tags", tag = "spend", params(TagQuery), responses((status = 200, description = "spend per request tag", body = Vec<crate::docs::schemas::reports::TagSpend>)))]
pub async fn spend_tags(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(query): QueryParams<TagQuery>,
) -> Result<Json<Value>, ApiError> {
    let scope = scope_of(&state, &caller, "/spend/tags")?;
    let mut clauses = Vec::new();
    let mut values = Vec::new();
    let mut add = |clause: &str, value: String| {
        clauses.push(format!("{clause} ?{}", values.len() + 1));
        values.push(Sql::Text(value));
    };
    if let Some(start) = day(query.start_date.as_ref(), "start_date")? {
        add("date >=", start);
    }
    if let Some(end) = day(query.end_date.as_ref(), "end_date")? {
        add("date <=", end);
    }
    match scope {
        ReadScope::Everything => {}
        ReadScope::User(user) => add("user_id =", user),
        ReadScope::Key(key) => add("api_key =", key),
    }
    let filter = if clauses.is_empty() { String::new() } else { format!(" WHERE {}", clauses.join(" AND ")) };
    let sql = format!(
        "SELECT tag, sum(api_requests), sum(spend) FROM daily_tag_spend{filter}
         GROUP BY tag ORDER BY sum(spend) DESC, tag"
    );
    let rows = state
        .db
        .read(move |conn| {
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt.query_map(crate::db::params_from_iter(values), |r| {
                Ok(json!({
                    "individual_request_tag": r.get::<_, String>(0)?,
                    "log_count": r.get::<_, i64>(1)?,
                    "total_spend": r.get::<_, f64>(2)?,
                }))
            })?;
            rows.collect::<crate::db::Result<Vec<_>>>()
        })
        .await?;
    Ok(Json(Value::Array(rows)))
}

#[cfg(test)]
mod tests {
    use super::day;

    #[test]
    fn days_are_dates_or_the_day_of_a_timestamp() {
        assert_eq!(day(Some(&"2026-11-23".into()), "start_date").unwrap().as_deref(), Some("2026-11-23"));
        assert_eq!(day(Some(&"2026-11-23T23:59:00Z".into()), "end_date").unwrap().as_deref(), Some("2026-11-23"));
        assert_eq!(day(None, "end_date").unwrap(), None);
        assert!(day(Some(&"yesterday".into()), "start_date").is_err());
    }
}
