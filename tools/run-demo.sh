#!/usr/bin/env bash
# The README's first command: set up, build, and run the main job on the bundled defaults.
# Today that is the engine on its own: train simpleconv3 on generated mouth images, save it as
# safetensors, load it back and classify with it (the video pipeline arrives with the plugin).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
mkdir -p build/demo
exec build/examples/fer-engine-demo --output build/demo/fer-engine-demo.safetensors "$@"
