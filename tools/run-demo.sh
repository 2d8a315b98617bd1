#!/usr/bin/env bash
# The README's first command: set up, build, and run the main job on the bundled defaults.
# Until the whole video pipeline exists that is: the engine training and classifying on generated
# mouth images (needs no data); fermouthcrop and ferclassify finding the face, mouth box and
# expression in the bundled photo (tests/data/astronaut.jpg, public domain); and the bundled model (models/) measured with
# fer-eval on the tutorial's validation images when ../shared is beside this repository.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
mkdir -p build/demo
build/examples/fer-engine-demo --output build/demo/fer-engine-demo.safetensors "$@"
echo
echo "== fermouthcrop ! ferclassify on tests/data/astronaut.jpg (the mouth box and expression)"
GST_PLUGIN_PATH=$PWD/build/gst-plugin gst-launch-1.0 -m filesrc location=tests/data/astronaut.jpg \
    ! jpegdec ! imagefreeze num-buffers=1 ! fermouthcrop ! ferclassify post-messages=true \
    ! fakesink | grep -o 'faces=.*' | sed 's/\\//g'
model=models/fer-mouth-simpleconv3.safetensors
val=../shared/datasets/yousan-mouth/val
echo
if [[ -d $val ]]; then
  echo "== the bundled model on the tutorial's validation images ($val)"
  build/tools/fer-eval/fer-eval "$model" "$val"
else
  echo "== $val is not here: skipping the bundled model's evaluation (see models/MODEL.md)"
fi
