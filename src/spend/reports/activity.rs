//! Usage from the per-day aggregate (`daily_spend`), never from raw logs, so it stays
//! fast at millions of requests: `GET /user/daily/activity` (the UI's usage page: per day,
//! with breakdowns by model, provider and key) and `GET /global/spend/report` (per day,
//! grouped by team or key; admin roles).

use super::{ReadScope, key_hash, scope_of};
use crate::auth::Caller;
use crate::auth::policy::{self, Op};
use crate::db::Value as Sql;
use crate::error::ApiError;
use crate::extract::QueryParams;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActivityQuery {
    start_date: Option<String>,
    end_date: Option<String>,
    model: Option<String>,
    api_key: Option<String>,
    user_id: Option<String>,
    page: Option<u32>,
    page_size: Option<u32>,
    /// `team` (default) or `api_key` (global report only).
    group_by: Option<String>,
    team_id: Option<String>,
}

/// One grouped row of `daily_spend`.
struct Row {
    date: String,
    user_id: String,
    team_id: String,
    api_key: String,
    model: String,
    provider: String,
    prompt: i64,
    completion: i64,
    spend: f64,
    requests: i64,
    ok: i64,
    failed: i64,
}

fn date(value: Option<&String>, name: &str) -> Result<String, ApiError> {
    let value = value.ok_or_else(|| ApiError::field(name, format!("Please provide {name} (YYYY-MM-DD).")))?;
    chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map(|d| d.format("%Y-%m-%d").to_string())
        .map_err(|_| ApiError::field(name, format!("`{value}` is not a date: use YYYY-MM-DD")))
}

async fn load(state: &AppState, caller: &Caller, q: &ActivityQuery) -> Result<Vec<Row>, ApiError> {
    let mut clauses = vec!["date >= ?1".to_string(), "date <= ?2".to_string()];
    let mut values =
        vec![Sql::Text(date(q.start_date.as_ref(), "start_date")?), Sql::Text(date(q.end_date.as_ref(), "end_date")?)];
    let mut add = |clause: &str, value: String| {
        clauses.push(format!("{clause} ?{}", values.len() + 1));
        values.push(Sql::Text(value));
    };
    match scope_of(state, caller, "/user/daily/activity")? {
        ReadScope::Everything => {}
        ReadScope::User(user) => add("user_id =", user),
        ReadScope::Key(key) => add("api_key =", key),
    }
    if let Some(user) = &q.user_id {
        add("user_id =", user.clone());
    }
    if let Some(key) = &q.api_key {
        add("api_key =", key_hash(key));
    }
    if let Some(model) = &q.model {
        add("model =", model.clone());
    }
    if let Some(team) = &q.team_id {
        add("team_id =", team.clone());
    }
    let sql = format!(
        "SELECT date, user_id, team_id, api_key, model, custom_llm_provider, prompt_tokens, completion_tokens, spend,
                api_requests, successful_requests, failed_requests
         FROM daily_spend WHERE {} ORDER BY date",
        clauses.join(" AND ")
    );
    Ok(state
        .db
        .read(move |conn| {
            let mut stmt = conn.prepare(&sql)?;
            let rows = stmt.query_map(crate::db::params_from_iter(values), |r| {
                Ok(Row {
                    date: r.get(0)?,
                    user_id: r.get(1)?,
                    team_id: r.get(2)?,
                    api_key: r.get(3)?,
                    model: r.get(4)?,
                    provider: r.get(5)?,
                    prompt: r.get(6)?,
                    completion: r.get(7)?,
                    spend: r.get(8)?,
                    requests: r.get(9)?,
                    ok: r.get(10)?,
                    failed: r.get(11)?,
                })
            })?;
            rows.collect::<crate::db::Result<Vec<_>>>()
        })
        .await?)
}

fn metrics() -> Value {
    json!({"spend": 0.0, "prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0,
           "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0,
           "api_requests": 0, "successful_requests": 0, "failed_requests": 0})
}

fn add(metrics: &mut Value, row: &Row) {
    let bump = |m: &mut Value, field: &str, by: i64| m[field] = json!(m[field].as_i64().unwrap_or(0) + by);
    metrics["spend"] = json!(metrics["spend"].as_f64().unwrap_or(0.0) + row.spend);
    bump(metrics, "prompt_tokens", row.prompt);
    bump(metrics, "completion_tokens", row.completion);
    bump(metrics, "total_tokens", row.prompt + row.completion);
    bump(metrics, "api_requests", row.requests);
    bump(metrics, "successful_requests", row.ok);
    bump(metrics, "failed_requests", row.failed);
}

fn entry<'a>(map: &'a mut Value, name: &str, metadata: Value) -> &'a mut Value {
    if map.get(name).is_none() {
        map[name] = json!({"metrics": metrics(), "metadata": metadata});
    }
    &mut map[name]["metrics"]
}

/// Daily usage (LiteLLM's `SpendAnalyticsPaginatedResponse`).
#[utoipa::path(get, path = "/user/daily/activity", tag = "spend", params(ActivityQuery), responses((status = 200, description = "usage per day with breakdowns", body = crate::docs::schemas::reports::ActivityAnswer)))]
pub async fn daily_activity(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<ActivityQuery>,
) -> Result<Json<Value>, ApiError> {
    let rows = load(&state, &caller, &q).await?;
    let mut days: BTreeMap<String, Value> = BTreeMap::new();
    let mut totals = metrics();
    for row in &rows {
        add(&mut totals, row);
        let day = days.entry(row.date.clone()).or_insert_with(|| {
            json!({"date": row.date, "metrics": metrics(), "breakdown": {"models": {}, "model_groups": {}, "providers": {}, "endpoints": {}, "api_keys": {}, "entities": {}}})
        });
        add(&mut day["metrics"], row);
        let breakdown = &mut day["breakdown"];
        add(entry(&mut breakdown["models"], &row.model, json!({})), row);
        add(entry(&mut breakdown["model_groups"], &row.model, json!({})), row);
        add(entry(&mut breakdown["providers"], &row.provider, json!({})), row);
        let alias = state.keys.get(&row.api_key).and_then(|k| k.key_alias.clone());
        let team = (!row.team_id.is_empty()).then(|| row.team_id.clone());
        add(entry(&mut breakdown["api_keys"], &row.api_key, json!({"key_alias": alias, "team_id": team})), row);
        if !row.user_id.is_empty() {
            add(entry(&mut breakdown["entities"], &row.user_id, json!({})), row);
        }
    }
    let size = q.page_size.unwrap_or(50).clamp(1, 1000) as usize;
    let page = q.page.unwrap_or(1).max(1) as usize;
    let total_pages = days.len().div_ceil(size).max(1);
    let results: Vec<Value> = days.into_values().skip((page - 1) * size).take(size).collect();
    let mut metadata = Map::new();
    for (field, name) in [
        ("spend", "total_spend"),
        ("prompt_tokens", "total_prompt_tokens"),
        ("completion_tokens", "total_completion_tokens"),
        ("total_tokens", "total_tokens"),
        ("api_requests", "total_api_requests"),
        ("successful_requests", "total_successful_requests"),
        ("failed_requests", "total_failed_requests"),
        ("cache_read_input_tokens", "total_cache_read_input_tokens"),
        ("cache_creation_input_tokens", "total_cache_creation_input_tokens"),
    ] {
        metadata.insert(name.into(), totals[field].clone());
    }
    metadata.insert("page".into(), json!(page));
    metadata.insert("total_pages".into(), json!(total_pages));
    metadata.insert("has_more".into(), json!(page < total_pages));
    Ok(Json(json!({"results": results, "metadata": metadata})))
}

/// Spend per day grouped by team (default) or key (admin roles).
#[utoipa::path(get, path = "/global/spend/report", tag = "spend", params(ActivityQuery), responses((status = 200, description = "spend per day and group", body = Vec<crate::docs::schemas::reports::SpendReportDay>)))]
pub async fn global_spend_report(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(mut q): QueryParams<ActivityQuery>,
) -> Result<Json<Value>, ApiError> {
    policy::authorize(&state, &caller, Op::GlobalSpendRead)?;
    let today = state.clock.now().date_naive();
    q.start_date.get_or_insert_with(|| (today - chrono::Days::new(30)).format("%Y-%m-%d").to_string());
    q.end_date.get_or_insert_with(|| today.format("%Y-%m-%d").to_string());
    let by_key = match q.group_by.as_deref().unwrap_or("team") {
        "team" => false,
        "api_key" => true,
        other => return Err(ApiError::field("group_by", format!("`{other}` is not supported: use team or api_key"))),
    };
    let rows = load(&state, &caller, &q).await?;
    let mut days: BTreeMap<String, BTreeMap<String, Vec<&Row>>> = BTreeMap::new();
    for row in &rows {
        let group = if by_key { row.api_key.clone() } else { row.team_id.clone() };
        days.entry(row.date.clone()).or_default().entry(group).or_default().push(row);
    }
    let report: Vec<Value> = days
        .into_iter()
        .map(|(day, groups)| {
            let entries: Vec<Value> = groups
                .into_iter()
                .map(|(group, rows)| {
                    let spend: f64 = rows.iter().map(|r| r.spend).sum();
                    if by_key {
                        let alias = state.keys.get(&group).and_then(|k| k.key_alias.clone());
                        let details: Vec<Value> = rows.iter().map(|r| json!({"model": r.model, "total_cost": r.spend, "prompt_tokens": r.prompt, "completion_tokens": r.completion})).collect();
                        json!({"api_key": group, "key_alias": alias, "total_cost": spend,
                               "total_input_tokens": rows.iter().map(|r| r.prompt).sum::<i64>(),
                               "total_output_tokens": rows.iter().map(|r| r.completion).sum::<i64>(),
                               "model_details": details})
                    } else {
                        let name = state.teams.get(&group).and_then(|t| t.team_alias.clone()).unwrap_or_else(|| if group.is_empty() { "Unassigned Team".into() } else { group.clone() });
                        let details: Vec<Value> = rows.iter().map(|r| json!({"model": r.model, "spend": r.spend, "total_tokens": r.prompt + r.completion})).collect();
                        json!({"team_name": name, "team_id": group, "total_spend": spend, "metadata": details})
                    }
                })
                .collect();
            let field = if by_key { "api_keys" } else { "teams" };
            json!({"group_by_day": day, field: entries})
        })
        .collect();
    Ok(Json(Value::Array(report)))
}
