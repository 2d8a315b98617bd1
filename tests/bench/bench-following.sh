#!/usr/bin/env bash
# fermouthcrop's face following between whole-frame searches against the detector run on every
# frame, on real clips (fer-bench-following): faces matched at IoU >= 0.5, face and mouth box
# IoU, the same label, strays.  Default: the 11 clips of ../shared/media (skipped, saying so,
# without them); PROPERTIES are fermouthcrop's in the run under test.
#
# Usage: tests/bench/bench-following.sh ['PROPERTIES'] [CLIP...]
set -euo pipefail
cd "$(dirname "$0")/../.."
properties=${1:-}
shift || true
clips=("$@")
if [[ ${#clips[@]} -eq 0 ]]; then
  shopt -s nullglob
  clips=(../shared/media/*.mp4 ../shared/media/more/*.mp4)
  [[ ${#clips[@]} -gt 0 ]] || { echo "bench-following: skipped (no ../shared/media clips)"; exit 0; }
fi
bench=build/tests/bench/fer-bench-following
[[ -x $bench ]] || { echo "bench: build first (tools/setup.sh)" >&2; exit 1; }
export GST_PLUGIN_PATH=$PWD/build/gst-plugin
"$bench" --properties "$properties" "${clips[@]}"
