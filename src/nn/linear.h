/* linear.h: fully connected layer, out[N][O] = in[N][I] . weight[O][I]^T + bias[O] (PyTorch's
 * nn.Linear layout). */
#ifndef FER_LINEAR_H
#define FER_LINEAR_H

#include "nn/fer-real.h"

void FER_FN (fer_linear_forward) (fer_real *out, const fer_real *in, const fer_real *weight,
    const fer_real *bias, int batch, int in_features, int out_features);

/* The same product for inference, when most inputs are zero (they come out of a ReLU: 65% of
 * fc1's and 84% of fc2's for real mouths), from the transposed weight weight_t[I][O]: out[n] =
 * bias + the sum, in input order, of in[n][i] * weight_t[i][.] over the non-zero in[n][i].  Only
 * the weight rows of non-zero inputs are read (a third of fc1's 5.8 MB), and a skipped term is
 * an exact zero, so this is the plain input-order dot product. */
void FER_FN (fer_linear_forward_sparse_input) (fer_real *out, const fer_real *in,
    const fer_real *weight_t, const fer_real *bias, int batch, int in_features,
    int out_features);

/* weight_t[I][O] = weight[O][I]. */
void FER_FN (fer_linear_transpose_weight) (fer_real *weight_t, const fer_real *weight,
    int in_features, int out_features);

/* Accumulates dweight, dbias and, when din is not NULL, din. */
void FER_FN (fer_linear_backward) (fer_real *din, fer_real *dweight, fer_real *dbias,
    const fer_real *dout, const fer_real *in, const fer_real *weight, int batch,
    int in_features, int out_features);

#endif /* FER_LINEAR_H */
