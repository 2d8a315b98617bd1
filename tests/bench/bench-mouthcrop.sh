#!/usr/bin/env bash
# fermouthcrop against decoding alone and against gst-plugins-bad's facedetect (OpenCV), on the
# same files in the same run: frames per second of each pipeline and the share of frames in
# which it reports a face.
#
# Usage: tests/bench/bench-mouthcrop.sh [VIDEO...]   (default: ../shared/media/s18.mp4 d6.mp4)
# Needs: gstreamer1.0-libav (H.264) and gstreamer1.0-opencv (facedetect): tools/setup.sh --bench.
set -euo pipefail
cd "$(dirname "$0")/../.."
videos=("$@")
[[ ${#videos[@]} -gt 0 ]] || videos=(../shared/media/s18.mp4 ../shared/media/d6.mp4)
export GST_PLUGIN_PATH=$PWD/build/gst-plugin
gst-inspect-1.0 facedetect > /dev/null 2>&1 || { echo "bench: needs gstreamer1.0-opencv" >&2; exit 1; }
gst-inspect-1.0 fermouthcrop > /dev/null 2>&1 || { echo "bench: build first (tools/setup.sh)" >&2; exit 1; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Runs a pipeline to the end; prints "seconds frames frames-with-a-face".
run() {
  local start end
  start=$(date +%s.%N)
  gst-launch-1.0 -m "$@" > "$log" 2>&1
  end=$(date +%s.%N)
  local frames faces
  frames=$(grep -c 'fermouthcrop, \|facedetect, ' "$log" || true)
  faces=$(grep 'fermouthcrop, \|facedetect, ' "$log" | grep -vc 'faces=(structure){ }\|faces=(structure)< >' || true)
  echo "$(echo "$end - $start" | bc -l) $frames $faces"
}

printf '%-10s %-34s %8s %8s %10s\n' video pipeline fps frames "with face"
for video in "${videos[@]}"; do
  # Decoding alone posts no per-frame message: its frame count is fermouthcrop's.
  read -r s _ _ <<< "$(run filesrc location="$video" ! decodebin ! fakesink sync=false)"
  read -r s_crop n_crop f_crop <<< "$(run filesrc location="$video" ! decodebin ! fermouthcrop post-messages=true ! fakesink sync=false)"
  read -r s_crop3 n_crop3 f_crop3 <<< "$(run filesrc location="$video" ! decodebin ! fermouthcrop post-messages=true detect-interval=3 ! fakesink sync=false)"
  read -r s_fd n_fd f_fd <<< "$(run filesrc location="$video" ! decodebin ! videoconvert ! facedetect display=false updates=every_frame ! fakesink sync=false)"
  name=$(basename "$video")
  printf '%-10s %-34s %8.1f %8d %10s\n' "$name" "decode" "$(echo "$n_crop / $s" | bc -l)" "$n_crop" "-"
  printf '%-10s %-34s %8.1f %8d %9.1f%%\n' "$name" "decode + fermouthcrop" "$(echo "$n_crop / $s_crop" | bc -l)" "$n_crop" "$(echo "100 * $f_crop / $n_crop" | bc -l)"
  printf '%-10s %-34s %8.1f %8d %9.1f%%\n' "$name" "decode + fermouthcrop interval 3" "$(echo "$n_crop3 / $s_crop3" | bc -l)" "$n_crop3" "$(echo "100 * $f_crop3 / $n_crop3" | bc -l)"
  printf '%-10s %-34s %8.1f %8d %9.1f%%\n' "$name" "decode + videoconvert + facedetect" "$(echo "$n_fd / $s_fd" | bc -l)" "$n_fd" "$(echo "100 * $f_fd / $n_fd" | bc -l)"
done
