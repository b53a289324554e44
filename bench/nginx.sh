# Sourced by the bench scripts that compare with nginx: a work directory and the processes
# started there, both removed on exit (processes by PID), free loopback ports, and nginx
# serving the instant mock upstream on $MOCK_PORT and the baseline reverse proxy in front of
# it on $BASELINE_PORT (bench/nginx.conf.template); `start_proxy` starts the proxy beside them,
# and `dialect_models` prints the models of the dialect benches.

WORK=$(mktemp -d)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

MOCK_PORT=$(free_port); BASELINE_PORT=$(free_port)
sed -e "s#@DIR@#$WORK#g" -e "s#@MOCK_PORT@#$MOCK_PORT#g" -e "s#@BASELINE_PORT@#$BASELINE_PORT#g" \
    bench/nginx.conf.template > "$WORK/nginx.conf"
nginx -c "$WORK/nginx.conf" -p "$WORK" &
PIDS+=($!)

# Starts the proxy ($BIN, from the repository) in $WORK on $PROXY_PORT with the master key
# $MASTER, and waits until it answers; its PID is then in $PROXY_PID.
start_proxy() {
    (cd "$WORK" && RUST_LOG=warn LITELLM_MASTER_KEY=$MASTER exec "$OLDPWD/$BIN" --port "$PROXY_PORT" --host 127.0.0.1 >"$WORK/proxy.log" 2>&1) &
    PROXY_PID=$!
    for _ in $(seq 100); do
        curl -sf "http://127.0.0.1:$PROXY_PORT/health/liveliness" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "proxy did not start:"; cat "$WORK/proxy.log"; exit 1
}

# The two models of the dialect benches, both on the mock upstream: an OpenAI-shaped one
# and an Anthropic-shaped one (nginx answers /v1/messages too).
dialect_models() {
    cat <<TOML
[[model_list]]
model_name = "gpt-bench"
[model_list.litellm_params]
model = "openai/bench-upstream"
api_base = "http://127.0.0.1:$MOCK_PORT/v1"
api_key = "sk-upstream"
[model_list.model_info]
input_cost_per_token = 0.00000015
output_cost_per_token = 0.0000006

[[model_list]]
model_name = "claude-bench"
[model_list.litellm_params]
model = "anthropic/bench-upstream"
api_base = "http://127.0.0.1:$MOCK_PORT"
api_key = "sk-upstream"
[model_list.model_info]
input_cost_per_token = 0.000003
output_cost_per_token = 0.000015
TOML
}
