/* Gradient checks by central differences, in double precision (the engine's double build):
 * every layer's backward against numerical derivatives of a scalar loss, and the whole of
 * simpleconv3 against the derivative of its cross-entropy.
 *
 * Layers are checked through L = sum (w * out) with a fixed random w, so dL/dout = w.  A check
 * whose two step sizes disagree has straddled a ReLU kink, where no derivative exists: it is
 * skipped and counted, and too many skips fail the test. */
#include <math.h>
#include <string.h>

#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/conv2d-bands.h"
#include "nn/conv2d-winograd.h"
#include "nn/cross-entropy.h"
#include "nn/net.h"
#include "nn/seed004-net.h"
#include "nn/dropout.h"
#include "nn/pool.h"
#include "nn/detection-loss.h"
#include "nn/regression-loss.h"
#include "base/fer-rng.h"
#include "nn/flatten.h"
#include "nn/linear.h"
#include "nn/fer-threads.h"
#include "nn/relu.h"
#include "nn/simpleconv3.h"
#include "fer-test-util.h"

#define RELATIVE_TOLERANCE 1e-6
#define ABSOLUTE_TOLERANCE 1e-9

/* Layers are small and smooth; the whole net has ~20000 ReLUs that any parameter of conv1 moves,
 * so it takes a smaller step to straddle fewer kinks. */
static double step = 1e-5;

typedef double (*LossFn) (void *ctx);

static FerRng rng;

static double *
random_array (size_t n, double scale)
{
  double *a = g_new (double, n);
  for (size_t i = 0; i < n; i++)
    a[i] = fer_rng_uniform_range (&rng, -scale, scale);
  return a;
}

static double *
filled_array (size_t n, double value)
{
  double *a = g_new (double, n);
  for (size_t i = 0; i < n; i++)
    a[i] = value;
  return a;
}

static double
numeric_derivative (double *x, double step, LossFn loss, void *ctx)
{
  const double saved = *x;
  *x = saved + step;
  const double plus = loss (ctx);
  *x = saved - step;
  const double minus = loss (ctx);
  *x = saved;
  return (plus - minus) / (2 * step);
}

static gboolean
close_enough (double a, double b)
{
  return fabs (a - b) <= ABSOLUTE_TOLERANCE + RELATIVE_TOLERANCE * fmax (fabs (a), fabs (b));
}

/* Checks analytic[i] against the numerical derivative for every i in indices (or all of
 * 0..n-1 when indices is NULL).  Returns the number of checks skipped at kinks. */
static int
check_gradient (const char *what, double *x, const double *analytic, size_t n,
    const size_t *indices, size_t n_indices, LossFn loss, void *ctx)
{
  int skipped = 0, failed = 0;
  const size_t count = indices ? n_indices : n;
  double worst = 0;
  for (size_t k = 0; k < count; k++) {
    const size_t i = indices ? indices[k] : k;
    const double coarse = numeric_derivative (&x[i], step, loss, ctx);
    const double fine = numeric_derivative (&x[i], step / 2, loss, ctx);
    if (!close_enough (coarse, fine)) {
      skipped++;
      continue;
    }
    worst = fmax (worst, fabs (analytic[i] - fine) / fmax (fabs (fine), 1e-12));
    if (!close_enough (analytic[i], fine) && failed++ < 5)
      g_test_message ("%s[%zu]: analytic %.12g, numerical %.12g", what, i, analytic[i], fine);
  }
  g_test_message ("%s: %zu checked, %d at kinks, worst relative error %.2g", what, count,
      skipped, worst);
  if (failed > 0 || skipped > (int) (count / 10))
    g_test_fail ();
  return skipped;
}

static double
weighted_sum (const double *out, const double *w, size_t n)
{
  double sum = 0;
  for (size_t i = 0; i < n; i++)
    sum += out[i] * w[i];
  return sum;
}

/* conv2d */

typedef struct {
  FerConv2d conv;
  int batch, height, width, out_h, out_w;
  FerImageStrides strides;
  double *in, *weight, *bias, *out, *col, *w;
  size_t n_in, n_out;
} ConvCase;

static double
conv_loss (void *ctx)
{
  ConvCase *c = ctx;
  fer_conv2d_forward_f64 (c->out, c->col, c->in, c->strides, c->weight, c->bias, &c->conv,
      c->batch, c->height, c->width);
  return weighted_sum (c->out, c->w, c->n_out);
}

/* A case of batch images of height x width in the image's layout or the network's, with random
 * input, weights, bias (or none) and loss weights (drawn in that order), and room for the
 * output and the columns. */
static ConvCase
conv_case_new (FerConv2d conv, int batch, int height, int width, gboolean channel_major,
    gboolean with_bias)
{
  ConvCase c = { .conv = conv, .batch = batch, .height = height, .width = width };
  c.out_h = fer_conv2d_output_size (height, conv.kernel, conv.stride, conv.padding);
  c.out_w = fer_conv2d_output_size (width, conv.kernel, conv.stride, conv.padding);
  c.strides = channel_major ? fer_strides_cnhw (batch, height, width)
      : fer_strides_nchw (conv.in_channels, height, width);
  c.n_in = (size_t) batch * conv.in_channels * height * width;
  c.n_out = (size_t) batch * conv.out_channels * c.out_h * c.out_w;
  const size_t patch = (size_t) conv.in_channels * conv.kernel * conv.kernel;
  c.in = random_array (c.n_in, 1);
  c.weight = random_array (conv.out_channels * patch, 0.5);
  c.bias = with_bias ? random_array (conv.out_channels, 0.5) : NULL;
  c.w = random_array (c.n_out, 1);
  c.out = g_new (double, c.n_out);
  c.col = g_new (double, patch * c.n_out / conv.out_channels);
  return c;
}

static void
conv_case_clear (ConvCase *c)
{
  g_free (c->in); g_free (c->weight); g_free (c->bias); g_free (c->w); g_free (c->out);
  g_free (c->col);
}

static void
check_conv_bias (FerConv2d conv, int batch, int size, gboolean channel_major, gboolean with_bias)
{
  ConvCase c = { .conv = conv, .batch = batch, .height = size, .width = size + 1 };
  c.out_h = fer_conv2d_output_size (c.height, conv.kernel, conv.stride, conv.padding);
  c.out_w = fer_conv2d_output_size (c.width, conv.kernel, conv.stride, conv.padding);
  c.strides = channel_major ? fer_strides_cnhw (batch, c.height, c.width)
      : fer_strides_nchw (conv.in_channels, c.height, c.width);
  c.n_in = (size_t) batch * conv.in_channels * c.height * c.width;
  c.n_out = (size_t) batch * conv.out_channels * c.out_h * c.out_w;
  const size_t patch = (size_t) conv.in_channels * conv.kernel * conv.kernel;
  const size_t n_weight = conv.out_channels * patch;
  c.in = random_array (c.n_in, 1);
  c.weight = random_array (n_weight, 0.5);
  c.bias = with_bias ? random_array (conv.out_channels, 0.5) : NULL;
  c.w = random_array (c.n_out, 1);
  c.out = g_new (double, c.n_out);
  c.col = g_new (double, patch * batch * c.out_h * c.out_w);
  double *dcol = g_new (double, patch * batch * c.out_h * c.out_w);
  double *din = g_new0 (double, c.n_in), *dweight = g_new0 (double, n_weight);
  double *dbias = g_new0 (double, conv.out_channels);

  /* As in training: the forward through columns, which the backward reads (conv_loss's forward
   * may go direct, and the numerical gradient is taken of that). */
  fer_conv2d_forward_columns_f64 (c.out, c.col, c.in, c.strides, c.weight, c.bias, &c.conv,
      c.batch, c.height, c.width);
  fer_conv2d_backward_f64 (din, FALSE, dweight, with_bias ? dbias : NULL, dcol, c.w, c.col, c.in,
      c.weight, c.strides, &c.conv, batch, c.height, c.width);
  /* Written over what din held (as by the first layer to reach it in a backward pass). */
  double *assigned = filled_array (c.n_in, 7), *scratch_dweight = g_new0 (double, n_weight);
  fer_conv2d_backward_f64 (assigned, TRUE, scratch_dweight, NULL, dcol, c.w, c.col, c.in,
      c.weight, c.strides, &c.conv, batch, c.height, c.width);
  g_assert_cmpmem (assigned, c.n_in * sizeof *din, din, c.n_in * sizeof *din);
  g_free (assigned); g_free (scratch_dweight);
  check_gradient ("conv2d input", c.in, din, c.n_in, NULL, 0, conv_loss, &c);
  check_gradient ("conv2d weight", c.weight, dweight, n_weight, NULL, 0, conv_loss, &c);
  if (with_bias)
    check_gradient ("conv2d bias", c.bias, dbias, conv.out_channels, NULL, 0, conv_loss, &c);
  else
    for (int oc = 0; oc < conv.out_channels; oc++)
      g_assert_cmpfloat (dbias[oc], ==, 0);   /* untouched */

  g_free (c.in); g_free (c.weight); g_free (c.bias); g_free (c.w); g_free (c.out);
  g_free (c.col); g_free (dcol); g_free (din); g_free (dweight); g_free (dbias);
}

static void
check_conv (FerConv2d conv, int batch, int size, gboolean channel_major)
{
  check_conv_bias (conv, batch, size, channel_major, TRUE);
}

/* A batchnorm with its ReLU over a convolution's output out[OC][count], and its input gradient
 * for a random output gradient: as coefficients that a convolution's backward pass makes it
 * from as it reads it (g), and written whole by fer_batchnorm_backward (dx). */
typedef struct {
  double *dy, *gamma, *beta, *mean, *invstd, *scale, *shift, *a, *b, *d, *dx;
  FerBatchnormInputGradient_f64 g;
} BnOverConv;

static BnOverConv
bn_over_conv (const double *out, int channels, size_t count)
{
  const size_t n = channels * count;
  BnOverConv bn = { .dy = random_array (n, 1), .gamma = random_array (channels, 1.5),
    .beta = random_array (channels, 1), .dx = g_new (double, n) };
  double **per_channel[] = { &bn.mean, &bn.invstd, &bn.scale, &bn.shift, &bn.a, &bn.b, &bn.d };
  for (size_t i = 0; i < G_N_ELEMENTS (per_channel); i++)
    *per_channel[i] = g_new (double, channels);
  double *y = g_new (double, n), *running = g_new0 (double, 2 * channels);
  double *dgamma = g_new0 (double, 2 * channels), *dbeta = g_new0 (double, 2 * channels);
  fer_batchnorm_forward_train_f64 (y, bn.mean, bn.invstd, bn.scale, bn.shift, out, bn.gamma,
      bn.beta, running, running + channels, channels, count, 0.1, 1e-5, TRUE);
  fer_batchnorm_backward_f64 (bn.dx, TRUE, dgamma, dbeta, bn.dy, out, bn.mean, bn.invstd,
      bn.gamma, channels, count, bn.scale, bn.shift);
  fer_batchnorm_backward_coefficients_f64 (bn.a, bn.b, bn.d, dgamma + channels,
      dbeta + channels, bn.dy, out, bn.mean, bn.invstd, bn.gamma, channels, count, bn.scale,
      bn.shift);
  g_assert_cmpmem (dgamma, channels * sizeof *dgamma, dgamma + channels,
      channels * sizeof *dgamma);
  g_assert_cmpmem (dbeta, channels * sizeof *dbeta, dbeta + channels, channels * sizeof *dbeta);
  bn.g = (FerBatchnormInputGradient_f64) { bn.dy, out, count, bn.a, bn.b, bn.d, bn.mean,
    bn.scale, bn.shift };
  g_free (y); g_free (running); g_free (dgamma); g_free (dbeta);
  return bn;
}

static void
bn_over_conv_clear (BnOverConv *bn)
{
  g_free (bn->dy); g_free (bn->gamma); g_free (bn->beta); g_free (bn->mean);
  g_free (bn->invstd); g_free (bn->scale); g_free (bn->shift); g_free (bn->a); g_free (bn->b);
  g_free (bn->d); g_free (bn->dx);
}

/* The banded path (conv2d-bands.c) on 2 threads: its output equal to the columns path's, its
 * gradients against central differences of that output, with bands of `rows` output rows. */
static void
check_conv_bands (FerConv2d conv, int batch, int height, int width, int rows,
    gboolean channel_major, gboolean with_bias, gboolean want_din)
{
  fer_threads_set (2);
  g_assert_true (fer_conv2d_bands_apply_f64 (&conv, rows, batch, 2, height, width));
  ConvCase c = conv_case_new (conv, batch, height, width, channel_major, with_bias);
  const size_t patch = (size_t) conv.in_channels * conv.kernel * conv.kernel;
  const size_t n_weight = conv.out_channels * patch, n_col = patch * c.n_out / conv.out_channels;
  double *banded = g_new (double, c.n_out), *dcol = g_new (double, n_col);
  double *din = g_new0 (double, c.n_in), *dweight = g_new0 (double, n_weight);
  double *dbias = g_new0 (double, conv.out_channels);

  fer_conv2d_forward_columns_f64 (c.out, c.col, c.in, c.strides, c.weight, c.bias, &conv, batch,
      height, width);
  fer_conv2d_bands_forward_f64 (banded, c.col, c.in, c.strides, c.weight, c.bias, NULL, NULL,
      &conv, rows, batch, height, width);
  for (size_t i = 0; i < c.n_out; i++)
    g_assert_cmpfloat_with_epsilon (banded[i], c.out[i], 1e-12);
  fer_conv2d_bands_backward_f64 (want_din ? din : NULL, FALSE, dweight, with_bias ? dbias : NULL,
      c.col, dcol, c.w, NULL, NULL, c.in, c.weight, c.strides, &conv, rows, batch, height, width);
  if (want_din) {   /* written over what din held */
    double *assigned = filled_array (c.n_in, 7), *scratch_dweight = g_new0 (double, n_weight);
    fer_conv2d_bands_backward_f64 (assigned, TRUE, scratch_dweight, NULL, c.col, dcol, c.w,
        NULL, NULL, c.in, c.weight, c.strides, &conv, rows, batch, height, width);
    g_assert_cmpmem (assigned, c.n_in * sizeof *din, din, c.n_in * sizeof *din);
    g_free (assigned); g_free (scratch_dweight);
  }
  if (!with_bias) {
    /* The output gradient a batchnorm's, made band by band: the same gradients to the bit as
     * from that gradient written whole. */
    g_assert_true (fer_conv2d_bands_backward_makes_dout_f64 (&conv, rows, batch, 2, height,
            width));
    const size_t count = c.n_out / conv.out_channels;
    BnOverConv bn = bn_over_conv (c.out, conv.out_channels, count);
    double *din_whole = filled_array (c.n_in, 7), *din_made = filled_array (c.n_in, 7);
    double *dweight_whole = g_new0 (double, n_weight), *dweight_made = g_new0 (double, n_weight);
    fer_conv2d_bands_backward_f64 (want_din ? din_whole : NULL, TRUE, dweight_whole, NULL,
        c.col, dcol, bn.dx, NULL, NULL, c.in, c.weight, c.strides, &conv, rows, batch, height, width);
    fer_conv2d_bands_backward_f64 (want_din ? din_made : NULL, TRUE, dweight_made, NULL, c.col,
        dcol, NULL, &bn.g, NULL, c.in, c.weight, c.strides, &conv, rows, batch, height, width);
    g_assert_cmpmem (din_made, c.n_in * sizeof *din, din_whole, c.n_in * sizeof *din);
    g_assert_cmpmem (dweight_made, n_weight * sizeof *dweight, dweight_whole,
        n_weight * sizeof *dweight);
    bn_over_conv_clear (&bn);
    g_free (din_whole); g_free (din_made); g_free (dweight_whole); g_free (dweight_made);
  }
  if (want_din)
    check_gradient ("banded conv2d input", c.in, din, c.n_in, NULL, 0, conv_loss, &c);
  check_gradient ("banded conv2d weight", c.weight, dweight, n_weight, NULL, 0, conv_loss, &c);
  if (with_bias)
    check_gradient ("banded conv2d bias", c.bias, dbias, conv.out_channels, NULL, 0, conv_loss,
        &c);

  conv_case_clear (&c);
  g_free (banded); g_free (dcol); g_free (din); g_free (dweight); g_free (dbias);
}

/* A residual block's projection computed with its first convolution's bands
 * (FerConvProjection): outputs and gradients equal to each one's own through the columns path
 * (itself checked above), with the output gradients given, or made from batchnorms (then the
 * same to the bit as from those gradients written whole). */
static void
check_conv_bands_projection (FerConv2d conv, int projection_channels, int batch, int height,
    int width, int rows)
{
  fer_threads_set (2);
  const FerConv2d pc = { conv.in_channels, projection_channels, 1, conv.stride, 0 };
  g_assert_true (fer_conv2d_bands_projection_fits_f64 (&conv, &pc, rows, batch, 2, height,
          width));
  ConvCase c = conv_case_new (conv, batch, height, width, TRUE, FALSE);
  ConvCase p = conv_case_new (pc, batch, height, width, TRUE, FALSE);
  g_free (p.in);
  p.in = c.in;
  const size_t patch = (size_t) conv.in_channels * conv.kernel * conv.kernel;
  const size_t n_weight = conv.out_channels * patch;
  const size_t n_projection_weight = (size_t) projection_channels * conv.in_channels;
  double *dcol = g_new (double, patch * c.n_out / conv.out_channels);
  double *scratch_col = g_new (double, patch * c.n_out / conv.out_channels);

  /* Each alone, through the columns path. */
  fer_conv2d_forward_columns_f64 (c.out, c.col, c.in, c.strides, c.weight, NULL, &conv, batch,
      height, width);
  fer_conv2d_forward_columns_f64 (p.out, p.col, p.in, p.strides, p.weight, NULL, &pc, batch,
      height, width);
  double *din = g_new0 (double, c.n_in), *dweight = g_new0 (double, n_weight);
  double *projection_dweight = g_new0 (double, n_projection_weight);
  fer_conv2d_backward_f64 (din, FALSE, dweight, NULL, dcol, c.w, c.col, c.in, c.weight,
      c.strides, &conv, batch, height, width);
  fer_conv2d_backward_f64 (din, FALSE, projection_dweight, NULL, dcol, p.w, p.col, p.in,
      p.weight, p.strides, &pc, batch, height, width);

  /* Together. */
  double *out = g_new (double, c.n_out), *projection_out = g_new (double, p.n_out);
  double *together_projection_dweight = g_new0 (double, n_projection_weight);
  FerConvProjection_f64 projection = { projection_channels, p.weight, projection_out,
    together_projection_dweight, p.w, NULL };
  fer_conv2d_bands_forward_f64 (out, scratch_col, c.in, c.strides, c.weight, NULL, NULL,
      &projection, &conv, rows, batch, height, width);
  for (size_t i = 0; i < c.n_out; i++)
    g_assert_cmpfloat_with_epsilon (out[i], c.out[i], 1e-12);
  for (size_t i = 0; i < p.n_out; i++)
    g_assert_cmpfloat_with_epsilon (projection_out[i], p.out[i], 1e-12);
  double *together_din = filled_array (c.n_in, 7);   /* written over */
  double *together_dweight = g_new0 (double, n_weight);
  fer_conv2d_bands_backward_f64 (together_din, TRUE, together_dweight, NULL, scratch_col, dcol,
      c.w, NULL, &projection, c.in, c.weight, c.strides, &conv, rows, batch, height, width);
  for (size_t i = 0; i < c.n_in; i++)
    g_assert_cmpfloat_with_epsilon (together_din[i], din[i], 1e-11);
  for (size_t i = 0; i < n_weight; i++)
    g_assert_cmpfloat_with_epsilon (together_dweight[i], dweight[i], 1e-10);
  for (size_t i = 0; i < n_projection_weight; i++)
    g_assert_cmpfloat_with_epsilon (projection.dweight[i], projection_dweight[i], 1e-10);

  /* Output gradients made from batchnorms against the same written whole. */
  BnOverConv bn = bn_over_conv (c.out, conv.out_channels, c.n_out / conv.out_channels);
  BnOverConv projection_bn = bn_over_conv (p.out, projection_channels,
      p.n_out / projection_channels);
  double *made_din = g_new0 (double, c.n_in), *whole_din = g_new0 (double, c.n_in);
  double *made_dweights = g_new0 (double, n_weight + n_projection_weight);
  double *whole_dweights = g_new0 (double, n_weight + n_projection_weight);
  projection.dweight = whole_dweights + n_weight;
  projection.dout = projection_bn.dx;
  fer_conv2d_bands_backward_f64 (whole_din, FALSE, whole_dweights, NULL, scratch_col, dcol,
      bn.dx, NULL, &projection, c.in, c.weight, c.strides, &conv, rows, batch, height, width);
  projection.dweight = made_dweights + n_weight;
  projection.dout = NULL;
  projection.dout_bn = &projection_bn.g;
  fer_conv2d_bands_backward_f64 (made_din, FALSE, made_dweights, NULL, scratch_col, dcol, NULL,
      &bn.g, &projection, c.in, c.weight, c.strides, &conv, rows, batch, height, width);
  g_assert_cmpmem (made_din, c.n_in * sizeof *din, whole_din, c.n_in * sizeof *din);
  g_assert_cmpmem (made_dweights, (n_weight + n_projection_weight) * sizeof *dweight,
      whole_dweights, (n_weight + n_projection_weight) * sizeof *dweight);

  bn_over_conv_clear (&bn);
  bn_over_conv_clear (&projection_bn);
  p.in = NULL;
  conv_case_clear (&c);
  conv_case_clear (&p);
  g_free (dcol); g_free (scratch_col); g_free (din); g_free (dweight);
  g_free (projection_dweight); g_free (out); g_free (projection_out); g_free (together_din);
  g_free (together_dweight); g_free (together_projection_dweight); g_free (made_din); g_free (whole_din); g_free (made_dweights);
  g_free (whole_dweights);
}

static void
test_conv2d_bands (void)
{
  /* Bands of 1, 2 and 3 rows (the last one short), stride 1 and 2, the image's layout and the
   * network's, with and without bias, 1x1, and a first layer (no input gradient). */
  check_conv_bands ((FerConv2d) { 3, 4, 3, 1, 1 }, 2, 7, 8, 1, TRUE, FALSE, TRUE);
  check_conv_bands ((FerConv2d) { 2, 5, 3, 2, 1 }, 3, 11, 9, 2, TRUE, TRUE, TRUE);
  check_conv_bands ((FerConv2d) { 3, 4, 3, 2, 1 }, 2, 13, 10, 3, FALSE, FALSE, FALSE);
  check_conv_bands ((FerConv2d) { 4, 6, 1, 2, 0 }, 3, 9, 7, 2, TRUE, FALSE, TRUE);
  check_conv_bands ((FerConv2d) { 2, 3, 5, 1, 2 }, 2, 8, 9, 3, FALSE, TRUE, TRUE);
  /* A projection beside a stride-2 convolution (odd sizes: the last band short) and a stride-1
   * one. */
  check_conv_bands_projection ((FerConv2d) { 3, 4, 3, 2, 1 }, 5, 2, 11, 9, 2);
  check_conv_bands_projection ((FerConv2d) { 2, 3, 3, 1, 1 }, 4, 3, 7, 8, 3);
  g_assert_false (fer_conv2d_bands_projection_fits_f64 (&(FerConv2d) { 3, 4, 3, 2, 1 },
      &(FerConv2d) { 3, 5, 1, 1, 0 }, 2, 2, 2, 11, 9));   /* another stride */
  /* Not enough images for the threads, or scratch for the bands: not applied. */
  g_assert_false (fer_conv2d_bands_apply_f64 (&(FerConv2d) { 3, 4, 3, 1, 1 }, 1, 1, 2, 7, 8));
  g_assert_false (fer_conv2d_bands_apply_f64 (&(FerConv2d) { 3, 64, 3, 1, 1 }, 1, 2, 2, 3, 3));
}

/* The Winograd path (conv2d-winograd.c) on 2 threads: its output equal to the columns path's,
 * its gradients equal to that path's backward (itself checked above) and, for small layers,
 * against central differences (in a large one, the differences' own rounding in the sum over
 * every output reaches the tolerance). */
static void
check_conv_winograd (FerConv2d conv, int batch, int height, int width, gboolean channel_major,
    gboolean with_bias, gboolean want_din, gboolean central_differences)
{
  const size_t patch = (size_t) conv.in_channels * 9, n_weight = conv.out_channels * patch;
  /* (Scratch beyond the columns' size: few channels and images need more than that.) */
  const size_t n_scratch = 4 * patch * batch * height * width + 4096;
  fer_threads_set (2);
  g_assert_true (fer_conv2d_winograd_applies_f64 (&conv, batch, 2, height, width, n_scratch));
  ConvCase c = conv_case_new (conv, batch, height, width, channel_major, with_bias);
  double *tiled = g_new (double, c.n_out), *scratch = g_new (double, n_scratch);
  double *din = g_new0 (double, c.n_in), *dweight = g_new0 (double, n_weight);
  double *dbias = g_new0 (double, conv.out_channels);
  double *col_din = g_new0 (double, c.n_in), *col_dweight = g_new0 (double, n_weight);
  double *col_dbias = g_new0 (double, conv.out_channels);

  fer_conv2d_winograd_forward_f64 (tiled, scratch, c.in, c.strides, c.weight, c.bias, &conv,
      batch, height, width);
  fer_conv2d_forward_columns_f64 (c.out, c.col, c.in, c.strides, c.weight, c.bias, &conv, batch,
      height, width);
  for (size_t i = 0; i < c.n_out; i++)
    g_assert_cmpfloat_with_epsilon (tiled[i], c.out[i], 1e-12);
  fer_conv2d_winograd_backward_f64 (want_din ? din : NULL, FALSE, dweight,
      with_bias ? dbias : NULL, scratch, c.w, NULL, c.in, c.weight, c.strides, &conv, batch,
      height, width);
  if (want_din) {   /* written over what din held */
    double *assigned = filled_array (c.n_in, 7), *scratch_dweight = g_new0 (double, n_weight);
    fer_conv2d_winograd_backward_f64 (assigned, TRUE, scratch_dweight, NULL, scratch, c.w, NULL,
        c.in, c.weight, c.strides, &conv, batch, height, width);
    g_assert_cmpmem (assigned, c.n_in * sizeof *din, din, c.n_in * sizeof *din);
    g_free (assigned); g_free (scratch_dweight);
  }
  if (!with_bias) {
    /* The output gradient a batchnorm's, made row by row: the same gradients to the bit as
     * from that gradient written whole. */
    const size_t count = c.n_out / conv.out_channels;
    BnOverConv bn = bn_over_conv (c.out, conv.out_channels, count);
    double *din_whole = filled_array (c.n_in, 7), *din_made = filled_array (c.n_in, 7);
    double *dweight_whole = g_new0 (double, n_weight), *dweight_made = g_new0 (double, n_weight);
    fer_conv2d_winograd_backward_f64 (want_din ? din_whole : NULL, TRUE, dweight_whole, NULL,
        scratch, bn.dx, NULL, c.in, c.weight, c.strides, &conv, batch, height, width);
    fer_conv2d_winograd_backward_f64 (want_din ? din_made : NULL, TRUE, dweight_made, NULL,
        scratch, NULL, &bn.g, c.in, c.weight, c.strides, &conv, batch, height, width);
    g_assert_cmpmem (din_made, c.n_in * sizeof *din, din_whole, c.n_in * sizeof *din);
    g_assert_cmpmem (dweight_made, n_weight * sizeof *dweight, dweight_whole,
        n_weight * sizeof *dweight);
    bn_over_conv_clear (&bn);
    g_free (din_whole); g_free (din_made); g_free (dweight_whole); g_free (dweight_made);
  }
  fer_conv2d_backward_f64 (col_din, FALSE, col_dweight, col_dbias, scratch, c.w, c.col, c.in,
      c.weight, c.strides, &conv, batch, height, width);
  for (size_t i = 0; i < c.n_in; i++)
    g_assert_cmpfloat_with_epsilon (din[i], want_din ? col_din[i] : 0, 1e-11);
  for (size_t i = 0; i < n_weight; i++)
    g_assert_cmpfloat_with_epsilon (dweight[i], col_dweight[i], 1e-10);
  for (int oc = 0; oc < conv.out_channels; oc++)
    g_assert_cmpfloat_with_epsilon (dbias[oc], with_bias ? col_dbias[oc] : 0, 1e-10);

  if (central_differences) {
    if (want_din)
      check_gradient ("winograd conv2d input", c.in, din, c.n_in, NULL, 0, conv_loss, &c);
    check_gradient ("winograd conv2d weight", c.weight, dweight, n_weight, NULL, 0, conv_loss,
        &c);
    if (with_bias)
      check_gradient ("winograd conv2d bias", c.bias, dbias, conv.out_channels, NULL, 0,
          conv_loss, &c);
  }

  conv_case_clear (&c);
  g_free (tiled); g_free (scratch); g_free (din); g_free (dweight);
  g_free (dbias); g_free (col_din); g_free (col_dweight); g_free (col_dbias);
}

static void
test_conv2d_winograd (void)
{
  /* Odd and even sizes (tiles past the edges), both layouts, with and without bias and input
   * gradient, and a layer of the detector's width cut into bands (in double, 6 rows of 20 tiles
   * each: 3 bands per image). */
  check_conv_winograd ((FerConv2d) { 3, 5, 3, 1, 1 }, 2, 7, 8, TRUE, TRUE, TRUE, TRUE);
  check_conv_winograd ((FerConv2d) { 2, 3, 3, 1, 1 }, 3, 6, 5, FALSE, FALSE, TRUE, TRUE);
  check_conv_winograd ((FerConv2d) { 4, 2, 3, 1, 1 }, 2, 1, 1, TRUE, TRUE, FALSE, TRUE);
  check_conv_winograd ((FerConv2d) { 16, 16, 3, 1, 1 }, 2, 30, 40, TRUE, FALSE, TRUE, FALSE);
  /* Other shapes, too few images for the threads, too little scratch: not applied. */
  g_assert_false (fer_conv2d_winograd_applies_f64 (&(FerConv2d) { 3, 4, 3, 2, 1 }, 2, 2, 8, 8,
      1 << 20));
  g_assert_false (fer_conv2d_winograd_applies_f64 (&(FerConv2d) { 3, 4, 5, 1, 2 }, 2, 2, 8, 8,
      1 << 20));
  g_assert_false (fer_conv2d_winograd_applies_f64 (&(FerConv2d) { 3, 4, 3, 1, 1 }, 1, 2, 8, 8,
      1 << 20));
  g_assert_false (fer_conv2d_winograd_applies_f64 (&(FerConv2d) { 3, 4, 3, 1, 1 }, 2, 2, 8, 8,
      100));
}

static void
test_conv2d_seed_shape (void)
{
  /* The seed's convolutions: kernel 3, stride 2, no padding; input in PyTorch's layout. */
  check_conv ((FerConv2d) { 3, 4, 3, 2, 0 }, 2, 9, FALSE);
}

static void
test_conv2d_padding (void)
{
  check_conv ((FerConv2d) { 2, 3, 3, 1, 1 }, 3, 6, TRUE);
  check_conv ((FerConv2d) { 3, 2, 5, 2, 2 }, 2, 8, FALSE);
}

static void
test_conv2d_no_bias (void)
{
  /* Seed 004's residual blocks: 3x3, padding 1, stride 1 or 2, no bias; 1x1 projections. */
  check_conv_bias ((FerConv2d) { 3, 4, 3, 1, 1 }, 2, 7, TRUE, FALSE);
  check_conv_bias ((FerConv2d) { 4, 4, 3, 2, 1 }, 2, 8, TRUE, FALSE);
  check_conv_bias ((FerConv2d) { 4, 6, 1, 2, 0 }, 3, 7, TRUE, FALSE);
}

static void
test_conv2d_direct_and_gemm (void)
{
  /* Stride 1 with at most 72 inputs per output runs direct (conv2d-direct.c): output channels
   * past one block of 8, a 5x5 kernel, no padding, 1x1, the image's layout; beyond 72 the
   * forward goes direct (4 output channels: the registers path) and the backward through
   * im2col and the GEMMs. */
  check_conv ((FerConv2d) { 2, 11, 3, 1, 1 }, 2, 6, TRUE);
  check_conv ((FerConv2d) { 2, 3, 5, 1, 2 }, 2, 7, FALSE);
  check_conv_bias ((FerConv2d) { 3, 2, 3, 1, 0 }, 2, 7, TRUE, FALSE);
  check_conv ((FerConv2d) { 5, 3, 1, 1, 0 }, 2, 5, FALSE);
  check_conv ((FerConv2d) { 9, 4, 3, 1, 1 }, 2, 5, TRUE);
}

/* batchnorm (training mode), alone and with the ReLU that follows it done in its passes */

typedef struct {
  int channels;
  size_t count;
  gboolean relu;
  double *in, *gamma, *beta, *out, *mean, *invstd, *scale, *shift, *running_mean, *running_var;
  double *w;
} NormCase;

static double
norm_loss (void *ctx)
{
  NormCase *c = ctx;
  fer_batchnorm_forward_train_f64 (c->out, c->mean, c->invstd, c->scale, c->shift, c->in,
      c->gamma, c->beta, c->running_mean, c->running_var, c->channels, c->count, 0.1, 1e-5,
      c->relu);
  return weighted_sum (c->out, c->w, c->channels * c->count);
}

static void
check_batchnorm (int channels, size_t count, gboolean relu)
{
  NormCase c = { .channels = channels, .count = count, .relu = relu };
  const size_t n = c.channels * c.count;
  c.in = random_array (n, 2);
  c.gamma = random_array (c.channels, 1.5);
  c.beta = random_array (c.channels, 1);
  c.w = random_array (n, 1);
  c.out = g_new (double, n);
  c.mean = g_new (double, c.channels);
  c.invstd = g_new (double, c.channels);
  c.scale = g_new (double, c.channels);
  c.shift = g_new (double, c.channels);
  c.running_mean = g_new0 (double, c.channels);
  c.running_var = g_new0 (double, c.channels);
  double *din = g_new0 (double, n), *dgamma = g_new0 (double, c.channels);
  double *dbeta = g_new0 (double, c.channels);

  norm_loss (&c);
  /* Written over what din held (as when the batchnorm is its input's only reader), then added
   * to it. */
  double *added = g_new (double, n);
  for (size_t i = 0; i < n; i++)
    din[i] = added[i] = 7;
  const double *relu_scale = relu ? c.scale : NULL, *relu_shift = relu ? c.shift : NULL;
  fer_batchnorm_backward_f64 (din, TRUE, dgamma, dbeta, c.w, c.in, c.mean, c.invstd, c.gamma,
      c.channels, c.count, relu_scale, relu_shift);
  double *unused_dgamma = g_new0 (double, c.channels), *unused_dbeta = g_new0 (double, c.channels);
  fer_batchnorm_backward_f64 (added, FALSE, unused_dgamma, unused_dbeta, c.w, c.in, c.mean,
      c.invstd, c.gamma, c.channels, c.count, relu_scale, relu_shift);
  for (size_t i = 0; i < n; i++)
    g_assert_cmpfloat_with_epsilon (added[i], din[i] + 7, 1e-12);
  if (relu) {
    size_t zeros = 0;
    for (size_t i = 0; i < n; i++)
      zeros += c.out[i] == 0;
    g_assert_cmpuint (zeros, >, n / 4);   /* the ReLU cut about half */
    g_assert_cmpuint (zeros, <, 3 * n / 4);
  }
  g_free (added); g_free (unused_dgamma); g_free (unused_dbeta);
  check_gradient ("batchnorm input", c.in, din, n, NULL, 0, norm_loss, &c);
  check_gradient ("batchnorm gamma", c.gamma, dgamma, c.channels, NULL, 0, norm_loss, &c);
  check_gradient ("batchnorm beta", c.beta, dbeta, c.channels, NULL, 0, norm_loss, &c);

  g_free (c.in); g_free (c.gamma); g_free (c.beta); g_free (c.w); g_free (c.out);
  g_free (c.mean); g_free (c.invstd); g_free (c.scale); g_free (c.shift);
  g_free (c.running_mean); g_free (c.running_var);
  g_free (din); g_free (dgamma); g_free (dbeta);
}

static void
test_batchnorm (void)
{
  check_batchnorm (3, 10, FALSE);
  check_batchnorm (3, 10, TRUE);
  check_batchnorm (2, 300, TRUE);   /* channels longer than one block of the sums */
}

/* linear */

typedef struct {
  int batch, in_features, out_features;
  double *in, *weight, *bias, *out, *w;
} LinearCase;

static double
linear_loss (void *ctx)
{
  LinearCase *c = ctx;
  fer_linear_forward_f64 (c->out, c->in, c->weight, c->bias, c->batch, c->in_features,
      c->out_features);
  return weighted_sum (c->out, c->w, (size_t) c->batch * c->out_features);
}

static void
check_linear (int batch)
{
  LinearCase c = { .batch = batch, .in_features = 5, .out_features = 4 };
  const size_t n_in = batch * c.in_features, n_out = batch * c.out_features;
  const size_t n_weight = c.in_features * c.out_features;
  c.in = random_array (n_in, 1);
  c.weight = random_array (n_weight, 1);
  c.bias = random_array (c.out_features, 1);
  c.w = random_array (n_out, 1);
  c.out = g_new (double, n_out);
  double *din = g_new0 (double, n_in), *dweight = g_new0 (double, n_weight);
  double *dbias = g_new0 (double, c.out_features);

  linear_loss (&c);
  fer_linear_backward_f64 (din, dweight, dbias, c.w, c.in, c.weight, batch, c.in_features,
      c.out_features);
  check_gradient ("linear input", c.in, din, n_in, NULL, 0, linear_loss, &c);
  check_gradient ("linear weight", c.weight, dweight, n_weight, NULL, 0, linear_loss, &c);
  check_gradient ("linear bias", c.bias, dbias, c.out_features, NULL, 0, linear_loss, &c);

  g_free (c.in); g_free (c.weight); g_free (c.bias); g_free (c.w); g_free (c.out);
  g_free (din); g_free (dweight); g_free (dbias);
}

static void
test_linear (void)
{
  check_linear (3);
  check_linear (1);   /* the GEMV path */
}

/* relu and flatten */

typedef struct {
  size_t n;
  double *in, *work, *w;
} ReluCase;

static double
relu_loss (void *ctx)
{
  ReluCase *c = ctx;
  memcpy (c->work, c->in, c->n * sizeof (double));
  fer_relu_forward_f64 (c->work, c->n);
  return weighted_sum (c->work, c->w, c->n);
}

static void
test_relu (void)
{
  ReluCase c = { .n = 40 };
  c.in = random_array (c.n, 1);
  for (size_t i = 0; i < c.n; i++)   /* away from the kink at 0 */
    c.in[i] += c.in[i] >= 0 ? 0.1 : -0.1;
  c.work = g_new (double, c.n);
  c.w = random_array (c.n, 1);
  double *grad = g_memdup2 (c.w, c.n * sizeof (double));
  relu_loss (&c);
  fer_relu_backward_f64 (grad, c.work, c.n);
  check_gradient ("relu input", c.in, grad, c.n, NULL, 0, relu_loss, &c);
  g_free (c.in); g_free (c.work); g_free (c.w); g_free (grad);
}

typedef struct {
  int channels, batch, spatial;
  double *in, *out, *w;
} FlattenCase;

static double
flatten_loss (void *ctx)
{
  FlattenCase *c = ctx;
  fer_flatten_forward_f64 (c->out, c->in, c->channels, c->batch, c->spatial);
  return weighted_sum (c->out, c->w, (size_t) c->channels * c->batch * c->spatial);
}

static void
test_flatten (void)
{
  FlattenCase c = { .channels = 3, .batch = 2, .spatial = 4 };
  const size_t n = 24;
  c.in = random_array (n, 1);
  c.out = g_new (double, n);
  c.w = random_array (n, 1);
  double *din = g_new0 (double, n);
  flatten_loss (&c);
  fer_flatten_backward_f64 (din, c.w, c.channels, c.batch, c.spatial);
  check_gradient ("flatten input", c.in, din, n, NULL, 0, flatten_loss, &c);
  /* And the order is PyTorch's view (N, C*S): element (c, n, s) lands at (n, c, s). */
  flatten_loss (&c);
  g_assert_cmpfloat (c.out[(1 * 3 + 2) * 4 + 3], ==, c.in[(2 * 2 + 1) * 4 + 3]);
  g_free (c.in); g_free (c.out); g_free (c.w); g_free (din);
}

/* cross-entropy */

typedef struct {
  int batch, classes;
  double smoothing;
  double *logits, *probs;
  int *labels;
} EntropyCase;

static double
entropy_loss (void *ctx)
{
  EntropyCase *c = ctx;
  return fer_cross_entropy_forward_f64 (c->probs, c->logits, c->labels, c->batch, c->classes,
      c->smoothing);
}

static void
check_cross_entropy (double smoothing, double logit_scale)
{
  int labels[3] = { 2, 0, 3 };
  EntropyCase c = { .batch = 3, .classes = 4, .smoothing = smoothing, .labels = labels };
  c.logits = random_array (12, logit_scale);
  c.probs = g_new (double, 12);
  double *dlogits = g_new0 (double, 12);
  entropy_loss (&c);
  fer_cross_entropy_backward_f64 (dlogits, c.probs, labels, 3, 4, smoothing);
  check_gradient ("cross-entropy logits", c.logits, dlogits, 12, NULL, 0, entropy_loss, &c);
  g_free (c.logits); g_free (c.probs); g_free (dlogits);
}

static void
test_cross_entropy (void)
{
  check_cross_entropy (0, 3);
  check_cross_entropy (0.1, 3);
  /* Large logits must neither overflow nor lose the gradient. */
  int labels[1] = { 1 };
  double logits[2] = { 1000, -1000 }, probs[2];
  const double loss = fer_cross_entropy_forward_f64 (probs, logits, labels, 1, 2, 0);
  g_assert_cmpfloat (fabs (loss - 2000), <, 1e-9);
  g_assert_true (isnan (fer_cross_entropy_forward_f64 (probs, logits, (int[]) { 2 }, 1, 2, 0)));
}

/* max pooling, ROI pooling, dropout */

typedef struct {
  FerMaxPool2d pool;
  FerRoi *rois;
  int n_rois, channels, batch, height, width, out_h, out_w;
  double *in, *out, *w;
  int32_t *argmax;
  size_t n_out;
} PoolCase;

static double
pool_loss (void *ctx)
{
  PoolCase *c = ctx;
  const FerImageStrides s = fer_strides_cnhw (c->batch, c->height, c->width);
  if (c->rois)
    fer_roi_max_pool_forward_f64 (c->out, c->argmax, c->in, s, c->rois, c->n_rois, c->channels,
        c->height, c->width, 5, 5);
  else
    fer_maxpool2d_forward_f64 (c->out, c->argmax, c->in, s, &c->pool, c->channels, c->batch,
        c->height, c->width);
  return weighted_sum (c->out, c->w, c->n_out);
}

static void
test_pooling (void)
{
  /* Distinct values (no ties, where a max has no derivative), channel-major like the network. */
  FerRoi rois[] = { { 0, 1, 2, 7, 6 }, { 1, 0, 0, 3, 4 }, { 1, 5, 5, 9, 9 } };
  for (int roi = 0; roi < 2; roi++) {
    PoolCase c = { .pool = { 3, 2, 1 }, .rois = roi ? rois : NULL, .n_rois = 3, .channels = 2,
      .batch = 2, .height = 9, .width = 8 };
    c.out_h = fer_maxpool2d_output_size (c.height, &c.pool);
    c.out_w = fer_maxpool2d_output_size (c.width, &c.pool);
    c.n_out = roi ? (size_t) c.n_rois * c.channels * 25
        : (size_t) c.channels * c.batch * c.out_h * c.out_w;
    const size_t n_in = (size_t) c.channels * c.batch * c.height * c.width;
    c.in = random_array (n_in, 1);
    c.out = g_new (double, c.n_out);
    c.w = random_array (c.n_out, 1);
    c.argmax = g_new (int32_t, c.n_out);
    double *din = g_new0 (double, n_in);
    pool_loss (&c);
    const FerImageStrides s = fer_strides_cnhw (c.batch, c.height, c.width);
    if (roi)
      fer_roi_max_pool_backward_f64 (din, s, c.w, c.argmax, rois, 3, c.channels, 5, 5);
    else
      fer_maxpool2d_backward_f64 (din, s, c.w, c.argmax, c.channels, c.batch, c.out_h, c.out_w);
    check_gradient (roi ? "ROI pooling input" : "max pooling input", c.in, din, n_in, NULL, 0,
        pool_loss, &c);
    g_free (c.in); g_free (c.out); g_free (c.w); g_free (c.argmax); g_free (din);
  }
}

typedef struct {
  double *in, *out, *w;
  uint8_t *mask;
  size_t n;
  double p;
} DropoutCase;

static double
dropout_loss (void *ctx)
{
  DropoutCase *c = ctx;
  FerRng same;   /* the same mask on every call */
  fer_rng_init (&same, 11);
  fer_dropout_forward_f64 (c->out, c->mask, c->in, c->n, c->p, &same);
  return weighted_sum (c->out, c->w, c->n);
}

static void
test_dropout (void)
{
  DropoutCase c = { random_array (400, 1), g_new (double, 400), random_array (400, 1),
    g_new (uint8_t, 400), 400, 0.1 };
  double *din = g_new0 (double, c.n);
  dropout_loss (&c);
  fer_dropout_backward_f64 (din, c.w, c.mask, c.n, c.p);
  check_gradient ("dropout input", c.in, din, c.n, NULL, 0, dropout_loss, &c);
  dropout_loss (&c);   /* the check left out computed from a perturbed input */
  int kept = 0;
  for (size_t i = 0; i < c.n; i++) {
    kept += c.mask[i];
    g_assert_cmpfloat (c.out[i], ==, c.mask[i] ? c.in[i] * (1 / 0.9) : 0);
  }
  /* About 90% kept (binomial: 360 +- 6). */
  g_assert_cmpint (kept, >, 330);
  g_assert_cmpint (kept, <, 390);
  g_free (c.in); g_free (c.out); g_free (c.w); g_free (c.mask); g_free (din);
}

/* regression losses and seed 004's detection loss */

typedef struct {
  double *x, *target;
  size_t n;
  gboolean smooth;
} RegressionCase;

static double
regression_loss (void *ctx)
{
  RegressionCase *c = ctx;
  return c->smooth ? fer_smooth_l1_forward_f64 (c->x, c->target, c->n)
      : fer_mse_forward_f64 (c->x, c->target, c->n);
}

static void
test_regression_losses (void)
{
  for (int smooth = 0; smooth < 2; smooth++) {
    /* Differences spread over both sides of smooth-L1's bend at 1 (none within a step of it). */
    RegressionCase c = { random_array (24, 3), random_array (24, 0), 24, smooth };
    for (size_t i = 0; i < c.n; i++)
      if (fabs (fabs (c.x[i] - c.target[i]) - 1) < 1e-3)
        c.x[i] += 0.01;
    double *dx = g_new0 (double, c.n);
    if (smooth)
      fer_smooth_l1_backward_f64 (dx, c.x, c.target, c.n, 1);
    else
      fer_mse_backward_f64 (dx, c.x, c.target, c.n, 1);
    check_gradient (smooth ? "smooth-L1" : "MSE", c.x, dx, c.n, NULL, 0, regression_loss, &c);
    g_free (c.x); g_free (c.target); g_free (dx);
  }
  /* nn.SmoothL1Loss's values: 0.5 d^2 inside, |d| - 0.5 outside. */
  const double x[2] = { 0.5, -3 }, t[2] = { 0, 0 };
  g_assert_cmpfloat_with_epsilon (fer_smooth_l1_forward_f64 (x, t, 2), (0.125 + 2.5) / 2, 1e-15);
  g_assert_cmpfloat (fer_mse_forward_f64 (x, t, 0), ==, 0);
}

typedef struct {
  double *logits, *offsets, *targets, *scratch;
  int *labels;
  int n;
  FerOffsetLoss kind;
} DetectionCase;

static double
detection_loss (void *ctx)
{
  DetectionCase *c = ctx;
  FerDetectionLoss loss;
  g_assert_true (fer_detection_loss_f64 (&loss, NULL, NULL, c->logits, c->offsets, c->labels,
          c->targets, c->n, c->kind, c->scratch));
  return loss.total;
}

static void
test_detection_loss (void)
{
  int labels[9] = { 1, 0, 0, -1, 0, 1, 0, 0, 0 };
  for (int kind = FER_OFFSET_LOSS_MSE; kind <= FER_OFFSET_LOSS_SMOOTH_L1; kind++) {
    DetectionCase c = { random_array (18, 3), random_array (36, 1), random_array (36, 1),
      g_new (double, 8 * 9), labels, 9, kind };
    double *dlogits = g_new0 (double, 18), *doffsets = g_new0 (double, 36);
    FerDetectionLoss loss;
    g_assert_true (fer_detection_loss_f64 (&loss, dlogits, doffsets, c.logits, c.offsets,
            labels, c.targets, 9, kind, c.scratch));
    g_assert_cmpint (loss.positives, ==, 2);
    g_assert_cmpint (loss.negatives, ==, 6);
    g_assert_cmpfloat_with_epsilon (loss.total, loss.positive_ce + loss.negative_ce + loss.offset,
        1e-12);
    check_gradient ("detection loss logits", c.logits, dlogits, 18, NULL, 0, detection_loss, &c);
    check_gradient ("detection loss offsets", c.offsets, doffsets, 36, NULL, 0, detection_loss,
        &c);
    /* Left-out and negative candidates' offsets get no gradient. */
    for (int i = 0; i < 9; i++)
      for (int j = 0; j < 4 && labels[i] != 1; j++)
        g_assert_cmpfloat (doffsets[4 * i + j], ==, 0);
    /* A left-out candidate's logits neither. */
    g_assert_cmpfloat (dlogits[6], ==, 0);
    g_assert_cmpfloat (dlogits[7], ==, 0);
    g_free (c.logits); g_free (c.offsets); g_free (c.targets); g_free (c.scratch);
    g_free (dlogits); g_free (doffsets);
  }
  /* The seed's PyTorch loss gives NaN without positives; here that term is 0. */
  double logits[4] = { 1, 2, 3, 4 }, offsets[8] = { 0 }, targets[8] = { 0 }, scratch[16];
  FerDetectionLoss loss;
  g_assert_true (fer_detection_loss_f64 (&loss, NULL, NULL, logits, offsets, (int[]) { 0, 0 },
          targets, 2, FER_OFFSET_LOSS_MSE, scratch));
  g_assert_cmpfloat (loss.positive_ce, ==, 0);
  g_assert_cmpfloat (loss.offset, ==, 0);
  g_assert_true (loss.negative_ce > 0);
  g_assert_false (fer_detection_loss_f64 (&loss, NULL, NULL, logits, offsets, (int[]) { 0, 2 },
          targets, 2, FER_OFFSET_LOSS_MSE, scratch));
}

/* a small network of seed 004's parts, with both heads, through the generic driver */

typedef struct {
  FerNet_f64 *net;
  double *images;
  FerRoi rois[5];
  int labels[5];
  double targets[20], scratch[40];
  int label_head, offset_head;
} DetectorCase;

static double
detector_loss (void *ctx)
{
  DetectorCase *c = ctx;
  FerRng dropout_rng;   /* the same dropout masks on every evaluation */
  fer_rng_init (&dropout_rng, 3);
  g_assert_true (fer_net_forward_f64 (c->net, c->images, 2, c->rois, 5, TRUE, &dropout_rng));
  FerDetectionLoss loss;
  g_assert_true (fer_detection_loss_f64 (&loss, NULL, NULL,
          fer_net_output_f64 (c->net, c->label_head), fer_net_output_f64 (c->net, c->offset_head),
          c->labels, c->targets, 5, FER_OFFSET_LOSS_MSE, c->scratch));
  return loss.total;
}

static void
test_detector_network (void)
{
  /* conv-BN-ReLU, a BasicBlock that changes channels (1x1 projection), one that keeps them, a
   * max pool, ROI pooling to 3x3, and the seed's two heads with dropout. */
  FerLayerSpec layers[40];
  int n = 0;
  layers[n++] = (FerLayerSpec) { .kind = FER_LAYER_CONV, .name = "conv1.0", .input = FER_NET_IMAGE, .channels = 3, .kernel = 3, .stride = 1, .padding = 1 };
  layers[n++] = (FerLayerSpec) { .kind = FER_LAYER_BATCHNORM, .name = "conv1.1", .input = 0 };
  layers[n++] = (FerLayerSpec) { .kind = FER_LAYER_RELU, .input = 1 };
  int x = fer_seed004_add_basic_block (layers, &n, "layer1.0", 2, 3, 4, 1);
  x = fer_seed004_add_basic_block (layers, &n, "layer1.1", x, 4, 4, 1);
  /* (Each layer reads the one before unless said; n is its index.) */
#define APPEND(...) do { \
    const int here = n; \
    layers[here] = (FerLayerSpec) { __VA_ARGS__ }; \
    if (layers[here].input == 0 && here > 0 && layers[here].kind != FER_LAYER_CONV) \
      layers[here].input = here - 1; \
    n = here + 1; \
  } while (0)
  APPEND (.kind = FER_LAYER_MAXPOOL, .input = x, .kernel = 3, .stride = 1, .padding = 1);
  APPEND (.kind = FER_LAYER_ROI_POOL, .pooled = 3);
  const int features = n - 1;
  APPEND (.kind = FER_LAYER_LINEAR, .name = "fc_labels_model.0", .input = features, .channels = 6,
      .bias = TRUE);
  APPEND (.kind = FER_LAYER_RELU);
  APPEND (.kind = FER_LAYER_DROPOUT, .p = 0.1);
  APPEND (.kind = FER_LAYER_LINEAR, .name = "fc_labels_model.3", .channels = 2, .bias = TRUE);
  DetectorCase c = { .label_head = n - 1 };
  APPEND (.kind = FER_LAYER_LINEAR, .name = "fc_offsets_model.0", .input = features,
      .channels = 7, .bias = TRUE);
  APPEND (.kind = FER_LAYER_RELU);
  APPEND (.kind = FER_LAYER_LINEAR, .name = "fc_offsets_model.3", .channels = 4, .bias = TRUE);
#undef APPEND
  c.offset_head = n - 1;
  GError *error = NULL;
  c.net = fer_net_new_f64 (layers, n, 3, 9, 10, 2, 5, &error);
  g_assert_no_error (error);
  fer_net_init_weights_f64 (c.net, 5);
  c.images = random_array (2 * 3 * 9 * 10, 1);
  const FerRoi rois[5] = { { 0, 1, 1, 5, 6 }, { 0, 4, 2, 6, 5 }, { 1, 0, 0, 10, 9 },
    { 1, 6, 5, 2, 2 }, { 1, 2, 3, 4, 4 } };
  memcpy (c.rois, rois, sizeof rois);
  const int labels[5] = { 1, 0, 1, 0, -1 };
  memcpy (c.labels, labels, sizeof labels);
  for (int i = 0; i < 20; i++)
    c.targets[i] = fer_rng_uniform_range (&rng, -0.3, 0.3);

  detector_loss (&c);
  fer_net_clear_output_grads_f64 (c.net);
  FerDetectionLoss loss;
  g_assert_true (fer_detection_loss_f64 (&loss, fer_net_output_grad_f64 (c.net, c.label_head),
          fer_net_output_grad_f64 (c.net, c.offset_head), fer_net_output_f64 (c.net,
              c.label_head), fer_net_output_f64 (c.net, c.offset_head), c.labels, c.targets, 5,
          FER_OFFSET_LOSS_MSE, c.scratch));
  fer_net_zero_grad_f64 (c.net);
  fer_net_backward_f64 (c.net);
  step = 1e-6;
  int skipped = 0, checked = 0;
  for (int t = 0; t < fer_net_n_tensors_f64 (c.net); t++) {
    const FerNetTensor *info = fer_net_tensor_info_f64 (c.net, t);
    if (info->kind != FER_NET_PARAMETER)
      continue;
    size_t indices[12];
    const size_t m = MIN (G_N_ELEMENTS (indices), info->numel);
    for (size_t k = 0; k < m; k++)
      indices[k] = info->numel <= G_N_ELEMENTS (indices) ? k : fer_rng_below (&rng, info->numel);
    skipped += check_gradient (info->name, fer_net_tensor_f64 (c.net, t),
        fer_net_grad_f64 (c.net, t), info->numel, indices, m, detector_loss, &c);
    checked += (int) m;
  }
  g_test_message ("detector network: %d parameters checked, %d at kinks", checked, skipped);
  g_assert_cmpint (skipped, <, checked / 10);
  fer_net_free_f64 (c.net);
  g_free (c.images);
  step = 1e-5;
}

/* the whole network */

typedef struct {
  FerSimpleConv3_f64 *model;
  double *input;
  int *labels;
  int batch;
} NetCase;

static double
net_loss (void *ctx)
{
  NetCase *c = ctx;
  const int classes = c->model->layout.num_classes;
  const double *logits = fer_simpleconv3_forward_f64 (c->model, c->input, c->batch);
  double probs[64];
  return fer_cross_entropy_forward_f64 (probs, logits, c->labels, c->batch, classes, 0);
}

static void
test_simpleconv3 (void)
{
  int labels[3] = { 1, 3, 0 };
  NetCase c = { .model = fer_simpleconv3_new_f64 (4), .labels = labels, .batch = 3 };
  fer_simpleconv3_init_weights_f64 (c.model, 7);
  c.input = random_array ((size_t) c.batch * 3 * 48 * 48, 1);
  fer_simpleconv3_zero_grad_f64 (c.model);
  fer_simpleconv3_forward_backward_f64 (c.model, c.input, labels, c.batch, 0);
  step = 1e-6;

  /* 40 elements of every parameter tensor, chosen at random (all 1.6 million would take an
   * hour). */
  for (int t = 0; t < FER_SIMPLECONV3_N_TENSORS; t++) {
    const FerTensorSpec *spec = &c.model->layout.tensors[t];
    if (spec->kind != FER_TENSOR_PARAMETER)
      continue;
    size_t indices[40];
    const size_t n = MIN (G_N_ELEMENTS (indices), spec->numel);
    for (size_t k = 0; k < n; k++)
      indices[k] = spec->numel <= G_N_ELEMENTS (indices) ? k : fer_rng_below (&rng, spec->numel);
    char *what = g_strconcat ("simpleconv3 ", spec->name, NULL);
    check_gradient (what, fer_simpleconv3_tensor_f64 (c.model, t),
        fer_simpleconv3_grad_f64 (c.model, t), spec->numel, indices, n, net_loss, &c);
    g_free (what);
  }
  fer_simpleconv3_free_f64 (c.model);
  g_free (c.input);
  step = 1e-5;   /* (the tests after this one take the default step) */
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  fer_rng_init (&rng, 12345);
  g_test_add_func ("/gradcheck/conv2d-seed-shape", test_conv2d_seed_shape);
  g_test_add_func ("/gradcheck/conv2d-padding", test_conv2d_padding);
  g_test_add_func ("/gradcheck/conv2d-no-bias", test_conv2d_no_bias);
  g_test_add_func ("/gradcheck/conv2d-direct-and-gemm", test_conv2d_direct_and_gemm);
  g_test_add_func ("/gradcheck/conv2d-bands", test_conv2d_bands);
  g_test_add_func ("/gradcheck/batchnorm", test_batchnorm);
  g_test_add_func ("/gradcheck/linear", test_linear);
  g_test_add_func ("/gradcheck/relu", test_relu);
  g_test_add_func ("/gradcheck/flatten", test_flatten);
  g_test_add_func ("/gradcheck/cross-entropy", test_cross_entropy);
  g_test_add_func ("/gradcheck/pooling", test_pooling);
  g_test_add_func ("/gradcheck/dropout", test_dropout);
  g_test_add_func ("/gradcheck/regression-losses", test_regression_losses);
  g_test_add_func ("/gradcheck/detector-network", test_detector_network);
  g_test_add_func ("/gradcheck/detection-loss", test_detection_loss);
  g_test_add_func ("/gradcheck/simpleconv3", test_simpleconv3);
  /* Last: the tests share one random stream, and the earlier ones' data stays as it was. */
  g_test_add_func ("/gradcheck/conv2d-winograd", test_conv2d_winograd);
  return g_test_run ();
}
