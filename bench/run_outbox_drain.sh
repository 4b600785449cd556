#!/usr/bin/env bash
# Outbox drain after an outage (issue 16): N complaints pending (the backlog a dispatcher
# outage leaves), then the daemon started against a dispatcher that answers at once
# (bench/outbox_drain serve); measures the drain rate one document per request over keep-alive
# connections, and with dispatcher.batch = true; optionally the SMPP ingest rate while the
# backlog drains (bench/smpp_load beside it).
#
#   bench/run_outbox_drain.sh [PATH/TO/lapor-gateway] [--rows N (1000000)] [--ingest-seconds S (0)]
#
# For each mode: a fresh data_dir filled by `outbox_drain fill` (the store's own writer and
# schema), the daemon started on it, the time from its start until the dispatcher counted N
# documents, and the daemon's CPU per document (from /proc, holds on a busy machine). Builds
# nothing; everything on 127.0.0.1, in a temporary folder removed at the end.
set -euo pipefail
# shellcheck source=bench/bench_config.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_config.sh"

gateway="build/lapor-gateway"
if [[ $# -gt 0 && "$1" != --* ]]; then gateway="$1"; shift; fi
rows=1000000
ingest=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rows) rows="$2"; shift 2 ;;
    --ingest-seconds) ingest="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
bench="$(dirname "$gateway")/bench"
drain="$bench/outbox_drain"
[[ -x "$gateway" && -x "$drain" ]] || { echo "needs $gateway and $drain (ninja outbox_drain)" >&2; exit 2; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/lapor-drain.XXXXXX")"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

"$drain" serve --port-file "$tmp/dispatcher.port" --threads 1 &
pids+=($!)
for _ in $(seq 1 100); do [[ -s "$tmp/dispatcher.port" ]] && break; sleep 0.05; done
dport="$(cat "$tmp/dispatcher.port")"
stats() { curl -s --max-time 5 "http://127.0.0.1:$dport/_stats"; }
documents() { stats | sed -n 's/.*"documents":\([0-9]*\).*/\1/p'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
hz="$(getconf CLK_TCK)"
echo "outbox drain: $rows pending complaints, dispatcher answering at once on 127.0.0.1:$dport, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

run_mode() {  # $1 = name, $2 = batch true|false
  local name="$1" batch="$2" dir="$tmp/batch-$2"
  mkdir -p "$dir/data"
  "$drain" fill --data-dir "$dir/data" --rows "$rows" | sed 's/^/  /'
  bench_config "$dir/data" "[dispatcher]
url = \"http://127.0.0.1:$dport/complaints\"
batch = $batch" >"$dir/gateway.toml"
  local before; before="$(documents)"
  local t0; t0="$(date +%s.%N)"
  "$gateway" --config "$dir/gateway.toml" 2>"$dir/daemon.log" &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 1 600); do [[ -s "$dir/data/ports.json" ]] && break; sleep 0.05; done
  local ingest_line=""
  if [[ "$ingest" -gt 0 && -x "$bench/smpp_load" ]]; then
    local sport; sport="$(sed -n 's/.*"smpp" *: *\([0-9][0-9]*\).*/\1/p' "$dir/data/ports.json")"
    ingest_line="$("$bench/smpp_load" --port "$sport" --system-id bench --password bench --binds 4 --window 50 \
      --seconds "$ingest" --texts varied | grep '^RESULT' || true)"
  fi
  local target=$((before + rows)) now=0
  for _ in $(seq 1 12000); do
    now="$(documents)"
    [[ -n "$now" && "$now" -ge "$target" ]] && break
    kill -0 "$pid" 2>/dev/null || { echo "the daemon exited:" >&2; tail -5 "$dir/daemon.log" >&2; return 1; }
    sleep 0.1
  done
  local t1; t1="$(date +%s.%N)"
  local ticks; ticks="$(cpu_ticks "$pid")"
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  awk -v n="$((now - before))" -v t0="$t0" -v t1="$t1" -v c="$ticks" -v hz="$hz" -v name="$name" \
    'BEGIN { s = t1 - t0; printf "%-28s %9d documents in %6.1f s = %7.0f documents/s (from the daemon'"'"'s start), daemon CPU %.1f us per document\n", name, n, s, n / s, c / hz / n * 1e6 }'
  [[ -n "$ingest_line" ]] && echo "  ingest while draining: $ingest_line"
  rm -rf "$dir"
  return 0
}

run_mode "one document per request" false
run_mode "dispatcher.batch = true" true
