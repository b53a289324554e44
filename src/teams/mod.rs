//! Teams and memberships: records, the in-memory table, and (in `routes.rs`) `/team/*`.

mod cache;
mod record;

pub use cache::TeamCache;
pub use record::{COLUMNS, MEMBER_COLUMNS, Membership, TeamRecord, TeamRole};
