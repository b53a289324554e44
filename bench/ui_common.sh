# Helpers shared by bench/ui.sh and bench/big_db.sh (sourced, not run): the people of the
# big database (users, teams, memberships, keys), starting the proxy on a seeded file,
# signing in as the admin and timing a page. The caller sets `bin`, `work` and `master`.

# 200 users, 20 teams (each user in one), 10,000 keys: key N belongs to user
# `user-(N % 200 + 1)`, and every third key to team `team-(N % 20 + 1)`. Written for
# every schema version since 3 (no column a later version added).
people_sql() {
  cat <<'SQL'
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
SQL
}

# A config with one model (its upstream is never called).
write_config() {
  cat > "$work/proxy.toml" <<'TOML'
[[model_list]]
model_name = "model-0"
[model_list.litellm_params]
model = "openai/gpt-4o-mini"
api_base = "http://127.0.0.1:9/v1"
TOML
}

# Starts the proxy on $work/proxy.db (its log in $work/err), sets `url` and `pid`, and
# prints how long the first start took, labelled with "$1".
start_proxy() {
  local started
  started=$(date +%s%N)
  (cd "$work" && LITELLM_MASTER_KEY=$master exec "$bin" --port 0 --host 127.0.0.1 >"$work/out" 2>"$work/err") &
  pid=$!
  until url=$(grep -o 'http://[0-9.:]*' "$work/out" 2>/dev/null | head -n1) && [ -n "$url" ]; do
    kill -0 "$pid" 2>/dev/null || { cat "$work/err" >&2; exit 1; }
    sleep 0.05
  done
  echo "first start ($1): $(( ($(date +%s%N) - started) / 1000000 )) ms" >&2
}

# Signs in to the admin UI as the master key's admin (the cookie in $work/jar).
sign_in() {
  curl -s -o /dev/null -c "$work/jar" -d "username=admin&password=$master&next=/ui" "$url/login"
}

print_header() {
  printf '%-44s %10s %10s %10s\n' page median_ms worst_ms bytes
}

# Fetches "$url$2" $runs times with the curl arguments after it (the UI cookie, or the
# master key for the API) and prints the median and the worst time to the first byte (the
# server's work plus loopback) under the label "$1", with the size of the answer.
time_page() {
  local label=$1 path=$2 times=() bytes
  shift 2
  for _ in $(seq "$runs"); do
    times+=("$(curl -s -o "$work/body" -w '%{time_starttransfer}' "$@" "$url$path")")
  done
  bytes=$(wc -c < "$work/body")
  printf '%s\n' "${times[@]}" | sort -n | awk -v page="$label" -v bytes="$bytes" '
    { t[NR] = $1 * 1000 } END { printf "%-44s %10.1f %10.1f %10d\n", page, t[int((NR + 1) / 2)], t[NR], bytes }'
}

# A UI page as the signed-in admin.
time_ui() { time_page "$1" "$1" -b "$work/jar"; }

# An API route as the master key: label, path.
time_api() { time_page "$1" "$2" -H "Authorization: Bearer $master"; }
