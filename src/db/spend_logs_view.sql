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
