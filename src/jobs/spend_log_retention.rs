//! Deletes spend-log rows (and the `/v1/responses` answers the gateway keeps) older than `general_settings.maximum_spend_logs_retention_period`,
//! once at start and then every `maximum_spend_logs_retention_interval` (LiteLLM's names
//! and default, `1d`). Off when no period is set: rows are kept for ever, as in LiteLLM.
//! What is deleted and what is kept is `spend::retention`'s business; this file only
//! decides when.

use crate::config::GeneralSettings;
use crate::duration::Duration as Period;
use crate::spend::retention::{self, Batches};
use crate::state::AppState;
use std::time::Duration;

/// When the job runs, read from the settings (validated at load, so a bad value here is a
/// bug of the validation, reported and treated as "off").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub period: Period,
    pub every: Duration,
}

impl Schedule {
    /// The schedule the settings ask for, or `None` when retention is off.
    pub fn of(general: &GeneralSettings) -> Option<Schedule> {
        let period = Period::parse(general.maximum_spend_logs_retention_period.as_deref()?).ok()?;
        let every = Period::parse(&general.maximum_spend_logs_retention_interval).ok()?.approx_seconds();
        Some(Schedule { period, every: Duration::from_secs(u64::try_from(every).ok()?.max(1)) })
    }
}

/// Starts the job when a retention period is set, and logs the retention in force.
pub fn spawn(state: AppState) {
    let general = &state.config.settings.general_settings;
    let Some(schedule) = Schedule::of(general) else {
        if general.maximum_spend_logs_retention_period.is_some() {
            tracing::error!("spend-log retention is off: its settings do not parse (they passed validation)");
        }
        return;
    };
    tracing::info!(
        period = general.maximum_spend_logs_retention_period.as_deref().unwrap_or_default(),
        every = %general.maximum_spend_logs_retention_interval,
        "spend-log retention is on"
    );
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(schedule.every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            run_once(&state, schedule.period).await;
        }
    });
}

/// One run: everything older than `period` before the state's clock goes.
async fn run_once(state: &AppState, period: Period) {
    let cutoff = retention::cutoff(state.clock.now(), period);
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
    fn off_unless_a_period_is_set() {
        assert_eq!(Schedule::of(&GeneralSettings::default()), None);
        assert_eq!(GeneralSettings::default().maximum_spend_logs_retention_interval, "1d");
    }

    #[test]
    fn runs_every_interval_with_the_period() {
        let schedule = Schedule::of(&general(Some("30d"), "1d")).unwrap();
        assert_eq!(schedule, Schedule { period: Period::Seconds(30 * 86_400), every: Duration::from_secs(86_400) });
        let schedule = Schedule::of(&general(Some("1mo"), "1s")).unwrap();
        assert_eq!(schedule, Schedule { period: Period::Months(1), every: Duration::from_secs(1) });
    }
}
