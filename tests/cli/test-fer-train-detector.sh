#!/usr/bin/env bash
# Command-line tests of fer-train-detector and fer-eval --detector (TAP output): usage, bad rows
# and photos reported by line and file, the files a run writes, Ctrl-C and --resume giving the
# model an uninterrupted run gives (to the bit), the model measured by fer-eval and refused
# when it is not a detector.  The photos are generated glyph images with made-up boxes: these
# tests check the tools, not how well the detector finds faces (tests/bench and the model card
# do that on real photos).
# Needs FER_TRAIN_DETECTOR, FER_EVAL and MAKE_FOLDER (set by meson).
set -u
. "$(dirname "$0")/../support/tap.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
train() { "$FER_TRAIN_DETECTOR" --threads 1 "$@"; }
small="--epochs 2 --steps 6 --batch-size 4 --patch 64 --input 128x96 --warmup 4"

"$MAKE_FOLDER" "$work/glyphs" 6 flat 4 >/dev/null
# A CSV of the seed's format: each glyph image with one made-up "face" box, two without faces.
{
  echo "filename,width,height,x1,y1,x2,y2"
  i=0
  for f in "$work"/glyphs/*/*.png; do
    i=$((i + 1))
    rel=${f#"$work"/}
    if [ $((i % 7)) = 0 ]; then echo "$rel,64,64,,,,"; else echo "$rel,64,64,10,8,54,58"; fi
  done
} > "$work/faces.csv"
rows=$(($(wc -l < "$work/faces.csv") - 1))

# Usage
train --help > "$work/help" 2>&1; rc=$?
check "--help exits 0" [ $rc = 0 ]
check "--help documents the CSV format and --resume" bash -c "grep -q 'x1,y1,x2,y2' '$work/help' && grep -q -- '--resume' '$work/help'"
train "$work/faces.csv" -o "$work/d.safetensors" --patch 100 2> "$work/err"; rc=$?
check "a patch that is not a multiple of 32 exits 2" [ $rc = 2 ]
check "naming the option" has "$work/err" "--patch"
train "$work/faces.csv" 2> "$work/err"; rc=$?
check "a missing -o exits 2" [ $rc = 2 ]
train "$work/faces.csv" -o "$work/d.safetensors" --input 320x250 2> "$work/err"; rc=$?
check "an --input that is not multiples of 16 exits 2" [ $rc = 2 ]
train "$work/faces.csv" -o "$work/d.safetensors" --framed-share 1.5 2> "$work/err"; rc=$?
check "a --framed-share past 1 exits 2" [ $rc = 2 ]
check "naming the option" has "$work/err" "--framed-share"

# Bad data
train "$work/nowhere.csv" -o "$work/d.safetensors" 2> "$work/err"; rc=$?
check "a missing CSV exits 1" [ $rc = 1 ]
check "naming it" has "$work/err" "nowhere.csv"
printf 'a.jpg,10,10\nb.jpg,x,10,1,1,2,2\n' > "$work/bad.csv"
train "$work/bad.csv" -o "$work/d.safetensors" 2> "$work/err"; rc=$?
check "a CSV without a usable row exits 1" [ $rc = 1 ]
check "saying no photo is usable" has "$work/err" "no usable photos"
{
  cat "$work/faces.csv"
  echo "glyphs/none/none-0000.png,64,64,30,6,10,44"
  echo "missing.png,64,64,1,1,20,20"
  echo "glyphs/none/none-0001.png,64,48,1,1,20,20"
  echo "broken line"
} > "$work/mixed.csv"
train "$work/mixed.csv" -o "$work/m.safetensors" $small > "$work/out" 2> "$work/err"; rc=$?
check "bad rows and photos do not stop training" [ $rc = 0 ]
check "the empty box is reported by its line" has "$work/m.data-report.txt" "line $((rows + 2)): the box is empty"
check "the size that disagrees is reported by its line" has "$work/m.data-report.txt" "line $((rows + 4)): width and height differ"
check "the broken line is reported" has "$work/m.data-report.txt" "line $((rows + 5)): expected 7 fields"
check "the missing photo is reported by file" has "$work/m.data-report.txt" "missing.png"
check "and counted on stderr" has "$work/err" "rows left out"

# A run: its files, its log
train "$work/faces.csv" -o "$work/a.safetensors" --dev "$work/faces.csv" $small > "$work/out" 2> "$work/err"; rc=$?
check "a small run exits 0" [ $rc = 0 ]
for f in a.safetensors a.last.safetensors a.ckpt.safetensors a.metrics.jsonl a.plot.svg; do
  check "it writes $f" [ -s "$work/$f" ]
done
check "and a data report (empty: every row was used)" [ -e "$work/a.data-report.txt" ] && [ ! -s "$work/a.data-report.txt" ]
check "one metrics line per epoch" [ "$(wc -l < "$work/a.metrics.jsonl")" = 2 ]
check "with the dev measures" has "$work/a.metrics.jsonl" '"dev_average_precision"'
check "the plot is SVG with curves" has "$work/a.plot.svg" "<polyline"
check "each epoch is logged" has "$work/out" "epoch 2/2"
check "the summary names the model" has "$work/out" "best epoch"

# Ctrl-C, then --resume: the same model as the uninterrupted run, to the bit
long="--epochs 2 --steps 200 --batch-size 4 --patch 64 --input 128x96 --warmup 4"
train "$work/faces.csv" -o "$work/u.safetensors" $long > /dev/null 2>&1
# The program itself in the background (not through the function: $! would be a subshell).
"$FER_TRAIN_DETECTOR" --threads 1 "$work/faces.csv" -o "$work/i.safetensors" $long \
  > "$work/out" 2> "$work/err" &
pid=$!
for _ in $(seq 1 100); do
  grep -q "training:" "$work/out" 2>/dev/null && break
  sleep 0.05
done
sleep 0.3
kill -INT $pid 2>/dev/null
wait $pid; rc=$?
if [ $rc = 130 ]; then
  pass "Ctrl-C exits 130"
  check "saying how to resume" has "$work/err" "--resume"
  train "$work/faces.csv" -o "$work/i.safetensors" --resume > "$work/out2" 2> "$work/err2"; rc=$?
  check "--resume finishes the run" [ $rc = 0 ]
  check "and says it resumed" has "$work/out2" "(resumed)"
else
  skip "Ctrl-C exits 130" "the run ended (rc $rc) before the signal came"
fi
check "the resumed model is the uninterrupted one, to the bit" cmp "$work/u.last.safetensors" "$work/i.last.safetensors"
train "$work/faces.csv" -o "$work/i.safetensors" --resume > /dev/null 2> "$work/err"; rc=$?
check "resuming a finished run exits 1" [ $rc = 1 ]
check "saying to give more epochs" has "$work/err" "already done"
train "$work/faces.csv" -o "$work/i.safetensors" --resume --epochs 3 > "$work/out" 2>&1; rc=$?
check "--resume --epochs 3 trains one more epoch" bash -c "[ $rc = 0 ] && grep -q 'epoch 3/3' '$work/out'"
printf 'not a checkpoint' > "$work/j.ckpt.safetensors"
train "$work/faces.csv" -o "$work/j.safetensors" --resume 2> "$work/err"; rc=$?
check "a damaged checkpoint exits 1" [ $rc = 1 ]
check "naming it" has "$work/err" "j.ckpt.safetensors"

# --init: a new run that starts from a model's weights.  With a learning rate of 1e-9 the
# weights move by ~1e-9 a step: the first convolution stays the model's to 6 decimals, while
# a run from random weights is nowhere near it.
weights() {
  /usr/bin/env python3 -c '
import json, struct, sys
raw = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
info = json.loads(raw[8:8 + n])[sys.argv[2]]
a, b = info["data_offsets"]
values = struct.unpack("<%df" % ((b - a) // 4), raw[8 + n + a:8 + n + b])
print(" ".join("%.6f" % v for v in values))' "$@"
}
train "$work/faces.csv" -o "$work/f.safetensors" --init "$work/a.last.safetensors" --lr 1e-9 $small > "$work/out" 2> "$work/err"; rc=$?
check "--init trains from the model given" [ $rc = 0 ]
check "its first convolution starts as the model's" [ "$(weights "$work/f.last.safetensors" conv1.0.weight)" = "$(weights "$work/a.last.safetensors" conv1.0.weight)" ]
train "$work/faces.csv" -o "$work/g.safetensors" --seed 2 --lr 1e-9 $small > "$work/out" 2> "$work/err"; rc=$?
check "(random weights do not)" [ "$(weights "$work/g.last.safetensors" conv1.0.weight)" != "$(weights "$work/a.last.safetensors" conv1.0.weight)" ]
train "$work/faces.csv" -o "$work/h.safetensors" --init "$work/faces.csv" $small 2> "$work/err"; rc=$?
check "--init with a file that is not a model exits 1 naming it" bash -c "[ $rc = 1 ] && grep -q 'faces.csv' '$work/err'"

# fer-eval --detector
"$FER_EVAL" --detector "$work/a.safetensors" "$work/faces.csv" --no-haar > "$work/out" 2> "$work/err"; rc=$?
check "fer-eval --detector measures the model" [ $rc = 0 ]
check "with recall and average precision" bash -c "grep -q recall '$work/out' && grep -q AP '$work/out'"
check "as fermouthcrop runs it: with the second look" has "$work/out" "2nd look"
"$FER_EVAL" --detector "$work/a.safetensors" "$work/faces.csv" --no-haar --no-second-look > "$work/out" 2> "$work/err"; rc=$?
check "--no-second-look: the whole-frame pass alone" bash -c "[ $rc = 0 ] && grep -q recall '$work/out' && ! grep -q '2nd look' '$work/out'"
"$FER_EVAL" --no-second-look "$work/a.safetensors" "$work/faces.csv" 2> "$work/err"; rc=$?
check "--no-second-look without --detector exits 2 naming it" bash -c "[ $rc = 2 ] && grep -q -- '--no-second-look' '$work/err'"
"$FER_EVAL" --detector "$work/a.safetensors" "$work/faces.csv" --no-haar --json > "$work/json" 2> "$work/err"; rc=$?
check "and as JSON" bash -c "[ $rc = 0 ] && grep -q '\"average_precision\"' '$work/json'"
"$FER_EVAL" --detector "$work/a.safetensors" "$work/faces.csv" -p "$work/boxes.jsonl" > "$work/out" 2> "$work/err"; rc=$?
check "--predictions writes a line per photo" bash -c "[ $rc = 0 ] && [ \$(wc -l < '$work/boxes.jsonl') = $rows ]"
check "with its faces, our scored boxes and Haar's" bash -c "grep -q '\"faces\":\[\[10,8,54,58\]\]' '$work/boxes.jsonl' && grep -q '\"ours\":\[' '$work/boxes.jsonl' && grep -q '\"haar\":\[' '$work/boxes.jsonl'"
check "every one a JSON object" /usr/bin/python3 -c "import json,sys; [json.loads(l) for l in open('$work/boxes.jsonl')]"
"$FER_EVAL" --detector "$work/a.safetensors" "$work/faces.csv" --no-haar -p "$work/nowhere/boxes.jsonl" > "$work/out" 2> "$work/err"; rc=$?
check "an unwritable --predictions exits 1 naming it" bash -c "[ $rc = 1 ] && grep -q 'nowhere/boxes.jsonl' '$work/err'"
cp "$work/a.safetensors" "$work/t.safetensors"
"$FER_EVAL" --detector "$work/t.safetensors" "$work/faces.csv" --no-haar --calibrate-threshold 0.01 > "$work/out" 2> "$work/err"; rc=$?
check "--calibrate-threshold writes a threshold into the model" bash -c "[ $rc = 0 ] && grep -q 'score threshold' '$work/out'"
"$FER_EVAL" --detector "$work/t.safetensors" "$work/faces.csv" --no-haar > "$work/out2" 2> "$work/err"; rc=$?
# The table prints the threshold with 4 decimals, as the line that wrote it.
written=$(sed -n 's/^score threshold \([0-9.]*\).*/\1/p' "$work/out")
check "which the model then uses" has "$work/out2" "p >= $written"
"$FER_EVAL" --detector "$work/t.safetensors" "$work/faces.csv" --no-haar --set-threshold 0.42 > "$work/out" 2> "$work/err"; rc=$?
check "--set-threshold writes the threshold given" bash -c "[ $rc = 0 ] && grep -q 'score threshold 0.4200 written' '$work/out'"
"$FER_EVAL" --detector "$work/t.safetensors" "$work/faces.csv" --no-haar > "$work/out2" 2> "$work/err"; rc=$?
check "which the model then uses" has "$work/out2" "p >= 0.4200"
"$FER_EVAL" --detector "$work/t.safetensors" "$work/faces.csv" --no-haar --set-threshold 1.5 2> "$work/err"; rc=$?
check "--set-threshold 1.5 exits 2 naming the option" bash -c "[ $rc = 2 ] && grep -q -- '--set-threshold' '$work/err'"
"$FER_EVAL" --detector "$work/a.ckpt.safetensors" "$work/faces.csv" 2> "$work/err"; rc=$?
check "a checkpoint is not a detector model: exit 1" [ $rc = 1 ]
"$FER_EVAL" --detector "$work/faces.csv" "$work/faces.csv" 2> "$work/err"; rc=$?
check "a CSV given as the model: exit 1" [ $rc = 1 ]
check "naming the file" has "$work/err" "faces.csv"
"$FER_EVAL" --detector "$work/a.safetensors" 2> "$work/err"; rc=$?
check "--detector without a CSV exits 2" [ $rc = 2 ]
"$FER_EVAL" --detector "$work/a.safetensors" "$work/faces.csv" --input 100x100 2> "$work/err"; rc=$?
check "a bad --input exits 2" [ $rc = 2 ]

tap_done
