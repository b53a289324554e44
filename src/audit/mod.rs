//! The audit trail: every change made through the management API writes one row in the
//! same transaction as the change (so the trail and the data never disagree), naming who,
//! when, what, and the values before and after. Records are serialised without secrets
//! (key rows hold only the hash, user rows never the password hash), and callers never
//! pass a clear key here. `GET /audit` (in `routes.rs`) lists the rows; `store.rs` holds
//! the table's SQL.

mod routes;
mod store;

pub use routes::routes;

use crate::auth::Caller;
use crate::db::Conn;
use serde_json::Value;

/// Who made a change, as the audit row records it.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: String,
    /// The hash of the key used, or `master_key`; never the key itself.
    pub api_key: String,
}

impl Actor {
    pub fn of(caller: &Caller) -> Self {
        Self { user_id: caller.user_label().to_string(), api_key: caller.api_key_hash().to_string() }
    }

    /// Changes made by a flow without a key (onboarding), in the name of a user.
    pub fn user(user_id: &str) -> Self {
        Self { user_id: user_id.to_string(), api_key: String::new() }
    }
}

#[allow(clippy::too_many_arguments)]
pub fn record(
    conn: &Conn<'_>,
    actor: &Actor,
    now: &str,
    action: &str,
    table: &str,
    object_id: &str,
    before: Option<&Value>,
    after: Option<&Value>,
) -> crate::db::Result<()> {
    let text = |v: Option<&Value>| v.map(Value::to_string);
    let entry = store::Entry {
        updated_at: now,
        changed_by: &actor.user_id,
        api_key: Some(actor.api_key.as_str()).filter(|k| !k.is_empty()),
        action,
        table,
        object_id,
        before: text(before),
        after: text(after),
    };
    store::append(conn, &entry)
}

/// A record as audit JSON.
pub fn json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}
