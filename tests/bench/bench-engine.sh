#!/usr/bin/env bash
# The engine against PyTorch, side by side in one run (these machines are noisy: absolute times
# drift, ratios measured together hold).  Both use 2 threads; each side is run ROUNDS times,
# alternating, and the median of the rounds is compared.
#
# Usage: tests/bench/bench-engine.sh [ROUNDS]    (after tools/setup.sh --bench)
# Prints each measure for both, and the ratio against the targets:
#   forward batch 1:   ours / PyTorch time      target <= 0.25
#   forward batch 64:  ours / PyTorch time      (reported)
#   train batch 64:    ours / PyTorch images/s  target >= 3
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
ours=build/tests/bench/fer-bench-engine
theirs=tests/bench/bench_engine_torch.py
[[ -x $ours ]] || { echo "bench: build first (tools/setup.sh --bench)" >&2; exit 1; }
/usr/bin/python3 -c 'import torch' 2>/dev/null \
  || { echo "bench: needs Debian's python3-torch (tools/setup.sh --bench)" >&2; exit 1; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for ((r = 1; r <= rounds; r++)); do
  echo "round $r/$rounds" >&2
  "$ours" 2 0.5 > "$out/ours.$r"
  /usr/bin/python3 "$theirs" 2 0.5 > "$out/torch.$r"
done

median() {   # median of measure $2 over files $1.*
  cat "$1".* | awk -v m="$2" '$1 == m { print $2 }' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
printf '%-18s %12s %12s %10s %s\n' measure gst-fer PyTorch ratio target
for m in forward_b1_ms forward_b64_ms train_b64_ips; do
  a=$(median "$out/ours" $m)
  b=$(median "$out/torch" $m)
  case $m in
    forward_b1_ms)  target="ours/PyTorch time <= 0.25" ;;
    forward_b64_ms) target="(ours/PyTorch time)" ;;
    train_b64_ips)  target="ours/PyTorch images/s >= 3" ;;
  esac
  printf '%-18s %12s %12s %10.3f %s\n' $m "$a" "$b" "$(echo "$a / $b" | bc -l)" "$target"
done
