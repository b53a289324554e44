//! The admission side of budget periods: a budget whose `budget_reset_at` has passed counts
//! as spent 0 right away, and the ledger is asked to persist the reset, so a reset happens
//! exactly at its time rather than whenever a periodic job runs. The ledger writes it with
//! the same reset the job and the management reads use (`reset.rs`).

use chrono::{DateTime, Utc};

/// The spend admission should compare against the budget.
pub fn effective_spend(spend: f64, budget_reset_at: Option<&str>, now: DateTime<Utc>) -> (f64, bool) {
    match budget_reset_at.and_then(crate::time::parse) {
        Some(at) if at <= now => (0.0, true),
        _ => (spend, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_due_budget_is_spent_zero() {
        let now = crate::time::parse("2026-11-23T10:00:00Z").unwrap();
        assert_eq!(effective_spend(5.0, Some("2026-11-23T10:00:00.000000Z"), now), (0.0, true));
        assert_eq!(effective_spend(5.0, Some("2026-11-23T10:00:01.000000Z"), now), (5.0, false));
        assert_eq!(effective_spend(5.0, None, now), (5.0, false));
    }
}
