#include "nn/simpleconv3.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/cross-entropy.h"
#include "base/fer-rng.h"
#include "nn/fer-threads.h"
#include "nn/fer-parallel.h"
#include "nn/flatten.h"
#include "nn/linear.h"
#include "nn/relu.h"

typedef FER_FN (FerSimpleConv3) Model;

/* memset to zero, split across threads when large: backward clears ~5 MB per batch of 64. */
static void
zero (fer_real *data, size_t n)
{
  const size_t chunk = 16384;
  const size_t chunks = (n + chunk - 1) / chunk;
  FER_PARALLEL_FOR (n)
  for (size_t i = 0; i < chunks; i++)
    memset (data + i * chunk, 0, MIN (chunk, n - i * chunk) * sizeof *data);
}

/* One conv -> batchnorm -> relu stage.  out is the convolution's output (batchnorm's input, kept
 * for its backward); act is relu (batchnorm (out)), the next stage's input. */
typedef struct {
  FerConv2d conv;
  int in_size, out_size;
  fer_real *col, *out, *act, *mean, *invstd;
  fer_real *d_out, *d_act;
} Stage;

struct FER_FN (_FerSimpleConv3Workspace) {
  int capacity;          /* largest batch the buffers hold */
  int batch;             /* batch of the last forward pass */
  gboolean can_backward; /* the last forward pass ran in training mode */
  Stage stages[FER_SIMPLECONV3_N_CONVS];
  fer_real *flat, *h1, *h2, *logits, *probs;
  fer_real *dcol, *dflat, *dh1, *dh2, *dlogits;
  fer_real *memory;
};

static fer_real *
tensor (Model *model, FerSimpleConv3Tensor index)
{
  return FER_FN (fer_simpleconv3_tensor) (model, index);
}

static fer_real *
grad (Model *model, FerSimpleConv3Tensor index)
{
  return FER_FN (fer_simpleconv3_grad) (model, index);
}

/* The tensors of stage i are laid out like those of stage 0, one stride further. */
static FerSimpleConv3Tensor
stage_tensor (int stage, FerSimpleConv3Tensor first_stage_tensor)
{
  return first_stage_tensor + stage * (FER_CONV2_WEIGHT - FER_CONV1_WEIGHT);
}

Model *
FER_FN (fer_simpleconv3_new) (int num_classes)
{
  fer_threads_init ();
  Model *model = calloc (1, sizeof *model);
  if (model == NULL)
    return NULL;
  if (!fer_simpleconv3_layout_init (&model->layout, num_classes)) {
    free (model);
    return NULL;
  }
  model->training = TRUE;
  model->bn_momentum = 0.1;
  model->bn_eps = 1e-5;
  model->params = calloc (model->layout.n_params, sizeof (fer_real));
  model->grads = calloc (model->layout.n_params, sizeof (fer_real));
  model->buffers = calloc (model->layout.n_buffers, sizeof (fer_real));
  if (model->params == NULL || model->grads == NULL || model->buffers == NULL) {
    FER_FN (fer_simpleconv3_free) (model);
    return NULL;
  }
  return model;
}

void
FER_FN (fer_simpleconv3_free) (Model *model)
{
  if (model == NULL)
    return;
  if (model->workspace != NULL)
    free (model->workspace->memory);
  free (model->workspace);
  free (model->fc_transposed);
  free (model->params);
  free (model->grads);
  free (model->buffers);
  free (model);
}

fer_real *
FER_FN (fer_simpleconv3_tensor) (Model *model, FerSimpleConv3Tensor index)
{
  const FerTensorSpec *spec = &model->layout.tensors[index];
  switch (spec->kind) {
    case FER_TENSOR_PARAMETER:
      return model->params + spec->offset;
    case FER_TENSOR_BUFFER:
      return model->buffers + spec->offset;
    case FER_TENSOR_COUNTER:
      break;
  }
  return NULL;
}

fer_real *
FER_FN (fer_simpleconv3_grad) (Model *model, FerSimpleConv3Tensor index)
{
  const FerTensorSpec *spec = &model->layout.tensors[index];
  return spec->kind == FER_TENSOR_PARAMETER ? model->grads + spec->offset : NULL;
}

void
FER_FN (fer_simpleconv3_init_weights) (Model *model, uint64_t seed)
{
  FerRng rng;
  fer_rng_init (&rng, seed);

  for (int i = 0; i < FER_SIMPLECONV3_N_TENSORS; i++) {
    const FerTensorSpec *spec = &model->layout.tensors[i];
    fer_real *data = tensor (model, i);
    gboolean is_batchnorm = g_str_has_prefix (spec->name, "bn");

    if (spec->kind == FER_TENSOR_COUNTER) {
      model->num_batches_tracked[spec->offset] = 0;
      continue;
    }
    if (is_batchnorm) {
      /* weight and running_var start at 1, bias and running_mean at 0. */
      const gboolean one = g_str_has_suffix (spec->name, ".weight")
          || g_str_has_suffix (spec->name, ".running_var");
      for (size_t j = 0; j < spec->numel; j++)
        data[j] = one ? 1 : 0;
      continue;
    }
    /* A bias follows its weight; both use the weight's fan-in.  kaiming_uniform with
     * a = sqrt (5) reduces to the same bound as the bias: 1 / sqrt (fan_in). */
    const FerTensorSpec *weight = g_str_has_suffix (spec->name, ".bias") ? spec - 1 : spec;
    size_t fan_in = weight->numel / weight->shape[0];
    const double bound = 1.0 / sqrt ((double) fan_in);
    for (size_t j = 0; j < spec->numel; j++)
      data[j] = (fer_real) fer_rng_uniform_range (&rng, -bound, bound);
  }
}

/* Carves the workspace of a given capacity out of one allocation (or, with memory NULL, only
 * counts its size).  Every buffer starts on a 64-byte boundary. */
static size_t
layout_workspace (FER_FN (FerSimpleConv3Workspace) *ws, fer_real *memory, int capacity,
    int num_classes)
{
  size_t used = 0;
#define CARVE(ptr, count) do { \
    (ptr) = memory ? memory + used : NULL; \
    used += ((size_t) (count) + 15) & ~(size_t) 15; \
  } while (0)

  size_t largest_col = 0;
  int size = FER_SIMPLECONV3_INPUT_SIZE;
  for (int i = 0; i < FER_SIMPLECONV3_N_CONVS; i++) {
    Stage *s = &ws->stages[i];
    s->conv = (FerConv2d) { fer_simpleconv3_conv_channels[i], fer_simpleconv3_conv_channels[i + 1],
      FER_SIMPLECONV3_KERNEL, FER_SIMPLECONV3_STRIDE, 0 };
    s->in_size = size;
    s->out_size = size = fer_conv2d_output_size (size, s->conv.kernel, s->conv.stride, 0);
    const size_t positions = (size_t) capacity * size * size;
    const size_t col = (size_t) s->conv.in_channels * s->conv.kernel * s->conv.kernel * positions;
    const size_t act = (size_t) s->conv.out_channels * positions;
    largest_col = MAX (largest_col, col);
    CARVE (s->col, col);
    CARVE (s->out, act);
    CARVE (s->act, act);
    CARVE (s->d_out, act);
    CARVE (s->d_act, act);
    CARVE (s->mean, s->conv.out_channels);
    CARVE (s->invstd, s->conv.out_channels);
  }
  const size_t flat = (size_t) fer_simpleconv3_conv_channels[FER_SIMPLECONV3_N_CONVS] * size * size;
  CARVE (ws->flat, capacity * flat);
  CARVE (ws->h1, capacity * FER_SIMPLECONV3_FC1);
  CARVE (ws->h2, capacity * FER_SIMPLECONV3_FC2);
  CARVE (ws->logits, capacity * num_classes);
  CARVE (ws->probs, capacity * num_classes);
  CARVE (ws->dcol, largest_col);
  CARVE (ws->dflat, capacity * flat);
  CARVE (ws->dh1, capacity * FER_SIMPLECONV3_FC1);
  CARVE (ws->dh2, capacity * FER_SIMPLECONV3_FC2);
  CARVE (ws->dlogits, capacity * num_classes);
#undef CARVE
  return used;
}

gboolean
FER_FN (fer_simpleconv3_reserve) (Model *model, int batch)
{
  FER_FN (FerSimpleConv3Workspace) *ws = model->workspace;
  if (batch <= 0)
    return FALSE;
  if (ws != NULL && ws->capacity >= batch)
    return TRUE;

  FER_FN (FerSimpleConv3Workspace) *grown = calloc (1, sizeof *grown);
  if (grown == NULL)
    return FALSE;
  const size_t count = layout_workspace (grown, NULL, batch, model->layout.num_classes);
  if (posix_memalign ((void **) &grown->memory, 64, count * sizeof (fer_real)) != 0) {
    free (grown);
    return FALSE;
  }
  layout_workspace (grown, grown->memory, batch, model->layout.num_classes);
  grown->capacity = batch;
  if (ws != NULL)
    free (ws->memory);
  free (ws);
  model->workspace = grown;
  return TRUE;
}

gboolean
FER_FN (fer_simpleconv3_freeze) (Model *model)
{
  /* fc1's inputs: the flattened last stage (48 x 5 x 5). */
  const size_t flat = (size_t) model->layout.tensors[FER_FC1_WEIGHT].shape[1];
  model->training = FALSE;
  free (model->fc_transposed);
  model->fc_transposed = malloc ((flat * FER_SIMPLECONV3_FC1
          + (size_t) FER_SIMPLECONV3_FC1 * FER_SIMPLECONV3_FC2) * sizeof (fer_real));
  if (model->fc_transposed == NULL)
    return FALSE;
  FER_FN (fer_linear_transpose_weight) (model->fc_transposed, tensor (model, FER_FC1_WEIGHT),
      flat, FER_SIMPLECONV3_FC1);
  FER_FN (fer_linear_transpose_weight) (model->fc_transposed + flat * FER_SIMPLECONV3_FC1,
      tensor (model, FER_FC2_WEIGHT), FER_SIMPLECONV3_FC1, FER_SIMPLECONV3_FC2);
  return TRUE;
}

/* fc1 and fc2 (each followed by its ReLU): from the frozen transposed weights when there are
 * any and the batch is small, else as a dense product. */
static void
fully_connected (Model *model, FER_FN (FerSimpleConv3Workspace) *ws, int batch, int flat)
{
  if (model->training)
    g_clear_pointer (&model->fc_transposed, free);   /* the weights are about to change */
  if (model->fc_transposed != NULL && batch <= FER_SIMPLECONV3_SPARSE_MAX_BATCH) {
    FER_FN (fer_linear_forward_sparse_input) (ws->h1, ws->flat, model->fc_transposed,
        tensor (model, FER_FC1_BIAS), batch, flat, FER_SIMPLECONV3_FC1);
    FER_FN (fer_relu_forward) (ws->h1, (size_t) batch * FER_SIMPLECONV3_FC1);
    FER_FN (fer_linear_forward_sparse_input) (ws->h2, ws->h1,
        model->fc_transposed + (size_t) flat * FER_SIMPLECONV3_FC1,
        tensor (model, FER_FC2_BIAS), batch, FER_SIMPLECONV3_FC1, FER_SIMPLECONV3_FC2);
  } else {
    FER_FN (fer_linear_forward) (ws->h1, ws->flat, tensor (model, FER_FC1_WEIGHT),
        tensor (model, FER_FC1_BIAS), batch, flat, FER_SIMPLECONV3_FC1);
    FER_FN (fer_relu_forward) (ws->h1, (size_t) batch * FER_SIMPLECONV3_FC1);
    FER_FN (fer_linear_forward) (ws->h2, ws->h1, tensor (model, FER_FC2_WEIGHT),
        tensor (model, FER_FC2_BIAS), batch, FER_SIMPLECONV3_FC1, FER_SIMPLECONV3_FC2);
  }
  FER_FN (fer_relu_forward) (ws->h2, (size_t) batch * FER_SIMPLECONV3_FC2);
}

const fer_real *
FER_FN (fer_simpleconv3_forward) (Model *model, const fer_real *input, int batch)
{
  if (!FER_FN (fer_simpleconv3_reserve) (model, batch))
    return NULL;
  FER_FN (FerSimpleConv3Workspace) *ws = model->workspace;
  const int classes = model->layout.num_classes;

  const fer_real *in = input;
  FerImageStrides strides = fer_strides_nchw (FER_SIMPLECONV3_INPUT_CHANNELS,
      FER_SIMPLECONV3_INPUT_SIZE, FER_SIMPLECONV3_INPUT_SIZE);
  for (int i = 0; i < FER_SIMPLECONV3_N_CONVS; i++) {
    Stage *s = &ws->stages[i];
    const int channels = s->conv.out_channels;
    const size_t count = (size_t) batch * s->out_size * s->out_size;
    const fer_real *gamma = tensor (model, stage_tensor (i, FER_BN1_WEIGHT));
    const fer_real *beta = tensor (model, stage_tensor (i, FER_BN1_BIAS));
    fer_real *running_mean = tensor (model, stage_tensor (i, FER_BN1_RUNNING_MEAN));
    fer_real *running_var = tensor (model, stage_tensor (i, FER_BN1_RUNNING_VAR));

    FER_FN (fer_conv2d_forward) (s->out, s->col, in, strides,
        tensor (model, stage_tensor (i, FER_CONV1_WEIGHT)),
        tensor (model, stage_tensor (i, FER_CONV1_BIAS)), &s->conv, batch, s->in_size,
        s->in_size);
    if (model->training) {
      FER_FN (fer_batchnorm_forward_train) (s->act, s->mean, s->invstd, s->out, gamma, beta,
          running_mean, running_var, channels, count, model->bn_momentum, model->bn_eps);
      model->num_batches_tracked[i]++;
    } else {
      FER_FN (fer_batchnorm_forward_eval) (s->act, s->out, gamma, beta, running_mean,
          running_var, channels, count, model->bn_eps);
    }
    FER_FN (fer_relu_forward) (s->act, channels * count);
    in = s->act;
    strides = fer_strides_cnhw (batch, s->out_size, s->out_size);
  }

  const Stage *last = &ws->stages[FER_SIMPLECONV3_N_CONVS - 1];
  const int spatial = last->out_size * last->out_size;
  const int flat = last->conv.out_channels * spatial;
  FER_FN (fer_flatten_forward) (ws->flat, last->act, last->conv.out_channels, batch, spatial);
  fully_connected (model, ws, batch, flat);
  FER_FN (fer_linear_forward) (ws->logits, ws->h2, tensor (model, FER_FC3_WEIGHT),
      tensor (model, FER_FC3_BIAS), batch, FER_SIMPLECONV3_FC2, classes);

  ws->batch = batch;
  ws->can_backward = model->training;
  return ws->logits;
}

void
FER_FN (fer_simpleconv3_backward) (Model *model, const fer_real *dlogits)
{
  FER_FN (FerSimpleConv3Workspace) *ws = model->workspace;
  g_return_if_fail (ws != NULL && ws->can_backward);
  const int batch = ws->batch, classes = model->layout.num_classes;
  const Stage *last = &ws->stages[FER_SIMPLECONV3_N_CONVS - 1];
  const int spatial = last->out_size * last->out_size;
  const int flat = last->conv.out_channels * spatial;

  /* Every activation gradient below is accumulated into, so it starts at zero. */
  zero (ws->dh2, (size_t) batch * FER_SIMPLECONV3_FC2);
  zero (ws->dh1, (size_t) batch * FER_SIMPLECONV3_FC1);
  zero (ws->dflat, (size_t) batch * flat);
  for (int i = 0; i < FER_SIMPLECONV3_N_CONVS; i++) {
    const Stage *s = &ws->stages[i];
    const size_t n = (size_t) s->conv.out_channels * batch * s->out_size * s->out_size;
    zero (s->d_out, n);
    zero (s->d_act, n);
  }

  FER_FN (fer_linear_backward) (ws->dh2, grad (model, FER_FC3_WEIGHT), grad (model, FER_FC3_BIAS),
      dlogits, ws->h2, tensor (model, FER_FC3_WEIGHT), batch, FER_SIMPLECONV3_FC2, classes);
  FER_FN (fer_relu_backward) (ws->dh2, ws->h2, (size_t) batch * FER_SIMPLECONV3_FC2);
  FER_FN (fer_linear_backward) (ws->dh1, grad (model, FER_FC2_WEIGHT), grad (model, FER_FC2_BIAS),
      ws->dh2, ws->h1, tensor (model, FER_FC2_WEIGHT), batch, FER_SIMPLECONV3_FC1,
      FER_SIMPLECONV3_FC2);
  FER_FN (fer_relu_backward) (ws->dh1, ws->h1, (size_t) batch * FER_SIMPLECONV3_FC1);
  FER_FN (fer_linear_backward) (ws->dflat, grad (model, FER_FC1_WEIGHT),
      grad (model, FER_FC1_BIAS), ws->dh1, ws->flat, tensor (model, FER_FC1_WEIGHT), batch,
      flat, FER_SIMPLECONV3_FC1);
  FER_FN (fer_flatten_backward) (last->d_act, ws->dflat, last->conv.out_channels, batch,
      spatial);

  for (int i = FER_SIMPLECONV3_N_CONVS - 1; i >= 0; i--) {
    const Stage *s = &ws->stages[i];
    const int channels = s->conv.out_channels;
    const size_t count = (size_t) batch * s->out_size * s->out_size;

    FER_FN (fer_relu_backward) (s->d_act, s->act, channels * count);
    FER_FN (fer_batchnorm_backward) (s->d_out, grad (model, stage_tensor (i, FER_BN1_WEIGHT)),
        grad (model, stage_tensor (i, FER_BN1_BIAS)), s->d_act, s->out, s->mean, s->invstd,
        tensor (model, stage_tensor (i, FER_BN1_WEIGHT)), channels, count);
    /* The first stage's input is the image: no gradient needed there. */
    fer_real *din = i > 0 ? ws->stages[i - 1].d_act : NULL;
    FER_FN (fer_conv2d_backward) (din, grad (model, stage_tensor (i, FER_CONV1_WEIGHT)),
        grad (model, stage_tensor (i, FER_CONV1_BIAS)), ws->dcol, s->d_out, s->col,
        tensor (model, stage_tensor (i, FER_CONV1_WEIGHT)),
        fer_strides_cnhw (batch, s->in_size, s->in_size), &s->conv, batch, s->in_size,
        s->in_size);
  }
}

double
FER_FN (fer_simpleconv3_forward_backward) (Model *model, const fer_real *input,
    const int *labels, int batch, double label_smoothing)
{
  const int classes = model->layout.num_classes;
  for (int n = 0; n < batch; n++)
    if (labels[n] < 0 || labels[n] >= classes)
      return NAN;

  const fer_real *logits = FER_FN (fer_simpleconv3_forward) (model, input, batch);
  if (logits == NULL)
    return NAN;
  FER_FN (FerSimpleConv3Workspace) *ws = model->workspace;
  const double loss = FER_FN (fer_cross_entropy_forward) (ws->probs, logits, labels, batch,
      classes, label_smoothing);
  memset (ws->dlogits, 0, (size_t) batch * classes * sizeof (fer_real));
  FER_FN (fer_cross_entropy_backward) (ws->dlogits, ws->probs, labels, batch, classes,
      label_smoothing);
  FER_FN (fer_simpleconv3_backward) (model, ws->dlogits);
  return loss;
}

const fer_real *
FER_FN (fer_simpleconv3_logits) (Model *model)
{
  return model->workspace ? model->workspace->logits : NULL;
}

void
FER_FN (fer_simpleconv3_zero_grad) (Model *model)
{
  zero (model->grads, model->layout.n_params);
}
