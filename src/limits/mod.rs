//! Budgets and rate limits that admission checks: budget periods (`period.rs`), their
//! resets (`reset.rs` with its SQL in `reset_store.rs`, `budget.rs`) and the in-memory counters (`counters.rs`):
//! rpm/tpm windows, in-flight requests and budget reservations. Shared counters for several
//! replicas (Redis) would be added behind this module.

pub mod budget;
pub mod counters;
pub mod period;
pub mod reset;
mod reset_store;

pub use counters::{Admission, BudgetCheck, LimitCheck, Limiter, Refusal, Reservation, Scope};
