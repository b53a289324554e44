//! The SQL of keys: read one row, write one row whole, archive a removed key. Handlers
//! read-modify-write inside one `Db::write` closure, so concurrent changes to a key (and
//! the gateway's spend, which goes through the same writer) are never lost.

use super::record::{COLUMNS, KeyRecord};
use crate::db::{Conn, OptionalExtension, params};

pub fn load(conn: &Conn<'_>, token: &str) -> crate::db::Result<Option<KeyRecord>> {
    conn.query_row(&format!("SELECT {COLUMNS} FROM keys WHERE token = ?1"), [token], KeyRecord::from_row).optional()
}

/// Every key (the in-memory table's load at start).
pub fn all(conn: &Conn<'_>) -> crate::db::Result<Vec<KeyRecord>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM keys"))?;
    stmt.query_map((), KeyRecord::from_row)?.collect()
}

/// The old secrets of regenerated keys: (old hash, the key's current hash, when the old
/// secret stops working).
pub fn deprecated(conn: &Conn<'_>) -> crate::db::Result<Vec<(String, String, String)>> {
    let mut stmt = conn.prepare("SELECT token, active_token_id, revoke_at FROM deprecated_keys")?;
    stmt.query_map((), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect()
}

/// The key moved from `old_token` to `new_token` (regenerated): the old secrets still in
/// their grace period follow it.
pub fn follow_regenerated(conn: &Conn<'_>, old_token: &str, new_token: &str) -> crate::db::Result<()> {
    conn.execute("UPDATE deprecated_keys SET active_token_id = ?1 WHERE active_token_id = ?2", [new_token, old_token])?;
    Ok(())
}

/// The secret hashed `old_token` keeps working as the key `new_token` until `revoke_at`.
pub fn deprecate(conn: &Conn<'_>, old_token: &str, new_token: &str, revoke_at: &str) -> crate::db::Result<()> {
    conn.execute(
        "INSERT INTO deprecated_keys (token, active_token_id, revoke_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (token) DO UPDATE SET active_token_id = excluded.active_token_id, revoke_at = excluded.revoke_at",
        [old_token, new_token, revoke_at],
    )?;
    Ok(())
}

/// Inserts or overwrites the row of `key.token`.
pub fn save(conn: &Conn<'_>, key: &KeyRecord) -> crate::db::Result<()> {
    let names: Vec<&str> = COLUMNS.split(',').map(str::trim).collect();
    let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
    let updates: Vec<String> = names.iter().filter(|n| **n != "token").map(|n| format!("{n} = excluded.{n}")).collect();
    let sql = format!(
        "INSERT INTO keys ({COLUMNS}) VALUES ({}) ON CONFLICT (token) DO UPDATE SET {}",
        placeholders.join(", "),
        updates.join(", ")
    );
    let json = |v: &serde_json::Value| v.to_string();
    let list = |v: &Vec<String>| serde_json::Value::from(v.clone()).to_string();
    conn.execute(
        &sql,
        params![
            key.token,
            key.key_name,
            key.key_alias,
            key.spend,
            key.expires,
            list(&key.models),
            json(&key.aliases),
            json(&key.config),
            key.user_id,
            key.team_id,
            json(&key.permissions),
            key.max_parallel_requests,
            json(&key.metadata),
            key.blocked,
            key.tpm_limit,
            key.rpm_limit,
            key.max_budget,
            key.soft_budget,
            key.budget_duration,
            key.budget_reset_at,
            list(&key.allowed_routes),
            key.is_session_key,
            key.created_at,
            key.created_by,
            key.updated_at,
            key.updated_by,
            key.last_active,
            key.budget_id,
        ],
    )?;
    Ok(())
}

/// Copies the key into `deleted_keys` (for its spend history) and deletes it, with the
/// grace-period secrets that pointed at it.
pub fn archive_and_delete(conn: &Conn<'_>, key: &KeyRecord, deleted_by: &str, now: &str) -> crate::db::Result<()> {
    let row = serde_json::to_string(key).unwrap_or_default();
    conn.execute(
        "INSERT INTO deleted_keys (token, key_name, key_alias, spend, user_id, team_id, row, deleted_at, deleted_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![key.token, key.key_name, key.key_alias, key.spend, key.user_id, key.team_id, row, now, deleted_by],
    )?;
    conn.execute("DELETE FROM deprecated_keys WHERE active_token_id = ?1", [&key.token])?;
    conn.execute("DELETE FROM keys WHERE token = ?1", [&key.token])?;
    Ok(())
}

/// Whether another key already has this alias.
pub fn alias_taken(conn: &Conn<'_>, alias: &str, except_token: &str) -> crate::db::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM keys WHERE key_alias = ?1 AND token <> ?2)",
        params![alias, except_token],
        |r| r.get(0),
    )
}

/// Tokens of the keys of a user (all teams), or of a user in one team.
pub fn tokens_of_user(conn: &Conn<'_>, user_id: &str, team_id: Option<&str>) -> crate::db::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT token FROM keys WHERE user_id = ?1 AND (?2 IS NULL OR team_id = ?2)")?;
    let rows = stmt.query_map(params![user_id, team_id], |r| r.get(0))?;
    rows.collect()
}

pub fn tokens_of_team(conn: &Conn<'_>, team_id: &str) -> crate::db::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT token FROM keys WHERE team_id = ?1")?;
    let rows = stmt.query_map([team_id], |r| r.get(0))?;
    rows.collect()
}
