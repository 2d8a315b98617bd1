#include "box/box.h"

#include <math.h>

double
fer_box_iou (FerBox a, FerBox b)
{
  if (a.width <= 0 || a.height <= 0 || b.width <= 0 || b.height <= 0)
    return 0;
  const int ix = MAX (0, MIN (a.x + a.width, b.x + b.width) - MAX (a.x, b.x));
  const int iy = MAX (0, MIN (a.y + a.height, b.y + b.height) - MAX (a.y, b.y));
  const double inter = (double) ix * iy;
  return inter / ((double) a.width * a.height + (double) b.width * b.height - inter);
}

int
fer_boxes_merge_overlapping (FerBox *boxes, int n, double max_iou)
{
  int kept = 0;
  /* Largest first, so each box only has to be checked against those already kept. */
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && (double) boxes[j].width * boxes[j].height
        > (double) boxes[j - 1].width * boxes[j - 1].height; j--) {
      const FerBox t = boxes[j];
      boxes[j] = boxes[j - 1];
      boxes[j - 1] = t;
    }
  for (int i = 0; i < n; i++) {
    gboolean overlaps = FALSE;
    for (int k = 0; k < kept && !overlaps; k++)
      overlaps = fer_box_iou (boxes[i], boxes[k]) > max_iou;
    if (!overlaps)
      boxes[kept++] = boxes[i];
  }
  return kept;
}

double
fer_boxf_iou (FerBoxF a, FerBoxF b)
{
  if (!(a.width > 0 && a.height > 0 && b.width > 0 && b.height > 0))
    return 0;
  const double ix = fmax (0, fmin (a.x + a.width, b.x + b.width) - fmax (a.x, b.x));
  const double iy = fmax (0, fmin (a.y + a.height, b.y + b.height) - fmax (a.y, b.y));
  const double inter = ix * iy;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

FerBox
fer_box_from_boxf (FerBoxF b)
{
  const long x0 = lround (b.x), y0 = lround (b.y);
  const long x1 = lround (b.x + b.width), y1 = lround (b.y + b.height);
  return (FerBox) { (int) x0, (int) y0, (int) (x1 - x0), (int) (y1 - y0) };
}
