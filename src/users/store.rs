//! The SQL of users: read one row or all of them, write one row whole, find by email;
//! and the few narrower writes other rooms make to the table (the built-in admin's row at
//! start, ending a user's sessions, what an SSO sign-in finds and changes).

use super::record::{COLUMNS, UserRecord};
use crate::db::{Conn, OptionalExtension, params};

pub fn load(conn: &Conn<'_>, user_id: &str) -> crate::db::Result<Option<UserRecord>> {
    conn.query_row(&format!("SELECT {COLUMNS} FROM users WHERE user_id = ?1"), [user_id], UserRecord::from_row)
        .optional()
}

/// Every user (the in-memory table's load at start).
pub fn all(conn: &Conn<'_>) -> crate::db::Result<Vec<UserRecord>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM users"))?;
    stmt.query_map((), UserRecord::from_row)?.collect()
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

/// The built-in admin's row: created with the `proxy_admin` role, or given it back.
pub fn ensure_admin(conn: &Conn<'_>, admin_id: &str, now: &str) -> crate::db::Result<()> {
    conn.execute(
        "INSERT INTO users (user_id, user_role, created_at, updated_at) VALUES (?1, 'proxy_admin', ?2, ?2)
         ON CONFLICT (user_id) DO UPDATE SET user_role = 'proxy_admin'",
        [admin_id, now],
    )?;
    Ok(())
}

/// Ends every session of the user: sessions carry the epoch they were signed in, and
/// one from an older epoch is refused.
pub fn end_sessions(conn: &Conn<'_>, user_id: &str) -> crate::db::Result<()> {
    conn.execute("UPDATE users SET session_epoch = session_epoch + 1 WHERE user_id = ?1", [user_id])?;
    Ok(())
}

/// How an SSO sign-in looks for the user it stands for.
#[derive(Debug, Clone, Copy)]
pub enum SsoMatch {
    /// The provider's subject, as linked at an earlier sign-in.
    Subject,
    UserId,
    /// The email, compared without case.
    Email,
}

/// A user an SSO sign-in may be: (user id, the subject it is linked to, its role as stored,
/// unparsed: the sign-in decides what an unknown role means).
pub type SsoCandidate = (String, Option<String>, String);

pub fn sso_candidate(conn: &Conn<'_>, by: SsoMatch, value: &str) -> crate::db::Result<Option<SsoCandidate>> {
    let filter = match by {
        SsoMatch::Subject => "sso_user_id = ?1",
        SsoMatch::UserId => "user_id = ?1",
        SsoMatch::Email => "lower(user_email) = lower(?1)",
    };
    conn.query_row(&format!("SELECT user_id, sso_user_id, user_role FROM users WHERE {filter}"), [value], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })
    .optional()
}

/// Whether an admin blocked the user ([`crate::db::DbError::NoRow`] if there is none).
pub fn is_blocked(conn: &Conn<'_>, user_id: &str) -> crate::db::Result<bool> {
    conn.query_row("SELECT blocked FROM users WHERE user_id = ?1", [user_id], |r| r.get(0))
}

/// Links an existing user to the provider's subject: the email only fills an empty one,
/// the role only replaces the stored one when given.
pub fn link_sso(
    conn: &Conn<'_>,
    user_id: &str,
    subject: &str,
    email: Option<&str>,
    role: Option<&str>,
    now: &str,
) -> crate::db::Result<()> {
    conn.execute(
        "UPDATE users SET sso_user_id = ?2, user_email = COALESCE(user_email, ?3),
             user_role = COALESCE(?4, user_role), updated_at = ?5 WHERE user_id = ?1",
        params![user_id, subject, email, role, now],
    )?;
    Ok(())
}

/// A user made by a first SSO sign-in.
pub struct NewSsoUser<'a> {
    pub user_id: &'a str,
    pub email: Option<&'a str>,
    pub alias: Option<&'a str>,
    pub role: &'a str,
    pub subject: &'a str,
    pub max_budget: Option<f64>,
    pub budget_duration: Option<&'a str>,
    pub budget_reset_at: Option<&'a str>,
    /// JSON list.
    pub models: &'a str,
    /// JSON object.
    pub metadata: &'a str,
    pub now: &'a str,
}

pub fn create_sso(conn: &Conn<'_>, user: &NewSsoUser<'_>) -> crate::db::Result<()> {
    conn.execute(
        "INSERT INTO users (user_id, user_email, user_alias, user_role, sso_user_id, max_budget, budget_duration,
             budget_reset_at, models, metadata, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
        params![
            user.user_id,
            user.email,
            user.alias,
            user.role,
            user.subject,
            user.max_budget,
            user.budget_duration,
            user.budget_reset_at,
            user.models,
            user.metadata,
            user.now
        ],
    )?;
    Ok(())
}
