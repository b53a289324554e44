//! The SQL of budgets. Writers run inside the caller's transaction and hand the stored
//! record to the write's `then`, which puts it into the in-memory table.

use super::record::{BudgetRecord, COLUMNS};
use crate::db::{Conn, OptionalExtension, params};

pub fn load(conn: &Conn<'_>, budget_id: &str) -> crate::db::Result<Option<BudgetRecord>> {
    conn.query_row(&format!("SELECT {COLUMNS} FROM budgets WHERE budget_id = ?1"), [budget_id], BudgetRecord::from_row)
        .optional()
}

pub fn all(conn: &Conn<'_>) -> crate::db::Result<Vec<BudgetRecord>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM budgets ORDER BY budget_id"))?;
    stmt.query_map((), BudgetRecord::from_row)?.collect()
}

/// Inserts or overwrites a budget row.
pub fn save(conn: &Conn<'_>, budget: &BudgetRecord) -> crate::db::Result<()> {
    conn.execute(
        &format!(
            "INSERT INTO budgets ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
             ON CONFLICT (budget_id) DO UPDATE SET max_budget = excluded.max_budget,
             soft_budget = excluded.soft_budget, max_parallel_requests = excluded.max_parallel_requests,
             tpm_limit = excluded.tpm_limit, rpm_limit = excluded.rpm_limit,
             model_max_budget = excluded.model_max_budget, budget_duration = excluded.budget_duration,
             budget_reset_at = excluded.budget_reset_at, updated_at = excluded.updated_at,
             updated_by = excluded.updated_by"
        ),
        params![
            budget.budget_id,
            budget.max_budget,
            budget.soft_budget,
            budget.max_parallel_requests,
            budget.tpm_limit,
            budget.rpm_limit,
            budget.model_max_budget.as_ref().map(serde_json::Value::to_string),
            budget.budget_duration,
            budget.budget_reset_at,
            budget.created_at,
            budget.created_by,
            budget.updated_at,
            budget.updated_by,
        ],
    )?;
    Ok(())
}

/// The customers that reference a budget (at most `limit` of them, by id).
pub fn customers_of(conn: &Conn<'_>, budget_id: &str, limit: i64) -> crate::db::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT user_id FROM end_users WHERE budget_id = ?1 ORDER BY user_id LIMIT ?2")?;
    stmt.query_map(params![budget_id, limit], |r| r.get(0))?.collect()
}

/// The keys (aliases, else masked names) and team memberships (`team:user`) that reference
/// a budget, at most `limit` of each.
pub fn holders_of(conn: &Conn<'_>, budget_id: &str, limit: i64) -> crate::db::Result<(Vec<String>, Vec<String>)> {
    let mut stmt = conn.prepare(
        "SELECT coalesce(key_alias, key_name) FROM keys WHERE budget_id = ?1 ORDER BY created_at, token LIMIT ?2",
    )?;
    let keys = stmt.query_map(params![budget_id, limit], |r| r.get(0))?.collect::<crate::db::Result<_>>()?;
    let mut stmt = conn.prepare(
        "SELECT team_id || ':' || user_id FROM team_memberships WHERE budget_id = ?1 ORDER BY team_id, user_id LIMIT ?2",
    )?;
    let members = stmt.query_map(params![budget_id, limit], |r| r.get(0))?.collect::<crate::db::Result<_>>()?;
    Ok((keys, members))
}

/// The budget's period ended: the spend of the keys that spend in its periods and of the
/// memberships that reference it starts again.
pub fn reset_holders_spend(conn: &Conn<'_>, budget_id: &str) -> crate::db::Result<()> {
    conn.execute("UPDATE keys SET spend = 0 WHERE budget_id = ?1 AND budget_duration IS NULL", [budget_id])?;
    conn.execute("UPDATE team_memberships SET spend = 0 WHERE budget_id = ?1", [budget_id])?;
    Ok(())
}

pub fn delete(conn: &Conn<'_>, budget_id: &str) -> crate::db::Result<bool> {
    Ok(conn.execute("DELETE FROM budgets WHERE budget_id = ?1", [budget_id])? > 0)
}
