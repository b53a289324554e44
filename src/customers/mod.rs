//! Customers (LiteLLM's end users, `LiteLLM_EndUserTable`): the people a caller serves,
//! named per request by the body's `user` (or the `x-litellm-customer-id` header; see
//! `identify.rs`). A customer can be blocked, restricted to models and a region, and
//! given a budget (`budget_id`, a `budgets` row) whose limits apply at admission; its
//! running `spend` is kept by the spend ledger. Records and SQL here, the in-memory table
//! admission reads (`cache.rs`), the settable fields (`fields.rs`), the answers
//! (`view.rs`), the `/customer/*` routes and their `/end_user/*` aliases (`routes.rs`
//! changes, `block.rs` blocks, `read.rs` reads), and the admission rules (`admission.rs`).

pub mod admission;
mod block;
mod cache;
pub mod fields;
pub mod identify;
mod read;
mod record;
mod routes;
pub mod store;
pub mod view;

pub use cache::CustomerCache;
pub use record::CustomerRecord;

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;

pub fn routes() -> OpenApiRouter<AppState> {
    routes::routes().merge(block::routes()).merge(read::routes())
}
