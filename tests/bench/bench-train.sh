#!/usr/bin/env bash
# fer-train against the seed's recipe in PyTorch (seed_train_torch.py: torchvision ImageFolder,
# the seed's transforms, 2 threads, 2 loader workers), on the same data, in the same run.
# Reports the median seconds per training epoch and the final validation accuracy of both, and
# fer-eval's accuracy on the model PyTorch trained (which must equal PyTorch's own).
#
# Usage: tests/bench/bench-train.sh [EPOCHS] [DATA_DIR]
#   defaults: 10 epochs (the seed's), ../shared/datasets/yousan-mouth
# Needs: tools/setup.sh --bench (python3-torch, python3-torchvision, python3-pil).
set -euo pipefail
cd "$(dirname "$0")/../.."
epochs=${1:-10}
data=${2:-../shared/datasets/yousan-mouth}
[[ -d $data/train && -d $data/val ]] || { echo "bench: $data has no train/ and val/" >&2; exit 1; }
/usr/bin/python3 -c 'import torchvision' 2>/dev/null \
  || { echo "bench: needs python3-torchvision (tools/setup.sh --bench)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "fer-train: $epochs epochs of the seed's recipe on $data" >&2
build/tools/fer-train/fer-train "$data" -o "$out/c.safetensors" --epochs "$epochs" --threads 2 \
  --labels none,pouting,smile,openmouth > "$out/c.log"
echo "PyTorch: $epochs epochs of the seed's recipe on $data" >&2
/usr/bin/python3 tests/bench/seed_train_torch.py "$data" "$epochs" "$out/t.safetensors" > "$out/t.log"

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
c_seconds=$(sed -n 's/^epoch .* \([0-9.]*\) s  [0-9]* images\/s.*/\1/p' "$out/c.log" | median)
t_seconds=$(awk '{ print $4 }' "$out/t.log" | median)
c_acc=$(tail -n 2 "$out/c.log" | sed -n 's/^epoch .*val loss [0-9.]* acc \([0-9.]*\)%.*/\1/p')
t_acc=$(tail -n 1 "$out/t.log" | awk '{ printf "%.2f", 100 * $10 }')
e_acc=$(build/tools/fer-eval/fer-eval "$out/t.safetensors" "$data/val" | sed -n 's/^accuracy \([0-9.]*\)%.*/\1/p')

printf '%-34s %12s %12s\n' "" fer-train PyTorch
printf '%-34s %12s %12s\n' "seconds per training epoch (median)" "$c_seconds" "$t_seconds"
printf '%-34s %12s %12s\n' "val accuracy after epoch $epochs (%)" "$c_acc" "$t_acc"
printf 'speed-up: %.1fx (target >= 5x); accuracy difference %+.2f points (target >= -0.5)\n' \
  "$(echo "$t_seconds / $c_seconds" | bc -l)" "$(echo "$c_acc - $t_acc" | bc -l)"
printf 'fer-eval on the PyTorch model: %s%% (PyTorch says %s%%)\n' "$e_acc" "$t_acc"
