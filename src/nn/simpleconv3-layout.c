#include "nn/simpleconv3-layout.h"

#include <string.h>
#include "nn/conv2d.h"

const int fer_simpleconv3_conv_channels[FER_SIMPLECONV3_N_CONVS + 1] = { 3, 12, 24, 48 };

static void
add_tensor (FerSimpleConv3Layout *layout, int index, const char *name, FerTensorKind kind,
    int ndim, int64_t d0, int64_t d1, int64_t d2, int64_t d3)
{
  FerTensorSpec *t = &layout->tensors[index];
  const int64_t dims[FER_TENSOR_MAX_DIMS] = { d0, d1, d2, d3 };

  t->name = name;
  t->kind = kind;
  t->ndim = ndim;
  t->numel = 1;
  for (int i = 0; i < ndim; i++) {
    t->shape[i] = dims[i];
    t->numel *= dims[i];
  }
  switch (kind) {
    case FER_TENSOR_PARAMETER:
      t->offset = layout->n_params;
      layout->n_params += t->numel;
      break;
    case FER_TENSOR_BUFFER:
      t->offset = layout->n_buffers;
      layout->n_buffers += t->numel;
      break;
    case FER_TENSOR_COUNTER:
      t->offset = layout->n_counters++;
      break;
  }
}

/* Names are spelled out rather than formatted so that they are static strings. */
static const char *const conv_names[3][2] = {
  { "conv1.weight", "conv1.bias" }, { "conv2.weight", "conv2.bias" },
  { "conv3.weight", "conv3.bias" },
};
static const char *const bn_names[3][5] = {
  { "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked" },
  { "bn2.weight", "bn2.bias", "bn2.running_mean", "bn2.running_var", "bn2.num_batches_tracked" },
  { "bn3.weight", "bn3.bias", "bn3.running_mean", "bn3.running_var", "bn3.num_batches_tracked" },
};

gboolean
fer_simpleconv3_layout_init (FerSimpleConv3Layout *layout, int num_classes)
{
  if (num_classes < 2 || num_classes > FER_SIMPLECONV3_MAX_CLASSES)
    return FALSE;
  memset (layout, 0, sizeof *layout);
  layout->num_classes = num_classes;

  int size = FER_SIMPLECONV3_INPUT_SIZE;
  for (int i = 0; i < FER_SIMPLECONV3_N_CONVS; i++) {
    const int in = fer_simpleconv3_conv_channels[i], out = fer_simpleconv3_conv_channels[i + 1];
    const int base = FER_CONV1_WEIGHT + i * (FER_CONV2_WEIGHT - FER_CONV1_WEIGHT);
    const int k = FER_SIMPLECONV3_KERNEL;
    add_tensor (layout, base, conv_names[i][0], FER_TENSOR_PARAMETER, 4, out, in, k, k);
    add_tensor (layout, base + 1, conv_names[i][1], FER_TENSOR_PARAMETER, 1, out, 0, 0, 0);
    add_tensor (layout, base + 2, bn_names[i][0], FER_TENSOR_PARAMETER, 1, out, 0, 0, 0);
    add_tensor (layout, base + 3, bn_names[i][1], FER_TENSOR_PARAMETER, 1, out, 0, 0, 0);
    add_tensor (layout, base + 4, bn_names[i][2], FER_TENSOR_BUFFER, 1, out, 0, 0, 0);
    add_tensor (layout, base + 5, bn_names[i][3], FER_TENSOR_BUFFER, 1, out, 0, 0, 0);
    add_tensor (layout, base + 6, bn_names[i][4], FER_TENSOR_COUNTER, 0, 0, 0, 0, 0);
    size = fer_conv2d_output_size (size, k, FER_SIMPLECONV3_STRIDE, 0);
  }
  const int flat = fer_simpleconv3_conv_channels[FER_SIMPLECONV3_N_CONVS] * size * size;
  add_tensor (layout, FER_FC1_WEIGHT, "fc1.weight", FER_TENSOR_PARAMETER, 2,
      FER_SIMPLECONV3_FC1, flat, 0, 0);
  add_tensor (layout, FER_FC1_BIAS, "fc1.bias", FER_TENSOR_PARAMETER, 1,
      FER_SIMPLECONV3_FC1, 0, 0, 0);
  add_tensor (layout, FER_FC2_WEIGHT, "fc2.weight", FER_TENSOR_PARAMETER, 2,
      FER_SIMPLECONV3_FC2, FER_SIMPLECONV3_FC1, 0, 0);
  add_tensor (layout, FER_FC2_BIAS, "fc2.bias", FER_TENSOR_PARAMETER, 1,
      FER_SIMPLECONV3_FC2, 0, 0, 0);
  add_tensor (layout, FER_FC3_WEIGHT, "fc3.weight", FER_TENSOR_PARAMETER, 2,
      num_classes, FER_SIMPLECONV3_FC2, 0, 0);
  add_tensor (layout, FER_FC3_BIAS, "fc3.bias", FER_TENSOR_PARAMETER, 1, num_classes, 0, 0, 0);
  return TRUE;
}

const FerTensorSpec *
fer_simpleconv3_layout_find (const FerSimpleConv3Layout *layout, const char *name)
{
  for (int i = 0; i < FER_SIMPLECONV3_N_TENSORS; i++)
    if (strcmp (layout->tensors[i].name, name) == 0)
      return &layout->tensors[i];
  return NULL;
}
