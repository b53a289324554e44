//! `/ui/usage`: spend and tokens per day as charts, breakdowns by model, key and team,
//! each with a table, over a chosen date range; `/ui/usage.csv` exports the same grouped
//! rows. Admins and admin viewers see everything, everyone else their own spend (the rule
//! of the JSON spend reports).

use super::usage_chart::bars;
use super::usage_data::{self, Usage};
use super::{Signed, page};
use crate::auth::policy::{self, Op};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;
use serde::Deserialize;

/// The longest range one page shows.
const MAX_DAYS: i64 = 366;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/ui/usage", get(show)).route("/ui/usage.csv", get(csv))
}

#[derive(Deserialize, Default)]
pub struct RangeQuery {
    start: Option<String>,
    end: Option<String>,
}

/// The range asked for (default: the last 30 days), or why it cannot be read.
fn range(state: &AppState, query: &RangeQuery) -> Result<(NaiveDate, NaiveDate), String> {
    let today = state.clock.now().date_naive();
    let parse = |value: Option<&String>, default: NaiveDate, name: &str| match value
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
    {
        None => Ok(default),
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| format!("The {name} date `{text}` is not a date (YYYY-MM-DD).")),
    };
    let end = parse(query.end.as_ref(), today, "end")?;
    let start = parse(query.start.as_ref(), end - chrono::Days::new(29), "start")?;
    if start > end {
        return Err("The start date is after the end date.".into());
    }
    if (end - start).num_days() >= MAX_DAYS {
        return Err(format!("Choose a range of at most {MAX_DAYS} days."));
    }
    Ok((start, end))
}

/// Whose spend the page shows, as the permission policy decides (the same rule as
/// `/user/daily/activity`): `None` for everyone's.
fn scope(state: &AppState, signed: &Signed) -> Result<Option<String>, ApiError> {
    let permit = policy::authorize(state, &signed.caller, Op::SpendRead { route: "/ui/usage" })?;
    Ok(if permit.sees_all() { None } else { Some(signed.user.user_id.clone()) })
}

async fn show(State(state): State<AppState>, signed: Signed, Query(query): Query<RangeQuery>) -> Response {
    let today = state.clock.now().date_naive();
    let (status, (start, end), error) = match range(&state, &query) {
        Ok(range) => (StatusCode::OK, range, None),
        Err(error) => (StatusCode::BAD_REQUEST, (today - chrono::Days::new(29), today), Some(error)),
    };
    let scope = match scope(&state, &signed) {
        Ok(scope) => scope,
        Err(error) => return super::keys::refused(&error),
    };
    let everything = scope.is_none();
    let Usage { days, models, keys, teams, total } = match usage_data::summarise(&state, start, end, scope).await {
        Ok(usage) => usage,
        Err(error) => return super::keys::refused(&error),
    };
    let spend_points: Vec<(String, f64, f64)> = days.iter().map(|(d, t)| (d.clone(), t.spend, 0.0)).collect();
    let token_points: Vec<(String, f64, f64)> =
        days.iter().map(|(d, t)| (d.clone(), t.prompt as f64, t.completion as f64)).collect();
    let spend_chart = bars(&spend_points, super::format::usd, |d, v, _| format!("{d}: {}", super::format::usd(v)));
    let token_chart = bars(
        &token_points,
        |v| super::format::count(v.round() as i64),
        |d, p, c| {
            format!(
                "{d}: {} prompt + {} completion tokens",
                super::format::count(p as i64),
                super::format::count(c as i64)
            )
        },
    );
    let days: Vec<minijinja::Value> = days
        .iter()
        .rev()
        .map(|(date, totals)| minijinja::context! { date, ..minijinja::Value::from_serialize(totals) })
        .collect();
    let context = minijinja::context! {
        start => start.format("%Y-%m-%d").to_string(),
        end => end.format("%Y-%m-%d").to_string(),
        error,
        spend_chart,
        token_chart,
        days,
        models,
        keys,
        teams,
        total,
        everything,
        ..signed.context(&state, "Usage", "/ui/usage")
    };
    page(status, "usage.html", context)
}

/// A CSV field, quoted when it needs to be; a leading formula character is neutralised so
/// a spreadsheet does not run a key alias as a formula.
fn field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) { format!("'{text}") } else { text.to_string() };
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text }
}

async fn csv(State(state): State<AppState>, signed: Signed, Query(query): Query<RangeQuery>) -> Response {
    let (start, end) = match range(&state, &query) {
        Ok(range) => range,
        Err(error) => return (StatusCode::BAD_REQUEST, error).into_response(),
    };
    let scope = match scope(&state, &signed) {
        Ok(scope) => scope,
        Err(error) => return super::keys::refused(&error),
    };
    let mut rows = match usage_data::load(&state, start, end, scope).await {
        Ok(rows) => rows,
        Err(error) => return super::keys::refused(&error),
    };
    rows.sort_by(|a, b| {
        a.date.cmp(&b.date).then_with(|| a.model.cmp(&b.model)).then_with(|| a.api_key.cmp(&b.api_key))
    });
    let mut out = String::from("date,team,key,key_hash,model,requests,prompt_tokens,completion_tokens,spend_usd\n");
    for row in &rows {
        let team =
            state.teams.get(&row.team_id).and_then(|t| t.team_alias.clone()).unwrap_or_else(|| row.team_id.clone());
        let (key, _, _) = usage_data::key_label(&state, &row.api_key);
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{:.6}\n",
            row.date,
            field(&team),
            field(&key),
            field(&row.api_key),
            field(&row.model),
            row.requests,
            row.prompt,
            row.completion,
            row.spend
        ));
    }
    let name = format!("attachment; filename=\"usage-{start}-to-{end}.csv\"");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, name),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        out,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(super::field("a,b"), "\"a,b\"");
        assert_eq!(super::field("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(super::field("plain"), "plain");
    }
}
