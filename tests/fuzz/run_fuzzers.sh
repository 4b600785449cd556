#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in their own build directory and runs each for a
# bounded time, one worker at a time.
#
#   tests/fuzz/run_fuzzers.sh [--ctest] [SECONDS_EACH] [TARGET...]
#
#   SECONDS_EACH   -max_total_time of each fuzzer (default 300)
#   TARGET         smpp_decoder sms_text multipart report_json config_toml twitter_json region_text sms_part http_head
#                  (default: all)
#   --ctest        exit 77 (skipped) when clang or libFuzzer is not installed
#
# Environment: LAPOR_FUZZ_BUILD_DIR (default: build-fuzz next to the source tree),
# LAPOR_FUZZ_JOBS (build jobs, default 2), CC/CXX (default clang-14/clang++-14, else clang).
# New inputs go to $LAPOR_FUZZ_BUILD_DIR/corpus-work/<target> (the seed corpus in the tree is
# only read); crashes to $LAPOR_FUZZ_BUILD_DIR/artifacts/<target>/. Exit status: 0 when no
# fuzzer found anything, 1 when one did (the artifact is named), 2 on a build failure.
set -u -o pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$(cd "$here/../.." && pwd)"
skip=1
if [[ "${1:-}" == "--ctest" ]]; then skip=77; shift; fi
seconds="${1:-300}"
[[ $# -gt 0 ]] && shift
all=(smpp_decoder sms_text multipart report_json config_toml twitter_json region_text sms_part http_head)
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=("${all[@]}")
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || (( seconds < 1 )); then
  echo "usage: $0 [--ctest] [SECONDS_EACH] [TARGET...]" >&2
  exit 2
fi
for t in "${targets[@]}"; do
  [[ " ${all[*]} " == *" $t "* ]] || { echo "unknown target: $t (one of: ${all[*]})" >&2; exit 2; }
done

cc="${CC:-}"; cxx="${CXX:-}"
if [[ -z "$cxx" || "$cxx" != *clang* ]]; then
  if command -v clang++-14 >/dev/null; then cc=clang-14; cxx=clang++-14
  elif command -v clang++ >/dev/null; then cc=clang; cxx=clang++
  else echo "clang is not installed: libFuzzer targets not built"; exit "$skip"; fi
fi
# libFuzzer ships in the compiler-rt package (Debian: libclang-rt-14-dev).
if ! echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long){return 0;}' |
     "$cxx" -x c++ -fsanitize=fuzzer -o /dev/null - 2>/dev/null; then
  echo "$cxx cannot link -fsanitize=fuzzer (libFuzzer runtime missing)"; exit "$skip"
fi

build="${LAPOR_FUZZ_BUILD_DIR:-$(dirname "$src")/build-fuzz}"
jobs="${LAPOR_FUZZ_JOBS:-2}"
generator=(); command -v ninja >/dev/null && generator=(-G Ninja)
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  mkdir -p "$build"
  # Warnings are errors here as in .ci/run (LAPOR_WERROR is off by default for users): this
  # is the build where clang sees the parsers.
  CC="$cc" CXX="$cxx" cmake -S "$src" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DLAPOR_FUZZ=ON -DLAPOR_WERROR=ON >"$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 2; }
fi
bins=(); for t in "${targets[@]}"; do bins+=("${t}_fuzz"); done
cmake --build "$build" -j "$jobs" --target "${bins[@]}" || exit 2

status=0
for t in "${targets[@]}"; do
  work="$build/corpus-work/$t"; art="$build/artifacts/$t"
  mkdir -p "$work" "$art"
  opts=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$art/")
  case "$t" in
    smpp_decoder) opts+=(-dict="$here/smpp.dict" -max_len=8192) ;;
    multipart|report_json|config_toml|twitter_json|region_text|http_head) opts+=(-dict="$here/$t.dict" -max_len=16384) ;;
    sms_text) opts+=(-max_len=1024) ;;
    sms_part) opts+=(-dict="$here/sms_part.dict" -max_len=1024) ;;
  esac
  echo "== $t: ${seconds}s"
  before=$(ls "$art" | wc -l)
  # A hard stop in case the fuzzer itself hangs past its own limit.
  timeout --kill-after=10 $((seconds + 120)) "$build/tests/fuzz/${t}_fuzz" "${opts[@]}" \
    "$work" "$here/corpus/$t" >"$build/$t.log" 2>&1
  rc=$?
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)' "$build/$t.log" | tr '\n' ' '; echo
  after=$(ls "$art" | wc -l)
  if (( rc != 0 || after != before )); then
    status=1
    echo "!! $t failed (exit $rc); log: $build/$t.log"
    grep -E 'ERROR|SUMMARY|Test unit written|deadly signal' "$build/$t.log" | head -20
  fi
done
exit "$status"
