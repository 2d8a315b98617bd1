/* adam.h: torch.optim.Adam (PyTorch 1.13, the single-tensor path it takes on the CPU) over one
 * flat parameter arena, as seed 004 trains its detector.  For each element, with g its
 * gradient, at step t (from 1):
 *   g  += weight_decay * p
 *   m   = beta1 * m + (1 - beta1) * g
 *   v   = beta2 * v + (1 - beta2) * g * g
 *   v̂   = amsgrad ? max (v̂, v) : v
 *   p  -= lr / (1 - beta1^t) * m / (sqrt (v̂) / sqrt (1 - beta2^t) + eps)
 * in PyTorch's order of operations, each in the parameters' precision. */
#ifndef FER_ADAM_H
#define FER_ADAM_H

#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include "nn/fer-real.h"

G_BEGIN_DECLS

typedef struct {
  double beta1, beta2;   /* PyTorch's defaults: 0.9, 0.999 */
  double eps;            /* 1e-8 */
  double weight_decay;   /* 0 (L2, added to the gradient as Adam does, not AdamW's) */
  gboolean amsgrad;      /* FALSE */
} FerAdamOptions;

#define FER_ADAM_OPTIONS_DEFAULT { 0.9, 0.999, 1e-8, 0, FALSE }

typedef struct {
  FerAdamOptions options;
  size_t n;
  fer_real *exp_avg;          /* m: part of a resumable checkpoint, as the three below */
  fer_real *exp_avg_sq;       /* v */
  fer_real *max_exp_avg_sq;   /* v̂ with amsgrad, else NULL */
  int64_t steps;
} FER_FN (FerAdam);

/* NULL when memory is short or an option is out of PyTorch's range (betas in [0, 1), eps and
 * weight_decay >= 0). */
FER_FN (FerAdam) *FER_FN (fer_adam_new) (size_t n, const FerAdamOptions *options);
void FER_FN (fer_adam_free) (FER_FN (FerAdam) *adam);

void FER_FN (fer_adam_step) (FER_FN (FerAdam) *adam, fer_real *params, const fer_real *grads,
    double lr);

G_END_DECLS

#endif /* FER_ADAM_H */
