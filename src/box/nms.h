/* nms.h: one detection per face from many overlapping ones (seed 004's "merging result
 * regions").  Detections are taken by falling score; each one overlapping a taken detection by
 * more than the threshold is suppressed by it.  The seed keeps the first (best) region of each
 * group; FER_NMS_WEIGHTED instead replaces it by the score-weighted mean of its group (the
 * seed's third option, which the next article uses once offsets are learned), steadier from
 * frame to frame. */
#ifndef FER_NMS_H
#define FER_NMS_H

#include <glib.h>
#include "box/box.h"

G_BEGIN_DECLS

typedef struct {
  FerBoxF box;
  float score;
} FerDetection;

typedef enum {
  FER_NMS_KEEP_BEST,   /* the best-scored box of each group, as it is */
  FER_NMS_WEIGHTED,    /* the score-weighted mean box of each group, with the best score */
} FerNmsMode;

/* Sorts detections by falling score (ties: input order) and keeps, at the front, those no
 * better one overlaps by more than max_iou; returns how many.  A group is the best detection
 * and those it suppressed. */
int fer_nms (FerDetection *detections, int n, double max_iou, FerNmsMode mode);

G_END_DECLS

#endif /* FER_NMS_H */
