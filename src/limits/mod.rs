//! Budgets and rate limits that admission checks: budget periods (`period.rs`), their
//! resets (`reset.rs`) and, with the gateway, the in-memory counters. Shared counters for
//! several replicas (Redis) would be added behind this module.

pub mod period;
pub mod reset;
