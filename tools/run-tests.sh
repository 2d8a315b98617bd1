#!/usr/bin/env bash
# The README's second command: set up, build, and run every test twice: in the optimised build,
# and in an AddressSanitizer + UndefinedBehaviorSanitizer build where any memory error or
# undefined behaviour fails the run (and, for the engine's unit tests, any leak: the tools exit
# on errors without freeing, and GStreamer keeps its registry until exit, so leak checks there
# would only flag that).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh

status=0
echo "== tests (optimised build)"
meson test -C build --print-errorlogs || status=1

echo "== tests under AddressSanitizer + UndefinedBehaviorSanitizer"
if [[ ! -f build-sanitize/build.ninja ]]; then
  meson setup build-sanitize --buildtype=debugoptimized -Db_sanitize=address,undefined \
    -Db_lundef=false >/dev/null
fi
ninja -C build-sanitize >/dev/null
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  meson test -C build-sanitize --suite engine --print-errorlogs || status=1
cp build-sanitize/meson-logs/testlog.json build-sanitize/meson-logs/testlog-engine.json
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
  meson test -C build-sanitize --suite cli --suite elements --print-errorlogs || status=1
# (Not the examples and install suites: gst-launch-1.0 and Python cannot load a sanitizer build's
# plugin, whose runtime must come first.)

echo "== fuzz smoke: every parser of outside input under libFuzzer, ${FER_FUZZ_SECONDS:-20} s each"
# (Each run first replays the committed corpus, so every crash input ever found is re-tried.)
fuzz_status=0
FER_FUZZ_SEED=${FER_FUZZ_SEED:-1} tests/fuzz/run.sh "${FER_FUZZ_SECONDS:-20}" || fuzz_status=1
(( fuzz_status == 0 )) || status=1

# One closing line over both runs, counting test programs.
count() {
  cat build/meson-logs/testlog.json build-sanitize/meson-logs/testlog-engine.json \
    build-sanitize/meson-logs/testlog.json | grep -c "\"result\": \"$1\"" || true
}
passed=$(count OK)
failed=$(( $(count FAIL) + $(count TIMEOUT) + $(count ERROR) ))
skipped=$(count SKIP)
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped;" \
  "fuzz smoke: $( ((fuzz_status == 0)) && echo ok || echo FAILED)"
exit $status
