//! Resets the budgets whose period ended, every minute, for keys, users and teams nobody
//! has read or used since (reads and admission reset on their own through
//! `limits::reset::reset_if_due`, so this job only keeps the stored spend tidy).

use crate::state::AppState;
use std::time::Duration;

pub const INTERVAL: Duration = Duration::from_secs(60);

pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = crate::limits::reset::reset_if_due(&state).await {
                tracing::warn!(error = %e, "budget reset failed; retrying at the next tick");
            }
        }
    });
}
