#!/usr/bin/env bash
# Rebuilds the expression model's extra data from ../shared and trains the shipped model
# (models/fer-mouth-simpleconv3.safetensors), then measures it on every check.
#
#   1. tools/expression-data/build_expression_data.py: GENKI-4K train and 4/5 of SMILEs through
#      fer-prep (our face detector, dlib's landmarks, fermouthcrop's mouth box), sorted by the
#      mouths' opening: smiles stay smile, not-smiling mouths become none (closed lips) or
#      openmouth (clearly open), the ambiguous middle is left out.
#   2. fer-train on yousan-mouth (the core, the only source of pouting) + GENKI + SMILEs, with
#      the recipe chosen on the selection split (models/MODEL.md says how); resumable.
#   3. fits the model's geometry head (the mouths' opening, corner lift and width from their
#      landmarks, beside the network's probabilities) on the GENKI and SMILEs val parts
#      (fer-eval --fit-geometry), and copies the model, its metrics and plot into models/.
#   4. tools/expression-data/measure-expression.sh: yousan val (colour, greyscale), helen-dev
#      (crops and photos), GENKI-4K test and the SMILEs fifth held out.
#
# Usage: tools/train-expression.sh [--shared DIR] [--work DIR]   (after tools/setup.sh --train)
# Long (about 10 minutes on 2 cores): run it under nohup with a log; run it again to resume.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared
work=build/expression-work
while (( $# )); do
  case "$1" in
    --shared) shared=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    *) echo "usage: tools/train-expression.sh [--shared DIR] [--work DIR]" >&2; exit 2 ;;
  esac
done
[[ -d "$shared/datasets/yousan-mouth/train" ]] || {
  echo "train-expression: $shared/datasets/yousan-mouth not found: give --shared" >&2; exit 1; }
/usr/bin/python3 -c 'import PIL' 2>/dev/null || {
  echo "train-expression: Debian's python3-pil is needed: tools/setup.sh --train" >&2; exit 1; }
mkdir -p "$work"
data=$work/data
model=$work/fer-mouth-simpleconv3.safetensors
stem=${model%.safetensors}
started=$(date +%s)

echo "== the GENKI-4K and SMILEs mouth sets in $data"
python3 tools/expression-data/build_expression_data.py --shared "$shared" --out "$data" \
  --fer-prep build/tools/fer-prep/fer-prep

# The recipe (models/MODEL.md: how each part was measured).
recipe=(--labels none,pouting,smile,openmouth --epochs 100 --schedule cosine --lr 0.05
  --weight-decay 5e-4 --label-smoothing 0.1 --scale-min 0.25 --jitter 0.2 --gray 0.2
  --source-weights 1,1,1 --threads 2 --seed 1)
epochs_done=0
[[ -f "$stem.metrics.jsonl" ]] && epochs_done=$(wc -l < "$stem.metrics.jsonl")
if (( epochs_done < 100 )); then
  echo "== training ($epochs_done of 100 epochs done)"
  resume=()
  [[ -f "$stem.ckpt.safetensors" ]] && resume=(--resume)
  build/tools/fer-train/fer-train "$shared/datasets/yousan-mouth" "$data/genki" "$data/smiles" \
    -o "$model" "${recipe[@]}" ${resume[@]+"${resume[@]}"}
fi

# The last epoch of the fixed schedule, not the best on validation, with its geometry head.
cp "$stem.last.safetensors" "$stem.head.safetensors"
build/tools/fer-eval/fer-eval --fit-geometry "$stem.head.safetensors" "$data/geometry-fit" \
  > "$stem.head-fit.txt"
grep 'wrote a geometry head' "$stem.head-fit.txt"
cp "$stem.head.safetensors" models/fer-mouth-simpleconv3.safetensors
cp "$stem.metrics.jsonl" models/fer-mouth-simpleconv3.metrics.jsonl
cp "$stem.plot.svg" models/fer-mouth-simpleconv3.plot.svg

echo "== measured"
tools/expression-data/measure-expression.sh models/fer-mouth-simpleconv3.safetensors \
  --shared "$shared" --work "$data"
echo "train-expression: done in $(( ($(date +%s) - started) / 60 )) min"
