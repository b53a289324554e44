#!/usr/bin/env bash
# What translation between dialects costs: the same instant mock upstream (nginx answering a
# fixed chat completion, or a fixed Anthropic message at /v1/messages) called four ways
# through the proxy — each dialect relayed to a provider of its own dialect, and each
# translated to the other — at 1 and 32 connections. Prints requests/s, p50 and p99, and
# the proxy's CPU per request at 32 connections; then what translation adds per request
# over the relay of the same client dialect (target: at most 15 µs), and what the
# Anthropic relay costs next to the OpenAI relay (target: no more).
# Needs: nginx, wrk, python3, a release build (cargo build --release). Loopback only;
# every process started here is stopped by PID.
# Usage: bench/dialects.sh [seconds per run, default 8]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN="${1:-8}"
BIN=target/release/proxy
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 1; }
command -v nginx >/dev/null && command -v wrk >/dev/null || { echo "install nginx and wrk" >&2; exit 1; }

source bench/nginx.sh
PROXY_PORT=$(free_port)
MASTER=sk-bench-master-key-0123456789
dialect_models > "$WORK/proxy.toml"

start_proxy
PIDS+=($PROXY_PID)
BENCH_KEY=$(curl -sf -H "Authorization: Bearer $MASTER" -H 'Content-Type: application/json' \
    -d '{"max_budget": 100000, "rpm_limit": 100000000}' "http://127.0.0.1:$PROXY_PORT/key/generate" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["key"])')
export BENCH_KEY

# One run: "rps p50_ms p99_ms cpu_us_per_request" for a dialect, a model and connections.
measure() {
    local dialect=$1 model=$2 connections=$3 path=chat/completions
    [ "$dialect" = messages ] && path=messages
    local before after
    before=$(awk '{print $14 + $15}' "/proc/$PROXY_PID/stat")
    BENCH_DIALECT=$dialect BENCH_MODEL=$model wrk -t "$(( connections < 2 ? 1 : 2 ))" -c "$connections" \
        -d "${SECONDS_PER_RUN}s" --latency -s bench/dialect.lua "http://127.0.0.1:$PROXY_PORT/v1/$path" > "$WORK/wrk.txt"
    after=$(awk '{print $14 + $15}' "/proc/$PROXY_PID/stat")
    python3 - "$WORK/wrk.txt" "$before" "$after" "$SECONDS_PER_RUN" <<'PY'
import os, re, sys
text = open(sys.argv[1]).read()
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
if errors:
    sys.exit(f"{errors.group(1)} failed requests:\n{text}")
def ms(label):
    m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
ticks = int(sys.argv[3]) - int(sys.argv[2])
cpu_us = ticks * 1e6 / os.sysconf("SC_CLK_TCK") / (rps * float(sys.argv[4]))
print(f"{rps:.0f} {ms(50):.3f} {ms(99):.3f} {cpu_us:.1f}")
PY
}

PATHS=("chat gpt-bench OpenAI-relay" "messages claude-bench Anthropic-relay"
       "messages gpt-bench Anthropic-to-OpenAI" "chat claude-bench OpenAI-to-Anthropic")
for entry in "${PATHS[@]}"; do
    read -r dialect model _ <<<"$entry"
    measure "$dialect" "$model" 4 >/dev/null  # warm-up
done
printf "%-26s %6s %10s %8s %8s %12s\n" "path" "conns" "requests/s" "p50 ms" "p99 ms" "CPU µs/req"
declare -A CPU
for connections in 1 32; do
    for entry in "${PATHS[@]}"; do
        read -r dialect model name <<<"$entry"
        read -r rps p50 p99 cpu <<<"$(measure "$dialect" "$model" "$connections")"
        printf "%-26s %6s %10s %8s %8s %12s\n" "$name" "$connections" "$rps" "$p50" "$p99" "$cpu"
        [ "$connections" = 32 ] && CPU[$name]=$cpu
    done
done
python3 - "${CPU[OpenAI-relay]}" "${CPU[Anthropic-relay]}" "${CPU[Anthropic-to-OpenAI]}" "${CPU[OpenAI-to-Anthropic]}" <<'PY'
import sys
openai, anthropic, a2o, o2a = map(float, sys.argv[1:])
print(f"translation adds, at 32 connections: Anthropic->OpenAI {a2o - anthropic:+.1f} µs over the Anthropic relay, "
      f"OpenAI->Anthropic {o2a - openai:+.1f} µs over the OpenAI relay (target <= 15)")
print(f"Anthropic relay vs OpenAI relay: {anthropic - openai:+.1f} µs per request (target <= 0)")
PY
