//! What the usage page reads: the aggregates the ledger keeps (never the raw spend logs,
//! so it stays fast at millions of requests) for a date range, scoped to the visitor
//! (everything for admins and admin viewers, else their own spend): totals per day from
//! `daily_user_spend`, per model, key and team from the whole weeks of `weekly_spend`
//! plus the days at the edges from `daily_spend` (`summarise`), and the grouped daily
//! rows for the CSV export (`load`).

use super::usage_sums::{Breakdowns, Grouped, Sums};
use crate::error::ApiError;
use crate::state::AppState;
use chrono::{Datelike, NaiveDate, Weekday};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// One grouped row: a day, model, key and team.
pub struct Row {
    pub date: String,
    pub model: String,
    pub api_key: String,
    pub team_id: String,
    pub spend: f64,
    pub prompt: i64,
    pub completion: i64,
    pub requests: i64,
}

#[derive(Default, Clone, Serialize)]
pub struct Totals {
    pub spend: f64,
    pub prompt: i64,
    pub completion: i64,
    pub tokens: i64,
    pub requests: i64,
}

#[derive(Serialize)]
pub struct Group {
    pub name: String,
    pub detail: Option<String>,
    pub link: Option<String>,
    #[serde(flatten)]
    pub totals: Totals,
}

pub struct Usage {
    pub days: Vec<(String, Totals)>,
    pub models: Vec<Group>,
    pub keys: Vec<Group>,
    pub teams: Vec<Group>,
    pub total: Totals,
}

/// The grouped rows of `[start, end]` (CSV), for `user` only when given.
pub async fn load(
    state: &AppState,
    start: NaiveDate,
    end: NaiveDate,
    user: Option<String>,
) -> Result<Vec<Row>, ApiError> {
    let start = start.format("%Y-%m-%d").to_string();
    let end = end.format("%Y-%m-%d").to_string();
    let rows = state
        .db
        .read(move |conn| {
            let scoped = if user.is_some() { " AND user_id = ?3" } else { "" };
            let sql = format!(
                "SELECT date, model, api_key, team_id, SUM(spend), SUM(prompt_tokens), SUM(completion_tokens), SUM(api_requests)
                 FROM daily_spend WHERE date >= ?1 AND date <= ?2{scoped}
                 GROUP BY date, model, api_key, team_id"
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let map = |r: &crate::db::Row<'_>| {
                Ok(Row {
                    date: r.get(0)?,
                    model: r.get(1)?,
                    api_key: r.get(2)?,
                    team_id: r.get(3)?,
                    spend: r.get(4)?,
                    prompt: r.get(5)?,
                    completion: r.get(6)?,
                    requests: r.get(7)?,
                })
            };
            match &user {
                Some(user) => stmt.query_map(crate::params![start, end, user], map)?.collect::<crate::db::Result<Vec<_>>>(),
                None => stmt.query_map(crate::params![start, end], map)?.collect::<crate::db::Result<Vec<_>>>(),
            }
        })
        .await?;
    Ok(rows)
}

impl Totals {
    pub fn add(&mut self, other: &Totals) {
        self.spend += other.spend;
        self.prompt += other.prompt;
        self.completion += other.completion;
        self.tokens += other.tokens;
        self.requests += other.requests;
    }
}

/// The `limit` biggest groups by spend, then tokens, then name (so ties show the same
/// groups on every visit, whatever order the maps hand them out).
fn top(map: HashMap<String, Totals>, limit: usize) -> Grouped {
    let mut groups: Grouped = map.into_iter().collect();
    groups.sort_by(|a, b| {
        b.1.spend.total_cmp(&a.1.spend).then_with(|| b.1.tokens.cmp(&a.1.tokens)).then_with(|| a.0.cmp(&b.0))
    });
    groups.truncate(limit);
    groups
}

fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// Where the breakdowns of `[start, end]` are read: its whole weeks (Monday to Sunday)
/// from `weekly_spend`, the days before and after them from `daily_spend`; each piece is
/// (table, first, last), inclusive, in the table's own date column.
fn pieces(start: NaiveDate, end: NaiveDate) -> Vec<(&'static str, NaiveDate, NaiveDate)> {
    let days = |n: u64| chrono::Days::new(n);
    let first_monday = start + days(u64::from((7 - start.weekday().num_days_from_monday()) % 7));
    // The Monday of the last week that ends (on a Sunday) by `end`.
    let last_monday = end
        - days(u64::from(end.weekday().num_days_from_monday()))
        - days(7 * u64::from(end.weekday() != Weekday::Sun));
    if first_monday > last_monday {
        return vec![("daily_spend", start, end)];
    }
    let mut out = Vec::new();
    if start < first_monday {
        out.push(("daily_spend", start, first_monday - days(1)));
    }
    out.push(("weekly_spend", first_monday, last_monday));
    if last_monday + days(6) < end {
        out.push(("daily_spend", last_monday + days(7), end));
    }
    out
}

/// Per-day totals of the range, from the few rows a day of `daily_user_spend`.
fn day_totals(
    conn: &crate::db::Conn<'_>,
    start: NaiveDate,
    end: NaiveDate,
    user: Option<&str>,
) -> crate::db::Result<Grouped> {
    let scoped = if user.is_some() { " AND user_id = ?3" } else { "" };
    let sql = format!(
        "SELECT date, SUM(spend), SUM(prompt_tokens), SUM(completion_tokens), SUM(api_requests)
         FROM daily_user_spend WHERE date >= ?1 AND date <= ?2{scoped} GROUP BY date"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let map = |r: &crate::db::Row<'_>| {
        let (prompt, completion): (i64, i64) = (r.get(2)?, r.get(3)?);
        let totals = Totals { spend: r.get(1)?, prompt, completion, tokens: prompt + completion, requests: r.get(4)? };
        Ok((r.get(0)?, totals))
    };
    let (first, last) = (day_text(start), day_text(end));
    match user {
        Some(user) => stmt.query_map(crate::params![first, last, user], map)?.collect(),
        None => stmt.query_map(crate::params![first, last], map)?.collect(),
    }
}

/// Adds one piece's rows to the model, key and team sums. One scan in Rust: SQLite's
/// GROUP BY on model, key and team would sort the piece three times.
fn scan(
    conn: &crate::db::Conn<'_>,
    table: &str,
    first: NaiveDate,
    last: NaiveDate,
    user: Option<&str>,
    sums: &mut Sums,
) -> crate::db::Result<()> {
    if let (Some(user), "weekly_spend") = (user, table) {
        // `weekly_spend` has no index by user (it would cost every ledger commit a page):
        // one user's rows of a week are a prefix of its key, found by one seek per week.
        let mut week = first;
        while week <= last {
            let sql = "SELECT model, api_key, team_id, spend, prompt_tokens, completion_tokens, api_requests
                 FROM weekly_spend WHERE week = ?1 AND user_id = ?2";
            let mut stmt = conn.prepare_cached(sql)?;
            add_rows(stmt.query(crate::params![day_text(week), user])?, sums)?;
            week = week + chrono::Days::new(7);
        }
        return Ok(());
    }
    let column = if table == "weekly_spend" { "week" } else { "date" };
    let scoped = if user.is_some() { " AND user_id = ?3" } else { "" };
    let sql = format!(
        "SELECT model, api_key, team_id, spend, prompt_tokens, completion_tokens, api_requests
         FROM {table} WHERE {column} >= ?1 AND {column} <= ?2{scoped}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let (first, last) = (day_text(first), day_text(last));
    let rows = match user {
        Some(user) => stmt.query(crate::params![first, last, user])?,
        None => stmt.query(crate::params![first, last])?,
    };
    add_rows(rows, sums)
}

fn add_rows(mut rows: crate::db::Rows<'_>, sums: &mut Sums) -> crate::db::Result<()> {
    while let Some(row) = rows.next()? {
        let (prompt, completion): (i64, i64) = (row.get(4)?, row.get(5)?);
        let add = Totals { spend: row.get(3)?, prompt, completion, tokens: prompt + completion, requests: row.get(6)? };
        let text = |index: usize| row.bytes(index);
        sums.add(text(0)?, text(1)?, text(2)?, add);
    }
    Ok(())
}

/// A group's id as shown: name, a detail, a link.
type Label = (String, Option<String>, Option<String>);

/// The page's numbers over the range: per day, model, team and the top keys.
pub async fn summarise(
    state: &AppState,
    start: NaiveDate,
    end: NaiveDate,
    user: Option<String>,
) -> Result<Usage, ApiError> {
    let (per_day, models, keys, teams) = state
        .db
        .read(move |conn| {
            // One read transaction: the chart and the breakdowns see the same commits.
            conn.snapshot(|snapshot| {
                let user = user.as_deref();
                let per_day = day_totals(snapshot, start, end, user)?;
                let mut sums = Sums::default();
                for (table, first, last) in pieces(start, end) {
                    scan(snapshot, table, first, last, user, &mut sums)?;
                }
                let Breakdowns { models, keys, teams } = sums.finish();
                Ok((per_day, top(models, 50), top(keys, 25), top(teams, 50)))
            })
        })
        .await?;
    let mut days: BTreeMap<String, Totals> = BTreeMap::new();
    let mut day = start;
    while day <= end {
        days.insert(day.format("%Y-%m-%d").to_string(), Totals::default());
        day = day.succ_opt().unwrap_or(end + chrono::Days::new(1));
    }
    let mut total = Totals::default();
    for (date, totals) in per_day {
        total.add(&totals);
        days.insert(date, totals);
    }
    let named = |rows: Grouped, name: &dyn Fn(&str) -> Label| -> Vec<Group> {
        rows.into_iter()
            .map(|(id, totals)| {
                let (name, detail, link) = name(&id);
                Group { name, detail, link, totals }
            })
            .collect()
    };
    let models = named(models, &|m| (if m.is_empty() { "(unknown)".into() } else { m.to_string() }, None, None));
    let keys = named(keys, &|k| key_label(state, k));
    let teams = named(teams, &|t| match state.teams.get(t) {
        _ if t.is_empty() => ("No team".into(), None, None),
        Some(team) => (
            team.team_alias.clone().unwrap_or_else(|| t.to_string()),
            None,
            Some(format!("/ui/teams/{}", crate::invitations::encode(t))),
        ),
        None => (t.to_string(), Some("deleted team".into()), None),
    });
    Ok(Usage { days: days.into_iter().collect(), models, keys, teams, total })
}

/// A key hash as people know it: alias and masked key, or what the spend row names.
pub fn key_label(state: &AppState, hash: &str) -> Label {
    match hash {
        "ui_session" => ("UI session (test chat)".into(), None, None),
        "master_key" => ("master key".into(), None, None),
        _ => match state.keys.get(hash) {
            Some(key) => {
                let owner = key.user_id.as_deref().and_then(|u| state.users.get(u)).and_then(|u| u.user_email.clone());
                (
                    key.key_alias.clone().unwrap_or_else(|| key.key_name.clone()),
                    owner.or(Some(key.key_name.clone())),
                    None,
                )
            }
            None => (format!("{}…", hash.get(..10).unwrap_or(hash)), Some("deleted key".into()), None),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn shown(start: &str, end: &str) -> Vec<(&'static str, String, String)> {
        pieces(day(start), day(end)).into_iter().map(|(t, a, b)| (t, day_text(a), day_text(b))).collect()
    }

    #[test]
    fn a_range_reads_whole_weeks_and_the_days_around_them() {
        // 2026-11-23 is a Monday.
        let thirty = shown("2026-10-25", "2026-11-23");
        assert_eq!(
            thirty,
            [
                ("daily_spend", "2026-10-25".into(), "2026-10-25".into()),
                ("weekly_spend", "2026-10-26".into(), "2026-11-16".into()),
                ("daily_spend", "2026-11-23".into(), "2026-11-23".into()),
            ]
        );
        assert_eq!(shown("2026-11-16", "2026-11-22"), [("weekly_spend", "2026-11-16".into(), "2026-11-16".into())]);
        assert_eq!(shown("2026-11-17", "2026-11-23"), [("daily_spend", "2026-11-17".into(), "2026-11-23".into())]);
        assert_eq!(shown("2026-11-23", "2026-11-23"), [("daily_spend", "2026-11-23".into(), "2026-11-23".into())]);
    }
}
