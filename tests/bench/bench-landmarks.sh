#!/usr/bin/env bash
# Our evaluation of dlib's 68-point landmark model against dlib's own shape_predictor, same faces,
# same run (fer-bench-landmarks): microseconds per face and the ratio, for one face followed
# through a video (the bundled astronaut photo, its box moving by a pixel or two) and for a
# different face on every call (the first 40 helen-dev photos, boxes from their annotated points;
# skipped, saying so, without ../shared).
#
# Usage: tests/bench/bench-landmarks.sh [ROUNDS]   (default: 5)
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-5}
bench=build/tests/bench/fer-bench-landmarks
[[ -x $bench ]] || { echo "bench: build first (tools/setup.sh)" >&2; exit 1; }

echo "one face followed through a video (tests/data/astronaut.jpg):"
$bench tests/data/astronaut.jpg:70,40,90 --rounds "$rounds" | grep -v '^photos'

helen=../shared/datasets/helen-dev
if [[ ! -f $helen/annotations.csv ]]; then
  echo "helen-dev photos: skipped ($helen not found)"
  exit 0
fi
# A square box around each face's 68 points (x, y pairs in the 'points' column).
mapfile -t faces < <(/usr/bin/env python3 - "$helen" <<'PY'
import csv, glob, os, sys
folder = sys.argv[1]
where = {os.path.basename(p): p for p in glob.glob(folder + "/faces/*/*")}   # label folders
with open(folder + "/annotations.csv") as f:
    for row in [r for r in csv.DictReader(f) if r["filename"] in where][:40]:
        v = [float(t) for t in row["points"].split(",")]
        xs, ys = v[0::2], v[1::2]
        side = max(max(xs) - min(xs), max(ys) - min(ys))
        print("%s:%d,%d,%d" % (where[row["filename"]], min(xs), min(ys), side))
PY
)
echo "a different face on every call (${#faces[@]} helen-dev photos):"
$bench "${faces[@]}" --rounds "$rounds" | grep -v '^video'
