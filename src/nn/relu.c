#include "nn/relu.h"

#include "nn/fer-parallel.h"

void
FER_FN (fer_relu_forward) (fer_real *x, size_t n)
{
  FER_PARALLEL_FOR (n)
  for (size_t i = 0; i < n; i++)
    x[i] = x[i] > 0 ? x[i] : 0;
}

void
FER_FN (fer_relu_backward) (fer_real *grad, const fer_real *out, size_t n)
{
  FER_PARALLEL_FOR (n)
  for (size_t i = 0; i < n; i++)
    grad[i] = out[i] > 0 ? grad[i] : 0;
}
