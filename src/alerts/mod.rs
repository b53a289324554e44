//! Alerts: budgets crossed, keys about to expire, deployments cooling down, failing in a
//! row or refusing the proxy's credentials, sent to Slack-compatible webhooks, a generic
//! JSON webhook and email (LiteLLM's `alerting`, `alert_types`, `SLACK_WEBHOOK_URL`,
//! `WEBHOOK_URL`).
//!
//! Detection and delivery are apart, joined by an outbox table (`store.rs`): a check
//! (`jobs::alert_checks`) turns what it finds into [`Alert`]s and files one outbox row per
//! channel, keyed by the alert's `dedupe` (the threshold and its period), so an alert
//! that is found again, by the next check or after a restart, is not filed twice.
//! Delivery (`jobs::alert_delivery`) sends the unsent rows, retries a failing channel with
//! backoff and records each outcome, which the UI lists (`ui::alerts`). A row is marked
//! sent after its send succeeded: a crash in between sends it once more, never zero times.

pub mod budgets;
pub mod deliver;
pub mod deployments;
pub mod slow;
pub mod store;

use crate::state::AppState;
use serde_json::Value;

pub use deployments::{Waiting, Watch};
pub use slow::SlowCall;

/// The channels of `general_settings.alerting`.
pub const CHANNELS: &[&str] = &["slack", "webhook", "email"];

/// The alert types this proxy sends (`general_settings.alert_types`).
pub const ALERT_TYPES: &[&str] = &[
    "budget_alerts",
    "key_expiring",
    "cooldown_deployment",
    "outage_alerts",
    "llm_exceptions",
    "llm_too_slow",
    "llm_requests_hanging",
];

/// LiteLLM's other alert types: accepted in `alert_types` (a LiteLLM config keeps
/// working) and never sent here.
pub const LITELLM_ONLY_ALERT_TYPES: &[&str] = &[
    "spend_reports",
    "failed_tracking_spend",
    "user_spend_thresholds",
    "user_spend_anomalies",
    "db_exceptions",
    "daily_reports",
    "new_model_added",
    "model_deprecation_warnings",
    "region_outage_alerts",
    "fallback_reports",
    "new_virtual_key_created",
    "virtual_key_updated",
    "virtual_key_deleted",
    "new_team_created",
    "team_updated",
    "team_deleted",
    "new_internal_user_created",
    "internal_user_updated",
    "internal_user_deleted",
    "mcp_tool_description_blocked",
    "mcp_pinned_tools_changed",
];

/// One thing worth telling someone about.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// Its type, one of [`ALERT_TYPES`].
    pub alert_type: &'static str,
    /// LiteLLM's webhook `event` (`budget_crossed`, `threshold_crossed`,
    /// `soft_budget_crossed`, ...) or ours for what LiteLLM has none.
    pub event: String,
    /// What makes it the same alert: sent at most once per value.
    pub dedupe: String,
    /// The sentence people read.
    pub message: String,
    /// The webhook event's other fields (LiteLLM's `WebhookEvent` names where it has them).
    pub fields: Value,
    /// Whose budget it is: their email gets it too (the admins always do).
    pub owners: Vec<String>,
}

/// Whether the settings send alerts of `alert_type` anywhere.
pub fn wanted(state: &AppState, alert_type: &str) -> bool {
    wanted_by(&state.config.settings.general_settings, alert_type)
}

/// [`wanted`], from the settings alone.
pub fn wanted_by(general: &crate::config::GeneralSettings, alert_type: &str) -> bool {
    !general.alerting.is_empty()
        && general.alert_types.as_ref().is_none_or(|types| types.iter().any(|t| t == alert_type))
}

/// Files `alerts` in the outbox, one row per configured channel; an alert already filed
/// is left alone. Returns how many rows are new.
pub async fn file(state: &AppState, alerts: Vec<Alert>) -> Result<usize, crate::db::DbError> {
    let alerts: Vec<Alert> = alerts.into_iter().filter(|a| wanted(state, a.alert_type)).collect();
    if alerts.is_empty() {
        return Ok(0);
    }
    let channels = state.config.settings.general_settings.alerting.clone();
    let admins = admin_emails(state);
    let now = crate::time::format(state.clock.now());
    state.db.write(move |tx| store::file(tx, &alerts, &channels, &admins, &now)).await
}

/// The proxy admins who have an email address.
fn admin_emails(state: &AppState) -> Vec<String> {
    let mut emails: Vec<String> = state
        .users
        .all()
        .iter()
        .filter(|u| u.user_role == crate::auth::Role::ProxyAdmin && !u.blocked)
        .filter_map(|u| u.user_email.clone())
        .collect();
    emails.sort();
    emails
}
