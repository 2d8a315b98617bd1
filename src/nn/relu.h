/* relu.h: max (x, 0), in place. */
#ifndef FER_RELU_H
#define FER_RELU_H

#include <stddef.h>
#include "nn/fer-real.h"

void FER_FN (fer_relu_forward) (fer_real *x, size_t n);

/* Zeroes grad where the forward output was clamped (out <= 0), as PyTorch's threshold_backward:
 * the gradient buffer of the output becomes the gradient of the input. */
void FER_FN (fer_relu_backward) (fer_real *grad, const fer_real *out, size_t n);

#endif /* FER_RELU_H */
