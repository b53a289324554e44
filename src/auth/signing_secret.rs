//! The secret that signs session cookies (and any other token the proxy issues to a
//! browser): 256 random bits made on first start and kept in the `settings` table, so
//! sessions survive a restart and no configuration is needed. It is never the master key:
//! rotating the master key must not sign everyone out, and a leaked session must not help
//! guess the master key.

use crate::db::{Db, DbError};
use rand::RngCore;
use rusqlite::OptionalExtension;

pub const SETTING: &str = "jwt_signing_secret";

/// The stored secret, or a new one stored now. Safe to call on every start.
pub fn load_or_create(db: &Db) -> Result<Vec<u8>, DbError> {
    let stored: Option<String> = db.read_blocking(|conn| {
        conn.query_row("SELECT value FROM settings WHERE name = ?1", [SETTING], |r| r.get(0)).optional()
    })?;
    if let Some(secret) = stored.and_then(|s| hex::decode(s).ok()).filter(|s| s.len() >= 32) {
        return Ok(secret);
    }
    let mut secret = vec![0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let text = hex::encode(&secret);
    // `DO NOTHING` then re-read: whoever stored first wins, so two starts never disagree.
    db.write_blocking(|tx| {
        tx.execute(
            "INSERT INTO settings (name, value, updated_at) VALUES (?1, ?2, ?3) ON CONFLICT (name) DO NOTHING",
            rusqlite::params![SETTING, text, crate::time::now_text()],
        )?;
        let value: String = tx.query_row("SELECT value FROM settings WHERE name = ?1", [SETTING], |r| r.get(0))?;
        hex::decode(value).map_err(|e| DbError::Other(format!("the stored {SETTING} is not hex: {e}")))
    })
}
