#!/usr/bin/env bash
# The floor under the proxy's speed: nginx against a bare hyper pass-through
# (examples/passthrough_floor.rs, the proxy's serving parts without any gateway work), both in
# front of the same instant mock upstream, at 32 connections, alternating. Prints requests/s
# of each, the ratio, and the pass-through's CPU per request. Compare with bench/run.sh: what
# the proxy costs above this floor is the gateway's own work (key, JSON, spend row).
# Needs: nginx, wrk, python3, and
#   cargo build --release --example passthrough_floor
# Loopback only; every process started here is stopped by PID.
# Usage: bench/floor.sh [rounds, default 3] [seconds per run, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-3}"
SECONDS_PER_RUN="${2:-5}"
FLOOR=target/release/examples/passthrough_floor
[ -x "$FLOOR" ] || { echo "build first: cargo build --release --example passthrough_floor" >&2; exit 1; }
command -v nginx >/dev/null && command -v wrk >/dev/null || { echo "install nginx and wrk" >&2; exit 1; }

source bench/nginx.sh
FLOOR_PORT=$(free_port)
PORT=$FLOOR_PORT UPSTREAM="http://127.0.0.1:$MOCK_PORT/v1/chat/completions" "$FLOOR" &
FLOOR_PID=$!
PIDS+=($FLOOR_PID)
for _ in $(seq 50); do
    curl -sf -o /dev/null -X POST "http://127.0.0.1:$FLOOR_PORT/" && break
    sleep 0.1
done

export BENCH_KEY=unused
rps() { wrk -t 2 -c 32 -d "$1" -s bench/chat.lua "$2" | awk '/Requests\/sec/ {print $2}'; }
rps 2s "http://127.0.0.1:$BASELINE_PORT/v1/chat/completions" >/dev/null
rps 2s "http://127.0.0.1:$FLOOR_PORT/v1/chat/completions" >/dev/null

ticks() { awk '{print $14 + $15}' "/proc/$FLOOR_PID/stat"; }
printf "%-8s %14s %14s %8s %16s\n" round "nginx req/s" "floor req/s" ratio "floor µs CPU/req"
for round in $(seq "$ROUNDS"); do
    nginx_rps=$(rps "${SECONDS_PER_RUN}s" "http://127.0.0.1:$BASELINE_PORT/v1/chat/completions")
    before=$(ticks)
    floor_rps=$(rps "${SECONDS_PER_RUN}s" "http://127.0.0.1:$FLOOR_PORT/v1/chat/completions")
    after=$(ticks)
    python3 - "$round" "$nginx_rps" "$floor_rps" "$before" "$after" "$SECONDS_PER_RUN" <<'PY'
import os, sys
round_, nginx, floor, before, after, seconds = sys.argv[1:]
nginx, floor = float(nginx), float(floor)
tick_us = 1e6 / os.sysconf("SC_CLK_TCK")
cpu = (int(after) - int(before)) * tick_us / (floor * float(seconds))
print(f"{round_:<8} {nginx:>14.0f} {floor:>14.0f} {100 * floor / nginx:>7.0f}% {cpu:>16.0f}")
PY
done
