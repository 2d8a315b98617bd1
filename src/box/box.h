/* box.h: boxes, the geometry every part shares (pixels are "cut"; a box only says where).
 *
 * A FerBox is an axis-aligned rectangle of whole pixels: left, top, width, height.  A FerBoxF is
 * the same in real coordinates, for the detector's geometry (anchors, offsets, letterboxing),
 * where boxes move by fractions of a pixel.  Seed 004's box arithmetic starts here: overlap
 * (intersection over union) and merging overlapping detections; the rest of it has a file each
 * in this room (box-offset, letterbox, candidate-labels, nms, anchors). */
#ifndef FER_BOX_H
#define FER_BOX_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  int x, y, width, height;
} FerBox;

typedef struct {
  double x, y, width, height;
} FerBoxF;

/* Intersection over union of two boxes (0 when either is empty). */
double fer_box_iou (FerBox a, FerBox b);
double fer_boxf_iou (FerBoxF a, FerBoxF b);

static inline FerBoxF
fer_boxf_from_box (FerBox b)
{
  FerBoxF f;   /* (no compound literal: C++ shims include this header too) */
  f.x = b.x;
  f.y = b.y;
  f.width = b.width;
  f.height = b.height;
  return f;
}

/* The whole-pixel box covering the same place: edges rounded to the nearest pixel. */
FerBox fer_box_from_boxf (FerBoxF b);

/* Keeps the larger of any two boxes overlapping by more than max_iou; returns the count left
 * at the front of boxes, largest first. */
int fer_boxes_merge_overlapping (FerBox *boxes, int n, double max_iou);

G_END_DECLS

#endif /* FER_BOX_H */
