#!/usr/bin/env bash
# The examples and the demo's main job, run on a generated clip (TAP output), so they never rot:
# fer-make-clip, fer-annotate (the C application and the demo's pipeline: a playable MP4 and one
# JSON line per frame), the launch-line scripts with the camera and screen replaced by the clip
# and fakesink, and the Python example.
# Needs FER_MAKE_CLIP, FER_ANNOTATE and SOURCE_ROOT (set by meson) and GST_PLUGIN_PATH.
set -u
n=0; failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for line in "$@"; do echo "# $line"; done; }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what" "command: $*"; fi; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
has() { grep -q -- "$2" "$1" || { echo "# '$2' not in $1:"; sed 's/^/#   /' "$1" | head -20; return 1; }; }
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

echo "1..$n"
[ $failed = 0 ]
