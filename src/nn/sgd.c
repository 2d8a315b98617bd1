#include "nn/sgd.h"

#include <stdlib.h>

#include "nn/fer-parallel.h"

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
  const gboolean first = sgd->steps == 0, nesterov = sgd->options.nesterov;
  fer_real *velocity = sgd->velocity;
  const size_t n = sgd->n;

  /* The flags are loop-invariant; selecting them per element keeps the loop branch-free, so it
   * vectorises.  It is memory-bound (three arenas of 6 MB), hence split across threads. */
  FER_PARALLEL_FOR (n)
  for (size_t i = 0; i < n; i++) {
    fer_real g = grads[i] + decay * params[i];
    if (momentum != 0) {
      const fer_real v = first ? g : momentum * velocity[i] + keep * g;
      velocity[i] = v;
      g = nesterov ? g + momentum * v : v;
    }
    params[i] -= step * g;
  }
  sgd->steps++;
}
