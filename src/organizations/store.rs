//! The SQL of organizations and their memberships. Writers change rows, then reload the
//! organization (with its members) inside the same transaction and hand it to the write's
//! `then`, which puts it into the in-memory table.

use super::record::{COLUMNS, MEMBER_COLUMNS, OrgMembership, OrgRecord};
use crate::db::{Conn, OptionalExtension, params};

pub fn load(conn: &Conn<'_>, organization_id: &str) -> crate::db::Result<Option<OrgRecord>> {
    let Some(mut org) = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM organizations WHERE organization_id = ?1"),
            [organization_id],
            OrgRecord::from_row,
        )
        .optional()?
    else {
        return Ok(None);
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT {MEMBER_COLUMNS} FROM organization_memberships WHERE organization_id = ?1 ORDER BY created_at, user_id"
    ))?;
    org.members = stmt.query_map([organization_id], OrgMembership::from_row)?.collect::<crate::db::Result<_>>()?;
    Ok(Some(org))
}

/// Every organization with its members, for the in-memory table at start.
pub fn load_all(conn: &Conn<'_>) -> crate::db::Result<Vec<OrgRecord>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM organizations"))?;
    let mut orgs = stmt.query_map((), OrgRecord::from_row)?.collect::<crate::db::Result<Vec<_>>>()?;
    let mut stmt =
        conn.prepare(&format!("SELECT {MEMBER_COLUMNS} FROM organization_memberships ORDER BY created_at, user_id"))?;
    let members = stmt.query_map((), OrgMembership::from_row)?.collect::<crate::db::Result<Vec<_>>>()?;
    for member in members {
        if let Some(org) = orgs.iter_mut().find(|o| o.organization_id == member.organization_id) {
            org.members.push(member);
        }
    }
    Ok(orgs)
}

/// Inserts or overwrites the organization row (not its members).
pub fn save(conn: &Conn<'_>, org: &OrgRecord) -> crate::db::Result<()> {
    conn.execute(
        &format!(
            "INSERT INTO organizations ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
             ON CONFLICT (organization_id) DO UPDATE SET organization_alias = excluded.organization_alias,
             max_budget = excluded.max_budget, spend = excluded.spend, budget_duration = excluded.budget_duration,
             budget_reset_at = excluded.budget_reset_at, models = excluded.models, tpm_limit = excluded.tpm_limit,
             rpm_limit = excluded.rpm_limit, metadata = excluded.metadata, updated_at = excluded.updated_at,
             updated_by = excluded.updated_by"
        ),
        params![
            org.organization_id,
            org.organization_alias,
            org.max_budget,
            org.spend,
            org.budget_duration,
            org.budget_reset_at,
            serde_json::Value::from(org.models.clone()).to_string(),
            org.tpm_limit,
            org.rpm_limit,
            org.metadata.to_string(),
            org.created_at,
            org.created_by,
            org.updated_at,
            org.updated_by,
        ],
    )?;
    Ok(())
}

/// Deletes the organization and its memberships (its teams are the caller's to delete).
pub fn delete(conn: &Conn<'_>, organization_id: &str) -> crate::db::Result<()> {
    conn.execute("DELETE FROM organization_memberships WHERE organization_id = ?1", [organization_id])?;
    conn.execute("DELETE FROM organizations WHERE organization_id = ?1", [organization_id])?;
    Ok(())
}

pub fn team_ids(conn: &Conn<'_>, organization_id: &str) -> crate::db::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT team_id FROM teams WHERE organization_id = ?1 ORDER BY team_id")?;
    stmt.query_map([organization_id], |r| r.get(0))?.collect()
}

pub fn load_member(conn: &Conn<'_>, organization_id: &str, user_id: &str) -> crate::db::Result<Option<OrgMembership>> {
    conn.query_row(
        &format!("SELECT {MEMBER_COLUMNS} FROM organization_memberships WHERE organization_id = ?1 AND user_id = ?2"),
        [organization_id, user_id],
        OrgMembership::from_row,
    )
    .optional()
}

pub fn add_member(conn: &Conn<'_>, member: &OrgMembership) -> crate::db::Result<()> {
    conn.execute(
        &format!("INSERT INTO organization_memberships ({MEMBER_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
        params![
            member.user_id,
            member.organization_id,
            member.user_role.as_str(),
            member.spend,
            member.max_budget_in_organization,
            member.created_at,
            member.updated_at,
        ],
    )?;
    Ok(())
}

pub fn update_member(conn: &Conn<'_>, member: &OrgMembership) -> crate::db::Result<()> {
    conn.execute(
        "UPDATE organization_memberships SET user_role = ?3, max_budget_in_organization = ?4, updated_at = ?5
         WHERE organization_id = ?1 AND user_id = ?2",
        params![
            member.organization_id,
            member.user_id,
            member.user_role.as_str(),
            member.max_budget_in_organization,
            member.updated_at
        ],
    )?;
    Ok(())
}

pub fn remove_member(conn: &Conn<'_>, organization_id: &str, user_id: &str) -> crate::db::Result<bool> {
    Ok(conn.execute(
        "DELETE FROM organization_memberships WHERE organization_id = ?1 AND user_id = ?2",
        [organization_id, user_id],
    )? > 0)
}
