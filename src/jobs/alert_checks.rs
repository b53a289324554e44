//! Looks for alerts every `alert_check_interval` (budgets and expiries in the in-memory
//! tables, deployments in the gateway's counters) and files what it finds in the outbox,
//! which drops what was filed before. Runs only while `alerting` names a channel.

use crate::state::AppState;

pub fn spawn(state: AppState) {
    let Some(every) = super::alert_delivery::interval(&state) else { return };
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            run_once(&state).await;
        }
    });
}

pub async fn run_once(state: &AppState) {
    let now = state.clock.now();
    let mut alerts = crate::alerts::budgets::check(state, now);
    alerts.extend(state.alerts.check(&state.router(), now));
    match crate::alerts::file(state, alerts).await {
        Ok(0) => {}
        Ok(filed) => tracing::info!(filed, "alerts filed"),
        Err(e) => tracing::warn!(error = %e, "alerts could not be filed; looking again at the next check"),
    }
}
