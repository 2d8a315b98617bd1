#!/usr/bin/env bash
# fer-prep's throughput on ../shared/datasets/helen-dev/faces (433 face photos): inputs per
# second with 1 and 2 threads, ROUNDS alternating runs, medians.  Where the time goes: run it
# under `perf record -g` (see the fer-prep issue's note for a breakdown).
#
# Usage: tests/bench/bench-prep.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
raw=../shared/datasets/helen-dev/faces
prep=build/tools/fer-prep/fer-prep
[[ -x $prep ]] || { echo "bench: build first (tools/setup.sh)" >&2; exit 1; }
[[ -d $raw ]] || { echo "bench: no $raw" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
declare -A rate
for ((round = 0; round < rounds; round++)); do
  for threads in 1 2; do
    rm -rf "$out/run"
    line=$($prep --threads "$threads" "$raw" "$out/run" | head -n 1)
    rate[$threads]+=" $(sed -n 's/.* \([0-9.]*\) inputs\/s.*/\1/p' <<< "$line")"
  done
done
echo "$line"
printf 'fer-prep on helen-dev (433 photos): %.1f inputs/s with 1 thread, %.1f with 2 (median of %d)\n' \
  "$(median ${rate[1]})" "$(median ${rate[2]})" "$rounds"
