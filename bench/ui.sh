#!/usr/bin/env bash
# Server time of every admin UI page on a big database: 10,000 keys, 200 users, 20 teams,
# a million spend rows over 90 days (with their daily_spend aggregate), seeded directly
# with SQLite before the proxy starts (marked schema version 3, so the proxy builds
# weekly_spend from daily_spend and moves the rows into spend_rows on start, as it upgrades
# an older file; the time of that first start is printed, and the upgrade's progress lines
# are in its log). Each page is fetched RUNS times by curl as the signed-in admin; the
# median and the worst `time_starttransfer` (the time until the first byte, i.e. the
# server's work plus loopback) are printed per page. bench/big_db.sh does the same for ten
# million rows in the current schema, and times `/spend/logs` too.
# Usage: [ROWS=N] bench/ui.sh [RUNS]   (ROWS: the spend rows, default 1,000,000; needs
# sqlite3 and curl; builds the release binary unless PROXY_BIN names one)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/ui_common.sh
runs=${1:-20}
rows=${ROWS:-1000000}
if [ -z "${PROXY_BIN:-}" ]; then cargo build --release --quiet; fi
bin=${PROXY_BIN:-$PWD/target/release/proxy}
work=$(mktemp -d)
master=sk-bench-master-key
pid=
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

echo "seeding $work/proxy.db ..." >&2
sqlite3 "$work/proxy.db" < schema.sql
{ cat <<'SQL'
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
ALTER TABLE teams DROP COLUMN model_aliases;
ALTER TABLE keys DROP COLUMN budget_id;
ALTER TABLE team_memberships DROP COLUMN budget_id;
PRAGMA user_version = 3;
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
BEGIN;
SQL
people_sql
# ROWS requests over the last 90 days: 2,000 active keys, each used every day with its own
# model (so daily_spend holds 180,000 rows).
echo "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows)"
cat <<'SQL'
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
} | sqlite3 "$work/proxy.db"
echo "daily_spend rows: $(sqlite3 "$work/proxy.db" 'SELECT COUNT(*) FROM daily_spend')" >&2
write_config
start_proxy "upgrading the file from schema version 3"
grep 'upgrading the database' "$work/err" | sed 's/^.*upgrading/  upgrading/' >&2 || true
sign_in

print_header
for page in /ui /ui/keys "/ui/keys?page=100" "/ui/keys?q=key-99" /ui/keys/new /ui/users /ui/teams /ui/teams/team-1 \
            /ui/usage "/ui/usage?start=$(date -u -d '-89 days' +%F)" /ui/usage.csv /ui/models /ui/test-key /ui/settings; do
  time_ui "$page"
done
