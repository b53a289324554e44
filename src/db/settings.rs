//! The `settings` table: named values the proxy keeps about itself (the generated master
//! key's hash; once, the session-signing secret). Read and written by name only, so the
//! callers (`auth::master_key`, `auth::signing_secret`) need no SQL of their own.

use super::sql::{Conn, OptionalExtension, Result};

/// The value stored under `name`, if any.
pub fn get(conn: &Conn<'_>, name: &str) -> Result<Option<String>> {
    conn.query_row("SELECT value FROM settings WHERE name = ?1", [name], |r| r.get(0)).optional()
}

/// Stores `value` under `name`, replacing what was there.
pub fn put(conn: &Conn<'_>, name: &str, value: &str, now: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO settings (name, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        [name, value, now],
    )?;
    Ok(())
}

/// Deletes the value under `name`; whether there was one.
pub fn delete(conn: &Conn<'_>, name: &str) -> Result<bool> {
    Ok(conn.execute("DELETE FROM settings WHERE name = ?1", [name])? > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Direct;

    #[test]
    fn a_value_is_put_replaced_read_and_deleted_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let store = Direct::create(dir.path().join("s.db")).unwrap();
        let conn = store.conn();
        assert_eq!(get(&conn, "a").unwrap(), None);
        put(&conn, "a", "1", "2026-01-01T00:00:00Z").unwrap();
        put(&conn, "a", "2", "2026-01-02T00:00:00Z").unwrap();
        put(&conn, "b", "3", "2026-01-02T00:00:00Z").unwrap();
        assert_eq!(get(&conn, "a").unwrap().as_deref(), Some("2"));
        assert!(delete(&conn, "a").unwrap());
        assert!(!delete(&conn, "a").unwrap());
        assert_eq!(get(&conn, "a").unwrap(), None);
        assert_eq!(get(&conn, "b").unwrap().as_deref(), Some("3"));
    }
}
