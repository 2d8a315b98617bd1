/* seed004-net.h: seed 004's networks as layer lists (net.h): its BasicBlock and its MyModel, the
 * Fast R-CNN face detector built from them, with the module paths of its PyTorch code as tensor
 * names (conv1.0.weight, layer3.0.identity.0.weight, fc_labels_model.3.bias, ...).
 *
 * One difference from the seed's code: the seed keeps images as [C][W][H] (it transposes them
 * once read) and slices regions as [:, x:x+w, y:y+h]; here images are PyTorch's usual
 * [C][H][W] and regions [:, y:y+h, x:x+w].  The network is the same; a state_dict trained by the
 * seed's code would need its convolution kernels transposed (weight.transpose (2, 3)) and its
 * first linear layers' inputs reordered to be used here. */
#ifndef FER_SEED004_NET_H
#define FER_SEED004_NET_H

#include "nn/net.h"

G_BEGIN_DECLS

/* Appends Conv2d (bias=False) then BatchNorm2d, as the seed's nn.Sequential (prefix.0,
 * prefix.1), reading layer input; returns the index of the batchnorm.  layers must have room
 * for 2 more. */
int fer_seed004_add_conv_bn (FerLayerSpec *layers, int *n, const char *prefix, int input,
    int out_channels, int kernel, int stride, int padding);

/* Appends the layers of a BasicBlock named prefix ("layer1.0") reading layer input, with
 * in_channels in and out_channels out at stride; returns the index of its output (the final
 * ReLU).  layers must have room for 9 more. */
int fer_seed004_add_basic_block (FerLayerSpec *layers, int *n, const char *prefix, int input,
    int in_channels, int out_channels, int stride);

/* The seed's MyModel: conv1 (3 -> 4), layer1..layer4 (2 BasicBlocks each: 4, 4, 8, 8 channels,
 * stride 1), ROI pooling to 5x5, the label head (200 -> 32 -> 2) and the offset head
 * (200 -> 128 -> 4), each with ReLU and Dropout (dropout: the seed's 0.1).  Writes the layers
 * (at most FER_SEED004_MAX_LAYERS) and returns their count; *labels and *offsets get the index
 * of each head's output layer. */
#define FER_SEED004_MAX_LAYERS 96
int fer_seed004_my_model (FerLayerSpec *layers, double dropout, int *labels, int *offsets);

/* A detector-sized network for the engine's benchmark and parity test (not the product's
 * detector, whose network is fer-train-detector's): on 320x240 images, conv1 (3 -> 8, stride
 * 2), layer1.0..layer3.0 (a BasicBlock each: 16, 32, 32 channels, stride 2) down to a 20x15
 * map, and 1x1 convolution heads with bias, "classes" (4 channels: 2 anchors) and "offsets"
 * (8).  Returns the layer count; *classes and *offsets get the heads' indices. */
int fer_seed004_detector_sized (FerLayerSpec *layers, int *classes, int *offsets);

G_END_DECLS

#endif /* FER_SEED004_NET_H */
