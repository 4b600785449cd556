#!/usr/bin/env bash
# Instructions the daemon executes per acknowledged message, counted by valgrind's callgrind
# over every thread: the before/after figure for a change, which holds on a busy machine (this
# one has no PMU for `perf stat -e instructions`). Start-up is not counted (counters are zeroed
# once the daemon listens); the load is light (valgrind runs the daemon ~50x slower), so the
# figure is the cost of a message, not of a full queue.
#   smpp: an MO over SMPP (durable ack, dedup, region, a reply deliver_sm, the forwarder to
#         the file sink), bench/smpp_load, 2 binds x window 20
#   http: a signed mobile-API report (durable, dedup, region, the forwarder), bench/http_load
#         --target, 4 connections
#
#   bench/instructions_per_message.sh [smpp|http] [PATH/TO/lapor-gateway] [SECONDS (20)] [TOP (25)]
#
# Prints instructions per message and the TOP functions by inclusive instructions per message.
# KEEP_DUMP=1 keeps the callgrind dump (callgrind_annotate it).
set -euo pipefail
channel=smpp
if [[ "${1:-}" == smpp || "${1:-}" == http ]]; then channel="$1"; shift; fi
gateway="${1:-build/lapor-gateway}"
seconds="${2:-20}"
top="${3:-25}"
if [[ "$channel" == smpp ]]; then load="${SMPP_LOAD_BIN:-$(dirname "$gateway")/bench/smpp_load}"
else load="${HTTP_LOAD_BIN:-$(dirname "$gateway")/bench/http_load}"; fi
for tool in valgrind callgrind_control callgrind_annotate; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed (Debian: valgrind)" >&2; exit 2; }
done
[[ -x "$gateway" && -x "$load" ]] || { echo "usage: $0 [smpp|http] PATH/TO/lapor-gateway [SECONDS]; needs $load" >&2; exit 2; }

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
# shellcheck source=bench/bench_config.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_config.sh"
bench_config "$tmp/data" '[mobile]
api_keys = [{key_id = "bench", secret = "00112233445566778899aabbccddeeff"}]' >"$tmp/gateway.toml"
valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$gateway" --config "$tmp/gateway.toml" \
  >"$tmp/daemon.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do [[ -s "$tmp/data/ports.json" ]] && break; sleep 0.1; done
[[ -s "$tmp/data/ports.json" ]] || { echo "daemon did not start; log:" >&2; tail -20 "$tmp/daemon.log" >&2; exit 3; }
port_of() { sed -n "s/.*\"$1\" *: *\([0-9][0-9]*\).*/\1/p" "$tmp/data/ports.json"; }
sleep 1
callgrind_control -z "$pid" >/dev/null
if [[ "$channel" == smpp ]]; then
  result="$("$load" --port "$(port_of smpp)" --system-id bench --password bench --binds 2 --window 20 \
    --seconds "$seconds" --texts varied | grep '^RESULT')"
  accepted="$(sed -n 's/.* accepted=\([0-9]*\).*/\1/p' <<<"$result")"
else
  result="$("$load" --target "127.0.0.1:$(port_of web)" --key-id bench --secret 00112233445566778899aabbccddeeff \
    --connections 4 --seconds "$seconds" | grep '^durable')"
  accepted="$(sed -n 's/.* ok \([0-9]*\).*/\1/p' <<<"$result")"
fi
sleep 3  # the forwarder and the replies of the last messages
callgrind_control -d "$pid" >/dev/null
sleep 1
dump="$(ls "$tmp"/cg.out.* | head -1)"
total="$(sed -n 's/^summary: *\([0-9][0-9]*\).*/\1/p' "$dump")"
echo "$result"
awk -v t="$total" -v n="$accepted" -v c="$channel" 'BEGIN { printf "daemon (%s): %.0f instructions for %d messages = %.0f instructions per message\n", c, t, n, t / n }'
echo "top functions, inclusive instructions per message:"
callgrind_annotate --inclusive=yes "$dump" 2>/dev/null | grep -E '^ *[0-9,]+ +\(' | sed 1d |
  sed -E 's/^ *([0-9,]+) +\( *[0-9.]+%\) +/\1 /; s/ \[[^]]*\]$//; s/^([0-9,]+) [^ :]+:([^:])/\1 \2/' |
  grep -vE 'boost::asio|clone|start_thread|libc_start|__libc|std::_Function|below main|^[0-9,]+ 0x|_Invoker|executor|^[0-9,]+ main$' |
  awk -v n="$accepted" -v top="$top" '{ v = $1; gsub(",", "", v); $1 = ""; name = substr($0, 2, 140); if (seen[name]++) next; printf "  %8.0f %s\n", v / n, name; if (++shown >= top) exit }'
