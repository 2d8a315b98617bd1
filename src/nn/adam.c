#include "nn/adam.h"

#include <math.h>

#include "nn/fer-parallel.h"

FER_FN (FerAdam) *
FER_FN (fer_adam_new) (size_t n, const FerAdamOptions *o)
{
  if (!(o->beta1 >= 0 && o->beta1 < 1 && o->beta2 >= 0 && o->beta2 < 1 && o->eps >= 0
          && o->weight_decay >= 0))
    return NULL;
  FER_FN (FerAdam) *adam = g_try_new0 (FER_FN (FerAdam), 1);
  if (adam == NULL)
    return NULL;
  adam->options = *o;
  adam->n = n;
  adam->exp_avg = g_try_new0 (fer_real, MAX (n, 1));
  adam->exp_avg_sq = g_try_new0 (fer_real, MAX (n, 1));
  adam->max_exp_avg_sq = o->amsgrad ? g_try_new0 (fer_real, MAX (n, 1)) : NULL;
  if (adam->exp_avg == NULL || adam->exp_avg_sq == NULL
      || (o->amsgrad && adam->max_exp_avg_sq == NULL)) {
    FER_FN (fer_adam_free) (adam);
    return NULL;
  }
  return adam;
}

void
FER_FN (fer_adam_free) (FER_FN (FerAdam) *adam)
{
  if (adam == NULL)
    return;
  g_free (adam->exp_avg);
  g_free (adam->exp_avg_sq);
  g_free (adam->max_exp_avg_sq);
  g_free (adam);
}

void
FER_FN (fer_adam_step) (FER_FN (FerAdam) *adam, fer_real *params, const fer_real *grads,
    double lr)
{
  const FerAdamOptions *o = &adam->options;
  adam->steps++;
  /* The step's scalars in double, as PyTorch computes them in Python; each enters the element
   * arithmetic converted to the parameters' type, as ATen's scalar arguments do. */
  const double bias_correction1 = 1 - pow (o->beta1, (double) adam->steps);
  const double bias_correction2 = 1 - pow (o->beta2, (double) adam->steps);
  const fer_real step_size = (fer_real) -(lr / bias_correction1);
  const fer_real bias_correction2_sqrt = (fer_real) sqrt (bias_correction2);
  const fer_real beta1 = (fer_real) o->beta1, one_minus_beta1 = (fer_real) (1 - o->beta1);
  const fer_real beta2 = (fer_real) o->beta2, one_minus_beta2 = (fer_real) (1 - o->beta2);
  const fer_real eps = (fer_real) o->eps, weight_decay = (fer_real) o->weight_decay;
  fer_real *m = adam->exp_avg, *v = adam->exp_avg_sq, *v_max = adam->max_exp_avg_sq;
  const size_t n = adam->n;
  FER_PARALLEL_FOR (n)
  for (size_t i = 0; i < n; i++) {
    fer_real g = grads[i];
    if (o->weight_decay != 0)
      g = g + weight_decay * params[i];
    m[i] = m[i] * beta1;
    m[i] = m[i] + one_minus_beta1 * g;
    v[i] = v[i] * beta2;
    v[i] = v[i] + one_minus_beta2 * g * g;
    fer_real second = v[i];
    if (v_max) {
      v_max[i] = v_max[i] > v[i] ? v_max[i] : v[i];
      second = v_max[i];
    }
    const fer_real denom = fer_sqrt (second) / bias_correction2_sqrt + eps;
    params[i] = params[i] + step_size * m[i] / denom;
  }
}
