#include "nn/step-lr.h"

double
fer_step_lr (double base_lr, int epoch, int step_size, double gamma)
{
  double lr = base_lr;
  if (step_size <= 0)
    return lr;
  for (int e = step_size; e <= epoch; e += step_size)
    lr *= gamma;
  return lr;
}
