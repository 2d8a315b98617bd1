/* simpleconv3 beyond parity: PyTorch-style initialisation from a seed, results independent of
 * the batch an image is in, a workspace that stops allocating, evaluation that leaves the running
 * statistics alone, and StepLR. */
#include <math.h>
#include <string.h>

#include "base/fer-rng.h"
#include "nn/sgd.h"
#include "nn/simpleconv3.h"
#include "nn/step-lr.h"
#include "fer-test-util.h"
#include "nn/linear.h"

static void
test_init_is_seeded (void)
{
  FerSimpleConv3 *a = fer_simpleconv3_new (4), *b = fer_simpleconv3_new (4);
  FerSimpleConv3 *c = fer_simpleconv3_new (4);
  fer_simpleconv3_init_weights (a, 42);
  fer_simpleconv3_init_weights (b, 42);
  fer_simpleconv3_init_weights (c, 43);
  const size_t bytes = a->layout.n_params * sizeof (float);
  g_assert_cmpmem (a->params, bytes, b->params, bytes);
  g_assert_true (memcmp (a->params, c->params, bytes) != 0);
  fer_simpleconv3_free (a);
  fer_simpleconv3_free (b);
  fer_simpleconv3_free (c);
}

static void
test_init_matches_pytorch_defaults (void)
{
  FerSimpleConv3 *model = fer_simpleconv3_new (4);
  fer_simpleconv3_init_weights (model, 1);
  for (int t = 0; t < FER_SIMPLECONV3_N_TENSORS; t++) {
    const FerTensorSpec *spec = &model->layout.tensors[t];
    const float *data = fer_simpleconv3_tensor (model, t);
    if (spec->kind == FER_TENSOR_COUNTER) {
      g_assert_cmpint (model->num_batches_tracked[spec->offset], ==, 0);
      continue;
    }
    if (g_str_has_prefix (spec->name, "bn")) {
      const float want = g_str_has_suffix (spec->name, ".weight")
          || g_str_has_suffix (spec->name, ".running_var") ? 1 : 0;
      for (size_t i = 0; i < spec->numel; i++)
        g_assert_cmpfloat (data[i], ==, want);
      continue;
    }
    /* U(-b, b) with b = 1/sqrt(fan_in): every value inside, mean ~0, variance ~b^2/3. */
    const FerTensorSpec *weight = g_str_has_suffix (spec->name, ".bias") ? spec - 1 : spec;
    const double bound = 1 / sqrt ((double) (weight->numel / weight->shape[0]));
    double sum = 0, squares = 0;
    for (size_t i = 0; i < spec->numel; i++) {
      g_assert_cmpfloat (fabs (data[i]), <=, bound);
      sum += data[i];
      squares += (double) data[i] * data[i];
    }
    if (spec->numel >= 1000) {
      const double mean = sum / spec->numel, var = squares / spec->numel - mean * mean;
      g_assert_cmpfloat (fabs (mean), <, 5 * bound / sqrt (3.0 * spec->numel));
      g_assert_cmpfloat (fabs (var / (bound * bound / 3) - 1), <, 0.1);
    }
  }
  fer_simpleconv3_free (model);
}

static float *
random_images (int count, uint64_t seed)
{
  FerRng rng;
  fer_rng_init (&rng, seed);
  const size_t n = (size_t) count * 3 * 48 * 48;
  float *images = g_new (float, n);
  for (size_t i = 0; i < n; i++)
    images[i] = (float) fer_rng_uniform_range (&rng, -1, 1);
  return images;
}

static void
test_batch_invariance (void)
{
  /* In evaluation an image's logits do not depend on its batch (up to summation order). */
  FerSimpleConv3 *model = fer_simpleconv3_new (4);
  fer_simpleconv3_init_weights (model, 5);
  model->training = FALSE;
  float *images = random_images (64, 6);
  float batched[64 * 4];
  memcpy (batched, fer_simpleconv3_forward (model, images, 64), sizeof batched);
  for (int n = 0; n < 64; n += 7) {
    const float *single = fer_simpleconv3_forward (model, images + (size_t) n * 3 * 48 * 48, 1);
    double got[4], want[4];
    for (int k = 0; k < 4; k++) {
      got[k] = single[k];
      want[k] = batched[n * 4 + k];
    }
    fer_test_assert_close ("batch-1 logits vs batch-64 logits", got, want, 4, 1e-5);
  }
  g_free (images);
  fer_simpleconv3_free (model);
}

/* A frozen model (the classifiers') computes fc1 and fc2 from the transposed weights of the
 * non-zero activations only: the same logits as the dense products, up to summation order, for
 * batches up to the sparse limit and beyond it; a training-mode pass drops the copies. */
static void
test_frozen_model_same_logits (void)
{
  FerSimpleConv3 *dense = fer_simpleconv3_new (4), *frozen = fer_simpleconv3_new (4);
  fer_simpleconv3_init_weights (dense, 11);
  fer_simpleconv3_init_weights (frozen, 11);
  dense->training = FALSE;
  g_assert_true (fer_simpleconv3_freeze (frozen));
  g_assert_true (fer_net_is_frozen (frozen->net));
  const int batch = FER_SIMPLECONV3_SPARSE_MAX_BATCH + 2;
  float *images = random_images (batch, 12);
  for (int n = 1; n <= batch; n++) {
    float want[8 * 4], got[8 * 4];
    memcpy (want, fer_simpleconv3_forward (dense, images, n), sizeof (float) * 4 * n);
    memcpy (got, fer_simpleconv3_forward (frozen, images, n), sizeof (float) * 4 * n);
    for (int i = 0; i < 4 * n; i++)
      g_assert_cmpfloat (fabs (got[i] - want[i]), <=, 1e-5 * MAX (1, fabs (want[i])));
  }
  frozen->training = TRUE;
  g_assert_nonnull (fer_simpleconv3_forward (frozen, images, 2));
  g_assert_false (fer_net_is_frozen (frozen->net));
  g_free (images);
  fer_simpleconv3_free (dense);
  fer_simpleconv3_free (frozen);
}

/* The sparse product itself, on inputs that are 60% zero: the dense product's values. */
static void
test_sparse_input_linear (void)
{
  enum { IN = 37, OUT = 23, BATCH = 3 };
  FerRng rng;
  fer_rng_init (&rng, 3);
  float weight[OUT * IN], weight_t[IN * OUT], bias[OUT], in[BATCH * IN];
  float want[BATCH * OUT], got[BATCH * OUT];
  for (int i = 0; i < OUT * IN; i++)
    weight[i] = (float) fer_rng_uniform_range (&rng, -1, 1);
  for (int i = 0; i < OUT; i++)
    bias[i] = (float) fer_rng_uniform_range (&rng, -1, 1);
  int zeros = 0;
  for (int i = 0; i < BATCH * IN; i++) {
    const double u = fer_rng_uniform_range (&rng, 0, 1);
    in[i] = u < 0.6 ? 0 : (float) u;
    zeros += in[i] == 0;
  }
  g_assert_cmpint (zeros, >, 0);
  fer_linear_forward (want, in, weight, bias, BATCH, IN, OUT);
  fer_linear_transpose_weight (weight_t, weight, IN, OUT);
  fer_linear_forward_sparse_input (got, in, weight_t, bias, BATCH, IN, OUT);
  for (int i = 0; i < BATCH * OUT; i++)
    g_assert_cmpfloat (fabs (got[i] - want[i]), <=, 1e-5 * MAX (1, fabs (want[i])));
}

static void
test_workspace_is_reused (void)
{
  FerSimpleConv3 *model = fer_simpleconv3_new (4);
  fer_simpleconv3_init_weights (model, 5);
  float *images = random_images (16, 7);
  g_assert_true (fer_simpleconv3_reserve (model, 16));
  const float *logits = fer_simpleconv3_forward (model, images, 16);
  for (int batch = 1; batch <= 16; batch *= 2)
    g_assert_true (fer_simpleconv3_forward (model, images, batch) == logits);
  g_assert_cmpint (model->capacity, ==, 16);
  /* A larger batch grows it once. */
  float *more = random_images (20, 8);
  g_assert_nonnull (fer_simpleconv3_forward (model, more, 20));
  g_assert_true (fer_simpleconv3_reserve (model, 20));
  g_assert_false (fer_simpleconv3_reserve (model, 0));
  g_free (more);
  g_free (images);
  fer_simpleconv3_free (model);
}

static void
test_eval_keeps_running_stats (void)
{
  FerSimpleConv3 *model = fer_simpleconv3_new (4);
  fer_simpleconv3_init_weights (model, 5);
  float *images = random_images (4, 9);
  float *before = g_memdup2 (model->buffers, model->layout.n_buffers * sizeof (float));
  model->training = FALSE;
  fer_simpleconv3_forward (model, images, 4);
  g_assert_cmpmem (before, model->layout.n_buffers * 4, model->buffers,
      model->layout.n_buffers * 4);
  g_assert_cmpint (model->num_batches_tracked[0], ==, 0);
  model->training = TRUE;
  fer_simpleconv3_forward (model, images, 4);
  g_assert_true (memcmp (before, model->buffers, model->layout.n_buffers * 4) != 0);
  g_assert_cmpint (model->num_batches_tracked[0], ==, 1);
  g_free (before);
  g_free (images);
  fer_simpleconv3_free (model);
}

static void
test_bad_labels_add_no_gradient (void)
{
  FerSimpleConv3 *model = fer_simpleconv3_new (4);
  fer_simpleconv3_init_weights (model, 5);
  fer_simpleconv3_zero_grad (model);
  float *images = random_images (2, 10);
  const int labels[2] = { 1, 4 };
  g_assert_true (isnan (fer_simpleconv3_forward_backward (model, images, labels, 2, 0)));
  for (size_t i = 0; i < model->layout.n_params; i++)
    g_assert_cmpfloat (model->grads[i], ==, 0);
  g_free (images);
  fer_simpleconv3_free (model);
}

static void
test_class_count_range (void)
{
  g_assert_null (fer_simpleconv3_new (1));
  g_assert_null (fer_simpleconv3_new (FER_SIMPLECONV3_MAX_CLASSES + 1));
  FerSimpleConv3 *two = fer_simpleconv3_new (2);
  g_assert_nonnull (two);
  g_assert_cmpint (fer_simpleconv3_layout_find (&two->layout, "fc3.weight")->shape[0], ==, 2);
  fer_simpleconv3_free (two);
}

static void
test_step_lr (void)
{
  /* StepLR(step_size 100, gamma 0.1) from 0.1: the seed's schedule. */
  g_assert_cmpfloat (fer_step_lr (0.1, 0, 100, 0.1), ==, 0.1);
  g_assert_cmpfloat (fer_step_lr (0.1, 99, 100, 0.1), ==, 0.1);
  g_assert_cmpfloat (fer_step_lr (0.1, 100, 100, 0.1), ==, 0.1 * 0.1);
  g_assert_cmpfloat (fer_step_lr (0.1, 250, 100, 0.1), ==, 0.1 * 0.1 * 0.1);
  g_assert_cmpfloat (fer_step_lr (0.5, 7, 0, 0.1), ==, 0.5);
}

static void
test_sgd_refuses_invalid_nesterov (void)
{
  const FerSgdOptions no_momentum = { .nesterov = TRUE };
  const FerSgdOptions dampened = { .momentum = 0.9, .dampening = 0.1, .nesterov = TRUE };
  g_assert_null (fer_sgd_new (10, &no_momentum));
  g_assert_null (fer_sgd_new (10, &dampened));
}

static void
test_sgd_dampening (void)
{
  /* torch.optim.SGD(momentum 0.5, dampening 0.5, lr 1): the first step takes the raw gradient,
   * later ones m*v + (1 - d)*g. */
  const FerSgdOptions options = { .momentum = 0.5, .dampening = 0.5 };
  FerSgd *sgd = fer_sgd_new (1, &options);
  float p = 0, g = 1;
  fer_sgd_step (sgd, &p, &g, 1);
  g_assert_cmpfloat (p, ==, -1);
  fer_sgd_step (sgd, &p, &g, 1);
  g_assert_cmpfloat (p, ==, -2);   /* v = 0.5 * 1 + 0.5 * 1 = 1 */
  fer_sgd_free (sgd);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/simpleconv3/init-is-seeded", test_init_is_seeded);
  g_test_add_func ("/simpleconv3/init-matches-pytorch-defaults", test_init_matches_pytorch_defaults);
  g_test_add_func ("/simpleconv3/batch-invariance", test_batch_invariance);
  g_test_add_func ("/simpleconv3/frozen-model-same-logits", test_frozen_model_same_logits);
  g_test_add_func ("/simpleconv3/sparse-input-linear", test_sparse_input_linear);
  g_test_add_func ("/simpleconv3/workspace-is-reused", test_workspace_is_reused);
  g_test_add_func ("/simpleconv3/eval-keeps-running-stats", test_eval_keeps_running_stats);
  g_test_add_func ("/simpleconv3/bad-labels-add-no-gradient", test_bad_labels_add_no_gradient);
  g_test_add_func ("/simpleconv3/class-count-range", test_class_count_range);
  g_test_add_func ("/sgd/step-lr", test_step_lr);
  g_test_add_func ("/sgd/refuses-invalid-nesterov", test_sgd_refuses_invalid_nesterov);
  g_test_add_func ("/sgd/dampening", test_sgd_dampening);
  return g_test_run ();
}
