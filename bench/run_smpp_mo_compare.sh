#!/usr/bin/env bash
# SMPP client mode, ours against Kannel on the same work: an SMSC (bench/mo_smsc) pushes
# mobile-originated SMS as deliver_sm to a bound ESME, which takes each one in, answers
# deliver_sm_resp and sends its reply SMS back as submit_sm.
#
#   bench/run_smpp_mo_compare.sh [BUILD_DIR]        (default ./build)
#
# Side 1: lapor-gateway with smpp.clients = BINDS transceiver binds to mo_smsc; it answers
#         deliver_sm_resp after the fsync'd commit of the complaint and its reply (outbox)
#         row, then sends the tracking-ID reply as submit_sm.
# Side 2: Debian's Kannel: bearerbox with BINDS `smsc = smpp` transceiver groups to mo_smsc
#         and a file store (store-type = file), smsbox with one catch-all sms-service that
#         answers every MO with a fixed reply of the same length as ours (no HTTP, no
#         script: the cheapest service there is). bearerbox answers deliver_sm_resp once
#         the MO is appended to its store file (fflush, no fsync; see bench/RESULTS.md).
# Side 1b (NOSYNC_SIDE=1, the default): the daemon again with store.synchronous_full=false,
#         Kannel's guarantee (page cache, no fsync per commit): a yardstick, not a setting.
# Both log warnings only (Kannel's boxes run with -v 2: their stderr defaults to debug).
# Each side gets a fresh mo_smsc on an ephemeral port, a temp dir, free ports; mo_smsc
# starts pushing only when all BINDS binds are up (Kannel: and smsbox is connected), for
# RUN_SECONDS, WINDOW deliver_sm outstanding per bind.
#
# Environment: BINDS (2), WINDOW (50), RUN_SECONDS (10, whole seconds; bash owns $SECONDS),
# NOSYNC_SIDE (1), KEEP_DATA=1 keeps the temp dir.
# Prints each side's report and RESULT line, both sides' CPU time, then
#   RATIO smpp_mo ours_mo_per_s=... kannel_mo_per_s=... ratio=...
# (and the same for replies/s). Exit status: 0 when both sides ran cleanly; 1 when one
# failed; 2 on bad arguments; 77 when Kannel is not installed (ours still runs).
set -u -o pipefail

build="${1:-./build}"
gateway="$build/lapor-gateway"
smsc="$build/bench/mo_smsc"
for f in "$gateway" "$smsc"; do
  [[ -x "$f" ]] || { echo "missing $f (ninja -C $build lapor-gateway mo_smsc)" >&2; exit 2; }
done
binds="${BINDS:-2}"; window="${WINDOW:-50}"; seconds="${RUN_SECONDS:-10}"
for v in "$binds" "$window" "$seconds"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "BINDS, WINDOW and RUN_SECONDS are positive integers (got '$v')" >&2; exit 2; }
done
bearerbox="$(command -v bearerbox || ls /usr/sbin/bearerbox 2>/dev/null || true)"
smsbox="$(command -v smsbox || ls /usr/sbin/smsbox 2>/dev/null || true)"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/lapor-smpp-mo.XXXXXX")"
pids=()
stop_pid() {  # stop_pid PID SIGNAL: signal, wait up to 10 s, then SIGKILL
  local p="$1" sig="$2"
  kill -0 "$p" 2>/dev/null || return 0
  kill "-$sig" "$p" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$p" 2>/dev/null; then echo "pid $p did not stop in 10 s after SIG$sig; killing it" >&2; kill -KILL "$p" 2>/dev/null; fi
  wait "$p" 2>/dev/null
}
cleanup() {
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop_pid "${pids[i]}" TERM; done
  if [[ "${KEEP_DATA:-0}" == 1 ]]; then echo "kept: $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo "$t"; }
hz="$(getconf CLK_TCK)"
result_field() { sed -n "s/.* $2=\([0-9.]*\).*/\1/p" <<<"$1" | tail -1; }

# start_smsc DIR LABEL [GO_FILE]: starts mo_smsc, sets smsc_pid and smsc_port.
start_smsc() {
  local dir="$1" label="$2" go="${3:-}"
  local args=(--port 0 --port-file "$dir/smsc.port" --binds "$binds" --window "$window" --seconds "$seconds"
              --label "$label" --bind-wait-ms 60000 --drain-ms 10000 --reply-wait-ms 30000)
  [[ -n "$go" ]] && args+=(--go-file "$go")
  "$smsc" "${args[@]}" >"$dir/smsc.out" 2>&1 &
  smsc_pid=$!; pids+=("$smsc_pid")
  smsc_port=""
  for _ in $(seq 1 100); do
    [[ -s "$dir/smsc.port" ]] && { smsc_port="$(cat "$dir/smsc.port")"; break; }
    kill -0 "$smsc_pid" 2>/dev/null || break
    sleep 0.05
  done
  [[ -n "$smsc_port" ]] || { echo "mo_smsc did not start:" >&2; cat "$dir/smsc.out" >&2; return 1; }
}

# wait_smsc: waits (bounded) for mo_smsc to finish; prints its report; sets smsc_result.
wait_smsc() {
  local dir="$1" limit=$((seconds + 140))
  for _ in $(seq 1 $((limit * 10))); do kill -0 "$smsc_pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$smsc_pid" 2>/dev/null; then echo "mo_smsc still running after ${limit} s; stopping it" >&2; fi
  stop_pid "$smsc_pid" TERM
  wait "$smsc_pid" 2>/dev/null; smsc_rc=$?
  cat "$dir/smsc.out"
  smsc_result="$(grep '^RESULT' "$dir/smsc.out" | tail -1)"
}

status=0
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $binds binds x window $window, $seconds s per side"

# --- side 1: lapor-gateway in client mode --------------------------------------------------
# run_ours LABEL [--set key=value ...]: one run of the daemon against a fresh mo_smsc; sets
# ours_result and ours_cpu.
run_ours() {
  local label="$1"; shift
  local dir="$tmp/$label" clients="" i admin
  mkdir -p "$dir/data"
  start_smsc "$dir" "$label" || return 1
  for i in $(seq 1 "$binds"); do
    clients+="${clients:+, }{host = \"127.0.0.1\", port = $smsc_port, system_id = \"bench\", password = \"bench\", bind = \"transceiver\", operator = \"telkomsel\"}"
  done
  cat >"$dir/gateway.toml" <<TOML
data_dir = "$dir/data"
log_format = "text"
log_level = "warn"
[web]
listen = "127.0.0.1:0"
[admin]
listen = "127.0.0.1:0"
[smpp]
listen = "127.0.0.1:0"
short_code = "1708"
window = $window
clients = [$clients]
TOML
  "$gateway" --config "$dir/gateway.toml" "$@" >"$dir/daemon.log" 2>&1 &
  local gw_pid=$!; pids+=("$gw_pid")
  local c0 c1; c0=$(cpu_ticks "$gw_pid")
  wait_smsc "$dir"; ours_result="$smsc_result"; [[ $smsc_rc -eq 0 ]] || status=1
  c1=$(cpu_ticks "$gw_pid")
  ours_cpu=$(awk -v c=$((c1 - c0)) -v hz="$hz" 'BEGIN { printf "%.2f", c / hz }')
  echo "lapor-gateway CPU      $ours_cpu s  ($label${*:+, $*})"
  if [[ -s "$dir/data/ports.json" ]]; then
    admin="$(sed -n 's/.*"admin" *: *\([0-9][0-9]*\).*/\1/p' "$dir/data/ports.json")"
    [[ -n "$admin" ]] && curl -s --max-time 5 "http://127.0.0.1:$admin/metrics" |
      grep -E '^lapor_commit_(groups|rows)_total|^lapor_commit_latency_seconds_(sum|count)' | sed 's/^/  /'
  fi
  echo "daemon log: $(wc -l <"$dir/daemon.log") warning/error lines (connect retries after the SMSC closed are expected)"
  stop_pid "$gw_pid" TERM
}
run_ours lapor-gateway; durable_result="$ours_result"; durable_cpu="$ours_cpu"
# The same daemon with Kannel's guarantee: commit to the OS page cache, no fsync per commit
# (SQLite WAL, synchronous=NORMAL). Not a supported setting for production: a yardstick.
if [[ "${NOSYNC_SIDE:-1}" == 1 ]]; then
  run_ours lapor-gateway-nofsync --set store.synchronous_full=false; nosync_result="$ours_result"
else
  nosync_result=""
fi

# --- side 2: Kannel bearerbox + smsbox -----------------------------------------------------
kannel_result=""
if [[ -z "$bearerbox" || -z "$smsbox" ]]; then
  echo "Kannel is not installed (apt-get install kannel): no comparison"
  exit 77
fi
kdir="$tmp/kannel"; mkdir -p "$kdir"
go="$kdir/go"
start_smsc "$kdir" kannel "$go" || exit 1
admin="$(free_port)"; box="$(free_port)"; sendsms="$(free_port)"
# The reply: as long as ours (the tracking-ID SMS), fixed.
reply="LAPOR! Laporan Anda diterima. No. tiket: LPR-KNL0-0000-0. Cek status: kirim CEK LPR-KNL0-0000-0 ke 1708"
{
  cat <<CONF
group = core
admin-port = $admin
admin-interface = 127.0.0.1
admin-password = adminpw
status-password = statuspw
admin-allow-ip = "127.0.0.1"
smsbox-port = $box
smsbox-interface = 127.0.0.1
box-deny-ip = "*.*.*.*"
box-allow-ip = "127.0.0.1"
log-file = "$kdir/bearerbox.log"
log-level = 2
store-type = file
store-location = "$kdir/kannel.store"
dlr-storage = internal

CONF
  for i in $(seq 1 "$binds"); do
    cat <<CONF
group = smsc
smsc = smpp
smsc-id = bench$i
host = 127.0.0.1
port = $smsc_port
receive-port = 0
transceiver-mode = true
smsc-username = "bench"
smsc-password = "bench"
system-type = ""
interface-version = 34
source-addr-ton = 0
source-addr-npi = 1
dest-addr-ton = 1
dest-addr-npi = 1
enquire-link-interval = 30
max-pending-submits = $window
reconnect-delay = 1
msg-id-type = 0x01

CONF
  done
  cat <<CONF
group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = $box
sendsms-port = $sendsms
sendsms-interface = 127.0.0.1
log-file = "$kdir/smsbox.log"
log-level = 2

group = sms-service
keyword = default
catch-all = true
max-messages = 1
text = "$reply"
CONF
} >"$kdir/kannel.conf"

(cd "$kdir" && exec "$bearerbox" -v 2 "$kdir/kannel.conf") >"$kdir/bearerbox.out" 2>&1 &
bb_pid=$!; pids+=("$bb_pid")
kstatus() { curl -s --max-time 3 "http://127.0.0.1:$admin/status.txt?password=statuspw"; }
for _ in $(seq 1 200); do kstatus | grep -q '^Status' && break; kill -0 "$bb_pid" 2>/dev/null || break; sleep 0.1; done
kstatus | grep -q '^Status' || { echo "bearerbox did not come up:" >&2; tail -20 "$kdir/bearerbox.out" "$kdir/bearerbox.log" >&2; exit 1; }
(cd "$kdir" && exec "$smsbox" -v 2 "$kdir/kannel.conf") >"$kdir/smsbox.out" 2>&1 &
sb_pid=$!; pids+=("$sb_pid")
ready=""
for _ in $(seq 1 300); do
  st="$(kstatus)"
  if grep -q 'smsbox:' <<<"$st" && [[ $(grep -c 'bench[0-9]*\[.*online' <<<"$st") -ge "$binds" ]]; then ready=1; break; fi
  sleep 0.1
done
[[ -n "$ready" ]] || { echo "Kannel did not bind $binds times with smsbox connected in 30 s; status:" >&2; kstatus >&2; exit 1; }
touch "$go"
cpu0=$(cpu_ticks "$bb_pid" "$sb_pid")
wait_smsc "$kdir"; kannel_result="$smsc_result"; [[ $smsc_rc -eq 0 ]] || status=1
cpu1=$(cpu_ticks "$bb_pid" "$sb_pid")
kannel_cpu=$(awk -v c=$((cpu1 - cpu0)) -v hz="$hz" 'BEGIN { printf "%.2f", c / hz }')
echo "Kannel CPU (bearerbox + smsbox) $kannel_cpu s"
echo "Kannel status after the run:"
kstatus | grep -E '^(SMS|Status|DLR)|store' | sed 's/^/  /'
echo "Kannel store file: $(stat -c %s "$kdir/kannel.store" 2>/dev/null || echo 0) bytes; log lines: bearerbox $(wc -l <"$kdir/bearerbox.log" 2>/dev/null || echo 0), smsbox $(wc -l <"$kdir/smsbox.log" 2>/dev/null || echo 0)"
stop_pid "$sb_pid" TERM
stop_pid "$bb_pid" TERM

# --- ratio ---------------------------------------------------------------------------------
o_mo="$(result_field "$durable_result" mo_per_s)"; k_mo="$(result_field "$kannel_result" mo_per_s)"
o_rp="$(result_field "$durable_result" replies_per_s)"; k_rp="$(result_field "$kannel_result" replies_per_s)"
ratio() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
# CPU of the ESME side (daemon; bearerbox + smsbox) per accepted MO, backlog included: steadier
# than MO/s when other work shares the cores.
per_mo() { awk -v c="${1:-0}" -v n="${2:-0}" 'BEGIN { if (n > 0) printf "%.0f", c * 1e6 / n; else print "n/a" }'; }
o_cpu_mo="$(per_mo "$durable_cpu" "$(result_field "$durable_result" accepted)")"
k_cpu_mo="$(per_mo "$kannel_cpu" "$(result_field "$kannel_result" accepted)")"
echo "RATIO smpp_mo ours_mo_per_s=${o_mo:-0} kannel_mo_per_s=${k_mo:-0} ratio=$(ratio "$o_mo" "$k_mo") ours_cpu_s=$durable_cpu kannel_cpu_s=$kannel_cpu"
echo "RATIO smpp_mo_cpu ours_cpu_us_per_mo=$o_cpu_mo kannel_cpu_us_per_mo=$k_cpu_mo ratio=$(ratio "$o_cpu_mo" "$k_cpu_mo")"
echo "RATIO smpp_mo_replies ours_replies_per_s=${o_rp:-0} kannel_replies_per_s=${k_rp:-0} ratio=$(ratio "$o_rp" "$k_rp")"
if [[ -n "$nosync_result" ]]; then
  n_mo="$(result_field "$nosync_result" mo_per_s)"
  echo "RATIO smpp_mo_nofsync ours_nofsync_mo_per_s=${n_mo:-0} kannel_mo_per_s=${k_mo:-0} ratio=$(ratio "$n_mo" "$k_mo")"
fi
exit "$status"
