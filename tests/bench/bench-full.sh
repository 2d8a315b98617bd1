#!/usr/bin/env bash
# The whole product pipeline against its frame: decode + fermouthcrop + ferclassify + feroverlay
# + H.264 encode, against decode + encode alone, on ../shared/media/s18.mp4 (or VIDEO), in the
# same run: steady-state frames per second (first encoded frame to last, fer-bench-pipeline),
# median of ROUNDS alternating runs.
#
# Usage: tests/bench/bench-full.sh [ROUNDS] [VIDEO]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
video=${2:-../shared/media/s18.mp4}
export GST_PLUGIN_PATH=$PWD/build/gst-plugin
bench=build/tests/bench/fer-bench-pipeline
[[ -x $bench ]] || { echo "bench: build first (tools/setup.sh)" >&2; exit 1; }
[[ -f $video ]] || { echo "bench: no $video" >&2; exit 1; }
field() { sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p" <<< "$2"; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

encode="videoconvert ! video/x-raw,format=I420 ! x264enc speed-preset=faster ! fakesink name=sink sync=false"
names=("decode + encode" "decode + fermouthcrop + ferclassify + feroverlay + encode")
middles=("" "videoconvert ! fermouthcrop ! ferclassify ! feroverlay show-probabilities=true ! ")
declare -A fps
for ((round = 0; round < rounds; round++)); do
  for i in 0 1; do
    fps[$i]+=" $(field fps "$($bench "filesrc location=$video ! decodebin ! ${middles[$i]}$encode")")"
  done
done
base=$(median ${fps[0]})
for i in 0 1; do
  printf '%-62s %7.1f fps  %.2fx\n' "${names[$i]}" "$(median ${fps[$i]})" \
    "$(echo "$(median ${fps[$i]}) / $base" | bc -l)"
done
