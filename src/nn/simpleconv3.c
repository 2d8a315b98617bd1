#include "nn/simpleconv3.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/cross-entropy.h"
#include "nn/fer-threads.h"

typedef FER_FN (FerSimpleConv3) Model;

static fer_real *
tensor (Model *model, FerSimpleConv3Tensor index)
{
  return FER_FN (fer_simpleconv3_tensor) (model, index);
}

/* The seed's network as layers: three conv (3x3, stride 2, bias) -> batchnorm -> ReLU stages,
 * flatten (PyTorch's view (N, 48 * 5 * 5)), fc1 -> ReLU -> fc2 -> ReLU -> fc3.  fc1 and fc2 read
 * ReLU outputs, mostly zeros for real mouths: the frozen (inference) path skips them. */
static int
layers_of (FerLayerSpec *layers, int num_classes)
{
  int n = 0;
  for (int k = 0; k < FER_SIMPLECONV3_N_CONVS; k++) {
    layers[n] = (FerLayerSpec) { .kind = FER_LAYER_CONV, .input = n - 1,
      .channels = fer_simpleconv3_conv_channels[k + 1], .kernel = FER_SIMPLECONV3_KERNEL,
      .stride = FER_SIMPLECONV3_STRIDE, .bias = TRUE };
    g_snprintf (layers[n].name, sizeof layers[n].name, "conv%d", k + 1);
    n++;
    layers[n] = (FerLayerSpec) { .kind = FER_LAYER_BATCHNORM, .input = n - 1 };
    g_snprintf (layers[n].name, sizeof layers[n].name, "bn%d", k + 1);
    n++;
    layers[n] = (FerLayerSpec) { .kind = FER_LAYER_RELU, .input = n - 1 };
    n++;
  }
  layers[n] = (FerLayerSpec) { .kind = FER_LAYER_FLATTEN, .input = n - 1 };
  n++;
  const int features[3] = { FER_SIMPLECONV3_FC1, FER_SIMPLECONV3_FC2, num_classes };
  for (int k = 0; k < 3; k++) {
    layers[n] = (FerLayerSpec) { .kind = FER_LAYER_LINEAR, .input = n - 1,
      .channels = features[k], .bias = TRUE, .sparse_input = k < 2 };
    g_snprintf (layers[n].name, sizeof layers[n].name, "fc%d", k + 1);
    n++;
    if (k < 2) {
      layers[n] = (FerLayerSpec) { .kind = FER_LAYER_RELU, .input = n - 1 };
      n++;
    }
  }
  return n;
}

/* The net's arenas in the layout's order: each tensor where the layout says it is. */
static gboolean
same_layout (const Model *model)
{
  const FER_FN (FerNet) *net = model->net;
  if (FER_FN (fer_net_n_tensors) (net) != FER_SIMPLECONV3_N_TENSORS)
    return FALSE;
  for (int t = 0; t < FER_SIMPLECONV3_N_TENSORS; t++) {
    const FerTensorSpec *spec = &model->layout.tensors[t];
    const FerNetTensor *info = FER_FN (fer_net_tensor_info) (net, t);
    if (strcmp (spec->name, info->name) != 0 || spec->numel != info->numel
        || spec->offset != info->offset || (int) spec->kind != (int) info->kind)
      return FALSE;
  }
  return TRUE;
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
  fer_rng_init (&model->rng, 1);
  FerLayerSpec layers[16];
  const int n = layers_of (layers, num_classes);
  model->net = FER_FN (fer_net_new) (layers, n, FER_SIMPLECONV3_INPUT_CHANNELS,
      FER_SIMPLECONV3_INPUT_SIZE, FER_SIMPLECONV3_INPUT_SIZE, 1, 0, NULL);
  if (model->net == NULL || !same_layout (model)) {
    FER_FN (fer_simpleconv3_free) (model);
    return NULL;
  }
  size_t count;
  model->params = FER_FN (fer_net_params) (model->net, &count);
  model->grads = FER_FN (fer_net_grads) (model->net, &count);
  model->buffers = FER_FN (fer_net_tensor) (model->net, FER_BN1_RUNNING_MEAN);
  model->num_batches_tracked = FER_FN (fer_net_counter) (model->net, FER_BN1_NUM_BATCHES);
  return model;
}

void
FER_FN (fer_simpleconv3_free) (Model *model)
{
  if (model == NULL)
    return;
  FER_FN (fer_net_free) (model->net);
  free (model->probs);
  free (model->dlogits);
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

/* The index of the last layer: fc3, the logits. */
static int
logits_layer (const Model *model)
{
  int n;
  FER_FN (fer_net_layers) (model->net, &n);
  return n - 1;
}

gboolean
FER_FN (fer_simpleconv3_reserve) (Model *model, int batch)
{
  if (batch <= 0)
    return FALSE;
  if (batch <= model->capacity)
    return TRUE;
  if (!FER_FN (fer_net_reserve) (model->net, batch, 0))
    return FALSE;
  const size_t n = (size_t) batch * model->layout.num_classes;
  fer_real *probs = realloc (model->probs, n * sizeof *probs);
  if (probs)
    model->probs = probs;
  fer_real *dlogits = realloc (model->dlogits, n * sizeof *dlogits);
  if (dlogits)
    model->dlogits = dlogits;
  if (probs == NULL || dlogits == NULL)
    return FALSE;
  model->capacity = batch;
  return TRUE;
}

gboolean
FER_FN (fer_simpleconv3_freeze) (Model *model)
{
  model->training = FALSE;
  return FER_FN (fer_net_freeze) (model->net);
}

const fer_real *
FER_FN (fer_simpleconv3_forward) (Model *model, const fer_real *input, int batch)
{
  if (!FER_FN (fer_simpleconv3_reserve) (model, batch)
      || !FER_FN (fer_net_forward) (model->net, input, batch, NULL, 0, model->training,
          &model->rng))
    return NULL;
  model->ran = TRUE;
  return FER_FN (fer_net_output) (model->net, logits_layer (model));
}

void
FER_FN (fer_simpleconv3_backward) (Model *model, const fer_real *dlogits)
{
  g_return_if_fail (model->ran);
  int classes, height, width, rows;
  const int last = logits_layer (model);
  FER_FN (fer_net_layer_shape) (model->net, last, &classes, &height, &width, &rows);
  FER_FN (fer_net_clear_output_grads) (model->net);
  memcpy (FER_FN (fer_net_output_grad) (model->net, last), dlogits,
      (size_t) rows * classes * sizeof *dlogits);
  FER_FN (fer_net_backward) (model->net);
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
  const double loss = FER_FN (fer_cross_entropy_forward) (model->probs, logits, labels, batch,
      classes, label_smoothing);
  memset (model->dlogits, 0, (size_t) batch * classes * sizeof (fer_real));
  FER_FN (fer_cross_entropy_backward) (model->dlogits, model->probs, labels, batch, classes,
      label_smoothing);
  FER_FN (fer_simpleconv3_backward) (model, model->dlogits);
  return loss;
}

const fer_real *
FER_FN (fer_simpleconv3_logits) (Model *model)
{
  return model->ran ? FER_FN (fer_net_output) (model->net, logits_layer (model)) : NULL;
}

void
FER_FN (fer_simpleconv3_zero_grad) (Model *model)
{
  FER_FN (fer_net_zero_grad) (model->net);
}
