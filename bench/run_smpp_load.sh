#!/usr/bin/env bash
# Starts lapor-gateway on ephemeral ports in a temporary data_dir with one SMPP account,
# runs smpp_load against it (4 binds x window 50 for 10 s by default), prints the result and
# the daemon's own counters, stops the daemon and removes the data_dir. Builds nothing.
#
#   bench/run_smpp_load.sh [PATH/TO/lapor-gateway] [smpp_load options...]
#
#   lapor-gateway   default $LAPOR_GATEWAY_BIN
#   smpp_load       $SMPP_LOAD_BIN, else bench/smpp_load next to lapor-gateway (the build tree)
#   options         appended to the defaults (--binds 4 --window 50 --seconds 10); the last
#                   of a repeated option wins, e.g. --seconds 30 --threads 2
# Environment: LAPOR_SET="key=value ..." extra --set overrides for the daemon (e.g.
# "store.synchronous_full=false"); KEEP_DATA=1 keeps the data_dir (its path is printed);
# LAPOR_PERF=1 samples the daemon with `perf record` during the run and prints its top symbols
# (LAPOR_PERF_CALLGRAPH=dwarf LAPOR_PERF_FREQ=99 KEEP_DATA=1: call graphs through libc, for
# `perf report --children -i DATA_DIR/../perf.data`). LAPOR_PRELOAD=LIB.so is preloaded into
# the daemon only (e.g. bench/slow_fsync.c, a slow disk's fsync).
# Exit status: smpp_load's (0: every bind ran cleanly), or 3 when the daemon did not start or
# has no SMPP listener.
set -u -o pipefail

gateway="${LAPOR_GATEWAY_BIN:-}"
if [[ $# -gt 0 && "$1" != --* ]]; then gateway="$1"; shift; fi
if [[ -z "$gateway" || ! -x "$gateway" ]]; then
  echo "usage: $0 [PATH/TO/lapor-gateway] [smpp_load options...] (or set LAPOR_GATEWAY_BIN)" >&2
  exit 2
fi
load="${SMPP_LOAD_BIN:-$(dirname "$gateway")/bench/smpp_load}"
if [[ ! -x "$load" ]]; then
  echo "smpp_load not found at $load (build it: ninja smpp_load, or set SMPP_LOAD_BIN)" >&2
  exit 2
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/lapor-smpp-load.XXXXXX")"
pid=""
cleanup() {
  if [[ -n "${perf_pid:-}" ]] && kill -0 "$perf_pid" 2>/dev/null; then kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null; fi
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "daemon did not stop in 10 s after SIGTERM; killing it" >&2
      kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
  fi
  if [[ "${KEEP_DATA:-0}" == 1 ]]; then echo "data_dir kept: $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=bench/bench_config.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_config.sh"
bench_config "$tmp/data" >"$tmp/gateway.toml"

sets=()
for kv in ${LAPOR_SET:-}; do sets+=(--set "$kv"); done
mkdir -p "$tmp/data"
if [[ -n "${LAPOR_PRELOAD:-}" ]]; then
  LD_PRELOAD="$LAPOR_PRELOAD" "$gateway" --config "$tmp/gateway.toml" "${sets[@]}" >"$tmp/daemon.log" 2>&1 &
else
  "$gateway" --config "$tmp/gateway.toml" "${sets[@]}" >"$tmp/daemon.log" 2>&1 &
fi
pid=$!

ports=""
for _ in $(seq 1 200); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "lapor-gateway exited at start-up; its log:" >&2; tail -20 "$tmp/daemon.log" >&2; exit 3
  fi
  if [[ -s "$tmp/data/ports.json" ]]; then ports="$(cat "$tmp/data/ports.json")"; break; fi
  sleep 0.1
done
if [[ -z "$ports" ]]; then echo "no ports.json after 20 s; daemon log:" >&2; tail -20 "$tmp/daemon.log" >&2; exit 3; fi
port_of() { sed -n "s/.*\"$1\" *: *\([0-9][0-9]*\).*/\1/p" <<<"$ports"; }
smpp="$(port_of smpp)"; admin="$(port_of admin)"
if [[ -z "$smpp" ]]; then
  echo "the daemon has no SMPP listener (ports.json: $ports)" >&2
  exit 3
fi
echo "lapor-gateway pid $pid, ports $ports, data_dir $tmp/data"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# The daemon's CPU time (utime + stime, clock ticks) from /proc, before and after.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0; }
perf_pid=""
if [[ "${LAPOR_PERF:-0}" == 1 ]] && command -v perf >/dev/null; then
  # Samples the daemon (software clock: works in VMs without PMU) while the load runs.
  perf record -e cpu-clock -F "${LAPOR_PERF_FREQ:-499}" --call-graph "${LAPOR_PERF_CALLGRAPH:-fp}" -p "$pid" -o "$tmp/perf.data" >/dev/null 2>"$tmp/perf.log" &
  perf_pid=$!
fi
cpu0=$(cpu_ticks); t0=$(date +%s.%N)
"$load" --port "$smpp" --system-id bench --password bench --binds 4 --window 50 --seconds 10 "$@"
rc=$?
cpu1=$(cpu_ticks); t1=$(date +%s.%N)
awk -v c="$((cpu1 - cpu0))" -v hz="$(getconf CLK_TCK)" -v t0="$t0" -v t1="$t1" \
  'BEGIN { printf "daemon CPU            %.2f s over %.2f s wall (%.2f cores busy)\n", c / hz, t1 - t0, c / hz / (t1 - t0) }'
if [[ -n "$perf_pid" ]]; then
  kill -INT "$perf_pid" 2>/dev/null; wait "$perf_pid" 2>/dev/null
  echo "daemon profile (perf, self time by symbol, top 40):"
  perf report -i "$tmp/perf.data" --stdio --no-children --sort dso,symbol 2>/dev/null |
    grep -E '^ +[0-9.]+%' | sed -E 's/[ -]+$//; s/ {3,}/  /g' | cut -c1-160 | head -40
  echo "daemon CPU by thread (perf):"
  perf report -i "$tmp/perf.data" --stdio --no-children --sort comm 2>/dev/null |
    grep -E '^ +[0-9.]+%' | sed -E 's/[ -]+$//; s/ {3,}/  /g' | head -10
fi

if [[ -n "$admin" ]] && command -v curl >/dev/null; then
  echo "daemon counters (admin /metrics):"
  curl -s --max-time 5 "http://127.0.0.1:$admin/metrics" |
    grep -E '^lapor_(commit_(groups|rows|failures)_total|(commit|ack)_latency_seconds_(sum|count)|outbox_depth|[a-z_]+_total\{[^}]*sms)' |
    head -30
fi
# log_level = warn: every line is a warning or an error ("<ts> <level> <event> k=v ...").
echo "daemon log: $(wc -l <"$tmp/daemon.log") warning/error lines"
awk '{print "  " $2, $3}' "$tmp/daemon.log" | sort | uniq -c | sort -rn | head -5
exit "$rc"
