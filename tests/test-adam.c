/* The engine's Adam (src/nn/adam.c) against torch.optim.Adam: five steps of fixed gradients from
 * tests/golden/make_adam_golden.py, with PyTorch's defaults and with every option changed
 * (betas, eps, weight decay, amsgrad); parameters and both moment buffers after each step. */
#include <math.h>

#include "io/safetensors.h"
#include "nn/adam.h"
#include "fer-test-util.h"
#include "golden.h"

#define N 1000
#define STEPS 5

static FerSafetensors *golden;

static double *
golden_tensor (const char *name)
{
  return fer_test_golden_f64 (golden, name, NULL);
}

static void
compare (const char *what, const float *got, const char *golden_name)
{
  double *want = golden_tensor (golden_name);
  double *have = g_new (double, N);
  for (int i = 0; i < N; i++)
    have[i] = got[i];
  fer_test_assert_close (what, have, want, N, 1e-6);
  g_free (want);
  g_free (have);
}

static void
run (const char *config, double lr, const FerAdamOptions *options)
{
  double *p0 = golden_tensor ("params0"), *grads = golden_tensor ("grads");
  float params[N], grad[N];
  for (int i = 0; i < N; i++)
    params[i] = (float) p0[i];
  FerAdam *adam = fer_adam_new (N, options);
  g_assert_nonnull (adam);
  for (int step = 0; step < STEPS; step++) {
    for (int i = 0; i < N; i++)
      grad[i] = (float) grads[step * N + i];
    fer_adam_step (adam, params, grad, lr);
    char *name = g_strdup_printf ("%s.params.%d", config, step);
    compare (name, params, name);
    g_free (name);
    name = g_strdup_printf ("%s.exp_avg.%d", config, step);
    compare (name, adam->exp_avg, name);
    g_free (name);
    name = g_strdup_printf ("%s.exp_avg_sq.%d", config, step);
    compare (name, adam->exp_avg_sq, name);
    g_free (name);
  }
  g_assert_cmpint (adam->steps, ==, STEPS);
  fer_adam_free (adam);
  g_free (p0);
  g_free (grads);
}

static void
test_defaults (void)
{
  const FerAdamOptions options = FER_ADAM_OPTIONS_DEFAULT;
  run ("default", 1e-3, &options);
}

static void
test_options (void)
{
  const FerAdamOptions options = { 0.8, 0.99, 1e-6, 0.01, TRUE };
  run ("options", 0.01, &options);
}

static void
test_refused (void)
{
  const FerAdamOptions bad_beta = { 1.0, 0.999, 1e-8, 0, FALSE };
  const FerAdamOptions bad_eps = { 0.9, 0.999, -1, 0, FALSE };
  const FerAdamOptions bad_decay = { 0.9, 0.999, 1e-8, -0.1, FALSE };
  g_assert_null (fer_adam_new (10, &bad_beta));
  g_assert_null (fer_adam_new (10, &bad_eps));
  g_assert_null (fer_adam_new (10, &bad_decay));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  golden = fer_test_golden_load ("adam-golden.safetensors");
  g_test_add_func ("/adam/pytorch-defaults", test_defaults);
  g_test_add_func ("/adam/pytorch-options", test_options);
  g_test_add_func ("/adam/bad-options-refused", test_refused);
  const int status = g_test_run ();
  fer_safetensors_free (golden);
  return status;
}
