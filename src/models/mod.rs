//! Models managed at run time: LiteLLM's `/model/new`, `/model/update`, `/model/delete`,
//! `/model/info` and `/model_group/info`, and the UI's Models page. Stored models live in
//! the database (credentials sealed with the proxy's secret) and are served beside the
//! models of `proxy.toml` as soon as a change commits (`gateway::LiveRouter`). Models of
//! `proxy.toml` are read-only here: the file is their source.

mod change;
mod info;
mod record;
mod routes;
mod seal;
mod store;
mod view;

pub use change::{ModelChange, create, delete, update};
pub use record::StoredModel;
pub use routes::routes;
pub use seal::CredentialKey;

use crate::config::ModelEntry;
use crate::db::{Db, DbError};
use crate::state::AppState;

/// The stored models the router serves; one that no longer converts (an environment
/// variable it names is gone) is left out with an error in the log.
fn entries(stored: &[StoredModel]) -> Vec<ModelEntry> {
    stored
        .iter()
        .filter_map(|model| match model.entry() {
            Ok(entry) => Some(entry),
            Err((field, message)) => {
                tracing::error!(model_id = %model.model_id, field = %field, "stored model not served: {message}");
                None
            }
        })
        .collect()
}

/// The stored models, at start.
pub fn load(db: &Db, key: &CredentialKey) -> Result<Vec<ModelEntry>, DbError> {
    let stored = db.read_blocking(|conn| store::all(conn, key))?;
    Ok(entries(&stored))
}

/// Serves `stored` (every stored model, as just committed).
fn serve(state: &AppState, stored: &[StoredModel]) {
    state.routing.set_stored(&entries(stored));
    state.alerts.track(&state.router());
}

/// Every stored model, read now.
pub async fn list(state: &AppState) -> Result<Vec<StoredModel>, DbError> {
    let key = state.clone();
    state.db.read(move |conn| store::all(conn, &key.credentials)).await
}
