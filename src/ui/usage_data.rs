//! What the usage page shows: the ledger's aggregates for a date range (read by
//! `spend::usage`), scoped to the visitor (everything for admins and admin viewers, else
//! their own spend), summed into per-day totals and the top models, keys and teams, with
//! the names people know them by; and the grouped daily rows for the CSV export (`load`).

use super::usage_sums::{Breakdowns, Grouped, Sums};
use crate::error::ApiError;
use crate::spend::usage;
use crate::state::AppState;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

pub use usage::{DayGroup as Row, Totals};

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
    Ok(state.db.read(move |conn| usage::grouped_days(conn, start, end, user.as_deref())).await?)
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
    let (per_day, models, keys, teams) = state
        .db
        .read(move |conn| {
            // One read transaction: the chart and the breakdowns see the same commits.
            conn.snapshot(|snapshot| {
                let user = user.as_deref();
                let per_day = usage::day_totals(snapshot, start, end, user)?;
                let mut sums = Sums::default();
                usage::breakdown_rows(snapshot, start, end, user, |model, key, team, totals| {
                    sums.add(model, key, team, totals)
                })?;
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
