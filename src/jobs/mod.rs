//! Periodic jobs, one per file, each with its own interval; `start` spawns them all.

pub mod budget_reset;

use crate::state::AppState;

/// Spawns every periodic job on the current runtime.
pub fn start(state: &AppState) {
    budget_reset::spawn(state.clone());
}
