#include "image/synthetic-mouths.h"
#include "base/fer-rng.h"

#include <math.h>
#include <stddef.h>

#define SIZE 48
#define PLANE (SIZE * SIZE)

/* How much of pixel (x, y) the glyph covers, 0 or 1. */
typedef struct {
  int label;
  double cx, cy, radius, rx, ry, half_length;
} Glyph;

static int
covers (const Glyph *g, double x, double y)
{
  const double dx = x - g->cx, dy = y - g->cy;
  switch (g->label) {
    case 0:   /* none: a flat line */
      return fabs (dy) <= 1.2 && fabs (dx) <= g->half_length;
    case 1: { /* pouting: a small ring */
      const double d = sqrt (dx * dx + dy * dy);
      return fabs (d - g->radius) <= 1.3;
    }
    case 2: { /* smile: the lower part of a circle */
      const double d = sqrt (dx * dx + dy * dy);
      return fabs (d - g->radius) <= 1.4 && dy > 0.35 * g->radius;
    }
    default:  /* openmouth: a filled ellipse */
      return (dx * dx) / (g->rx * g->rx) + (dy * dy) / (g->ry * g->ry) <= 1;
  }
}

void
fer_synthetic_mouth_draw (float *image, int label, FerRng *rng)
{
  Glyph g = { .label = label };
  g.cx = fer_rng_uniform_range (rng, 16, 32);
  g.cy = fer_rng_uniform_range (rng, 16, 32);
  g.radius = label == 1 ? fer_rng_uniform_range (rng, 4, 7) : fer_rng_uniform_range (rng, 8, 14);
  g.rx = fer_rng_uniform_range (rng, 6, 12);
  g.ry = fer_rng_uniform_range (rng, 5, 10);
  g.half_length = fer_rng_uniform_range (rng, 8, 14);
  if (label == 2)
    g.cy -= 0.6 * g.radius;   /* keep the arc, not the empty circle, near the centre */

  double background[3], ink[3];
  for (int c = 0; c < 3; c++) {
    background[c] = fer_rng_uniform_range (rng, 0.4, 0.9);
    ink[c] = background[c] - fer_rng_uniform_range (rng, 0.25, 0.4);
  }
  for (int y = 0; y < SIZE; y++)
    for (int x = 0; x < SIZE; x++) {
      const int on = covers (&g, x + 0.5, y + 0.5);
      for (int c = 0; c < 3; c++) {
        double v = (on ? ink[c] : background[c]) + 0.08 * fer_rng_normal (rng);
        v = v < 0 ? 0 : v > 1 ? 1 : v;
        image[c * PLANE + y * SIZE + x] = (float) ((v - 0.5) / 0.5);
      }
    }
}

void
fer_synthetic_mouths (float *images, int *labels, int count, uint64_t seed)
{
  FerRng rng;
  fer_rng_init (&rng, seed);
  for (int i = 0; i < count; i++)
    labels[i] = i % FER_SYNTHETIC_CLASSES;
  fer_rng_shuffle (&rng, labels, count, sizeof *labels);
  for (int i = 0; i < count; i++)
    fer_synthetic_mouth_draw (images + (size_t) i * 3 * PLANE, labels[i], &rng);
}
