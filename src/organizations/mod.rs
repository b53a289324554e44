//! Organizations (LiteLLM's `/organization/*`): they own teams, bound those teams' budgets
//! and models, and charge their teams' spend against their own budget. Records, the
//! in-memory table, their SQL (`store.rs`), the settable fields (`fields.rs`), how they are
//! shown (`view.rs`), the bounds they put on their teams (`bounds.rs`) and the routes
//! (`routes.rs` changes organizations, `members.rs` members, `read.rs` reads). Who may do
//! what is in the one policy (`auth/policy_orgs.rs`).

pub mod bounds;
mod cache;
pub mod fields;
mod members;
mod read;
mod record;
mod routes;
pub mod store;
pub mod view;

pub use cache::OrgCache;
pub use record::{OrgMembership, OrgRecord, OrgRole};

use crate::state::AppState;
use utoipa_axum::router::OpenApiRouter;

pub fn routes() -> OpenApiRouter<AppState> {
    routes::routes().merge(members::routes()).merge(read::routes())
}
