//! Virtual keys: their record, the in-memory table, their SQL (`store.rs`), the settable
//! fields with their checks and bounds (`fields.rs`), how they are shown (`view.rs`) and
//! the LiteLLM-compatible `/key/*` routes (`routes.rs` changes, `regenerate.rs` new
//! secrets, `read.rs` reads).

mod cache;
pub mod fields;
mod read;
mod record;
mod regenerate;
mod routes;
pub mod store;
pub mod view;

pub use cache::{KeyCache, hash_key};
pub use record::{COLUMNS, KeyRecord, json_column, list_column};
pub use regenerate::regenerate_key;
pub use routes::{delete_by, issue_key, set_blocked, update_key};

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;

pub fn routes() -> OpenApiRouter<AppState> {
    routes::routes().merge(regenerate::routes()).merge(read::routes())
}
