#!/usr/bin/env bash
# A live source with a leaky queue before the analysis: when the consumer is slower than the
# camera, old frames are dropped in the queue and capture never stalls (latency stays bounded).
#   examples/live-leaky-queue.sh [/dev/videoN]
# FER_SOURCE and FER_SINK replace the camera and the screen (the tests use a file and fakesink).
set -euo pipefail
source=${FER_SOURCE:-"v4l2src device=${1:-/dev/video0} ! videoconvert"}
sink=${FER_SINK:-"videoconvert ! autovideosink sync=false"}
exec gst-launch-1.0 -e $source ! queue leaky=downstream max-size-buffers=2 max-size-bytes=0 \
  max-size-time=0 ! fermouthcrop ! ferclassify ! feroverlay ! $sink
