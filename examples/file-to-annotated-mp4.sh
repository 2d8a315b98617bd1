#!/usr/bin/env bash
# A video file annotated into an H.264 MP4 (mouth boxes, labels, probability bars).
#   examples/file-to-annotated-mp4.sh INPUT OUTPUT.mp4
set -euo pipefail
[[ $# == 2 ]] || { echo "usage: $0 INPUT OUTPUT.mp4" >&2; exit 2; }
exec gst-launch-1.0 -e filesrc location="$1" ! decodebin ! videoconvert ! fermouthcrop \
  ! ferclassify ! feroverlay show-probabilities=true ! videoconvert ! video/x-raw,format=I420 \
  ! x264enc speed-preset=faster ! mp4mux ! filesink location="$2"
