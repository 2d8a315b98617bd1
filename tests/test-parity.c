/* Parity of the float engine with PyTorch: tests/golden/make_golden.py computed every reference
 * here with torch from the same weights and inputs.  Each tensor must match within a scaled error
 * (fer-test-util.h) of 1e-4. */
#include <math.h>
#include <string.h>

#include "io/model-file.h"
#include "io/safetensors.h"
#include "nn/sgd.h"
#include "nn/simpleconv3.h"
#include "nn/step-lr.h"
#include "fer-test-util.h"
#include "golden.h"

#define TOLERANCE 1e-4
#define NUMERICALLY_ZERO 1e-6

static FerSafetensors *golden;
static char *pytorch_model_path;

static double *
golden_tensor (const char *name, size_t *count)
{
  return fer_test_golden_f64 (golden, name, count);
}

static int64_t
golden_integer (const char *name)
{
  int64_t *values = fer_test_golden_i64 (golden, name, NULL);
  const int64_t value = values[0];
  g_free (values);
  return value;
}

static double
golden_scalar (const char *name)
{
  size_t n;
  double *v = golden_tensor (name, &n);
  double value = v[0];
  g_free (v);
  return value;
}

static void
assert_matches_golden (const char *what, const char *golden_name, const float *got, size_t n)
{
  char *name = g_strdup (golden_name);
  size_t count;

  if (fer_safetensors_find (golden, name) == NULL) {
    /* Large tensors are stored as a strided sample plus their sum. */
    char *sampled = g_strconcat (golden_name, "@97", NULL), *sum = g_strconcat (golden_name,
        "@sum", NULL);
    double *want = golden_tensor (sampled, &count);
    double *have = g_new (double, count);
    double total = 0, scale = 0;
    for (size_t i = 0; i < count; i++)
      have[i] = got[i * 97];
    for (size_t i = 0; i < n; i++) {
      total += got[i];
      scale += fabs (got[i]);
    }
    fer_test_assert_close (what, have, want, count, TOLERANCE);
    const double want_sum = golden_scalar (sum);
    if (!(fabs (total - want_sum) <= TOLERANCE * scale)) {
      g_test_message ("%s: sum %.9g, PyTorch %.9g", what, total, want_sum);
      g_test_fail ();
    }
    g_free (want);
    g_free (have);
    g_free (sampled);
    g_free (sum);
  } else {
    double *want = golden_tensor (name, &count);
    g_assert_cmpuint (count, ==, n);
    double *have = g_new (double, n);
    double max_want = 0, max_have = 0;
    for (size_t i = 0; i < n; i++) {
      have[i] = got[i];
      max_want = fmax (max_want, fabs (want[i]));
      max_have = fmax (max_have, fabs (have[i]));
    }
    /* A convolution bias that feeds a training-mode batchnorm has an exact gradient of zero
     * (the batch mean cancels it); PyTorch returns rounding noise of ~1e-8 there, and so may we.
     * For such numerically-zero references, require numerically zero. */
    if (max_want <= NUMERICALLY_ZERO) {
      if (max_have > NUMERICALLY_ZERO) {
        g_test_message ("%s: PyTorch gives ~0 (max %.3g), we give max %.3g", what, max_want,
            max_have);
        g_test_fail ();
      }
    } else
      fer_test_assert_close (what, have, want, n, TOLERANCE);
    g_free (want);
    g_free (have);
  }
  g_free (name);
}

static FerSimpleConv3 *
load_pytorch_model (void)
{
  GError *error = NULL;
  FerSimpleConv3 *model = fer_model_load (pytorch_model_path, NULL, &error);
  g_assert_no_error (error);
  return model;
}

static float *
golden_input (int *labels)
{
  size_t n;
  double *x = golden_tensor ("input", &n);
  float *input = g_new (float, n);
  for (size_t i = 0; i < n; i++)
    input[i] = (float) x[i];
  g_free (x);
  const FerSafetensorsTensor *t = fer_safetensors_find (golden, "labels");
  int64_t l[8];
  g_assert_true (fer_safetensors_read_i64 (golden, t, l, 8, NULL));
  for (int i = 0; i < 8; i++)
    labels[i] = (int) l[i];
  return input;
}

static void
test_pytorch_export_loads (void)
{
  FerModelInfo *info = NULL;
  GError *error = NULL;
  FerSimpleConv3 *model = fer_model_load (pytorch_model_path, &info, &error);
  g_assert_no_error (error);
  /* No metadata in a plain export: the seed's description applies. */
  g_assert_cmpint (info->num_classes, ==, 4);
  g_assert_cmpstr (info->labels[2], ==, "smile");
  g_assert_cmpint (model->num_batches_tracked[0], ==, 7);
  g_assert_false (model->training);
  fer_model_info_free (info);
  fer_simpleconv3_free (model);
}

static void
test_eval_logits (void)
{
  int labels[8];
  float *input = golden_input (labels);
  FerSimpleConv3 *model = load_pytorch_model ();
  const float *logits = fer_simpleconv3_forward (model, input, 8);
  assert_matches_golden ("eval logits", "logits_eval", logits, 8 * 4);
  fer_simpleconv3_free (model);
  g_free (input);
}

/* The PyTorch export after one forward and backward pass on the golden batch, in training mode;
 * *loss is what the pass returned. */
static FerSimpleConv3 *
one_training_pass (double label_smoothing, double *loss)
{
  int labels[8];
  float *input = golden_input (labels);
  FerSimpleConv3 *model = load_pytorch_model ();
  model->training = TRUE;
  fer_simpleconv3_zero_grad (model);
  *loss = fer_simpleconv3_forward_backward (model, input, labels, 8, label_smoothing);
  g_free (input);
  return model;
}

static void
assert_gradients_match (FerSimpleConv3 *model, const char *prefix)
{
  for (int i = 0; i < FER_SIMPLECONV3_N_TENSORS; i++) {
    const FerTensorSpec *spec = &model->layout.tensors[i];
    if (spec->kind != FER_TENSOR_PARAMETER)
      continue;
    char *name = g_strconcat (prefix, spec->name, NULL);
    assert_matches_golden (name, name, fer_simpleconv3_grad (model, i), spec->numel);
    g_free (name);
  }
}

static void
test_train_step (void)
{
  double loss;
  FerSimpleConv3 *model = one_training_pass (0, &loss);
  const double want_loss = golden_scalar ("loss");
  g_assert_cmpfloat (fabs (loss - want_loss), <=, TOLERANCE * fabs (want_loss));
  assert_matches_golden ("train logits", "logits_train", fer_simpleconv3_logits (model), 32);
  assert_gradients_match (model, "grad.");

  for (int i = 0; i < FER_SIMPLECONV3_N_TENSORS; i++) {
    const FerTensorSpec *spec = &model->layout.tensors[i];
    if (spec->kind == FER_TENSOR_BUFFER) {
      char *name = g_strconcat ("after_train.", spec->name, NULL);
      assert_matches_golden (name, name, fer_simpleconv3_tensor (model, i), spec->numel);
      g_free (name);
    } else if (spec->kind == FER_TENSOR_COUNTER) {
      g_assert_cmpint (model->num_batches_tracked[spec->offset], ==,
          golden_integer ("after_train.num_batches_tracked"));
    }
  }
  fer_simpleconv3_free (model);
}

static void
test_label_smoothing (void)
{
  double loss;
  FerSimpleConv3 *model = one_training_pass (0.1, &loss);
  const double want_loss = golden_scalar ("smooth.loss");
  g_assert_cmpfloat (fabs (loss - want_loss), <=, TOLERANCE * fabs (want_loss));
  assert_gradients_match (model, "smooth.grad.");
  fer_simpleconv3_free (model);
}

/* Five steps on the golden batch, then every parameter and running statistic against PyTorch. */
static void
check_sgd_run (const char *prefix, double lr, const FerSgdOptions *options, int step_size,
    double gamma)
{
  int labels[8];
  float *input = golden_input (labels);
  FerSimpleConv3 *model = load_pytorch_model ();
  FerSgd *sgd = fer_sgd_new (model->layout.n_params, options);
  model->training = TRUE;

  for (int step = 0; step < 5; step++) {
    fer_simpleconv3_zero_grad (model);
    fer_simpleconv3_forward_backward (model, input, labels, 8, 0);
    fer_sgd_step (sgd, model->params, model->grads, fer_step_lr (lr, step, step_size, gamma));
  }
  for (int i = 0; i < FER_SIMPLECONV3_N_TENSORS; i++) {
    const FerTensorSpec *spec = &model->layout.tensors[i];
    if (spec->kind == FER_TENSOR_COUNTER)
      continue;
    char *name = g_strconcat (prefix, spec->name, NULL);
    assert_matches_golden (name, name, fer_simpleconv3_tensor (model, i), spec->numel);
    g_free (name);
  }
  fer_sgd_free (sgd);
  fer_simpleconv3_free (model);
  g_free (input);
}

static void
test_sgd_momentum_step_lr (void)
{
  const FerSgdOptions seed = { .momentum = 0.9 };
  check_sgd_run ("sgd_momentum.", 0.1, &seed, 2, 0.5);
}

static void
test_sgd_nesterov_weight_decay (void)
{
  const FerSgdOptions options = { .momentum = 0.9, .weight_decay = 5e-4, .nesterov = TRUE };
  check_sgd_run ("sgd_nesterov.", 0.05, &options, 100, 0.1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  char *golden_path = fer_test_source_path ("golden/simpleconv3-golden.safetensors");
  pytorch_model_path = fer_test_source_path ("golden/simpleconv3-pytorch-f16.safetensors");
  GError *error = NULL;
  golden = fer_safetensors_load (golden_path, &error);
  g_assert_no_error (error);

  g_test_add_func ("/parity/pytorch-export-loads", test_pytorch_export_loads);
  g_test_add_func ("/parity/eval-logits", test_eval_logits);
  g_test_add_func ("/parity/train-step", test_train_step);
  g_test_add_func ("/parity/label-smoothing", test_label_smoothing);
  g_test_add_func ("/parity/sgd-momentum-step-lr", test_sgd_momentum_step_lr);
  g_test_add_func ("/parity/sgd-nesterov-weight-decay", test_sgd_nesterov_weight_decay);
  int status = g_test_run ();

  fer_safetensors_free (golden);
  g_free (golden_path);
  g_free (pytorch_model_path);
  return status;
}
