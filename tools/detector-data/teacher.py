"""teacher.py: face boxes from a teacher detector (YuNet-n in ONNX, run by OpenCV's cv::dnn), for
labelling training data only.  The product never runs it: fermouthcrop uses our own detector.

YuNet-n takes 1x3x320x320 BGR 0..255 and gives, per stride 8/16/32, cls and obj scores and a box
(dx, dy, log w, log h in cell units); score = sqrt (cls * obj) (../shared/teachers/README.txt).
An image is letterboxed into the square (padded right and bottom) so boxes keep their shape; a
large image is also searched in overlapping tiles so that small faces are not lost at 320 px, and
the detections of all passes are merged by non-maximum suppression."""

import cv2
import numpy as np

INPUT = 320
STRIDES = (8, 16, 32)


class Teacher:
    def __init__(self, onnx_path):
        self.net = cv2.dnn.readNet(onnx_path)

    def _square_pass(self, bgr):
        """Detections (x1, y1, x2, y2, score) in bgr's pixels, bgr letterboxed into 320x320."""
        h, w = bgr.shape[:2]
        scale = INPUT / max(h, w)
        sw, sh = max(1, round(w * scale)), max(1, round(h * scale))
        canvas = np.zeros((INPUT, INPUT, 3), np.uint8)
        canvas[:sh, :sw] = cv2.resize(bgr, (sw, sh), interpolation=cv2.INTER_AREA)
        self.net.setInput(cv2.dnn.blobFromImage(canvas))
        names = ['cls_%d' % s for s in STRIDES] + ['obj_%d' % s for s in STRIDES] + \
                ['bbox_%d' % s for s in STRIDES]
        outs = dict(zip(names, self.net.forward(names)))
        found = []
        for s in STRIDES:
            cols = INPUT // s
            cls = outs['cls_%d' % s][0, :, 0]
            obj = outs['obj_%d' % s][0, :, 0]
            score = np.sqrt(np.clip(cls, 0, 1) * np.clip(obj, 0, 1))
            box = outs['bbox_%d' % s][0]
            for i in np.nonzero(score > 0.2)[0]:
                cx = (i % cols + box[i, 0]) * s
                cy = (i // cols + box[i, 1]) * s
                bw = np.exp(box[i, 2]) * s
                bh = np.exp(box[i, 3]) * s
                found.append(((cx - bw / 2) / scale, (cy - bh / 2) / scale,
                              (cx + bw / 2) / scale, (cy + bh / 2) / scale, float(score[i])))
        return found

    def detect(self, bgr, tiles=True):
        """Merged detections (x1, y1, x2, y2, score), best first, scores above 0.2."""
        h, w = bgr.shape[:2]
        found = self._square_pass(bgr)
        if tiles and max(h, w) > 2 * INPUT:
            # 2x2 tiles overlapping by a third: a 40 px face in a 1280 px frame becomes 20 px
            # in the whole-frame pass (YuNet's smallest reliable size) but 30 px in a tile.
            tw, th = int(w * 0.6), int(h * 0.6)
            for ty in (0, h - th):
                for tx in (0, w - tw):
                    for (x1, y1, x2, y2, sc) in self._square_pass(bgr[ty:ty + th, tx:tx + tw]):
                        # a face cut by the tile's edge is left to the other passes
                        if x1 > 2 and y1 > 2 and x2 < tw - 2 and y2 < th - 2:
                            found.append((x1 + tx, y1 + ty, x2 + tx, y2 + ty, sc))
        return nms(found, 0.4)


def iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def nms(boxes, threshold):
    kept = []
    for b in sorted(boxes, key=lambda b: -b[4]):
        if all(iou(b, k) <= threshold for k in kept):
            kept.append(b)
    return kept
