#!/usr/bin/python3
"""Mouth crops from ../shared/datasets/helen-dev for checking a model on data it was not trained
on: for each face photo, the bounding box of its hand-placed landmarks 48-67 (the lips), grown
to a square of 1.5x its larger side around the same centre and moved (or, at worst, shrunk) to
lie inside the photo, as the tutorial cut its own training crops.  Written as PNG into
OUT_DIR/<class>/ with the photo's class folder (0 none, 2 smile, 3 openmouth; helen has no
pouting), ready for fer-eval, and OUT_DIR/landmarks.csv: each crop's 68 hand-placed points (in
the photo's pixels), from which fer-eval gives a model the mouth's geometry.  Not committed anywhere: the photos are for research use only.

    /usr/bin/python3 models/landmark_mouth_crops.py ../shared/datasets/helen-dev OUT_DIR
"""
import csv
import os
import sys

from PIL import Image


def mouth_square(points, width, height):
    xs, ys = points[48 * 2:68 * 2:2], points[48 * 2 + 1:68 * 2:2]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    side = min(1.5 * max(x1 - x0, y1 - y0), width, height)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    left = min(max(cx - side / 2, 0), width - side)
    top = min(max(cy - side / 2, 0), height - side)
    return round(left), round(top), round(left + side), round(top + side)


def main():
    root, out = sys.argv[1], sys.argv[2]
    classes = {}
    for label in os.listdir(os.path.join(root, "faces")):
        for name in os.listdir(os.path.join(root, "faces", label)):
            classes[name] = label
    written = 0
    landmarks = []
    with open(os.path.join(root, "annotations.csv")) as f:
        for row in csv.DictReader(f):
            label = classes.get(row["filename"])
            if label is None:
                continue
            points = [float(v) for v in row["points"].split(",")]
            photo = Image.open(os.path.join(root, "faces", label, row["filename"])).convert("RGB")
            box = mouth_square(points, *photo.size)
            os.makedirs(os.path.join(out, label), exist_ok=True)
            stem = os.path.splitext(row["filename"])[0]
            photo.crop(box).save(os.path.join(out, label, stem + ".png"))
            landmarks.append((label + "/" + stem + ".png", row["points"]))
            written += 1
    with open(os.path.join(out, "landmarks.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "points"])
        w.writerows(sorted(landmarks))
    print(f"{written} mouth crops in {out}")


if __name__ == "__main__":
    main()
