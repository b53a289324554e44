//! Schema versions. `schema.sql` is the whole current schema, applied to a new file. Each
//! entry of `UPGRADES` takes a file from version N to N+1; an older file runs the missing
//! ones in one transaction, so an upgrade either completes or leaves the file as it was. A
//! file from a newer `proxy` is refused rather than guessed at. A step that rewrites a big
//! table marks the statements that do it, which then run in pieces and say how far they
//! are (src/db/pieces.rs): the log shows an upgrade of a big file moving on.

pub use super::pieces::Progress;
use super::pieces::{self, PIECE_ROWS, ProgressLog};
use rusqlite::Connection;

pub const SCHEMA: &str = include_str!("../../schema.sql");

/// Upgrade steps: `UPGRADES[i]` takes version `i + 1` to `i + 2`.
pub const UPGRADES: &[&str] = &[
    // 1 -> 2: users can be blocked.
    "ALTER TABLE users ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0;",
    // 2 -> 3: the spend journal.
    "CREATE TABLE spend_journal (id INTEGER PRIMARY KEY, rows TEXT NOT NULL);",
    WEEKLY_SPEND,
    CLIENT_REQUEST_ID,
    // 5 -> 6: invitation ids are stored as their sha256 now; open invitations made before
    // kept the link's id in clear (readable in every backup), so they end here.
    "DELETE FROM invitations WHERE is_accepted = 0;",
    // 6 -> 7: the Claude Code session a request belongs to (`X-Claude-Code-Session-Id`).
    "ALTER TABLE spend_logs ADD COLUMN session_id TEXT;
     CREATE INDEX spend_logs_session ON spend_logs (session_id) WHERE session_id IS NOT NULL;",
    SPEND_LOG_PARTIAL_INDEXES,
    // 8 -> 9: LiteLLM's legacy `admins` and `members` id lists of a team, kept as given
    // at `/team/new` (the memberships are in `team_memberships`).
    "ALTER TABLE teams ADD COLUMN admins TEXT NOT NULL DEFAULT '[]';
     ALTER TABLE teams ADD COLUMN members TEXT NOT NULL DEFAULT '[]';",
    ALERT_OUTBOX,
    // 10 -> 11: the `/v1/responses` answers the gateway made (previous_response_id). `IF NOT
    // EXISTS`: files made from a newer `schema.sql` but marked older (test seeds) have it.
    "CREATE TABLE IF NOT EXISTS responses (
        id TEXT PRIMARY KEY, api_key TEXT NOT NULL, created_at TEXT NOT NULL,
        response TEXT NOT NULL, input_items TEXT NOT NULL
     );
     CREATE INDEX IF NOT EXISTS responses_created ON responses (created_at);",
    COMPACT_SPEND_ROWS,
    STORED_MODELS,
    ORGANIZATIONS,
    CUSTOMERS_AND_BUDGETS,
    TEAM_DETAILS,
    FIRST_TOKEN_AND_PAYLOADS,
    // 17 -> 18: whose the responses relayed to an upstream with the Responses API are, and
    // which deployment holds them. `IF NOT EXISTS`, so the merge may reorder the steps.
    "CREATE TABLE IF NOT EXISTS relayed_responses (
        id TEXT PRIMARY KEY, api_key TEXT NOT NULL, model_id TEXT NOT NULL, created_at TEXT NOT NULL
     );
     CREATE INDEX IF NOT EXISTS relayed_responses_created ON relayed_responses (created_at);",
    // 18 -> 19: the spend rows by model group, for `/spend/logs?model_group=` and the
    // request log's model filter. `IF NOT EXISTS`, so the merge may reorder the steps; one
    // by one, so that its seconds on a big file are in the log.
    "-- one by one: indexing the spend rows by model group
     CREATE INDEX IF NOT EXISTS spend_rows_group_start ON spend_rows (model_group, start) WHERE model_group IS NOT NULL;
     -- end of part",
];

/// 15 -> 16: a team's `model_aliases`, the budget object (`budget_id`) of keys and team
/// memberships, and request tags: on each spend row (by their numbers in `spend_names`,
/// the view showing LiteLLM's `request_tags`) and summed per day in `daily_tag_spend`. The
/// `ALTER`s cannot be guarded: a file made from a newer `schema.sql` but marked older must
/// lack these columns (the tests' `at_version_9` drops them).
const TEAM_DETAILS: &str = include_str!("team_details.sql");

/// 16 -> 17: the time to a streamed answer's first token (`spend_rows.first_token`, shown
/// as LiteLLM's `completionStartTime` by the `spend_logs` view, which is made again with
/// its insert trigger, word for word as `schema.sql` has them) and the captured request
/// and response bodies (`spend_payloads`, src/spend/payloads.rs). The table is `IF NOT
/// EXISTS`; SQLite cannot guard the `ALTER`, so a file made from a newer `schema.sql` but
/// marked older must lack the column.
const FIRST_TOKEN_AND_PAYLOADS: &str = concat!(
    "
ALTER TABLE spend_rows ADD COLUMN first_token INTEGER;
DROP VIEW IF EXISTS spend_logs;
",
    include_str!("spend_logs_view.sql"),
    "
CREATE TABLE IF NOT EXISTS spend_payloads (
    request_id TEXT PRIMARY KEY,                  -- spend_rows.request_id
    start      INTEGER NOT NULL,
    request    TEXT NOT NULL,
    response   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS spend_payloads_start ON spend_payloads (start);"
);

/// 12 -> 13: models added at run time (src/models/).
const STORED_MODELS: &str = "
    CREATE TABLE IF NOT EXISTS models (
        model_id       TEXT PRIMARY KEY,
        model_name     TEXT NOT NULL,
        litellm_params TEXT NOT NULL,
        secrets        TEXT,
        model_info     TEXT NOT NULL,
        created_at     TEXT NOT NULL,
        created_by     TEXT NOT NULL,
        updated_at     TEXT NOT NULL,
        updated_by     TEXT NOT NULL
    );";

/// 14 -> 15: named budgets and customers (`src/budgets/`, `src/customers/`). `IF NOT
/// EXISTS`, so that steps of other branches may come before it at merge time.
const CUSTOMERS_AND_BUDGETS: &str = "
    CREATE TABLE IF NOT EXISTS budgets (
        budget_id TEXT PRIMARY KEY, max_budget REAL, soft_budget REAL, max_parallel_requests INTEGER,
        tpm_limit INTEGER, rpm_limit INTEGER, model_max_budget TEXT, budget_duration TEXT,
        budget_reset_at TEXT, created_at TEXT NOT NULL, created_by TEXT NOT NULL,
        updated_at TEXT NOT NULL, updated_by TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS end_users (
        user_id TEXT PRIMARY KEY, alias TEXT, spend REAL NOT NULL DEFAULT 0, allowed_model_region TEXT,
        default_model TEXT, budget_id TEXT REFERENCES budgets (budget_id),
        blocked INTEGER NOT NULL DEFAULT 0, models TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX IF NOT EXISTS end_users_budget ON end_users (budget_id) WHERE budget_id IS NOT NULL;";

/// 13 -> 14: organizations (src/organizations/), their members, and the organization a
/// team belongs to. The tables are `IF NOT EXISTS` (a file made from a newer `schema.sql`
/// but marked older has them) and written as `schema.sql` writes them, so both files keep
/// the same text; SQLite cannot guard the `ALTER`, so such a file must lack the column (the
/// tests' `at_version_9` drops it).
const ORGANIZATIONS: &str = "
CREATE TABLE IF NOT EXISTS organizations (
    organization_id    TEXT PRIMARY KEY,
    organization_alias TEXT NOT NULL,
    max_budget         REAL,
    spend              REAL NOT NULL DEFAULT 0,
    budget_duration    TEXT,
    budget_reset_at    TEXT,
    models             TEXT NOT NULL DEFAULT '[]',
    tpm_limit          INTEGER,
    rpm_limit          INTEGER,
    metadata           TEXT NOT NULL DEFAULT '{}',
    created_at         TEXT NOT NULL,
    created_by         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    updated_by         TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS organization_memberships (
    user_id                    TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    organization_id            TEXT NOT NULL REFERENCES organizations (organization_id) ON DELETE CASCADE,
    user_role                  TEXT NOT NULL DEFAULT 'internal_user'
                               CHECK (user_role IN ('org_admin', 'internal_user', 'internal_user_viewer')),
    spend                      REAL NOT NULL DEFAULT 0,
    max_budget_in_organization REAL,
    created_at                 TEXT NOT NULL,
    updated_at                 TEXT NOT NULL,
    PRIMARY KEY (user_id, organization_id)
);
CREATE INDEX IF NOT EXISTS organization_memberships_organization ON organization_memberships (organization_id);
ALTER TABLE teams ADD COLUMN organization_id TEXT;
";

/// 9 -> 10: the alert outbox (src/alerts/store.rs). (`IF NOT EXISTS`: the tests of the
/// earlier steps mark a current file as older without dropping it.)
const ALERT_OUTBOX: &str = "
    CREATE TABLE IF NOT EXISTS alert_outbox (
        id              INTEGER PRIMARY KEY,
        dedupe_key      TEXT NOT NULL,
        channel         TEXT NOT NULL,
        alert_type      TEXT NOT NULL,
        event           TEXT NOT NULL,
        message         TEXT NOT NULL,
        payload         TEXT NOT NULL,
        recipients      TEXT NOT NULL DEFAULT '[]',
        created_at      TEXT NOT NULL,
        status          TEXT NOT NULL DEFAULT 'pending',
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        sent_at         TEXT,
        last_error      TEXT,
        UNIQUE (dedupe_key, channel)
    );
    CREATE INDEX IF NOT EXISTS alert_outbox_due ON alert_outbox (next_attempt_at) WHERE status = 'pending';";

/// 11 -> 12: spend rows take a few dozen bytes instead of about 570 (with their indexes):
/// the repeated names (key hash, user, team, model, provider, ...) are numbered once in
/// `spend_names`, times are microseconds, the metadata is kept only when it says more than
/// the key alias and the end user. `spend_logs` becomes a view showing the same columns
/// and values as the table did. The rows are copied in one pass, in pieces of the table
/// that report how far the copy is, and the indexes built after it, so the upgrade takes
/// about as long as copying the table (bench/ui.sh times it; `ROWS=10000000` for ten
/// million rows).
const COMPACT_SPEND_ROWS: &str = include_str!("compact_spend_rows.sql");

/// 7 -> 8: the spend-log indexes by user and by team leave out the rows without one (the
/// master key's requests, keys without a team): a lookup by user or team never wants them,
/// and each was an index entry per request.
const SPEND_LOG_PARTIAL_INDEXES: &str = "
DROP INDEX spend_logs_user_start;
CREATE INDEX spend_logs_user_start ON spend_logs (user, startTime) WHERE user IS NOT NULL;
DROP INDEX spend_logs_team_start;
CREATE INDEX spend_logs_team_start ON spend_logs (team_id, startTime) WHERE team_id IS NOT NULL;
";

/// 3 -> 4: `weekly_spend` and `daily_user_spend`, filled from `daily_spend`. Written to run
/// on a file that has the tables already (one made from a newer `schema.sql` but marked
/// version 3, as test and benchmark seeds do): the sums are derived, so they are rebuilt
/// whole.
pub const WEEKLY_SPEND: &str = "
CREATE TABLE IF NOT EXISTS weekly_spend (
    week TEXT NOT NULL, user_id TEXT NOT NULL DEFAULT '', team_id TEXT NOT NULL DEFAULT '',
    api_key TEXT NOT NULL DEFAULT '', model TEXT NOT NULL DEFAULT '',
    prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0,
    spend REAL NOT NULL DEFAULT 0, api_requests INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (week, user_id, team_id, api_key, model)
) WITHOUT ROWID;
DELETE FROM weekly_spend;
INSERT INTO weekly_spend (week, user_id, team_id, api_key, model, prompt_tokens, completion_tokens, spend, api_requests)
SELECT date(date, '-6 days', 'weekday 1'), user_id, team_id, api_key, model, SUM(prompt_tokens),
       SUM(completion_tokens), SUM(spend), SUM(api_requests)
FROM daily_spend GROUP BY 1, 2, 3, 4, 5;
CREATE TABLE IF NOT EXISTS daily_user_spend (
    date TEXT NOT NULL, user_id TEXT NOT NULL DEFAULT '',
    prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0,
    spend REAL NOT NULL DEFAULT 0, api_requests INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (date, user_id)
) WITHOUT ROWID;
DELETE FROM daily_user_spend;
INSERT INTO daily_user_spend (date, user_id, prompt_tokens, completion_tokens, spend, api_requests)
SELECT date, user_id, SUM(prompt_tokens), SUM(completion_tokens), SUM(spend), SUM(api_requests)
FROM daily_spend GROUP BY 1, 2;
";

/// 4 -> 5: a spend row's id is the server's own; the client's id moves to its own column.
/// Rows already in `spend_logs` keep their id (the search by request id looks at both
/// columns). Rows still in the spend journal were keyed by what may be a client's id that
/// is in `spend_logs` already: they get a new random id now and keep theirs as the
/// client's, so that folding them cannot fail on a duplicate.
const CLIENT_REQUEST_ID: &str = "
ALTER TABLE spend_logs ADD COLUMN client_request_id TEXT;
CREATE INDEX spend_logs_client_request ON spend_logs (client_request_id) WHERE client_request_id IS NOT NULL;
UPDATE spend_journal SET rows = (
    SELECT json_group_array(json_set(value,
        '$.client_request_id', json_extract(value, '$.request_id'),
        '$.request_id', 'journal-' || lower(hex(randomblob(16)))))
    FROM json_each(spend_journal.rows)
);
";

/// The version `schema.sql` describes.
pub const CURRENT: i64 = 1 + UPGRADES.len() as i64;

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error(
        "it was written by a newer proxy (schema version {found}; this proxy knows up to {current}): upgrade proxy, or restore a backup made by this version"
    )]
    Newer { found: i64, current: i64 },
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("an upgrade step is malformed: {0}")]
    Step(String),
}

/// Brings the file to `current`, given the full schema and the upgrade steps; the progress
/// of long steps goes to the log.
pub fn migrate_with(conn: &mut Connection, schema: &str, upgrades: &[&str]) -> Result<Applied, MigrateError> {
    let mut log = ProgressLog::default();
    migrate_reporting(conn, schema, upgrades, PIECE_ROWS, &mut |p| log.report(p))
}

/// [`migrate_with`], the marked parts of steps run in pieces of `piece_rows` rows, each
/// reported to `report`.
pub fn migrate_reporting(
    conn: &mut Connection,
    schema: &str,
    upgrades: &[&str],
    piece_rows: u64,
    report: &mut dyn FnMut(&Progress<'_>),
) -> Result<Applied, MigrateError> {
    let current = 1 + upgrades.len() as i64;
    let found: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if found > current {
        return Err(MigrateError::Newer { found, current });
    }
    if found == current {
        return Ok(Applied::UpToDate);
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
    let applied = if found == 0 {
        tx.execute_batch(schema)?;
        Applied::Created
    } else {
        tracing::info!(
            "upgrading the database from schema version {found} to {current} (in one transaction: \
             if it stops midway, the file stays as it was)"
        );
        for step in &upgrades[(found - 1) as usize..] {
            pieces::run(&tx, step, piece_rows, report)?;
        }
        Applied::Upgraded { from: found }
    };
    tx.pragma_update(None, "user_version", current)?;
    tx.commit()?;
    Ok(applied)
}

#[derive(Debug, PartialEq, Eq)]
pub enum Applied {
    Created,
    Upgraded { from: i64 },
    UpToDate,
}

#[cfg(test)]
#[path = "migrate_tests.rs"]
mod tests;
