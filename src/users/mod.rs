//! Users: their record, the in-memory table, and (in `routes.rs`) the `/user/*` routes.

mod cache;
mod record;

pub use cache::UserCache;
pub use record::{COLUMNS, UserRecord};
