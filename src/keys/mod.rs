//! Virtual keys: their record, the in-memory table, and (in `routes.rs`) the
//! LiteLLM-compatible `/key/*` routes.

mod cache;
mod record;

pub use cache::{KeyCache, hash_key};
pub use record::{COLUMNS, KeyRecord, json_column, list_column};
