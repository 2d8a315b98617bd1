#include "nn/seed004-net.h"

#include <string.h>

static int
add (FerLayerSpec *layers, int *n, FerLayerSpec layer)
{
  layers[*n] = layer;
  return (*n)++;
}

static FerLayerSpec
named (FerLayerKind kind, int input, const char *format, const char *prefix)
{
  FerLayerSpec l = { .kind = kind, .input = input };
  if (format)
    g_snprintf (l.name, sizeof l.name, format, prefix);
  return l;
}

int
fer_seed004_add_conv_bn (FerLayerSpec *layers, int *n, const char *prefix, int input,
    int out_channels, int kernel, int stride, int padding)
{
  FerLayerSpec conv = named (FER_LAYER_CONV, input, "%s.0", prefix);
  conv.channels = out_channels;
  conv.kernel = kernel;
  conv.stride = stride;
  conv.padding = padding;
  const int c = add (layers, n, conv);
  return add (layers, n, named (FER_LAYER_BATCHNORM, c, "%s.1", prefix));
}

int
fer_seed004_add_basic_block (FerLayerSpec *layers, int *n, const char *prefix, int input,
    int in_channels, int out_channels, int stride)
{
  char path[48];
  g_snprintf (path, sizeof path, "%s.conv1", prefix);
  int x = fer_seed004_add_conv_bn (layers, n, path, input, out_channels, 3, stride, 1);
  x = add (layers, n, named (FER_LAYER_RELU, x, NULL, NULL));
  g_snprintf (path, sizeof path, "%s.conv2", prefix);
  x = fer_seed004_add_conv_bn (layers, n, path, x, out_channels, 3, 1, 1);
  int identity = input;
  if (stride != 1 || in_channels != out_channels) {
    g_snprintf (path, sizeof path, "%s.identity", prefix);
    identity = fer_seed004_add_conv_bn (layers, n, path, input, out_channels, 1, stride, 0);
  }
  FerLayerSpec sum = named (FER_LAYER_ADD, x, NULL, NULL);
  sum.input2 = identity;
  x = add (layers, n, sum);
  return add (layers, n, named (FER_LAYER_RELU, x, NULL, NULL));
}

/* Linear, ReLU, Dropout, Linear: the seed's heads (prefix.0 and prefix.3). */
static int
head (FerLayerSpec *layers, int *n, const char *prefix, int input, int hidden, int out,
    double dropout)
{
  FerLayerSpec fc = named (FER_LAYER_LINEAR, input, "%s.0", prefix);
  fc.channels = hidden;
  fc.bias = TRUE;
  int x = add (layers, n, fc);
  x = add (layers, n, named (FER_LAYER_RELU, x, NULL, NULL));
  FerLayerSpec drop = named (FER_LAYER_DROPOUT, x, NULL, NULL);
  drop.p = dropout;
  x = add (layers, n, drop);
  fc = named (FER_LAYER_LINEAR, x, "%s.3", prefix);
  fc.channels = out;
  fc.bias = TRUE;
  return add (layers, n, fc);
}

int
fer_seed004_my_model (FerLayerSpec *layers, double dropout, int *labels, int *offsets)
{
  int n = 0;
  int x = fer_seed004_add_conv_bn (layers, &n, "conv1", FER_NET_IMAGE, 4, 3, 1, 1);
  x = add (layers, &n, named (FER_LAYER_RELU, x, NULL, NULL));
  const int channels[4] = { 4, 4, 8, 8 };
  int previous = 4;
  for (int stage = 0; stage < 4; stage++)
    for (int block = 0; block < 2; block++) {
      char prefix[32];
      g_snprintf (prefix, sizeof prefix, "layer%d.%d", stage + 1, block);
      x = fer_seed004_add_basic_block (layers, &n, prefix, x, previous, channels[stage], 1);
      previous = channels[stage];
    }
  FerLayerSpec roi = named (FER_LAYER_ROI_POOL, x, NULL, NULL);
  roi.pooled = 5;
  const int features = add (layers, &n, roi);
  *labels = head (layers, &n, "fc_labels_model", features, 32, 2, dropout);
  *offsets = head (layers, &n, "fc_offsets_model", features, 128, 4, dropout);
  return n;
}

int
fer_seed004_detector_sized (FerLayerSpec *layers, int *classes, int *offsets)
{
  int n = 0;
  int x = fer_seed004_add_conv_bn (layers, &n, "conv1", FER_NET_IMAGE, 8, 3, 2, 1);
  x = add (layers, &n, named (FER_LAYER_RELU, x, NULL, NULL));
  x = fer_seed004_add_basic_block (layers, &n, "layer1.0", x, 8, 16, 2);
  x = fer_seed004_add_basic_block (layers, &n, "layer2.0", x, 16, 32, 2);
  x = fer_seed004_add_basic_block (layers, &n, "layer3.0", x, 32, 32, 2);
  FerLayerSpec head_conv = named (FER_LAYER_CONV, x, "classes", NULL);
  head_conv.channels = 4;
  head_conv.kernel = 1;
  head_conv.stride = 1;
  head_conv.bias = TRUE;
  *classes = add (layers, &n, head_conv);
  g_strlcpy (head_conv.name, "offsets", sizeof head_conv.name);
  head_conv.channels = 8;
  *offsets = add (layers, &n, head_conv);
  return n;
}
