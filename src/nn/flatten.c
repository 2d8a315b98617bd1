#include "nn/flatten.h"

#include <string.h>

void
FER_FN (fer_flatten_forward) (fer_real *out, const fer_real *in, int channels, int batch,
    int spatial)
{
  for (int c = 0; c < channels; c++)
    for (int n = 0; n < batch; n++)
      memcpy (out + ((size_t) n * channels + c) * spatial,
          in + ((size_t) c * batch + n) * spatial, spatial * sizeof *out);
}

void
FER_FN (fer_flatten_backward) (fer_real *din, const fer_real *dout, int channels, int batch,
    int spatial)
{
  for (int c = 0; c < channels; c++)
    for (int n = 0; n < batch; n++) {
      fer_real *dst = din + ((size_t) c * batch + n) * spatial;
      const fer_real *src = dout + ((size_t) n * channels + c) * spatial;
      for (int s = 0; s < spatial; s++)
        dst[s] += src[s];
    }
}
