//! The SQL of stored models. Credentials are sealed here on the way in and opened on
//! the way out, so no other code handles the sealed form.

use super::record::{COLUMNS, StoredModel};
use super::seal::CredentialKey;
use crate::db::{Conn, OptionalExtension, Row, params};
use serde_json::{Map, Value};

fn object(text: &str) -> Map<String, Value> {
    serde_json::from_str(text).unwrap_or_default()
}

fn from_row(row: &Row<'_>, key: &CredentialKey) -> crate::db::Result<StoredModel> {
    let model_id: String = row.get(0)?;
    let sealed: Option<String> = row.get(3)?;
    let secrets = match sealed {
        Some(sealed) => match key.open(&model_id, &sealed) {
            Ok(clear) => object(&clear),
            Err(e) => {
                // The model stays listed (and can be fixed or deleted) but calls it without
                // a credential, which its upstream refuses visibly.
                tracing::error!(model_id = %model_id, "{e}");
                Map::new()
            }
        },
        None => Map::new(),
    };
    Ok(StoredModel {
        model_id,
        model_name: row.get(1)?,
        litellm_params: object(&row.get::<_, String>(2)?),
        secrets,
        model_info: object(&row.get::<_, String>(4)?),
        created_at: row.get(5)?,
        created_by: row.get(6)?,
        updated_at: row.get(7)?,
        updated_by: row.get(8)?,
    })
}

pub fn all(conn: &Conn<'_>, key: &CredentialKey) -> crate::db::Result<Vec<StoredModel>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM models ORDER BY created_at, model_id"))?;
    let rows = stmt.query_map((), |row| from_row(row, key))?;
    rows.collect()
}

pub fn get(conn: &Conn<'_>, key: &CredentialKey, model_id: &str) -> crate::db::Result<Option<StoredModel>> {
    conn.query_row(&format!("SELECT {COLUMNS} FROM models WHERE model_id = ?1"), [model_id], |row| from_row(row, key))
        .optional()
}

/// Inserts or overwrites the model.
pub fn save(conn: &Conn<'_>, key: &CredentialKey, model: &StoredModel) -> crate::db::Result<()> {
    let sealed = (!model.secrets.is_empty())
        .then(|| key.seal(&model.model_id, &Value::Object(model.secrets.clone()).to_string()));
    conn.execute(
        &format!(
            "INSERT INTO models ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (model_id) DO UPDATE SET model_name = excluded.model_name,
             litellm_params = excluded.litellm_params, secrets = excluded.secrets,
             model_info = excluded.model_info, updated_at = excluded.updated_at, updated_by = excluded.updated_by"
        ),
        params![
            model.model_id,
            model.model_name,
            Value::Object(model.litellm_params.clone()).to_string(),
            sealed,
            Value::Object(model.model_info.clone()).to_string(),
            model.created_at,
            model.created_by,
            model.updated_at,
            model.updated_by,
        ],
    )?;
    Ok(())
}

pub fn delete(conn: &Conn<'_>, model_id: &str) -> crate::db::Result<bool> {
    Ok(conn.execute("DELETE FROM models WHERE model_id = ?1", [model_id])? > 0)
}
