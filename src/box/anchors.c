#include "box/anchors.h"

#include <math.h>

int
fer_anchors_per_cell (const FerAnchorSpec *spec)
{
  return spec->n_sizes * spec->n_ratios;
}

static gboolean
valid (const FerAnchorSpec *spec, int map_width, int map_height)
{
  if (spec->stride <= 0 || map_width < 0 || map_height < 0
      || spec->n_sizes < 1 || spec->n_sizes > FER_ANCHOR_MAX_SIZES
      || spec->n_ratios < 1 || spec->n_ratios > FER_ANCHOR_MAX_RATIOS)
    return FALSE;
  for (int s = 0; s < spec->n_sizes; s++)
    if (!(spec->sizes[s] > 0 && isfinite (spec->sizes[s])))
      return FALSE;
  for (int r = 0; r < spec->n_ratios; r++)
    if (!(spec->ratios[r] > 0 && isfinite (spec->ratios[r])))
      return FALSE;
  return TRUE;
}

int
fer_anchor_grid (const FerAnchorSpec *spec, int map_width, int map_height, FerBoxF *anchors)
{
  if (!valid (spec, map_width, map_height))
    return -1;
  int n = 0;
  for (int y = 0; y < map_height; y++)
    for (int x = 0; x < map_width; x++) {
      const double cx = (x + 0.5) * spec->stride, cy = (y + 0.5) * spec->stride;
      for (int s = 0; s < spec->n_sizes; s++)
        for (int r = 0; r < spec->n_ratios; r++) {
          const double root = sqrt (spec->ratios[r]);
          const double w = spec->sizes[s] * root, h = spec->sizes[s] / root;
          anchors[n++] = (FerBoxF) { cx - w / 2, cy - h / 2, w, h };
        }
    }
  return n;
}
