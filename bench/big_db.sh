#!/usr/bin/env bash
# The admin pages and `/spend/logs` on a database of ten million spend rows (ROWS) over the
# last 90 days, with 10,000 keys, 200 users and 20 teams (bench/ui_common.sh). The file is
# made by the proxy itself (so it has the current schema and version), then seeded by one
# sqlite3 process in the schema's compact form: `spend_names` numbered once, `spend_rows`
# from a recursive CTE in time order (ids shaped like the server's time-ordered UUIDv7),
# their indexes built after the rows, and the `daily_spend`, `weekly_spend` and
# `daily_user_spend` sums computed from the rows, as the ledger keeps them. The seeding
# time and the file's size are printed, then the median and the worst time to the first
# byte of RUNS fetches of each page (targets: the usage page under 50 ms for 30 days, the
# first page of `/spend/logs` under 100 ms with each indexed filter).
#
# The rows: ACTIVE_KEYS (default 2,000) keys used in turn, each by its owner and team;
# model groups model-0..3 by key, two keys on a rare one (model-rare, 0.1% of the rows);
# one request in 97 failed (with LiteLLM's error metadata), one in 20 carries the client's
# own request id, one in 3 was streamed.
#
# Usage: [ROWS=N] [ACTIVE_KEYS=N] [BIG_DB_DIR=dir] bench/big_db.sh [RUNS]
#   BIG_DB_DIR keeps the seeded file there and reuses it on the next run (seeding ten
#   million rows takes minutes). Needs sqlite3 and curl; builds the release binary unless
#   PROXY_BIN names one. Loopback only; the proxy started here is stopped by its PID.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/ui_common.sh
runs=${1:-10}
rows=${ROWS:-10000000}
active=${ACTIVE_KEYS:-2000}
if [ -z "${PROXY_BIN:-}" ]; then cargo build --release --quiet; fi
bin=${PROXY_BIN:-$PWD/target/release/proxy}
master=sk-bench-master-key
pid=
if [ -n "${BIG_DB_DIR:-}" ]; then
  work=$BIG_DB_DIR
  mkdir -p "$work"
  trap 'kill "$pid" 2>/dev/null || true' EXIT
else
  work=$(mktemp -d)
  trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
fi
db=$work/proxy.db
write_config

seed() {
  local t0 t1 span now_us drop_indexes make_indexes
  t0=$(date +%s%N)
  echo "making $db with the proxy ..." >&2
  start_proxy "a new file"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=
  span=$((90 * 86400 * 1000000))
  now_us=$(( $(date +%s) * 1000000 ))
  drop_indexes=$(sqlite3 "$db" "SELECT 'DROP INDEX ' || name || ';' FROM sqlite_master
                                WHERE type = 'index' AND tbl_name = 'spend_rows' AND sql IS NOT NULL")
  make_indexes=$(sqlite3 "$db" "SELECT sql || ';' FROM sqlite_master
                                WHERE type = 'index' AND tbl_name = 'spend_rows' AND sql IS NOT NULL")
  echo "seeding $rows spend rows ..." >&2
  {
    cat <<'SQL'
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -500000;
PRAGMA temp_store = MEMORY;
BEGIN;
SQL
    people_sql
    echo "$drop_indexes"
    # The names, numbered so that a row's numbers follow from its counter: 1-6 the fixed
    # ones, 10-14 the model groups, 20-24 their deployments, 30-32 the upstream models,
    # 100+N user-N, 400+N team-N, 1000+k the hash of active key k, 1000+ACTIVE_KEYS+k its
    # alias. Active key k is key number k*5+1 of bench/ui_common.sh.
    cat <<'SQL'
INSERT INTO spend_names (id, name) VALUES (1, 'acompletion'), (2, 'success'), (3, 'failure'), (4, 'openai'),
    (5, 'https://api.openai.com/v1'), (10, 'model-0'), (11, 'model-1'), (12, 'model-2'), (13, 'model-3'),
    (14, 'model-rare'), (20, 'deployment-0'), (21, 'deployment-1'), (22, 'deployment-2'), (23, 'deployment-3'),
    (24, 'deployment-rare'), (30, 'gpt-4o-mini'), (31, 'gpt-4o'), (32, 'o1');
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
INSERT INTO spend_names (id, name) SELECT 100 + i, 'user-' || i FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20)
INSERT INTO spend_names (id, name) SELECT 400 + i, 'team-' || i FROM n;
SQL
    cat <<SQL
WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < $active - 1)
INSERT INTO spend_names (id, name) SELECT 1000 + k, printf('%064x', k * 5 + 1) FROM n;
WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < $active - 1)
INSERT INTO spend_names (id, name) SELECT 1000 + $active + k, 'key-' || (k * 5 + 1) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $rows),
r AS (SELECT i, i % $active AS k, (i % $active) * 5 + 1 AS key_num, $((now_us - span)) + i * $((span / rows)) AS start,
             i % 1000 = 500 AS rare, i % 97 = 7 AS failed FROM n)
INSERT INTO spend_rows (request_id, start, duration, call_type, api_key, "user", team_id, key_alias, model, model_id,
    model_group, custom_llm_provider, api_base, status, spend, prompt_tokens, completion_tokens, cache_hit,
    client_request_id, metadata, first_token)
SELECT printf('%08x-%04x-7%03x-%04x-%012x', start / 1000 / 65536, start / 1000 % 65536, i % 4096,
           32768 + i / 4096 % 16384, i),
       start, 200000 + i % 1000 * 1000, 1, 1000 + k, 100 + key_num % 200 + 1,
       CASE WHEN key_num % 3 = 0 THEN 400 + key_num % 20 + 1 END, 1000 + $active + k,
       CASE WHEN rare THEN 32 ELSE 30 + k % 4 / 2 END, CASE WHEN rare THEN 24 ELSE 20 + k % 4 END,
       CASE WHEN rare THEN 14 ELSE 10 + k % 4 END, 4, 5, CASE WHEN failed THEN 3 ELSE 2 END,
       CASE WHEN failed THEN 0 ELSE 0.0004 END, CASE WHEN failed THEN 0 ELSE 100 + i % 50 END,
       CASE WHEN failed THEN 0 ELSE 50 END, 0, CASE WHEN i % 20 = 0 THEN 'client-' || i END,
       CASE WHEN failed THEN json_object('user_api_key_alias', 'key-' || key_num, 'end_user', NULL,
           'error_information', json_object('error_code', '429', 'error_class', 'RateLimitError',
               'error_message', 'Rate limit reached for requests')) END,
       CASE WHEN i % 3 = 0 THEN 150000 END
FROM r;
SQL
    echo "$make_indexes"
    # The sums, as the ledger keeps them: per day, user, team, key, model group and provider.
    cat <<'SQL'
INSERT INTO daily_spend (date, user_id, team_id, api_key, model, custom_llm_provider, prompt_tokens, completion_tokens,
                         spend, api_requests, successful_requests, failed_requests)
SELECT date(s.day * 86400, 'unixepoch'), coalesce(u.name, ''), coalesce(t.name, ''), k.name, g.name, p.name,
       s.prompt, s.completion, s.spend, s.requests, s.ok, s.requests - s.ok
FROM (SELECT start / 86400000000 AS day, "user", team_id, api_key, model_group, custom_llm_provider,
             sum(prompt_tokens) AS prompt, sum(completion_tokens) AS completion, sum(spend) AS spend,
             count(*) AS requests, sum(status = 2) AS ok
      FROM spend_rows GROUP BY day, "user", team_id, api_key, model_group, custom_llm_provider) s
LEFT JOIN spend_names u ON u.id = s."user" LEFT JOIN spend_names t ON t.id = s.team_id
JOIN spend_names k ON k.id = s.api_key JOIN spend_names g ON g.id = s.model_group
JOIN spend_names p ON p.id = s.custom_llm_provider;
INSERT INTO weekly_spend (week, user_id, team_id, api_key, model, prompt_tokens, completion_tokens, spend, api_requests)
SELECT date(date, '-6 days', 'weekday 1'), user_id, team_id, api_key, model, sum(prompt_tokens),
       sum(completion_tokens), sum(spend), sum(api_requests)
FROM daily_spend GROUP BY 1, 2, 3, 4, 5;
INSERT INTO daily_user_spend (date, user_id, prompt_tokens, completion_tokens, spend, api_requests)
SELECT date, user_id, sum(prompt_tokens), sum(completion_tokens), sum(spend), sum(api_requests)
FROM daily_spend GROUP BY 1, 2;
COMMIT;
PRAGMA journal_mode = WAL;
SQL
  } | sqlite3 "$db" >/dev/null
  t1=$(date +%s%N)
  echo "seeded in $(( (t1 - t0) / 1000000000 )) s" >&2
}

# A file whose seeding did not finish is made again.
if [ ! -f "$work/seeded" ]; then
  rm -f "$db" "$db-wal" "$db-shm"
  seed
  touch "$work/seeded"
fi
size=$(stat -c %s "$db")
held=$(sqlite3 "$db" 'SELECT max(rowid) FROM spend_rows')
echo "database: $((size / 1048576)) MiB, $held spend rows ($((size / held)) bytes a row, with the sums and indexes);" \
     "daily_spend rows: $(sqlite3 "$db" 'SELECT count(*) FROM daily_spend')" >&2

# What the filters look for: active key 1 (key number 6: user-7, team-7), a row's own id
# from the middle of the log and a client's id, a day a month ago.
key=$(printf '%064x' 6)
request_id=$(sqlite3 "$db" "SELECT request_id FROM spend_rows WHERE rowid = $((held / 2))")
client_id=$(sqlite3 "$db" "SELECT client_request_id FROM spend_rows WHERE rowid >= $((held / 2))
                            AND client_request_id IS NOT NULL LIMIT 1")
day=$(date -u -d '-30 days' +%F)
week=$(date -u -d '-36 days' +%F)

start_proxy "the seeded file"
sign_in
print_header
time_ui /ui/usage
time_ui "/ui/usage?start=$(date -u -d '-89 days' +%F)"
time_ui /ui/settings
time_ui /ui/logs
time_ui "/ui/logs?model=model-rare"
time_ui "/ui/logs?q=$request_id"
time_api "/spend/logs (1,000 rows)" "/spend/logs"
time_api "/spend/logs?api_key" "/spend/logs?api_key=$key"
time_api "/spend/logs?user_id" "/spend/logs?user_id=user-7"
time_api "/spend/logs?team_id" "/spend/logs?team_id=team-7"
time_api "/spend/logs?model" "/spend/logs?model=gpt-4o"
time_api "/spend/logs?model_group" "/spend/logs?model_group=model-1"
time_api "/spend/logs?model_group (0.1% of rows)" "/spend/logs?model_group=model-rare"
time_api "/spend/logs?request_id (the row's)" "/spend/logs?request_id=$request_id"
time_api "/spend/logs?request_id (the client's)" "/spend/logs?request_id=$client_id"
time_api "/spend/logs?start_date&end_date (a day)" "/spend/logs?start_date=$day&end_date=$day&summarize=false"
time_api "/spend/logs?start_date&end_date (a week)" "/spend/logs?start_date=$week&end_date=$day&summarize=false"
time_api "/spend/logs?api_key&start_date&end_date" "/spend/logs?api_key=$key&start_date=$week&end_date=$day&summarize=false"
time_api "/spend/logs?start_date&end_date (a day, sums)" "/spend/logs?start_date=$day&end_date=$day"
time_api "/spend/logs/v2 (50 rows and the count)" "/spend/logs/v2"
time_api "/spend/logs/v2?api_key" "/spend/logs/v2?api_key=$key"
