#!/usr/bin/env bash
# fermouthcrop against decoding alone and against gst-plugins-bad's facedetect (OpenCV), on the
# same files in the same run: steady-state frames per second of each pipeline (first frame to
# last, measured by fer-bench-pipeline; start-up, mostly reading the 100 MB landmark model, is
# printed apart), and the share of frames in which it reports a face.  Each pipeline runs ROUNDS
# times, alternating, and the median is printed (the machines are noisy).
#
# Usage: tests/bench/bench-mouthcrop.sh [ROUNDS] [VIDEO...]   (default: 3, ../shared/media/s18.mp4 d6.mp4)
# Needs: gstreamer1.0-libav (H.264) and gstreamer1.0-opencv (facedetect): tools/setup.sh --bench.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
shift || true
videos=("$@")
[[ ${#videos[@]} -gt 0 ]] || videos=(../shared/media/s18.mp4 ../shared/media/d6.mp4)
export GST_PLUGIN_PATH=$PWD/build/gst-plugin
bench=build/tests/bench/fer-bench-pipeline
[[ -x $bench ]] && gst-inspect-1.0 fermouthcrop > /dev/null 2>&1 \
  || { echo "bench: build first (tools/setup.sh)" >&2; exit 1; }
gst-inspect-1.0 facedetect > /dev/null 2>&1 || { echo "bench: needs gstreamer1.0-opencv" >&2; exit 1; }

# detect-interval=300: whole-frame searches all but off, so what is left is the per-frame part
# (landmarks, checks): the ceiling a cheaper search could reach.
names=("decode" "decode + fermouthcrop" "decode + fermouthcrop detector=haar"
  "decode + fermouthcrop detect-interval=1"
  "decode + fermouthcrop detect-interval=300" "decode + videoconvert + facedetect")
tails=("fakesink name=sink sync=false"
  "fermouthcrop post-messages=true ! fakesink name=sink sync=false"
  "fermouthcrop post-messages=true detector=haar ! fakesink name=sink sync=false"
  "fermouthcrop post-messages=true detect-interval=1 ! fakesink name=sink sync=false"
  "fermouthcrop post-messages=true detect-interval=300 ! fakesink name=sink sync=false"
  "videoconvert ! facedetect display=false updates=every_frame ! fakesink name=sink sync=false")

field() { sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p" <<< "$2"; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf '%-8s %-42s %8s %9s %7s %10s\n' video pipeline fps "x decode" frames "with face"
for video in "${videos[@]}"; do
  declare -A fps=() startup=()
  for ((round = 0; round < rounds; round++)); do
    for i in "${!tails[@]}"; do
      out=$($bench "filesrc location=$video ! decodebin ! ${tails[$i]}" 2> /dev/null)
      fps[$i]+=" $(field fps "$out")"
      startup[$i]+=" $(field startup_s "$out")"
      frames[$i]=$(field frames "$out")
      faces[$i]=$(field frames_with_face "$out")
    done
  done
  name=$(basename "$video")
  decode_fps=$(median ${fps[0]})
  facedetect_fps=$(median ${fps[5]})
  for i in "${!tails[@]}"; do
    f=$(median ${fps[$i]})
    share="-"
    [[ $i -gt 0 ]] && share=$(printf '%.1f%%' "$(echo "100 * ${faces[$i]} / ${frames[$i]}" | bc -l)")
    printf '%-8s %-42s %8.1f %9.2f %7d %10s   (start-up %.2f s)\n' "$name" "${names[$i]}" "$f" \
      "$(echo "$f / $decode_fps" | bc -l)" "${frames[$i]}" "$share" "$(median ${startup[$i]})"
  done
  printf '%-8s fermouthcrop (defaults) / facedetect: %.1fx\n' "$name" \
    "$(echo "$(median ${fps[1]}) / $facedetect_fps" | bc -l)"
done
