#!/usr/bin/env bash
# The gateway's speed against a plain reverse proxy (nginx), both in front of the same
# instant mock upstream (nginx answering a fixed chat completion), driven by wrk at 1 and
# 32 connections with a virtual key that has a budget, spend logging on. Prints requests/s,
# p50 and p99 of each and their ratios to nginx's, the proxy's CPU per request, its memory
# as logged requests pass 100,000, 250,000, 500,000 and BENCH_REQUESTS (default 1,000,000),
# the database bytes per logged request after a checkpoint, and a /metrics scrape
# (requests counted against requests logged, the scrape's size and time).
# Needs: nginx, wrk (Debian: apt-get install nginx wrk), python3, a release build
# (cargo build --release). Loopback only; every process started here is stopped by PID.
# Usage: bench/run.sh [seconds per run, default 10]   (BENCH_REQUESTS=N: top up to N logged
# requests before the last memory reading; at most 40 more runs of 5 s)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN="${1:-10}"
BIN=target/release/proxy
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 1; }
command -v nginx >/dev/null && command -v wrk >/dev/null || { echo "install nginx and wrk" >&2; exit 1; }

source bench/nginx.sh
trap 'echo "--- proxy log:"; tail -5 "$WORK/proxy.log" 2>/dev/null' ERR
PROXY_PORT=$(free_port)

MASTER=sk-bench-master-key-0123456789
cat > "$WORK/proxy.toml" <<TOML
[[model_list]]
model_name = "bench-model"
[model_list.litellm_params]
model = "openai/bench-upstream"
api_base = "http://127.0.0.1:$MOCK_PORT/v1"
api_key = "sk-upstream"
[model_list.model_info]
input_cost_per_token = 0.00000015
output_cost_per_token = 0.0000006
TOML

# A first start creates the database; the virtual key (budget 1000 USD) is then written
# into it while the proxy is stopped (the proxy loads its tables at start).
start_proxy
kill "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null || true
BENCH_KEY=sk-bench-$(python3 -c 'import secrets; print(secrets.token_hex(16))')
python3 - "$WORK/proxy.db" "$BENCH_KEY" <<'PY'
import hashlib, sqlite3, sys
db, key = sys.argv[1], sys.argv[2]
now = "2026-01-01T00:00:00.000000Z"
conn = sqlite3.connect(db)
conn.execute("INSERT INTO users (user_id, user_role, max_budget, created_at, updated_at) VALUES ('bench-user', 'internal_user', 1000.0, ?, ?)", (now, now))
conn.execute("INSERT INTO keys (token, key_name, user_id, max_budget, rpm_limit, created_at, updated_at) VALUES (?, 'sk-...bench', 'bench-user', 1000.0, 100000000, ?, ?)",
             (hashlib.sha256(key.encode()).hexdigest(), now, now))
conn.commit()
PY
start_proxy
PIDS+=($PROXY_PID)
export BENCH_KEY

# wrk's --latency output -> "rps p50_ms p99_ms"
measure() {
    local url=$1 connections=$2
    wrk -t "$(( connections < 2 ? 1 : 2 ))" -c "$connections" -d "${SECONDS_PER_RUN}s" --latency -s bench/chat.lua "$url" > "$WORK/wrk.txt"
    python3 - "$WORK/wrk.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(label):
    m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
if errors:
    sys.exit(f"{errors.group(1)} failed requests:\n{text}")
print(f"{rps:.0f} {ms(50):.3f} {ms(99):.3f}")
PY
}

# Warm both paths (connections, caches) before measuring.
wrk -t 1 -c 4 -d 2s -s bench/chat.lua "http://127.0.0.1:$BASELINE_PORT/v1/chat/completions" >/dev/null
wrk -t 1 -c 4 -d 2s -s bench/chat.lua "http://127.0.0.1:$PROXY_PORT/v1/chat/completions" >/dev/null

# CPU ticks (user, system) of each proxy thread, by thread name.
thread_cpu() {
    for task in /proc/"$PROXY_PID"/task/*; do
        echo "$(cat "$task/comm") $(awk '{print $14, $15}' "$task/stat")"
    done
}

printf "%-22s %12s %10s %10s\n" "target" "requests/s" "p50 ms" "p99 ms"
declare -A RESULT
for connections in 1 32; do
    for target in baseline proxy; do
        port=$BASELINE_PORT; [ $target = proxy ] && port=$PROXY_PORT
        [ "$target-$connections" = proxy-32 ] && thread_cpu > "$WORK/cpu-before"
        RESULT[$target-$connections]=$(measure "http://127.0.0.1:$port/v1/chat/completions" "$connections")
        [ "$target-$connections" = proxy-32 ] && thread_cpu > "$WORK/cpu-after"
        read -r rps p50 p99 <<<"${RESULT[$target-$connections]}"
        printf "%-22s %12s %10s %10s\n" "$target ($connections conn)" "$rps" "$p50" "$p99"
    done
done
python3 - "${RESULT[baseline-1]}" "${RESULT[proxy-1]}" "${RESULT[baseline-32]}" "${RESULT[proxy-32]}" <<'PY'
import sys
b1, p1, b32, p32 = ([float(x) for x in a.split()] for a in sys.argv[1:])
print(f"throughput at 32 connections: {100 * p32[0] / b32[0]:.0f}% of nginx's (target >= 50%)")
print(f"p50 at 1 connection: {p1[1]:.3f} ms, {p1[1] / b1[1]:.1f}x nginx's; added {p1[1] - b1[1]:.3f} ms (target < 0.2 ms)")
print(f"p99 at 1 connection: {p1[2]:.3f} ms, {p1[2] / b1[2]:.1f}x nginx's (targets <= 0.6 ms and <= 4x)")
print(f"p50 at 32 connections: {p32[1]:.3f} ms, {p32[1] / b32[1]:.1f}x nginx's")
print(f"p99 at 32 connections: {p32[2]:.3f} ms, {p32[2] / b32[2]:.1f}x nginx's (target <= 5 ms)")
PY
# Where the proxy's CPU went during the 32-connection run, per request and thread group.
python3 - "$WORK/cpu-before" "$WORK/cpu-after" "${RESULT[proxy-32]}" "$SECONDS_PER_RUN" <<'PY'
import collections, os, sys
tick_us = 1e6 / os.sysconf("SC_CLK_TCK")
def load(path):
    sums = collections.Counter()
    for line in open(path):
        name, user, system = line.rsplit(maxsplit=2)
        group = name.rstrip("0123456789").rstrip("-")
        sums[group, "user"] += int(user)
        sums[group, "system"] += int(system)
    return sums
before, after = load(sys.argv[1]), load(sys.argv[2])
requests = float(sys.argv[3].split()[0]) * float(sys.argv[4])
groups = sorted({g for g, _ in after})
parts = []
for group in groups:
    user = (after[group, "user"] - before[group, "user"]) * tick_us / requests
    system = (after[group, "system"] - before[group, "system"]) * tick_us / requests
    if user + system >= 0.5:
        parts.append(f"{group} {user + system:.0f} ({system:.0f} in the kernel)")
total = sum((after[g, k] - before[g, k]) for g in groups for k in ("user", "system")) * tick_us / requests
print(f"proxy CPU per request at 32 connections: {total:.0f} µs (target <= 40); by thread, µs: " + ", ".join(parts))
PY
logged() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from spend_logs').fetchone()[0])" "$WORK/proxy.db"; }
rss_mb() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$PROXY_PID/status"; }
# Memory as the logged requests pass each mark (at most 40 more runs of 5 s in all).
TOP_UPS=40
for mark in 100000 250000 500000 "${BENCH_REQUESTS:-1000000}"; do
    while [ "$(logged)" -lt "$mark" ] && [ "$TOP_UPS" -gt 0 ]; do
        wrk -t 2 -c 32 -d 5s -s bench/chat.lua "http://127.0.0.1:$PROXY_PORT/v1/chat/completions" >/dev/null
        TOP_UPS=$((TOP_UPS - 1))
    done
    echo "proxy memory (RSS) after $(logged) logged requests: $(rss_mb) MB (target <= 50 MB at 1,000,000)"
done
# Bytes on disk per logged request, after a checkpoint: the spend rows, their indexes and
# names (dbstat), and the whole file.
python3 - "$WORK/proxy.db" <<'PY'
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
rows = conn.execute("SELECT count(*) FROM spend_rows").fetchone()[0]
names = ("spend_rows", "spend_names")
tables = conn.execute("SELECT name FROM sqlite_master WHERE tbl_name IN (?, ?)", names).fetchall()
spend = sum(conn.execute("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = ?", t).fetchone()[0] for t in tables)
pages, free, size = (conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_count", "freelist_count", "page_size"))
print(f"database bytes per logged request: {spend / rows:.0f} in spend rows and their indexes (target <= 250); "
      f"file {pages * size / rows:.0f} ({free} free pages)")
PY
# One scrape of /metrics after the runs: every request is counted (warm-up runs included,
# as in the spend log), and what a scrape costs.
SCRAPE_START=$(date +%s%N)
curl -sf -H "Authorization: Bearer $MASTER" "http://127.0.0.1:$PROXY_PORT/metrics" > "$WORK/metrics.txt"
SCRAPE_MS=$(( ($(date +%s%N) - SCRAPE_START) / 1000000 ))
COUNTED=$(awk '/^litellm_proxy_total_requests_metric_total/ {s += $NF} END {printf "%d", s}' "$WORK/metrics.txt")
echo "/metrics: $COUNTED requests counted, $(logged) logged; a scrape of $(wc -c < "$WORK/metrics.txt") bytes took $SCRAPE_MS ms"
