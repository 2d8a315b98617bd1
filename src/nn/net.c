#include "nn/net.h"

#include <math.h>
#include <string.h>

#include "base/fer-error.h"
#include "nn/batchnorm.h"
#include "nn/big-buffer.h"
#include "nn/conv2d.h"
#include "nn/conv2d-bands.h"
#include "nn/conv2d-direct.h"
#include "nn/conv2d-winograd.h"
#include "nn/dropout.h"
#include "nn/flatten.h"
#include "nn/linear.h"
#include "nn/relu.h"
#include "nn/fer-parallel.h"
#include "nn/fer-threads.h"

#define BN_MOMENTUM 0.1
#define BN_EPS 1e-5
/* Each convolution keeps its im2col columns from the forward pass for the backward one while
 * all of them fit in this; beyond it (large batches) one scratch is shared and the columns are
 * made again in the backward pass. */
#define COL_CACHE_BYTES ((size_t) 256 << 20)

typedef struct {
  FerLayerSpec spec;
  gboolean map;             /* output is a map [C][N][H][W]; else rows [rows][c] */
  gboolean per_region;      /* rows are regions (after ROI pooling) */
  int c, h, w;              /* the output per image (rows: c features, h = w = 1) */
  int in_c, in_h, in_w;     /* the (first) input's, per image */
  size_t capacity;          /* elements of out and dout */
  fer_real *out, *dout;
  fer_real *col;            /* convolution: its own im2col columns, or NULL (shared scratch) */
  size_t col_size;
  gboolean by_winograd;     /* convolution: the last training forward went by Winograd tiles */
  gboolean by_bands;        /* convolution: the last training forward went by bands */
  int band_rows;            /* of that many output rows each */
  gboolean makes_bn_gradient;   /* convolution: its backward pass makes the input gradient of
                                   the batchnorm that is its only reader as it reads it (no
                                   bias, by bands or Winograd tiles): the batchnorm's backward
                                   finds only its coefficients, and the convolution's output
                                   gradient is never written */
  int32_t *argmax;          /* pooling */
  uint8_t *mask;            /* dropout */
  fer_real *save_mean, *save_invstd;   /* batchnorm: the batch's statistics, */
  fer_real *save_scale, *save_shift;   /* and the affine map they made */
  fer_real *grad_a, *grad_b, *grad_d;  /* and its input gradient's (batchnorm.h) */
  fer_real *weight_t;       /* linear with sparse inputs, frozen: the weight transposed */
  gboolean in_place;        /* a ReLU that works in its input's buffers (it is their only reader) */
  gboolean relu_fused;      /* batchnorm: the in-place ReLU that follows is done in its passes;
                               that ReLU: nothing left to do.  add: applies the in-place ReLU
                               that follows as it writes the sum (the ReLU's backward remains) */
  gboolean relu_forward_done;   /* a ReLU whose forward the add before it does */
  gboolean dout_assigned;   /* dout is written whole by the first layer to write it in the
                               backward pass (not cleared first) */
  gboolean assigns_din;     /* that layer: writes its input's gradient rather than adding */
  gboolean dout_is_adds;    /* its only reader is an add, which passes its gradient on as it is:
                               dout is the add's own (not cleared, not added to) */
  int folding_bn;           /* convolution: the batchnorm that is its only reader, or -1 */
  int sibling;              /* convolution: a later 1x1 convolution without bias that reads its
                               input, the input's only other reader, or -1 */
  gboolean with_sibling;    /* the last training forward computed that sibling with this one's
                               bands (conv2d-bands.h's FerConvProjection), both passes */
  gboolean by_sibling;      /* a sibling so computed: nothing to do on its own turn */
  gboolean folded;          /* the last forward (evaluation) folded that batchnorm into the
                               convolution: the convolution's output is not kept, the
                               batchnorm's pass was done by it */
  int weight, bias, running_mean, running_var, counter;   /* tensor indices, or -1 */
  int rows;                 /* of the last forward */
} Layer;

struct FER_FN (FerNetStruct) {
  Layer *layers;
  int n_layers;
  int in_c, in_h, in_w, max_batch, max_rois;
  GArray *tensors;          /* FerNetTensor */
  fer_real *params, *grads, *buffers;
  int64_t *counters;
  size_t n_params, n_buffers, n_counters;
  fer_real *col, *dcol;     /* im2col scratch, shared by the convolutions */
  size_t col_size;
  size_t all_cols_size;     /* of every convolution: whether each can keep its own */
  /* the last forward */
  const fer_real *images;
  int batch;
  FerRoi *rois;
  int n_rois;
  gboolean training;
  /* The buffers only training needs (output gradients, the gradient's columns, each
   * convolution's own columns, dropout masks) exist: made at the first training forward, so a
   * net that only infers (the elements' detector and classifier) holds about half the memory. */
  gboolean trainable;
  FerLayerSpec *specs;      /* the layers as given */
  double *timer_forward, *timer_backward;   /* fer_net_set_layer_timer's, or NULL */
};

typedef FER_FN (FerNet) Net;

static const char *const kind_names[] = {
  "conv", "batchnorm", "relu", "add", "maxpool", "roi_pool", "flatten", "linear", "dropout",
};

/* memset to zero, split across the threads when large: a training step clears every activation
 * gradient and the gradient arena (megabytes at batch 64), which one thread does noticeably
 * slower than two. */
static void
zero (fer_real *data, size_t n)
{
  const size_t chunk = 16384;
  const size_t chunks = (n + chunk - 1) / chunk;
  FER_PARALLEL_FOR (n)
  for (size_t i = 0; i < chunks; i++)
    memset (data + i * chunk, 0, MIN (chunk, n - i * chunk) * sizeof *data);
}

/* Adds a tensor of the given kind and shape to the net's list; returns its index. */
static int
add_tensor (Net *net, const char *layer, const char *suffix, FerNetTensorKind kind, int ndim,
    const int64_t *shape)
{
  FerNetTensor t = { .kind = kind, .ndim = ndim, .numel = 1 };
  g_snprintf (t.name, sizeof t.name, "%s.%s", layer, suffix);
  for (int d = 0; d < ndim; d++) {
    t.shape[d] = shape[d];
    t.numel *= (size_t) shape[d];
  }
  size_t *count = kind == FER_NET_PARAMETER ? &net->n_params
      : kind == FER_NET_BUFFER ? &net->n_buffers : &net->n_counters;
  t.offset = *count;
  *count += t.numel;
  g_array_append_val (net->tensors, t);
  return (int) net->tensors->len - 1;
}

#define LAYER_ERROR(...) do { \
    char *what = g_strdup_printf (__VA_ARGS__); \
    g_set_error (error, FER_ERROR, FER_ERROR_MODEL, "layer %d (%s '%s'): %s", i, \
        (unsigned) s->kind < G_N_ELEMENTS (kind_names) ? kind_names[s->kind] : "unknown", \
        s->name, what); \
    g_free (what); \
    return FALSE; \
  } while (0)

/* The shape of layer i from its inputs; its tensors. */
static gboolean
plan_layer (Net *net, int i, GError **error)
{
  Layer *l = &net->layers[i];
  const FerLayerSpec *s = &l->spec;
  l->weight = l->bias = l->running_mean = l->running_var = l->counter = -1;
  if ((unsigned) s->kind >= G_N_ELEMENTS (kind_names))
    LAYER_ERROR ("unknown layer kind %d", (int) s->kind);
  if (s->input >= i || s->input < FER_NET_IMAGE
      || (s->kind == FER_LAYER_ADD && (s->input2 >= i || s->input2 < 0)))
    LAYER_ERROR ("reads layer %d, which does not come before it",
        s->input >= i || s->input < FER_NET_IMAGE ? s->input : s->input2);
  const gboolean from_image = s->input == FER_NET_IMAGE;
  if (from_image && s->kind != FER_LAYER_CONV && s->kind != FER_LAYER_MAXPOOL)
    LAYER_ERROR ("only a convolution or max pooling can read the image");
  const Layer *in = from_image ? NULL : &net->layers[s->input];
  const gboolean in_map = from_image || in->map;
  l->in_c = from_image ? net->in_c : in->c;
  l->in_h = from_image ? net->in_h : in->h;
  l->in_w = from_image ? net->in_w : in->w;
  l->per_region = in ? in->per_region : FALSE;
  l->map = in_map;
  l->c = l->in_c;
  l->h = l->in_h;
  l->w = l->in_w;
  gboolean needs_map = FALSE, needs_rows = FALSE;
  switch (s->kind) {
    case FER_LAYER_CONV: {
      needs_map = TRUE;
      if (s->channels < 1 || s->kernel < 1 || s->stride < 1 || s->padding < 0)
        LAYER_ERROR ("needs channels, kernel and stride >= 1 and padding >= 0");
      l->c = s->channels;
      l->h = fer_conv2d_output_size (l->in_h, s->kernel, s->stride, s->padding);
      l->w = fer_conv2d_output_size (l->in_w, s->kernel, s->stride, s->padding);
      const int64_t shape[4] = { s->channels, l->in_c, s->kernel, s->kernel };
      l->weight = add_tensor (net, s->name, "weight", FER_NET_PARAMETER, 4, shape);
      if (s->bias)
        l->bias = add_tensor (net, s->name, "bias", FER_NET_PARAMETER, 1, shape);
      break;
    }
    case FER_LAYER_BATCHNORM: {
      needs_map = TRUE;
      const int64_t shape[1] = { l->c };
      l->weight = add_tensor (net, s->name, "weight", FER_NET_PARAMETER, 1, shape);
      l->bias = add_tensor (net, s->name, "bias", FER_NET_PARAMETER, 1, shape);
      l->running_mean = add_tensor (net, s->name, "running_mean", FER_NET_BUFFER, 1, shape);
      l->running_var = add_tensor (net, s->name, "running_var", FER_NET_BUFFER, 1, shape);
      l->counter = add_tensor (net, s->name, "num_batches_tracked", FER_NET_COUNTER, 0, shape);
      break;
    }
    case FER_LAYER_ADD: {
      const Layer *other = &net->layers[s->input2];
      if (other->map != l->map || other->c != l->c || other->h != l->h || other->w != l->w
          || other->per_region != l->per_region)
        LAYER_ERROR ("adds layers %d (%d x %d x %d) and %d (%d x %d x %d) of different shapes",
            s->input, l->c, l->h, l->w, s->input2, other->c, other->h, other->w);
      break;
    }
    case FER_LAYER_MAXPOOL: {
      needs_map = TRUE;
      if (s->kernel < 1 || s->stride < 1 || s->padding < 0 || 2 * s->padding > s->kernel)
        LAYER_ERROR ("needs kernel and stride >= 1 and padding from 0 to kernel / 2");
      const FerMaxPool2d pool = { s->kernel, s->stride, s->padding };
      l->h = fer_maxpool2d_output_size (l->in_h, &pool);
      l->w = fer_maxpool2d_output_size (l->in_w, &pool);
      break;
    }
    case FER_LAYER_ROI_POOL:
      needs_map = TRUE;
      if (s->pooled < 1)
        LAYER_ERROR ("needs a pooled size >= 1");
      if (l->per_region)
        LAYER_ERROR ("pools regions twice");
      l->map = FALSE;
      l->per_region = TRUE;
      l->c = l->in_c * s->pooled * s->pooled;
      l->h = l->w = 1;
      break;
    case FER_LAYER_FLATTEN:
      needs_map = TRUE;
      l->map = FALSE;
      l->c = l->in_c * l->in_h * l->in_w;
      l->h = l->w = 1;
      break;
    case FER_LAYER_LINEAR: {
      needs_rows = TRUE;
      if (s->channels < 1 || !s->bias)
        LAYER_ERROR ("needs out features >= 1 and a bias");
      l->c = s->channels;
      const int64_t shape[2] = { s->channels, l->in_c };
      l->weight = add_tensor (net, s->name, "weight", FER_NET_PARAMETER, 2, shape);
      l->bias = add_tensor (net, s->name, "bias", FER_NET_PARAMETER, 1, shape);
      break;
    }
    case FER_LAYER_DROPOUT:
      if (!(s->p >= 0 && s->p < 1))
        LAYER_ERROR ("needs a probability in [0, 1), got %g", s->p);
      break;
    case FER_LAYER_RELU:
      break;
  }
  if (needs_map && !in_map)
    LAYER_ERROR ("needs a feature map, but layer %d gives rows", s->input);
  if (needs_rows && in_map)
    LAYER_ERROR ("needs rows of features (flatten or ROI-pool first), but layer %d gives a map",
        s->input);
  if (l->c < 1 || l->h < 1 || l->w < 1)
    LAYER_ERROR ("its output would be empty (%d x %d x %d): the input (%d x %d) is too small",
        l->c, l->h, l->w, l->in_h, l->in_w);
  if (s->sparse_input && s->kind != FER_LAYER_LINEAR)
    LAYER_ERROR ("only a linear layer takes sparse inputs");
  return TRUE;
}

/* A ReLU that is the only reader of its input (a layer, not the image) works in that layer's
 * buffers, as the seed's networks do in PyTorch (inplace=True): one pass and one buffer less
 * forward, and backward masks the gradient where it lies.  Its input's output is then the
 * ReLU's, which no other layer reads. */
static void
mark_in_place (Net *net)
{
  int *readers = g_new0 (int, net->n_layers);
  for (int i = 0; i < net->n_layers; i++) {
    const FerLayerSpec *s = &net->layers[i].spec;
    if (s->input >= 0)
      readers[s->input]++;
    if (s->kind == FER_LAYER_ADD)
      readers[s->input2]++;
  }
  for (int i = 0; i < net->n_layers; i++) {
    const FerLayerSpec *s = &net->layers[i].spec;
    net->layers[i].in_place = s->kind == FER_LAYER_RELU && s->input >= 0
        && readers[s->input] == 1;
    /* conv-BN-ReLU: the batchnorm applies the ReLU as it writes its output, and passes the
     * gradient back through it as it reads it: two passes less over each such tensor. */
    if (net->layers[i].in_place && net->layers[s->input].spec.kind == FER_LAYER_BATCHNORM)
      net->layers[i].relu_fused = net->layers[s->input].relu_fused = TRUE;
    /* add-ReLU (a residual block's end): the add writes the rectified sum, one pass less. */
    if (net->layers[i].in_place && net->layers[s->input].spec.kind == FER_LAYER_ADD)
      net->layers[i].relu_forward_done = net->layers[s->input].relu_fused = TRUE;
    /* The gradient of an add's input is the add's own: an input that only the add reads (a
     * block's last batchnorm, its projection's) takes the add's gradient buffer instead of a
     * copy of it.  (Not an in-place ReLU, whose buffers are its input's.) */
    if (s->kind == FER_LAYER_ADD && s->input != s->input2)
      for (int k = 0; k < 2; k++) {
        const int from = k == 0 ? s->input : s->input2;
        if (readers[from] == 1 && !net->layers[from].in_place)
          net->layers[from].dout_is_adds = TRUE;
      }
    /* conv-BN in evaluation: the convolution writes the batchnorm's output itself.  (Layers
     * read earlier ones only: the convolution's -1 was set on its own turn.) */
    net->layers[i].folding_bn = -1;
    if (s->kind == FER_LAYER_BATCHNORM && s->input >= 0 && readers[s->input] == 1
        && net->layers[s->input].spec.kind == FER_LAYER_CONV)
      net->layers[s->input].folding_bn = i;
    /* A residual block's projection and its first convolution read the same input: the
     * projection's columns are in the first convolution's (when it has no bias, and they are
     * the input's only readers: the pair writes the input's gradient alone). */
    net->layers[i].sibling = -1;
    for (int j = 0; j < i && s->kind == FER_LAYER_CONV && s->kernel == 1 && s->padding == 0
        && net->layers[i].bias < 0 && s->input >= 0 && readers[s->input] == 2; j++) {
      const FerLayerSpec *first = &net->layers[j].spec;
      if (first->kind == FER_LAYER_CONV && first->input == s->input && first->kernel > 1
          && first->stride == s->stride)
        net->layers[j].sibling = i;
    }
  }
  g_free (readers);
}

/* The layer whose output gradient buffer a backward pass writes for its input `input`: that
 * layer's, or where it is an in-place ReLU, the ReLU's input's (the same buffer). */
static int
gradient_owner (const Net *net, int input)
{
  if (input < 0)
    return -1;
  return net->layers[input].in_place ? net->layers[input].spec.input : input;
}

/* Layer l writes the gradient of its input `input` in the backward pass (written: the
 * buffers a later layer writes, by owner). */
static void
mark_writer (Net *net, Layer *l, int input, gboolean *written)
{
  const int owner = gradient_owner (net, input);
  if (owner < 0 || net->layers[owner].dout_is_adds)
    return;   /* the image, or a buffer that is the add's own (nothing writes it) */
  if (written[owner])
    return;   /* a later layer reaches it first */
  written[owner] = TRUE;
  l->assigns_din = net->layers[owner].dout_assigned = l->spec.kind == FER_LAYER_CONV
      || l->spec.kind == FER_LAYER_BATCHNORM;
}

/* The backward pass runs the layers last to first: the last layer that writes a gradient
 * buffer is the first to reach it, and writes it rather than adding to it when it can (a
 * convolution or a batchnorm), so the buffer is not cleared first: one pass less over it, and
 * the writer clears it image by image while it is in cache.  (A buffer that an add shares with
 * its input is written by nobody; an in-place ReLU only masks its buffer, later.) */
static void
mark_first_writers (Net *net)
{
  gboolean *written = g_new0 (gboolean, net->n_layers);
  for (int i = net->n_layers - 1; i >= 0; i--) {
    Layer *l = &net->layers[i];
    if (l->in_place)
      continue;   /* masks its buffer where it lies, after the layers that read it */
    mark_writer (net, l, l->spec.input, written);
    if (l->spec.kind == FER_LAYER_ADD)
      mark_writer (net, l, l->spec.input2, written);
  }
  g_free (written);
}

/* The sizes of the activation buffers for net->max_batch images and net->max_rois regions. */
static void
size_buffers (Net *net)
{
  net->col_size = net->all_cols_size = 0;
  for (int i = 0; i < net->n_layers; i++) {
    Layer *l = &net->layers[i];
    const size_t rows = l->per_region ? (size_t) net->max_rois : (size_t) net->max_batch;
    l->capacity = rows * l->c * l->h * l->w;
    if (l->spec.kind == FER_LAYER_CONV) {
      const FerConv2d conv = { l->in_c, l->spec.channels, l->spec.kernel, l->spec.stride,
        l->spec.padding };
      /* (The direct path of stride-1 convolutions needs no columns, forward and backward.) */
      l->col_size = FER_FN (fer_conv2d_direct_backward_applies) (&conv, l->in_w) ? 0
          : (size_t) l->in_c * l->spec.kernel * l->spec.kernel * net->max_batch * l->h * l->w;
      net->col_size = MAX (net->col_size, l->col_size);
      net->all_cols_size += l->col_size;
    }
  }
}

static void
free_activations (Net *net)
{
  for (int i = 0; i < net->n_layers; i++) {
    Layer *l = &net->layers[i];
    if (l->in_place) {
      l->out = l->dout = NULL;   /* its input's */
      continue;
    }
    g_clear_pointer (&l->out, g_free);
    if (l->dout_is_adds)
      l->dout = NULL;   /* the add's */
    else
      g_clear_pointer (&l->dout, g_free);
    g_clear_pointer (&l->col, g_free);
    g_clear_pointer (&l->argmax, g_free);
    g_clear_pointer (&l->mask, g_free);
  }
  g_clear_pointer (&net->col, g_free);
  g_clear_pointer (&net->dcol, g_free);
  g_clear_pointer (&net->rois, g_free);
}

/* count elements (zeroed, or not), NULL when memory is short; freed with g_free. */
static fer_real *
new_activations (size_t count, gboolean zeroed)
{
  return fer_big_buffer_try_new (count * sizeof (fer_real), zeroed);
}

/* The buffers whose size depends on the batch: outputs, columns, and when the net is trainable
 * the output gradients, the columns' gradient, each convolution's own columns, dropout masks. */
static gboolean
allocate_activations (Net *net)
{
  size_buffers (net);
  net->col = new_activations (net->col_size, FALSE);
  net->dcol = net->trainable ? new_activations (net->col_size, FALSE) : NULL;
  net->rois = g_try_new (FerRoi, MAX (net->max_rois, 1));
  gboolean ok = net->col && (net->dcol || !net->trainable) && net->rois;
  for (int i = 0; ok && i < net->n_layers; i++) {
    Layer *l = &net->layers[i];
    if (l->in_place) {
      l->out = net->layers[l->spec.input].out;
      l->dout = net->layers[l->spec.input].dout;
      continue;
    }
    ok = (l->out = new_activations (l->capacity, TRUE)) != NULL;
    if (ok && (l->spec.kind == FER_LAYER_MAXPOOL || l->spec.kind == FER_LAYER_ROI_POOL))
      ok = (l->argmax = g_try_new (int32_t, l->capacity)) != NULL;
    if (!net->trainable)
      continue;
    if (!l->dout_is_adds)
      ok = ok && (l->dout = new_activations (l->capacity, TRUE)) != NULL;
    if (ok && l->spec.kind == FER_LAYER_ADD)   /* (its inputs come before it) */
      for (int k = 0; k < 2; k++) {
        Layer *from = &net->layers[k == 0 ? l->spec.input : l->spec.input2];
        if (from->dout_is_adds)
          from->dout = l->dout;
      }
    if (ok && l->spec.kind == FER_LAYER_CONV
        && net->all_cols_size * sizeof (fer_real) <= COL_CACHE_BYTES)
      ok = (l->col = new_activations (l->col_size, FALSE)) != NULL;
    if (ok && l->spec.kind == FER_LAYER_DROPOUT)
      ok = (l->mask = g_try_new0 (uint8_t, l->capacity)) != NULL;
  }
  return ok;
}

/* Parameters, gradients, running statistics, counters, and the per-layer statistics. */
static gboolean
allocate (Net *net)
{
  net->params = g_try_new0 (fer_real, MAX (net->n_params, 1));
  net->grads = g_try_new0 (fer_real, MAX (net->n_params, 1));
  net->buffers = g_try_new0 (fer_real, MAX (net->n_buffers, 1));
  net->counters = g_try_new0 (int64_t, MAX (net->n_counters, 1));
  gboolean ok = net->params && net->grads && net->buffers && net->counters;
  for (int i = 0; ok && i < net->n_layers; i++) {
    Layer *l = &net->layers[i];
    if (l->spec.kind == FER_LAYER_BATCHNORM)
      ok = (l->save_mean = g_try_new (fer_real, l->c)) != NULL
          && (l->save_invstd = g_try_new (fer_real, l->c)) != NULL
          && (l->save_scale = g_try_new (fer_real, l->c)) != NULL
          && (l->save_shift = g_try_new (fer_real, l->c)) != NULL
          && (l->grad_a = g_try_new (fer_real, l->c)) != NULL
          && (l->grad_b = g_try_new (fer_real, l->c)) != NULL
          && (l->grad_d = g_try_new (fer_real, l->c)) != NULL;
  }
  return ok && allocate_activations (net);
}

/* The activations made again for max_batch images and max_rois regions (and the training
 * buffers when the net is trainable); FALSE, and every forward refused, when memory is short. */
static gboolean
reallocate_activations (Net *net, int max_batch, int max_rois)
{
  free_activations (net);
  net->max_batch = max_batch;
  net->max_rois = max_rois;
  if (allocate_activations (net))
    return TRUE;
  free_activations (net);
  net->max_batch = net->max_rois = 0;   /* nothing fits: every forward is refused */
  return FALSE;
}

gboolean
FER_FN (fer_net_reserve) (Net *net, int max_batch, int max_rois)
{
  if (max_batch <= net->max_batch && max_rois <= net->max_rois)
    return TRUE;
  return reallocate_activations (net, MAX (max_batch, net->max_batch),
      MAX (max_rois, net->max_rois));
}

gboolean
FER_FN (fer_net_freeze) (Net *net)
{
  for (int i = 0; i < net->n_layers; i++) {
    Layer *l = &net->layers[i];
    if (!l->spec.sparse_input)
      continue;
    g_free (l->weight_t);
    l->weight_t = g_try_new (fer_real, (size_t) l->in_c * l->c);
    if (l->weight_t == NULL) {
      FER_FN (fer_net_thaw) (net);
      return FALSE;
    }
    FER_FN (fer_linear_transpose_weight) (l->weight_t, FER_FN (fer_net_tensor) (net, l->weight),
        l->in_c, l->c);
  }
  return TRUE;
}

void
FER_FN (fer_net_thaw) (Net *net)
{
  for (int i = 0; i < net->n_layers; i++)
    g_clear_pointer (&net->layers[i].weight_t, g_free);
}

gboolean
FER_FN (fer_net_is_frozen) (const Net *net)
{
  for (int i = 0; i < net->n_layers; i++)
    if (net->layers[i].weight_t)
      return TRUE;
  return FALSE;
}

Net *
FER_FN (fer_net_new) (const FerLayerSpec *layers, int n_layers, int in_channels, int height,
    int width, int max_batch, int max_rois, GError **error)
{
  if (n_layers < 1 || n_layers > FER_NET_MAX_LAYERS || in_channels < 1 || height < 1
      || width < 1 || max_batch < 1 || max_rois < 0) {
    g_set_error (error, FER_ERROR, FER_ERROR_ARGUMENT, "a network needs 1 to %d layers, an "
        "input of at least 1 x 1 x 1 and a batch of at least 1 (got %d layers, %d x %d x %d, "
        "batch %d, %d regions)", FER_NET_MAX_LAYERS, n_layers, in_channels, height, width,
        max_batch, max_rois);
    return NULL;
  }
  fer_threads_init ();
  Net *net = g_new0 (Net, 1);
  net->n_layers = n_layers;
  net->in_c = in_channels;
  net->in_h = height;
  net->in_w = width;
  net->max_batch = max_batch;
  net->max_rois = max_rois;
  net->layers = g_new0 (Layer, n_layers);
  net->specs = g_memdup2 (layers, n_layers * sizeof *layers);
  net->tensors = g_array_new (FALSE, TRUE, sizeof (FerNetTensor));
  for (int i = 0; i < n_layers; i++) {
    net->layers[i].spec = layers[i];
    if (!plan_layer (net, i, error)) {
      FER_FN (fer_net_free) (net);
      return NULL;
    }
  }
  mark_in_place (net);
  mark_first_writers (net);
  if (!allocate (net)) {
    g_set_error (error, FER_ERROR, FER_ERROR_IO, "out of memory for a network of %d layers "
        "(%zu parameters) at batch %d", n_layers, net->n_params, max_batch);
    FER_FN (fer_net_free) (net);
    return NULL;
  }
  return net;
}

void
FER_FN (fer_net_free) (Net *net)
{
  if (net == NULL)
    return;
  free_activations (net);
  for (int i = 0; i < net->n_layers; i++) {
    g_free (net->layers[i].save_mean);
    g_free (net->layers[i].save_invstd);
    g_free (net->layers[i].save_scale);
    g_free (net->layers[i].grad_a);
    g_free (net->layers[i].grad_b);
    g_free (net->layers[i].grad_d);
    g_free (net->layers[i].save_shift);
    g_free (net->layers[i].weight_t);
  }
  g_free (net->layers);
  g_free (net->specs);
  g_array_unref (net->tensors);
  g_free (net->params);
  g_free (net->grads);
  g_free (net->buffers);
  g_free (net->counters);
  g_free (net);
}

const FerLayerSpec *
FER_FN (fer_net_layers) (const Net *net, int *n_layers)
{
  *n_layers = net->n_layers;
  return net->specs;
}

void
FER_FN (fer_net_input_shape) (const Net *net, int *channels, int *height, int *width)
{
  *channels = net->in_c;
  *height = net->in_h;
  *width = net->in_w;
}

#ifndef FER_REAL_DOUBLE   /* precision-free: defined once, in the float build */
const char *
fer_layer_kind_name (FerLayerKind kind)
{
  return (unsigned) kind < G_N_ELEMENTS (kind_names) ? kind_names[kind] : "unknown";
}

int
fer_layer_kind_from_name (const char *name)
{
  for (guint k = 0; k < G_N_ELEMENTS (kind_names); k++)
    if (g_strcmp0 (kind_names[k], name) == 0)
      return (int) k;
  return -1;
}
#endif

int
FER_FN (fer_net_n_tensors) (const Net *net)
{
  return (int) net->tensors->len;
}

const FerNetTensor *
FER_FN (fer_net_tensor_info) (const Net *net, int index)
{
  return &g_array_index (net->tensors, FerNetTensor, index);
}

fer_real *
FER_FN (fer_net_tensor) (Net *net, int index)
{
  const FerNetTensor *t = FER_FN (fer_net_tensor_info) (net, index);
  return t->kind == FER_NET_PARAMETER ? net->params + t->offset
      : t->kind == FER_NET_BUFFER ? net->buffers + t->offset : NULL;
}

fer_real *
FER_FN (fer_net_grad) (Net *net, int index)
{
  const FerNetTensor *t = FER_FN (fer_net_tensor_info) (net, index);
  return t->kind == FER_NET_PARAMETER ? net->grads + t->offset : NULL;
}

int64_t *
FER_FN (fer_net_counter) (Net *net, int index)
{
  const FerNetTensor *t = FER_FN (fer_net_tensor_info) (net, index);
  return t->kind == FER_NET_COUNTER ? net->counters + t->offset : NULL;
}

int
FER_FN (fer_net_find_tensor) (const Net *net, const char *name)
{
  for (guint i = 0; i < net->tensors->len; i++)
    if (strcmp (g_array_index (net->tensors, FerNetTensor, i).name, name) == 0)
      return (int) i;
  return -1;
}

void
FER_FN (fer_net_copy_tensor) (Net *dst, int i, Net *src, int j)
{
  const FerNetTensor *t = FER_FN (fer_net_tensor_info) (dst, i);
  if (t->kind == FER_NET_COUNTER)
    *FER_FN (fer_net_counter) (dst, i) = *FER_FN (fer_net_counter) (src, j);
  else
    memcpy (FER_FN (fer_net_tensor) (dst, i), FER_FN (fer_net_tensor) (src, j),
        t->numel * sizeof (fer_real));
}

fer_real *
FER_FN (fer_net_params) (Net *net, size_t *count)
{
  *count = net->n_params;
  return net->params;
}

fer_real *
FER_FN (fer_net_grads) (Net *net, size_t *count)
{
  *count = net->n_params;
  return net->grads;
}

void
FER_FN (fer_net_zero_grad) (Net *net)
{
  zero (net->grads, net->n_params);
}

void
FER_FN (fer_net_init_weights) (Net *net, uint64_t seed)
{
  FerRng rng;
  fer_rng_init (&rng, seed);
  for (int i = 0; i < net->n_layers; i++) {
    const Layer *l = &net->layers[i];
    if (l->spec.kind == FER_LAYER_BATCHNORM) {
      for (int c = 0; c < l->c; c++) {
        FER_FN (fer_net_tensor) (net, l->weight)[c] = 1;
        FER_FN (fer_net_tensor) (net, l->bias)[c] = 0;
        FER_FN (fer_net_tensor) (net, l->running_mean)[c] = 0;
        FER_FN (fer_net_tensor) (net, l->running_var)[c] = 1;
      }
      *FER_FN (fer_net_counter) (net, l->counter) = 0;
    } else if (l->weight >= 0) {
      const FerNetTensor *w = FER_FN (fer_net_tensor_info) (net, l->weight);
      const double bound = 1 / sqrt ((double) (w->numel / w->shape[0]));
      fer_real *weight = FER_FN (fer_net_tensor) (net, l->weight);
      for (size_t k = 0; k < w->numel; k++)
        weight[k] = (fer_real) fer_rng_uniform_range (&rng, -bound, bound);
      if (l->bias >= 0)
        for (int c = 0; c < l->c; c++)
          FER_FN (fer_net_tensor) (net, l->bias)[c] = (fer_real) fer_rng_uniform_range (&rng,
              -bound, bound);
    }
  }
}

/* The input of layer l: its buffer and layout. */
static const fer_real *
input_of (const Net *net, const Layer *l, FerImageStrides *strides)
{
  if (l->spec.input == FER_NET_IMAGE) {
    *strides = fer_strides_nchw (net->in_c, net->in_h, net->in_w);
    return net->images;
  }
  *strides = fer_strides_cnhw (net->batch, l->in_h, l->in_w);
  return net->layers[l->spec.input].out;
}

static size_t
elements (const Layer *l)
{
  return (size_t) l->rows * l->c * l->h * l->w;
}

/* How convolution l goes in this forward (l->by_winograd, l->by_bands, l->band_rows) and
 * whether its backward pass makes its batchnorm's input gradient.  Layers with few inputs per
 * output at stride 1 go direct (conv2d-direct.h), forward and backward.  In training, the
 * other 3x3 stride-1 ones by Winograd tiles (conv2d-winograd.h; the detector-sized net's step
 * at batch 16 ~71 -> ~61 ms) when there are images for every thread, the rest by bands whose
 * columns stay in cache (conv2d-bands.h) when there are images for every thread (else
 * through columns made once in the forward pass for the backward one). */
static void
choose_path (Net *net, Layer *l)
{
  const FerLayerSpec *s = &l->spec;
  const FerConv2d conv = { l->in_c, s->channels, s->kernel, s->stride, s->padding };
  const gboolean direct = FER_FN (fer_conv2d_direct_backward_applies) (&conv, l->in_w);
  const int threads = fer_threads_get ();
  l->band_rows = FER_FN (fer_conv2d_band_rows) (&conv, l->in_h, l->in_w);
  l->by_winograd = net->training && !direct && FER_FN (fer_conv2d_winograd_applies) (&conv,
      net->batch, threads, l->in_h, l->in_w, net->col_size);
  l->by_bands = net->training && !direct && !l->by_winograd
      && FER_FN (fer_conv2d_bands_apply) (&conv, l->band_rows, net->batch, threads, l->in_h,
          l->in_w);
  /* The batchnorm's input gradient made where this reads it rather than written whole (one
   * pass less over the largest tensors; the detector-sized net's step at batch 16, alternating
   * builds: 2-4 % faster). */
  l->makes_bn_gradient = l->folding_bn >= 0 && l->bias < 0 && (l->by_winograd
      || (l->by_bands && FER_FN (fer_conv2d_bands_backward_makes_dout) (&conv, l->band_rows,
              net->batch, threads, l->in_h, l->in_w)));
}

/* Whether convolution l, about to go forward, computes its sibling (l->sibling) with its
 * bands in this training forward, both passes (sets l->with_sibling and the sibling's
 * by_sibling): the sibling's columns not made again, nor its input gradient cleared and added
 * on its own (the detector-sized net's step at batch 16, alternating builds: 43.3 -> 42.3 ms
 * on average of 6 each). */
static gboolean
with_sibling (Net *net, Layer *l)
{
  l->with_sibling = FALSE;
  if (l->sibling < 0)
    return FALSE;
  Layer *p = &net->layers[l->sibling];
  p->by_sibling = FALSE;
  if (!net->training || !l->by_bands)
    return FALSE;
  const FerConv2d conv = { l->in_c, l->spec.channels, l->spec.kernel, l->spec.stride,
    l->spec.padding };
  const FerConv2d projection = { p->in_c, p->spec.channels, p->spec.kernel, p->spec.stride,
    p->spec.padding };
  if (!FER_FN (fer_conv2d_bands_projection_fits) (&conv, &projection, l->band_rows, net->batch,
          fer_threads_get (), l->in_h, l->in_w))
    return FALSE;
  /* (Its own path's choices, as if it went alone, for the layers around it.) */
  choose_path (net, p);
  p->makes_bn_gradient = p->folding_bn >= 0;
  p->folded = FALSE;
  return l->with_sibling = p->by_sibling = TRUE;
}

static void
forward_layer (Net *net, Layer *l, FerRng *rng)
{
  const FerLayerSpec *s = &l->spec;
  FerImageStrides strides;
  const fer_real *in = input_of (net, l, &strides);
  l->rows = l->per_region ? net->n_rois : net->batch;
  const size_t n = elements (l);
  switch (s->kind) {
    case FER_LAYER_CONV: {
      const FerConv2d conv = { l->in_c, s->channels, s->kernel, s->stride, s->padding };
      const fer_real *weight = FER_FN (fer_net_tensor) (net, l->weight);
      const fer_real *bias = l->bias >= 0 ? FER_FN (fer_net_tensor) (net, l->bias) : NULL;
      /* The paths of training: choose_path.  In evaluation, the layers that are not direct go
       * by bands whenever the scratch holds a band per thread (measured,
       * tests/bench/bench-seed004.c's detector-sized net at batch 16: ~25 ms against ~34
       * through the direct path's registers and im2col). */
      if (l->by_sibling)
        break;   /* computed by its sibling's bands */
      const gboolean direct = FER_FN (fer_conv2d_direct_backward_applies) (&conv, l->in_w);
      const int threads = fer_threads_get ();
      choose_path (net, l);
      FER_FN (FerConvProjection) projection;
      const FER_FN (FerConvProjection) *with = NULL;
      if (with_sibling (net, l)) {
        Layer *p = &net->layers[l->sibling];
        projection = (FER_FN (FerConvProjection)) { p->spec.channels,
          FER_FN (fer_net_tensor) (net, p->weight), p->out, NULL, NULL, NULL };
        with = &projection;
      }
      const gboolean bands = l->by_bands || (!net->training && !direct
          && FER_FN (fer_conv2d_bands_forward_applies) (&conv, l->band_rows, net->batch, threads,
              l->in_h, l->in_w));
      /* In evaluation, the batchnorm after it folded in: written once, as the batchnorm would
       * write it (MyModel's forward at batch 1: one pass less over 17 of its tensors). */
      l->folded = !net->training && l->folding_bn >= 0;
      fer_real *out = l->out;
      const FerConvEpilogue *epilogue = NULL;
      FerConvEpilogue fold;
      fer_real scale[l->folded ? s->channels : 1], shift[l->folded ? s->channels : 1];
      if (l->folded) {
        Layer *bn = &net->layers[l->folding_bn];
        FER_FN (fer_batchnorm_eval_affine) (scale, shift, FER_FN (fer_net_tensor) (net,
                bn->weight), FER_FN (fer_net_tensor) (net, bn->bias), FER_FN (fer_net_tensor)
            (net, bn->running_mean), FER_FN (fer_net_tensor) (net, bn->running_var), s->channels,
            BN_EPS);
        fold = (FerConvEpilogue) { scale, shift, bn->relu_fused };
        epilogue = &fold;
        out = bn->out;
      }
      if (l->by_winograd)
        FER_FN (fer_conv2d_winograd_forward) (out, net->col, in, strides, weight, bias, &conv,
            net->batch, l->in_h, l->in_w);
      else if (bands)
        FER_FN (fer_conv2d_bands_forward) (out, net->col, in, strides, weight, bias, epilogue,
            with, &conv, l->band_rows, net->batch, l->in_h, l->in_w);
      else if (net->training && !direct)
        FER_FN (fer_conv2d_forward_columns) (out, l->col ? l->col : net->col, in, strides,
            weight, bias, &conv, net->batch, l->in_h, l->in_w);
      else
        FER_FN (fer_conv2d_forward_folded) (out, l->col ? l->col : net->col, in, strides,
            weight, bias, epilogue, &conv, net->batch, l->in_h, l->in_w);
      break;
    }
    case FER_LAYER_BATCHNORM: {
      const size_t count = (size_t) net->batch * l->h * l->w;
      if (s->input >= 0 && net->layers[s->input].folded)
        break;   /* done by the convolution before it (evaluation only) */
      if (net->training) {
        FER_FN (fer_batchnorm_forward_train) (l->out, l->save_mean, l->save_invstd,
            l->save_scale, l->save_shift, in,
            FER_FN (fer_net_tensor) (net, l->weight), FER_FN (fer_net_tensor) (net, l->bias),
            FER_FN (fer_net_tensor) (net, l->running_mean),
            FER_FN (fer_net_tensor) (net, l->running_var), l->c, count, BN_MOMENTUM, BN_EPS,
            l->relu_fused);
        (*FER_FN (fer_net_counter) (net, l->counter))++;
      } else {
        FER_FN (fer_batchnorm_forward_eval) (l->out, in, FER_FN (fer_net_tensor) (net, l->weight),
            FER_FN (fer_net_tensor) (net, l->bias), FER_FN (fer_net_tensor) (net,
                l->running_mean), FER_FN (fer_net_tensor) (net, l->running_var), l->c, count,
            BN_EPS, l->relu_fused);
      }
      break;
    }
    case FER_LAYER_RELU:
      if (l->relu_fused || l->relu_forward_done)
        break;   /* done by the batchnorm or the add before it */
      if (l->in_place) {
        FER_FN (fer_relu_forward) (l->out, n);
        break;
      }
      FER_PARALLEL_FOR (n)
      for (size_t k = 0; k < n; k++)
        l->out[k] = in[k] > 0 ? in[k] : 0;
      break;
    case FER_LAYER_ADD: {
      const fer_real *other = net->layers[s->input2].out;
      if (l->relu_fused) {
        FER_PARALLEL_FOR (n)
        for (size_t k = 0; k < n; k++) {
          const fer_real sum = in[k] + other[k];
          l->out[k] = sum > 0 ? sum : 0;   /* as fer_relu_forward */
        }
        break;
      }
      FER_PARALLEL_FOR (n)
      for (size_t k = 0; k < n; k++)
        l->out[k] = in[k] + other[k];
      break;
    }
    case FER_LAYER_MAXPOOL: {
      const FerMaxPool2d pool = { s->kernel, s->stride, s->padding };
      FER_FN (fer_maxpool2d_forward) (l->out, l->argmax, in, strides, &pool, l->c, net->batch,
          l->in_h, l->in_w);
      break;
    }
    case FER_LAYER_ROI_POOL:
      FER_FN (fer_roi_max_pool_forward) (l->out, l->argmax, in, strides, net->rois, net->n_rois,
          l->in_c, l->in_h, l->in_w, s->pooled, s->pooled);
      break;
    case FER_LAYER_FLATTEN:
      FER_FN (fer_flatten_forward) (l->out, in, l->in_c, net->batch, l->in_h * l->in_w);
      break;
    case FER_LAYER_LINEAR:
      if (l->weight_t && l->rows <= FER_NET_SPARSE_MAX_ROWS)
        FER_FN (fer_linear_forward_sparse_input) (l->out, in, l->weight_t,
            FER_FN (fer_net_tensor) (net, l->bias), l->rows, l->in_c, l->c);
      else
        FER_FN (fer_linear_forward) (l->out, in, FER_FN (fer_net_tensor) (net, l->weight),
            FER_FN (fer_net_tensor) (net, l->bias), l->rows, l->in_c, l->c);
      break;
    case FER_LAYER_DROPOUT:
      if (net->training && s->p > 0)
        FER_FN (fer_dropout_forward) (l->out, l->mask, in, n, s->p, rng);
      else
        memcpy (l->out, in, n * sizeof *in);
      break;
  }
}

gboolean
FER_FN (fer_net_forward) (Net *net, const fer_real *images, int batch, const FerRoi *rois,
    int n_rois, gboolean training, FerRng *rng)
{
  if (batch < 1 || batch > net->max_batch || n_rois < 0 || n_rois > net->max_rois
      || (training && rng == NULL))
    return FALSE;
  for (int r = 0; r < n_rois; r++)
    if (rois[r].image < 0 || rois[r].image >= batch)
      return FALSE;
  if (training && !net->trainable) {
    net->trainable = TRUE;
    if (!reallocate_activations (net, net->max_batch, net->max_rois))
      return FALSE;
  }
  if (training)
    FER_FN (fer_net_thaw) (net);   /* the weights are about to change */
  net->images = images;
  net->batch = batch;
  net->n_rois = n_rois;
  if (n_rois > 0)
    memcpy (net->rois, rois, n_rois * sizeof *rois);
  net->training = training;
  for (int i = 0; i < net->n_layers; i++) {
    const gint64 start = net->timer_forward ? g_get_monotonic_time () : 0;
    forward_layer (net, &net->layers[i], rng);
    if (net->timer_forward)
      net->timer_forward[i] += (double) (g_get_monotonic_time () - start);
  }
  return TRUE;
}

fer_real *
FER_FN (fer_net_output) (Net *net, int layer)
{
  return net->layers[layer].folded ? NULL : net->layers[layer].out;
}

fer_real *
FER_FN (fer_net_output_grad) (Net *net, int layer)
{
  return net->layers[layer].dout;
}

void
FER_FN (fer_net_layer_shape) (const Net *net, int layer, int *channels, int *height, int *width,
    int *rows)
{
  const Layer *l = &net->layers[layer];
  *channels = l->c;
  *height = l->h;
  *width = l->w;
  *rows = l->rows;
}

void
FER_FN (fer_net_clear_output_grads) (Net *net)
{
  g_return_if_fail (net->trainable);
  /* (An in-place ReLU's gradient is its input's, cleared with it.) */
  for (int i = 0; i < net->n_layers; i++)
    if (!net->layers[i].in_place && !net->layers[i].dout_assigned
        && !net->layers[i].dout_is_adds)
      zero (net->layers[i].dout, elements (&net->layers[i]));
}

/* The input gradient of the batchnorm after convolution l, as l's backward pass makes it. */
static FER_FN (FerBatchnormInputGradient)
bn_input_gradient (const Net *net, const Layer *l)
{
  const Layer *bn = &net->layers[l->folding_bn];
  return (FER_FN (FerBatchnormInputGradient)) { bn->dout, l->out,
    (size_t) net->batch * l->h * l->w, bn->grad_a, bn->grad_b, bn->grad_d, bn->save_mean,
    bn->relu_fused ? bn->save_scale : NULL, bn->relu_fused ? bn->save_shift : NULL };
}

static void
backward_layer (Net *net, Layer *l)
{
  const FerLayerSpec *s = &l->spec;
  const gboolean from_image = s->input == FER_NET_IMAGE;
  FerImageStrides strides;
  const fer_real *in = input_of (net, l, &strides);
  fer_real *din = from_image ? NULL : net->layers[s->input].dout;
  const size_t n = elements (l);
  switch (s->kind) {
    case FER_LAYER_CONV: {
      if (l->by_sibling)
        break;   /* done with its sibling's */
      const FerConv2d conv = { l->in_c, s->channels, s->kernel, s->stride, s->padding };
      FER_FN (FerBatchnormInputGradient) bn_gradient;
      if (l->makes_bn_gradient)
        bn_gradient = bn_input_gradient (net, l);
      const FER_FN (FerBatchnormInputGradient) *dout_bn = l->makes_bn_gradient ? &bn_gradient
          : NULL;
      FER_FN (FerBatchnormInputGradient) sibling_bn_gradient;
      FER_FN (FerConvProjection) projection;
      if (l->with_sibling) {
        Layer *p = &net->layers[l->sibling];
        if (p->makes_bn_gradient)
          sibling_bn_gradient = bn_input_gradient (net, p);
        projection = (FER_FN (FerConvProjection)) { p->spec.channels,
          FER_FN (fer_net_tensor) (net, p->weight), NULL, FER_FN (fer_net_grad) (net, p->weight),
          p->dout, p->makes_bn_gradient ? &sibling_bn_gradient : NULL };
      }
      if (l->by_winograd) {
        FER_FN (fer_conv2d_winograd_backward) (din, l->assigns_din,
            FER_FN (fer_net_grad) (net, l->weight),
            l->bias >= 0 ? FER_FN (fer_net_grad) (net, l->bias) : NULL, net->dcol, l->dout,
            dout_bn, in, FER_FN (fer_net_tensor) (net, l->weight), strides, &conv, net->batch,
            l->in_h, l->in_w);
        break;
      }
      if (l->by_bands) {
        /* (With its sibling, the pair is the input gradient's only writer: it writes it when
         * the sibling, the later, was to.) */
        FER_FN (fer_conv2d_bands_backward) (din, l->assigns_din
            || (l->with_sibling && net->layers[l->sibling].assigns_din),
            FER_FN (fer_net_grad) (net, l->weight),
            l->bias >= 0 ? FER_FN (fer_net_grad) (net, l->bias) : NULL, net->col, net->dcol,
            l->dout, dout_bn, l->with_sibling ? &projection : NULL, in,
            FER_FN (fer_net_tensor) (net, l->weight), strides, &conv, l->band_rows, net->batch,
            l->in_h, l->in_w);
        break;
      }
      /* Without columns of its own, the shared scratch holds the last convolution's: this one's
       * are made again.  (The training forward made them wherever the backward needs them.) */
      if (l->col == NULL && !FER_FN (fer_conv2d_direct_backward_applies) (&conv, l->in_w)) {
        const int positions = net->batch * l->h * l->w;
        FER_FN (fer_im2col) (net->col, positions, in, strides, &conv, net->batch, l->in_h,
            l->in_w);
      }
      FER_FN (fer_conv2d_backward) (din, l->assigns_din, FER_FN (fer_net_grad) (net, l->weight),
          l->bias >= 0 ? FER_FN (fer_net_grad) (net, l->bias) : NULL, net->dcol, l->dout,
          l->col ? l->col : net->col, in, FER_FN (fer_net_tensor) (net, l->weight), strides,
          &conv,
          net->batch, l->in_h, l->in_w);
      break;
    }
    case FER_LAYER_BATCHNORM:
      if (net->layers[s->input].makes_bn_gradient) {   /* (s->input: a convolution) */
        FER_FN (fer_batchnorm_backward_coefficients) (l->grad_a, l->grad_b, l->grad_d,
            FER_FN (fer_net_grad) (net, l->weight), FER_FN (fer_net_grad) (net, l->bias),
            l->dout, in, l->save_mean, l->save_invstd, FER_FN (fer_net_tensor) (net, l->weight),
            l->c, (size_t) net->batch * l->h * l->w, l->relu_fused ? l->save_scale : NULL,
            l->relu_fused ? l->save_shift : NULL);
        break;
      }
      FER_FN (fer_batchnorm_backward) (din, l->assigns_din,
          FER_FN (fer_net_grad) (net, l->weight), FER_FN (fer_net_grad) (net, l->bias), l->dout,
          in, l->save_mean, l->save_invstd, FER_FN (fer_net_tensor) (net, l->weight), l->c,
          (size_t) net->batch * l->h * l->w, l->relu_fused ? l->save_scale : NULL,
          l->relu_fused ? l->save_shift : NULL);
      break;
    case FER_LAYER_RELU:
      if (l->relu_fused)
        break;   /* the batchnorm before it passes its gradient through */
      if (l->in_place) {
        FER_FN (fer_relu_backward) (l->dout, l->out, n);   /* l->dout is din */
        break;
      }
      FER_PARALLEL_FOR (n)
      for (size_t k = 0; k < n; k++)
        din[k] += l->out[k] > 0 ? l->dout[k] : 0;   /* branchless: vectorised */
      break;
    case FER_LAYER_ADD: {
      /* (An input whose gradient is the add's own has it already.) */
      for (int k = 0; k < 2; k++) {
        Layer *from = &net->layers[k == 0 ? s->input : s->input2];
        if (from->dout_is_adds)
          continue;
        FER_PARALLEL_FOR (n)
        for (size_t j = 0; j < n; j++)
          from->dout[j] += l->dout[j];
      }
      break;
    }
    case FER_LAYER_MAXPOOL:
      if (din)
        FER_FN (fer_maxpool2d_backward) (din, strides, l->dout, l->argmax, l->c, net->batch, l->h,
            l->w);
      break;
    case FER_LAYER_ROI_POOL:
      FER_FN (fer_roi_max_pool_backward) (din, strides, l->dout, l->argmax, net->rois,
          net->n_rois, l->in_c, s->pooled, s->pooled);
      break;
    case FER_LAYER_FLATTEN:
      FER_FN (fer_flatten_backward) (din, l->dout, l->in_c, net->batch, l->in_h * l->in_w);
      break;
    case FER_LAYER_LINEAR:
      FER_FN (fer_linear_backward) (din, FER_FN (fer_net_grad) (net, l->weight),
          FER_FN (fer_net_grad) (net, l->bias), l->dout, in, FER_FN (fer_net_tensor) (net,
              l->weight), l->rows, l->in_c, l->c);
      break;
    case FER_LAYER_DROPOUT:
      if (net->training && s->p > 0)
        FER_FN (fer_dropout_backward) (din, l->dout, l->mask, n, s->p);
      else
        for (size_t k = 0; k < n; k++)
          din[k] += l->dout[k];
      break;
  }
}

void
FER_FN (fer_net_backward) (Net *net)
{
  /* Batch statistics, dropout masks and region pooling of a training forward are what it reads. */
  g_return_if_fail (net->training);
  for (int i = net->n_layers - 1; i >= 0; i--) {
    const gint64 start = net->timer_backward ? g_get_monotonic_time () : 0;
    backward_layer (net, &net->layers[i]);
    if (net->timer_backward)
      net->timer_backward[i] += (double) (g_get_monotonic_time () - start);
  }
}

void
FER_FN (fer_net_set_layer_timer) (Net *net, double *forward_us, double *backward_us)
{
  net->timer_forward = forward_us;
  net->timer_backward = backward_us;
}
