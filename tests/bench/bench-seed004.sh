#!/usr/bin/env bash
# Seed 004's networks in the engine against PyTorch, side by side in one run, alternating
# rounds, medians compared (see fer-bench-seed004 and bench_seed004_torch.py for what is timed).
#
# Usage: tests/bench/bench-seed004.sh [ROUNDS] [THREADS]   (after tools/setup.sh --bench)
# Targets (issue 13): forward at batch 1 <= 0.5x PyTorch's time; a training step <= 0.7x.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
threads=${2:-2}
ours=build/tests/bench/fer-bench-seed004
theirs=tests/bench/bench_seed004_torch.py
[[ -x $ours ]] || { echo "bench: build first (tools/setup.sh --bench)" >&2; exit 1; }
/usr/bin/python3 -c 'import torch' 2>/dev/null \
  || { echo "bench: needs Debian's python3-torch (tools/setup.sh --bench)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for ((r = 1; r <= rounds; r++)); do
  echo "round $r/$rounds" >&2
  "$ours" "$threads" > "$out/ours.$r"
  /usr/bin/python3 "$theirs" "$threads" > "$out/torch.$r"
done
median() {
  cat "$1".* | awk -v m="$2" '$1 == m { print $2 }' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
printf '%-26s %10s %10s %8s %s\n' "measure (ms per call)" gst-fer PyTorch ratio target
for m in $(awk '{ print $1 }' "$out/ours.1"); do
  a=$(median "$out/ours" "$m")
  b=$(median "$out/torch" "$m")
  case $m in
    *forward_b1_ms) target="<= 0.5" ;;
    *train_*) target="<= 0.7" ;;
    *) target="" ;;
  esac
  printf '%-26s %10s %10s %8.3f %s\n' "$m" "$a" "$b" "$(echo "$a / $b" | bc -l)" "$target"
done
