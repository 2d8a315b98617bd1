#include "box/nms.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  FerDetection detection;
  int order;
} Ranked;

static int
by_falling_score (const void *a, const void *b)
{
  const Ranked *x = a, *y = b;
  if (x->detection.score != y->detection.score)
    return x->detection.score > y->detection.score ? -1 : 1;
  return x->order - y->order;
}

int
fer_nms (FerDetection *detections, int n, double max_iou, FerNmsMode mode)
{
  if (n <= 0)
    return 0;
  Ranked *ranked = g_new (Ranked, n);
  for (int i = 0; i < n; i++)
    ranked[i] = (Ranked) { detections[i], i };
  qsort (ranked, n, sizeof *ranked, by_falling_score);
  int *group = g_new (int, n);   /* the kept detection that suppressed each, or -1 */
  int kept = 0;
  for (int i = 0; i < n; i++) {
    group[i] = -1;
    for (int k = 0; k < i && group[i] < 0; k++)
      if (group[k] == k && fer_boxf_iou (ranked[i].detection.box, ranked[k].detection.box)
          > max_iou)
        group[i] = k;
    if (group[i] < 0)
      group[i] = i;
  }
  for (int i = 0; i < n; i++) {
    if (group[i] != i)
      continue;
    FerDetection best = ranked[i].detection;
    if (mode == FER_NMS_WEIGHTED) {
      double x0 = 0, y0 = 0, x1 = 0, y1 = 0, weight = 0;
      for (int j = i; j < n; j++) {
        if (group[j] != i)
          continue;
        const FerBoxF b = ranked[j].detection.box;
        const double w = ranked[j].detection.score;
        x0 += w * b.x;
        y0 += w * b.y;
        x1 += w * (b.x + b.width);
        y1 += w * (b.y + b.height);
        weight += w;
      }
      if (weight > 0)
        best.box = (FerBoxF) { x0 / weight, y0 / weight, (x1 - x0) / weight, (y1 - y0) / weight };
    }
    detections[kept++] = best;
  }
  g_free (group);
  g_free (ranked);
  return kept;
}
