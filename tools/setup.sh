#!/usr/bin/env bash
# Sets gst-fer up on Debian 12: installs the Debian packages it needs (only when some are
# missing; as root, or through sudo), then configures and builds it in build/ (optimised).
#
# Usage: tools/setup.sh [--bench] [--train]
#   --train   also install python3-opencv (tools/train-detector.sh labels training faces with a
#             teacher detector through it) and python3-pil (helen-dev mouth crops for
#             tools/train-expression.sh's measures), tuxpaint-stamps-default (cut-out animals
#             and things), plasma-workspace-wallpapers, mate-backgrounds, gnome-backgrounds
#             and ukui-wallpapers (scenes): the detector's negatives (tools/detector-data/negatives.py)
#   --bench   also install python3-torch, python3-torchvision, python3-pil and python3-numpy
#             (the PyTorch side of tests/bench, the scripts in tests/golden) and
#             gstreamer1.0-opencv (facedetect, compared with in tests/bench)
# Exit status: 0 when built, non-zero (with the failing step's message) otherwise.
set -euo pipefail

cd "$(dirname "$0")/.."

# What the build and tests use today, by Debian package.
packages=(
  meson ninja-build pkg-config gcc g++ # build tools
  libglib2.0-dev libjson-glib-dev      # GLib, and json-glib for safetensors headers
  libopenblas-dev                      # GEMM for the engine
  libopencv-dev opencv-data            # image decoding; the face cascade
  libdlib-dev libdlib-data             # face landmarks and their 68-point model
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev   # GStreamer and its video library
  gstreamer1.0-plugins-base gstreamer1.0-tools           # videoscale etc. for tests, gst-launch
  gstreamer1.0-plugins-good                              # jpegdec, mp4mux for the demo
  gstreamer1.0-plugins-ugly gstreamer1.0-libav           # H.264 encoding, decoding: demo clips
  libcairo2-dev libpango1.0-dev fonts-dejavu-core        # feroverlay draws with cairo and pango
  python3-gi python3-gst-1.0 gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0   # Python examples
  gobject-introspection libgirepository1.0-dev         # GstFer-1.0 typelib (GstFerMeta in Python)
  clang-14 libclang-rt-14-dev libomp-14-dev            # libFuzzer targets (tests/fuzz/run.sh)
)
for option in "$@"; do
  case "$option" in
    --bench)
      packages+=(python3-torch python3-torchvision python3-pil python3-numpy)
      packages+=(gstreamer1.0-opencv) ;;  # facedetect, to compare with
    --train) packages+=(python3-opencv python3-pil tuxpaint-stamps-default
                        plasma-workspace-wallpapers mate-backgrounds gnome-backgrounds
                        ukui-wallpapers) ;;
    *) echo "setup: unknown option $option (--bench, --train)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done

if (( ${#missing[@]} > 0 )); then
  echo "setup: installing ${missing[*]}"
  if [[ $EUID -eq 0 ]]; then
    as_root=()
  elif command -v sudo >/dev/null; then
    as_root=(sudo)
  else
    echo "setup: these Debian packages are missing: ${missing[*]}" >&2
    echo "setup: run this script as root (or install sudo) so that it can install them" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -f build/build.ninja ]]; then
  meson setup build --buildtype=release >/dev/null
fi
ninja -C build >/dev/null
echo "setup: built gst-fer in build/"
