//! The SQL of users: read one row, write one row whole, find by email.

use super::record::{COLUMNS, UserRecord};
use crate::db::{Conn, OptionalExtension, params};

pub fn load(conn: &Conn<'_>, user_id: &str) -> crate::db::Result<Option<UserRecord>> {
    conn.query_row(&format!("SELECT {COLUMNS} FROM users WHERE user_id = ?1"), [user_id], UserRecord::from_row)
        .optional()
}

pub fn by_email(conn: &Conn<'_>, email: &str) -> crate::db::Result<Option<UserRecord>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM users WHERE lower(user_email) = lower(?1)"),
        [email],
        UserRecord::from_row,
    )
    .optional()
}

/// Inserts or overwrites the row of `user.user_id` (password hash included).
pub fn save(conn: &Conn<'_>, user: &UserRecord) -> crate::db::Result<()> {
    conn.execute(
        &format!(
            "INSERT INTO users ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)
             ON CONFLICT (user_id) DO UPDATE SET user_email = excluded.user_email, user_alias = excluded.user_alias,
             user_role = excluded.user_role, password = excluded.password,
             password_reset_required = excluded.password_reset_required, sso_user_id = excluded.sso_user_id,
             max_budget = excluded.max_budget, spend = excluded.spend, budget_duration = excluded.budget_duration,
             budget_reset_at = excluded.budget_reset_at, models = excluded.models, tpm_limit = excluded.tpm_limit,
             rpm_limit = excluded.rpm_limit, max_parallel_requests = excluded.max_parallel_requests,
             metadata = excluded.metadata, session_epoch = excluded.session_epoch, updated_at = excluded.updated_at,
             blocked = excluded.blocked"
        ),
        params![
            user.user_id,
            user.user_email,
            user.user_alias,
            user.user_role.as_str(),
            user.password_hash,
            user.password_reset_required,
            user.sso_user_id,
            user.max_budget,
            user.spend,
            user.budget_duration,
            user.budget_reset_at,
            serde_json::Value::from(user.models.clone()).to_string(),
            user.tpm_limit,
            user.rpm_limit,
            user.max_parallel_requests,
            user.metadata.to_string(),
            user.session_epoch,
            user.created_at,
            user.updated_at,
            user.blocked,
        ],
    )?;
    Ok(())
}

pub fn delete(conn: &Conn<'_>, user_id: &str) -> crate::db::Result<()> {
    conn.execute("DELETE FROM team_memberships WHERE user_id = ?1", [user_id])?;
    conn.execute("DELETE FROM invitations WHERE user_id = ?1", [user_id])?;
    conn.execute("DELETE FROM users WHERE user_id = ?1", [user_id])?;
    Ok(())
}
