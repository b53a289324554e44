//! Rows for black-box tests, written into a fresh database file before the proxy starts
//! (it loads its tables at start). A stand-in for `/key/generate` and friends until the
//! management API lands; keep it small.
#![allow(dead_code)]

use proxy::db::Direct;
use proxy::params;
use std::path::Path;

const NOW: &str = "2026-01-01T00:00:00.000000Z";

pub struct Seed {
    pub conn: Direct,
}

/// A virtual key's fields; unset ones are NULL or empty.
#[derive(Default, Clone)]
pub struct KeySpec<'a> {
    pub alias: Option<&'a str>,
    pub user_id: Option<&'a str>,
    pub team_id: Option<&'a str>,
    pub models: &'a [&'a str],
    pub aliases: Option<serde_json::Value>,
    pub max_budget: Option<f64>,
    pub spend: f64,
    pub rpm: Option<i64>,
    pub tpm: Option<i64>,
    pub parallel: Option<i64>,
    pub blocked: bool,
    pub expires: Option<&'a str>,
    pub budget_duration: Option<&'a str>,
    pub budget_reset_at: Option<&'a str>,
}

impl Seed {
    /// Creates `dir/proxy.db` with the current schema.
    pub fn new(dir: &Path) -> Seed {
        let conn = Direct::create(dir.join("proxy.db")).unwrap();
        Seed { conn }
    }

    pub fn user(&self, id: &str, role: &str, max_budget: Option<f64>, models: &[&str]) {
        self.conn
            .execute(
                "INSERT INTO users (user_id, user_role, max_budget, models, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                params![id, role, max_budget, serde_json::to_string(models).unwrap(), NOW],
            )
            .unwrap();
    }

    pub fn user_limits(&self, id: &str, rpm: Option<i64>, parallel: Option<i64>) {
        self.conn
            .execute(
                "UPDATE users SET rpm_limit = ?2, max_parallel_requests = ?3 WHERE user_id = ?1",
                params![id, rpm, parallel],
            )
            .unwrap();
    }

    pub fn team(&self, id: &str, max_budget: Option<f64>, models: &[&str]) {
        self.conn
            .execute(
                "INSERT INTO teams (team_id, team_alias, max_budget, models, created_at, updated_at) VALUES (?1, ?1, ?2, ?3, ?4, ?4)",
                params![id, max_budget, serde_json::to_string(models).unwrap(), NOW],
            )
            .unwrap();
    }

    pub fn block_team(&self, id: &str) {
        self.conn.execute("UPDATE teams SET blocked = 1 WHERE team_id = ?1", [id]).unwrap();
    }

    pub fn member(&self, team: &str, user: &str, max_budget_in_team: Option<f64>) {
        self.conn
            .execute(
                "INSERT INTO team_memberships (user_id, team_id, max_budget_in_team, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![user, team, max_budget_in_team, NOW],
            )
            .unwrap();
    }

    /// Inserts a key and returns it in clear.
    pub fn key(&self, spec: KeySpec<'_>) -> String {
        use sha2::Digest;
        let clear = format!("sk-test-{}", uuid::Uuid::new_v4().simple());
        let hash = hex::encode(sha2::Sha256::digest(clear.as_bytes()));
        let aliases = spec.aliases.clone().unwrap_or(serde_json::json!({})).to_string();
        self.conn
            .execute(
                "INSERT INTO keys (token, key_name, key_alias, spend, expires, models, aliases, user_id, team_id,
                    max_parallel_requests, blocked, tpm_limit, rpm_limit, max_budget, budget_duration, budget_reset_at,
                    created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?17)",
                params![
                    hash,
                    format!("sk-...{}", &clear[clear.len() - 4..]),
                    spec.alias,
                    spec.spend,
                    spec.expires,
                    serde_json::to_string(spec.models).unwrap(),
                    aliases,
                    spec.user_id,
                    spec.team_id,
                    spec.parallel,
                    spec.blocked,
                    spec.tpm,
                    spec.rpm,
                    spec.max_budget,
                    spec.budget_duration,
                    spec.budget_reset_at,
                    NOW
                ],
            )
            .unwrap();
        clear
    }
}

impl Drop for Seed {
    /// The derived spend sums (weekly_spend, daily_user_spend) are built from the seeded
    /// daily_spend, as the upgrade to schema version 4 builds them. (Marking the file one
    /// version old to have the proxy do it breaks as soon as a later upgrade step is not
    /// one that can run twice.)
    fn drop(&mut self) {
        self.conn.execute_batch(proxy::db::migrate::WEEKLY_SPEND).unwrap();
    }
}

pub fn hash(clear: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(clear.as_bytes()))
}
