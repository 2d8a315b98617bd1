#!/usr/bin/env bash
# `meson install` into a scratch DESTDIR: the plugin with its three documented elements, the
# default model, the public header and pkg-config file, and the tools (TAP output).
# Needs BUILD_ROOT (set by meson).  Runs in the optimised build only (tools/run-tests.sh).
set -u
. "$(dirname "$0")/../support/tap.sh"
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

meson install -C "$BUILD_ROOT" --destdir "$dest" --quiet > "$dest/log" 2>&1; rc=$?
check "meson install succeeds" [ $rc = 0 ]
prefix=$(meson introspect "$BUILD_ROOT" --buildoptions | /usr/bin/python3 -c \
  'import json, sys; o = {x["name"]: x["value"] for x in json.load(sys.stdin)}; print(o["prefix"] + "|" + o["libdir"] + "|" + o["datadir"] + "|" + o["bindir"] + "|" + o["includedir"])')
IFS='|' read -r p libdir datadir bindir includedir <<< "$prefix"
root=$dest$p
check "the plugin" [ -f "$root/$libdir/gstreamer-1.0/libgstfer.so" ]
check "the default model" [ -f "$root/$datadir/gst-fer/models/fer-mouth-simpleconv3.safetensors" ]
check "the default face detector" [ -f "$root/$datadir/gst-fer/models/fer-face-detector.safetensors" ]
check "the public header" [ -f "$root/$includedir/gstreamer-1.0/gst/fer/gstfermeta.h" ]
check "the pkg-config file" [ -f "$root/$libdir/pkgconfig/gstreamer-fer-1.0.pc" ]
if [ "${WITH_GIR:-0}" = 1 ]; then
  check "the typelib (GstFerMeta for Python)" [ -f "$root/$libdir/girepository-1.0/GstFer-1.0.typelib" ]
  check "the GIR" [ -f "$root/$datadir/gir-1.0/GstFer-1.0.gir" ]
fi

# The installed plugin, found as GStreamer would find it under this prefix.
export GST_PLUGIN_PATH=$root/$libdir/gstreamer-1.0 GST_REGISTRY=$dest/registry.bin
export LD_LIBRARY_PATH=$root/$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
gst-inspect-1.0 fer > "$dest/inspect" 2>&1; rc=$?
check "gst-inspect-1.0 fer lists the plugin" [ $rc = 0 ]
for element in fermouthcrop ferclassify feroverlay; do
  check "with $element" has "$dest/inspect" "$element"
  gst-inspect-1.0 "$element" > "$dest/$element" 2>&1
  check "$element documents its properties" has "$dest/$element" "Element Properties"
done
for tool in fer-train fer-train-detector fer-prep fer-eval fer-annotate; do
  "$root/$bindir/$tool" --help > "$dest/help" 2>&1; rc=$?
  check "$tool --help works when installed" [ $rc = 0 ]
done

tap_done
