/* Seed 004's MyModel run by the generic network driver (src/nn/net.c, src/nn/seed004-net.c)
 * against PyTorch (tests/golden/make_seed004_golden.py): the same initial state_dict loaded by
 * name, then the heads in evaluation mode, the first training forward, the seed's multi-task
 * loss, every parameter's gradient, the running statistics after the step, and every parameter
 * after 5 Adam steps.  Also: layer lists that do not chain are refused naming the layer.
 *
 * Built twice.  In float (the product's precision) against PyTorch's float32 run for the
 * outputs and the loss, and against its float64 run for the gradients (see
 * assert_near_float64: rounding at ReLU kinks).  Five Adam
 * steps are not compared in float: some gradients are exactly 0 but for rounding (a batchnorm
 * bias whose shift the next batchnorm removes), and Adam turns rounding noise into full steps of
 * random sign, in PyTorch as here.  In double (the engine's double build) against PyTorch's
 * float64 run, where all of it, the five Adam steps included, must agree to 1e-8. */
#include <math.h>
#include <string.h>

#include "base/fer-error.h"
#include "io/safetensors.h"
#include "nn/adam.h"
#include "nn/detection-loss.h"
#include "nn/fer-threads.h"
#include "nn/seed004-net.h"
#include "fer-test-util.h"
#include "golden.h"

enum { BATCH = 2, HEIGHT = 88, WIDTH = 128, ROIS = 8 };

static FerSafetensors *golden;

static double *
golden_tensor (const char *name, size_t *count)
{
  return fer_test_golden_f64 (golden, name, count);
}

static int64_t *
golden_integers (const char *name, size_t *count)
{
  return fer_test_golden_i64 (golden, name, count);
}

static void
assert_close (const char *what, const fer_real *got, const char *golden_name, size_t n,
    double tolerance)
{
  size_t count;
  double *want = golden_tensor (golden_name, &count);
  g_assert_cmpuint (count, ==, n);
  double *have = g_new (double, n);
  for (size_t i = 0; i < n; i++)
    have[i] = got[i];
  fer_test_assert_close (what, have, want, n, tolerance);
  g_free (have);
  g_free (want);
}

#ifdef FER_REAL_DOUBLE
#define REFERENCE "f64."
#define LOSS_TOLERANCE 1e-12
/* The gradient against PyTorch's float64 one. */
static void
assert_gradient (const char *name, const fer_real *got, size_t n)
{
  assert_close (name, got, name, n, 1e-8);
}
#else
#define REFERENCE ""
/* got against the float64 answer, within 1e-3 of the tensor's scale; PyTorch's own float32
 * error is logged beside it.  Both float32 runs round differently from the exact answer, and a
 * ReLU whose input is within rounding of 0 (among 90000 per layer) can take the other branch,
 * sending a whole gradient the other way: the float32 gradients of the early layers differ from
 * float64 by up to ~1e-4 in PyTorch and ~5e-4 here.  Exactness is proven by the double build,
 * which must match PyTorch's float64 run to 1e-8 (it does to ~1e-13). */
static void
assert_near_float64 (const char *what, const fer_real *got, const char *name, size_t n)
{
  char *exact_name = g_strconcat ("f64.", name, NULL);
  size_t count;
  double *exact = golden_tensor (exact_name, &count);
  double *torch32 = golden_tensor (name, NULL);
  g_assert_cmpuint (count, ==, n);
  double *have = g_new (double, n);
  for (size_t i = 0; i < n; i++)
    have[i] = got[i];
  const double ours = fer_test_scaled_error (have, exact, n);
  const double theirs = fer_test_scaled_error (torch32, exact, n);
  g_test_message ("%s: scaled error from float64 %.2g (PyTorch float32: %.2g)", what, ours,
      theirs);
  if (!(ours <= 1e-3))
    g_test_fail ();
  g_free (have);
  g_free (exact);
  g_free (torch32);
  g_free (exact_name);
}

#define LOSS_TOLERANCE 1e-5
static void
assert_gradient (const char *name, const fer_real *got, size_t n)
{
  assert_near_float64 (name, got, name, n);
}
#endif

typedef struct {
  FER_FN (FerNet) *net;
  int labels, offsets;
  fer_real *images;
  FerRoi rois[ROIS];
  int roi_labels[ROIS];
  fer_real target_offsets[ROIS * 4];
} Fixture;

/* PyTorch's initial state_dict into the net: every tensor the net has comes from it, and it
 * has no other. */
static void
load_state (FER_FN (FerNet) *net)
{
  int loaded = 0;
  for (int t = 0; t < FER_FN (fer_net_n_tensors) (net); t++) {
    const FerNetTensor *info = FER_FN (fer_net_tensor_info) (net, t);
    char *name = g_strconcat ("state.", info->name, NULL);
    size_t count;
    if (info->kind == FER_NET_COUNTER) {
      int64_t *v = golden_integers (name, &count);
      *FER_FN (fer_net_counter) (net, t) = v[0];
      g_free (v);
    } else {
      double *v = golden_tensor (name, &count);
      g_assert_cmpuint (count, ==, info->numel);
      fer_real *dst = FER_FN (fer_net_tensor) (net, t);
      for (size_t i = 0; i < count; i++)
        dst[i] = (fer_real) v[i];
      g_free (v);
    }
    g_free (name);
    loaded++;
  }
  int in_file = 0;
  for (guint i = 0; i < golden->tensors->len; i++)
    in_file += g_str_has_prefix (((FerSafetensorsTensor *) golden->tensors->pdata[i])->name,
        "state.");
  g_assert_cmpint (loaded, ==, in_file);
}

/* The net, with PyTorch's initial state_dict, and the batch. */
static void
fixture_init (Fixture *f)
{
  FerLayerSpec layers[FER_SEED004_MAX_LAYERS];
  const int n = fer_seed004_my_model (layers, 0.0, &f->labels, &f->offsets);
  GError *error = NULL;
  f->net = FER_FN (fer_net_new) (layers, n, 3, HEIGHT, WIDTH, BATCH, ROIS, &error);
  g_assert_no_error (error);
  load_state (f->net);

  size_t count;
  double *images = golden_tensor ("images", &count);
  f->images = g_new (fer_real, count);
  for (size_t i = 0; i < count; i++)
    f->images[i] = (fer_real) images[i];
  g_free (images);
  int64_t *rois = golden_integers ("rois", &count);
  for (int r = 0; r < ROIS; r++)
    f->rois[r] = (FerRoi) { (int) rois[5 * r], (int) rois[5 * r + 1], (int) rois[5 * r + 2],
      (int) rois[5 * r + 3], (int) rois[5 * r + 4] };
  g_free (rois);
  int64_t *labels = golden_integers ("labels", &count);
  for (int r = 0; r < ROIS; r++)
    f->roi_labels[r] = (int) labels[r];
  g_free (labels);
  double *offsets = golden_tensor ("target_offsets", &count);
  for (int i = 0; i < ROIS * 4; i++)
    f->target_offsets[i] = (fer_real) offsets[i];
  g_free (offsets);
}

static void
fixture_clear (Fixture *f)
{
  FER_FN (fer_net_free) (f->net);
  g_free (f->images);
}

/* One training step's forward and backward; returns the seed's loss. */
static double
forward_backward (Fixture *f, FerRng *rng)
{
  g_assert_true (FER_FN (fer_net_forward) (f->net, f->images, BATCH, f->rois, ROIS, TRUE, rng));
  FER_FN (fer_net_clear_output_grads) (f->net);
  fer_real scratch[8 * ROIS];
  FerDetectionLoss loss;
  g_assert_true (FER_FN (fer_detection_loss) (&loss, FER_FN (fer_net_output_grad) (f->net, f->labels),
          FER_FN (fer_net_output_grad) (f->net, f->offsets), FER_FN (fer_net_output) (f->net, f->labels),
          FER_FN (fer_net_output) (f->net, f->offsets), f->roi_labels, f->target_offsets, ROIS,
          FER_OFFSET_LOSS_MSE, scratch));
  FER_FN (fer_net_zero_grad) (f->net);
  FER_FN (fer_net_backward) (f->net);
  return loss.total;
}

/* The first training step's outputs, loss, gradients and running statistics against PyTorch's
 * (the net's golden file loaded).  The loss within LOSS_TOLERANCE of loss_scale: its own size,
 * or, for a sum of terms of both signs, the sum of their sizes (the rounding of each term). */
static void
assert_first_step (FER_FN (FerNet) *net, const fer_real *const *outputs, const size_t *sizes,
    const char *const *output_names, int n_outputs, double loss, double loss_scale)
{
  for (int o = 0; o < n_outputs; o++) {
    char *name = g_strconcat (REFERENCE, output_names[o], NULL);
    assert_close (name, outputs[o], name, sizes[o], 1e-5);
    g_free (name);
  }
  double *want = golden_tensor (REFERENCE "loss", NULL);
  g_test_message ("loss %.12g, PyTorch %.12g", loss, want[0]);
  g_assert_cmpfloat (fabs (loss - want[0]), <=, LOSS_TOLERANCE * loss_scale);
  g_free (want);
  for (int t = 0; t < FER_FN (fer_net_n_tensors) (net); t++) {
    const FerNetTensor *info = FER_FN (fer_net_tensor_info) (net, t);
    char *name = g_strconcat (REFERENCE, info->kind == FER_NET_PARAMETER ? "grad." : "step1.",
        info->name, NULL);
    if (info->kind == FER_NET_PARAMETER)
      assert_gradient (name, FER_FN (fer_net_grad) (net, t), info->numel);
    else if (info->kind == FER_NET_BUFFER)
      assert_close (name, FER_FN (fer_net_tensor) (net, t), name, info->numel, 1e-5);
    g_free (name);
  }
}

/* Every parameter after five Adam steps against PyTorch's float64 run (double build only). */
static void
assert_adam5 (FER_FN (FerNet) *net)
{
#ifdef FER_REAL_DOUBLE
  for (int t = 0; t < FER_FN (fer_net_n_tensors) (net); t++) {
    const FerNetTensor *info = FER_FN (fer_net_tensor_info) (net, t);
    if (info->kind != FER_NET_PARAMETER)
      continue;
    char *name = g_strconcat ("f64.adam5.", info->name, NULL);
    assert_close (name, FER_FN (fer_net_tensor) (net, t), name, info->numel, 1e-8);
    g_free (name);
  }
#endif
}

static void
test_my_model_matches_pytorch (void)
{
  golden = fer_test_golden_load ("seed004-golden.safetensors");
  Fixture f;
  fixture_init (&f);
  FerRng rng;
  fer_rng_init (&rng, 1);

  g_assert_true (FER_FN (fer_net_forward) (f.net, f.images, BATCH, f.rois, ROIS, FALSE, NULL));
  assert_close ("eval labels", FER_FN (fer_net_output) (f.net, f.labels), "eval.labels", ROIS * 2, 1e-5);
  assert_close ("eval offsets", FER_FN (fer_net_output) (f.net, f.offsets), "eval.offsets", ROIS * 4,
      1e-5);

  size_t n_params;
  fer_real *params = FER_FN (fer_net_params) (f.net, &n_params);
  const FerAdamOptions options = FER_ADAM_OPTIONS_DEFAULT;
  FER_FN (FerAdam) *adam = FER_FN (fer_adam_new) (n_params, &options);
  for (int step = 0; step < 5; step++) {
    const double loss = forward_backward (&f, &rng);
    if (step == 0)
      assert_first_step (f.net, (const fer_real *const[]) { FER_FN (fer_net_output) (f.net,
              f.labels), FER_FN (fer_net_output) (f.net, f.offsets) },
          (const size_t[]) { ROIS * 2, ROIS * 4 },
          (const char *const[]) { "train.labels", "train.offsets" }, 2, loss, fabs (loss));
    fer_real *grads = FER_FN (fer_net_grads) (f.net, &n_params);
    FER_FN (fer_adam_step) (adam, params, grads, 1e-3);
  }
  assert_adam5 (f.net);
  FER_FN (fer_adam_free) (adam);
  fixture_clear (&f);
  g_clear_pointer (&golden, fer_safetensors_free);
}

/* make_seed004_golden.py's hashed_uniform: the top 24 bits of a multiplicative hash of each
 * index, exact in float. */
static float
hashed_uniform (size_t i, uint32_t salt)
{
  const uint32_t h = ((uint32_t) i + salt) * 2654435761u;
  return (float) (h >> 8) / (float) (1 << 24);
}

enum { DETECTOR_BATCH = 2, DETECTOR_HEIGHT = 240, DETECTOR_WIDTH = 320 };

/* The detector-sized network (fer_seed004_detector_sized) on two 320x240 images, trained on a
 * weighted sum of its heads' outputs, on 2 threads: its 3x3 stride-1 convolutions go by Winograd
 * tiles (conv2d-winograd.h), the others by bands, as in fer-train-detector. */
static void
test_detector_sized_matches_pytorch (void)
{
  golden = fer_test_golden_load ("seed004-detector-golden.safetensors");
  FerLayerSpec layers[FER_SEED004_MAX_LAYERS];
  int heads[2];
  const int n = fer_seed004_detector_sized (layers, &heads[0], &heads[1]);
  fer_threads_set (2);
  GError *error = NULL;
  FER_FN (FerNet) *net = FER_FN (fer_net_new) (layers, n, 3, DETECTOR_HEIGHT, DETECTOR_WIDTH,
      DETECTOR_BATCH, 1, &error);
  g_assert_no_error (error);
  load_state (net);
  const size_t pixels = (size_t) DETECTOR_BATCH * 3 * DETECTOR_HEIGHT * DETECTOR_WIDTH;
  fer_real *images = g_new (fer_real, pixels);
  for (size_t i = 0; i < pixels; i++)
    images[i] = hashed_uniform (i, 1);
  /* dL/d(head h) = w_h = (hashed_uniform - 0.5) / n, computed in float as PyTorch did, over
   * the heads' values in PyTorch's [N][C][H][W]; the net's maps are [C][N][H][W]: at[h][i] is
   * where PyTorch's i-th value is in them. */
  fer_real *weights[2], *outputs[2];
  size_t sizes[2], *at[2];
  for (int h = 0; h < 2; h++) {
    int c, height, width, rows;
    FER_FN (fer_net_layer_shape) (net, heads[h], &c, &height, &width, &rows);
    sizes[h] = (size_t) c * DETECTOR_BATCH * height * width;
    weights[h] = g_new (fer_real, sizes[h]);
    outputs[h] = g_new (fer_real, sizes[h]);
    at[h] = g_new (size_t, sizes[h]);
    const size_t plane = (size_t) height * width;
    for (size_t i = 0; i < sizes[h]; i++) {
      weights[h][i] = (hashed_uniform (i, 2 + h) - 0.5f) / (float) sizes[h];
      const size_t n = i / (c * plane), channel = i / plane % c;
      at[h][i] = (channel * DETECTOR_BATCH + n) * plane + i % plane;
    }
  }

  size_t n_params;
  fer_real *params = FER_FN (fer_net_params) (net, &n_params);
  const FerAdamOptions options = FER_ADAM_OPTIONS_DEFAULT;
  FER_FN (FerAdam) *adam = FER_FN (fer_adam_new) (n_params, &options);
  FerRng rng;
  fer_rng_init (&rng, 1);
  for (int step = 0; step < 5; step++) {
    g_assert_true (FER_FN (fer_net_forward) (net, images, DETECTOR_BATCH, NULL, 0, TRUE, &rng));
    FER_FN (fer_net_clear_output_grads) (net);
    double loss = 0, loss_scale = 0;
    for (int h = 0; h < 2; h++) {
      const fer_real *out = FER_FN (fer_net_output) (net, heads[h]);
      fer_real *dout = FER_FN (fer_net_output_grad) (net, heads[h]);
      for (size_t i = 0; i < sizes[h]; i++) {
        outputs[h][i] = out[at[h][i]];
        loss += (double) outputs[h][i] * weights[h][i];
        loss_scale += fabs ((double) outputs[h][i] * weights[h][i]);
        dout[at[h][i]] = weights[h][i];
      }
    }
    FER_FN (fer_net_zero_grad) (net);
    FER_FN (fer_net_backward) (net);
    if (step == 0)
      assert_first_step (net, (const fer_real *const[]) { outputs[0], outputs[1] }, sizes,
          (const char *const[]) { "train.classes", "train.offsets" }, 2, loss, loss_scale);
    FER_FN (fer_adam_step) (adam, params, FER_FN (fer_net_grads) (net, &n_params), 1e-3);
  }
  assert_adam5 (net);
  FER_FN (fer_adam_free) (adam);
  FER_FN (fer_net_free) (net);
  g_free (images);
  for (int h = 0; h < 2; h++) {
    g_free (weights[h]);
    g_free (outputs[h]);
    g_free (at[h]);
  }
  g_clear_pointer (&golden, fer_safetensors_free);
}

static void
assert_refused (const FerLayerSpec *layers, int n, const char *expected)
{
  GError *error = NULL;
  FER_FN (FerNet) *net = FER_FN (fer_net_new) (layers, n, 3, 16, 16, 2, 4, &error);
  g_assert_null (net);
  g_assert_error (error, FER_ERROR, FER_ERROR_MODEL);
  g_test_message ("%s", error->message);
  if (strstr (error->message, expected) == NULL) {
    g_test_message ("expected '%s' in the message", expected);
    g_test_fail ();
  }
  g_error_free (error);
}

static void
test_bad_layer_lists_refused (void)
{
  const FerLayerSpec conv = { .kind = FER_LAYER_CONV, .name = "conv1", .input = FER_NET_IMAGE,
    .channels = 4, .kernel = 3, .stride = 1, .padding = 1 };
  const FerLayerSpec linear = { .kind = FER_LAYER_LINEAR, .name = "fc", .input = 0, .channels = 2,
    .bias = TRUE };
  /* A linear layer on a map (no flatten). */
  assert_refused ((FerLayerSpec[]) { conv, linear }, 2, "layer 1 (linear 'fc'): needs rows");
  /* Reading a later layer. */
  FerLayerSpec later = conv;
  later.input = 1;
  assert_refused ((FerLayerSpec[]) { later, conv }, 2, "layer 0 (conv 'conv1'): reads layer 1");
  /* Adding maps of different shapes. */
  FerLayerSpec wide = conv;
  wide.channels = 8;
  g_strlcpy (wide.name, "conv2", sizeof wide.name);
  wide.input = 0;
  const FerLayerSpec add = { .kind = FER_LAYER_ADD, .input = 0, .input2 = 1 };
  assert_refused ((FerLayerSpec[]) { conv, wide, add }, 3, "of different shapes");
  /* An unknown kind, a kernel larger than the input, a batchnorm on the image. */
  FerLayerSpec unknown = conv;
  unknown.kind = (FerLayerKind) 42;
  assert_refused ((FerLayerSpec[]) { unknown }, 1, "unknown layer kind 42");
  FerLayerSpec huge = conv;
  huge.kernel = 40;
  huge.padding = 0;
  assert_refused ((FerLayerSpec[]) { huge }, 1, "too small");
  const FerLayerSpec norm = { .kind = FER_LAYER_BATCHNORM, .name = "bn", .input = FER_NET_IMAGE };
  assert_refused ((FerLayerSpec[]) { norm }, 1, "only a convolution or max pooling");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/seed004/my-model-matches-pytorch", test_my_model_matches_pytorch);
  g_test_add_func ("/seed004/detector-sized-matches-pytorch",
      test_detector_sized_matches_pytorch);
  g_test_add_func ("/seed004/bad-layer-lists-refused", test_bad_layer_lists_refused);
  return g_test_run ();
}
