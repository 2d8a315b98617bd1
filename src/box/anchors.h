/* anchors.h: the candidate boxes of a one-pass detector, laid on a feature map.  Seed 004 scores
 * regions proposed by selective search (seconds per image); ours scores fixed anchors, a few
 * per feature-map cell, in one forward pass.  Each cell of a stride-s map covers s x s input
 * pixels; its anchors are centred on the cell, one per (size, aspect ratio), with
 * width = size * sqrt (ratio) and height = size / sqrt (ratio) (ratio = width / height), so an
 * anchor's area is size^2 whatever its ratio. */
#ifndef FER_ANCHORS_H
#define FER_ANCHORS_H

#include <glib.h>
#include "box/box.h"

G_BEGIN_DECLS

#define FER_ANCHOR_MAX_SIZES 8
#define FER_ANCHOR_MAX_RATIOS 4

typedef struct {
  int stride;                            /* input pixels per feature-map cell */
  int n_sizes;
  float sizes[FER_ANCHOR_MAX_SIZES];     /* anchor sides, input pixels */
  int n_ratios;
  float ratios[FER_ANCHOR_MAX_RATIOS];   /* width / height; 1 for square faces */
} FerAnchorSpec;

/* Anchors per cell: n_sizes * n_ratios. */
int fer_anchors_per_cell (const FerAnchorSpec *spec);

/* The anchors of a map_width x map_height feature map, in the order a detector head lays its
 * outputs: row by row, cell by cell, then size by size, ratio by ratio (index
 * ((y * map_width + x) * n_sizes + s) * n_ratios + r).  anchors holds
 * map_width * map_height * fer_anchors_per_cell (spec); returns that count, or -1 when the spec
 * is not valid (stride, sizes or ratios not positive, counts out of range). */
int fer_anchor_grid (const FerAnchorSpec *spec, int map_width, int map_height,
    FerBoxF *anchors);

G_END_DECLS

#endif /* FER_ANCHORS_H */
