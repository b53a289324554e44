-- Schema step 9 -> 10 (src/db/migrate.rs): spend_logs' rows into spend_rows, spend_logs a view.

-- The names spend rows repeat (key hashes, users, teams, models, providers, API bases,
-- call types, statuses, key aliases), each stored once: a row holds their numbers.
CREATE TABLE spend_names (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

-- One row per model request, compact: a few dozen bytes where LiteLLM_SpendLogs' text
-- columns took about 300 with their indexes (src/spend/write.rs). Read it through the
-- spend_logs view below, which shows LiteLLM's columns and values.
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
);

-- Every name once, then every row by its names' numbers (the indexes are made after), a
-- piece of the table at a time (src/db/pieces.rs): the names of a piece's rows, then the
-- rows, in rowid order, as one pass over the whole table would take them.
-- in pieces over spend_logs: moving spend rows
INSERT OR IGNORE INTO spend_names (name)
    SELECT value FROM spend_logs, json_each(json_array(call_type, api_key, model, model_id, model_group,
        custom_llm_provider, api_base, user, team_id, status,
        CASE WHEN json_valid(metadata) THEN json_extract(metadata, '$.user_api_key_alias') END))
    WHERE type = 'text' AND spend_logs.rowid BETWEEN :first AND :last;
INSERT INTO spend_rows (request_id, start, duration, call_type, api_key, user, team_id, key_alias, model,
    model_id, model_group, custom_llm_provider, api_base, status, spend, prompt_tokens, completion_tokens,
    total_tokens, cache_hit, end_user, client_request_id, session_id, metadata)
SELECT request_id, start, at - start,
    (SELECT id FROM spend_names WHERE name = call_type),
    (SELECT id FROM spend_names WHERE name = api_key),
    (SELECT id FROM spend_names WHERE name = user),
    (SELECT id FROM spend_names WHERE name = team_id),
    (SELECT id FROM spend_names WHERE name = alias),
    (SELECT id FROM spend_names WHERE name = model),
    (SELECT id FROM spend_names WHERE name = model_id),
    (SELECT id FROM spend_names WHERE name = model_group),
    (SELECT id FROM spend_names WHERE name = custom_llm_provider),
    (SELECT id FROM spend_names WHERE name = api_base),
    (SELECT id FROM spend_names WHERE name = status),
    spend, prompt_tokens, completion_tokens, nullif(total_tokens, prompt_tokens + completion_tokens), cache_hit,
    end_user, client_request_id, session_id,
    CASE WHEN NOT json_valid(metadata) THEN metadata
        WHEN metadata = json_object('user_api_key_alias', alias, 'end_user', end_user) THEN NULL
        ELSE metadata END
FROM (SELECT *, coalesce(unixepoch(substr(startTime, 1, 19)) * 1000000 + CASE WHEN substr(startTime, 20, 1) = '.'
        THEN CAST(substr(rtrim(substr(startTime, 21, 6), 'Z') || '000000', 1, 6) AS INTEGER) ELSE 0 END, 0) AS start,
        coalesce(unixepoch(substr(endTime, 1, 19)) * 1000000 + CASE WHEN substr(endTime, 20, 1) = '.'
        THEN CAST(substr(rtrim(substr(endTime, 21, 6), 'Z') || '000000', 1, 6) AS INTEGER) ELSE 0 END, 0) AS at,
        CASE WHEN json_valid(metadata) THEN json_extract(metadata, '$.user_api_key_alias') END AS alias
      FROM spend_logs WHERE rowid BETWEEN :first AND :last);
-- end of part
-- Each of these takes seconds at millions of rows: one by one, so the log keeps moving.
-- one by one: dropping the old spend log and indexing the new one
DROP TABLE spend_logs;

CREATE INDEX spend_rows_start ON spend_rows (start);
CREATE INDEX spend_rows_key_start ON spend_rows (api_key, start);
-- By user and by team only for rows that have one: no query looks rows up by a missing
-- user or team, and most keys have no team. By the client's id and session likewise.
CREATE INDEX spend_rows_user_start ON spend_rows (user, start) WHERE user IS NOT NULL;
CREATE INDEX spend_rows_team_start ON spend_rows (team_id, start) WHERE team_id IS NOT NULL;
CREATE INDEX spend_rows_client_request ON spend_rows (client_request_id) WHERE client_request_id IS NOT NULL;
CREATE INDEX spend_rows_session ON spend_rows (session_id) WHERE session_id IS NOT NULL;
-- end of part

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
    r.session_id AS session_id
FROM spend_rows r;
CREATE TRIGGER spend_logs_insert INSTEAD OF INSERT ON spend_logs BEGIN
    INSERT OR IGNORE INTO spend_names (name)
        SELECT value FROM json_each(json_array(NEW.call_type, NEW.api_key, NEW.model, NEW.model_id,
            NEW.model_group, NEW.custom_llm_provider, NEW.api_base, NEW.user, NEW.team_id,
            coalesce(NEW.status, 'success'), CASE WHEN json_valid(NEW.metadata)
            THEN json_extract(NEW.metadata, '$.user_api_key_alias') END))
        WHERE type = 'text';
    INSERT INTO spend_rows (request_id, start, duration, call_type, api_key, user, team_id, key_alias, model,
        model_id, model_group, custom_llm_provider, api_base, status, spend, prompt_tokens, completion_tokens,
        total_tokens, cache_hit, end_user, client_request_id, session_id, metadata)
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
            ELSE NEW.metadata END
    FROM (SELECT coalesce(unixepoch(substr(NEW.startTime, 1, 19)) * 1000000 + CASE WHEN substr(NEW.startTime, 20, 1) = '.'
        THEN CAST(substr(rtrim(substr(NEW.startTime, 21, 6), 'Z') || '000000', 1, 6) AS INTEGER) ELSE 0 END, 0) AS start) s, (SELECT coalesce(unixepoch(substr(NEW.endTime, 1, 19)) * 1000000 + CASE WHEN substr(NEW.endTime, 20, 1) = '.'
        THEN CAST(substr(rtrim(substr(NEW.endTime, 21, 6), 'Z') || '000000', 1, 6) AS INTEGER) ELSE 0 END, 0) AS at) e;
END;
