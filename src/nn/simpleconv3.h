/* simpleconv3.h: the seed's network (see simpleconv3-layout.h), forward and backward.
 *
 * Inputs are PyTorch's [N][3][48][48], normalised.  The network is a layer list run by the
 * engine's network driver (net.h), whose arenas hold the parameters, gradients and running
 * statistics in the layout's state_dict order; this file is the seed's network's interface to
 * it (tensors by index, cross-entropy training, the sparse inference path).  Forward works for
 * any batch size: the activations grow to the largest batch seen (or to what
 * fer_simpleconv3_reserve asked for) and are reused, so steady-state calls do not allocate.
 * Compiled in both precisions (fer-real.h); the double build exists for gradient checks. */
#ifndef FER_SIMPLECONV3_H
#define FER_SIMPLECONV3_H

#include <stdint.h>
#include <glib.h>
#include "base/fer-rng.h"
#include "nn/fer-real.h"
#include "nn/net.h"
#include "nn/simpleconv3-layout.h"

G_BEGIN_DECLS

typedef struct {
  FerSimpleConv3Layout layout;
  gboolean training;        /* batch statistics (and running-stat updates) vs running stats */
  fer_real *params;         /* every trainable tensor, state_dict order (the net's arena) */
  fer_real *grads;          /* same layout as params; backward accumulates here */
  fer_real *buffers;        /* running_mean / running_var of the three batchnorms */
  int64_t *num_batches_tracked;   /* one per batchnorm */
  FER_FN (FerNet) *net;     /* the layers that compute all of it */
  FerRng rng;               /* the driver's training pass wants one (simpleconv3 draws none) */
  int capacity;             /* images the buffers below hold */
  fer_real *probs, *dlogits;   /* forward_backward's */
  gboolean ran;             /* a forward pass has run: its logits are readable */
} FER_FN (FerSimpleConv3);

/* A model with all tensors zero (fer_simpleconv3_init_weights or a model file fills them), in
 * training mode.  NULL when num_classes is out of range or memory is short. */
FER_FN (FerSimpleConv3) *FER_FN (fer_simpleconv3_new) (int num_classes);
void FER_FN (fer_simpleconv3_free) (FER_FN (FerSimpleConv3) *model);

/* PyTorch's default initialisation from a seeded generator: conv and linear weights
 * kaiming_uniform (a = sqrt 5), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)), biases the same bound,
 * batchnorm weight 1, bias 0, running mean 0, variance 1, counters 0.  Same seed, same weights. */
void FER_FN (fer_simpleconv3_init_weights) (FER_FN (FerSimpleConv3) *model, uint64_t seed);

/* The storage of a parameter or buffer tensor (NULL for a counter). */
fer_real *FER_FN (fer_simpleconv3_tensor) (FER_FN (FerSimpleConv3) *model,
    FerSimpleConv3Tensor index);
/* The gradient of a parameter tensor (NULL for buffers and counters). */
fer_real *FER_FN (fer_simpleconv3_grad) (FER_FN (FerSimpleConv3) *model,
    FerSimpleConv3Tensor index);

/* Makes room for batches up to batch images; FALSE when memory is short. */
gboolean FER_FN (fer_simpleconv3_reserve) (FER_FN (FerSimpleConv3) *model, int batch);

/* For a model that will only classify from now on (ferclassify, fer-eval): eval mode, and
 * transposed copies of the fc1 and fc2 weights so that eval-mode forward passes of up to
 * FER_SIMPLECONV3_SPARSE_MAX_BATCH images read only the weight rows of the non-zero
 * activations (fer_linear_forward_sparse_input: ~2.5x less memory for a mouth).  The copies are
 * not updated: the weights must not change afterwards (a training-mode forward pass frees them
 * and goes on as before).  FALSE when memory is short (the model then works as before). */
#define FER_SIMPLECONV3_SPARSE_MAX_BATCH 4
gboolean FER_FN (fer_simpleconv3_freeze) (FER_FN (FerSimpleConv3) *model);

/* Logits [batch][num_classes], valid until the next call.  In training mode the batchnorm
 * running statistics move, as in PyTorch.  NULL only when memory is short. */
const fer_real *FER_FN (fer_simpleconv3_forward) (FER_FN (FerSimpleConv3) *model,
    const fer_real *input, int batch);

/* Accumulates into model->grads the gradient of a loss whose gradient with respect to the logits
 * of the last forward pass (same batch, training mode) is dlogits. */
void FER_FN (fer_simpleconv3_backward) (FER_FN (FerSimpleConv3) *model, const fer_real *dlogits);

/* forward, mean cross-entropy against labels (with optional label smoothing) and backward, in
 * one call: returns the loss (NAN for a label outside the classes, with no gradient added).
 * The logits stay readable through fer_simpleconv3_logits. */
double FER_FN (fer_simpleconv3_forward_backward) (FER_FN (FerSimpleConv3) *model,
    const fer_real *input, const int *labels, int batch, double label_smoothing);

/* The logits of the last forward pass. */
const fer_real *FER_FN (fer_simpleconv3_logits) (FER_FN (FerSimpleConv3) *model);

void FER_FN (fer_simpleconv3_zero_grad) (FER_FN (FerSimpleConv3) *model);

G_END_DECLS

#endif /* FER_SIMPLECONV3_H */
