/* flatten.h: from the channel-major [C][N][S] activations of the convolutions (S = H*W) to
 * PyTorch's x.view (N, C*S) order, [N][C][S], and back for the gradient. */
#ifndef FER_FLATTEN_H
#define FER_FLATTEN_H

#include "nn/fer-real.h"

void FER_FN (fer_flatten_forward) (fer_real *out, const fer_real *in, int channels, int batch,
    int spatial);

/* Accumulates din[C][N][S] += dout[N][C][S]. */
void FER_FN (fer_flatten_backward) (fer_real *din, const fer_real *dout, int channels,
    int batch, int spatial);

#endif /* FER_FLATTEN_H */
