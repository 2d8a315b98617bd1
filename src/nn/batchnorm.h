/* batchnorm.h: BatchNorm2d with PyTorch's semantics, on [C][count] blocks (count = N*H*W, the
 * channel-major layout of conv2d.h).
 *
 * Training normalises with the batch mean and the biased batch variance, y = (x - mean) /
 * sqrt (var + eps) * gamma + beta, and moves the running statistics with
 * running = (1 - momentum) * running + momentum * batch_stat, using the unbiased variance
 * (var * count / (count - 1)).  Evaluation normalises with the running statistics. */
#ifndef FER_BATCHNORM_H
#define FER_BATCHNORM_H

#include <stddef.h>
#include <glib.h>
#include "nn/fer-real.h"

#define FER_BATCHNORM_DEFAULT_EPS 1e-5
#define FER_BATCHNORM_DEFAULT_MOMENTUM 0.1

/* save_mean and save_invstd (one per channel) are kept for the backward pass, with save_scale
 * and save_shift, the affine map the pass applied (out = in * scale + shift).  count >= 2.
 * relu: a ReLU that follows is applied in the same pass (out is then the ReLU's output). */
void FER_FN (fer_batchnorm_forward_train) (fer_real *out, fer_real *save_mean,
    fer_real *save_invstd, fer_real *save_scale, fer_real *save_shift, const fer_real *in,
    const fer_real *gamma, const fer_real *beta, fer_real *running_mean, fer_real *running_var,
    int channels, size_t count, double momentum, double eps, gboolean relu);

/* Evaluation's batchnorm as out = in * scale[c] + shift[c] (what fer_batchnorm_forward_eval
 * applies, to the bit; a convolution folds it into its output: conv2d.h's FerConvEpilogue). */
void FER_FN (fer_batchnorm_eval_affine) (fer_real *scale, fer_real *shift, const fer_real *gamma,
    const fer_real *beta, const fer_real *running_mean, const fer_real *running_var,
    int channels, double eps);

void FER_FN (fer_batchnorm_forward_eval) (fer_real *out, const fer_real *in,
    const fer_real *gamma, const fer_real *beta, const fer_real *running_mean,
    const fer_real *running_var, int channels, size_t count, double eps, gboolean relu);

/* Backward of the training forward: accumulates dgamma, dbeta, and din (assign_din: writes it,
 * when nothing else adds to it).  After a forward with relu, relu_scale and relu_shift are its
 * save_scale and save_shift: dout is then the ReLU's output gradient, passed back through it
 * where in * scale + shift > 0 (where the forward's output was); without, both NULL. */
void FER_FN (fer_batchnorm_backward) (fer_real *din, gboolean assign_din, fer_real *dgamma,
    fer_real *dbeta,
    const fer_real *dout, const fer_real *in, const fer_real *save_mean,
    const fer_real *save_invstd, const fer_real *gamma, int channels, size_t count,
    const fer_real *relu_scale, const fer_real *relu_shift);

/* The input gradient of a training batchnorm, per channel an affine map of its output
 * gradient (passed back through the fused ReLU where there is one) and its input:
 * din = a * dout + b * (in - mean) + d.  fer_batchnorm_backward_coefficients finds a, b, d (and
 * the parameters' gradients) in one pass; the input gradient can then be made span by span
 * where it is read (conv2d-bands.h, conv2d-winograd.h: by the convolution before the batchnorm,
 * one pass less over its output gradient), the same values to the bit as
 * fer_batchnorm_backward writes. */
typedef struct {
  const fer_real *dout, *in;    /* [C][count] */
  size_t count;
  const fer_real *a, *b, *d, *mean;   /* per channel */
  const fer_real *relu_scale, *relu_shift;   /* the fused ReLU's (NULL: none) */
} FER_FN (FerBatchnormInputGradient);

/* Accumulates dgamma and dbeta, and sets a, b, d (one per channel) of the input gradient;
 * arguments as for fer_batchnorm_backward. */
void FER_FN (fer_batchnorm_backward_coefficients) (fer_real *a, fer_real *b, fer_real *d,
    fer_real *dgamma, fer_real *dbeta, const fer_real *dout, const fer_real *in,
    const fer_real *save_mean, const fer_real *save_invstd, const fer_real *gamma,
    int channels, size_t count, const fer_real *relu_scale, const fer_real *relu_shift);

/* din[0..n-1] (assign: =, else +=) the input gradient of channel c at elements
 * offset..offset+n-1 of the channel. */
void FER_FN (fer_batchnorm_input_gradient_span) (fer_real *din, gboolean assign,
    const FER_FN (FerBatchnormInputGradient) *gradient, int c, size_t offset, size_t n);

#endif /* FER_BATCHNORM_H */
