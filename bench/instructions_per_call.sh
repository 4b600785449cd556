#!/usr/bin/env bash
# Instructions per call of one function, counted by valgrind's callgrind: the figure for
# before/after comparisons of one change on a shared machine (instruction counts do not move
# with the machine's other load; CPU time and throughput do). This machine has no PMU, so
# `perf stat -e instructions` is not available.
#
#   bench/instructions_per_call.sh FUNCTION CALLS -- COMMAND [ARGS...]
#
#   FUNCTION  callgrind --toggle-collect pattern: only instructions inside it are counted
#             (e.g. 'lapor::region::resolver::resolve*')
#   CALLS     how many times COMMAND calls it, or a file the command writes "calls: N" to
#             stdout: pass '-' and the script reads the "calls: N" line of its output
#
# Example (region resolver, 5 passes over the corpus):
#   REGION_BENCH_PASSES=5 bench/instructions_per_call.sh 'lapor::region::resolver::resolve*' - \
#     -- build/bench/region_bench tests/data/region/region_cases.jsonl
set -euo pipefail
if [[ $# -lt 4 || "$3" != "--" ]]; then
  sed -n '2,17p' "$0" >&2
  exit 2
fi
fn="$1"; calls="$2"; shift 3
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }
out="$(mktemp "${TMPDIR:-/tmp}/callgrind.XXXXXX")"
log="$(mktemp "${TMPDIR:-/tmp}/callgrind-stdout.XXXXXX")"
trap 'rm -f "$out" "$log"' EXIT
valgrind --tool=callgrind --toggle-collect="$fn" --callgrind-out-file="$out" "$@" >"$log" 2>/dev/null
if [[ "$calls" == - ]]; then
  calls="$(sed -n 's/.*calls: *\([0-9][0-9]*\).*/\1/p' "$log" | tail -1)"
  [[ -n "$calls" ]] || { echo "no 'calls: N' line in the command's output" >&2; cat "$log" >&2; exit 3; }
fi
total="$(sed -n 's/^summary: *\([0-9][0-9]*\).*/\1/p' "$out")"
[[ -n "$total" ]] || total="$(sed -n 's/^totals: *\([0-9][0-9]*\).*/\1/p' "$out")"
awk -v t="$total" -v c="$calls" -v f="$fn" \
  'BEGIN { printf "%s: %d instructions in %d calls = %.0f instructions per call\n", f, t, c, t / c }'
