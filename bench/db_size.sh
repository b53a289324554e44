#!/usr/bin/env bash
# Database bytes per logged request: N chat completions through the real binary (a virtual
# key with a budget, spend logging on) against a small mock upstream, then the proxy is
# stopped (its WAL checkpointed), the file VACUUMed and its growth divided by N. Prints
# the bytes per table (when sqlite3 has dbstat). Then, with
# `maximum_spend_logs_retention_period = "1s"`, N more requests while retention prunes:
# the file must not grow (freed pages are reused).
# Usage: bench/db_size.sh [N, default 20000]   (needs python3 and sqlite3; builds the
# release binary unless PROXY_BIN names one). Loopback only; every process started here
# is stopped by its PID.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20000}
if [ -z "${PROXY_BIN:-}" ]; then cargo build --release --quiet; fi
BIN=${PROXY_BIN:-$PWD/target/release/proxy}
WORK=$(mktemp -d)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
MOCK_PORT=$(free_port)
PROXY_PORT=$(free_port)
MASTER=sk-bench-master-key-0123456789

# The mock upstream: the fixed answer of bench/nginx.conf.template, HTTP/1.1 keep-alive.
python3 - "$MOCK_PORT" <<'PY' &
import http.server, sys
BODY = b'{"id":"chatcmpl-bench","object":"chat.completion","created":1,"model":"bench-upstream","choices":[{"index":0,"message":{"role":"assistant","content":"Hello."},"finish_reason":"stop"}],"usage":{"prompt_tokens":14,"completion_tokens":2,"total_tokens":16}}'
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
PY
PIDS+=($!)

write_config() { # [retention period]
    {
        echo '[server]'
        echo 'log_format = "json"'
        if [ -n "${1:-}" ]; then
            printf '[general_settings]\nmaximum_spend_logs_retention_period = "%s"\nmaximum_spend_logs_retention_interval = "1s"\n' "$1"
        fi
        cat <<TOML
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
    } > "$WORK/proxy.toml"
}

start_proxy() {
    (cd "$WORK" && RUST_LOG=info LITELLM_MASTER_KEY=$MASTER exec "$BIN" --port "$PROXY_PORT" --host 127.0.0.1 >>"$WORK/proxy.log" 2>&1) &
    PROXY_PID=$!
    for _ in $(seq 100); do
        curl -sf "http://127.0.0.1:$PROXY_PORT/health/liveliness" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "proxy did not start:"; cat "$WORK/proxy.log"; exit 1
}
# SIGTERM: the proxy folds its spend journal and checkpoints the WAL into the .db.
stop_proxy() { kill "$PROXY_PID"; wait "$PROXY_PID" 2>/dev/null || true; }

bytes() { stat -c %s "$WORK/proxy.db"; }
vacuumed_bytes() { sqlite3 "$WORK/proxy.db" 'VACUUM'; bytes; }

# N requests from 8 keep-alive connections; stops at the first failure.
send() {
    python3 - "$PROXY_PORT" "$BENCH_KEY" "$1" <<'PY'
import http.client, json, sys, threading
port, key, total = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
body = json.dumps({"model": "bench-model", "messages": [{"role": "user", "content": "Say hello in one word."}], "max_tokens": 16})
headers = {"content-type": "application/json", "authorization": f"Bearer {key}"}
failed = []
def worker(count):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    for _ in range(count):
        conn.request("POST", "/v1/chat/completions", body, headers)
        response = conn.getresponse()
        answer = response.read()
        if response.status != 200:
            failed.append(f"{response.status} {answer[:200]!r}")
            return
threads = [threading.Thread(target=worker, args=(total // 8 + (1 if i < total % 8 else 0),)) for i in range(8)]
for t in threads: t.start()
for t in threads: t.join()
if failed:
    sys.exit(f"request failed: {failed[0]}")
PY
}

# A first start creates the database; the key is written while the proxy is stopped.
write_config
start_proxy
stop_proxy
BENCH_KEY=sk-bench-$(python3 -c 'import secrets; print(secrets.token_hex(16))')
python3 - "$WORK/proxy.db" "$BENCH_KEY" <<'PY'
import hashlib, sqlite3, sys
db, key = sys.argv[1], sys.argv[2]
now = "2026-01-01T00:00:00.000000Z"
conn = sqlite3.connect(db)
conn.execute("INSERT INTO users (user_id, user_role, max_budget, created_at, updated_at) VALUES ('bench-user', 'internal_user', 1000.0, ?, ?)", (now, now))
conn.execute("INSERT INTO keys (token, key_name, user_id, max_budget, created_at, updated_at) VALUES (?, 'sk-...bench', 'bench-user', 1000.0, ?, ?)",
             (hashlib.sha256(key.encode()).hexdigest(), now, now))
conn.commit()
PY
EMPTY=$(vacuumed_bytes)

start_proxy
send "$N"
stop_proxy
LOGGED=$(sqlite3 "$WORK/proxy.db" 'SELECT count(*) FROM spend_logs')
[ "$LOGGED" -eq "$N" ] || { echo "expected $N spend rows, found $LOGGED" >&2; exit 1; }
FULL=$(vacuumed_bytes)
echo "database: $EMPTY bytes empty, $FULL bytes after $N logged requests (VACUUMed)"
echo "bytes per logged request: $(( (FULL - EMPTY) / N ))"
if sqlite3 "$WORK/proxy.db" 'SELECT 1 FROM dbstat LIMIT 1' >/dev/null 2>&1; then
    echo "bytes per logged request, by table and index:"
    sqlite3 -separator ' ' "$WORK/proxy.db" \
        "SELECT printf('  %-28s %6d', name, sum(pgsize) / $N) FROM dbstat GROUP BY name HAVING sum(pgsize) > $N ORDER BY sum(pgsize) DESC"
fi

# Steady state: retention of 1 s deletes what the next requests would otherwise add to.
write_config 1s
start_proxy
send "$N"
stop_proxy
PRUNED=$(python3 -c '
import json, sys
total = 0
for line in open(sys.argv[1]):
    try: fields = json.loads(line)["fields"]
    except (ValueError, KeyError, TypeError): continue
    if fields.get("message") == "spend-log retention: deleted old spend-log rows":
        total += fields["rows"]
print(total)' "$WORK/proxy.log")
echo "with maximum_spend_logs_retention_period = \"1s\": $N more requests, $PRUNED rows pruned, file $(bytes) bytes (was $FULL): freed pages are reused"
