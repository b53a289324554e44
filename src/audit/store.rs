//! The SQL of the audit trail: one row appended in the transaction of the change it
//! records, and pages of rows, newest first, for `GET /audit`.

use crate::db::{Conn, params};
use serde_json::{Value, json};

/// One audit row as written: who, when, what, and the values before and after (JSON text).
pub struct Entry<'a> {
    pub updated_at: &'a str,
    pub changed_by: &'a str,
    /// The hash of the key used; `None` for a flow without a key.
    pub api_key: Option<&'a str>,
    pub action: &'a str,
    pub table: &'a str,
    pub object_id: &'a str,
    pub before: Option<String>,
    pub after: Option<String>,
}

pub fn append(conn: &Conn<'_>, entry: &Entry<'_>) -> crate::db::Result<()> {
    conn.execute(
        "INSERT INTO audit_log (updated_at, changed_by, changed_by_api_key, action, table_name, object_id, before_value, updated_values)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            entry.updated_at,
            entry.changed_by,
            entry.api_key,
            entry.action,
            entry.table,
            entry.object_id,
            entry.before,
            entry.after
        ],
    )?;
    Ok(())
}

/// What a page of the trail is narrowed to; `None` matches every row.
#[derive(Debug, Default)]
pub struct Filter {
    pub table_name: Option<String>,
    pub object_id: Option<String>,
    pub action: Option<String>,
    pub changed_by: Option<String>,
}

/// Page `page` (from 1) of `size` rows matching `filter`, newest first, as `GET /audit`
/// shows them; and how many rows match in all.
pub fn page(conn: &Conn<'_>, filter: &Filter, page: i64, size: i64) -> crate::db::Result<(Vec<Value>, i64)> {
    let matching = "(?1 IS NULL OR table_name = ?1) AND (?2 IS NULL OR object_id = ?2) \
         AND (?3 IS NULL OR action = ?3) AND (?4 IS NULL OR changed_by = ?4)";
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM audit_log WHERE {matching}"),
        params![filter.table_name, filter.object_id, filter.action, filter.changed_by],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare(&format!(
        "SELECT id, updated_at, changed_by, changed_by_api_key, action, table_name, object_id, before_value, updated_values
         FROM audit_log WHERE {matching} ORDER BY id DESC LIMIT ?5 OFFSET ?6"
    ))?;
    let parse = |text: Option<String>| text.and_then(|t| serde_json::from_str::<Value>(&t).ok());
    let rows = stmt
        .query_map(
            params![filter.table_name, filter.object_id, filter.action, filter.changed_by, size, (page - 1) * size],
            |r| {
                Ok(json!({
                    "id": r.get::<_, i64>(0)?.to_string(),
                    "updated_at": r.get::<_, String>(1)?,
                    "changed_by": r.get::<_, String>(2)?,
                    "changed_by_api_key": r.get::<_, Option<String>>(3)?,
                    "action": r.get::<_, String>(4)?,
                    "table_name": r.get::<_, String>(5)?,
                    "object_id": r.get::<_, String>(6)?,
                    "before_value": parse(r.get(7)?),
                    "updated_values": parse(r.get(8)?),
                }))
            },
        )?
        .collect::<crate::db::Result<Vec<_>>>()?;
    Ok((rows, total))
}
