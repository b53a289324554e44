//! Periodic jobs, one per file, each with its own interval; `start` spawns them all.

pub mod alert_checks;
pub mod alert_delivery;
pub mod budget_reset;
pub mod spend_log_retention;

use crate::state::AppState;

/// Spawns every periodic job on the current runtime.
pub fn start(state: &AppState) {
    budget_reset::spawn(state.clone());
    spend_log_retention::spawn(state.clone());
    alert_checks::spawn(state.clone());
    alert_delivery::spawn(state.clone());
}
