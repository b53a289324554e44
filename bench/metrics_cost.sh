#!/usr/bin/env bash
# What counting a request for /metrics costs: the same proxy with metrics on and with
# `general_settings.disable_metrics = true`, relaying chat completions to nginx's instant
# mock upstream with a virtual key (a budget, spend logging on).
#  1. Instructions per request, under callgrind (it counts instructions, not time, so the
#     answer does not depend on what else the machine does): one keep-alive client sends N
#     requests to each, counters zeroed after a warm-up. Whole requests differ from run to
#     run by more than the metrics cost (how the spend writer batches rows), so the cost is
#     read where a request is counted: the instructions of `count_answer` and all it calls,
#     with metrics on minus off (the rest of it, the alert watch, is in both).
#  2. µs of CPU per request at 32 connections (wrk, ROUNDS alternating runs of each, the
#     proxy's user+system ticks from /proc over wrk's request count), nginx's reverse proxy
#     measured beside them as the baseline. Wall-clock numbers on a shared machine are
#     noisy: trust part 1 for the comparison.
# Needs: nginx, wrk, valgrind, python3, a release build (cargo build --release). Loopback
# only; every process started here is stopped by PID.
# Usage: bench/metrics_cost.sh [requests under callgrind, default 1000] [rounds, default 3]
#        [seconds per wrk run, default 5]      (SKIP_CALLGRIND=1 or SKIP_WRK=1 to skip a part)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000}"
ROUNDS="${2:-3}"
SECONDS_PER_RUN="${3:-5}"
BIN=target/release/proxy
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 1; }
for tool in nginx wrk valgrind callgrind_control python3; do
    command -v "$tool" >/dev/null || { echo "install $tool (apt-get install nginx wrk valgrind)" >&2; exit 1; }
done

source bench/nginx.sh
source bench/callgrind.sh
MASTER=sk-bench-master-key-0123456789
MODEL='[[model_list]]
model_name = "bench-model"
[model_list.litellm_params]
model = "openai/bench-upstream"
api_base = "http://127.0.0.1:'$MOCK_PORT'/v1"
api_key = "sk-upstream"
[model_list.model_info]
input_cost_per_token = 0.00000015
output_cost_per_token = 0.0000006'

# Starts the proxy in $WORK/$1 (metrics `on` or `off`), under `$2` (a wrapper such as
# valgrind, or nothing); sets PID[$1], PORT[$1] and KEY[$1] (a new virtual key).
declare -A PID PORT KEY
start() {
    local mode=$1 dir="$WORK/$1"
    shift
    mkdir -p "$dir"
    { [ "$mode" = off ] && printf '[general_settings]\ndisable_metrics = true\n\n'; echo "$MODEL"; } > "$dir/proxy.toml"
    PORT[$mode]=$(free_port)
    (cd "$dir" && RUST_LOG=warn LITELLM_MASTER_KEY=$MASTER exec "$@" "$OLDPWD/$BIN" --port "${PORT[$mode]}" \
        --host 127.0.0.1 >"$dir/proxy.log" 2>&1) &
    PID[$mode]=$!
    PIDS+=("${PID[$mode]}")
    for _ in $(seq 600); do
        curl -sf "http://127.0.0.1:${PORT[$mode]}/health/liveliness" >/dev/null 2>&1 && break
        sleep 0.2
    done
    KEY[$mode]=$(curl -sf -H "Authorization: Bearer $MASTER" -H 'Content-Type: application/json' \
        -d '{"max_budget": 100000}' "http://127.0.0.1:${PORT[$mode]}/key/generate" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["key"])')
}

stop() {
    kill "${PID[$1]}" 2>/dev/null || true
    wait "${PID[$1]}" 2>/dev/null || true
}

# Sends $2 chat completions to proxy $1 over one keep-alive connection; fails on a non-200.
send() {
    python3 - "${PORT[$1]}" "${KEY[$1]}" "$2" <<'PY'
import http.client, json, sys
port, key, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
body = json.dumps({"model": "bench-model", "messages": [{"role": "user", "content": "Say hello in one word."}], "max_tokens": 16})
headers = {"authorization": f"Bearer {key}", "content-type": "application/json"}
connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
for _ in range(count):
    connection.request("POST", "/v1/chat/completions", body, headers)
    answer = connection.getresponse()
    text = answer.read()
    if answer.status != 200:
        sys.exit(f"status {answer.status}: {text[:300]!r}")
PY
}

# Instructions proxy $1 ran since its counters were zeroed, from a fresh dump.
counted() { callgrind_total "$WORK/$1" "${PID[$1]}" "${PORT[$1]}"; }

if [ -z "${SKIP_CALLGRIND:-}" ]; then
    declare -A INSTRUCTIONS COUNTING
    for mode in on off; do
        start "$mode" valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$WORK/$mode/callgrind.out"
        send "$mode" 100
        callgrind_control -z "${PID[$mode]}" >/dev/null
        callgrind_control -i on "${PID[$mode]}" >/dev/null
        send "$mode" "$N"
        sleep 1 # the ledger's commit of the last rows
        INSTRUCTIONS[$mode]=$(( $(counted "$mode") / N ))
        counting=$(callgrind_annotate --inclusive=yes --threshold=100 "$WORK/$mode"/callgrind.out* 2>/dev/null |
            awk '/Ctx>::count_answer / && !found {gsub(",", "", $1); print $1; found = 1}')
        COUNTING[$mode]=$(( ${counting:-0} / N ))
        # CALLGRIND_KEEP=DIR keeps each dump for callgrind_annotate (where the cost goes).
        if [ -n "${CALLGRIND_KEEP:-}" ]; then
            mkdir -p "$CALLGRIND_KEEP" && cat "$WORK/$mode"/callgrind.out* > "$CALLGRIND_KEEP/metrics-$mode.callgrind"
        fi
        stop "$mode"
    done
    printf '%-8s %22s %30s\n' metrics "instructions/request" "in count_answer/request"
    printf '%-8s %22s %30s\n' on "${INSTRUCTIONS[on]}" "${COUNTING[on]}" off "${INSTRUCTIONS[off]}" "${COUNTING[off]}"
    echo "counting for /metrics: $(( COUNTING[on] - COUNTING[off] )) instructions per request" \
        "(whole requests differ by $(( INSTRUCTIONS[on] - INSTRUCTIONS[off] )), mostly the spend writer's batching)"
fi

[ -n "${SKIP_WRK:-}" ] && exit 0
start on
start off
# wrk's output -> "requests requests_per_second"; fails on any error answer.
load() {
    BENCH_KEY=$2 wrk -t 2 -c 32 -d "$3" -s bench/chat.lua "$1" > "$WORK/wrk.txt"
    if grep -q "Non-2xx" "$WORK/wrk.txt"; then cat "$WORK/wrk.txt" >&2; exit 1; fi
    awk '/requests in/ {n = $1} /Requests\/sec/ {r = $2} END {print n, r}' "$WORK/wrk.txt"
}
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
URL=/v1/chat/completions
for mode in on off; do load "http://127.0.0.1:${PORT[$mode]}$URL" "${KEY[$mode]}" 2s >/dev/null; done
load "http://127.0.0.1:$BASELINE_PORT$URL" unused 2s >/dev/null
TICK_US=$(python3 -c 'import os; print(1e6 / os.sysconf("SC_CLK_TCK"))')
printf '%-6s %12s %12s %20s %12s %20s\n' round "nginx req/s" "on req/s" "on µs CPU/request" "off req/s" "off µs CPU/request"
: > "$WORK/cpu.txt"
for round in $(seq "$ROUNDS"); do
    read -r _ nginx_rps <<<"$(load "http://127.0.0.1:$BASELINE_PORT$URL" unused "${SECONDS_PER_RUN}s")"
    line="$round $nginx_rps"
    for mode in on off; do
        before=$(ticks "${PID[$mode]}")
        read -r requests rps <<<"$(load "http://127.0.0.1:${PORT[$mode]}$URL" "${KEY[$mode]}" "${SECONDS_PER_RUN}s")"
        after=$(ticks "${PID[$mode]}")
        cpu=$(python3 -c "print(f'{($after - $before) * $TICK_US / $requests:.1f}')")
        line="$line $rps $cpu"
    done
    echo "$line" >> "$WORK/cpu.txt"
    # shellcheck disable=SC2086
    printf '%-6s %12s %12s %20s %12s %20s\n' $line
done
python3 - "$WORK/cpu.txt" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
on = statistics.median(float(r[3]) for r in rows)
off = statistics.median(float(r[5]) for r in rows)
paired = statistics.median(float(r[3]) - float(r[5]) for r in rows)
print(f"median CPU per request at 32 connections: on {on:.1f} µs, off {off:.1f} µs; counting for /metrics: "
      f"{paired:+.1f} µs as the median of each round's difference (target <= 2; wall-clock, noisy on a shared machine)")
PY
