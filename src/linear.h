/* linear.h: fully connected layer, out[N][O] = in[N][I] . weight[O][I]^T + bias[O] (PyTorch's
 * nn.Linear layout). */
#ifndef FER_LINEAR_H
#define FER_LINEAR_H

#include "fer-real.h"

void FER_FN (fer_linear_forward) (fer_real *out, const fer_real *in, const fer_real *weight,
    const fer_real *bias, int batch, int in_features, int out_features);

/* Accumulates dweight, dbias and, when din is not NULL, din. */
void FER_FN (fer_linear_backward) (fer_real *din, fer_real *dweight, fer_real *dbias,
    const fer_real *dout, const fer_real *in, const fer_real *weight, int batch,
    int in_features, int out_features);

#endif /* FER_LINEAR_H */
