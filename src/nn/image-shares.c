#include "nn/image-shares.h"

#include <glib.h>

#include "nn/fer-parallel.h"

/* Weights per block: each block goes image by image, so every pass reads one image's share
 * front to back.  (Walking the images for each weight in turn jumped a whole share, up to 256
 * KB in fer-train-detector's 64-channel layers, per addition: one cache and TLB miss each,
 * 7 % of its training step in perf.) */
#define BLOCK 2048

static void
add_line (fer_real *restrict sum, const fer_real *restrict share, size_t n)
{
  for (size_t i = 0; i < n; i++)
    sum[i] += share[i];
}

void
FER_FN (fer_sum_image_shares) (fer_real *shares, int images, size_t size)
{
  const size_t blocks = (size + BLOCK - 1) / BLOCK;
  FER_PARALLEL_FOR (size * images)
  for (size_t b = 0; b < blocks; b++) {
    const size_t start = b * BLOCK, n = MIN (BLOCK, size - start);
    for (int image = 1; image < images; image++)
      add_line (shares + start, shares + image * size + start, n);
  }
}
