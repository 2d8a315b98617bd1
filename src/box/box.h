/* box.h: boxes, the geometry every part shares (pixels are "cut"; a box only says where).
 *
 * A box is an axis-aligned rectangle of whole pixels: left, top, width, height.  Seed 004's box
 * arithmetic lives here: overlap (intersection over union) and merging overlapping detections. */
#ifndef FER_BOX_H
#define FER_BOX_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  int x, y, width, height;
} FerBox;

/* Intersection over union of two boxes (0 when either is empty). */
double fer_box_iou (FerBox a, FerBox b);

/* Keeps the larger of any two boxes overlapping by more than max_iou; returns the count left
 * at the front of boxes, largest first. */
int fer_boxes_merge_overlapping (FerBox *boxes, int n, double max_iou);

G_END_DECLS

#endif /* FER_BOX_H */
