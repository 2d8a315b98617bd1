#include "nn/regression-loss.h"

#include <math.h>

double
FER_FN (fer_mse_forward) (const fer_real *x, const fer_real *target, size_t n)
{
  double sum = 0;
  for (size_t i = 0; i < n; i++) {
    const double d = (double) x[i] - target[i];
    sum += d * d;
  }
  return n ? sum / n : 0;
}

void
FER_FN (fer_mse_backward) (fer_real *dx, const fer_real *x, const fer_real *target, size_t n,
    double scale)
{
  for (size_t i = 0; i < n; i++)
    dx[i] += (fer_real) (scale * 2 * ((double) x[i] - target[i]) / n);
}

double
FER_FN (fer_smooth_l1_forward) (const fer_real *x, const fer_real *target, size_t n)
{
  double sum = 0;
  for (size_t i = 0; i < n; i++) {
    const double d = fabs ((double) x[i] - target[i]);
    sum += d < 1 ? 0.5 * d * d : d - 0.5;
  }
  return n ? sum / n : 0;
}

void
FER_FN (fer_smooth_l1_backward) (fer_real *dx, const fer_real *x, const fer_real *target,
    size_t n, double scale)
{
  for (size_t i = 0; i < n; i++) {
    const double d = (double) x[i] - target[i];
    dx[i] += (fer_real) (scale * (fabs (d) < 1 ? d : d > 0 ? 1 : -1) / n);
  }
}
