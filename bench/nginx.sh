# Sourced by the bench scripts that compare with nginx: a work directory and the processes
# started there, both removed on exit (processes by PID), free loopback ports, and nginx
# serving the instant mock upstream on $MOCK_PORT and the baseline reverse proxy in front of
# it on $BASELINE_PORT (bench/nginx.conf.template).

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
