#!/usr/bin/python3
"""Mouth expressions of a video, read in Python from each frame's GstFerMeta (typed, through
GObject introspection: the GstFer-1.0 typelib that gst-fer builds and installs, and Debian's
python3-gi and python3-gst-1.0).

    /usr/bin/python3 examples/fer-meta.py VIDEO_FILE_OR_/dev/videoN

A pad probe after ferclassify reads every buffer's GstFerMeta: each face's id, face and mouth
boxes, 68 landmarks, label, confidence and probabilities, with the model's class names, and
prints one JSON line per frame.  (From a build tree: GI_TYPELIB_PATH=build/gst-plugin
LD_LIBRARY_PATH=build/gst-plugin GST_PLUGIN_PATH=build/gst-plugin.)
"""
import json
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstFer", "1.0")
from gi.repository import Gst, GstFer  # noqa: E402


def box(rectangle):
    return [rectangle.x, rectangle.y, rectangle.w, rectangle.h]


def faces_of(meta):
    """The faces of a GstFerMeta as plain Python values."""
    names = [meta.get_class_name(c) for c in range(meta.n_classes)]
    faces = []
    for i in range(meta.get_n_faces()):
        face = meta.get_face(i)
        entry = {
            "id": face.id,
            "face": box(face.face),
            "mouth": box(face.mouth),
            "landmarks": [round(v, 1) for v in face.get_landmarks()],
        }
        if face.classified:
            entry["label"] = face.label
            entry["confidence"] = round(face.confidence, 4)
            entry["probabilities"] = {name: round(p, 4) for name, p
                                      in zip(names, face.get_probabilities())}
        faces.append(entry)
    return faces


def print_frame(pad, info):
    buffer = info.get_buffer()
    meta = GstFer.buffer_get_fer_meta(buffer)
    time_ms = round(buffer.pts / Gst.MSECOND) if buffer.pts != Gst.CLOCK_TIME_NONE else None
    print(json.dumps({"time_ms": time_ms, "faces": faces_of(meta) if meta else []}), flush=True)
    return Gst.PadProbeReturn.OK


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: fer-meta.py VIDEO_FILE_OR_/dev/videoN")
    Gst.init(None)
    source = sys.argv[1]
    if source.startswith("/dev/video"):
        head = f'v4l2src device="{source}"'
    else:
        head = f'filesrc location="{source}" ! decodebin'
    pipeline = Gst.parse_launch(f"{head} ! fermouthcrop ! ferclassify name=classify ! fakesink")
    pipeline.get_by_name("classify").get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER,
                                                                     print_frame)
    pipeline.set_state(Gst.State.PLAYING)
    message = pipeline.get_bus().timed_pop_filtered(Gst.CLOCK_TIME_NONE,
                                                    Gst.MessageType.EOS | Gst.MessageType.ERROR)
    status = 0
    if message.type == Gst.MessageType.ERROR:
        error, _ = message.parse_error()
        print(f"fer-meta: {error.message}", file=sys.stderr)
        status = 1
    pipeline.set_state(Gst.State.NULL)
    sys.exit(status)


if __name__ == "__main__":
    main()
