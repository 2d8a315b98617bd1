#!/usr/bin/env bash
# Runs every fuzz target (or those named) for SECONDS each, from its committed seed corpus
# (tests/fuzz/corpus/TARGET: small files made by make-seed-corpus, plus every crash input found
# so far, kept as regression cases) and a working corpus that grows in build-fuzz/corpus/.
# Builds build-fuzz/ first (clang-14, libFuzzer, AddressSanitizer + UndefinedBehaviorSanitizer;
# tools/setup.sh --fuzz installs the compiler).  Any crash, leak, undefined behaviour, timeout
# or out-of-memory fails the run: its input is left in build-fuzz/crashes/ and named on stderr;
# copy it into tests/fuzz/corpus/TARGET/ (named crash-<what>) once fixed, so it stays found.
#
# Usage: tests/fuzz/run.sh [SECONDS] [TARGET...]   (default 20 s, every target)
#        tests/fuzz/run.sh --make-corpus           (rewrites the seed corpora)
# Prints one line per target: executions, coverage (libFuzzer's cov:), corpus size, result.
set -euo pipefail
cd "$(dirname "$0")/../.."
targets_all=(safetensors net-file checkpoint landmark-cache prep-journal image face-annotations
  detector-model detector-checkpoint landmarks-csv geometry-head)

if [[ ! -f build-fuzz/build.ninja ]]; then
  CC=clang-14 CXX=clang++-14 meson setup build-fuzz -Dfuzzing=true --buildtype=debugoptimized \
    -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
ninja -C build-fuzz >/dev/null

if [[ "${1:-}" == "--make-corpus" ]]; then
  build-fuzz/tests/fuzz/make-seed-corpus tests/fuzz/corpus
  echo "fuzz: seed corpora written to tests/fuzz/corpus/"
  exit 0
fi
seconds=${1:-20}
shift || true
targets=("$@")
(( ${#targets[@]} > 0 )) || targets=("${targets_all[@]}")

# The inputs go to files: keep them in memory when /dev/shm is there.
[[ -d /dev/shm && -w /dev/shm ]] && export TMPDIR=/dev/shm
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=abort_on_error=0:detect_leaks=1
export OMP_NUM_THREADS=1
mkdir -p build-fuzz/crashes build-fuzz/logs
status=0
printf '%-16s %12s %8s %8s  %s\n' target executions cov corpus result
for t in "${targets[@]}"; do
  exe=build-fuzz/tests/fuzz/fuzz-$t
  [[ -x $exe ]] || { echo "fuzz: no target '$t' (known: ${targets_all[*]})" >&2; exit 2; }
  dict=()
  case $t in
    safetensors|net-file|checkpoint) dict=(-dict=tests/fuzz/safetensors.dict) ;;
    prep-journal) dict=(-dict=tests/fuzz/json.dict) ;;
  esac
  work=build-fuzz/corpus/$t
  mkdir -p "$work"
  log=build-fuzz/logs/$t.${seconds}s.log   # (runs of other lengths may be going on beside)
  rc=0
  # (FER_FUZZ_SEED: the test command's smoke runs the same inputs each time, seed 1; 0, the
  # default, lets libFuzzer pick one.)
  "$exe" -seed="${FER_FUZZ_SEED:-0}" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="build-fuzz/crashes/$t-" "${dict[@]}" \
    "$work" "tests/fuzz/corpus/$t" > "$log" 2>&1 || rc=$?
  execs=$(awk '/stat::number_of_executed_units/ { print $NF }' "$log" | tail -1)
  cov=$(grep -a -o 'cov: [0-9]*' "$log" | tail -1 | awk '{ print $2 }')
  corpus=$(find "$work" -type f | wc -l)
  if (( rc == 0 )); then
    result=ok
  else
    result="FAILED (exit $rc): $(grep -a -m1 -E 'ERROR: |runtime error|Test unit written' "$log" || true)"
    status=1
  fi
  printf '%-16s %12s %8s %8s  %s\n' "$t" "${execs:-?}" "${cov:-?}" "$corpus" "$result"
  if (( rc != 0 )); then
    grep -a -E 'Test unit written to' "$log" >&2 || true
    echo "fuzz: the whole report is in $log" >&2
  fi
done
exit $status
