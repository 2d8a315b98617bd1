/* simpleconv3 runs on the generic network driver (src/nn/net.c): the seed's first network,
 * written out here as a layer list from its PyTorch definition, has the tensors simpleconv3's
 * layout names in the same order and gives, from the same weights, the same logits (evaluation
 * and training), running statistics and gradients, bit for bit.  (Whether those numbers are
 * PyTorch's is test-parity's job: goldens for forward, backward and SGD.) */
#include <math.h>
#include <string.h>

#include "base/fer-rng.h"
#include "nn/batchnorm.h"

#include "nn/conv2d-bands.h"
#include "nn/conv2d-direct.h"
#include "nn/cross-entropy.h"
#include "nn/net.h"
#include "nn/simpleconv3.h"
#include "fer-test-util.h"

enum { BATCH = 5, CLASSES = 4, SIDE = 48 };

static int
simpleconv3_layers (FerLayerSpec *layers)
{
  int n = 0;
  const int widths[3] = { 12, 24, 48 };
  for (int k = 0; k < 3; k++) {
    FerLayerSpec conv = { .kind = FER_LAYER_CONV, .input = n - 1, .channels = widths[k],
      .kernel = 3, .stride = 2, .bias = TRUE };
    g_snprintf (conv.name, sizeof conv.name, "conv%d", k + 1);
    layers[n++] = conv;
    FerLayerSpec bn = { .kind = FER_LAYER_BATCHNORM, .input = n - 1 };
    g_snprintf (bn.name, sizeof bn.name, "bn%d", k + 1);
    layers[n++] = bn;
    layers[n] = (FerLayerSpec) { .kind = FER_LAYER_RELU, .input = n - 1 };
    n++;
  }
  layers[n] = (FerLayerSpec) { .kind = FER_LAYER_FLATTEN, .input = n - 1 };
  n++;
  const int features[3] = { 1200, 128, CLASSES };
  for (int k = 0; k < 3; k++) {
    FerLayerSpec fc = { .kind = FER_LAYER_LINEAR, .input = n - 1, .channels = features[k],
      .bias = TRUE };
    g_snprintf (fc.name, sizeof fc.name, "fc%d", k + 1);
    layers[n++] = fc;
    if (k < 2) {
      layers[n] = (FerLayerSpec) { .kind = FER_LAYER_RELU, .input = n - 1 };
      n++;
    }
  }
  return n;
}

static void
test_simpleconv3_through_the_driver (void)
{
  FerSimpleConv3 *model = fer_simpleconv3_new (CLASSES);
  fer_simpleconv3_init_weights (model, 3);
  FerLayerSpec layers[32];
  const int n = simpleconv3_layers (layers);
  GError *error = NULL;
  FerNet *net = fer_net_new (layers, n, 3, SIDE, SIDE, BATCH, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fer_net_n_tensors (net), ==, FER_SIMPLECONV3_N_TENSORS);
  for (int t = 0; t < FER_SIMPLECONV3_N_TENSORS; t++) {
    const FerTensorSpec *spec = &model->layout.tensors[t];
    const FerNetTensor *info = fer_net_tensor_info (net, t);
    g_assert_cmpstr (info->name, ==, spec->name);   /* the same state_dict, in the same order */
    g_assert_cmpuint (info->numel, ==, spec->numel);
    if (spec->kind != FER_TENSOR_COUNTER)
      memcpy (fer_net_tensor (net, t), fer_simpleconv3_tensor (model, t),
          spec->numel * sizeof (float));
  }
  FerRng rng;
  fer_rng_init (&rng, 9);
  float *input = g_new (float, BATCH * 3 * SIDE * SIDE);
  for (int i = 0; i < BATCH * 3 * SIDE * SIDE; i++)
    input[i] = (float) fer_rng_uniform_range (&rng, -1, 1);
  const int labels[BATCH] = { 0, 3, 1, 2, 3 };
  const int last = n - 1;

  /* Evaluation. */
  model->training = FALSE;
  const float *want = fer_simpleconv3_forward (model, input, BATCH);
  g_assert_true (fer_net_forward (net, input, BATCH, NULL, 0, FALSE, NULL));
  g_assert_cmpmem (fer_net_output (net, last), BATCH * CLASSES * sizeof (float), want,
      BATCH * CLASSES * sizeof (float));

  /* A training step: logits, running statistics and every gradient. */
  model->training = TRUE;
  fer_simpleconv3_zero_grad (model);
  fer_simpleconv3_forward_backward (model, input, labels, BATCH, 0);
  g_assert_true (fer_net_forward (net, input, BATCH, NULL, 0, TRUE, &rng));
  g_assert_cmpmem (fer_net_output (net, last), BATCH * CLASSES * sizeof (float),
      fer_simpleconv3_logits (model), BATCH * CLASSES * sizeof (float));
  float probs[BATCH * CLASSES];
  fer_cross_entropy_forward (probs, fer_net_output (net, last), labels, BATCH, CLASSES, 0);
  fer_net_clear_output_grads (net);
  fer_cross_entropy_backward (fer_net_output_grad (net, last), probs, labels, BATCH, CLASSES, 0);
  fer_net_zero_grad (net);
  fer_net_backward (net);
  for (int t = 0; t < FER_SIMPLECONV3_N_TENSORS; t++) {
    const FerTensorSpec *spec = &model->layout.tensors[t];
    if (spec->kind == FER_TENSOR_PARAMETER)
      g_assert_cmpmem (fer_net_grad (net, t), spec->numel * sizeof (float),
          fer_simpleconv3_grad (model, t), spec->numel * sizeof (float));
    else if (spec->kind == FER_TENSOR_BUFFER)
      g_assert_cmpmem (fer_net_tensor (net, t), spec->numel * sizeof (float),
          fer_simpleconv3_tensor (model, t), spec->numel * sizeof (float));
  }
  g_free (input);
  fer_net_free (net);
  fer_simpleconv3_free (model);
}

/* simpleconv3 as a layer list (into layers, *n of them), its weights from weight_seed; rng
 * seeded with input_seed and a batch of inputs drawn from it (the caller frees them). */
static FerNet *
simpleconv3_net (FerLayerSpec *layers, int *n, uint64_t weight_seed, FerRng *rng,
    uint64_t input_seed, float **input)
{
  *n = simpleconv3_layers (layers);
  GError *error = NULL;
  FerNet *net = fer_net_new (layers, *n, 3, SIDE, SIDE, BATCH, 0, &error);
  g_assert_no_error (error);
  fer_net_init_weights (net, weight_seed);
  fer_rng_init (rng, input_seed);
  *input = g_new (float, BATCH * 3 * SIDE * SIDE);
  for (int i = 0; i < BATCH * 3 * SIDE * SIDE; i++)
    (*input)[i] = (float) fer_rng_uniform (rng);
  return net;
}

/* fer_net_set_layer_timer: while set, every layer's time is added, forward and backward; once
 * unset, nothing more is. */
static void
test_layer_timer (void)
{
  FerLayerSpec layers[32];
  int n;
  FerRng rng;
  float *input;
  FerNet *net = simpleconv3_net (layers, &n, 1, &rng, 5, &input);
  double forward_us[32] = { 0 }, backward_us[32] = { 0 };
  for (int i = 0; i < n; i++)
    forward_us[i] = backward_us[i] = -1;   /* added to: starts where the caller says */
  fer_net_set_layer_timer (net, forward_us, backward_us);
  double forward_total = 0, backward_total = 0;
  for (int round = 0; round < 20; round++) {
    g_assert_true (fer_net_forward (net, input, BATCH, NULL, 0, TRUE, &rng));
    fer_net_clear_output_grads (net);
    fer_net_output_grad (net, n - 1)[0] = 1;
    fer_net_backward (net);
  }
  for (int i = 0; i < n; i++) {
    g_assert_cmpfloat (forward_us[i], >=, -1);
    g_assert_cmpfloat (backward_us[i], >=, -1);
    forward_total += forward_us[i] + 1;
    backward_total += backward_us[i] + 1;
  }
  g_assert_cmpfloat (forward_total, >, 0);   /* 20 passes of simpleconv3: milliseconds */
  g_assert_cmpfloat (backward_total, >, 0);
  g_assert_cmpfloat (forward_us[n], ==, 0);   /* nothing past the last layer */
  fer_net_set_layer_timer (net, NULL, NULL);
  const double before = forward_us[0];
  g_assert_true (fer_net_forward (net, input, BATCH, NULL, 0, FALSE, NULL));
  g_assert_cmpfloat (forward_us[0], ==, before);
  g_free (input);
  fer_net_free (net);
}

/* A net that only infers holds no training buffers (no output gradients); the first training
 * forward makes them, and the evaluation output is the same before and after (the weights and
 * running statistics survive the buffers being made again). */
static void
test_training_buffers_on_demand (void)
{
  FerLayerSpec layers[32];
  int n;
  FerRng rng;
  float *input;
  FerNet *net = simpleconv3_net (layers, &n, 2, &rng, 9, &input);
  GError *error = NULL;

  g_assert_true (fer_net_forward (net, input, BATCH, NULL, 0, FALSE, NULL));
  float before[BATCH * CLASSES];
  memcpy (before, fer_net_output (net, n - 1), sizeof before);
  for (int i = 0; i < n; i++)
    g_assert_null (fer_net_output_grad (net, i));

  /* A training step at learning rate 0 (the gradients computed, nothing moved), then back to
   * evaluation. */
  g_assert_true (fer_net_forward (net, input, BATCH, NULL, 0, TRUE, &rng));
  for (int i = 0; i < n; i++)
    g_assert_nonnull (fer_net_output_grad (net, i));
  fer_net_clear_output_grads (net);
  fer_net_output_grad (net, n - 1)[0] = 1;
  fer_net_backward (net);
  size_t count;
  const float *grads = fer_net_grads (net, &count);
  double norm = 0;
  for (size_t i = 0; i < count; i++)
    norm += fabs (grads[i]);
  g_assert_cmpfloat (norm, >, 0);
  /* The training forward moved the running statistics: evaluate with them put back. */
  FerNet *fresh = fer_net_new (layers, n, 3, SIDE, SIDE, BATCH, 0, &error);
  g_assert_no_error (error);
  fer_net_init_weights (fresh, 2);
  for (int t = 0; t < fer_net_n_tensors (net); t++)
    fer_net_copy_tensor (net, t, fresh, t);
  g_assert_true (fer_net_forward (net, input, BATCH, NULL, 0, FALSE, NULL));
  g_assert_cmpmem (fer_net_output (net, n - 1), sizeof before, before, sizeof before);
  fer_net_free (fresh);
  g_free (input);
  fer_net_free (net);
}

/* The statistics of activations far from zero (a mean 10^6 times their spread), in float as
 * the product trains: the one-pass, shifted sums against two passes in long double. */
static void
test_batchnorm_statistics (void)
{
  const size_t count = 100000;
  float *x = g_new (float, count), *out = g_new (float, count);
  FerRng rng;
  fer_rng_init (&rng, 3);
  for (size_t i = 0; i < count; i++)
    x[i] = (float) (1e6 + (fer_rng_uniform (&rng) - 0.5));
  long double sum = 0, squares = 0;
  for (size_t i = 0; i < count; i++)
    sum += x[i];
  const long double mean = sum / count;
  for (size_t i = 0; i < count; i++)
    squares += (x[i] - mean) * (x[i] - mean);
  const float gamma = 1, beta = 0;
  float save_mean, save_invstd, save_scale, save_shift, running_mean = 0, running_var = 1;
  fer_batchnorm_forward_train (out, &save_mean, &save_invstd, &save_scale, &save_shift, x, &gamma,
      &beta, &running_mean, &running_var, 1, count, 1.0, 1e-12, FALSE);
  g_assert_cmpfloat (fabs (save_mean - (double) mean), <=, 0.0625);   /* a float ulp at 10^6 */
  const double invstd = 1 / sqrtl (squares / count + 1e-12L);
  g_assert_cmpfloat (fabs (save_invstd / invstd - 1), <, 1e-5);
  g_assert_cmpfloat (fabs (running_var / (double) (squares / (count - 1)) - 1), <, 1e-5);
  g_free (x);
  g_free (out);
}

/* A batchnorm with the ReLU fused passes the gradient back where the forward's output was
 * positive, found again from its input and the affine map it saved: in float, exactly where
 * the ReLU's output is > 0 (the same products and sums, rounded the same), so the gradient is
 * the one the ReLU's output would give, to the bit. */
static void
test_batchnorm_relu_mask (void)
{
  enum { CHANNELS = 3, COUNT = 4099 };
  const size_t n = (size_t) CHANNELS * COUNT;
  float *x = g_new (float, n), *out = g_new (float, n), *dy = g_new (float, n);
  float *din = g_new (float, n), *masked = g_new (float, n), *expected = g_new (float, n);
  FerRng rng;
  fer_rng_init (&rng, 5);
  for (size_t i = 0; i < n; i++) {
    x[i] = (float) (fer_rng_uniform (&rng) * 3 - 1);
    dy[i] = (float) (fer_rng_uniform (&rng) - 0.5);
  }
  const float gamma[CHANNELS] = { 1.3f, 0.7f, 2.1f }, beta[CHANNELS] = { 0.01f, -0.2f, 0.3f };
  float mean[CHANNELS], invstd[CHANNELS], scale[CHANNELS], shift[CHANNELS];
  float running_mean[CHANNELS] = { 0 }, running_var[CHANNELS] = { 1, 1, 1 };
  fer_batchnorm_forward_train (out, mean, invstd, scale, shift, x, gamma, beta, running_mean,
      running_var, CHANNELS, COUNT, 0.1, 1e-5, TRUE);
  /* The reference: the ReLU's output masks the gradient, then a batchnorm without ReLU. */
  size_t zeros = 0;
  for (size_t i = 0; i < n; i++) {
    zeros += out[i] == 0;
    masked[i] = out[i] > 0 ? dy[i] : 0;
  }
  g_assert_cmpuint (zeros, >, n / 10);
  float dgamma[CHANNELS] = { 0 }, dbeta[CHANNELS] = { 0 };
  float expected_dgamma[CHANNELS] = { 0 }, expected_dbeta[CHANNELS] = { 0 };
  fer_batchnorm_backward (expected, TRUE, expected_dgamma, expected_dbeta, masked, x, mean,
      invstd, gamma, CHANNELS, COUNT, NULL, NULL);
  fer_batchnorm_backward (din, TRUE, dgamma, dbeta, dy, x, mean, invstd, gamma, CHANNELS, COUNT,
      scale, shift);
  g_assert_cmpmem (din, n * sizeof *din, expected, n * sizeof *expected);
  g_assert_cmpmem (dgamma, sizeof dgamma, expected_dgamma, sizeof expected_dgamma);
  g_assert_cmpmem (dbeta, sizeof dbeta, expected_dbeta, sizeof expected_dbeta);
  g_free (x); g_free (out); g_free (dy); g_free (din); g_free (masked); g_free (expected);
}

/* Evaluation folds a convolution's batchnorm (and ReLU) into the convolution's output
 * (FerConvEpilogue): on every path the driver takes it must give the batchnorm's own values bit
 * for bit.  Each path runs twice, plain then through fer_batchnorm_forward_eval, and folded. */
typedef enum { BY_DIRECT, BY_BANDS, BY_FORWARD } ConvPath;

static void
check_folded (ConvPath path, FerConv2d conv, int batch, int height, int width, gboolean relu)
{
  FerRng rng;
  fer_rng_init (&rng, 17 + conv.out_channels);
  const int oh = fer_conv2d_output_size (height, conv.kernel, conv.stride, conv.padding);
  const int ow = fer_conv2d_output_size (width, conv.kernel, conv.stride, conv.padding);
  const size_t n_in = (size_t) batch * conv.in_channels * height * width;
  const size_t n_out = (size_t) conv.out_channels * batch * oh * ow;
  const size_t n_weight = (size_t) conv.out_channels * conv.in_channels * conv.kernel
      * conv.kernel;
  float *in = g_new (float, n_in), *weight = g_new (float, n_weight);
  float *bias = g_new (float, conv.out_channels);
  float *gamma = g_new (float, conv.out_channels), *beta = g_new (float, conv.out_channels);
  float *mean = g_new (float, conv.out_channels), *var = g_new (float, conv.out_channels);
  for (size_t i = 0; i < n_in; i++)
    in[i] = (float) fer_rng_uniform_range (&rng, -1, 1);
  for (size_t i = 0; i < n_weight; i++)
    weight[i] = (float) fer_rng_uniform_range (&rng, -0.5, 0.5);
  for (int c = 0; c < conv.out_channels; c++) {
    bias[c] = (float) fer_rng_uniform_range (&rng, -0.2, 0.2);
    gamma[c] = (float) fer_rng_uniform_range (&rng, 0.5, 1.5);
    beta[c] = (float) fer_rng_uniform_range (&rng, -0.3, 0.3);
    mean[c] = (float) fer_rng_uniform_range (&rng, -0.3, 0.3);
    var[c] = (float) fer_rng_uniform_range (&rng, 0.1, 2);
  }
  float *scale = g_new (float, conv.out_channels), *shift = g_new (float, conv.out_channels);
  fer_batchnorm_eval_affine (scale, shift, gamma, beta, mean, var, conv.out_channels, 1e-5);
  const FerConvEpilogue fold = { scale, shift, relu };
  float *col = g_new (float, (size_t) conv.in_channels * conv.kernel * conv.kernel * batch * oh
      * ow);
  float *plain = g_new (float, n_out), *want = g_new (float, n_out);
  float *folded = g_new (float, n_out);
  const FerImageStrides strides = fer_strides_nchw (conv.in_channels, height, width);
  const int rows = fer_conv2d_band_rows (&conv, height, width);
  for (int pass = 0; pass < 2; pass++) {
    const FerConvEpilogue *epilogue = pass == 0 ? NULL : &fold;
    float *out = pass == 0 ? plain : folded;
    if (path == BY_DIRECT)
      fer_conv2d_direct_forward (out, in, strides, weight, bias, epilogue, &conv, batch, height,
          width);
    else if (path == BY_BANDS)
      fer_conv2d_bands_forward (out, col, in, strides, weight, bias, epilogue, NULL, &conv, rows,
          batch, height, width);
    else
      fer_conv2d_forward_folded (out, col, in, strides, weight, bias, epilogue, &conv, batch,
          height, width);
  }
  fer_batchnorm_forward_eval (want, plain, gamma, beta, mean, var, conv.out_channels,
      (size_t) batch * oh * ow, 1e-5, relu);
  g_assert_cmpmem (folded, n_out * sizeof *folded, want, n_out * sizeof *want);
  if (relu) {
    size_t zeros = 0;
    for (size_t i = 0; i < n_out; i++)
      zeros += folded[i] == 0;
    g_assert_cmpuint (zeros, >, n_out / 10);   /* the ReLU did cut */
  }
  g_free (in); g_free (weight); g_free (bias); g_free (gamma); g_free (beta); g_free (mean);
  g_free (var); g_free (scale); g_free (shift); g_free (col); g_free (plain); g_free (want);
  g_free (folded);
}

static void
test_batchnorm_folded (void)
{
  for (int relu = 0; relu < 2; relu++) {
    /* The direct path's registers (blocks of 8 and of 4 channels) and rows (6 channels). */
    g_assert_true (fer_conv2d_direct_applies (&(FerConv2d) { 3, 8, 3, 1, 1 }, 21));
    check_folded (BY_DIRECT, (FerConv2d) { 3, 8, 3, 1, 1 }, 2, 13, 21, relu);
    check_folded (BY_DIRECT, (FerConv2d) { 4, 4, 3, 1, 1 }, 1, 9, 30, relu);
    check_folded (BY_DIRECT, (FerConv2d) { 3, 6, 3, 1, 1 }, 2, 7, 11, relu);
    /* Bands (the detector's strided and wider layers), and im2col with one GEMM. */
    check_folded (BY_BANDS, (FerConv2d) { 8, 16, 3, 2, 1 }, 3, 40, 50, relu);
    check_folded (BY_BANDS, (FerConv2d) { 16, 16, 3, 1, 1 }, 2, 20, 30, relu);
    g_assert_false (fer_conv2d_direct_applies (&(FerConv2d) { 8, 12, 3, 2, 1 }, 17));
    check_folded (BY_FORWARD, (FerConv2d) { 8, 12, 3, 2, 1 }, 2, 15, 17, relu);
    check_folded (BY_FORWARD, (FerConv2d) { 3, 8, 3, 1, 1 }, 1, 10, 12, relu);   /* direct */
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/net/simpleconv3-through-the-driver", test_simpleconv3_through_the_driver);
  g_test_add_func ("/net/batchnorm-statistics", test_batchnorm_statistics);
  g_test_add_func ("/net/batchnorm-relu-mask", test_batchnorm_relu_mask);
  g_test_add_func ("/net/batchnorm-folded-in-evaluation", test_batchnorm_folded);
  g_test_add_func ("/net/layer-timer", test_layer_timer);
  g_test_add_func ("/net/training-buffers-on-demand", test_training_buffers_on_demand);
  return g_test_run ();
}
