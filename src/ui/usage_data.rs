//! What the usage page reads: one grouped scan of the per-day aggregate `daily_spend`
//! (never the raw spend logs, so it stays fast at millions of requests) for a date range,
//! scoped to the visitor (everything for admins and admin viewers, else their own spend),
//! folded here into totals per day, model, key and team.

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

impl Totals {
    fn add(&mut self, row: &Row) {
        self.spend += row.spend;
        self.prompt += row.prompt;
        self.completion += row.completion;
        self.tokens += row.prompt + row.completion;
        self.requests += row.requests;
    }
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

/// The rows of `[start, end]`, for `user` only when given.
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

fn ranked(
    map: HashMap<String, Totals>,
    limit: usize,
    name: impl Fn(&str) -> (String, Option<String>, Option<String>),
) -> Vec<Group> {
    let mut groups: Vec<Group> = map
        .into_iter()
        .map(|(id, totals)| {
            let (name, detail, link) = name(&id);
            Group { name, detail, link, totals }
        })
        .collect();
    groups
        .sort_by(|a, b| b.totals.spend.total_cmp(&a.totals.spend).then_with(|| b.totals.tokens.cmp(&a.totals.tokens)));
    groups.truncate(limit);
    groups
}

/// Folds the rows into the page's series and breakdowns; every day of the range is shown.
pub fn fold(state: &AppState, rows: &[Row], start: NaiveDate, end: NaiveDate) -> Usage {
    let mut days: BTreeMap<String, Totals> = BTreeMap::new();
    let mut day = start;
    while day <= end {
        days.insert(day.format("%Y-%m-%d").to_string(), Totals::default());
        day = day.succ_opt().unwrap_or(end + chrono::Days::new(1));
    }
    let (mut models, mut keys, mut teams) = (HashMap::new(), HashMap::new(), HashMap::<String, Totals>::new());
    let mut total = Totals::default();
    for row in rows {
        total.add(row);
        days.entry(row.date.clone()).or_default().add(row);
        models.entry(row.model.clone()).or_insert_with(Totals::default).add(row);
        keys.entry(row.api_key.clone()).or_insert_with(Totals::default).add(row);
        teams.entry(row.team_id.clone()).or_default().add(row);
    }
    let models = ranked(models, 50, |m| (if m.is_empty() { "(unknown)".into() } else { m.to_string() }, None, None));
    let keys = ranked(keys, 25, |k| key_label(state, k));
    let teams = ranked(teams, 50, |t| match state.teams.get(t) {
        _ if t.is_empty() => ("No team".into(), None, None),
        Some(team) => (team.team_alias.clone().unwrap_or_else(|| t.to_string()), None, Some(format!("/ui/teams/{t}"))),
        None => (t.to_string(), Some("deleted team".into()), None),
    });
    Usage { days: days.into_iter().collect(), models, keys, teams, total }
}

/// A key hash as people know it: alias and masked key, or what the spend row names.
pub fn key_label(state: &AppState, hash: &str) -> (String, Option<String>, Option<String>) {
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
