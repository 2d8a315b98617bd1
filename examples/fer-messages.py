#!/usr/bin/python3
"""Mouth expressions of a video, read from the bus in Python (PyGObject: Debian's python3-gi, and
python3-gst-1.0 for GStreamer's list and array values).

    /usr/bin/python3 examples/fer-messages.py VIDEO_FILE_OR_/dev/videoN

ferclassify posts an element message "ferclassify" per frame when post-messages is true: its
timestamp and a list of faces (id, mouth box, label, label_id, confidence, labels,
probabilities).  This prints one JSON line per frame from them.  Bus messages need no bindings
of ours; the same results are on each frame's "mouth" GstVideoRegionOfInterestMeta
("expression" param), and, typed, in each buffer's GstFerMeta, which examples/fer-meta.py reads
from Python through the GstFer-1.0 typelib.
"""
import json
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402


def faces_of(structure):
    """The faces of a ferclassify message as plain Python values."""
    faces = []
    for face in structure.get_value("faces"):
        labels = list(face.get_value("labels"))
        probabilities = list(face.get_value("probabilities"))
        faces.append({
            "id": face.get_value("id"),
            "mouth": [face.get_value(k) for k in ("mouth-x", "mouth-y", "mouth-width", "mouth-height")],
            "label": face.get_value("label"),
            "confidence": round(face.get_value("confidence"), 4),
            "probabilities": {name: round(p, 4) for name, p in zip(labels, probabilities)},
        })
    return faces


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: fer-messages.py VIDEO_FILE_OR_/dev/videoN")
    Gst.init(None)
    source = sys.argv[1]
    if source.startswith("/dev/video"):
        head = f'v4l2src device="{source}" ! videoconvert'
    else:
        head = f'filesrc location="{source}" ! decodebin ! videoconvert'
    pipeline = Gst.parse_launch(f"{head} ! fermouthcrop ! ferclassify post-messages=true ! fakesink")
    bus = pipeline.get_bus()
    pipeline.set_state(Gst.State.PLAYING)
    status = 0
    while True:
        message = bus.timed_pop_filtered(Gst.CLOCK_TIME_NONE, Gst.MessageType.ELEMENT
                                         | Gst.MessageType.EOS | Gst.MessageType.ERROR)
        if message.type == Gst.MessageType.ERROR:
            error, _ = message.parse_error()
            print(f"fer-messages: {error.message}", file=sys.stderr)
            status = 1
            break
        if message.type == Gst.MessageType.EOS:
            break
        structure = message.get_structure()
        if structure.get_name() == "ferclassify":
            print(json.dumps({"time": structure.get_value("timestamp") / Gst.SECOND,
                              "faces": faces_of(structure)}), flush=True)
    pipeline.set_state(Gst.State.NULL)
    sys.exit(status)


if __name__ == "__main__":
    main()
