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

const char *const fer_mouth_feature_names[FER_MOUTH_FEATURES] = {
  "opening", "corner_lift", "width_ratio"
};

/* The mean of points first .. last. */
static void
centre (const float *points, int first, int last, double *x, double *y)
{
  const double n = last - first + 1;
  *x = *y = 0;
  for (int i = first; i <= last; i++) {
    *x += points[2 * i] / n;
    *y += points[2 * i + 1] / n;
  }
}

gboolean
fer_mouth_features (const float points[2 * FER_LANDMARKS], double features[FER_MOUTH_FEATURES])
{
  double lx, ly, rx, ry;
  centre (points, 36, 41, &lx, &ly);
  centre (points, 42, 47, &rx, &ry);
  const double eyes = hypot (rx - lx, ry - ly);
  const double width = distance (points, 48, 54);
  /* The face's down direction: the eye line turned a quarter clockwise (image y points down). */
  const double down_x = -(ry - ly) / eyes, down_y = (rx - lx) / eyes;
  const double middle_x = (points[2 * 62] + points[2 * 66]) / 2;
  const double middle_y = (points[2 * 62 + 1] + points[2 * 66 + 1]) / 2;
  const double corners_x = (points[2 * 48] + points[2 * 54]) / 2;
  const double corners_y = (points[2 * 48 + 1] + points[2 * 54 + 1]) / 2;
  features[FER_MOUTH_OPENING] = fer_mouth_opening (points);
  features[FER_MOUTH_CORNER_LIFT] =
      ((middle_x - corners_x) * down_x + (middle_y - corners_y) * down_y) / width;
  features[FER_MOUTH_WIDTH_RATIO] = width / eyes;
  gboolean ok = eyes > 0 && width > 0;
  for (int i = 0; i < FER_MOUTH_FEATURES; i++)
    ok = ok && isfinite (features[i]);
  if (!ok)
    for (int i = 0; i < FER_MOUTH_FEATURES; i++)
      features[i] = NAN;
  return ok;
}
