#!/usr/bin/env bash
# Measures an expression model on every check the expression issue names, one line each:
#   yousan val (colour, then greyscale), helen-dev mouth crops from the hand-placed points,
#   helen-dev photos through the elements' code (--faces, our detector and Haar), GENKI-4K test
#   and the held-out fifth of SMILEs as smile vs not (--faces).
# The helen crops and the SMILEs split come from build_expression_data.py (under WORK).
#
# Usage: tools/expression-data/measure-expression.sh MODEL [--shared DIR] [--work DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
model=${1:?usage: measure-expression.sh MODEL [--shared DIR] [--work DIR]}
shift
shared=../shared
work=build/expression-work/data
while (( $# )); do
  case "$1" in
    --shared) shared=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    *) echo "measure-expression: unknown option $1" >&2; exit 2 ;;
  esac
done
eval=build/tools/fer-eval/fer-eval
# (again when its landmarks.csv, which a model's geometry head reads, is missing)
[[ -f "$work/helen-mouths/landmarks.csv" ]] || /usr/bin/python3 models/landmark_mouth_crops.py \
  "$shared/datasets/helen-dev" "$work/helen-mouths" >/dev/null

# One line: name, accuracy, balanced accuracy, share of faces found (with --faces).
measure() {
  local name=$1; shift
  "$eval" "$model" "$@" --json 2>/dev/null | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
found = ""
if "images_without_face" in r:
    n = r["images"] + r["images_without_face"]
    found = "  faces found %.1f%%" % (100.0 * r["images"] / n)
recall = "  ".join("%s %.1f%%" % (c["label"], 100 * c["recall"]) for c in r["classes"] if "recall" in c)
print("%-28s accuracy %6.2f%%  balanced %6.2f%%%s  (recall: %s)" % (sys.argv[1],
      100 * r["accuracy"], 100 * r["balanced_accuracy"], found, recall))' "$name"
}

echo "model $model"
measure "yousan val" "$shared/datasets/yousan-mouth/val"
measure "yousan val, greyscale" "$shared/datasets/yousan-mouth/val" --gray
measure "helen crops (points)" "$work/helen-mouths"
measure "helen photos (cnn)" "$shared/datasets/helen-dev/faces" --faces --face-detector cnn
measure "helen photos (haar)" "$shared/datasets/helen-dev/faces" --faces --face-detector haar
measure "GENKI-4K test (cnn)" "$shared/datasets/genki4k/test" --faces --face-detector cnn \
  --binary smile:1
measure "SMILEs held out (cnn)" "$work/raw/smiles-test" --faces --face-detector cnn \
  --binary smile:positives
