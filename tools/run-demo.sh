#!/usr/bin/env bash
# The README's first command: set up, build, and run the main job on the bundled defaults.
# Until the video pipeline exists that is: the engine training and classifying on generated mouth
# images (needs no data), then the bundled model (models/) measured with fer-eval on the
# tutorial's validation images when ../shared is beside this repository.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
mkdir -p build/demo
build/examples/fer-engine-demo --output build/demo/fer-engine-demo.safetensors "$@"
model=models/fer-mouth-simpleconv3.safetensors
val=../shared/datasets/yousan-mouth/val
echo
if [[ -d $val ]]; then
  echo "== the bundled model on the tutorial's validation images ($val)"
  build/tools/fer-eval/fer-eval "$model" "$val"
else
  echo "== $val is not here: skipping the bundled model's evaluation (see models/MODEL.md)"
fi
