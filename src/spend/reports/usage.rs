//! The usage page's reads of the ledger's aggregates (never the raw spend logs, so it
//! stays fast at millions of requests): totals per day from `daily_user_spend`, the rows
//! behind the per model, key and team breakdowns from the whole weeks of `weekly_spend`
//! plus the days at the edges from `daily_spend` (`breakdown_rows`), and the grouped
//! daily rows for the CSV export (`grouped_days`). Every read is for everyone's spend or,
//! given a user, for theirs only; whom the page may show is the UI's decision.

use crate::db::{Conn, Rows, params};
use chrono::{Datelike, NaiveDate, Weekday};
use serde::Serialize;

/// One grouped row of the CSV: a day, model, key and team.
pub struct DayGroup {
    pub date: String,
    pub model: String,
    pub api_key: String,
    pub team_id: String,
    pub spend: f64,
    pub prompt: i64,
    pub completion: i64,
    pub requests: i64,
}

/// Spend, tokens and requests summed.
#[derive(Default, Clone, Serialize)]
pub struct Totals {
    pub spend: f64,
    pub prompt: i64,
    pub completion: i64,
    pub tokens: i64,
    pub requests: i64,
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

fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// The grouped rows of `[start, end]`, for `user` only when given.
pub fn grouped_days(
    conn: &Conn<'_>,
    start: NaiveDate,
    end: NaiveDate,
    user: Option<&str>,
) -> crate::db::Result<Vec<DayGroup>> {
    let scoped = if user.is_some() { " AND user_id = ?3" } else { "" };
    let sql = format!(
        "SELECT date, model, api_key, team_id, SUM(spend), SUM(prompt_tokens), SUM(completion_tokens), SUM(api_requests)
         FROM daily_spend WHERE date >= ?1 AND date <= ?2{scoped}
         GROUP BY date, model, api_key, team_id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let map = |r: &crate::db::Row<'_>| {
        Ok(DayGroup {
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
    let (first, last) = (day_text(start), day_text(end));
    match user {
        Some(user) => stmt.query_map(params![first, last, user], map)?.collect(),
        None => stmt.query_map(params![first, last], map)?.collect(),
    }
}

/// Per-day totals of the range, from the few rows a day of `daily_user_spend`.
pub fn day_totals(
    conn: &Conn<'_>,
    start: NaiveDate,
    end: NaiveDate,
    user: Option<&str>,
) -> crate::db::Result<Vec<(String, Totals)>> {
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
        Some(user) => stmt.query_map(params![first, last, user], map)?.collect(),
        None => stmt.query_map(params![first, last], map)?.collect(),
    }
}

/// Hands every aggregate row of `[start, end]` to `add` as (model, key hash, team id,
/// totals), the texts as the row's bytes: the caller sums them in one pass (SQLite's
/// GROUP BY on model, key and team would sort the rows three times).
pub fn breakdown_rows(
    conn: &Conn<'_>,
    start: NaiveDate,
    end: NaiveDate,
    user: Option<&str>,
    mut add: impl FnMut(&[u8], &[u8], &[u8], Totals),
) -> crate::db::Result<()> {
    for (table, first, last) in pieces(start, end) {
        scan(conn, table, first, last, user, &mut add)?;
    }
    Ok(())
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

/// Hands one piece's rows to `add`.
fn scan(
    conn: &Conn<'_>,
    table: &str,
    first: NaiveDate,
    last: NaiveDate,
    user: Option<&str>,
    add: &mut impl FnMut(&[u8], &[u8], &[u8], Totals),
) -> crate::db::Result<()> {
    if let (Some(user), "weekly_spend") = (user, table) {
        // `weekly_spend` has no index by user (it would cost every ledger commit a page):
        // one user's rows of a week are a prefix of its key, found by one seek per week.
        let mut week = first;
        while week <= last {
            let sql = "SELECT model, api_key, team_id, spend, prompt_tokens, completion_tokens, api_requests
                 FROM weekly_spend WHERE week = ?1 AND user_id = ?2";
            let mut stmt = conn.prepare_cached(sql)?;
            add_rows(stmt.query(params![day_text(week), user])?, add)?;
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
        Some(user) => stmt.query(params![first, last, user])?,
        None => stmt.query(params![first, last])?,
    };
    add_rows(rows, add)
}

fn add_rows(mut rows: Rows<'_>, add: &mut impl FnMut(&[u8], &[u8], &[u8], Totals)) -> crate::db::Result<()> {
    while let Some(row) = rows.next()? {
        let (prompt, completion): (i64, i64) = (row.get(4)?, row.get(5)?);
        let totals =
            Totals { spend: row.get(3)?, prompt, completion, tokens: prompt + completion, requests: row.get(6)? };
        add(row.bytes(0)?, row.bytes(1)?, row.bytes(2)?, totals);
    }
    Ok(())
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
