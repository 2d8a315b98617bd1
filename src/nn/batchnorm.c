#include "nn/batchnorm.h"

#include <math.h>

#include "nn/fer-parallel.h"

/* The per-channel sums run over blocks of this many elements in fer_real (as many SIMD lanes as
 * the activations have), each block's sum then added in double: as accurate as summing in
 * double throughout for the sizes here, at twice the lanes. */
#define BN_BLOCK 256

/* The passes over the activations in wider vectors where the processor has them (AVX-512,
 * else AVX2): from the second pass on, a channel's data is in cache, and at SSE's width the
 * passes were bound by their instructions (the detector-sized net's step at batch 16,
 * alternating builds: 39.5 -> 37.0 ms).  The products and sums are rounded apart whatever the
 * width (C11: never contracted into FMAs); a sum's lanes, and so its last bits, follow the
 * width, as OpenBLAS's results follow the processor. */
#define CLONES __attribute__ ((target_clones ("arch=x86-64-v4", "arch=x86-64-v3", "default")))

/* The batchnorm's output before a fused ReLU.  The backward pass finds where the ReLU let the
 * gradient through from this, the forward's own value to the bit (the build is C11: the product
 * and the sum are rounded apart, never contracted), rather than by reading the ReLU's output:
 * one stream less over the largest tensors, twice. */
static inline fer_real
affine (fer_real x, fer_real scale, fer_real shift)
{
  return x * scale + shift;
}

/* The gradient dy passed back through a ReLU whose input was v.  dy is loaded whatever v is,
 * so that the choice compiles to a vector select (a conditional load of dy would keep the loops
 * scalar, with a branch taken at random: ~7 times slower, measured). */
static inline fer_real
passed (fer_real dy, fer_real v)
{
  return v > 0 ? dy : 0;
}

/* y = x * scale + shift, and max (y, 0) with relu (a ReLU that follows, in the same pass). */
CLONES static void
normalise (fer_real *y, const fer_real *x, fer_real scale, fer_real shift, size_t count,
    gboolean relu)
{
  if (relu) {
#pragma omp simd
    for (size_t i = 0; i < count; i++) {
      const fer_real v = affine (x[i], scale, shift);
      y[i] = v > 0 ? v : 0;
    }
  } else {
    for (size_t i = 0; i < count; i++)
      y[i] = x[i] * scale + shift;
  }
}

/* One pass over a channel for its mean and variance: the sums of x - shift_by and of its
 * square (plain one-pass sums of x and x^2 lose the variance of activations far from zero; a
 * shift by one of them puts them near it), blocks summed in double. */
CLONES static void
shifted_sums (double *sum, double *sum_squares, const fer_real *x, fer_real shift_by,
    size_t count)
{
  *sum = *sum_squares = 0;
  for (size_t i0 = 0; i0 < count; i0 += BN_BLOCK) {
    const size_t end = MIN (i0 + BN_BLOCK, count);
    fer_real block = 0, block_squares = 0;
#pragma omp simd reduction (+:block, block_squares)
    for (size_t i = i0; i < end; i++) {
      const fer_real d = x[i] - shift_by;
      block += d;
      block_squares += d * d;
    }
    *sum += block;
    *sum_squares += block_squares;
  }
}

void
FER_FN (fer_batchnorm_forward_train) (fer_real *out, fer_real *save_mean,
    fer_real *save_invstd, fer_real *save_scale, fer_real *save_shift, const fer_real *in,
    const fer_real *gamma, const fer_real *beta, fer_real *running_mean, fer_real *running_var,
    int channels, size_t count, double momentum, double eps, gboolean relu)
{
  FER_PARALLEL_FOR ((size_t) channels * count)
  for (int c = 0; c < channels; c++) {
    const fer_real *x = in + c * count;
    fer_real *y = out + c * count;

    const fer_real shift_by = count > 0 ? x[0] : 0;
    double sum, sum_squares;
    shifted_sums (&sum, &sum_squares, x, shift_by, count);
    const double mean_d = sum / count;
    const double squares = MAX (sum_squares - sum * mean_d, 0);   /* sum of (x - mean)^2 */
    const double mean = shift_by + mean_d;
    const double var = squares / count;
    const double invstd = 1.0 / sqrt (var + eps);

    const fer_real scale = (fer_real) (gamma[c] * invstd);
    const fer_real shift = (fer_real) (beta[c] - mean * gamma[c] * invstd);
    normalise (y, x, scale, shift, count, relu);

    save_mean[c] = (fer_real) mean;
    save_invstd[c] = (fer_real) invstd;
    save_scale[c] = scale;
    save_shift[c] = shift;
    const double unbiased = count > 1 ? squares / (count - 1) : var;
    running_mean[c] = (fer_real) ((1 - momentum) * running_mean[c] + momentum * mean);
    running_var[c] = (fer_real) ((1 - momentum) * running_var[c] + momentum * unbiased);
  }
}

void
FER_FN (fer_batchnorm_eval_affine) (fer_real *scale, fer_real *shift, const fer_real *gamma,
    const fer_real *beta, const fer_real *running_mean, const fer_real *running_var,
    int channels, double eps)
{
  for (int c = 0; c < channels; c++) {
    const double invstd = 1.0 / sqrt ((double) running_var[c] + eps);
    scale[c] = (fer_real) (gamma[c] * invstd);
    shift[c] = (fer_real) (beta[c] - running_mean[c] * gamma[c] * invstd);
  }
}

void
FER_FN (fer_batchnorm_forward_eval) (fer_real *out, const fer_real *in,
    const fer_real *gamma, const fer_real *beta, const fer_real *running_mean,
    const fer_real *running_var, int channels, size_t count, double eps, gboolean relu)
{
  fer_real scale[channels], shift[channels];
  FER_FN (fer_batchnorm_eval_affine) (scale, shift, gamma, beta, running_mean, running_var,
      channels, eps);
  FER_PARALLEL_FOR ((size_t) channels * count)
  for (int c = 0; c < channels; c++)
    normalise (out + c * count, in + c * count, scale[c], shift[c], count, relu);
}

/* Channel c's coefficients of the input gradient (fer_batchnorm_backward_coefficients). */
CLONES static void
channel_coefficients (fer_real *a, fer_real *b, fer_real *d, fer_real *dgamma, fer_real *dbeta,
    const fer_real *dout, const fer_real *in, const fer_real *save_mean,
    const fer_real *save_invstd, const fer_real *gamma, int c, size_t count,
    const fer_real *relu_scale, const fer_real *relu_shift)
{
  const fer_real *x = in + c * count;
  const fer_real *dy = dout + c * count;
  const gboolean relu = relu_scale != NULL;
  const fer_real s = relu ? relu_scale[c] : 0, t = relu ? relu_shift[c] : 0;
  const double invstd = save_invstd[c];

  const fer_real m = save_mean[c];
  double sum_dy = 0, sum_dy_centred = 0;
  for (size_t i0 = 0; i0 < count; i0 += BN_BLOCK) {
    const size_t end = MIN (i0 + BN_BLOCK, count);
    fer_real block = 0, block_centred = 0;
    if (relu) {
#pragma omp simd reduction (+:block, block_centred)
      for (size_t i = i0; i < end; i++) {
        const fer_real g = passed (dy[i], affine (x[i], s, t));
        block += g;
        block_centred += g * (x[i] - m);
      }
    } else {
#pragma omp simd reduction (+:block, block_centred)
      for (size_t i = i0; i < end; i++) {
        block += dy[i];
        block_centred += dy[i] * (x[i] - m);
      }
    }
    sum_dy += block;
    sum_dy_centred += block_centred;
  }
  const double sum_dy_xhat = sum_dy_centred * invstd;
  dgamma[c] += (fer_real) sum_dy_xhat;
  dbeta[c] += (fer_real) sum_dy;

  /* dx = gamma * invstd * (dy - mean (dy) - xhat * mean (dy * xhat)), as
   * a dy + b (x - mean) + d in fer_real: the per-element work at the activations' own width
   * (twice the lanes of double), x - mean exact enough where x is far from zero. */
  const double k = gamma[c] * invstd;
  const double mean_dy = sum_dy / count, mean_dy_xhat = sum_dy_xhat / count;
  a[c] = (fer_real) k;
  b[c] = (fer_real) (-k * invstd * mean_dy_xhat);
  d[c] = (fer_real) (-k * mean_dy);
}

void
FER_FN (fer_batchnorm_backward_coefficients) (fer_real *a, fer_real *b, fer_real *d,
    fer_real *dgamma, fer_real *dbeta, const fer_real *dout, const fer_real *in,
    const fer_real *save_mean, const fer_real *save_invstd, const fer_real *gamma,
    int channels, size_t count, const fer_real *relu_scale, const fer_real *relu_shift)
{
  FER_PARALLEL_FOR ((size_t) channels * count)
  for (int c = 0; c < channels; c++)
    channel_coefficients (a, b, d, dgamma, dbeta, dout, in, save_mean, save_invstd, gamma, c,
        count, relu_scale, relu_shift);
}

/* (A static function of its own: clang makes target clones only of functions whose every
 * declaration has the attribute, and the header's does not.) */
CLONES static void
input_gradient_span (fer_real *din, gboolean assign,
    const FER_FN (FerBatchnormInputGradient) *g, int c, size_t offset, size_t n)
{
  const fer_real *x = g->in + c * g->count + offset;
  const fer_real *dy = g->dout + c * g->count + offset;
  const fer_real a = g->a[c], b = g->b[c], d = g->d[c], m = g->mean[c];
  fer_real *restrict dx = din;
  /* (restrict: the input gradient is another buffer than the others, so the loops vectorise.) */
  if (g->relu_scale != NULL) {
    const fer_real s = g->relu_scale[c], t = g->relu_shift[c];
    if (assign) {
#pragma omp simd
      for (size_t i = 0; i < n; i++)
        dx[i] = a * passed (dy[i], affine (x[i], s, t)) + b * (x[i] - m) + d;
    } else {
#pragma omp simd
      for (size_t i = 0; i < n; i++)
        dx[i] += a * passed (dy[i], affine (x[i], s, t)) + b * (x[i] - m) + d;
    }
  } else if (assign)
    for (size_t i = 0; i < n; i++)
      dx[i] = a * dy[i] + b * (x[i] - m) + d;
  else
    for (size_t i = 0; i < n; i++)
      dx[i] += a * dy[i] + b * (x[i] - m) + d;
}

void
FER_FN (fer_batchnorm_input_gradient_span) (fer_real *din, gboolean assign,
    const FER_FN (FerBatchnormInputGradient) *gradient, int c, size_t offset, size_t n)
{
  input_gradient_span (din, assign, gradient, c, offset, n);
}

void
FER_FN (fer_batchnorm_backward) (fer_real *din, gboolean assign_din, fer_real *dgamma,
    fer_real *dbeta,
    const fer_real *dout, const fer_real *in, const fer_real *save_mean,
    const fer_real *save_invstd, const fer_real *gamma, int channels, size_t count,
    const fer_real *relu_scale, const fer_real *relu_shift)
{
  fer_real a[channels], b[channels], d[channels];
  const FER_FN (FerBatchnormInputGradient) g = { dout, in, count, a, b, d, save_mean,
    relu_scale, relu_shift };
  /* A channel's two passes one after the other, the second finding some of the first's data
   * still in cache. */
  FER_PARALLEL_FOR ((size_t) channels * count)
  for (int c = 0; c < channels; c++) {
    channel_coefficients (a, b, d, dgamma, dbeta, dout, in, save_mean, save_invstd, gamma, c,
        count, relu_scale, relu_shift);
    FER_FN (fer_batchnorm_input_gradient_span) (din + c * count, assign_din, &g, c, 0, count);
  }
}
