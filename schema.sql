-- The schema of proxy's SQLite file. Column names follow LiteLLM's Prisma schema where
-- LiteLLM has one, so its users recognise them. Timestamps are UTC RFC 3339 text
-- ("2026-11-23T15:04:05.123456Z"), which sorts and compares as time (spend rows keep
-- microseconds since 1970, see spend_rows). Lists and objects are
-- JSON text. `PRAGMA user_version` holds the schema version (see src/db/migrate.rs).

-- Generated secrets and process-wide values (master key hash, session signing secret).
CREATE TABLE settings (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE users (
    user_id                 TEXT PRIMARY KEY,
    user_email              TEXT,
    user_alias              TEXT,
    user_role               TEXT NOT NULL DEFAULT 'internal_user',
    password                TEXT,                 -- argon2id PHC string, never the password
    password_reset_required INTEGER NOT NULL DEFAULT 0,
    sso_user_id             TEXT UNIQUE,
    max_budget              REAL,
    spend                   REAL NOT NULL DEFAULT 0,
    budget_duration         TEXT,
    budget_reset_at         TEXT,
    models                  TEXT NOT NULL DEFAULT '[]',
    tpm_limit               INTEGER,
    rpm_limit               INTEGER,
    max_parallel_requests   INTEGER,
    metadata                TEXT NOT NULL DEFAULT '{}',
    session_epoch           INTEGER NOT NULL DEFAULT 0, -- bumped to end the user's sessions
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    blocked                 INTEGER NOT NULL DEFAULT 0 -- no sign-in, sessions or keys; last: added in v2
);
CREATE UNIQUE INDEX users_email ON users (lower(user_email)) WHERE user_email IS NOT NULL;

-- admins, members: LiteLLM's legacy id lists, kept as given at /team/new; the
-- memberships, which grant rights, are in team_memberships. organization_id: the
-- organization the team belongs to (added in v13 by ALTER, hence written as SQLite
-- writes an added column, so a new file and an upgraded one read the same).
-- model_aliases: the team's alias -> model map (JSON object), applied to its keys'
-- requests (added in v16 by ALTER, likewise).
CREATE TABLE teams (
    team_id                 TEXT PRIMARY KEY,
    team_alias              TEXT,
    max_budget              REAL,
    soft_budget             REAL,
    spend                   REAL NOT NULL DEFAULT 0,
    budget_duration         TEXT,
    budget_reset_at         TEXT,
    models                  TEXT NOT NULL DEFAULT '[]',
    tpm_limit               INTEGER,
    rpm_limit               INTEGER,
    max_parallel_requests   INTEGER,
    blocked                 INTEGER NOT NULL DEFAULT 0,
    metadata                TEXT NOT NULL DEFAULT '{}',
    team_member_permissions TEXT,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    admins                  TEXT NOT NULL DEFAULT '[]',
    members                 TEXT NOT NULL DEFAULT '[]', organization_id TEXT, model_aliases TEXT NOT NULL DEFAULT '{}');

-- budget_id: a budget object whose limits the member has in the team unless set here
-- (added in v16 by ALTER, hence where SQLite puts an added column).
CREATE TABLE team_memberships (
    user_id            TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    team_id            TEXT NOT NULL REFERENCES teams (team_id) ON DELETE CASCADE,
    role               TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('admin', 'user')),
    spend              REAL NOT NULL DEFAULT 0,
    max_budget_in_team REAL,
    created_at         TEXT NOT NULL,
    -- 'sso' when SSO sign-in added it from `team_ids_jwt_field`: only those are removed
    -- again when the provider stops listing the team.
    source             TEXT NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'sso')), budget_id TEXT REFERENCES budgets (budget_id),
    PRIMARY KEY (user_id, team_id)
);
CREATE INDEX team_memberships_team ON team_memberships (team_id);

-- Organizations (LiteLLM_OrganizationTable, its budget row folded in): they own teams,
-- whose budgets and models they bound, and have admins (organization_memberships,
-- user_role org_admin) who manage those teams and the organization's members.
CREATE TABLE organizations (
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

CREATE TABLE organization_memberships (
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
CREATE INDEX organization_memberships_organization ON organization_memberships (organization_id);

-- Virtual keys (LiteLLM_VerificationToken): only the SHA-256 of the key is kept.
-- budget_id: a budget object whose max budget, limits and period the key takes unless it
-- sets its own (added in v16 by ALTER, hence written as SQLite writes an added column).
CREATE TABLE keys (
    token                 TEXT PRIMARY KEY,        -- sha256 hex of the full key
    key_name              TEXT NOT NULL,           -- "sk-...abcd"
    key_alias             TEXT,
    spend                 REAL NOT NULL DEFAULT 0,
    expires               TEXT,
    models                TEXT NOT NULL DEFAULT '[]',
    aliases               TEXT NOT NULL DEFAULT '{}',
    config                TEXT NOT NULL DEFAULT '{}',
    user_id               TEXT,
    team_id               TEXT,
    permissions           TEXT NOT NULL DEFAULT '{}',
    max_parallel_requests INTEGER,
    metadata              TEXT NOT NULL DEFAULT '{}',
    blocked               INTEGER NOT NULL DEFAULT 0,
    tpm_limit             INTEGER,
    rpm_limit             INTEGER,
    max_budget            REAL,
    soft_budget           REAL,
    budget_duration       TEXT,
    budget_reset_at       TEXT,
    allowed_routes        TEXT NOT NULL DEFAULT '[]',
    is_session_key        INTEGER NOT NULL DEFAULT 0, -- UI session keys, hidden from lists
    created_at            TEXT NOT NULL,
    created_by            TEXT,
    updated_at            TEXT NOT NULL,
    updated_by            TEXT,
    last_active           TEXT
, budget_id TEXT REFERENCES budgets (budget_id));
CREATE UNIQUE INDEX keys_alias ON keys (key_alias) WHERE key_alias IS NOT NULL;
CREATE INDEX keys_user_team ON keys (user_id, team_id);
CREATE INDEX keys_team ON keys (team_id);

-- Keys removed by delete or regenerate, kept for their spend history.
CREATE TABLE deleted_keys (
    id          INTEGER PRIMARY KEY,
    token       TEXT NOT NULL,
    key_name    TEXT NOT NULL,
    key_alias   TEXT,
    spend       REAL NOT NULL,
    user_id     TEXT,
    team_id     TEXT,
    row         TEXT NOT NULL,                     -- the whole key row as JSON
    deleted_at  TEXT NOT NULL,
    deleted_by  TEXT
);

-- Old secrets of regenerated keys that still work until `revoke_at`.
CREATE TABLE deprecated_keys (
    token           TEXT PRIMARY KEY,
    active_token_id TEXT NOT NULL,
    revoke_at       TEXT NOT NULL
);

CREATE TABLE invitations (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    is_accepted INTEGER NOT NULL DEFAULT 0,
    accepted_at TEXT,
    expires_at  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  TEXT,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT
);

-- The names spend rows repeat (key hashes, users, teams, models, providers, API bases,
-- call types, statuses, key aliases), each stored once: a row holds their numbers.
CREATE TABLE spend_names (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

-- One row per model request, compact: a few dozen bytes where LiteLLM_SpendLogs' text
-- columns took about 300 with their indexes (src/spend/write.rs). Read it through the
-- spend_logs view below, which shows LiteLLM's columns and values. request_tags (added in
-- v16 by ALTER): the numbers of the request's tags in spend_names as a JSON array, NULL
-- (one byte) for a request without tags.
CREATE TABLE spend_rows (
    request_id          TEXT NOT NULL UNIQUE,      -- made by the server, never the client's
    start               INTEGER NOT NULL,          -- startTime: microseconds since 1970 (UTC)
    duration            INTEGER NOT NULL,          -- endTime - startTime, microseconds
    call_type           INTEGER NOT NULL,          -- this and the others below: spend_names.id
    api_key             INTEGER NOT NULL,          -- key hash, or "master_key"
    user                INTEGER,
    team_id             INTEGER,
    key_alias           INTEGER,                   -- metadata.user_api_key_alias
    model               INTEGER NOT NULL,
    model_id            INTEGER,
    model_group         INTEGER,
    custom_llm_provider INTEGER,
    api_base            INTEGER,
    status              INTEGER NOT NULL,
    spend               REAL NOT NULL DEFAULT 0,
    prompt_tokens       INTEGER NOT NULL DEFAULT 0,
    completion_tokens   INTEGER NOT NULL DEFAULT 0,
    total_tokens        INTEGER,                   -- NULL: prompt_tokens + completion_tokens
    cache_hit           INTEGER NOT NULL DEFAULT 0,
    end_user            TEXT,
    client_request_id   TEXT,                      -- the client's x-request-id, to search by
    session_id          TEXT,                      -- Claude Code's session (X-Claude-Code-Session-Id)
    metadata            TEXT                       -- NULL: just the key alias and the end user
, request_tags TEXT);
CREATE INDEX spend_rows_start ON spend_rows (start);
CREATE INDEX spend_rows_key_start ON spend_rows (api_key, start);
-- By user and by team only for rows that have one: no query looks rows up by a missing
-- user or team, and most keys have no team. By the client's id and session likewise.
CREATE INDEX spend_rows_user_start ON spend_rows (user, start) WHERE user IS NOT NULL;
CREATE INDEX spend_rows_team_start ON spend_rows (team_id, start) WHERE team_id IS NOT NULL;
-- By model group (the name the client asked for: the request log's model filter), added in
-- v19: without it a rare model's rows are found by reading every row of the range (a
-- second and more at ten million rows, bench/big_db.sh).
CREATE INDEX spend_rows_group_start ON spend_rows (model_group, start) WHERE model_group IS NOT NULL;
CREATE INDEX spend_rows_client_request ON spend_rows (client_request_id) WHERE client_request_id IS NOT NULL;
CREATE INDEX spend_rows_session ON spend_rows (session_id) WHERE session_id IS NOT NULL;
-- When a streamed answer's first chunk came (LiteLLM's completionStartTime), microseconds
-- after start; NULL for answers that were not streamed. Added by ALTER, as the schema step
-- that brought it does, so that a new file and an upgraded one hold the same table.
ALTER TABLE spend_rows ADD COLUMN first_token INTEGER;

-- LiteLLM_SpendLogs' columns and values, as the table held them up to schema version 9:
-- what reports show and what SQL written for that table reads (and inserts: the trigger).
CREATE VIEW spend_logs AS SELECT
    r.request_id AS request_id,
    (SELECT name FROM spend_names WHERE id = r.call_type) AS call_type,
    (SELECT name FROM spend_names WHERE id = r.api_key) AS api_key,
    r.spend AS spend,
    coalesce(r.total_tokens, r.prompt_tokens + r.completion_tokens) AS total_tokens,
    r.prompt_tokens AS prompt_tokens,
    r.completion_tokens AS completion_tokens,
    strftime('%Y-%m-%dT%H:%M:%S', r.start / 1000000, 'unixepoch') || printf('.%06dZ', r.start % 1000000) AS startTime,
    strftime('%Y-%m-%dT%H:%M:%S', (r.start + r.duration) / 1000000, 'unixepoch')
        || printf('.%06dZ', (r.start + r.duration) % 1000000) AS endTime,
    (SELECT name FROM spend_names WHERE id = r.model) AS model,
    (SELECT name FROM spend_names WHERE id = r.model_id) AS model_id,
    (SELECT name FROM spend_names WHERE id = r.model_group) AS model_group,
    (SELECT name FROM spend_names WHERE id = r.custom_llm_provider) AS custom_llm_provider,
    (SELECT name FROM spend_names WHERE id = r.api_base) AS api_base,
    (SELECT name FROM spend_names WHERE id = r.user) AS user,
    (SELECT name FROM spend_names WHERE id = r.team_id) AS team_id,
    r.end_user AS end_user,
    coalesce(r.metadata, json_object('user_api_key_alias', (SELECT name FROM spend_names WHERE id = r.key_alias),
        'end_user', r.end_user)) AS metadata,
    r.cache_hit AS cache_hit,
    (SELECT name FROM spend_names WHERE id = r.status) AS status,
    r.client_request_id AS client_request_id,
    r.session_id AS session_id,
    CASE WHEN r.request_tags IS NULL THEN '[]' ELSE (SELECT json_group_array(name) FROM (SELECT n.name AS name
        FROM json_each(r.request_tags) t JOIN spend_names n ON n.id = t.value ORDER BY t.key)) END AS request_tags,
    -- LiteLLM writes endTime for an answer that was not streamed.
    strftime('%Y-%m-%dT%H:%M:%S', (r.start + coalesce(r.first_token, r.duration)) / 1000000, 'unixepoch')
        || printf('.%06dZ', (r.start + coalesce(r.first_token, r.duration)) % 1000000) AS completionStartTime
FROM spend_rows r;
CREATE TRIGGER spend_logs_insert INSTEAD OF INSERT ON spend_logs BEGIN
    INSERT OR IGNORE INTO spend_names (name)
        SELECT value FROM json_each(json_array(NEW.call_type, NEW.api_key, NEW.model, NEW.model_id,
            NEW.model_group, NEW.custom_llm_provider, NEW.api_base, NEW.user, NEW.team_id,
            coalesce(NEW.status, 'success'), CASE WHEN json_valid(NEW.metadata)
            THEN json_extract(NEW.metadata, '$.user_api_key_alias') END))
        WHERE type = 'text'
        UNION ALL SELECT value FROM json_each(CASE WHEN json_valid(NEW.request_tags)
            AND json_type(NEW.request_tags) = 'array' THEN NEW.request_tags ELSE '[]' END) WHERE type = 'text';
    INSERT INTO spend_rows (request_id, start, duration, call_type, api_key, user, team_id, key_alias, model,
        model_id, model_group, custom_llm_provider, api_base, status, spend, prompt_tokens, completion_tokens,
        total_tokens, cache_hit, end_user, client_request_id, session_id, metadata, request_tags, first_token)
    SELECT NEW.request_id, s.start, e.at - s.start,
        (SELECT id FROM spend_names WHERE name = NEW.call_type),
        (SELECT id FROM spend_names WHERE name = NEW.api_key),
        (SELECT id FROM spend_names WHERE name = NEW.user),
        (SELECT id FROM spend_names WHERE name = NEW.team_id),
        (SELECT id FROM spend_names WHERE name = CASE WHEN json_valid(NEW.metadata)
            THEN json_extract(NEW.metadata, '$.user_api_key_alias') END),
        (SELECT id FROM spend_names WHERE name = NEW.model),
        (SELECT id FROM spend_names WHERE name = NEW.model_id),
        (SELECT id FROM spend_names WHERE name = NEW.model_group),
        (SELECT id FROM spend_names WHERE name = NEW.custom_llm_provider),
        (SELECT id FROM spend_names WHERE name = NEW.api_base),
        (SELECT id FROM spend_names WHERE name = coalesce(NEW.status, 'success')),
        coalesce(NEW.spend, 0), coalesce(NEW.prompt_tokens, 0), coalesce(NEW.completion_tokens, 0),
        nullif(NEW.total_tokens, coalesce(NEW.prompt_tokens, 0) + coalesce(NEW.completion_tokens, 0)),
        coalesce(NEW.cache_hit, 0), NEW.end_user, NEW.client_request_id, NEW.session_id,
        CASE WHEN NEW.metadata IS NULL THEN '{}' WHEN NOT json_valid(NEW.metadata) THEN NEW.metadata
            WHEN NEW.metadata = json_object('user_api_key_alias', json_extract(NEW.metadata, '$.user_api_key_alias'),
                'end_user', NEW.end_user) THEN NULL
            ELSE NEW.metadata END,
        (SELECT CASE WHEN count(*) > 0 THEN json_group_array(id) END FROM (SELECT n.id AS id FROM json_each(CASE WHEN json_valid(NEW.request_tags)
            AND json_type(NEW.request_tags) = 'array' THEN NEW.request_tags ELSE '[]' END) t JOIN spend_names n ON n.name = t.value WHERE t.type = 'text'
            ORDER BY t.key)),
        nullif(c.at - s.start, e.at - s.start)
    FROM (SELECT coalesce(unixepoch(substr(NEW.startTime, 1, 19)) * 1000000 + CASE WHEN substr(NEW.startTime, 20, 1) = '.'
        THEN CAST(substr(rtrim(substr(NEW.startTime, 21, 6), 'Z') || '000000', 1, 6) AS INTEGER) ELSE 0 END, 0) AS start) s, (SELECT coalesce(unixepoch(substr(NEW.endTime, 1, 19)) * 1000000 + CASE WHEN substr(NEW.endTime, 20, 1) = '.'
        THEN CAST(substr(rtrim(substr(NEW.endTime, 21, 6), 'Z') || '000000', 1, 6) AS INTEGER) ELSE 0 END, 0) AS at) e,
        (SELECT unixepoch(substr(NEW.completionStartTime, 1, 19)) * 1000000 + CASE WHEN substr(NEW.completionStartTime, 20, 1) = '.'
        THEN CAST(substr(rtrim(substr(NEW.completionStartTime, 21, 6), 'Z') || '000000', 1, 6) AS INTEGER) ELSE 0 END AS at) c;
END;

-- The request and response bodies of a spend row, when payload capture is on
-- (general_settings.store_prompts_in_spend_logs, or a key's or team's metadata): secrets
-- taken out and each body cut at 64 KiB (src/spend/payloads.rs). Written by the ledger's
-- commit of the row; pruned after general_settings.payload_retention_period, sooner than
-- the row, by start (the row's startTime, microseconds).
CREATE TABLE spend_payloads (
    request_id TEXT PRIMARY KEY,                  -- spend_rows.request_id
    start      INTEGER NOT NULL,
    request    TEXT NOT NULL,
    response   TEXT NOT NULL
);
CREATE INDEX spend_payloads_start ON spend_payloads (start);

-- Spend rows committed by the gateway and not yet folded into spend_logs, the running
-- spend and daily_spend: one JSON array per ledger commit (src/spend/journal.rs).
CREATE TABLE spend_journal (
    id   INTEGER PRIMARY KEY,
    rows TEXT NOT NULL
);

-- Spend per day, user, team, key and model: what the usage pages read.
CREATE TABLE daily_spend (
    date                TEXT NOT NULL,             -- YYYY-MM-DD (UTC)
    user_id             TEXT NOT NULL DEFAULT '',
    team_id             TEXT NOT NULL DEFAULT '',
    api_key             TEXT NOT NULL DEFAULT '',
    model               TEXT NOT NULL DEFAULT '',
    custom_llm_provider TEXT NOT NULL DEFAULT '',
    prompt_tokens       INTEGER NOT NULL DEFAULT 0,
    completion_tokens   INTEGER NOT NULL DEFAULT 0,
    spend               REAL NOT NULL DEFAULT 0,
    api_requests        INTEGER NOT NULL DEFAULT 0,
    successful_requests INTEGER NOT NULL DEFAULT 0,
    failed_requests     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (date, user_id, team_id, api_key, model, custom_llm_provider)
) WITHOUT ROWID;
CREATE INDEX daily_spend_user ON daily_spend (user_id, date);
CREATE INDEX daily_spend_team ON daily_spend (team_id, date);

-- The same sums per week (from Monday, UTC), without the provider: the usage page takes
-- the whole weeks of a range from here and only the days at its edges from daily_spend,
-- a fifth of the rows for 30 days. Kept by the ledger in the same transaction, as is
-- daily_user_spend below. No index by user: one user's weeks are found by a key prefix
-- seek per week, and every index is one more page written per ledger commit.
CREATE TABLE weekly_spend (
    week                TEXT NOT NULL,             -- YYYY-MM-DD of the Monday
    user_id             TEXT NOT NULL DEFAULT '',
    team_id             TEXT NOT NULL DEFAULT '',
    api_key             TEXT NOT NULL DEFAULT '',
    model               TEXT NOT NULL DEFAULT '',
    prompt_tokens       INTEGER NOT NULL DEFAULT 0,
    completion_tokens   INTEGER NOT NULL DEFAULT 0,
    spend               REAL NOT NULL DEFAULT 0,
    api_requests        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (week, user_id, team_id, api_key, model)
) WITHOUT ROWID;

-- The sums per day and user only: the usage page's per-day chart, a few rows a day.
CREATE TABLE daily_user_spend (
    date                TEXT NOT NULL,
    user_id             TEXT NOT NULL DEFAULT '',
    prompt_tokens       INTEGER NOT NULL DEFAULT 0,
    completion_tokens   INTEGER NOT NULL DEFAULT 0,
    spend               REAL NOT NULL DEFAULT 0,
    api_requests        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (date, user_id)
) WITHOUT ROWID;

-- Spend per day and request tag (LiteLLM_DailyTagSpend), with the user, team and key the
-- rows were charged to: `/spend/tags` reads these sums, never the log. A request with
-- several tags counts in each. Kept by the ledger in the same transaction as the rows.
CREATE TABLE daily_tag_spend (
    date                TEXT NOT NULL,             -- YYYY-MM-DD (UTC)
    tag                 TEXT NOT NULL,
    user_id             TEXT NOT NULL DEFAULT '',
    team_id             TEXT NOT NULL DEFAULT '',
    api_key             TEXT NOT NULL DEFAULT '',
    prompt_tokens       INTEGER NOT NULL DEFAULT 0,
    completion_tokens   INTEGER NOT NULL DEFAULT 0,
    spend               REAL NOT NULL DEFAULT 0,
    api_requests        INTEGER NOT NULL DEFAULT 0,
    successful_requests INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (date, tag, user_id, team_id, api_key)
) WITHOUT ROWID;

-- Every change made through the management API (LiteLLM_AuditLog). Never holds a secret.
CREATE TABLE audit_log (
    id                 INTEGER PRIMARY KEY,
    updated_at         TEXT NOT NULL,
    changed_by         TEXT NOT NULL,
    changed_by_api_key TEXT,
    action             TEXT NOT NULL,              -- created, updated, deleted, blocked, ...
    table_name         TEXT NOT NULL,
    object_id          TEXT NOT NULL,
    before_value       TEXT,
    updated_values     TEXT
);
CREATE INDEX audit_log_time ON audit_log (updated_at);

-- Alerts on their way out (src/alerts/store.rs): one row per alert and channel, filed
-- once per dedupe key (the threshold and its period), sent and retried from here.
CREATE TABLE alert_outbox (
    id              INTEGER PRIMARY KEY,
    dedupe_key      TEXT NOT NULL,
    channel         TEXT NOT NULL,              -- slack, webhook, email
    alert_type      TEXT NOT NULL,
    event           TEXT NOT NULL,
    message         TEXT NOT NULL,
    payload         TEXT NOT NULL,              -- the webhook event (JSON)
    recipients      TEXT NOT NULL DEFAULT '[]', -- email addresses (JSON)
    created_at      TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending', -- pending, sent, failed (gave up)
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    sent_at         TEXT,
    last_error      TEXT,
    UNIQUE (dedupe_key, channel)
);
CREATE INDEX alert_outbox_due ON alert_outbox (next_attempt_at) WHERE status = 'pending';

-- The `/v1/responses` answers the gateway made itself (for models reached through another
-- API), kept when the request asked `store` (the default) so that `previous_response_id`
-- and `GET /v1/responses/{id}` work. Owned by the key that made them; pruned with the
-- spend logs.
CREATE TABLE responses (
    id          TEXT PRIMARY KEY,
    api_key     TEXT NOT NULL,                     -- the sha256 of the key that made it
    created_at  TEXT NOT NULL,
    response    TEXT NOT NULL,                     -- the `response` object, JSON
    input_items TEXT NOT NULL                      -- every input item the model saw, JSON
);
CREATE INDEX responses_created ON responses (created_at);

-- The `/v1/responses` answers an upstream with the Responses API made and keeps (OpenAI's,
-- Azure's): whose they are and which deployment holds them, so that reading, deleting and
-- chaining on one goes to that deployment, for the key that made it only. Pruned with the
-- spend logs.
CREATE TABLE relayed_responses (
    id          TEXT PRIMARY KEY,                  -- the upstream's id of the response
    api_key     TEXT NOT NULL,                     -- the sha256 of the key that made it
    model_id    TEXT NOT NULL,                     -- the deployment that holds it
    created_at  TEXT NOT NULL
);
CREATE INDEX relayed_responses_created ON relayed_responses (created_at);

-- Models added at run time (`/model/new`, the UI's Models page), beside those of
-- proxy.toml. `litellm_params` and `model_info` are LiteLLM's JSON objects as given, without
-- the credentials; those are in `secrets`, a JSON object sealed with a key derived from
-- the proxy's secret (never in this file).
CREATE TABLE models (
    model_id       TEXT PRIMARY KEY,
    model_name     TEXT NOT NULL,
    litellm_params TEXT NOT NULL,
    secrets        TEXT,
    model_info     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    updated_by     TEXT NOT NULL
);

-- Named budgets (LiteLLM_BudgetTable) that customers reference by `budget_id`. A
-- budget's spend is kept on whoever references it (each customer's own `spend`);
-- `budget_reset_at` is when those spends next go back to 0.
CREATE TABLE budgets (
    budget_id             TEXT PRIMARY KEY,
    max_budget            REAL,
    soft_budget           REAL,
    max_parallel_requests INTEGER,
    tpm_limit             INTEGER,
    rpm_limit             INTEGER,
    model_max_budget      TEXT,                    -- JSON object, as given
    budget_duration       TEXT,
    budget_reset_at       TEXT,
    created_at            TEXT NOT NULL,
    created_by            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    updated_by            TEXT NOT NULL
);

-- Customers (LiteLLM_EndUserTable): the end users a caller names in a request's `user`
-- field or the `x-litellm-customer-id` header. A row appears at /customer/new, or with the
-- first spend of an id nobody created (as LiteLLM does).
CREATE TABLE end_users (
    user_id              TEXT PRIMARY KEY,
    alias                TEXT,
    spend                REAL NOT NULL DEFAULT 0,
    allowed_model_region TEXT,
    default_model        TEXT,
    budget_id            TEXT REFERENCES budgets (budget_id),
    blocked              INTEGER NOT NULL DEFAULT 0,
    models               TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX end_users_budget ON end_users (budget_id) WHERE budget_id IS NOT NULL;
