#!/usr/bin/env bash
# Server time of every admin UI page on a big database: 10,000 keys, 200 users, 20 teams,
# a million spend rows over 90 days (with their daily_spend aggregate), seeded directly
# with SQLite before the proxy starts (marked schema version 3, so the proxy builds
# weekly_spend from daily_spend and moves the rows into spend_rows on start, as it upgrades
# an older file; the time of that first start is printed). Each page is
# fetched RUNS times by curl as the signed-in admin; the median and the worst `time_starttransfer` (the time until the
# first byte, i.e. the server's work plus loopback) are printed per page.
# Usage: bench/ui.sh [RUNS]   (needs sqlite3 and curl; builds the release binary unless
# PROXY_BIN names one)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
if [ -z "${PROXY_BIN:-}" ]; then cargo build --release --quiet; fi
bin=${PROXY_BIN:-$PWD/target/release/proxy}
work=$(mktemp -d)
master=sk-bench-master-key
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

echo "seeding $work/proxy.db ..." >&2
sqlite3 "$work/proxy.db" < schema.sql
sqlite3 "$work/proxy.db" <<'SQL'
-- What versions after 3 changed is taken back, so that their upgrade steps apply: the
-- spend log is the table it was (version 10 made it spend_rows and a view).
DROP VIEW spend_logs;
DROP TABLE spend_rows;
DROP TABLE spend_names;
CREATE TABLE spend_logs (
    request_id TEXT PRIMARY KEY, call_type TEXT NOT NULL, api_key TEXT NOT NULL, spend REAL NOT NULL DEFAULT 0,
    total_tokens INTEGER NOT NULL DEFAULT 0, prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0, startTime TEXT NOT NULL, endTime TEXT NOT NULL, model TEXT NOT NULL,
    model_id TEXT, model_group TEXT, custom_llm_provider TEXT, api_base TEXT, user TEXT, team_id TEXT, end_user TEXT,
    metadata TEXT NOT NULL DEFAULT '{}', cache_hit INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL DEFAULT 'success');
CREATE INDEX spend_logs_start ON spend_logs (startTime);
CREATE INDEX spend_logs_key_start ON spend_logs (api_key, startTime);
CREATE INDEX spend_logs_user_start ON spend_logs (user, startTime);
CREATE INDEX spend_logs_team_start ON spend_logs (team_id, startTime);
ALTER TABLE teams DROP COLUMN admins;
ALTER TABLE teams DROP COLUMN members;
ALTER TABLE teams DROP COLUMN organization_id;
PRAGMA user_version = 3;
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
INSERT INTO users (user_id, user_email, user_role, max_budget, spend, models, created_at, updated_at)
SELECT 'user-' || i, 'user' || i || '@example.com', CASE WHEN i % 10 = 0 THEN 'internal_user_viewer' ELSE 'internal_user' END,
       100, (i % 37) * 1.5, '[]', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z' FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20)
INSERT INTO teams (team_id, team_alias, max_budget, spend, models, metadata, created_at, updated_at)
SELECT 'team-' || i, 'Team ' || i, 1000, i * 10.0, '[]', '{}', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z' FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
INSERT INTO team_memberships (user_id, team_id, role, spend, created_at)
SELECT 'user-' || i, 'team-' || (i % 20 + 1), CASE WHEN i % 20 = 0 THEN 'admin' ELSE 'user' END, 0, '2026-01-01T00:00:00.000000Z' FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
INSERT INTO keys (token, key_name, key_alias, spend, models, aliases, config, user_id, team_id, permissions, metadata,
                  max_budget, allowed_routes, created_at, updated_at)
SELECT printf('%064x', i), 'sk-...' || printf('%04d', i % 10000), 'key-' || i, (i % 97) * 0.25, '[]', '{}', '{}',
       'user-' || (i % 200 + 1), CASE WHEN i % 3 = 0 THEN 'team-' || (i % 20 + 1) END, '{}', '{}', 50, '[]',
       printf('2026-01-01T00:%02d:%02d.000000Z', (i / 60) % 60, i % 60), '2026-01-01T00:00:00.000000Z' FROM n;
-- A million requests over the last 90 days: 2,000 active keys, each used every day with
-- its own model (so daily_spend holds 180,000 rows).
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
INSERT INTO spend_logs (request_id, call_type, api_key, spend, total_tokens, prompt_tokens, completion_tokens, startTime,
                        endTime, model, model_group, custom_llm_provider, user, team_id, status)
SELECT 'req-' || i, 'acompletion', printf('%064x', (i % 2000) * 5 + 1), 0.0004, 150, 100, 50,
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || ((i / 2000) % 90) || ' days'),
       strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || ((i / 2000) % 90) || ' days'),
       'model-' || (i % 2000 % 4), 'model-' || (i % 2000 % 4), 'openai', 'user-' || (((i % 2000) * 5 + 1) % 200 + 1),
       CASE WHEN ((i % 2000) * 5 + 1) % 3 = 0 THEN 'team-' || (((i % 2000) * 5 + 1) % 20 + 1) ELSE '' END, 'success'
FROM n;
INSERT INTO daily_spend (date, user_id, team_id, api_key, model, custom_llm_provider, prompt_tokens, completion_tokens,
                         spend, api_requests, successful_requests, failed_requests)
SELECT substr(startTime, 1, 10), user, team_id, api_key, model_group, custom_llm_provider, SUM(prompt_tokens),
       SUM(completion_tokens), SUM(spend), COUNT(*), COUNT(*), 0
FROM spend_logs GROUP BY 1, 2, 3, 4, 5, 6;
COMMIT;
SQL
echo "daily_spend rows: $(sqlite3 "$work/proxy.db" 'SELECT COUNT(*) FROM daily_spend')" >&2
cat > "$work/proxy.toml" <<'TOML'
[[model_list]]
model_name = "model-0"
[model_list.litellm_params]
model = "openai/gpt-4o-mini"
api_base = "http://127.0.0.1:9/v1"
TOML

started=$(date +%s%N)
(cd "$work" && LITELLM_MASTER_KEY=$master exec "$bin" --port 0 --host 127.0.0.1 >"$work/out" 2>"$work/err") &
pid=$!
until url=$(grep -o 'http://[0-9.:]*' "$work/out" 2>/dev/null | head -n1) && [ -n "$url" ]; do
  kill -0 "$pid" 2>/dev/null || { cat "$work/err" >&2; exit 1; }
  sleep 0.05
done
echo "first start (upgrading the file from schema version 3): $(( ($(date +%s%N) - started) / 1000000 )) ms" >&2
curl -s -o /dev/null -c "$work/jar" -d "username=admin&password=$master&next=/ui" "$url/login"

printf '%-34s %10s %10s %10s\n' page median_ms worst_ms bytes
for page in /ui /ui/keys "/ui/keys?page=100" "/ui/keys?q=key-99" /ui/keys/new /ui/users /ui/teams /ui/teams/team-1 \
            /ui/usage "/ui/usage?start=$(date -u -d '-89 days' +%F)" /ui/usage.csv /ui/models /ui/test-key /ui/settings; do
  times=()
  for _ in $(seq "$runs"); do
    times+=("$(curl -s -o "$work/body" -b "$work/jar" -w '%{time_starttransfer}' "$url$page")")
  done
  bytes=$(wc -c < "$work/body")
  printf '%s\n' "${times[@]}" | sort -n | awk -v page="$page" -v bytes="$bytes" '
    { t[NR] = $1 * 1000 } END { printf "%-34s %10.1f %10.1f %10d\n", page, t[int((NR + 1) / 2)], t[NR], bytes }'
done
