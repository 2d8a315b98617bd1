#include "nn/cross-entropy.h"

#include <math.h>

/* log (sum (exp (row))), shifted by the row's maximum. */
static double
log_sum_exp (const fer_real *row, int classes)
{
  double max = row[0];
  for (int k = 1; k < classes; k++)
    if (row[k] > max)
      max = row[k];
  double sum = 0;
  for (int k = 0; k < classes; k++)
    sum += exp (row[k] - max);
  return max + log (sum);
}

int
FER_FN (fer_argmax) (const fer_real *row, int n)
{
  int best = 0;
  for (int k = 1; k < n; k++)
    if (row[k] > row[best])
      best = k;
  return best;
}

void
FER_FN (fer_softmax) (fer_real *probs, const fer_real *logits, int batch, int classes)
{
  for (int n = 0; n < batch; n++) {
    const fer_real *row = logits + (size_t) n * classes;
    const double lse = log_sum_exp (row, classes);
    for (int k = 0; k < classes; k++)
      probs[(size_t) n * classes + k] = (fer_real) exp (row[k] - lse);
  }
}

double
FER_FN (fer_cross_entropy_forward) (fer_real *probs, const fer_real *logits,
    const int *labels, int batch, int classes, double label_smoothing)
{
  double total = 0;
  for (int n = 0; n < batch; n++) {
    if (labels[n] < 0 || labels[n] >= classes)
      return NAN;
    const fer_real *row = logits + (size_t) n * classes;
    const double lse = log_sum_exp (row, classes);
    double mean_nll = 0;
    for (int k = 0; k < classes; k++) {
      probs[(size_t) n * classes + k] = (fer_real) exp (row[k] - lse);
      mean_nll += lse - row[k];
    }
    mean_nll /= classes;
    total += (1 - label_smoothing) * (lse - row[labels[n]]) + label_smoothing * mean_nll;
  }
  return total / batch;
}

void
FER_FN (fer_cross_entropy_backward) (fer_real *dlogits, const fer_real *probs,
    const int *labels, int batch, int classes, double label_smoothing)
{
  const double off_target = label_smoothing / classes;
  for (int n = 0; n < batch; n++)
    for (int k = 0; k < classes; k++) {
      const double target = off_target + (k == labels[n] ? 1 - label_smoothing : 0);
      dlogits[(size_t) n * classes + k] +=
          (fer_real) ((probs[(size_t) n * classes + k] - target) / batch);
    }
}
