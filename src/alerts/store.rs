//! The alert outbox (`alert_outbox`): one row per alert and channel, unique on the
//! alert's dedupe key and the channel, so filing is idempotent; a row is `pending` until
//! its channel took it (`sent`) or its tries ran out (`failed`). The due rows are read
//! through a partial index of the pending ones.

use super::Alert;
use crate::db::DbError;
use crate::db::{Conn, Tx, params};
use serde::Serialize;

/// Tries of one row before it is given up.
pub const MAX_ATTEMPTS: i64 = 12;

/// An outbox row.
#[derive(Debug, Clone, Serialize)]
pub struct Outgoing {
    pub id: i64,
    pub channel: String,
    pub alert_type: String,
    pub event: String,
    pub message: String,
    /// The webhook event, as JSON text.
    pub payload: String,
    /// Email addresses (JSON array), for the email channel.
    pub recipients: String,
    pub created_at: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub sent_at: Option<String>,
    pub last_error: Option<String>,
}

const COLUMNS: &str = "id, channel, alert_type, event, message, payload, recipients, created_at, status, attempts, \
    next_attempt_at, sent_at, last_error";

fn from_row(row: &crate::db::Row<'_>) -> crate::db::Result<Outgoing> {
    Ok(Outgoing {
        id: row.get(0)?,
        channel: row.get(1)?,
        alert_type: row.get(2)?,
        event: row.get(3)?,
        message: row.get(4)?,
        payload: row.get(5)?,
        recipients: row.get(6)?,
        created_at: row.get(7)?,
        status: row.get(8)?,
        attempts: row.get(9)?,
        next_attempt_at: row.get(10)?,
        sent_at: row.get(11)?,
        last_error: row.get(12)?,
    })
}

/// Files each alert once per channel; returns how many rows are new.
pub fn file(
    tx: &Tx<'_>,
    alerts: &[Alert],
    channels: &[String],
    admins: &[String],
    now: &str,
) -> Result<usize, DbError> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO alert_outbox (dedupe_key, channel, alert_type, event, message, payload, recipients, created_at,
            next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
         ON CONFLICT (dedupe_key, channel) DO NOTHING",
    )?;
    let mut added = 0;
    for alert in alerts {
        let mut payload = alert.fields.clone();
        if let Some(fields) = payload.as_object_mut() {
            fields.insert("event".into(), alert.event.clone().into());
            fields.insert("event_message".into(), alert.message.clone().into());
            fields.insert("alert_type".into(), alert.alert_type.into());
        }
        let mut recipients: Vec<&String> = alert.owners.iter().chain(admins).collect();
        recipients.sort();
        recipients.dedup();
        let recipients = serde_json::to_string(&recipients).unwrap_or_else(|_| "[]".into());
        for channel in channels {
            added += insert.execute(params![
                alert.dedupe,
                channel,
                alert.alert_type,
                alert.event,
                alert.message,
                payload.to_string(),
                recipients,
                now
            ])?;
        }
    }
    Ok(added)
}

/// The pending rows whose time has come, oldest first.
pub fn due(conn: &Conn<'_>, now: &str, limit: u32) -> crate::db::Result<Vec<Outgoing>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM alert_outbox WHERE status = 'pending' AND next_attempt_at <= ?1
         ORDER BY next_attempt_at, id LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![now, limit], from_row)?;
    rows.collect()
}

/// The channel took row `id`.
pub fn sent(tx: &Tx<'_>, id: i64, now: &str) -> Result<(), DbError> {
    tx.execute(
        "UPDATE alert_outbox SET status = 'sent', sent_at = ?2, attempts = attempts + 1, last_error = NULL WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

/// Row `id` failed with `error`: tried again at `retry_at`, or given up after
/// [`MAX_ATTEMPTS`].
pub fn failed(tx: &Tx<'_>, id: i64, error: &str, retry_at: &str) -> Result<(), DbError> {
    tx.execute(
        "UPDATE alert_outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3,
            status = CASE WHEN attempts + 1 >= ?4 THEN 'failed' ELSE 'pending' END
         WHERE id = ?1",
        params![id, error, retry_at, MAX_ATTEMPTS],
    )?;
    Ok(())
}

/// The latest `limit` rows, newest first.
pub fn recent(conn: &Conn<'_>, limit: u32) -> crate::db::Result<Vec<Outgoing>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM alert_outbox ORDER BY id DESC LIMIT ?1"))?;
    let rows = stmt.query_map(params![limit], from_row)?;
    rows.collect()
}
