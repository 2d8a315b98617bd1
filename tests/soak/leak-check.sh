#!/usr/bin/env bash
# The leak check of the test command (TAP): fer-soak under GStreamer's leaks tracer, which lists
# at gst_deinit () every GstObject and GstMiniObject (buffers, caps, events, messages, metas'
# buffers...) still alive.  Any listed object fails.  FER_SOAK_FRAMES sets the long run's length
# (CI: 1500 frames; tests/soak/soak.sh runs 10,000).
#
# Usage: leak-check.sh FER_SOAK
set -uo pipefail
soak=$1
frames=${FER_SOAK_FRAMES:-1500}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0
fails=0
check() {
  local name=$1
  shift
  n=$((n + 1))
  if "$@"; then echo "ok $n - $name"; else echo "not ok $n - $name"; fails=$((fails + 1)); fi
}
# Objects the tracer reports alive at exit, one per line (its "object-alive" records).
alive() {
  grep -c 'object-alive, type-name=(string)[A-Za-z]' "$1" || true
}
run_traced() {
  local log=$1
  shift
  GST_TRACERS=leaks GST_DEBUG=GST_TRACER:7 GST_DEBUG_NO_COLOR=1 "$soak" "$@" > "$log.out" 2> "$log"
}

echo "1..7"
run_traced "$work/long" --frames "$frames" --swap-every 100
rc=$?
check "$frames frames with a model swap and property changes every 100 frames run through" [ $rc = 0 ]
check "and leave no GStreamer object alive ($(alive "$work/long") found)" [ "$(alive "$work/long")" = 0 ]
grep -m5 'object-alive, type-name=(string)[A-Za-z]' "$work/long" | sed 's/^/# /'

run_traced "$work/cycles" --cycles 25 --frames 8
rc=$?
check "25 cycles PLAYING -> NULL -> PLAYING, 8 frames each" [ $rc = 0 ]
check "leave no GStreamer object alive ($(alive "$work/cycles") found)" [ "$(alive "$work/cycles")" = 0 ]
grep -m5 'object-alive, type-name=(string)[A-Za-z]' "$work/cycles" | sed 's/^/# /'

# The check itself: one buffer kept on purpose must be found.
run_traced "$work/leaky" --frames 50 --leak-on-purpose
rc=$?
check "the leak check finds a buffer kept on purpose" [ "$(alive "$work/leaky")" -ge 1 ]
check "and names it as a GstBuffer" grep -q 'object-alive, type-name=(string)GstBuffer' "$work/leaky"

# The swaps really happened: ferclassify says which model it uses from each swap on.
GST_DEBUG=ferclassify:4 GST_DEBUG_NO_COLOR=1 "$soak" --frames 500 --swap-every 100 \
  > "$work/swaps.out" 2> "$work/swaps"
check "ferclassify took the swapped model 5 times in 500 frames" \
  [ "$(grep -c 'now using the model' "$work/swaps")" = 5 ]
exit $(( fails > 0 ))
