#include "detect/detector-design.h"

#include <json-glib/json-glib.h>
#include <string.h>
#include "base/fer-error.h"
#include "io/json-numbers.h"
#include "nn/seed004-net.h"

static int
relu (FerLayerSpec *layers, int *n, int input)
{
  layers[*n] = (FerLayerSpec) { .kind = FER_LAYER_RELU, .input = input };
  return (*n)++;
}

static int
conv_bn_relu (FerLayerSpec *layers, int *n, const char *name, int input, int channels,
    int stride)
{
  return relu (layers, n, fer_seed004_add_conv_bn (layers, n, name, input, channels, 3, stride,
          1));
}

static int
head_conv (FerLayerSpec *layers, int *n, const char *name, int input, int channels)
{
  FerLayerSpec l = { .kind = FER_LAYER_CONV, .input = input, .channels = channels, .kernel = 3,
    .stride = 1, .padding = 1, .bias = TRUE };
  g_strlcpy (l.name, name, sizeof l.name);
  layers[*n] = l;
  return (*n)++;
}

static void
add_head (FerDetectorDesign *d, const char *name, int input, int stride, const float *sizes,
    int n_sizes)
{
  FerDetectorHead *h = &d->heads[d->n_heads++];
  h->anchors = (FerAnchorSpec) { .stride = stride, .n_sizes = n_sizes, .n_ratios = 1,
    .ratios = { 0.8f } };
  memcpy (h->anchors.sizes, sizes, n_sizes * sizeof *sizes);
  char path[48];
  g_snprintf (path, sizeof path, "%s.logits", name);
  h->logits = head_conv (d->layers, &d->n_layers, path, input, 2 * n_sizes);
  g_snprintf (path, sizeof path, "%s.offsets", name);
  h->offsets = head_conv (d->layers, &d->n_layers, path, input, 4 * n_sizes);
}

void
fer_detector_design_default (FerDetectorDesign *d)
{
  memset (d, 0, sizeof *d);
  FerLayerSpec *l = d->layers;
  int *n = &d->n_layers;
  /* Early maps are large: plain convolutions, few channels (most of the time is spent here). */
  int x = conv_bn_relu (l, n, "conv1", FER_NET_IMAGE, 8, 2);
  x = conv_bn_relu (l, n, "conv2", x, 16, 2);
  x = conv_bn_relu (l, n, "conv3", x, 32, 2);
  const int s8 = conv_bn_relu (l, n, "conv4", x, 32, 1);
  const int s16 = fer_seed004_add_basic_block (l, n, "layer5.0", s8, 32, 64, 2);
  const int s32 = fer_seed004_add_basic_block (l, n, "layer6.0", s16, 64, 64, 2);
  add_head (d, "head8", s8, 8, (const float[]) { 16, 24 }, 2);
  add_head (d, "head16", s16, 16, (const float[]) { 32, 45, 64 }, 3);
  add_head (d, "head32", s32, 32, (const float[]) { 96, 140, 208 }, 3);
  d->score_threshold = 0.6;
  d->nms_iou = 0.4;
}

/* Same layers, same tensors, in the same order: copied one by one. */
FerNet *
fer_detector_net_resized (FerNet *loaded, int width, int height, int max_batch,
    GError **error)
{
  int n_layers, c, h, w;
  const FerLayerSpec *layers = fer_net_layers (loaded, &n_layers);
  fer_net_input_shape (loaded, &c, &h, &w);
  FerNet *net = fer_net_new (layers, n_layers, c, height, width, max_batch, 0, error);
  if (net == NULL)
    return NULL;
  for (int t = 0; t < fer_net_n_tensors (net); t++)
    fer_net_copy_tensor (net, t, loaded, t);
  return net;
}

/* ---- the heads as metadata ---- */

char *
fer_detector_heads_to_json (const FerDetectorDesign *d)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "score_threshold");
  json_builder_add_double_value (b, d->score_threshold);
  json_builder_set_member_name (b, "nms_iou");
  json_builder_add_double_value (b, d->nms_iou);
  json_builder_set_member_name (b, "heads");
  json_builder_begin_array (b);
  for (int i = 0; i < d->n_heads; i++) {
    const FerDetectorHead *h = &d->heads[i];
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "logits");
    json_builder_add_string_value (b, d->layers[h->logits].name);
    json_builder_set_member_name (b, "offsets");
    json_builder_add_string_value (b, d->layers[h->offsets].name);
    json_builder_set_member_name (b, "stride");
    json_builder_add_int_value (b, h->anchors.stride);
    json_builder_set_member_name (b, "sizes");
    json_builder_begin_array (b);
    for (int s = 0; s < h->anchors.n_sizes; s++)
      json_builder_add_double_value (b, h->anchors.sizes[s]);
    json_builder_end_array (b);
    json_builder_set_member_name (b, "ratios");
    json_builder_begin_array (b);
    for (int r = 0; r < h->anchors.n_ratios; r++)
      json_builder_add_double_value (b, h->anchors.ratios[r]);
    json_builder_end_array (b);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
  JsonNode *root = json_builder_get_root (b);
  char *text = json_to_string (root, FALSE);
  json_node_unref (root);
  g_object_unref (b);
  return text;
}

static int
layer_named (const FerDetectorDesign *d, const char *name)
{
  for (int i = 0; name && i < d->n_layers; i++)
    if (strcmp (d->layers[i].name, name) == 0)
      return i;
  return -1;
}

/* A number member within [min, max]; FALSE when absent, not a number or outside. */
static gboolean
number_member (JsonObject *o, const char *member, double min, double max, double *out)
{
  return fer_json_number (json_object_get_member (o, member), out) && *out >= min && *out <= max;
}

static gboolean
number_list (JsonObject *o, const char *member, int max_count, float *out, int *count)
{
  JsonNode *node = json_object_get_member (o, member);
  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_ARRAY)
    return FALSE;
  JsonArray *a = json_node_get_array (node);
  *count = json_array_get_length (a);
  if (*count < 1 || *count > max_count)
    return FALSE;
  for (int i = 0; i < *count; i++) {
    double v;
    if (!fer_json_number (json_array_get_element (a, i), &v) || !(v > 0 && v <= 4096))
      return FALSE;
    out[i] = v;
  }
  return TRUE;
}

gboolean
fer_detector_heads_from_json (FerDetectorDesign *d, const char *json, GError **error)
{
  JsonParser *parser = json_parser_new ();
  gboolean ok = FALSE;
  const char *what = "not a JSON object with 'score_threshold', 'nms_iou' and 'heads'";
  int head = -1;
  if (json == NULL || !json_parser_load_from_data (parser, json, -1, NULL))
    goto out;
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || JSON_NODE_TYPE (root) != JSON_NODE_OBJECT)
    goto out;
  JsonObject *o = json_node_get_object (root);
  if (!number_member (o, "score_threshold", 0, 1, &d->score_threshold)
      || !number_member (o, "nms_iou", 0, 1, &d->nms_iou))
    goto out;
  JsonNode *heads = json_object_get_member (o, "heads");
  if (heads == NULL || JSON_NODE_TYPE (heads) != JSON_NODE_ARRAY)
    goto out;
  JsonArray *a = json_node_get_array (heads);
  d->n_heads = json_array_get_length (a);
  if (d->n_heads < 1 || d->n_heads > FER_DETECTOR_MAX_HEADS) {
    what = "'heads' must list 1 to 4 heads";
    goto out;
  }
  for (head = 0; head < d->n_heads; head++) {
    FerDetectorHead *h = &d->heads[head];
    memset (h, 0, sizeof *h);
    JsonNode *e = json_array_get_element (a, head);
    what = "must be an object with 'logits', 'offsets' (layer names), 'stride', 'sizes' and "
        "'ratios'";
    if (JSON_NODE_TYPE (e) != JSON_NODE_OBJECT)
      goto out;
    JsonObject *ho = json_node_get_object (e);
    double stride;
    if (!number_member (ho, "stride", 1, 1024, &stride) || stride != (int) stride
        || !number_list (ho, "sizes", FER_ANCHOR_MAX_SIZES, h->anchors.sizes,
            &h->anchors.n_sizes)
        || !number_list (ho, "ratios", FER_ANCHOR_MAX_RATIOS, h->anchors.ratios,
            &h->anchors.n_ratios))
      goto out;
    h->anchors.stride = stride;
    const char *logits = json_object_get_string_member_with_default (ho, "logits", NULL);
    const char *offsets = json_object_get_string_member_with_default (ho, "offsets", NULL);
    h->logits = layer_named (d, logits);
    h->offsets = layer_named (d, offsets);
    what = "names a layer that is not a convolution of the network";
    if (h->logits < 0 || h->offsets < 0 || d->layers[h->logits].kind != FER_LAYER_CONV
        || d->layers[h->offsets].kind != FER_LAYER_CONV)
      goto out;
    const int per_cell = fer_anchors_per_cell (&h->anchors);
    what = "has layers whose channels do not match its anchors (2 logits and 4 offsets each)";
    if (d->layers[h->logits].channels != 2 * per_cell
        || d->layers[h->offsets].channels != 4 * per_cell)
      goto out;
  }
  ok = TRUE;

out:
  if (!ok) {
    if (head >= 0)
      g_set_error (error, FER_ERROR, FER_ERROR_MODEL, "metadata 'detector': head %d %s", head,
          what);
    else
      g_set_error (error, FER_ERROR, FER_ERROR_MODEL, "metadata 'detector': %s", what);
  }
  g_object_unref (parser);
  return ok;
}

/* ---- anchors and the heads' outputs ---- */

int
fer_detector_anchors (const FerDetectorDesign *d, const FerNet *net, FerBoxF *anchors)
{
  int total = 0;
  int in_c, in_h, in_w;
  fer_net_input_shape (net, &in_c, &in_h, &in_w);
  for (int i = 0; i < d->n_heads; i++) {
    const FerDetectorHead *h = &d->heads[i];
    int c, mh, mw, rows, oc, oh, ow, orows;
    fer_net_layer_shape (net, h->logits, &c, &mh, &mw, &rows);
    fer_net_layer_shape (net, h->offsets, &oc, &oh, &ow, &orows);
    /* Both maps must be the input at the head's stride (rounded up, as padded convolutions):
     * the anchors are laid on it, and gathering reads both at each anchor's cell. */
    if (oh != mh || ow != mw || (in_w + h->anchors.stride - 1) / h->anchors.stride != mw
        || (in_h + h->anchors.stride - 1) / h->anchors.stride != mh)
      return -1;
    const int count = mw * mh * fer_anchors_per_cell (&h->anchors);
    if (anchors && fer_anchor_grid (&h->anchors, mw, mh, anchors + total) < 0)
      return -1;
    total += count;
  }
  return total;
}

void
fer_detector_gather (const FerDetectorDesign *d, FerNet *net, int b, float *logits,
    float *offsets)
{
  for (int i = 0; i < d->n_heads; i++) {
    const FerDetectorHead *h = &d->heads[i];
    const int per_cell = fer_anchors_per_cell (&h->anchors);
    int c, mh, mw, rows;
    fer_net_layer_shape (net, h->logits, &c, &mh, &mw, &rows);
    const int plane = mh * mw;
    const float *lo = fer_net_output (net, h->logits);
    const float *of = fer_net_output (net, h->offsets);
    for (int cell = 0; cell < plane; cell++)
      for (int a = 0; a < per_cell; a++) {
        for (int k = 0; k < 2; k++)
          *logits++ = lo[((size_t) (2 * a + k) * rows + b) * plane + cell];
        for (int j = 0; j < 4; j++)
          *offsets++ = of[((size_t) (4 * a + j) * rows + b) * plane + cell];
      }
  }
}

void
fer_detector_scatter_grad (const FerDetectorDesign *d, FerNet *net, int b,
    const float *dlogits, const float *doffsets)
{
  for (int i = 0; i < d->n_heads; i++) {
    const FerDetectorHead *h = &d->heads[i];
    const int per_cell = fer_anchors_per_cell (&h->anchors);
    int c, mh, mw, rows;
    fer_net_layer_shape (net, h->logits, &c, &mh, &mw, &rows);
    const int plane = mh * mw;
    float *lo = fer_net_output_grad (net, h->logits);
    float *of = fer_net_output_grad (net, h->offsets);
    for (int cell = 0; cell < plane; cell++)
      for (int a = 0; a < per_cell; a++) {
        for (int k = 0; k < 2; k++)
          lo[((size_t) (2 * a + k) * rows + b) * plane + cell] += *dlogits++;
        for (int j = 0; j < 4; j++)
          of[((size_t) (4 * a + j) * rows + b) * plane + cell] += *doffsets++;
      }
  }
}
