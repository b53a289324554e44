//! Teams and memberships: records, the in-memory table, their SQL (`store.rs`), the
//! settable fields (`fields.rs`), how they are shown (`view.rs`) and the `/team/*` routes
//! (`routes.rs` changes teams, `members.rs` members, `read.rs` reads).

mod cache;
pub mod fields;
pub mod members;
mod read;
mod record;
pub mod routes;
pub mod store;
pub mod view;

pub use cache::TeamCache;
pub use record::{COLUMNS, MEMBER_COLUMNS, Membership, TeamRecord, TeamRole};

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;

pub fn routes() -> OpenApiRouter<AppState> {
    routes::routes().merge(members::routes()).merge(read::routes())
}
