//! What the usage page reads: the per-day aggregate `daily_spend` (never the raw spend
//! logs, so it stays fast at millions of requests) for a date range, scoped to the
//! visitor (everything for admins and admin viewers, else their own spend): totals per
//! day, model, key and team summed in one scan (`summarise`), and the grouped rows for the
//! CSV export (`load`).

use super::usage_sums::{Breakdowns, Grouped, Sums};
use crate::error::ApiError;
use crate::state::AppState;
use chrono::NaiveDate;
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
            let map = |r: &rusqlite::Row<'_>| {
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
                Some(user) => stmt.query_map(rusqlite::params![start, end, user], map)?.collect::<rusqlite::Result<Vec<_>>>(),
                None => stmt.query_map(rusqlite::params![start, end], map)?.collect::<rusqlite::Result<Vec<_>>>(),
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

/// A group's id as shown: name, a detail, a link.
type Label = (String, Option<String>, Option<String>);

/// The page's numbers over the range: per day, model, team and the top keys.
pub async fn summarise(
    state: &AppState,
    start: NaiveDate,
    end: NaiveDate,
    user: Option<String>,
) -> Result<Usage, ApiError> {
    let (first, last) = (start.format("%Y-%m-%d").to_string(), end.format("%Y-%m-%d").to_string());
    let (per_day, models, keys, teams) = state
        .db
        .read(move |conn| {
            // One scan of the range; SQLite's GROUP BY on day, model, key and team would
            // sort the range four times.
            let scoped = if user.is_some() { " AND user_id = ?3" } else { "" };
            let sql = format!(
                "SELECT date, model, api_key, team_id, spend, prompt_tokens, completion_tokens, api_requests
                 FROM daily_spend WHERE date >= ?1 AND date <= ?2{scoped}"
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let mut rows = match &user {
                Some(user) => stmt.query(rusqlite::params![first, last, user])?,
                None => stmt.query(rusqlite::params![first, last])?,
            };
            let mut sums = Sums::default();
            while let Some(row) = rows.next()? {
                let (prompt, completion): (i64, i64) = (row.get(5)?, row.get(6)?);
                let add = Totals {
                    spend: row.get(4)?,
                    prompt,
                    completion,
                    tokens: prompt + completion,
                    requests: row.get(7)?,
                };
                let text = |index: usize| row.get_ref(index).map(|v| v.as_bytes().unwrap_or_default());
                sums.add(text(0)?, text(1)?, text(2)?, text(3)?, add);
            }
            let Breakdowns { days, models, keys, teams } = sums.finish();
            Ok::<_, rusqlite::Error>((days, top(models, 50), top(keys, 25), top(teams, 50)))
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
