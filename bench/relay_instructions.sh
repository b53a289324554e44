#!/usr/bin/env bash
# What one relayed request costs the proxy in CPU instructions, per client dialect: the
# release binary runs under callgrind (which counts instructions, not time, so the answer
# does not depend on what else the machine is doing), nginx answers as the instant mock
# upstream, and one keep-alive client sends N chat completions relayed to an OpenAI-shaped
# upstream, then N Anthropic messages relayed to an Anthropic-shaped one. Counters are
# zeroed after a warm-up of each kind, so start-up is left out. Prints instructions per
# request for each relay and their difference (target: the Anthropic relay costs no more
# than the OpenAI relay).
# Needs: nginx, valgrind, python3, a release build. Loopback only; every process started
# here is stopped by PID.
# Usage: bench/relay_instructions.sh [requests per dialect, default 400]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-400}"
BIN=target/release/proxy
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 1; }
command -v nginx >/dev/null && command -v valgrind >/dev/null || { echo "install nginx and valgrind" >&2; exit 1; }

source bench/nginx.sh
source bench/callgrind.sh
PROXY_PORT=$(free_port)
MASTER=sk-bench-master-key-0123456789
dialect_models > "$WORK/proxy.toml"

(cd "$WORK" && RUST_LOG=warn LITELLM_MASTER_KEY=$MASTER exec valgrind --tool=callgrind --instr-atstart=no \
    --callgrind-out-file="$WORK/callgrind.out" "$OLDPWD/$BIN" --port "$PROXY_PORT" --host 127.0.0.1 \
    >"$WORK/proxy.log" 2>&1) &
PROXY_PID=$!
PIDS+=($PROXY_PID)
for _ in $(seq 600); do
    curl -sf "http://127.0.0.1:$PROXY_PORT/health/liveliness" >/dev/null 2>&1 && break
    sleep 0.2
done
KEY=$(curl -sf -H "Authorization: Bearer $MASTER" -H 'Content-Type: application/json' \
    -d '{"max_budget": 100000}' "http://127.0.0.1:$PROXY_PORT/key/generate" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["key"])')

# Sends $2 requests of dialect $1 over one keep-alive connection; fails on any non-200.
send() {
    python3 - "$PROXY_PORT" "$KEY" "$1" "$2" <<'PY'
import http.client, json, sys
port, key, dialect, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
if dialect == "chat":
    path, body = "/v1/chat/completions", {"model": "gpt-bench", "messages": [{"role": "user", "content": "hi"}]}
else:
    path, body = "/v1/messages", {"model": "claude-bench", "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}
headers = {"authorization": f"Bearer {key}", "content-type": "application/json", "anthropic-version": "2023-06-01"}
connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=60)
payload = json.dumps(body)
for _ in range(count):
    connection.request("POST", path, payload, headers)
    answer = connection.getresponse()
    text = answer.read()
    if answer.status != 200:
        sys.exit(f"{dialect}: status {answer.status}: {text[:300]!r}")
PY
}

# Instructions counted since the last zeroing, from a fresh dump.
counted() { callgrind_total "$WORK" "$PROXY_PID" "$PROXY_PORT"; }

declare -A PER_REQUEST HANDLING
for dialect in chat messages; do
    send "$dialect" 50
    callgrind_control -z "$PROXY_PID" >/dev/null
    callgrind_control -i on "$PROXY_PID" >/dev/null
    send "$dialect" "$N"
    sleep 1 # the ledger's commit of the last rows
    total=$(counted)
    callgrind_control -i off "$PROXY_PID" >/dev/null
    PER_REQUEST[$dialect]=$((total / N))
    # The request's own handling (everything under the gateway's handler, the spend commit
    # it waits for included), without the journal folds and checkpoints that run beside it
    # and batch differently from run to run.
    cat "$WORK"/callgrind.out* > "$WORK/dump.$dialect"
    handling=$(callgrind_annotate --inclusive=yes "$WORK/dump.$dialect" 2>/dev/null |
        awk '/gateway::flow::handle_on::\{\{closure\}\}/ && !found {gsub(",", "", $1); print $1; found = 1}')
    HANDLING[$dialect]=$(( ${handling:-0} / N ))
    # CALLGRIND_KEEP=DIR keeps each dump for callgrind_annotate (where the difference goes).
    if [ -n "${CALLGRIND_KEEP:-}" ]; then
        mkdir -p "$CALLGRIND_KEEP" && cp "$WORK/dump.$dialect" "$CALLGRIND_KEEP/$dialect.callgrind"
    fi
done
printf '%-18s %22s %22s\n' relay "request handling/request" "all work/request"
printf '%-18s %22s %22s\n' OpenAI "${HANDLING[chat]}" "${PER_REQUEST[chat]}" Anthropic "${HANDLING[messages]}" "${PER_REQUEST[messages]}"
difference=$(( HANDLING[messages] - HANDLING[chat] ))
printf 'request handling, Anthropic relay minus OpenAI relay: %d instructions per request (%s)\n' "$difference" \
    "$([ "$difference" -le 0 ] && echo "target met: no more" || echo "target missed")"
