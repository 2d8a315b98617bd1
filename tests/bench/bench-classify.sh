#!/usr/bin/env bash
# ferclassify against PyTorch, in one run on ../shared/media/s18.mp4 (or VIDEO):
#  1. per-mouth time inside ferclassify: the frames, faces found by fermouthcrop, wait in an
#     unbounded queue until the file is decoded, then go through ferclassify alone (so its time is
#     not shared with the decoder); the time from its sink pad to its src pad over the faces
#     (cutting the mouth out of the frame, the model's transform, forward, softmax, metadata);
#  2. PyTorch (tests/bench/bench_classify_torch.py): batch-1 forward of the same model on the same
#     mouth crops (saved from an RGB run), and transform + forward;
#  3. steady-state fps of decode + fermouthcrop + ferclassify against decode alone (median of
#     ROUNDS alternating runs).
#
# Usage: tests/bench/bench-classify.sh [ROUNDS] [VIDEO]
# Needs: tools/setup.sh --bench (H.264 decoder, python3-torch, torchvision, PIL).
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
video=${2:-../shared/media/s18.mp4}
model=models/fer-mouth-simpleconv3.safetensors
export GST_PLUGIN_PATH=$PWD/build/gst-plugin
bench=build/tests/bench/fer-bench-pipeline
[[ -x $bench ]] || { echo "bench: build first (tools/setup.sh)" >&2; exit 1; }
[[ -f $video ]] || { echo "bench: no $video" >&2; exit 1; }
/usr/bin/python3 -c 'import torch, torchvision, PIL' 2> /dev/null \
  || { echo "bench: needs python3-torch, python3-torchvision, python3-pil (tools/setup.sh --bench)" >&2; exit 1; }
crops=$(mktemp -d)
trap 'rm -rf "$crops"' EXIT

field() { sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p" <<< "$2"; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

$bench --save-mouths "$crops" "filesrc location=$video ! decodebin ! videoconvert ! \
  video/x-raw,format=RGB ! fermouthcrop ! fakesink name=sink sync=false" > /dev/null
echo "$(ls "$crops" | wc -l) mouth crops of $(basename "$video")"

held="filesrc location=$video ! decodebin ! fermouthcrop ! queue name=q max-size-buffers=0 \
  max-size-bytes=0 max-size-time=0 ! ferclassify name=c THREADS ! fakesink name=sink sync=false"
declare -A element torch
for ((round = 0; round < rounds; round++)); do
  for threads in 1 2; do
    out=$($bench --hold q --time-element c "${held/THREADS/threads=$threads}")
    element[$threads]+=" $(field element_us_per_face "$out")"
    out=$(/usr/bin/python3 tests/bench/bench_classify_torch.py "$model" "$crops" "$threads")
    torch[$threads]+=" $(field torch_forward_us "$out")"
    torch[t$threads]+=" $(field torch_transform_forward_us "$out")"
  done
done
best_torch=$(median ${torch[1]})
[[ $(echo "$(median ${torch[2]}) < $best_torch" | bc -l) == 1 ]] && best_torch=$(median ${torch[2]})
printf '\nper mouth, microseconds (median of %d rounds)   1 thread   2 threads\n' "$rounds"
printf '%-44s %9.1f %11.1f\n' "ferclassify (cut, transform, forward, meta)" \
  "$(median ${element[1]})" "$(median ${element[2]})"
printf '%-44s %9.1f %11.1f\n' "PyTorch batch-1 forward" "$(median ${torch[1]})" "$(median ${torch[2]})"
printf '%-44s %9.1f %11.1f\n' "PyTorch transform + forward" "$(median ${torch[t1]})" \
  "$(median ${torch[t2]})"
printf 'ferclassify (default, 1 thread) / PyTorch forward (its faster setting): %.2fx\n' \
  "$(echo "$(median ${element[1]}) / $best_torch" | bc -l)"

declare -A fps
tails=("fakesink name=sink sync=false"
  "fermouthcrop ! ferclassify ! fakesink name=sink sync=false")
for ((round = 0; round < rounds; round++)); do
  for i in 0 1; do
    fps[$i]+=" $(field fps "$($bench "filesrc location=$video ! decodebin ! ${tails[$i]}")")"
  done
done
printf '\nsteady-state fps on %s: decode %.1f, decode + fermouthcrop + ferclassify %.1f (%.2fx)\n' \
  "$(basename "$video")" "$(median ${fps[0]})" "$(median ${fps[1]})" \
  "$(echo "$(median ${fps[1]}) / $(median ${fps[0]})" | bc -l)"
