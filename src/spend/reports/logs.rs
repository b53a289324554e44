//! `GET /spend/logs`: spend-log rows by key, user, team, request id (the server's or the
//! client's), Claude Code session and time range, as a
//! list (LiteLLM's shape, newest first, `page`/`page_size` to page through), or per-day
//! sums with `summarize` and both dates; `GET /spend/logs/v2` is the paginated envelope.
//! The key, user, team, model group, request-id and date filters are served by indexes of
//! `spend_rows` (names by their number in `spend_names`, times in microseconds); the others
//! (LiteLLM's v2 filters: status, model, alias, error, spend range) narrow what those find. A page is
//! picked from `spend_rows` and shown through the `spend_logs` view, which rebuilds
//! LiteLLM's columns and values; `/spend/logs`' rows carry the bodies payload capture kept
//! (`spend_payloads`, by the row's id) as LiteLLM's `messages`, `response` and
//! `proxy_server_request`, which `/spend/logs/v2`'s pages leave out as LiteLLM's do.

use super::{ReadScope, date_bound, key_hash, scope_of};
use crate::auth::Caller;
use crate::db::{Value as Sql, dialect};
use crate::error::ApiError;
use crate::extract::QueryParams;
use crate::spend::payloads::{self, Payload};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    api_key: Option<String>,
    user_id: Option<String>,
    team_id: Option<String>,
    /// The row's id (the answer's `x-litellm-call-id`) or the id the client sent.
    request_id: Option<String>,
    /// `success` or `failure` (requests refused by the proxy or failed upstream).
    status_filter: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
    summarize: Option<bool>,
    page: Option<u32>,
    page_size: Option<u32>,
    min_spend: Option<f64>,
    max_spend: Option<f64>,
    /// The model the upstream was asked for.
    model: Option<String>,
    /// The deployment's id.
    model_id: Option<String>,
    /// The public model name the client asked for.
    model_group: Option<String>,
    key_alias: Option<String>,
    end_user: Option<String>,
    /// The Claude Code session (`X-Claude-Code-Session-Id`) the requests belong to.
    session_id: Option<String>,
    /// A failure's status, e.g. `429`.
    error_code: Option<String>,
    /// Part of a failure's message.
    error_message: Option<String>,
    /// `startTime` (default), `endTime`, `spend`, `total_tokens` or `model`.
    sort_by: Option<String>,
    /// `desc` (default) or `asc`.
    sort_order: Option<String>,
}

pub(super) const COLUMNS: &str = "request_id, call_type, api_key, spend, total_tokens, prompt_tokens, completion_tokens, \
    startTime, endTime, model, model_id, model_group, custom_llm_provider, api_base, \"user\", team_id, end_user, \
    metadata, cache_hit, status, client_request_id, session_id, request_tags, completionStartTime";

/// A row as LiteLLM shows it. `api_base` is masked again here: rows written before it was
/// masked at write time may hold a password.
pub(super) fn row_json(row: &crate::db::Row<'_>) -> crate::db::Result<Value> {
    let metadata: String = row.get(17)?;
    Ok(json!({
        "request_id": row.get::<_, String>(0)?, "call_type": row.get::<_, String>(1)?,
        "api_key": row.get::<_, String>(2)?, "spend": row.get::<_, f64>(3)?,
        "total_tokens": row.get::<_, i64>(4)?, "prompt_tokens": row.get::<_, i64>(5)?,
        "completion_tokens": row.get::<_, i64>(6)?, "startTime": row.get::<_, String>(7)?,
        "endTime": row.get::<_, String>(8)?, "model": row.get::<_, String>(9)?,
        "model_id": row.get::<_, Option<String>>(10)?, "model_group": row.get::<_, Option<String>>(11)?,
        "custom_llm_provider": row.get::<_, Option<String>>(12)?, "api_base": row.get::<_, Option<String>>(13)?.map(|base| crate::config::mask_url(&base)),
        "user": row.get::<_, Option<String>>(14)?, "team_id": row.get::<_, Option<String>>(15)?,
        "end_user": row.get::<_, Option<String>>(16)?,
        "metadata": serde_json::from_str::<Value>(&metadata).unwrap_or_default(),
        "cache_hit": if row.get::<_, bool>(18)? { "True" } else { "False" }, "status": row.get::<_, String>(19)?,
        "client_request_id": row.get::<_, Option<String>>(20)?,
        "session_id": row.get::<_, Option<String>>(21)?,
        "request_tags": serde_json::from_str::<Value>(&row.get::<_, String>(22)?).unwrap_or_else(|_| json!([])),
        "completionStartTime": row.get::<_, String>(23)?,
    }))
}

/// A row of [`page_sql`] with `payloads`: [`row_json`] and the kept bodies in LiteLLM's
/// fields (`{}` when none were kept).
pub(super) fn row_with_payload(row: &crate::db::Row<'_>) -> crate::db::Result<Value> {
    let mut json = row_json(row)?;
    let kept = match (row.get::<_, Option<String>>(24)?, row.get::<_, Option<String>>(25)?) {
        (Some(request), Some(response)) => Some(Payload { request, response }),
        _ => None,
    };
    for (field, value) in payloads::row_fields(kept.as_ref()) {
        json[field] = value;
    }
    Ok(json)
}

/// The WHERE clause and its values for a query and the caller's scope.
pub(super) fn filters(
    state: &AppState,
    caller: &Caller,
    route: &str,
    q: &LogQuery,
) -> Result<(String, Vec<Sql>), ApiError> {
    let mut clauses = Vec::new();
    let mut values = Vec::new();
    // Each condition takes one value, numbered here (a condition may use it twice).
    let mut add = |condition: &str, value: Sql| {
        clauses.push(condition.replace('?', &format!("?{}", values.len() + 1)));
        values.push(value);
    };
    // Names are stored by number (`spend_names`): a name nobody used matches no row.
    const NAMED: &str = "(SELECT id FROM spend_names WHERE name = ?)";
    match scope_of(state, caller, route)? {
        ReadScope::Everything => {}
        ReadScope::User(user) => add(&format!("\"user\" = {NAMED}"), Sql::Text(user)),
        ReadScope::Key(key) => add(&format!("api_key = {NAMED}"), Sql::Text(key)),
    }
    if let Some(status) = &q.status_filter
        && !matches!(status.as_str(), "success" | "failure")
    {
        return Err(ApiError::field("status_filter", format!("status_filter is success or failure, not {status:?}.")));
    }
    let named = [
        ("api_key", q.api_key.as_deref().map(key_hash)),
        ("\"user\"", q.user_id.clone()),
        ("team_id", q.team_id.clone()),
        ("status", q.status_filter.clone()),
        ("model", q.model.clone()),
        ("model_id", q.model_id.clone()),
        ("model_group", q.model_group.clone()),
        ("key_alias", q.key_alias.clone()),
    ];
    for (column, value) in named {
        if let Some(value) = value {
            add(&format!("{column} = {NAMED}"), Sql::Text(value));
        }
    }
    // The metadata column holds the JSON only when it says more than the key alias and the
    // end user: failures always.
    let error = |field: &str| dialect::json_text("metadata", &["error_information", field]);
    let texts = [
        // The server's id (`x-litellm-call-id`) or the one the client sent.
        ("(request_id = ? OR client_request_id = ?)".to_string(), q.request_id.clone()),
        ("end_user = ?".to_string(), q.end_user.clone()),
        ("session_id = ?".to_string(), q.session_id.clone()),
        (format!("{} = ?", error("error_code")), q.error_code.clone()),
        (dialect::contains(&error("error_message"), "?"), q.error_message.clone()),
    ];
    for (condition, value) in texts {
        if let Some(value) = value {
            add(&condition, Sql::Text(value));
        }
    }
    let times = [
        ("start >= ?", q.start_date.as_deref().map(|d| date_bound(d, false)).transpose()?),
        ("start <= ?", q.end_date.as_deref().map(|d| date_bound(d, true)).transpose()?),
    ];
    for (condition, value) in times {
        if let Some(value) = value {
            add(condition, Sql::Integer(crate::spend::micros(&value)));
        }
    }
    for (condition, value) in [("spend >= ?", q.min_spend), ("spend <= ?", q.max_spend)] {
        if let Some(value) = value {
            add(condition, Sql::Real(value));
        }
    }
    let clause = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    Ok((clause, values))
}

/// The ORDER BY of a log listing (LiteLLM's `sort_by` and `sort_order`, newest first by
/// default): over `spend_rows` to pick the page, and over the `spend_logs` view to show it.
pub(super) fn order(q: &LogQuery) -> Result<(String, String), ApiError> {
    let (stored, shown) = match q.sort_by.as_deref().unwrap_or("startTime") {
        "startTime" => ("start", "startTime"),
        "endTime" => ("start + duration", "endTime"),
        "spend" => ("spend", "spend"),
        "total_tokens" => ("coalesce(total_tokens, prompt_tokens + completion_tokens)", "total_tokens"),
        "model" => ("(SELECT name FROM spend_names WHERE id = spend_rows.model)", "model"),
        other => {
            return Err(ApiError::field(
                "sort_by",
                format!("sort_by is one of startTime, endTime, spend, total_tokens, model; not {other:?}."),
            ));
        }
    };
    let direction = match q.sort_order.as_deref().unwrap_or("desc") {
        "desc" => "DESC",
        "asc" => "ASC",
        other => return Err(ApiError::field("sort_order", format!("sort_order is asc or desc, not {other:?}."))),
    };
    // Ties (a whole batch of rows in one microsecond, equal spends) in request order.
    let by = |column: &str| format!("ORDER BY {column} {direction}, request_id {direction}");
    Ok((by(stored), by(shown)))
}

/// One page of rows, picked from `spend_rows` through its indexes and shown through the
/// `spend_logs` view; with `payloads`, each with its kept bodies (by `spend_payloads`'
/// key: one lookup per row of the page, nothing when none are kept), read by
/// [`row_with_payload`].
pub(super) fn page_sql(
    clause: &str,
    (stored, shown): &(String, String),
    size: u32,
    offset: u64,
    payloads: bool,
) -> String {
    let (bodies, join) =
        if payloads { (", p.request, p.response", " LEFT JOIN spend_payloads p USING (request_id)") } else { ("", "") };
    format!(
        "SELECT {COLUMNS}{bodies} FROM spend_logs{join} WHERE request_id IN
            (SELECT request_id FROM spend_rows {clause} {stored} LIMIT {size} OFFSET {offset})
         {shown}"
    )
}

fn page(q: &LogQuery, default_size: u32) -> (u32, u32) {
    (q.page.unwrap_or(1).max(1), q.page_size.unwrap_or(default_size).clamp(1, 1000))
}

/// Spend-log rows (LiteLLM's `/spend/logs`): a list, newest first.
#[utoipa::path(get, path = "/spend/logs", tag = "spend", params(LogQuery), responses((status = 200, description = "spend-log rows, or per-day sums with summarize", body = Vec<crate::docs::schemas::reports::SpendLogsEntry>)))]
pub async fn spend_logs(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<LogQuery>,
) -> Result<Json<Value>, ApiError> {
    let (clause, values) = filters(&state, &caller, "/spend/logs", &q)?;
    if q.summarize.unwrap_or(true) && q.start_date.is_some() && q.end_date.is_some() {
        let day = crate::db::dialect::utc_day_of_micros("start");
        let sql = format!(
            "SELECT {day} AS day, sum(spend),
                (SELECT name FROM spend_names WHERE id = spend_rows.model_group),
                (SELECT name FROM spend_names WHERE id = spend_rows.\"user\")
             FROM spend_rows {clause} GROUP BY day, model_group, \"user\" ORDER BY day"
        );
        let rows = state
            .db
            .read(move |conn| {
                let mut stmt = conn.prepare(&sql)?;
                let rows = stmt.query_map(crate::db::params_from_iter(values), |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, f64>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, Option<String>>(3)?,
                    ))
                })?;
                rows.collect::<crate::db::Result<Vec<_>>>()
            })
            .await?;
        let mut days: Vec<Value> = Vec::new();
        for (day, spend, model, user) in rows {
            if days.last().is_none_or(|d| d["startTime"] != day.as_str()) {
                days.push(json!({"startTime": day, "spend": 0.0, "models": {}, "users": {}}));
            }
            if let Some(entry) = days.last_mut() {
                entry["spend"] = json!(entry["spend"].as_f64().unwrap_or(0.0) + spend);
                let model = model.unwrap_or_default();
                entry["models"][&model] = json!(entry["models"][&model].as_f64().unwrap_or(0.0) + spend);
                let user = user.unwrap_or_default();
                entry["users"][&user] = json!(entry["users"][&user].as_f64().unwrap_or(0.0) + spend);
            }
        }
        return Ok(Json(Value::Array(days)));
    }
    let (page, size) = page(&q, 1000);
    let offset = u64::from(page - 1) * u64::from(size);
    let sql = page_sql(&clause, &order(&q)?, size, offset, true);
    let rows = state
        .db
        .read(move |conn| {
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt.query_map(crate::db::params_from_iter(values), row_with_payload)?;
            rows.collect::<crate::db::Result<Vec<_>>>()
        })
        .await?;
    Ok(Json(Value::Array(rows)))
}

/// Spend-log rows, paginated: `{data, total, page, page_size, total_pages}`.
#[utoipa::path(get, path = "/spend/logs/v2", tag = "spend", params(LogQuery), responses((status = 200, description = "a page of spend-log rows", body = crate::docs::schemas::reports::SpendLogsPage)))]
pub async fn spend_logs_v2(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<LogQuery>,
) -> Result<Json<Value>, ApiError> {
    let (clause, values) = filters(&state, &caller, "/spend/logs/v2", &q)?;
    let (page, size) = page(&q, 50);
    let offset = u64::from(page - 1) * u64::from(size);
    let count_sql = format!("SELECT count(*) FROM spend_rows {clause}");
    // Without the bodies, as LiteLLM's v2 list (they can be 128 KiB a row).
    let sql = page_sql(&clause, &order(&q)?, size, offset, false);
    let (total, rows) = state
        .db
        .read(move |conn| {
            let total: i64 = conn.query_row(&count_sql, crate::db::params_from_iter(values.iter()), |r| r.get(0))?;
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt.query_map(crate::db::params_from_iter(values.iter()), row_json)?;
            Ok((total, rows.collect::<crate::db::Result<Vec<_>>>()?))
        })
        .await?;
    let pages = (total as u64).div_ceil(u64::from(size));
    Ok(Json(json!({"data": rows, "total": total, "page": page, "page_size": size, "total_pages": pages})))
}
