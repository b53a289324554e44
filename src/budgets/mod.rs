//! Named budgets (LiteLLM's `LiteLLM_BudgetTable`): a max budget, rate limits and a reset
//! period under an id that customers, keys and team memberships reference with
//! `budget_id`. A budget keeps no spend of its own: each holder keeps theirs, checked
//! against it, and reset together when the budget's period ends. Records and SQL here, the
//! in-memory table admission reads (`cache.rs`), what a key or membership has from its
//! budget (`effective.rs`), its other holders (`holders.rs`), the settable fields
//! (`fields.rs`), the answers (`view.rs`) and the `/budget/*` routes (`routes.rs` changes,
//! `read.rs` reads).

mod cache;
pub mod effective;
pub mod fields;
pub mod holders;
mod read;
mod record;
mod routes;
pub mod store;
pub mod view;

pub use cache::BudgetCache;
pub use holders::referenced;
pub use record::BudgetRecord;

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;

pub fn routes() -> OpenApiRouter<AppState> {
    routes::routes().merge(read::routes())
}
