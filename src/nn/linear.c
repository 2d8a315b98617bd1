#include "nn/linear.h"

#include "nn/gemm.h"

#include <string.h>

void
FER_FN (fer_linear_forward) (fer_real *out, const fer_real *in, const fer_real *weight,
    const fer_real *bias, int batch, int in_features, int out_features)
{
  for (int n = 0; n < batch; n++)
    memcpy (out + (size_t) n * out_features, bias, out_features * sizeof *out);
  if (batch == 1)
    /* One image is a matrix-vector product; GEMV skips GEMM's packing of the weights. */
    FER_FN (fer_gemv_parallel) (out_features, in_features, weight, in, out);
  else
    FER_FN (fer_gemm_parallel) (CblasNoTrans, CblasTrans, batch, out_features, in_features,
        1, in, in_features, weight, in_features, 1, out, out_features);
}

/* AVX2 where the processor has it (chosen at run time; the build stays generic x86-64).  No FMA:
 * each element is still rounded after the product and after the sum, as without AVX2, so the
 * results do not depend on the machine. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__ ((target_clones ("avx2", "default")))
#endif
void
FER_FN (fer_linear_forward_sparse_input) (fer_real *out, const fer_real *in,
    const fer_real *weight_t, const fer_real *bias, int batch, int in_features,
    int out_features)
{
  for (int n = 0; n < batch; n++) {
    fer_real *restrict row = out + (size_t) n * out_features;
    const fer_real *x = in + (size_t) n * in_features;
    memcpy (row, bias, out_features * sizeof *row);
    for (int i = 0; i < in_features; i++) {
      if (x[i] == 0)
        continue;
      const fer_real xi = x[i];
      const fer_real *restrict w = weight_t + (size_t) i * out_features;
      for (int o = 0; o < out_features; o++)
        row[o] += xi * w[o];
    }
  }
}

void
FER_FN (fer_linear_transpose_weight) (fer_real *weight_t, const fer_real *weight,
    int in_features, int out_features)
{
  for (int o = 0; o < out_features; o++)
    for (int i = 0; i < in_features; i++)
      weight_t[(size_t) i * out_features + o] = weight[(size_t) o * in_features + i];
}

void
FER_FN (fer_linear_backward) (fer_real *din, fer_real *dweight, fer_real *dbias,
    const fer_real *dout, const fer_real *in, const fer_real *weight, int batch,
    int in_features, int out_features)
{
  /* dweight[O][I] += dout[N][O]^T . in[N][I] */
  FER_FN (fer_gemm_parallel) (CblasTrans, CblasNoTrans, out_features, in_features, batch,
      1, dout, out_features, in, in_features, 1, dweight, in_features);
  for (int o = 0; o < out_features; o++) {
    double sum = 0;
    for (int n = 0; n < batch; n++)
      sum += dout[(size_t) n * out_features + o];
    dbias[o] += (fer_real) sum;
  }
  /* din[N][I] += dout[N][O] . weight[O][I] */
  if (din != NULL)
    FER_FN (fer_gemm_parallel) (CblasNoTrans, CblasNoTrans, batch, in_features, out_features,
        1, dout, out_features, weight, in_features, 1, din, in_features);
}
