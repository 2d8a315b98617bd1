#!/usr/bin/env bash
# Rebuilds the face detector's data from ../shared and trains the shipped detector
# (models/fer-face-detector.safetensors), then measures it beside Haar and the teacher.
#
#   1. tools/detector-data/build_detector_data.py: frames of media/more/*.mp4, dlib's
#      training.xml photos and GENKI-4K/SMILEs faces composited onto backgrounds, face boxes
#      from the YuNet teacher (../shared/teachers; training data only); dev sets kept apart
#      (d6/s18 frames, dlib testing.xml, helen-dev, media/stills).  Negatives: animals and
#      things from Debian packages pasted onto frames and scenes, and crops around the false
#      reports of the detector this one replaces (models/fer-face-detector.safetensors as it is
#      before the run) on the training photos (tools/detector-data/negatives.py).
#   2. fer-train-detector on it (about an hour on 2 cores; resumes after an interruption).
#   3. the score threshold: as precise on dev-calibration.csv as the model replaced (why: below),
#      and --calibrate-landmarks on the training photos: the box handed to dlib's landmarks
#      fitted to Haar's boxes (helen-dev's tight crops leave Haar no room).
#   4. copies the model, its metrics and plot into models/.
#
# Usage: tools/train-detector.sh [--shared DIR] [--work DIR]   (after tools/setup.sh --train)
# Long: run it under nohup with a log; run it again to resume.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared
work=build/detector-work
while (( $# )); do
  case "$1" in
    --shared) shared=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    *) echo "usage: tools/train-detector.sh [--shared DIR] [--work DIR]" >&2; exit 2 ;;
  esac
done
[[ -f "$shared/teachers/yunet_n_320_320.onnx" ]] || {
  echo "train-detector: $shared/teachers/yunet_n_320_320.onnx not found: give --shared" >&2; exit 1; }
/usr/bin/python3 -c 'import cv2' 2>/dev/null || {
  echo "train-detector: Debian's python3-opencv is needed: tools/setup.sh --train" >&2; exit 1; }
mkdir -p "$work"
data=$work/data
model=$work/fer-face-detector.safetensors
started=$(date +%s)

if [[ ! -f "$data/REPORT.txt" ]]; then
  echo "== building the data in $data"
  mine=()
  [[ -f models/fer-face-detector.safetensors ]] && mine=(--mine-with models/fer-face-detector.safetensors)
  /usr/bin/python3 tools/detector-data/build_detector_data.py --shared "$shared" --out "$data" \
    ${mine[@]+"${mine[@]}"}
fi
cat "$data/REPORT.txt"

stem=${model%.safetensors}
epochs=50
done_epochs=0
[[ -f "$stem.metrics.jsonl" ]] && done_epochs=$(wc -l < "$stem.metrics.jsonl")
if (( done_epochs < epochs )); then
  echo "== training ($done_epochs of $epochs epochs done)"
  resume=()
  [[ -f "$stem.ckpt.safetensors" ]] && resume=(--resume)
  build/tools/fer-train-detector/fer-train-detector "$data/train.csv" --dev "$data/dev-video.csv" \
    -o "$model" --epochs $epochs --steps 600 --face-share 0.7 --framed-share 0.15 --seed 1 \
    ${resume[@]+"${resume[@]}"}
fi

# The score threshold.  Neither dev set can choose it by a precision of its own: every face of
# the dev frames scores above 0.999, so "the lowest threshold with precision 0.98" measures only
# their backgrounds there, and only the pasted animals and things on dev-calibration.csv (0.9996
# for the first shipped model, which loses small faces).  The rule: as precise on
# dev-calibration.csv as the model it replaces at that model's threshold (a new model is no
# more eager to see faces in animals and things than the old one), or 0.99 for a first model
# (models/DETECTOR.md says how 0.99 was chosen).  The dev-frame rule is printed for the record.
echo "== the score threshold"
cp "$stem.last.safetensors" "$work/probe.safetensors"
build/tools/fer-eval/fer-eval --detector "$work/probe.safetensors" "$data/dev-video.csv" --no-haar \
  --calibrate-threshold 0.98 | tail -1
rm -f "$work/probe.safetensors"
if [[ -f models/fer-face-detector.safetensors ]]; then
  precision=$(build/tools/fer-eval/fer-eval --detector models/fer-face-detector.safetensors \
    "$data/dev-calibration.csv" --no-haar --json \
    | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["detectors"][0]["precision"])')
  echo "the model replaced: precision $precision on dev-calibration.csv"
  build/tools/fer-eval/fer-eval --detector "$stem.last.safetensors" "$data/dev-calibration.csv" \
    --no-haar --calibrate-threshold "$precision" | tail -1
else
  build/tools/fer-eval/fer-eval --detector "$stem.last.safetensors" "$data/dev-video.csv" \
    --no-haar --set-threshold 0.99 | tail -1
fi
echo "== the landmark box, fitted to Haar's boxes on the training photos"
build/tools/fer-eval/fer-eval --detector "$stem.last.safetensors" "$data/train.csv" \
  --calibrate-landmarks --no-haar

# The last epoch of the fixed schedule, not the best on dev (no selection on data we measure on).
cp "$stem.last.safetensors" models/fer-face-detector.safetensors
cp "$stem.metrics.jsonl" models/fer-face-detector.metrics.jsonl
cp "$stem.plot.svg" models/fer-face-detector.plot.svg

echo "== measured, side by side"
for set in dev-video dev-dlib dev-helen dev-stills dev-animals; do
  build/tools/fer-eval/fer-eval --detector models/fer-face-detector.safetensors "$data/$set.csv" \
    --teacher "$shared/teachers/yunet_n_320_320.onnx" -t 1
done
echo "train-detector: done in $(( ($(date +%s) - started) / 60 )) min"
