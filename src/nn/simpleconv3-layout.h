/* simpleconv3-layout.h: the tensors of the seed's simpleconv3, named and ordered exactly as
 * PyTorch's state_dict, and where each one lives in the model's arenas.
 *
 *   conv(3->12, k3, s2) BN ReLU, conv(12->24, k3, s2) BN ReLU, conv(24->48, k3, s2) BN ReLU,
 *   flatten 48*5*5, fc 1200->1200 ReLU, fc 1200->128 ReLU, fc 128->classes
 *
 * Trainable parameters share one arena (and their gradients a second of the same layout) so the
 * optimiser is one flat loop; batchnorm's running statistics share a third; the three
 * num_batches_tracked counters are int64 in PyTorch and kept apart. */
#ifndef FER_SIMPLECONV3_LAYOUT_H
#define FER_SIMPLECONV3_LAYOUT_H

#include <stddef.h>
#include <stdint.h>
#include <glib.h>

G_BEGIN_DECLS

#define FER_SIMPLECONV3_INPUT_SIZE 48
#define FER_SIMPLECONV3_INPUT_CHANNELS 3
#define FER_SIMPLECONV3_MAX_CLASSES 1000
#define FER_TENSOR_MAX_DIMS 4

typedef enum {
  FER_TENSOR_PARAMETER,  /* trainable, float, in the parameter arena */
  FER_TENSOR_BUFFER,     /* running statistic, float, in the buffer arena */
  FER_TENSOR_COUNTER,    /* num_batches_tracked, int64 */
} FerTensorKind;

typedef struct {
  const char *name;      /* PyTorch state_dict key */
  FerTensorKind kind;
  int ndim;
  int64_t shape[FER_TENSOR_MAX_DIMS];
  size_t numel;
  size_t offset;         /* in its arena (elements), or the counter's index */
} FerTensorSpec;

/* Indices into FerSimpleConv3Layout.tensors, in state_dict order. */
typedef enum {
  FER_CONV1_WEIGHT, FER_CONV1_BIAS,
  FER_BN1_WEIGHT, FER_BN1_BIAS, FER_BN1_RUNNING_MEAN, FER_BN1_RUNNING_VAR, FER_BN1_NUM_BATCHES,
  FER_CONV2_WEIGHT, FER_CONV2_BIAS,
  FER_BN2_WEIGHT, FER_BN2_BIAS, FER_BN2_RUNNING_MEAN, FER_BN2_RUNNING_VAR, FER_BN2_NUM_BATCHES,
  FER_CONV3_WEIGHT, FER_CONV3_BIAS,
  FER_BN3_WEIGHT, FER_BN3_BIAS, FER_BN3_RUNNING_MEAN, FER_BN3_RUNNING_VAR, FER_BN3_NUM_BATCHES,
  FER_FC1_WEIGHT, FER_FC1_BIAS,
  FER_FC2_WEIGHT, FER_FC2_BIAS,
  FER_FC3_WEIGHT, FER_FC3_BIAS,
  FER_SIMPLECONV3_N_TENSORS
} FerSimpleConv3Tensor;

typedef struct {
  int num_classes;
  FerTensorSpec tensors[FER_SIMPLECONV3_N_TENSORS];
  size_t n_params;       /* elements in the parameter arena */
  size_t n_buffers;      /* elements in the buffer arena */
  int n_counters;
} FerSimpleConv3Layout;

/* The three convolution stages share one shape rule; these are its numbers. */
#define FER_SIMPLECONV3_N_CONVS 3
extern const int fer_simpleconv3_conv_channels[FER_SIMPLECONV3_N_CONVS + 1]; /* 3,12,24,48 */
#define FER_SIMPLECONV3_KERNEL 3
#define FER_SIMPLECONV3_STRIDE 2
#define FER_SIMPLECONV3_FC1 1200
#define FER_SIMPLECONV3_FC2 128

/* Fills layout for a classifier of num_classes (2..FER_SIMPLECONV3_MAX_CLASSES). */
gboolean fer_simpleconv3_layout_init (FerSimpleConv3Layout *layout, int num_classes);

/* The spec named name, or NULL. */
const FerTensorSpec *fer_simpleconv3_layout_find (const FerSimpleConv3Layout *layout,
    const char *name);

G_END_DECLS

#endif /* FER_SIMPLECONV3_LAYOUT_H */
