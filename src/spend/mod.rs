//! Spend: prices, token counting, the ledger that commits every request's cost, and the
//! LiteLLM-compatible spend and usage reports.

pub mod checkpoint;
pub mod gate;
pub mod journal;
pub mod ledger;
mod names;
pub mod payloads;
pub mod prices;
mod reports;
pub mod retention;
pub mod row;
pub mod tokens;
mod write;

pub use journal::Journal;
pub use ledger::{Committed, Expected, Ledger};
pub use prices::{Price, PriceTable, UnitPrice, Usage};
pub use reports::{request_log, routes, usage};
pub use row::{Charge, Reset, SpendRow};
pub use write::{micros, week_of};
