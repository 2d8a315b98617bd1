#include "face/mouth-box.h"

#include <math.h>

gboolean
fer_mouth_box (const float points[2 * FER_LANDMARKS], double scale, int frame_width,
    int frame_height, FerBox *box)
{
  if (frame_width <= 0 || frame_height <= 0 || !(scale > 0))
    return FALSE;
  double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
  for (int i = FER_MOUTH_FIRST; i <= FER_MOUTH_LAST; i++) {
    const double x = points[2 * i], y = points[2 * i + 1];
    if (!isfinite (x) || !isfinite (y))
      return FALSE;
    x0 = fmin (x0, x);
    x1 = fmax (x1, x);
    y0 = fmin (y0, y);
    y1 = fmax (y1, y);
  }
  const int limit = MIN (frame_width, frame_height);
  double side = scale * fmax (x1 - x0, y1 - y0);
  int size = (int) lround (fmin (side, (double) limit));
  size = CLAMP (size, 1, limit);
  const double cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  /* lround of a centre far outside the frame is still clamped back in. */
  const double left = fmin (fmax (cx - size / 2.0, 0), frame_width - size);
  const double top = fmin (fmax (cy - size / 2.0, 0), frame_height - size);
  box->x = CLAMP ((int) lround (left), 0, frame_width - size);
  box->y = CLAMP ((int) lround (top), 0, frame_height - size);
  box->width = box->height = size;
  return TRUE;
}
