//! Deletes spend-log rows (and the `/v1/responses` answers the gateway keeps) older than
//! `general_settings.maximum_spend_logs_retention_period`, and the request and response
//! bodies payload capture kept older than `payload_retention_period`, once at start and
//! then every `maximum_spend_logs_retention_interval` (LiteLLM's names and default, `1d`).
//! Rows are kept for ever when no period is set, as in LiteLLM; kept bodies always have a
//! period (default `7d`), so the job always runs for them (a look at an empty index while
//! capture is off). What is deleted and what is kept is `spend::retention`'s business;
//! this file only decides when.

use crate::config::GeneralSettings;
use crate::duration::Duration as Period;
use crate::spend::retention::{self, Batches};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// When the job runs, read from the settings (validated at load, so a bad value here is a
/// bug of the validation, reported and treated as "off").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// The spend-log rows' period; none: kept for ever.
    pub rows: Option<Period>,
    /// The kept bodies' period.
    pub payloads: Period,
    pub every: Duration,
}

impl Schedule {
    /// The schedule the settings ask for, or `None` when they do not parse.
    pub fn of(general: &GeneralSettings) -> Option<Schedule> {
        let rows = match general.maximum_spend_logs_retention_period.as_deref() {
            Some(period) => Some(Period::parse(period).ok()?),
            None => None,
        };
        let payloads = Period::parse(&general.payload_retention_period).ok()?;
        let every = Period::parse(&general.maximum_spend_logs_retention_interval).ok()?.approx_seconds();
        Some(Schedule { rows, payloads, every: Duration::from_secs(u64::try_from(every).ok()?.max(1)) })
    }
}

/// Starts the job, and logs the row retention in force.
pub fn spawn(state: AppState) {
    let general = &state.config.settings.general_settings;
    let Some(schedule) = Schedule::of(general) else {
        tracing::error!(
            "spend-log and payload retention are off: their settings do not parse (they passed validation)"
        );
        return;
    };
    if schedule.rows.is_some() {
        tracing::info!(
            period = general.maximum_spend_logs_retention_period.as_deref().unwrap_or_default(),
            every = %general.maximum_spend_logs_retention_interval,
            "spend-log retention is on"
        );
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(schedule.every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            run_once(&state, schedule).await;
        }
    });
}

/// One run: everything older than its period before the state's clock goes.
async fn run_once(state: &AppState, schedule: Schedule) {
    let now = state.clock.now();
    let rows_cutoff = schedule.rows.map(|period| retention::cutoff(now, period));
    // Bodies go no later than their rows.
    let payloads_cutoff =
        retention::cutoff(now, schedule.payloads).max(rows_cutoff.unwrap_or(DateTime::<Utc>::MIN_UTC));
    prune_payloads(state, payloads_cutoff).await;
    if let Some(cutoff) = rows_cutoff {
        prune_rows(state, cutoff).await;
    }
}

async fn prune_payloads(state: &AppState, cutoff: DateTime<Utc>) {
    let db = state.db.downgrade();
    let result =
        tokio::task::spawn_blocking(move || retention::prune_payloads(&db, cutoff, retention::PAYLOAD_BATCHES)).await;
    match result {
        Ok(Ok(pruned)) if pruned.rows > 0 => tracing::info!(
            payloads = pruned.rows,
            before = %crate::time::format(cutoff),
            "payload retention: deleted kept request and response bodies"
        ),
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "payload retention failed; retrying at the next run"),
        Err(e) => tracing::warn!(error = %e, "payload retention stopped; retrying at the next run"),
    }
}

async fn prune_rows(state: &AppState, cutoff: DateTime<Utc>) {
    let db = state.db.downgrade();
    let began = std::time::Instant::now();
    let result = tokio::task::spawn_blocking(move || retention::prune(&db, cutoff, Batches::DEFAULT)).await;
    match result {
        Ok(Ok(pruned)) if pruned.rows > 0 => tracing::info!(
            rows = pruned.rows,
            batches = pruned.batches,
            before = %crate::time::format(cutoff),
            took_ms = began.elapsed().as_millis() as u64,
            "spend-log retention: deleted old spend-log rows"
        ),
        Ok(Ok(_)) => tracing::debug!(before = %crate::time::format(cutoff), "spend-log retention: nothing to delete"),
        Ok(Err(e)) => tracing::warn!(error = %e, "spend-log retention failed; retrying at the next run"),
        Err(e) => tracing::warn!(error = %e, "spend-log retention stopped; retrying at the next run"),
    }
    // The `/v1/responses` answers the gateway keeps go with the logs of their requests.
    let db = state.db.downgrade();
    let before = crate::time::format(cutoff);
    match tokio::task::spawn_blocking(move || crate::gateway::responses::store::prune(&db, &before)).await {
        Ok(Ok(rows)) if rows > 0 => tracing::info!(rows, "spend-log retention: deleted old stored responses"),
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "pruning stored responses failed; retrying at the next run"),
        Err(e) => tracing::warn!(error = %e, "pruning stored responses stopped; retrying at the next run"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn general(period: Option<&str>, interval: &str) -> GeneralSettings {
        GeneralSettings {
            maximum_spend_logs_retention_period: period.map(str::to_string),
            maximum_spend_logs_retention_interval: interval.into(),
            ..Default::default()
        }
    }

    #[test]
    fn rows_are_kept_for_ever_unless_a_period_is_set_and_bodies_a_week() {
        let schedule = Schedule::of(&GeneralSettings::default()).unwrap();
        assert_eq!(schedule.rows, None);
        assert_eq!(schedule.payloads, Period::Seconds(7 * 86_400));
        assert_eq!(schedule.every, Duration::from_secs(86_400));
    }

    #[test]
    fn runs_every_interval_with_the_periods() {
        let schedule = Schedule::of(&general(Some("30d"), "1d")).unwrap();
        assert_eq!(
            schedule,
            Schedule {
                rows: Some(Period::Seconds(30 * 86_400)),
                payloads: Period::Seconds(7 * 86_400),
                every: Duration::from_secs(86_400)
            }
        );
        let schedule = Schedule::of(&general(Some("1mo"), "1s")).unwrap();
        assert_eq!((schedule.rows, schedule.every), (Some(Period::Months(1)), Duration::from_secs(1)));
        assert_eq!(Schedule::of(&general(Some("soon"), "1d")), None);
    }
}
