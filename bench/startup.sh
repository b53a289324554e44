#!/usr/bin/env bash
# Start-up time and idle memory of the release binary: the time from exec until
# /health/readiness answers 200, on a fresh database and on an existing one, as the
# median of several runs; then the resident memory of the idle process.
# Usage: bench/startup.sh [RUNS]   (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
cargo build --release --quiet
bin=$PWD/target/release/proxy
work=$(mktemp -d)
export LITELLM_MASTER_KEY=sk-bench-master-key
trap 'rm -rf "$work"' EXIT

# Microseconds from exec to a 200 from /health/readiness into $elapsed; the PID in $pid.
start_once() {
  local dir=$1
  local t0 t1 url
  t0=$(date +%s%N)
  (cd "$dir" && exec "$bin" --port 0 --host 127.0.0.1 >"$dir/out" 2>"$dir/err") &
  pid=$!
  until url=$(grep -o 'http://[0-9.:]*' "$dir/out" 2>/dev/null | head -n1) && [ -n "$url" ]; do
    kill -0 "$pid" 2>/dev/null || { cat "$dir/err" >&2; exit 1; }
    sleep 0.001
  done
  until curl -sf -o /dev/null "$url/health/readiness"; do sleep 0.001; done
  t1=$(date +%s%N)
  elapsed=$(( (t1 - t0) / 1000 ))
}

median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1000}'; }

fresh=() existing=()
for i in $(seq "$runs"); do
  dir="$work/fresh$i"; mkdir -p "$dir"
  start_once "$dir"; fresh+=("$elapsed")
  kill -TERM "$pid"; wait "$pid" || true
  start_once "$dir"; existing+=("$elapsed")
  if [ "$i" -lt "$runs" ]; then kill -TERM "$pid"; wait "$pid" || true; fi
done
sleep 1
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
kill -TERM "$pid"; wait "$pid" || true

echo "start-up to ready (median of $runs, ms): fresh database $(printf '%s\n' "${fresh[@]}" | median), existing database $(printf '%s\n' "${existing[@]}" | median)"
echo "idle resident memory: $((rss / 1024)) MB ($rss kB)"
