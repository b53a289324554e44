# Sourced by the callgrind benches (relay_instructions.sh, metrics_cost.sh).

# Instructions a proxy under callgrind ran since its counters were last zeroed: asks it for
# a dump into DIR and prints the total. Usage: callgrind_total DIR PID PORT
callgrind_total() {
    local dir=$1 pid=$2 port=$3 total
    rm -f "$dir"/callgrind.out*
    callgrind_control -d "$pid" >/dev/null
    # The dump is written when the proxy next runs code: wake it, then wait for the file.
    for _ in $(seq 100); do
        curl -sf "http://127.0.0.1:$port/health/liveliness" >/dev/null 2>&1 || true
        total=$(cat "$dir"/callgrind.out* 2>/dev/null | awk '/^(summary|totals):/ {print $2; exit}')
        [ -n "$total" ] && { echo "$total"; return 0; }
        sleep 0.3
    done
    echo "no callgrind dump appeared" >&2
    exit 1
}
