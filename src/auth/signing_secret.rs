//! The key that signs session cookies and every other token the proxy gives a browser
//! (onboarding tokens, the SSO state cookie, CSRF and form tokens): derived from the
//! proxy's secret (`proxy_secret.rs`) under its own purpose label, so it is never stored
//! anywhere. It is never the master key: rotating the master key must not sign everyone
//! out, and a leaked session must not help guess the master key.
//!
//! Versions before this one kept the signing secret in the `settings` table, hence in every
//! copy and backup of the database. It is deleted on every start (not by a schema upgrade,
//! so a file that an older binary wrote into again is cleaned too); the sessions it signed
//! end, which is the point: that secret sits in every old backup.

use super::SessionKeys;
use super::proxy_secret::ProxySecret;
use crate::db::{Db, DbError, settings};

/// The purpose label of the session-signing key. Changing it signs everyone out.
pub const PURPOSE: &str = "proxy session signing v1";

/// Where versions before this one kept the signing secret.
pub const LEGACY_SETTING: &str = "jwt_signing_secret";

/// The keys that sign and check sessions and browser tokens.
pub fn session_keys(secret: &ProxySecret) -> SessionKeys {
    SessionKeys::new(secret.derive(PURPOSE).to_vec())
}

/// Deletes the signing secret an older version stored in the database. Returns whether
/// there was one (and says so in the log: its sessions have ended).
pub fn forget_stored_secret(db: &Db) -> Result<bool, DbError> {
    let deleted = db.write_blocking(|tx| settings::delete(tx, LEGACY_SETTING))?;
    if deleted {
        tracing::warn!(
            "the session-signing secret moved out of the database (it was in every backup): it was deleted from the database and every session signed with it has ended; users sign in again"
        );
    }
    Ok(deleted)
}
