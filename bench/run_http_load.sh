#!/usr/bin/env bash
# Durable mobile-API submissions against the real daemon, next to a bare Beast "200 OK"
# ceiling measured in the same run (bench/http_load.cpp).
#
#   bench/run_http_load.sh [PATH/TO/lapor-gateway] [http_load options, e.g. --seconds 10 --connections 64]
#
# The daemon binary is the first argument or $LAPOR_GATEWAY_BIN; http_load is $HTTP_LOAD_BIN
# or found beside it in the build tree (bench/http_load). Starts the daemon on ephemeral ports
# in a temporary data_dir (mobile.api_keys holds a fresh key, the per-IP rate limit is off,
# the dispatcher is the default JSON-lines file sink), runs the load, prints the figures and
# the daemon's commit statistics, stops the daemon with SIGTERM and removes the folder.
# LAPOR_PERF=1 samples the daemon with `perf record` (software clock) and prints its top
# symbols, self and with children; LAPOR_PERF_CALLGRAPH=dwarf (default fp) and
# LAPOR_PERF_FREQ (default 499) as in run_smpp_load.sh. LAPOR_SET="key=value ..." passes
# --set overrides to the daemon (e.g. "store.pipelined_sync=false"), as in run_smpp_load.sh.
set -euo pipefail

bin="${LAPOR_GATEWAY_BIN:-}"
if [[ $# -gt 0 && "$1" != --* ]]; then bin="$1"; shift; fi
if [[ -z "$bin" || ! -x "$bin" ]]; then
  echo "usage: $0 PATH/TO/lapor-gateway [http_load options]   (or set LAPOR_GATEWAY_BIN)" >&2
  exit 2
fi
build="$(cd "$(dirname "$bin")" && pwd)"
load="${HTTP_LOAD_BIN:-}"
for guess in "$build/bench/http_load" "$build/../bench/http_load" "$build/http_load"; do
  [[ -z "$load" && -x "$guess" ]] && load="$guess"
done
if [[ -z "$load" || ! -x "$load" ]]; then
  echo "http_load not found beside $bin; build it (ninja http_load) or set HTTP_LOAD_BIN" >&2
  exit 2
fi

dir="$(mktemp -d "${TMPDIR:-/tmp}/lapor-http-load.XXXXXX")"
pid=""
cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

secret="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
# shellcheck source=bench/bench_config.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_config.sh"
bench_config "$dir/data" "[mobile]
api_keys = [{key_id = \"bench\", secret = \"$secret\"}]" > "$dir/bench.toml"

sets=()
for kv in ${LAPOR_SET:-}; do sets+=(--set "$kv"); done
"$bin" --config "$dir/bench.toml" "${sets[@]}" 2> "$dir/daemon.log" &
pid=$!
for _ in $(seq 1 200); do
  [[ -s "$dir/data/ports.json" ]] && break
  kill -0 "$pid" 2>/dev/null || { echo "the daemon exited:" >&2; tail -20 "$dir/daemon.log" >&2; exit 1; }
  sleep 0.05
done
[[ -s "$dir/data/ports.json" ]] || { echo "the daemon did not write ports.json" >&2; exit 1; }
ports="$(cat "$dir/data/ports.json")"
web_port="$(sed -E 's/.*"web": *([0-9]+).*/\1/' <<<"$ports")"
admin_port="$(sed -E 's/.*"admin": *([0-9]+).*/\1/' <<<"$ports")"

echo "daemon: $bin (pid $pid), web 127.0.0.1:$web_port, data in $dir/data"
perf_pid=""
if [[ "${LAPOR_PERF:-0}" == 1 ]] && command -v perf >/dev/null; then
  perf record -e cpu-clock -F "${LAPOR_PERF_FREQ:-499}" --call-graph "${LAPOR_PERF_CALLGRAPH:-fp}" -p "$pid" \
    -o "$dir/perf.data" >/dev/null 2>"$dir/perf.log" &
  perf_pid=$!
fi
status=0
"$load" --target "127.0.0.1:$web_port" --key-id bench --secret "$secret" --daemon-pid "$pid" "$@" || status=$?

if [[ -n "$perf_pid" ]]; then
  kill -INT "$perf_pid" 2>/dev/null || true
  wait "$perf_pid" 2>/dev/null || true
  echo "daemon profile (perf, self time by symbol, top 30):"
  perf report -i "$dir/perf.data" --stdio --no-children --sort dso,symbol 2>/dev/null |
    grep -E '^ +[0-9.]+%' | sed -E 's/[ -]+$//; s/ {3,}/  /g' | cut -c1-160 | head -30 || true
  echo "daemon profile (perf, with children, lapor:: symbols, top 40):"
  perf report -i "$dir/perf.data" --stdio --children --sort symbol 2>/dev/null |
    grep -E '^ +[0-9.]+%' | grep 'lapor::' | sed -E 's/[ -]+$//; s/ {3,}/  /g' | cut -c1-160 | head -40 || true
fi
metrics="$(curl -sS --max-time 10 "http://127.0.0.1:$admin_port/metrics" || true)"
echo "daemon metrics after the run:"
grep -E '^lapor_(received_total|rejected_total)\{channel="mobile"\}|^lapor_commit_(groups|rows)|^lapor_commit_latency_seconds_(sum|count)' \
  <<<"$metrics" | sed 's/^/  /' || true
exit "$status"
