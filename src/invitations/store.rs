//! The invitation row and its SQL. An invitation's id is a secret (it is the link), so
//! only its sha256 is stored, as for keys: `load` takes the id as the link carries it.

use crate::db::{Conn, OptionalExtension, Row, params};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Invitation {
    /// The sha256 of the id in the link.
    pub id: String,
    pub user_id: String,
    pub is_accepted: bool,
    pub accepted_at: Option<String>,
    pub expires_at: String,
    pub created_at: String,
    pub created_by: Option<String>,
    pub updated_at: String,
    pub updated_by: Option<String>,
}

const COLUMNS: &str =
    "id, user_id, is_accepted, accepted_at, expires_at, created_at, created_by, updated_at, updated_by";

impl Invitation {
    fn from_row(row: &Row<'_>) -> crate::db::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            user_id: row.get(1)?,
            is_accepted: row.get(2)?,
            accepted_at: row.get(3)?,
            expires_at: row.get(4)?,
            created_at: row.get(5)?,
            created_by: row.get(6)?,
            updated_at: row.get(7)?,
            updated_by: row.get(8)?,
        })
    }
}

/// What is stored for the id a link carries.
pub fn stored_id(link_id: &str) -> String {
    crate::keys::hash_key(link_id)
}

/// The invitation whose link carries `link_id`.
pub fn load(conn: &Conn<'_>, link_id: &str) -> crate::db::Result<Option<Invitation>> {
    let id = stored_id(link_id);
    conn.query_row(&format!("SELECT {COLUMNS} FROM invitations WHERE id = ?1"), [id], Invitation::from_row).optional()
}

/// Deletes the user's open invitations other than `except` (a stored id): a password
/// set one way must not be replaceable through an older link. Returns the stored ids.
pub fn revoke_open(conn: &Conn<'_>, user_id: &str, except: Option<&str>) -> crate::db::Result<Vec<String>> {
    let mut stmt =
        conn.prepare("DELETE FROM invitations WHERE user_id = ?1 AND is_accepted = 0 AND id IS NOT ?2 RETURNING id")?;
    stmt.query_map(params![user_id, except], |r| r.get(0))?.collect()
}

pub fn insert(conn: &Conn<'_>, i: &Invitation) -> crate::db::Result<()> {
    conn.execute(
        &format!("INSERT INTO invitations ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
        params![
            i.id,
            i.user_id,
            i.is_accepted,
            i.accepted_at,
            i.expires_at,
            i.created_at,
            i.created_by,
            i.updated_at,
            i.updated_by
        ],
    )?;
    Ok(())
}

pub fn delete(conn: &Conn<'_>, id: &str) -> crate::db::Result<()> {
    conn.execute("DELETE FROM invitations WHERE id = ?1", [id])?;
    Ok(())
}

/// Marks the invitation (by stored id) used if it is unused and unexpired; false when it
/// was not.
pub fn accept(conn: &Conn<'_>, id: &str, user_id: &str, now: &str) -> crate::db::Result<bool> {
    let changed = conn.execute(
        "UPDATE invitations SET is_accepted = 1, accepted_at = ?2, updated_at = ?2, updated_by = ?3
         WHERE id = ?1 AND is_accepted = 0 AND expires_at > ?2",
        params![id, now, user_id],
    )?;
    Ok(changed == 1)
}
