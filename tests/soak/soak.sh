#!/usr/bin/env bash
# The long runs (not in CI; about 20 minutes on 2 cores):
#   1. 10,000 frames through fermouthcrop ! ferclassify ! feroverlay with a model swap and
#      property changes every 100 frames, under GStreamer's leaks tracer: objects left alive;
#   2. 1,000 cycles PLAYING -> NULL -> PLAYING (8 frames each), under the leaks tracer;
#   3. 100,000 frames (a swap every 1000), resident memory sampled every 1000 frames: growth
#      after the warm-up (the first 10,000 frames) must stay under 5 %; plotted to rss.svg.
# Results in OUT_DIR (default build/soak/): the tracer logs' verdicts, rss.csv, rss.svg and
# summary.txt.  Exit status 0 when all three pass.
#
# Usage: tests/soak/soak.sh [OUT_DIR]   (after tools/setup.sh)
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${1:-build/soak}
mkdir -p "$out"
soak=build/tests/soak/fer-soak
[[ -x $soak ]] || { echo "soak: build first (tools/setup.sh)" >&2; exit 1; }
export GST_PLUGIN_PATH=$PWD/build/gst-plugin
status=0
summary=$out/summary.txt
: > "$summary"
say() { echo "$*" | tee -a "$summary"; }
alive() { grep -c 'object-alive, type-name=(string)[A-Za-z]' "$1" || true; }

traced() {
  local log=$1
  shift
  GST_TRACERS=leaks GST_DEBUG=GST_TRACER:7 GST_DEBUG_NO_COLOR=1 "$soak" "$@" 2> "$log" \
    | tee -a "$summary"
}

start=$(date +%s)
traced "$out/leaks-10000.log" --frames 10000 --swap-every 100 || status=1
n=$(alive "$out/leaks-10000.log")
say "leaks, 10000 frames with 100 model swaps and property changes: $n objects alive at exit"
(( n == 0 )) || status=1
grep -m20 'object-alive, type-name=(string)[A-Za-z]' "$out/leaks-10000.log" >> "$summary"

traced "$out/cycles-1000.log" --cycles 1000 --frames 8 --rss-every 100 \
  --rss-file "$out/cycles-rss.csv" || status=1
n=$(alive "$out/cycles-1000.log")
say "leaks, 1000 state cycles: $n objects alive at exit"
(( n == 0 )) || status=1
say "resident memory every 100 cycles (KiB): $(tail -n +2 "$out/cycles-rss.csv" | cut -d, -f2 | tr '\n' ' ')"
rm -f "$out"/*.log.gz
gzip -f "$out/leaks-10000.log" "$out/cycles-1000.log"   # the tracer's logs are large

"$soak" --frames 100000 --swap-every 1000 --rss-every 1000 --rss-file "$out/rss.csv" \
  | tee -a "$summary" || status=1
# Growth after the warm-up: the largest sample after frame 10,000 against the sample there.
read -r warm peak last < <(awk -F, 'NR > 1 && $1 == 10000 { w = $2 } NR > 1 && $1 >= 10000 { if ($2 > p) p = $2; l = $2 } END { print w, p, l }' "$out/rss.csv")
growth=$(awk -v w="$warm" -v p="$peak" 'BEGIN { printf "%.2f", 100 * (p - w) / w }')
say "resident memory, 100000 frames: ${warm} KiB at frame 10000, peak ${peak} KiB after, ${last} KiB at the end: growth ${growth} % (< 5 % required)"
awk -v g="$growth" 'BEGIN { exit !(g < 5) }' || status=1

tests/soak/plot-rss.sh "$out/rss.csv" "fer-soak: resident memory over 100,000 frames (fermouthcrop ! ferclassify ! feroverlay, model swap every 1000)" > "$out/rss.svg"
say "plot: $out/rss.svg; took $(( $(date +%s) - start )) s"
exit $status
