#include "nn/dropout.h"

void
FER_FN (fer_dropout_forward) (fer_real *out, uint8_t *mask, const fer_real *in, size_t n,
    double p, FerRng *rng)
{
  /* PyTorch multiplies by a noise tensor holding 1 / (1 - p) in the activations' type. */
  const fer_real scale = (fer_real) (1 / (1 - p));
  for (size_t i = 0; i < n; i++) {
    mask[i] = fer_rng_uniform (rng) >= p;
    out[i] = mask[i] ? in[i] * scale : 0;
  }
}

void
FER_FN (fer_dropout_backward) (fer_real *din, const fer_real *dout, const uint8_t *mask,
    size_t n, double p)
{
  const fer_real scale = (fer_real) (1 / (1 - p));
  for (size_t i = 0; i < n; i++)
    if (mask[i])
      din[i] += dout[i] * scale;
}
