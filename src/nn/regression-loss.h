/* regression-loss.h: the losses of seed 004's box offsets, as nn.MSELoss and nn.SmoothL1Loss
 * (beta 1) with their default mean over every element. */
#ifndef FER_REGRESSION_LOSS_H
#define FER_REGRESSION_LOSS_H

#include <stddef.h>
#include "nn/fer-real.h"

/* mean ((x - target)^2); 0 for no elements. */
double FER_FN (fer_mse_forward) (const fer_real *x, const fer_real *target, size_t n);
/* dx += scale * 2 (x - target) / n: the gradient of scale times the mean. */
void FER_FN (fer_mse_backward) (fer_real *dx, const fer_real *x, const fer_real *target,
    size_t n, double scale);

/* mean of 0.5 d^2 where |d| < 1, |d| - 0.5 elsewhere (d = x - target): quadratic near the target,
 * linear far from it, so one wild box cannot dominate a batch. */
double FER_FN (fer_smooth_l1_forward) (const fer_real *x, const fer_real *target, size_t n);
void FER_FN (fer_smooth_l1_backward) (fer_real *dx, const fer_real *x, const fer_real *target,
    size_t n, double scale);

#endif /* FER_REGRESSION_LOSS_H */
