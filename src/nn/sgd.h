/* sgd.h: torch.optim.SGD over one flat parameter arena.
 *
 * For each element, with g its gradient:
 *   g += weight_decay * p
 *   v  = first step ? g : momentum * v + (1 - dampening) * g
 *   g  = nesterov ? g + momentum * v : v
 *   p -= lr * g
 * which is PyTorch's update, first step included (the buffer starts as a copy of g). */
#ifndef FER_SGD_H
#define FER_SGD_H

#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include "nn/fer-real.h"

G_BEGIN_DECLS

typedef struct {
  double momentum;
  double dampening;
  double weight_decay;
  gboolean nesterov;
} FerSgdOptions;

typedef struct {
  FerSgdOptions options;
  size_t n;
  fer_real *velocity;   /* the momentum buffer; part of a resumable checkpoint */
  int64_t steps;        /* steps taken; 0 means the buffer is not yet initialised */
} FER_FN (FerSgd);

/* NULL when memory is short or nesterov is asked with momentum 0 or dampening != 0 (PyTorch
 * refuses those too). */
FER_FN (FerSgd) *FER_FN (fer_sgd_new) (size_t n, const FerSgdOptions *options);
void FER_FN (fer_sgd_free) (FER_FN (FerSgd) *sgd);

void FER_FN (fer_sgd_step) (FER_FN (FerSgd) *sgd, fer_real *params, const fer_real *grads,
    double lr);

G_END_DECLS

#endif /* FER_SGD_H */
