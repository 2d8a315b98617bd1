#!/usr/bin/env bash
# Our face detector against the Haar search fermouthcrop runs (detect-width 480, its defaults),
# on the same frames in the same run: time per frame of the detection alone (fer-eval
# --detector, one thread), and their ratio.  Frames: every 10th of ../shared/media's s18.mp4
# (1280x720) and d6.mp4 (480x480).  Each round alternates the two; medians are printed.
#
# Usage: tests/bench/bench-detector.sh [ROUNDS] [DETECTOR]   (default: 3, the bundled model)
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
model=${2:-models/fer-face-detector.safetensors}
media=../shared/media
[[ -f $media/s18.mp4 ]] || { echo "bench: $media/s18.mp4 not found (../shared is needed)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for clip in s18 d6; do
  mkdir -p "$work/$clip"
  gst-launch-1.0 -q filesrc location=$media/$clip.mp4 ! decodebin ! videorate drop-only=true \
    ! video/x-raw,framerate=5/2 ! videoconvert ! pngenc ! multifilesink \
    location="$work/$clip/%04d.png" > /dev/null
  { echo "filename,width,height,x1,y1,x2,y2"
    # The size from the first PNG's header (IHDR: width and height, big-endian, at byte 16).
    size=$(od -An -tu1 -j16 -N8 "$work/$clip/0001.png" \
      | awk '{ printf "%d,%d", $1 * 16777216 + $2 * 65536 + $3 * 256 + $4, $5 * 16777216 + $6 * 65536 + $7 * 256 + $8 }')
    for f in "$work/$clip"/*.png; do echo "$f,$size,,,,"; done; } > "$work/$clip.csv"
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ms() { sed -n "/\"name\" : \"$1/,/}/s/.*\"ms_per_photo\" : \([0-9.]*\).*/\1/p" "$2"; }
printf '%-6s %7s %14s %14s %8s\n' clip frames "ours ms/frame" "Haar ms/frame" "ratio"
for clip in s18 d6; do
  ours=() haar=()
  for ((r = 0; r < rounds; r++)); do
    build/tools/fer-eval/fer-eval --detector "$model" "$work/$clip.csv" --json -t 1 > "$work/out.json"
    ours+=("$(ms ours "$work/out.json")")
    haar+=("$(ms Haar "$work/out.json")")
  done
  o=$(median "${ours[@]}") h=$(median "${haar[@]}")
  printf '%-6s %7d %14.2f %14.2f %8.3f\n' $clip "$(ls "$work/$clip" | wc -l)" "$o" "$h" \
    "$(echo "$o / $h" | bc -l)"
done
echo "(ratio: ours / Haar, same frames, same run; the issue's target: <= 0.25)"
