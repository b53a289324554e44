//! Sends the outbox's due alerts every `alert_check_interval`. The first run, at start,
//! tries every pending alert at once, due or not: a restart often follows a fix of the
//! channel's settings, and what the previous run filed must not wait out its backoff.
//! Runs only while `alerting` names a channel.

use crate::state::AppState;
use std::time::Duration;

/// How often the alert jobs run, or `None` while alerting is off.
pub fn interval(state: &AppState) -> Option<Duration> {
    let general = &state.config.settings.general_settings;
    if general.alerting.is_empty() {
        return None;
    }
    // Validated at load; a bad value here falls back to the default.
    let seconds = crate::duration::Duration::parse(&general.alert_check_interval).map_or(30, |d| d.approx_seconds());
    Some(Duration::from_secs(u64::try_from(seconds).unwrap_or(30).max(1)))
}

pub fn spawn(state: AppState) {
    let Some(every) = interval(&state) else { return };
    tracing::info!(channels = ?state.config.settings.general_settings.alerting, every_s = every.as_secs(), "alerting is on");
    tokio::spawn(async move {
        let client = crate::alerts::deliver::client();
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut first = true;
        loop {
            tick.tick().await;
            let all_pending = std::mem::take(&mut first);
            match crate::alerts::deliver::run_once(&state, &client, all_pending).await {
                Ok(0) => {}
                Ok(sent) => tracing::info!(sent, "alerts sent"),
                Err(e) => tracing::warn!(error = %e, "the alert outbox could not be read; trying at the next run"),
            }
        }
    });
}
