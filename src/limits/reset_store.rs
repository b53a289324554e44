//! The SQL of a budget period's reset, for every table that has periods: keys, users,
//! teams, budget objects and organizations share the columns `spend`, `budget_duration`
//! and `budget_reset_at`, so one statement shape serves them all. A reset also restarts
//! the spend counted inside the entity's period elsewhere: a team's members' in-team spend,
//! and a budget object's customers and holders (its own row keeps no spend).

use super::reset::Reset;
use crate::db::{Conn, params};

/// (table, id column, id) of the entity a reset is for.
fn table_of(reset: &Reset) -> (&'static str, &'static str, &str) {
    match reset {
        Reset::Key(id) => ("keys", "token", id),
        Reset::User(id) => ("users", "user_id", id),
        Reset::Team(id) => ("teams", "team_id", id),
        Reset::Budget(id) => ("budgets", "budget_id", id),
        Reset::Organization(id) => ("organizations", "organization_id", id),
    }
}

/// A table with budget periods: its name, its id column, and the reset of one of its rows.
type Periodic = (&'static str, &'static str, fn(String) -> Reset);

/// Every entity whose reset time has come by `now` (a stored timestamp), with its period.
pub fn due(conn: &Conn<'_>, now: &str) -> crate::db::Result<Vec<(Reset, Option<String>)>> {
    let kinds: [Periodic; 5] = [
        ("keys", "token", Reset::Key),
        ("users", "user_id", Reset::User),
        ("teams", "team_id", Reset::Team),
        ("budgets", "budget_id", Reset::Budget),
        ("organizations", "organization_id", Reset::Organization),
    ];
    let mut out = Vec::new();
    for (table, id, kind) in kinds {
        let mut stmt = conn.prepare(&format!(
            "SELECT {id}, budget_duration FROM {table} WHERE budget_reset_at IS NOT NULL AND budget_reset_at <= ?1"
        ))?;
        let rows = stmt.query_map([now], |r| Ok((kind(r.get(0)?), r.get(1)?)))?;
        for row in rows {
            out.push(row?);
        }
    }
    Ok(out)
}

/// Resets one entity if its reset time has come by `now`: spend back to 0 and the next
/// reset time `next`; with it, the spend counted in the entity's period elsewhere. False
/// when it was not due (another pass reset it first), and nothing changes then.
pub fn reset_one(conn: &Conn<'_>, reset: &Reset, next: Option<&str>, now: &str) -> crate::db::Result<bool> {
    let (table, column, id) = table_of(reset);
    // A budget object keeps no spend: its customers and holders do.
    let spend = if matches!(reset, Reset::Budget(_)) { "" } else { "spend = 0, " };
    let changed = conn.execute(
        &format!(
            "UPDATE {table} SET {spend}budget_reset_at = ?1
             WHERE {column} = ?2 AND budget_reset_at IS NOT NULL AND budget_reset_at <= ?3"
        ),
        params![next, id, now],
    )?;
    if changed == 0 {
        return Ok(false);
    }
    match reset {
        // A team's new period is its members' too: else a member with an in-team budget
        // stays refused for the whole new period.
        Reset::Team(id) => crate::teams::store::reset_members_spend(conn, id)?,
        Reset::Budget(id) => {
            crate::customers::store::reset_spend_of_budget(conn, id)?;
            crate::budgets::store::reset_holders_spend(conn, id)?;
        }
        Reset::Key(_) | Reset::User(_) | Reset::Organization(_) => {}
    }
    Ok(true)
}
