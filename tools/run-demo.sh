#!/usr/bin/env bash
# The main job on the bundled defaults: sets up and builds gst-fer, makes a short sample clip
# with real faces from the bundled public-domain photo (tests/data/astronaut.jpg, NASA: moved and
# scaled over time, a second face arriving), and runs it through
#   fermouthcrop ! ferclassify ! feroverlay
# with the bundled model into an annotated MP4 and a JSON-lines file (each frame's faces,
# labels and probabilities), then says where they are and what was found.
#
# Usage: tools/run-demo.sh [VIDEO_FILE | /dev/videoN]   (your own file or camera instead of the
# sample clip; Ctrl-C ends a camera run and still finishes both files)
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/setup.sh
export GST_PLUGIN_PATH=$PWD/build/gst-plugin
mkdir -p build/demo

input=${1:-}
if [[ -z $input ]]; then
  input=build/demo/sample.mp4
  if [[ ! -f $input ]]; then
    echo "== making the sample clip from tests/data/astronaut.jpg"
    build/examples/fer-make-clip "$input"
  fi
fi
name=$(basename "${input%.*}")
video=build/demo/$name.annotated.mp4
json=build/demo/$name.faces.jsonl

echo "== $input through fermouthcrop ! ferclassify ! feroverlay (model: models/fer-mouth-simpleconv3.safetensors)"
build/tools/fer-annotate/fer-annotate --probabilities --output "$video" --json "$json" "$input"
echo
echo "annotated video:  $video"
echo "faces per frame:  $json ($(wc -l < "$json") lines), e.g. frame 0:"
head -n 1 "$json"
