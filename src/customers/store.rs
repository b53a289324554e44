//! The SQL of customers. Writers run inside the caller's transaction and hand the stored
//! records to the write's `then`, which puts them into the in-memory table. Spend is
//! added by the ledger (`add_spend`), which also creates the row of an id first seen in a
//! request, as LiteLLM does.

use super::record::{COLUMNS, CustomerRecord};
use crate::db::{Conn, OptionalExtension, params};

pub fn load(conn: &Conn<'_>, user_id: &str) -> crate::db::Result<Option<CustomerRecord>> {
    conn.query_row(&format!("SELECT {COLUMNS} FROM end_users WHERE user_id = ?1"), [user_id], CustomerRecord::from_row)
        .optional()
}

pub fn all(conn: &Conn<'_>) -> crate::db::Result<Vec<CustomerRecord>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM end_users"))?;
    stmt.query_map((), CustomerRecord::from_row)?.collect()
}

/// Inserts or overwrites a customer row (its spend included).
pub fn save(conn: &Conn<'_>, customer: &CustomerRecord) -> crate::db::Result<()> {
    conn.execute(
        &format!(
            "INSERT INTO end_users ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (user_id) DO UPDATE SET alias = excluded.alias, spend = excluded.spend,
             allowed_model_region = excluded.allowed_model_region, default_model = excluded.default_model,
             budget_id = excluded.budget_id, blocked = excluded.blocked, models = excluded.models"
        ),
        params![
            customer.user_id,
            customer.alias,
            customer.spend,
            customer.allowed_model_region,
            customer.default_model,
            customer.budget_id,
            customer.blocked,
            serde_json::Value::from(customer.models.clone()).to_string(),
        ],
    )?;
    Ok(())
}

/// Raises a customer's running spend, creating the row of an id not seen before.
pub fn add_spend(conn: &Conn<'_>, user_id: &str, delta: f64) -> crate::db::Result<()> {
    conn.prepare_cached(
        "INSERT INTO end_users (user_id, spend) VALUES (?1, ?2)
         ON CONFLICT (user_id) DO UPDATE SET spend = spend + excluded.spend",
    )?
    .execute(params![user_id, delta])?;
    Ok(())
}

pub fn delete(conn: &Conn<'_>, user_id: &str) -> crate::db::Result<bool> {
    Ok(conn.execute("DELETE FROM end_users WHERE user_id = ?1", [user_id])? > 0)
}

/// A budget period ended: the spend of every customer on that budget starts again.
pub fn reset_spend_of_budget(conn: &Conn<'_>, budget_id: &str) -> crate::db::Result<usize> {
    conn.execute("UPDATE end_users SET spend = 0 WHERE budget_id = ?1", [budget_id])
}
