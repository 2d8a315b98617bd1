#include "face/mouth-geometry.h"

#include <math.h>

static double
distance (const float *points, int a, int b)
{
  return hypot (points[2 * a] - points[2 * b], points[2 * a + 1] - points[2 * b + 1]);
}

double
fer_mouth_opening (const float points[2 * FER_LANDMARKS])
{
  /* Upper inner lip 61, 62, 63 face lower inner lip 67, 66, 65 (dlib's iBUG 300-W order). */
  static const int pairs[3][2] = { { 61, 67 }, { 62, 66 }, { 63, 65 } };
  const double width = distance (points, 48, 54);
  double gap = 0;
  for (int i = 0; i < 3; i++)
    gap += distance (points, pairs[i][0], pairs[i][1]) / 3;
  if (!isfinite (width) || !isfinite (gap) || width <= 0)
    return NAN;
  return gap / width;
}
