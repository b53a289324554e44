//! The SQL of one ledger batch: spend-log rows, running spend, the daily, weekly,
//! per-user daily and per-tag daily aggregates. Cached statements keep a batch of hundreds of rows to a few milliseconds.

use super::names::Names;
use super::row::SpendRow;
use crate::db::{Tx, params};
use chrono::{Datelike, NaiveDate};
use std::collections::HashMap;

pub(super) fn write_rows(
    tx: &Tx<'_>,
    rows: &[&SpendRow],
    deltas: &super::ledger::Deltas,
    logs: Option<&Names>,
) -> crate::db::Result<()> {
    if let Some(names) = logs {
        insert_rows(tx, rows, names)?;
    }
    let mut key = tx.prepare_cached("UPDATE keys SET spend = spend + ?1, last_active = ?2 WHERE token = ?3")?;
    let now = crate::time::now_text();
    for (token, delta) in &deltas.keys {
        key.execute(params![delta, now, token])?;
    }
    let mut user = tx.prepare_cached("UPDATE users SET spend = spend + ?1 WHERE user_id = ?2")?;
    for (id, delta) in &deltas.users {
        user.execute(params![delta, id])?;
    }
    let mut team = tx.prepare_cached("UPDATE teams SET spend = spend + ?1 WHERE team_id = ?2")?;
    for (id, delta) in &deltas.teams {
        team.execute(params![delta, id])?;
    }
    let mut member =
        tx.prepare_cached("UPDATE team_memberships SET spend = spend + ?1 WHERE team_id = ?2 AND user_id = ?3")?;
    for ((team_id, user_id), delta) in &deltas.members {
        member.execute(params![delta, team_id, user_id])?;
    }
    for (id, delta) in &deltas.customers {
        crate::customers::store::add_spend(tx, id, *delta)?;
    }
    let mut org = tx.prepare_cached("UPDATE organizations SET spend = spend + ?1 WHERE organization_id = ?2")?;
    for (id, delta) in &deltas.organizations {
        org.execute(params![delta, id])?;
    }
    write_daily(tx, rows)
}

/// The rows into `spend_rows`: names by their number, times in microseconds, the metadata
/// only when it says more than the key alias and the end user (which have columns).
fn insert_rows(tx: &Tx<'_>, rows: &[&SpendRow], names: &Names) -> crate::db::Result<()> {
    let mut names = names.lookup(tx);
    // No `OR IGNORE`: ids are the server's own, so a duplicate is a bug that must fail
    // the commit rather than drop a row that was charged.
    let mut insert = tx.prepare_cached(
        "INSERT INTO spend_rows (request_id, start, duration, call_type, api_key, \"user\", team_id, key_alias, model,
            model_id, model_group, custom_llm_provider, api_base, status, spend, prompt_tokens, completion_tokens,
            end_user, client_request_id, session_id, metadata, request_tags, first_token)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)",
    )?;
    for row in rows {
        let start = micros(&row.start);
        let alias = row.metadata.get("user_api_key_alias").and_then(serde_json::Value::as_str);
        // The tags by their numbers, as names are kept: `[3,17]`; none for most rows.
        let tags = if row.tags.is_empty() {
            None
        } else {
            let ids = row.tags.iter().map(|t| names.id(t)).collect::<crate::db::Result<Vec<_>>>()?;
            Some(serde_json::Value::from(ids).to_string())
        };
        insert.execute(params![
            row.request_id,
            start,
            micros(&row.end) - start,
            names.id(&row.call_type)?,
            names.id(&row.api_key)?,
            names.optional(row.user.as_deref())?,
            names.optional(row.team_id.as_deref())?,
            names.optional(alias)?,
            names.id(&row.model)?,
            names.optional(row.model_id.as_deref())?,
            names.id(&row.model_group)?,
            names.id(&row.provider)?,
            names.optional(row.api_base.as_deref())?,
            names.id(if row.status_ok { "success" } else { "failure" })?,
            row.cost,
            row.prompt_tokens as i64,
            row.completion_tokens as i64,
            row.end_user,
            row.client_request_id,
            row.session_id,
            stored_metadata(row),
            tags,
            row.first_token.map(|micros| i64::try_from(micros).unwrap_or(i64::MAX)),
        ])?;
    }
    Ok(())
}

/// A row's time as stored: microseconds since 1970 (0 for a time that does not parse,
/// which the server's own times always do).
pub fn micros(time: &str) -> i64 {
    crate::time::parse(time).map_or(0, |t| t.timestamp_micros())
}

/// The metadata column: none when the metadata is just the key alias and the end user,
/// in that order (what `spend_logs` rebuilds from their columns), else the JSON text.
fn stored_metadata(row: &SpendRow) -> Option<String> {
    let plain = row.metadata.as_object().is_some_and(|m| {
        let mut fields = m.iter();
        let alias = fields.next();
        let end_user = fields.next();
        fields.next().is_none()
            && alias.is_some_and(|(k, v)| k == "user_api_key_alias" && (v.is_null() || v.is_string()))
            && end_user.is_some_and(|(k, v)| {
                k == "end_user"
                    && if v.is_null() { row.end_user.is_none() } else { v.as_str() == row.end_user.as_deref() }
            })
    });
    (!plain).then(|| row.metadata.to_string())
}

type DayKey<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, &'a str);

#[derive(Default)]
struct Day {
    prompt: u64,
    completion: u64,
    spend: f64,
    requests: u64,
    ok: u64,
}

fn write_daily(tx: &Tx<'_>, rows: &[&SpendRow]) -> crate::db::Result<()> {
    let mut days: HashMap<DayKey<'_>, Day> = HashMap::new();
    for row in rows {
        let date = row.start.get(..10).unwrap_or_default();
        let key = (
            date,
            row.user.as_deref().unwrap_or_default(),
            row.team_id.as_deref().unwrap_or_default(),
            row.api_key.as_str(),
            row.model_group.as_str(),
            row.provider.as_str(),
        );
        let day = days.entry(key).or_default();
        day.prompt += row.prompt_tokens;
        day.completion += row.completion_tokens;
        day.spend += row.cost;
        day.requests += 1;
        day.ok += u64::from(row.status_ok);
    }
    let mut upsert = tx.prepare_cached(
        "INSERT INTO daily_spend (date, user_id, team_id, api_key, model, custom_llm_provider, prompt_tokens,
            completion_tokens, spend, api_requests, successful_requests, failed_requests)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (date, user_id, team_id, api_key, model, custom_llm_provider) DO UPDATE SET
            prompt_tokens = prompt_tokens + excluded.prompt_tokens,
            completion_tokens = completion_tokens + excluded.completion_tokens,
            spend = spend + excluded.spend,
            api_requests = api_requests + excluded.api_requests,
            successful_requests = successful_requests + excluded.successful_requests,
            failed_requests = failed_requests + excluded.failed_requests",
    )?;
    write_weekly(tx, &days)?;
    write_per_user(tx, &days)?;
    write_per_tag(tx, rows)?;
    for ((date, user, team, key, model, provider), day) in days {
        upsert.execute(params![
            date,
            user,
            team,
            key,
            model,
            provider,
            day.prompt as i64,
            day.completion as i64,
            day.spend,
            day.requests as i64,
            day.ok as i64,
            (day.requests - day.ok) as i64,
        ])?;
    }
    Ok(())
}

/// The Monday of a `YYYY-MM-DD` day: the week `weekly_spend` files that day under.
pub fn week_of(date: &str) -> String {
    match NaiveDate::parse_from_str(date, "%Y-%m-%d") {
        Ok(day) => {
            let back = u64::from(day.weekday().num_days_from_monday());
            (day - chrono::Days::new(back)).format("%Y-%m-%d").to_string()
        }
        Err(_) => date.to_string(),
    }
}

type WeekKey<'a> = (String, &'a str, &'a str, &'a str, &'a str);

fn write_weekly(tx: &Tx<'_>, days: &HashMap<DayKey<'_>, Day>) -> crate::db::Result<()> {
    let mut weeks: HashMap<WeekKey<'_>, Day> = HashMap::new();
    for ((date, user, team, key, model, _), day) in days {
        let week = weeks.entry((week_of(date), user, team, key, model)).or_default();
        week.prompt += day.prompt;
        week.completion += day.completion;
        week.spend += day.spend;
        week.requests += day.requests;
    }
    let mut upsert = tx.prepare_cached(
        "INSERT INTO weekly_spend (week, user_id, team_id, api_key, model, prompt_tokens, completion_tokens, spend,
            api_requests)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (week, user_id, team_id, api_key, model) DO UPDATE SET
            prompt_tokens = prompt_tokens + excluded.prompt_tokens,
            completion_tokens = completion_tokens + excluded.completion_tokens,
            spend = spend + excluded.spend,
            api_requests = api_requests + excluded.api_requests",
    )?;
    for ((week, user, team, key, model), sums) in weeks {
        upsert.execute(params![
            week,
            user,
            team,
            key,
            model,
            sums.prompt as i64,
            sums.completion as i64,
            sums.spend,
            sums.requests as i64,
        ])?;
    }
    Ok(())
}

fn write_per_user(tx: &Tx<'_>, days: &HashMap<DayKey<'_>, Day>) -> crate::db::Result<()> {
    let mut sums: HashMap<(&str, &str), Day> = HashMap::new();
    for ((date, user, ..), day) in days {
        let sum = sums.entry((date, user)).or_default();
        sum.prompt += day.prompt;
        sum.completion += day.completion;
        sum.spend += day.spend;
        sum.requests += day.requests;
    }
    let mut upsert = tx.prepare_cached(
        "INSERT INTO daily_user_spend (date, user_id, prompt_tokens, completion_tokens, spend, api_requests)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (date, user_id) DO UPDATE SET
            prompt_tokens = prompt_tokens + excluded.prompt_tokens,
            completion_tokens = completion_tokens + excluded.completion_tokens,
            spend = spend + excluded.spend,
            api_requests = api_requests + excluded.api_requests",
    )?;
    for ((date, user), sum) in sums {
        upsert.execute(params![
            date,
            user,
            sum.prompt as i64,
            sum.completion as i64,
            sum.spend,
            sum.requests as i64
        ])?;
    }
    Ok(())
}

type TagKey<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str);

/// The sums per day and tag (`daily_tag_spend`): each row counts once under each of its
/// tags. Rows without tags, most of them, write nothing here.
fn write_per_tag(tx: &Tx<'_>, rows: &[&SpendRow]) -> crate::db::Result<()> {
    let mut sums: HashMap<TagKey<'_>, Day> = HashMap::new();
    for row in rows.iter().filter(|r| !r.tags.is_empty()) {
        let date = row.start.get(..10).unwrap_or_default();
        let user = row.user.as_deref().unwrap_or_default();
        let team = row.team_id.as_deref().unwrap_or_default();
        for tag in &row.tags {
            let sum = sums.entry((date, tag.as_str(), user, team, row.api_key.as_str())).or_default();
            sum.prompt += row.prompt_tokens;
            sum.completion += row.completion_tokens;
            sum.spend += row.cost;
            sum.requests += 1;
            sum.ok += u64::from(row.status_ok);
        }
    }
    if sums.is_empty() {
        return Ok(());
    }
    let mut upsert = tx.prepare_cached(
        "INSERT INTO daily_tag_spend (date, tag, user_id, team_id, api_key, prompt_tokens, completion_tokens, spend,
            api_requests, successful_requests)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (date, tag, user_id, team_id, api_key) DO UPDATE SET
            prompt_tokens = prompt_tokens + excluded.prompt_tokens,
            completion_tokens = completion_tokens + excluded.completion_tokens,
            spend = spend + excluded.spend,
            api_requests = api_requests + excluded.api_requests,
            successful_requests = successful_requests + excluded.successful_requests",
    )?;
    for ((date, tag, user, team, key), sum) in sums {
        upsert.execute(params![
            date,
            tag,
            user,
            team,
            key,
            sum.prompt as i64,
            sum.completion as i64,
            sum.spend,
            sum.requests as i64,
            sum.ok as i64,
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn weeks_start_on_monday() {
        assert_eq!(super::week_of("2026-11-22"), "2026-11-16");
        assert_eq!(super::week_of("2026-11-23"), "2026-11-23");
        assert_eq!(super::week_of("2026-11-29"), "2026-11-23");
        assert_eq!(super::week_of("2027-01-01"), "2026-12-28");
    }
}
