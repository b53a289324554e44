//! The `responses` table: the `/v1/responses` answers the gateway made itself, each with
//! the input items its model saw, owned by the sha256 of the key that made it. And the
//! `relayed_responses` table: for an answer an upstream with the Responses API made (and
//! keeps), only whose it is and which deployment holds it, so that reading it, deleting
//! it or chaining on it goes to that deployment, for its owner only.

use crate::db::{Conn, OptionalExtension, Tx, params};
use crate::db::{DbError, WeakDb};
use serde_json::Value;

pub struct StoredResponse {
    pub id: String,
    /// The sha256 of the key that made it.
    pub api_key: String,
    pub created_at: String,
    /// The `response` object as the client got it.
    pub response: Value,
    /// Every input item the model saw: those of the responses before it in the chain too.
    pub input_items: Vec<Value>,
}

pub fn insert(tx: &Tx<'_>, stored: &StoredResponse) -> crate::db::Result<()> {
    tx.execute(
        "INSERT INTO responses (id, api_key, created_at, response, input_items) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET api_key = excluded.api_key, created_at = excluded.created_at,
             response = excluded.response, input_items = excluded.input_items",
        params![
            stored.id,
            stored.api_key,
            stored.created_at,
            stored.response.to_string(),
            Value::Array(stored.input_items.clone()).to_string()
        ],
    )?;
    Ok(())
}

pub fn load(conn: &Conn<'_>, id: &str) -> crate::db::Result<Option<StoredResponse>> {
    conn.query_row("SELECT id, api_key, created_at, response, input_items FROM responses WHERE id = ?1", [id], |row| {
        let response: String = row.get(3)?;
        let items: String = row.get(4)?;
        Ok(StoredResponse {
            id: row.get(0)?,
            api_key: row.get(1)?,
            created_at: row.get(2)?,
            response: serde_json::from_str(&response).unwrap_or_default(),
            input_items: serde_json::from_str(&items).unwrap_or_default(),
        })
    })
    .optional()
}

/// Deletes the response; whether there was one.
pub fn delete(tx: &Tx<'_>, id: &str) -> crate::db::Result<bool> {
    Ok(tx.execute("DELETE FROM responses WHERE id = ?1", [id])? > 0)
}

/// A response an upstream keeps: who made it through the gateway, and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct RelayedResponse {
    /// The upstream's id of the response.
    pub id: String,
    /// The sha256 of the key that made it.
    pub api_key: String,
    /// The deployment that made it (`Deployment::id`, LiteLLM's `model_info.id`).
    pub model_id: String,
    pub created_at: String,
}

/// Records a relayed response. An id recorded already keeps its owner: an upstream that
/// gave the same id twice must not hand one key's response to another.
pub fn insert_relayed(tx: &Tx<'_>, relayed: &RelayedResponse) -> crate::db::Result<()> {
    tx.prepare_cached(
        "INSERT INTO relayed_responses (id, api_key, model_id, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![relayed.id, relayed.api_key, relayed.model_id, relayed.created_at])?;
    Ok(())
}

pub fn load_relayed(conn: &Conn<'_>, id: &str) -> crate::db::Result<Option<RelayedResponse>> {
    conn.prepare_cached("SELECT id, api_key, model_id, created_at FROM relayed_responses WHERE id = ?1")?
        .query_row([id], |row| {
            Ok(RelayedResponse {
                id: row.get(0)?,
                api_key: row.get(1)?,
                model_id: row.get(2)?,
                created_at: row.get(3)?,
            })
        })
        .optional()
}

/// Forgets a relayed response (its upstream deleted it); whether there was one.
pub fn delete_relayed(tx: &Tx<'_>, id: &str) -> crate::db::Result<bool> {
    Ok(tx.execute("DELETE FROM relayed_responses WHERE id = ?1", [id])? > 0)
}

/// How many rows one write of [`prune`] deletes at most, so the ledger waits little.
const PRUNE_BATCH: i64 = 512;

/// Deletes the responses kept and the relayed ones recorded before `cutoff` (a timestamp
/// as `time::format` writes it), in small writes; how many went. Blocking: run it off the
/// async runtime.
pub fn prune(db: &WeakDb, cutoff: &str) -> Result<u64, DbError> {
    let kept = "DELETE FROM responses WHERE id IN
        (SELECT id FROM responses WHERE created_at < ?1 ORDER BY created_at LIMIT ?2)";
    let relayed = "DELETE FROM relayed_responses WHERE id IN
        (SELECT id FROM relayed_responses WHERE created_at < ?1 ORDER BY created_at LIMIT ?2)";
    Ok(prune_table(db, cutoff, kept)? + prune_table(db, cutoff, relayed)?)
}

fn prune_table(db: &WeakDb, cutoff: &str, sql: &str) -> Result<u64, DbError> {
    let mut pruned = 0;
    loop {
        let Some(db) = db.upgrade() else { return Ok(pruned) };
        let deleted = db.write_blocking(|tx| tx.prepare_cached(sql)?.execute(params![cutoff, PRUNE_BATCH]))?;
        pruned += deleted as u64;
        if (deleted as i64) < PRUNE_BATCH {
            return Ok(pruned);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use serde_json::json;

    #[test]
    fn keeps_loads_deletes_and_prunes() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = Db::open(&dir.path().join("r.db")).unwrap();
        let stored = |id: &str, at: &str| StoredResponse {
            id: id.into(),
            api_key: "hash".into(),
            created_at: at.into(),
            response: json!({"id": id, "object": "response"}),
            input_items: vec![json!({"type": "message", "role": "user", "content": "hi"})],
        };
        db.write_blocking(|tx| {
            insert(tx, &stored("resp_old", "2026-01-01T00:00:00.000000Z"))?;
            insert(tx, &stored("resp_new", "2026-03-01T00:00:00.000000Z"))?;
            Ok::<_, DbError>(())
        })
        .unwrap();
        let loaded = db.read_blocking(|c| load(c, "resp_new")).unwrap().unwrap();
        assert_eq!((loaded.api_key.as_str(), loaded.response["id"].as_str()), ("hash", Some("resp_new")));
        assert_eq!(loaded.input_items.len(), 1);
        assert_eq!(prune(&db.downgrade(), "2026-02-01T00:00:00.000000Z").unwrap(), 1);
        assert!(db.read_blocking(|c| load(c, "resp_old")).unwrap().is_none());
        assert!(db.write_blocking(|tx| delete(tx, "resp_new")).unwrap());
        assert!(!db.write_blocking(|tx| delete(tx, "resp_new")).unwrap());
    }

    #[test]
    fn records_loads_forgets_and_prunes_relayed_responses() {
        let dir = tempfile::tempdir().unwrap();
        let (db, _) = Db::open(&dir.path().join("r.db")).unwrap();
        let relayed = |id: &str, at: &str| RelayedResponse {
            id: id.into(),
            api_key: "hash".into(),
            model_id: "gpt-0".into(),
            created_at: at.into(),
        };
        db.write_blocking(|tx| {
            insert_relayed(tx, &relayed("resp_up_old", "2026-01-01T00:00:00.000000Z"))?;
            insert_relayed(tx, &relayed("resp_up_new", "2026-03-01T00:00:00.000000Z"))?;
            Ok::<_, DbError>(())
        })
        .unwrap();
        let loaded = db.read_blocking(|c| load_relayed(c, "resp_up_new")).unwrap();
        assert_eq!(loaded, Some(relayed("resp_up_new", "2026-03-01T00:00:00.000000Z")));
        let taken = RelayedResponse { api_key: "another".into(), ..relayed("resp_up_new", "2026-03-02T00:00:00Z") };
        db.write_blocking(|tx| insert_relayed(tx, &taken)).unwrap();
        let kept = db.read_blocking(|c| load_relayed(c, "resp_up_new")).unwrap().unwrap();
        assert_eq!(kept.api_key, "hash", "the first owner keeps it");
        assert!(db.read_blocking(|c| load(c, "resp_up_new")).unwrap().is_none(), "not a kept response");
        assert_eq!(prune(&db.downgrade(), "2026-02-01T00:00:00.000000Z").unwrap(), 1);
        assert!(db.read_blocking(|c| load_relayed(c, "resp_up_old")).unwrap().is_none());
        assert!(db.write_blocking(|tx| delete_relayed(tx, "resp_up_new")).unwrap());
        assert!(db.read_blocking(|c| load_relayed(c, "resp_up_new")).unwrap().is_none());
    }
}
