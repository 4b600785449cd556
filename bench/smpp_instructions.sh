#!/usr/bin/env bash
# Instructions the daemon executes per acknowledged MO on the SMPP path (durable ack, dedup,
# region, a reply deliver_sm per MO, the forwarder to the file sink), counted by valgrind's
# callgrind over every thread: the before/after figure for a change, which holds on a busy
# machine (this one has no PMU for `perf stat -e instructions`). Start-up is not counted
# (counters are zeroed once the daemon listens); the load is light (valgrind runs the daemon
# ~50x slower), so the figure is the cost of a message, not of a full queue.
#
#   bench/smpp_instructions.sh [PATH/TO/lapor-gateway] [SECONDS (default 20)] [TOP (default 25)]
#
# Prints instructions per MO and the TOP functions by inclusive instructions per MO.
set -euo pipefail
gateway="${1:-build/lapor-gateway}"
seconds="${2:-20}"
top="${3:-25}"
load="${SMPP_LOAD_BIN:-$(dirname "$gateway")/bench/smpp_load}"
for tool in valgrind callgrind_control callgrind_annotate; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed (Debian: valgrind)" >&2; exit 2; }
done
[[ -x "$gateway" && -x "$load" ]] || { echo "usage: $0 PATH/TO/lapor-gateway [SECONDS]; needs bench/smpp_load beside it" >&2; exit 2; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/lapor-smpp-instr.XXXXXX")"
pid=""
cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  if [[ "${KEEP_DUMP:-0}" == 1 ]]; then echo "callgrind dump kept in $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
mkdir -p "$tmp/data"
cat >"$tmp/gateway.toml" <<TOML
data_dir = "$tmp/data"
log_format = "text"
log_level = "warn"
[web]
listen = "127.0.0.1:0"
[admin]
listen = "127.0.0.1:0"
[smpp]
listen = "127.0.0.1:0"
short_code = "1708"
accounts = [{system_id = "bench", password = "bench", operator = "telkomsel", allowed_cidrs = ["127.0.0.1/32"]}]
TOML
valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$gateway" --config "$tmp/gateway.toml" \
  >"$tmp/daemon.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do [[ -s "$tmp/data/ports.json" ]] && break; sleep 0.1; done
[[ -s "$tmp/data/ports.json" ]] || { echo "daemon did not start; log:" >&2; tail -20 "$tmp/daemon.log" >&2; exit 3; }
smpp="$(sed -n 's/.*"smpp" *: *\([0-9][0-9]*\).*/\1/p' "$tmp/data/ports.json")"
sleep 1
callgrind_control -z "$pid" >/dev/null
result="$("$load" --port "$smpp" --system-id bench --password bench --binds 2 --window 20 --seconds "$seconds" --texts varied | grep '^RESULT')"
sleep 3  # the forwarder and the replies of the last messages
callgrind_control -d "$pid" >/dev/null
sleep 1
accepted="$(sed -n 's/.* accepted=\([0-9]*\).*/\1/p' <<<"$result")"
dump="$(ls "$tmp"/cg.out.* | head -1)"
total="$(sed -n 's/^summary: *\([0-9][0-9]*\).*/\1/p' "$dump")"
echo "$result"
awk -v t="$total" -v n="$accepted" 'BEGIN { printf "daemon: %d instructions for %d MO = %.0f instructions per MO\n", t, n, t / n }'
echo "top functions, inclusive instructions per MO:"
callgrind_annotate --inclusive=yes "$dump" 2>/dev/null | grep -E '^ *[0-9,]+ +\(' | sed 1d |
  sed -E 's/^ *([0-9,]+) +\( *[0-9.]+%\) +/\1 /; s/ \[[^]]*\]$//; s/^([0-9,]+) [^ :]+:([^:])/\1 \2/' |
  grep -vE 'boost::asio|clone|start_thread|libc_start|__libc|std::_Function|below main|^[0-9,]+ 0x|_Invoker|executor|^[0-9,]+ main$' |
  awk -v n="$accepted" -v top="$top" '{ v = $1; gsub(",", "", v); $1 = ""; name = substr($0, 2, 140); if (seen[name]++) next; printf "  %8.0f %s\n", v / n, name; if (++shown >= top) exit }'
