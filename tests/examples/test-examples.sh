#!/usr/bin/env bash
# The examples and the demo's main job, run on a generated clip (TAP output), so they never rot:
# fer-make-clip, fer-annotate (the C application and the demo's pipeline: a playable MP4 and one
# JSON line per frame), the launch-line scripts with the camera and screen replaced by the clip
# and fakesink, and the Python example.
# Needs FER_MAKE_CLIP, FER_ANNOTATE and SOURCE_ROOT (set by meson) and GST_PLUGIN_PATH.
set -u
. "$(dirname "$0")/../support/tap.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
examples=$SOURCE_ROOT/examples

"$FER_MAKE_CLIP" --seconds 2 "$work/clip.mp4" > "$work/out" 2> "$work/err"; rc=$?
check "fer-make-clip writes a clip" [ $rc = 0 -a -s "$work/clip.mp4" ]
check "and leaves no partial file" [ ! -e "$work/clip.mp4.partial" ]

"$FER_ANNOTATE" --probabilities -o "$work/annotated.mp4" --json "$work/faces.jsonl" "$work/clip.mp4" \
  > "$work/out" 2> "$work/err"; rc=$?
check "fer-annotate runs the three elements on it" [ $rc = 0 ]
check "one JSON line per frame (50)" [ "$(wc -l < "$work/faces.jsonl" 2>/dev/null)" = 50 ]
with_label=$(grep -c '"label"' "$work/faces.jsonl")
check "a classified face in most frames ($with_label of 50)" [ "$with_label" -ge 40 ]
check "the second face arrives with its own id" has "$work/faces.jsonl" '"id":2'
check "the summary names the files" has "$work/err" "annotated video: $work/annotated.mp4"
"$FER_ANNOTATE" --json "$work/again.jsonl" "$work/annotated.mp4" > /dev/null 2> "$work/err"; rc=$?
check "the annotated MP4 plays back: 50 frames" [ $rc = 0 -a "$(wc -l < "$work/again.jsonl" 2>/dev/null)" = 50 ]
"$FER_ANNOTATE" "$work/nothing.mp4" > /dev/null 2> "$work/err"; rc=$?
check "a missing input exits 1" [ $rc = 1 ]
check "naming it" has "$work/err" "nothing.mp4: no such file"
"$FER_ANNOTATE" --frobnicate "$work/clip.mp4" > /dev/null 2> "$work/err"; rc=$?
check "an unknown option exits 2" [ $rc = 2 ]
"$FER_ANNOTATE" "$work/clip.mp4" > "$work/stdout.jsonl" 2> /dev/null; rc=$?
check "without --json the lines go to standard output" [ $rc = 0 -a "$(wc -l < "$work/stdout.jsonl")" = 50 ]

export FER_SOURCE="filesrc location=$work/clip.mp4 ! decodebin ! videoconvert" FER_SINK="fakesink"
for script in camera-to-screen.sh live-leaky-queue.sh; do
  bash "$examples/$script" > "$work/out" 2>&1; rc=$?
  check "examples/$script runs (camera and screen replaced)" [ $rc = 0 ]
done
unset FER_SOURCE FER_SINK
bash "$examples/file-to-annotated-mp4.sh" "$work/clip.mp4" "$work/script.mp4" > "$work/out" 2>&1; rc=$?
check "examples/file-to-annotated-mp4.sh writes an MP4" [ $rc = 0 -a -s "$work/script.mp4" ]

if /usr/bin/python3 -c 'import gi; gi.require_version("Gst", "1.0"); from gi.repository import Gst; import gi.overrides.Gst' 2> /dev/null; then
  /usr/bin/python3 "$examples/fer-messages.py" "$work/clip.mp4" > "$work/py.jsonl" 2> "$work/err"; rc=$?
  check "examples/fer-messages.py runs" [ $rc = 0 ]
  check "one JSON line per frame from the bus" [ "$(wc -l < "$work/py.jsonl")" = 50 ]
  check "with labels and probabilities" has "$work/py.jsonl" '"probabilities": {"none"'
else
  skip "examples/fer-messages.py" "python3-gi or python3-gst-1.0 is not installed (tools/setup.sh installs them)"
fi

# The typed GstFerMeta from Python: the GstFer-1.0 typelib of this build (GI_TYPELIB_PATH, set
# by meson when the build made it).
if [ -z "${GI_TYPELIB_PATH:-}" ] || [ ! -f "$GI_TYPELIB_PATH/GstFer-1.0.typelib" ]; then
  skip "examples/fer-meta.py" "this build has no GstFer-1.0 typelib (install gobject-introspection and libgirepository1.0-dev, as tools/setup.sh does, and reconfigure)"
elif ! /usr/bin/python3 -c 'import gi; gi.require_version("Gst", "1.0"); from gi.repository import Gst; import gi.overrides.Gst' 2> /dev/null; then
  skip "examples/fer-meta.py" "python3-gi or python3-gst-1.0 is not installed (tools/setup.sh installs them)"
else
  /usr/bin/python3 "$examples/fer-meta.py" "$work/clip.mp4" > "$work/meta.jsonl" 2> "$work/err"; rc=$?
  check "examples/fer-meta.py reads GstFerMeta" [ $rc = 0 ]
  check "one JSON line per frame from the meta" [ "$(wc -l < "$work/meta.jsonl")" = 50 ]
  /usr/bin/python3 - "$work/meta.jsonl" "$work/faces.jsonl" > "$work/compare" 2>&1 <<'PY'
import json, sys
meta = [json.loads(line) for line in open(sys.argv[1])]
c = [json.loads(line) for line in open(sys.argv[2])]
faces = 0
for m, a in zip(meta, c):
    assert [f["id"] for f in m["faces"]] == [f["id"] for f in a["faces"]], (m, a)
    for mf, af in zip(m["faces"], a["faces"]):
        assert mf["face"] == af["face"] and mf["mouth"] == af["mouth"], (mf, af)
        assert len(mf["landmarks"]) == 136
        assert mf["label"] == af["label"], (mf, af)
        assert mf["probabilities"].keys() == af["probabilities"].keys()
        assert all(abs(mf["probabilities"][k] - af["probabilities"][k]) < 1e-4 for k in af["probabilities"])
        faces += 1
assert faces >= 40, faces
print(faces, "faces agree")
PY
  check "the same faces, boxes, labels and probabilities as fer-annotate (C)" [ $? = 0 ]
  sed 's/^/# /' "$work/compare"
fi

tap_done
