#!/usr/bin/env bash
# fer-prep from the outside (TAP output): a generated raw tree (real faces from the bundled
# public-domain photo; exact and near duplicates; empty, text, truncated, faceless and hidden
# files) gives exactly the expected report, RAW_DIR is unchanged (checksums before and after), a
# second run is refused, --keep-rejected, --faces all, --min-mouth, video input; with ../shared,
# helen-dev: the crops' mouth boxes against the annotated landmarks, and kill -9 + --resume
# ending with the same result as one run.
# Needs FER_PREP, FER_EVAL, FER_MAKE_CLIP, MAKE_RAW_TREE, MAKE_FOLDER, SOURCE_ROOT; SHARED.
set -u
. "$(dirname "$0")/../support/tap.sh"
# count REPORT_JSON CLASS OUTCOME
count() { /usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["classes"][sys.argv[2]][sys.argv[3]])' "$@" 2>/dev/null; }
tree_sum() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum; find . | sort) | sha256sum; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
model=$SOURCE_ROOT/models/fer-mouth-simpleconv3.safetensors

"$MAKE_FOLDER" "$work/glyphs" 2 flat 1 > /dev/null
"$MAKE_RAW_TREE" "$SOURCE_ROOT/tests/data/astronaut.jpg" "$work/glyphs/none/none-0000.png" "$work/raw"
before=$(tree_sum "$work/raw")

"$FER_PREP" "$work/raw" "$work/out" > "$work/stdout" 2> "$work/err"; rc=$?
check "fer-prep runs on the raw tree" [ $rc = 0 ]
report=$work/out/prep-report.json
while read -r class outcome expected; do
  got=$(count "$report" "$class" "$outcome")
  check "$class: $outcome $expected (got ${got:-?})" [ "${got:-x}" = "$expected" ]
done << 'EOF_COUNTS'
smile accepted 3
smile duplicate 1
smile near-duplicate 1
smile no-face 0
none accepted 1
none empty 1
none not-image 1
none corrupt 1
none no-face 2
none duplicate 0
EOF_COUNTS
check "RAW_DIR is unchanged (checksums and names)" [ "$(tree_sum "$work/raw")" = "$before" ]
check "the report names each rejected file and why" has "$work/out/prep-report.txt" "not-image: none/notes.jpg"
check "the duplicate names the file it repeats" has "$work/out/prep-report.txt" "same bytes as smile/astronaut.png"
check "the hidden file is ignored" bash -c "! grep -q hidden '$work/out/prep-report.txt'"
crops=$(find "$work/out/train" "$work/out/val" -name '*.png' | wc -l)
check "4 crops in train/ and val/ ($crops)" [ "$crops" = 4 ]
check "the JSON report lists every kept crop with its mouth opening (lip gap / width)" \
  /usr/bin/python3 -c "
import json, sys
crops = json.load(open(sys.argv[1]))['crops']
assert len(crops) == 4, crops
assert all(0 <= c['opening'] < 1 and len(c['mouth']) == 4 for c in crops), crops
assert all(len(c['landmarks']) == 136 for c in crops), crops" "$report"
check "train/ and val/ each list their crops' landmarks in landmarks.csv" /usr/bin/python3 -c "
import csv, os, sys
for part in ('train', 'val'):
    d = os.path.join(sys.argv[1], part)
    rows = list(csv.DictReader(open(os.path.join(d, 'landmarks.csv'))))
    files = sorted(os.path.join(c, f) for c in os.listdir(d) if os.path.isdir(os.path.join(d, c))
                   for f in os.listdir(os.path.join(d, c)))
    assert sorted(r['file'] for r in rows) == files, (rows, files)
    assert all(len(r['points'].split(',')) == 136 for r in rows)" "$work/out"
check "smile split 9:1 keeps one in val" [ "$(ls "$work/out/val/smile" | wc -l)" = 1 ]
check "the throughput line" has "$work/stdout" "inputs/s"
"$FER_EVAL" "$model" "$work/out/train" > "$work/eval" 2>&1; rc=$?
check "fer-eval reads the result as an ImageFolder" [ $rc = 0 ]

"$FER_PREP" "$work/raw" "$work/out" > /dev/null 2> "$work/err"; rc=$?
check "a second run into the same OUT_DIR is refused" [ $rc = 1 ]
check "saying how to continue" has "$work/err" "--resume"
"$FER_PREP" --resume "$work/raw" "$work/out" > /dev/null 2> "$work/err"; rc=$?
check "--resume of a finished run says so" [ $rc = 1 ] 
check "as complete" has "$work/err" "already complete"
"$FER_PREP" "$work/raw" "$work/raw/inside" > /dev/null 2> "$work/err"; rc=$?
check "OUT_DIR inside RAW_DIR is refused" [ $rc = 1 -a ! -e "$work/raw/inside" ]
"$FER_PREP" "$work/nowhere" "$work/o2" > /dev/null 2> "$work/err"; rc=$?
check "a missing RAW_DIR exits 1 naming it" [ $rc = 1 ] 
"$FER_PREP" --faces some "$work/raw" "$work/o3" > /dev/null 2> "$work/err"; rc=$?
check "a bad --faces exits 2" [ $rc = 2 ]

# (No padding: the two-face photo is twice as wide, and padded its faces would shrink below what
# the detector finds at fermouthcrop's detection width.)
"$FER_PREP" --faces all --padding 0 --keep-rejected "$work/kept" "$work/raw" "$work/all" > /dev/null 2>&1; rc=$?
check "--faces all runs" [ $rc = 0 ]
crops=$(find "$work/all/train" "$work/all/val" -name '*.png' | wc -l)
check "and cuts both faces of the two-face photo (5 crops: $crops)" [ "$crops" = 5 ]
check "--keep-rejected copies the text file" [ -f "$work/kept/none/not-image/notes.jpg" ]
check "and the exact duplicate, byte for byte" cmp -s "$work/kept/smile/duplicate/copy of astronaut.png" "$work/raw/smile/copy of astronaut.png"
check "7 rejected files kept" [ "$(find "$work/kept" -type f | wc -l)" = 7 ]
check "RAW_DIR is still unchanged" [ "$(tree_sum "$work/raw")" = "$before" ]

# A file name with a comma and a quote: its landmarks.csv row reads back, quoted as CSV does.
mkdir -p "$work/oddraw/smile"
cp "$work/raw/smile/astronaut.png" "$work/oddraw/smile/a,\"b.png"
"$FER_PREP" --val-split 0 "$work/oddraw" "$work/odd" > /dev/null 2>&1
"$FER_EVAL" "$model" "$work/odd/train" > "$work/eval" 2>&1; rc=$?
check "a name with a comma and a quote: its landmarks reach fer-eval" \
  bash -c "[ $rc = 0 ] && grep -q 'geometry head applied to 1 of the 1 mouths' '$work/eval'"

"$FER_PREP" --min-mouth 400 "$work/raw" "$work/big" > /dev/null 2>&1
check "--min-mouth 400 rejects every mouth as too small (the copy stays a duplicate)" [ "$(count "$work/big/prep-report.json" smile small-mouth)" = 4 ]

"$FER_MAKE_CLIP" --seconds 2 "$work/clip.mp4" > /dev/null 2>&1
"$FER_PREP" --video "$work/clip.mp4" --label smile --every 5 "$work/video" > "$work/stdout" 2>&1; rc=$?
check "--video: every 5th frame of a clip" [ $rc = 0 ]
check "10 frames decided" [ "$(wc -l < "$work/video/.fer-prep/journal.jsonl")" = 10 ]
accepted=$(count "$work/video/prep-report.json" smile accepted)
check "mouths kept (${accepted:-?}), near-identical ones dropped" [ "${accepted:-0}" -ge 1 ]
"$FER_PREP" --video "$work/clip.mp4" "$work/v2" > /dev/null 2>&1; rc=$?
check "--video without --label exits 2" [ $rc = 2 ]

helen=${SHARED:-}/datasets/helen-dev
if [ -d "$helen/faces" ]; then
  "$FER_PREP" "$helen/faces" "$work/helen" > "$work/helen.out" 2>&1; rc=$?
  check "helen-dev faces" [ $rc = 0 ]
  echo "# $(tail -n 2 "$work/helen.out" | head -n 1)"
  iou=$(/usr/bin/python3 - "$work/helen/.fer-prep/journal.jsonl" "$helen/annotations.csv" << 'PY'
import csv, json, sys
truth = {}
for row in csv.DictReader(open(sys.argv[2])):
    p = [float(v) for v in row["points"].split(",")]
    xs, ys = p[96:136:2], p[97:136:2]          # points 48..67: the lips
    side = 1.5 * max(max(xs) - min(xs), max(ys) - min(ys))
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    truth[row["filename"]] = (cx - side / 2, cy - side / 2, side, side)
def iou(a, b):
    w = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    h = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return w * h / (a[2] * a[3] + b[2] * b[3] - w * h)
ious = [iou(c["mouth"], truth[e["source"].split("/")[-1]])
        for e in map(json.loads, open(sys.argv[1])) for c in e["crops"]
        if e["source"].split("/")[-1] in truth]
print(f"{sum(ious) / len(ious):.3f} {len(ious)}")
PY
)
  echo "# helen-dev: mean IoU of fer-prep's mouth boxes against the annotated ones: ${iou:-?} (mean, crops)"
  check "mean mouth-box IoU against the annotations >= 0.85 (${iou% *})" awk -v a="${iou% *}" 'BEGIN { exit !(a >= 0.85) }'

  # Killed half-way, then resumed: the same result as one run.
  "$FER_PREP" "$helen/faces" "$work/cut" > /dev/null 2>&1 &
  pid=$!
  for _ in $(seq 600); do
    [ "$(wc -l < "$work/cut/.fer-prep/journal.jsonl" 2>/dev/null || echo 0)" -ge 100 ] && break
    sleep 0.1
  done
  kill -9 $pid 2> /dev/null; wait $pid 2> /dev/null
  decided=$(wc -l < "$work/cut/.fer-prep/journal.jsonl")
  check "killed after $decided of 433 inputs" [ "$decided" -lt 433 ]
  "$FER_PREP" --resume "$helen/faces" "$work/cut" > "$work/resume.out" 2>&1; rc=$?
  check "--resume finishes the run" [ $rc = 0 ]
  check "with the report of one uninterrupted run" cmp -s "$work/cut/prep-report.json" "$work/helen/prep-report.json"
  check "and the same train/val files" [ "$(cd "$work/cut" && find train val | sort | sha256sum)" = "$(cd "$work/helen" && find train val | sort | sha256sum)" ]
else
  skip "helen-dev mouth boxes and kill + --resume" "../shared/datasets/helen-dev is not here"
fi

tap_done
