#!/usr/bin/env bash
# The tools and the elements under faults (TAP output):
#   - every tool's outputs in a folder that does not exist, a path that is a folder, a read-only
#     folder: a clear error naming the path, exit 1, before any work;
#   - the landmark model's cache folder unusable (not a folder, disk full) or its cache damaged:
#     fermouthcrop still starts, with one warning;
#   - fer-train: the disk full while a checkpoint is written, and SIGKILL at random moments
#     (FER_KILL_TRIALS, default 20): what was there stays loadable and --resume ends on the model
#     of an uninterrupted run;
#   - fer-prep: photos that disappear or turn to garbage while it runs are reported; it goes on.
# Needs FER_TRAIN, FER_EVAL, FER_PREP, FER_ANNOTATE, MAKE_FOLDER, SOURCE_ROOT and, for the
# elements, GST_PLUGIN_PATH (set by meson).
set -u
. "$(dirname "$0")/../support/tap.sh"

work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
chmod 755 "$work"   # read by the unprivileged user of the read-only cases
model=$SOURCE_ROOT/models/fer-mouth-simpleconv3.safetensors
photo=$SOURCE_ROOT/tests/data/astronaut.jpg

# A read-only folder must stop even root: the read-only cases run as 'nobody' when we are root.
mkdir "$work/ro" "$work/adir"
chmod 555 "$work/ro"
as_user() { if [ "$(id -u)" = 0 ]; then setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; else "$@"; fi; }

"$MAKE_FOLDER" "$work/data" 8 split 1
mkdir -p "$work/raw/smile"
cp "$photo" "$work/raw/smile/a.jpg"
cp "$SOURCE_ROOT/tests/data/pattern.jpg" "$work/raw/smile/b.jpg"
"$FER_ANNOTATE" --help > /dev/null 2>&1   # (the tool is there)
# (With GStreamer's own plugins only: gst-launch-1.0 cannot load a sanitizer build's plugin.)
env -u GST_PLUGIN_PATH GST_REGISTRY="$work/plain-registry.bin" gst-launch-1.0 -q \
  filesrc location="$photo" ! jpegdec ! videoconvert ! x264enc ! mp4mux \
  ! filesink location="$work/clip.mp4" > /dev/null 2>&1 || fail "making a clip with gst-launch-1.0"
chmod -R a+rX "$work/data" "$work/raw" "$work/clip.mp4"

# tool NAME COMMAND...: runs it in $work; rc, out, err left behind.
run() { (cd "$work" && "$@") > "$work/out" 2> "$work/err"; rc=$?; }
bad_output() {
  local what=$1 text=$2
  shift 2
  check "$what: exit 1" [ $rc = 1 ]
  check "$what: says why, naming the path" has "$work/err" "$text"
}

# --- Outputs that cannot be written ------------------------------------------------------------
run "$FER_TRAIN" -t 1 -e 1 data -o nope/m.safetensors
bad_output "fer-train -o in a missing folder" "the folder 'nope' does not exist"
check "fer-train: before training" bash -c "! grep -q epoch '$work/out'"
run "$FER_TRAIN" -t 1 -e 1 data -o adir
bad_output "fer-train -o a folder" "'adir': it is a folder"
run as_user "$FER_TRAIN" -t 1 -e 1 data -o ro/m.safetensors
bad_output "fer-train -o in a read-only folder" "the folder 'ro' does not take new files"
check "fer-train: before training" bash -c "! grep -q epoch '$work/out'"

run "$FER_EVAL" -t 1 "$model" data/val -p nope/p.jsonl
bad_output "fer-eval -p in a missing folder" "the folder 'nope' does not exist"
run "$FER_EVAL" -t 1 "$model" data/val -p adir
bad_output "fer-eval -p a folder" "'adir': it is a folder"
run as_user "$FER_EVAL" -t 1 "$model" data/val -p ro/p.jsonl
bad_output "fer-eval -p in a read-only folder" "the folder 'ro' does not take new files"

run "$FER_PREP" -t 1 raw nope/out
bad_output "fer-prep OUT_DIR in a missing folder" "the folder 'nope' does not exist"
check "fer-prep: nothing created" [ ! -e "$work/nope" ]
touch "$work/afile"
run "$FER_PREP" -t 1 raw afile
bad_output "fer-prep OUT_DIR a file" "'afile': it is a file, not a folder"
run as_user "$FER_PREP" -t 1 raw ro/out
bad_output "fer-prep OUT_DIR in a read-only folder" "the folder 'ro' does not take new files"
run "$FER_PREP" -t 1 raw prepped --keep-rejected nope/kept
bad_output "fer-prep --keep-rejected in a missing folder" "the folder 'nope' does not exist"
check "fer-prep: before any work (no OUT_DIR)" [ ! -e "$work/prepped" ]

run "$FER_ANNOTATE" clip.mp4 -o nope/a.mp4
bad_output "fer-annotate -o in a missing folder" "the folder 'nope' does not exist"
run "$FER_ANNOTATE" clip.mp4 -j adir
bad_output "fer-annotate -j a folder" "'adir': it is a folder"
run as_user env GST_REGISTRY="$work/user-registry.bin" "$FER_ANNOTATE" clip.mp4 -o ro/a.mp4
bad_output "fer-annotate -o in a read-only folder" "the folder 'ro' does not take new files"
run env GST_PLUGIN_PATH= GST_REGISTRY="$work/empty-registry.bin" "$FER_ANNOTATE" clip.mp4
bad_output "fer-annotate without the plugin" "GST_PLUGIN_PATH"

# --- The landmark model's cache ----------------------------------------------------------------
# fermouthcrop on the photo, its messages on stdout; the face must be found.
crop() {
  gst-launch-1.0 -m filesrc location="$photo" ! jpegdec ! videoconvert \
    ! imagefreeze num-buffers=2 ! fermouthcrop post-messages=true ! fakesink \
    > "$work/crop.out" 2> "$work/crop.err"
  rc=$?
}
warnings() { grep -c "cannot keep the landmark model's flat copy" "$work/crop.err"; }
if ! gst-inspect-1.0 fermouthcrop > /dev/null 2>&1; then
  skip "fermouthcrop with an unusable landmark cache" \
    "gst-launch-1.0 cannot load this build's plugin (a sanitizer build): run in the optimised build"
else
echo "not a folder" > "$work/cache-file"
XDG_CACHE_HOME=$work/cache-file crop
check "cache folder not a folder: fermouthcrop runs" [ $rc = 0 ]
check "and finds the face" has "$work/crop.out" "mouth"
check "with one warning saying why ($(warnings))" [ "$(warnings)" = 1 ]
mkdir "$work/small-disk"
( trap '' XFSZ; ulimit -f 4000; XDG_CACHE_HOME=$work/small-disk crop; exit $rc ); rc=$?
check "cache disk full (4 MB file limit): fermouthcrop runs" [ $rc = 0 ]
check "with one warning saying why ($(warnings))" [ "$(warnings)" = 1 ]
check "and no partial cache left" [ -z "$(find "$work/small-disk" -type f)" ]
mkdir "$work/cache"
XDG_CACHE_HOME=$work/cache crop
cache=$(find "$work/cache" -name '*.flat' | head -1)
check "a writable cache folder gets the flat copy" [ -n "$cache" ]
check "without a warning" [ "$(warnings)" = 0 ]
if [ -n "$cache" ]; then
  cp "$cache" "$work/cache.good"
  # Damaged in its middle (the counts at its start still valid): only the checks of what the
  # counts point at can tell.
  size=$(stat -c %s "$cache")
  head -c 4096 /dev/urandom | dd of="$cache" bs=1 seek=$((size / 2)) conv=notrunc 2> /dev/null
  cp "$cache" "$work/cache.damaged"
  XDG_CACHE_HOME=$work/cache crop
  check "a damaged cache is refused: fermouthcrop runs" [ $rc = 0 ]
  check "and finds the face" has "$work/crop.out" "mouth"
  check "the damaged cache is replaced by a good one" cmp -s "$cache" "$work/cache.good"
fi
fi

# --- fer-train: disk full during a checkpoint --------------------------------------------------
"$MAKE_FOLDER" "$work/small" 40 split 4
learn=(-t 2 --batch-size 16 --seed 5)
"$FER_TRAIN" "${learn[@]}" "$work/small" -o "$work/whole.safetensors" -e 3 > /dev/null 2>&1 \
  || fail "the uninterrupted reference run"
(cd "$work" && "$FER_TRAIN" "${learn[@]}" "$work/small" -o full.safetensors -e 1 > /dev/null 2>&1)
cp "$work/full.ckpt.safetensors" "$work/full.ckpt.before"
# A 9 MB file limit (with SIGXFSZ ignored, writes past it fail with EFBIG as on a full disk):
# the 6 MB models fit, the 13 MB checkpoint does not.
( cd "$work" && trap '' XFSZ && ulimit -f 9000 \
  && exec "$FER_TRAIN" "${learn[@]}" "$work/small" -o full.safetensors -e 3 --resume ) \
  > "$work/full.out" 2> "$work/full.err"; rc=$?
check "disk full at the checkpoint: fer-train stops with exit 1" [ $rc = 1 ]
check "naming the checkpoint and the cause" has "$work/full.err" "full.ckpt.safetensors"
check "the previous checkpoint is untouched" cmp -s "$work/full.ckpt.before" "$work/full.ckpt.safetensors"
check "no temporary file left" [ -z "$(find "$work" -maxdepth 1 -name 'full.*tmp-*')" ]
check "the model there loads" bash -c "'$FER_EVAL' -t 1 '$work/full.safetensors' '$work/small/val' > /dev/null"
(cd "$work" && "$FER_TRAIN" "${learn[@]}" "$work/small" -o full.safetensors -e 3 --resume > /dev/null 2>&1); rc=$?
check "--resume with room again finishes" [ $rc = 0 ]
check "on the uninterrupted run's model" cmp -s "$work/whole.last.safetensors" "$work/full.last.safetensors"

# --- fer-train: SIGKILL at random moments ------------------------------------------------------
trials=${FER_KILL_TRIALS:-20}
start=$(date +%s%N)
"$FER_TRAIN" "${learn[@]}" "$work/small" -o "$work/timed.safetensors" -e 3 > /dev/null 2>&1
run_ms=$(( ($(date +%s%N) - start) / 1000000 ))
ok_loadable=0; ok_same=0
for trial in $(seq "$trials"); do
  rm -f "$work"/kill.*
  # A moment anywhere in the run (seeded by the trial: the same moments every time).
  delay_ms=$(( (trial * 7919) % run_ms ))
  "$FER_TRAIN" "${learn[@]}" "$work/small" -o "$work/kill.safetensors" -e 3 > /dev/null 2>&1 &
  pid=$!
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  kill -KILL $pid 2> /dev/null
  wait $pid 2> /dev/null
  loadable=1
  [ -e "$work/kill.last.safetensors" ] && ! "$FER_EVAL" -t 1 "$work/kill.last.safetensors" \
    "$work/small/val" > /dev/null 2>&1 && loadable=0
  resume=()
  [ -e "$work/kill.ckpt.safetensors" ] && resume=(--resume)
  "$FER_TRAIN" "${learn[@]}" "$work/small" -o "$work/kill.safetensors" -e 3 "${resume[@]}" \
    > "$work/kill.out" 2>&1 || grep -q "already finished" "$work/kill.out" || loadable=0
  if [ $loadable = 1 ]; then
    ok_loadable=$((ok_loadable + 1))
  else
    echo "# trial $trial (killed at $delay_ms ms): $(tail -n 1 "$work/kill.out")"
  fi
  cmp -s "$work/whole.last.safetensors" "$work/kill.last.safetensors" && ok_same=$((ok_same + 1))
done
check "SIGKILL at $trials moments of a ${run_ms} ms run: what was written stays loadable ($ok_loadable/$trials)" \
  [ $ok_loadable = "$trials" ]
check "and --resume ends on the uninterrupted model ($ok_same/$trials)" [ $ok_same = "$trials" ]

# --- fer-prep: photos that vanish or turn to garbage mid-run -----------------------------------
# 40 copies of the photo (distinct files: a byte appended after the JPEG's end); those named zz-
# are processed last, and are taken away or damaged while the first ones are worked on.
mkdir -p "$work/many/smile"
for i in $(seq -w 1 40); do
  { cat "$photo"; printf '%s' "$i"; } > "$work/many/smile/p$i.jpg"
done
for i in 1 2 3 4; do cp "$work/many/smile/p0$i.jpg" "$work/many/smile/zz-$i.jpg"; done
"$FER_PREP" -t 1 "$work/many" "$work/many-out" > "$work/prep.out" 2> "$work/prep.err" &
pid=$!
for _ in $(seq 200); do
  [ -n "$(find "$work/many-out" -name '*.png' 2> /dev/null | head -1)" ] && break
  sleep 0.05
done
rm -f "$work/many/smile/zz-1.jpg" "$work/many/smile/zz-2.jpg"
head -c 5000 /dev/urandom > "$work/many/smile/zz-3.jpg"
: > "$work/many/smile/zz-4.jpg"
if kill -0 $pid 2> /dev/null; then
  wait $pid; rc=$?
  check "fer-prep with photos vanishing mid-run finishes" [ $rc = 0 ]
  report=$work/many-out/prep-report.txt
  check "reporting the vanished ones" bash -c "grep -q 'zz-1.jpg' '$report' && grep -q 'zz-2.jpg' '$report'"
  check "and the damaged ones" bash -c "grep -q 'zz-3.jpg' '$report' && grep -q 'zz-4.jpg' '$report'"
  check "while the others were prepared" [ "$(find "$work/many-out" -name '*.png' | wc -l)" -ge 1 ]
else
  wait $pid
  skip "fer-prep with photos vanishing mid-run" "it finished before the files could be taken away"
fi

tap_done
