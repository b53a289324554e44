//! Budget and expiry alerts, found in the in-memory tables (the ledger keeps their spend
//! current): a key, user or team past its `soft_budget`, or past 50, 80 or 100% of its
//! `max_budget`; a key that expires within `alert_key_expiry_days`. Each is sent once per
//! threshold, budget amount and budget period (`budget_reset_at`): after a reset, or once
//! the budget is raised, the thresholds count again.
//!
//! Only the highest share of `max_budget` passed is reported: a request that takes a key
//! from 40% to 100% sends "100%", not three alerts, and the lower shares are not sent
//! later while that one holds.

use super::Alert;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use serde_json::json;

/// The shares of `max_budget` that alert, highest first.
pub const SHARES: [u32; 3] = [100, 80, 50];

/// Whose budget it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Holder {
    Key,
    User,
    Team,
}

impl Holder {
    fn as_str(self) -> &'static str {
        match self {
            Holder::Key => "key",
            Holder::User => "user",
            Holder::Team => "team",
        }
    }

    /// LiteLLM's `event_group`.
    fn event_group(self) -> &'static str {
        match self {
            Holder::Key => "key",
            Holder::User => "internal_user",
            Holder::Team => "team",
        }
    }
}

/// One budget as the check sees it.
pub struct Budget<'a> {
    pub holder: Holder,
    pub id: &'a str,
    /// How people know it: an alias or email, else the id.
    pub name: String,
    pub spend: f64,
    pub soft_budget: Option<f64>,
    pub max_budget: Option<f64>,
    /// The period's end (`budget_reset_at`); none for a budget that never resets.
    pub period: Option<&'a str>,
    pub owners: Vec<String>,
    pub fields: serde_json::Value,
}

/// The alerts a budget's spend calls for.
pub fn crossed(budget: &Budget<'_>) -> Vec<Alert> {
    let mut alerts = Vec::new();
    let period = budget.period.unwrap_or("-");
    let (holder, id, name) = (budget.holder.as_str(), budget.id, &budget.name);
    let mut alert = |event: &str, threshold: String, message: String| {
        let mut fields = budget.fields.clone();
        fields["spend"] = json!(budget.spend);
        fields["max_budget"] = json!(budget.max_budget);
        fields["soft_budget"] = json!(budget.soft_budget);
        fields["event_group"] = json!(budget.holder.event_group());
        fields["threshold"] = json!(threshold);
        alerts.push(Alert {
            alert_type: "budget_alerts",
            event: event.into(),
            dedupe: format!("budget:{holder}:{id}:{threshold}:{period}"),
            message,
            fields,
            owners: budget.owners.clone(),
        });
    };
    if let Some(soft) = budget.soft_budget.filter(|s| *s > 0.0 && budget.spend >= *s) {
        alert(
            "soft_budget_crossed",
            format!("soft@{soft}"),
            format!("The {holder} {name} passed its soft budget: ${:.2} spent of ${soft:.2}.", budget.spend),
        );
    }
    if let Some(max) = budget.max_budget.filter(|m| *m > 0.0) {
        let share = budget.spend / max * 100.0;
        if let Some(level) = SHARES.iter().find(|level| share >= f64::from(**level)) {
            let event = if *level == 100 { "budget_crossed" } else { "threshold_crossed" };
            let what = if *level == 100 {
                "reached its max budget".to_string()
            } else {
                format!("used {level}% of its max budget")
            };
            alert(
                event,
                format!("max{level}@{max}"),
                format!("The {holder} {name} {what}: ${:.2} spent of ${max:.2}.", budget.spend),
            );
        }
    }
    alerts
}

/// Every budget and expiry alert the tables call for at `now`.
pub fn check(state: &AppState, now: DateTime<Utc>) -> Vec<Alert> {
    let email_of = |user: Option<&str>| user.and_then(|u| state.users.get(u)).and_then(|u| u.user_email.clone());
    let mut alerts = Vec::new();
    let expiry_days = i64::from(state.config.settings.general_settings.alert_key_expiry_days);
    for key in state.keys.all() {
        if key.is_session_key {
            continue;
        }
        let name = key.key_alias.clone().unwrap_or_else(|| key.key_name.clone());
        let owners: Vec<String> = email_of(key.user_id.as_deref()).into_iter().collect();
        let fields = json!({"token": key.token, "key_alias": key.key_alias, "user_id": key.user_id, "team_id": key.team_id,
            "user_email": owners.first()});
        let (spend, _) = crate::limits::budget::effective_spend(key.spend, key.budget_reset_at.as_deref(), now);
        alerts.extend(crossed(&Budget {
            holder: Holder::Key,
            id: &key.token,
            name: name.clone(),
            spend,
            soft_budget: key.soft_budget,
            max_budget: key.max_budget,
            period: key.budget_reset_at.as_deref(),
            owners: owners.clone(),
            fields: fields.clone(),
        }));
        if let Some(expires) = key.expires.as_deref().and_then(crate::time::parse)
            && expires > now
            && expires - now <= chrono::Duration::days(expiry_days)
        {
            let mut fields = fields;
            fields["expires"] = json!(key.expires);
            fields["event_group"] = json!("key");
            alerts.push(Alert {
                alert_type: "key_expiring",
                event: "key_expiring".into(),
                dedupe: format!("key_expiring:{}:{}", key.token, key.expires.as_deref().unwrap_or_default()),
                message: format!("The key {name} expires on {}.", expires.format("%Y-%m-%d %H:%M UTC")),
                fields,
                owners,
            });
        }
    }
    for user in state.users.all() {
        let (spend, _) = crate::limits::budget::effective_spend(user.spend, user.budget_reset_at.as_deref(), now);
        alerts.extend(crossed(&Budget {
            holder: Holder::User,
            id: &user.user_id,
            name: user.user_email.clone().unwrap_or_else(|| user.user_id.clone()),
            spend,
            soft_budget: None,
            max_budget: user.max_budget,
            period: user.budget_reset_at.as_deref(),
            owners: user.user_email.iter().cloned().collect(),
            fields: json!({"user_id": user.user_id, "user_email": user.user_email}),
        }));
    }
    for team in state.teams.all() {
        let (spend, _) = crate::limits::budget::effective_spend(team.spend, team.budget_reset_at.as_deref(), now);
        let owners = team
            .members
            .iter()
            .filter(|m| m.role == crate::teams::TeamRole::Admin)
            .filter_map(|m| email_of(Some(&m.user_id)))
            .collect();
        alerts.extend(crossed(&Budget {
            holder: Holder::Team,
            id: &team.team_id,
            name: team.team_alias.clone().unwrap_or_else(|| team.team_id.clone()),
            spend,
            soft_budget: team.soft_budget,
            max_budget: team.max_budget,
            period: team.budget_reset_at.as_deref(),
            owners,
            fields: json!({"team_id": team.team_id, "team_alias": team.team_alias}),
        }));
    }
    alerts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(spend: f64, soft: Option<f64>, max: Option<f64>, period: Option<&'static str>) -> Budget<'static> {
        Budget {
            holder: Holder::Key,
            id: "k",
            name: "laptop".into(),
            spend,
            soft_budget: soft,
            max_budget: max,
            period,
            owners: vec![],
            fields: json!({}),
        }
    }

    fn dedupes(b: &Budget<'_>) -> Vec<String> {
        crossed(b).into_iter().map(|a| a.dedupe).collect()
    }

    #[test]
    fn only_the_highest_share_passed_alerts() {
        assert!(dedupes(&budget(4.9, None, Some(10.0), None)).is_empty());
        assert_eq!(dedupes(&budget(5.0, None, Some(10.0), None)), ["budget:key:k:max50@10:-"]);
        assert_eq!(dedupes(&budget(8.5, None, Some(10.0), None)), ["budget:key:k:max80@10:-"]);
        let full = crossed(&budget(12.0, None, Some(10.0), Some("2026-02-01T00:00:00.000000Z")));
        assert_eq!(full.len(), 1);
        assert_eq!(full[0].dedupe, "budget:key:k:max100@10:2026-02-01T00:00:00.000000Z");
        assert_eq!(full[0].event, "budget_crossed");
        assert!(full[0].message.contains("reached its max budget: $12.00 spent of $10.00"), "{}", full[0].message);
    }

    #[test]
    fn the_soft_budget_alerts_on_its_own() {
        let alerts = crossed(&budget(3.0, Some(2.5), Some(10.0), None));
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].event, "soft_budget_crossed");
        assert_eq!(alerts[0].fields["soft_budget"], 2.5);
        assert_eq!(crossed(&budget(6.0, Some(2.5), Some(10.0), None)).len(), 2);
        assert!(crossed(&budget(0.0, Some(0.0), Some(0.0), None)).is_empty(), "a zero budget is not a threshold");
    }
}
