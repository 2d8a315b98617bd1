#include "sgd.h"

#include <stdlib.h>

FER_FN (FerSgd) *
FER_FN (fer_sgd_new) (size_t n, const FerSgdOptions *options)
{
  if (options->nesterov && (options->momentum <= 0 || options->dampening != 0))
    return NULL;
  FER_FN (FerSgd) *sgd = calloc (1, sizeof *sgd);
  if (sgd == NULL)
    return NULL;
  sgd->options = *options;
  sgd->n = n;
  sgd->velocity = calloc (n, sizeof (fer_real));
  if (sgd->velocity == NULL) {
    free (sgd);
    return NULL;
  }
  return sgd;
}

void
FER_FN (fer_sgd_free) (FER_FN (FerSgd) *sgd)
{
  if (sgd == NULL)
    return;
  free (sgd->velocity);
  free (sgd);
}

void
FER_FN (fer_sgd_step) (FER_FN (FerSgd) *sgd, fer_real *params, const fer_real *grads, double lr)
{
  /* PyTorch hands these scalars to float kernels: round them the same way. */
  const fer_real step = (fer_real) lr;
  const fer_real momentum = (fer_real) sgd->options.momentum;
  const fer_real keep = (fer_real) (1 - sgd->options.dampening);
  const fer_real decay = (fer_real) sgd->options.weight_decay;
  const gboolean first = sgd->steps == 0;
  fer_real *velocity = sgd->velocity;

  for (size_t i = 0; i < sgd->n; i++) {
    fer_real g = grads[i];
    if (decay != 0)
      g += decay * params[i];
    if (momentum != 0) {
      velocity[i] = first ? g : momentum * velocity[i] + keep * g;
      g = sgd->options.nesterov ? g + momentum * velocity[i] : velocity[i];
    }
    params[i] -= step * g;
  }
  sgd->steps++;
}
