//! Users: their record, the in-memory table, their SQL (`store.rs`), the settable fields
//! with defaults (`fields.rs`), how they are shown (`view.rs`) and the `/user/*` routes
//! (`routes.rs` changes, `read.rs` reads, `block.rs` blocks and unblocks).

pub mod block;
mod cache;
pub mod fields;
mod read;
mod record;
pub mod routes;
pub mod store;
pub mod view;

pub use cache::UserCache;
pub use record::{COLUMNS, UserRecord};

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;

pub fn routes() -> OpenApiRouter<AppState> {
    routes::routes().merge(read::routes()).merge(block::routes())
}
