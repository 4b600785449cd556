#!/usr/bin/env bash
# Every benchmark in one run on this machine, each next to its yardstick, then a table of
# the ratios (bench/RESULTS.md holds one run and how to read it).
#
#   bench/run_all.sh [BUILD_DIR]        (default ./build; builds nothing)
#
#   1. store:  bench/store_bench          group writer vs a raw batched SQLite loop
#   2. HTTP:   bench/run_http_load.sh     durable signed POST vs a bare Beast "200 OK"
#   3. SMPP:   bench/run_smpp_load.sh     our SMPP server, 4 binds x window 50 (no peer to
#                                         compare: Kannel has no SMPP server side)
#              bench/run_smpp_mo_compare.sh  client mode: MO pushed by bench/mo_smsc to
#                                         lapor-gateway vs to Kannel (bearerbox + smsbox)
#   4. dedup:  bench/dedup_bench          duplicate lookups (absolute; no yardstick)
#
# Each step runs under `timeout` (STEP_TIMEOUT seconds, default 600) and its full output is
# printed as it comes; a failing step is reported in the table and the others still run.
# Environment passed on: RUN_SECONDS/BINDS/WINDOW (run_smpp_mo_compare.sh), STORE_ARGS,
# HTTP_ARGS, SMPP_ARGS, DEDUP_ARGS (extra arguments of each step).
# Exit status: 0 when every step ran (a benchmark that misses its own target still counts
# as run), 1 otherwise, 2 on bad arguments.
set -u -o pipefail

build="${1:-./build}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
gateway="$build/lapor-gateway"
for f in "$gateway" "$build/bench/store_bench" "$build/bench/http_load" "$build/bench/smpp_load" \
         "$build/bench/mo_smsc" "$build/bench/dedup_bench"; do
  [[ -x "$f" ]] || { echo "missing $f: ninja -C $build lapor-gateway store_bench http_load smpp_load mo_smsc dedup_bench" >&2; exit 2; }
done
gateway="$(cd "$(dirname "$gateway")" && pwd)/lapor-gateway"
build="$(cd "$build" && pwd)"
step_timeout="${STEP_TIMEOUT:-600}"
logdir="$(mktemp -d "${TMPDIR:-/tmp}/lapor-run-all.XXXXXX")"
trap 'rm -rf "$logdir"' EXIT

echo "run_all: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) cores, $(uptime | sed 's/.*load average/load average/')"
echo "run_all: build $build, commit $(git -C "$here/.." rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "run_all: busiest other processes now:"
ps -eo pcpu,comm --sort=-pcpu | sed -n '2,6p' | sed 's/^/  /'

failed=0
# step NAME COMMAND...: runs it under timeout, tees its output to $logdir/NAME.
step() {
  local name="$1"; shift
  echo
  echo "=== $name: $* ==="
  local t0=$SECONDS rc
  timeout --kill-after=20 "$step_timeout" "$@" 2>&1 | tee "$logdir/$name"
  rc=${PIPESTATUS[0]}
  echo "=== $name: exit $rc after $((SECONDS - t0)) s ==="
  echo "$rc" >"$logdir/$name.rc"
}
rc_of() { cat "$logdir/$1.rc" 2>/dev/null || echo 1; }
ratio() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "n/a" }'; }
field() { sed -n "s/.* $2=\([0-9.]*\).*/\1/p" "$logdir/$1" 2>/dev/null | tail -1; }

# shellcheck disable=SC2086  # *_ARGS are word lists on purpose
{
  step store "$build/bench/store_bench" ${STORE_ARGS:-}
  step http "$here/run_http_load.sh" "$gateway" ${HTTP_ARGS:-}
  step smpp_server env SMPP_LOAD_BIN="$build/bench/smpp_load" "$here/run_smpp_load.sh" "$gateway" ${SMPP_ARGS:-}
  step smpp_client "$here/run_smpp_mo_compare.sh" "$build"
  step dedup "$build/bench/dedup_bench" ${DEDUP_ARGS:-}
}

# --- summary ---------------------------------------------------------------------------------
w=$(sed -n 's/^writer: \([0-9]*\) rows\/s.*/\1/p' "$logdir/store" | tail -1)
r=$(sed -n 's/^raw: *\([0-9]*\) rows\/s.*/\1/p' "$logdir/store" | tail -1)
bare=$(sed -n 's/^bare Beast 200 OK (ceiling) *\([0-9]*\) req\/s.*/\1/p' "$logdir/http" | tail -1)
dur=$(sed -n 's/^durable signed POST \/api\/v1\/reports *\([0-9]*\) req\/s.*/\1/p' "$logdir/http" | tail -1)
srv=$(field smpp_server mo_per_s)
srv_p99=$(field smpp_server p99_ms)
o_mo=$(sed -n 's/^RATIO smpp_mo .*ours_mo_per_s=\([0-9]*\).*/\1/p' "$logdir/smpp_client" | tail -1)
k_mo=$(sed -n 's/^RATIO smpp_mo .*kannel_mo_per_s=\([0-9]*\).*/\1/p' "$logdir/smpp_client" | tail -1)
o_rp=$(sed -n 's/^RATIO smpp_mo_replies .*ours_replies_per_s=\([0-9]*\).*/\1/p' "$logdir/smpp_client" | tail -1)
k_rp=$(sed -n 's/^RATIO smpp_mo_replies .*kannel_replies_per_s=\([0-9]*\).*/\1/p' "$logdir/smpp_client" | tail -1)
n_mo=$(sed -n 's/^RATIO smpp_mo_nofsync .*ours_nofsync_mo_per_s=\([0-9]*\).*/\1/p' "$logdir/smpp_client" | tail -1)
o_cpu=$(sed -n 's/^RATIO smpp_mo_cpu .*ours_cpu_us_per_mo=\([0-9]*\).*/\1/p' "$logdir/smpp_client" | tail -1)
k_cpu=$(sed -n 's/^RATIO smpp_mo_cpu .*kannel_cpu_us_per_mo=\([0-9]*\).*/\1/p' "$logdir/smpp_client" | tail -1)
o_p99=$(grep '^RESULT label=lapor-gateway ' "$logdir/smpp_client" | sed -n 's/.* p99_ms=\([0-9.]*\).*/\1/p' | tail -1)
k_p99=$(grep '^RESULT label=kannel ' "$logdir/smpp_client" | sed -n 's/.* p99_ms=\([0-9.]*\).*/\1/p' | tail -1)
lookups=$(sed -n 's/^lookup: .* = \([0-9]*\) lookups\/s per core.*/\1/p' "$logdir/dedup" | tail -1)
lookup_p99=$(sed -n 's/^lookup: .* p99 \([0-9.]*\) us.*/\1/p' "$logdir/dedup" | tail -1)

echo
echo "=== summary ($(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)) ==="
printf '| %-44s | %14s | %14s | %6s | %s |\n' "what" "ours" "yardstick" "ratio" "exit"
printf '|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..46})" "$(printf -- '-%.0s' {1..16})" "$(printf -- '-%.0s' {1..16})" "--------" "------"
row() { printf '| %-44s | %14s | %14s | %6s | %s |\n' "$1" "${2:-n/a}" "${3:-n/a}" "$4" "$5"; }
row "store: group writer vs raw SQLite (rows/s)" "$w" "$r" "$(ratio "$w" "$r")" "$(rc_of store)"
row "HTTP: durable POST vs bare Beast (req/s)" "$dur" "$bare" "$(ratio "$dur" "$bare")" "$(rc_of http)"
row "SMPP server: 4x50 submit_sm (MO/s)" "$srv" "-" "-" "$(rc_of smpp_server)"
row "SMPP client: MO vs Kannel (MO/s)" "$o_mo" "$k_mo" "$(ratio "$o_mo" "$k_mo")" "$(rc_of smpp_client)"
row "SMPP client: replies vs Kannel (/s)" "$o_rp" "$k_rp" "$(ratio "$o_rp" "$k_rp")" "$(rc_of smpp_client)"
row "SMPP client: ours without fsync vs Kannel" "$n_mo" "$k_mo" "$(ratio "$n_mo" "$k_mo")" "$(rc_of smpp_client)"
row "SMPP client: ESME CPU us per MO" "$o_cpu" "$k_cpu" "$(ratio "$o_cpu" "$k_cpu")" "$(rc_of smpp_client)"
row "SMPP client: p99 deliver_sm->resp (ms)" "$o_p99" "$k_p99" "$(ratio "$o_p99" "$k_p99")" "$(rc_of smpp_client)"
row "SMPP server: p99 submit_sm->resp (ms)" "$srv_p99" "-" "-" "$(rc_of smpp_server)"
row "dedup: lookups/s per core (p99 us)" "${lookups:-n/a} (${lookup_p99:-n/a})" "-" "-" "$(rc_of dedup)"
echo "(ratio = ours / yardstick; for CPU per MO and p99 latency lower is better. store_bench exits 1 when it"
echo " misses its own target; run_smpp_mo_compare.sh exits 77 without Kannel.)"

for s in store http smpp_server smpp_client dedup; do
  case "$(rc_of "$s")" in
    0) ;;
    1) [[ "$s" == store && -n "$w" && -n "$r" ]] || failed=1 ;;  # store_bench: target missed, still ran
    *) failed=1 ;;
  esac
done
exit "$failed"
