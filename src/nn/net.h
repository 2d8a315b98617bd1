/* net.h: a network described as a list of layers, run by one forward/backward driver over one
 * parameter arena, one gradient arena and one workspace.  Seed 004's ResNet-style detector
 * (BasicBlocks: conv-BN-ReLU-conv-BN plus identity or 1x1 conv + BN, then ReLU; ROI pooling;
 * two heads) is a list of these; so can later networks be, without a hand-written forward each.
 *
 * Layers come in order; each reads the output of earlier layers (by index, or FER_NET_IMAGE for
 * the network's input), so residual connections are an "add" of two earlier outputs.  Feature
 * maps are kept channel-major, [C][N][H][W] (conv2d.h); after ROI pooling or flatten, rows of
 * features [rows][F] (rows: images, or regions after ROI pooling).  Tensors are named as in
 * PyTorch's state_dict: each layer's name is its module path ("layer1.0.conv1.0"), and its
 * tensors are name.weight, name.bias, name.running_mean, ... in PyTorch's order, so a state_dict
 * of the same network loads as it is.
 *
 * Numerics follow PyTorch's modules: Conv2d (bias optional), BatchNorm2d (momentum 0.1,
 * eps 1e-5), ReLU, MaxPool2d, AdaptiveMaxPool2d over regions, Linear, Dropout (training only),
 * and the sum of two maps. */
#ifndef FER_NET_H
#define FER_NET_H

#include <stddef.h>
#include <stdint.h>
#include <glib.h>
#include "base/fer-rng.h"
#include "nn/fer-real.h"
#include "nn/pool.h"

G_BEGIN_DECLS

#define FER_NET_IMAGE (-1)
#define FER_NET_MAX_LAYERS 256

typedef enum {
  FER_LAYER_CONV,        /* channels = out channels; kernel, stride, padding; bias */
  FER_LAYER_BATCHNORM,
  FER_LAYER_RELU,
  FER_LAYER_ADD,         /* input + input2, same shapes */
  FER_LAYER_MAXPOOL,     /* kernel, stride, padding */
  FER_LAYER_ROI_POOL,    /* pooled x pooled per region, flattened: rows of C * pooled^2 */
  FER_LAYER_FLATTEN,     /* a map to rows of C * H * W (PyTorch's view (N, -1)) */
  FER_LAYER_LINEAR,      /* channels = out features; bias */
  FER_LAYER_DROPOUT,     /* p */
} FerLayerKind;

typedef struct {
  FerLayerKind kind;
  char name[64];         /* state_dict prefix of its tensors; "" for layers without any */
  int input, input2;     /* earlier layers, or FER_NET_IMAGE */
  int channels;
  int kernel, stride, padding;
  gboolean bias;
  int pooled;
  double p;
  gboolean sparse_input; /* linear: its inputs come out of a ReLU, mostly zeros (see freeze) */
} FerLayerSpec;

typedef enum {
  FER_NET_PARAMETER,     /* learned: in the parameter and gradient arenas */
  FER_NET_BUFFER,        /* batchnorm running statistics */
  FER_NET_COUNTER,       /* num_batches_tracked (int64) */
} FerNetTensorKind;

typedef struct {
  char name[80];
  FerNetTensorKind kind;
  int ndim;
  int64_t shape[4];
  size_t numel;
  size_t offset;         /* into the arena of its kind */
} FerNetTensor;

typedef struct FER_FN (FerNetStruct) FER_FN (FerNet);

/* Checks that the layers chain (inputs earlier, shapes that fit, a known kind, parameters in
 * range) for images of in_channels x height x width, and allocates arenas for batches of up to
 * max_batch images and max_rois regions.  Errors name the layer (index and name). */
FER_FN (FerNet) *FER_FN (fer_net_new) (const FerLayerSpec *layers, int n_layers, int in_channels,
    int height, int width, int max_batch, int max_rois, GError **error);
void FER_FN (fer_net_free) (FER_FN (FerNet) *net);

/* The layers and input the net was made from. */
const FerLayerSpec *FER_FN (fer_net_layers) (const FER_FN (FerNet) *net, int *n_layers);
void FER_FN (fer_net_input_shape) (const FER_FN (FerNet) *net, int *channels, int *height,
    int *width);
/* The name of a layer kind ("conv", "batchnorm", ...), and the kind of a name (-1: none). */
const char *fer_layer_kind_name (FerLayerKind kind);
int fer_layer_kind_from_name (const char *name);

int FER_FN (fer_net_n_tensors) (const FER_FN (FerNet) *net);
const FerNetTensor *FER_FN (fer_net_tensor_info) (const FER_FN (FerNet) *net, int index);
/* The tensor's values (counters: NULL; see fer_net_counter) and, for parameters, its gradient. */
fer_real *FER_FN (fer_net_tensor) (FER_FN (FerNet) *net, int index);
fer_real *FER_FN (fer_net_grad) (FER_FN (FerNet) *net, int index);
int64_t *FER_FN (fer_net_counter) (FER_FN (FerNet) *net, int index);
/* The index of the tensor called name, or -1. */
int FER_FN (fer_net_find_tensor) (const FER_FN (FerNet) *net, const char *name);
/* Copies tensor j of src into tensor i of dst (values or counter); the caller has checked that
 * they are of the same kind and size. */
void FER_FN (fer_net_copy_tensor) (FER_FN (FerNet) *dst, int i, FER_FN (FerNet) *src, int j);

/* All parameters and all gradients, each one flat array (for the optimisers). */
fer_real *FER_FN (fer_net_params) (FER_FN (FerNet) *net, size_t *count);
fer_real *FER_FN (fer_net_grads) (FER_FN (FerNet) *net, size_t *count);
void FER_FN (fer_net_zero_grad) (FER_FN (FerNet) *net);

/* PyTorch's default initialisation (Conv2d and Linear: weights and biases uniform in
 * +-1/sqrt (fan_in); BatchNorm: weight 1, bias 0, running mean 0, variance 1), from a seed. */
void FER_FN (fer_net_init_weights) (FER_FN (FerNet) *net, uint64_t seed);

/* Room for batches of up to max_batch images and max_rois regions (the activations are
 * reallocated when they grow; parameters stay where they are).  FALSE when memory is short (the
 * net then refuses every forward until a reserve succeeds). */
gboolean FER_FN (fer_net_reserve) (FER_FN (FerNet) *net, int max_batch, int max_rois);

/* For inference: each linear layer marked sparse_input keeps its weight transposed, and for up
 * to FER_NET_SPARSE_MAX_ROWS rows adds only the weight rows of its non-zero inputs (an exact
 * zero skipped: the plain input-order sum; fer_linear_forward_sparse_input).  A training forward
 * thaws the net (the weights are about to change).  FALSE (thawed) when memory is short. */
#define FER_NET_SPARSE_MAX_ROWS 4
gboolean FER_FN (fer_net_freeze) (FER_FN (FerNet) *net);
void FER_FN (fer_net_thaw) (FER_FN (FerNet) *net);
gboolean FER_FN (fer_net_is_frozen) (const FER_FN (FerNet) *net);

/* Runs the layers on images ([batch][C][H][W], PyTorch's layout) and, for ROI pooling, regions
 * of the feature maps.  training: batch statistics (and running statistics updated), dropout
 * drawn from rng (which may be NULL otherwise).  The first training forward also makes the
 * buffers the backward pass needs (a net that only infers never holds them: about half the
 * memory).  FALSE when batch or n_rois exceed what the net was made for, a region names an
 * image outside the batch, or memory is short for the training buffers (then every forward is
 * refused, as after a failed fer_net_reserve). */
gboolean FER_FN (fer_net_forward) (FER_FN (FerNet) *net, const fer_real *images, int batch,
    const FerRoi *rois, int n_rois, gboolean training, FerRng *rng);

/* A layer's output after the forward pass ([rows][features] for rows, [C][N][H][W] for maps),
 * and, after a training forward, its gradient buffer (NULL before the first), laid out the
 * same: set it for each output the loss reads, then call fer_net_backward.  A layer whose only
 * reader is a ReLU shares the ReLU's buffers (as PyTorch's inplace=True): after the forward
 * pass it holds the ReLU's output.  After an evaluation forward, a convolution whose only reader
 * is a batchnorm has no output of its own (NULL): it wrote the batchnorm's (the batchnorm folded
 * into it, the same values).  After a backward pass, such a convolution's gradient buffer may
 * hold nothing of use: its backward pass can make the batchnorm's input gradient as it reads it
 * instead. */
fer_real *FER_FN (fer_net_output) (FER_FN (FerNet) *net, int layer);
fer_real *FER_FN (fer_net_output_grad) (FER_FN (FerNet) *net, int layer);
/* channels, height, width of a layer's output per image (rows: features, 1, 1); its row count
 * for the last forward (images or regions). */
void FER_FN (fer_net_layer_shape) (const FER_FN (FerNet) *net, int layer, int *channels,
    int *height, int *width, int *rows);

/* After a training forward, clears the output gradients that backward adds to (call before
 * setting the loss's gradients; a layer whose only reader is a batchnorm is left as it is: the
 * batchnorm overwrites it). */
void FER_FN (fer_net_clear_output_grads) (FER_FN (FerNet) *net);
/* Back through the layers of the last training forward, from the gradients set on outputs;
 * parameter gradients are accumulated into the gradient arena. */
void FER_FN (fer_net_backward) (FER_FN (FerNet) *net);

/* Per-layer wall time, for profilers and benches: while set, each forward and backward pass
 * adds every layer's microseconds to forward_us[i] and backward_us[i] (an array of n_layers
 * each; NULL: off).  A residual block's projection computed with its first convolution counts
 * in that convolution's time. */
void FER_FN (fer_net_set_layer_timer) (FER_FN (FerNet) *net, double *forward_us,
    double *backward_us);

G_END_DECLS

#endif /* FER_NET_H */
