//! The SQL of teams and memberships. Writers change rows, then reload the team (with its
//! members) inside the same transaction and hand it to the write's `then`, which puts it
//! into the in-memory table.

use super::record::{COLUMNS, MEMBER_COLUMNS, Membership, TeamRecord};
use crate::db::{Conn, OptionalExtension, params};
use std::collections::HashMap;

pub fn load(conn: &Conn<'_>, team_id: &str) -> crate::db::Result<Option<TeamRecord>> {
    let Some(mut team) = conn
        .query_row(&format!("SELECT {COLUMNS} FROM teams WHERE team_id = ?1"), [team_id], TeamRecord::from_row)
        .optional()?
    else {
        return Ok(None);
    };
    team.members = members(conn, team_id)?;
    Ok(Some(team))
}

/// The members of a team, oldest first.
pub fn members(conn: &Conn<'_>, team_id: &str) -> crate::db::Result<Vec<Membership>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {MEMBER_COLUMNS} FROM team_memberships WHERE team_id = ?1 ORDER BY created_at, user_id"
    ))?;
    stmt.query_map([team_id], Membership::from_row)?.collect()
}

pub fn exists(conn: &Conn<'_>, team_id: &str) -> crate::db::Result<bool> {
    conn.query_row("SELECT EXISTS (SELECT 1 FROM teams WHERE team_id = ?1)", [team_id], |r| r.get(0))
}

/// Every team with its members (the in-memory table's load at start).
pub fn all(conn: &Conn<'_>) -> crate::db::Result<Vec<TeamRecord>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM teams"))?;
    let teams = stmt.query_map((), TeamRecord::from_row)?.collect::<crate::db::Result<Vec<_>>>()?;
    let mut stmt = conn.prepare(&format!("SELECT {MEMBER_COLUMNS} FROM team_memberships ORDER BY created_at"))?;
    let members = stmt.query_map((), Membership::from_row)?.collect::<crate::db::Result<Vec<_>>>()?;
    let mut by_id: HashMap<String, TeamRecord> = teams.into_iter().map(|t| (t.team_id.clone(), t)).collect();
    for member in members {
        if let Some(team) = by_id.get_mut(&member.team_id) {
            team.members.push(member);
        }
    }
    Ok(by_id.into_values().collect())
}

/// Teams (reloaded) a user is a member of.
pub fn team_ids_of_user(conn: &Conn<'_>, user_id: &str) -> crate::db::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT team_id FROM team_memberships WHERE user_id = ?1")?;
    let rows = stmt.query_map([user_id], |r| r.get(0))?;
    rows.collect()
}

/// Inserts or overwrites the team row (not its members).
pub fn save(conn: &Conn<'_>, team: &TeamRecord) -> crate::db::Result<()> {
    let permissions = team.team_member_permissions.as_ref().map(|p| serde_json::Value::from(p.clone()).to_string());
    conn.execute(
        &format!(
            "INSERT INTO teams ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)
             ON CONFLICT (team_id) DO UPDATE SET team_alias = excluded.team_alias, max_budget = excluded.max_budget,
             soft_budget = excluded.soft_budget, spend = excluded.spend, budget_duration = excluded.budget_duration,
             budget_reset_at = excluded.budget_reset_at, models = excluded.models, tpm_limit = excluded.tpm_limit,
             rpm_limit = excluded.rpm_limit, max_parallel_requests = excluded.max_parallel_requests,
             blocked = excluded.blocked, metadata = excluded.metadata,
             team_member_permissions = excluded.team_member_permissions, updated_at = excluded.updated_at,
             organization_id = excluded.organization_id, model_aliases = excluded.model_aliases"
        ),
        params![
            team.team_id,
            team.team_alias,
            team.max_budget,
            team.soft_budget,
            team.spend,
            team.budget_duration,
            team.budget_reset_at,
            serde_json::Value::from(team.models.clone()).to_string(),
            team.tpm_limit,
            team.rpm_limit,
            team.max_parallel_requests,
            team.blocked,
            team.metadata.to_string(),
            permissions,
            team.created_at,
            team.updated_at,
            serde_json::Value::from(team.listed_admins.clone()).to_string(),
            serde_json::Value::from(team.listed_members.clone()).to_string(),
            team.organization_id,
            team.model_aliases.to_string(),
        ],
    )?;
    Ok(())
}

pub fn is_member(conn: &Conn<'_>, team_id: &str, user_id: &str) -> crate::db::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM team_memberships WHERE team_id = ?1 AND user_id = ?2)",
        [team_id, user_id],
        |r| r.get(0),
    )
}

pub fn add_member(conn: &Conn<'_>, member: &Membership) -> crate::db::Result<()> {
    conn.execute(
        "INSERT INTO team_memberships (user_id, team_id, role, spend, max_budget_in_team, created_at, budget_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            member.user_id,
            member.team_id,
            member.role.as_str(),
            member.spend,
            member.max_budget_in_team,
            member.created_at,
            member.budget_id
        ],
    )?;
    Ok(())
}

/// Adds the user to the team as a plain member on an SSO sign-in (marked `sso`, so a later
/// sign-in that no longer lists the team removes it); false when they were a member already.
pub fn add_sso_member(conn: &Conn<'_>, team_id: &str, user_id: &str, now: &str) -> crate::db::Result<bool> {
    let added = conn.execute(
        "INSERT INTO team_memberships (user_id, team_id, role, created_at, source) VALUES (?1, ?2, 'user', ?3, 'sso')
         ON CONFLICT (user_id, team_id) DO NOTHING",
        [user_id, team_id, now],
    )?;
    Ok(added > 0)
}

/// The teams an SSO sign-in made the user a member of.
pub fn sso_team_ids(conn: &Conn<'_>, user_id: &str) -> crate::db::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT team_id FROM team_memberships WHERE user_id = ?1 AND source = 'sso'")?;
    stmt.query_map([user_id], |r| r.get(0))?.collect()
}

pub fn update_member(conn: &Conn<'_>, member: &Membership) -> crate::db::Result<()> {
    conn.execute(
        "UPDATE team_memberships SET role = ?3, max_budget_in_team = ?4, budget_id = ?5 WHERE user_id = ?1 AND team_id = ?2",
        params![member.user_id, member.team_id, member.role.as_str(), member.max_budget_in_team, member.budget_id],
    )?;
    Ok(())
}

/// The team's period restarted: so does the spend its members counted in it.
pub fn reset_members_spend(conn: &Conn<'_>, team_id: &str) -> crate::db::Result<()> {
    conn.execute("UPDATE team_memberships SET spend = 0 WHERE team_id = ?1", [team_id])?;
    Ok(())
}

pub fn remove_member(conn: &Conn<'_>, team_id: &str, user_id: &str) -> crate::db::Result<bool> {
    Ok(conn.execute("DELETE FROM team_memberships WHERE team_id = ?1 AND user_id = ?2", [team_id, user_id])? > 0)
}

pub fn delete(conn: &Conn<'_>, team_id: &str) -> crate::db::Result<()> {
    conn.execute("DELETE FROM team_memberships WHERE team_id = ?1", [team_id])?;
    conn.execute("DELETE FROM teams WHERE team_id = ?1", [team_id])?;
    Ok(())
}
