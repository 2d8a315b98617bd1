#!/usr/bin/env bash
# Live: the mouth expression of everybody in front of the camera, on screen.
#   examples/camera-to-screen.sh [/dev/videoN]
# FER_SOURCE and FER_SINK replace the camera and the screen (the tests use a file and fakesink).
set -euo pipefail
source=${FER_SOURCE:-"v4l2src device=${1:-/dev/video0} ! videoconvert"}
sink=${FER_SINK:-"videoconvert ! autovideosink"}
exec gst-launch-1.0 -e $source ! fermouthcrop ! ferclassify smoothing=0.6 \
  ! feroverlay show-probabilities=true ! $sink
