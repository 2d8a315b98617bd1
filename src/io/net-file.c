#include "io/net-file.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "base/fer-error.h"
#include "io/model-info.h"
#include "io/safetensors.h"

/* Metadata keys this file interprets; everything else goes to extra. */
static const char *const known_keys[] = {
  "format", "format_version", "architecture", "input", "layers", NULL,
};

/* The fields each kind uses, besides kind, name and input. */
static gboolean
uses (FerLayerKind kind, const char *field)
{
  static const char *const conv[] = { "channels", "kernel", "stride", "padding", "bias", NULL };
  static const char *const maxpool[] = { "kernel", "stride", "padding", NULL };
  static const char *const linear[] = { "channels", "bias", NULL };
  static const char *const add[] = { "input2", NULL };
  static const char *const roi_pool[] = { "pooled", NULL };
  static const char *const dropout[] = { "p", NULL };
  static const char *const none[] = { NULL };
  const char *const *fields = kind == FER_LAYER_CONV ? conv : kind == FER_LAYER_MAXPOOL ? maxpool
      : kind == FER_LAYER_LINEAR ? linear : kind == FER_LAYER_ADD ? add
      : kind == FER_LAYER_ROI_POOL ? roi_pool : kind == FER_LAYER_DROPOUT ? dropout : none;
  return g_strv_contains (fields, field);
}

static JsonNode *
layer_to_json (const FerLayerSpec *l)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, fer_layer_kind_name (l->kind));
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, l->name);
  json_builder_set_member_name (b, "input");
  json_builder_add_int_value (b, l->input);
  const struct { const char *field; int value; } ints[] = {
    { "input2", l->input2 }, { "channels", l->channels }, { "kernel", l->kernel },
    { "stride", l->stride }, { "padding", l->padding }, { "pooled", l->pooled },
  };
  for (guint k = 0; k < G_N_ELEMENTS (ints); k++)
    if (uses (l->kind, ints[k].field)) {
      json_builder_set_member_name (b, ints[k].field);
      json_builder_add_int_value (b, ints[k].value);
    }
  if (uses (l->kind, "bias")) {
    json_builder_set_member_name (b, "bias");
    json_builder_add_boolean_value (b, l->bias);
  }
  if (uses (l->kind, "p")) {
    json_builder_set_member_name (b, "p");
    json_builder_add_double_value (b, l->p);
  }
  json_builder_end_object (b);
  JsonNode *node = json_builder_get_root (b);
  g_object_unref (b);
  return node;
}

gboolean
fer_net_save (FerNet *net, GHashTable *extra, const char *path, GError **error)
{
  return fer_net_save_with (net, extra, NULL, 0, path, error);
}

gboolean
fer_net_save_with (FerNet *net, GHashTable *extra, const FerNetExtraTensor *tensors,
    int n_tensors, const char *path, GError **error)
{
  int n_layers, c, h, w;
  const FerLayerSpec *layers = fer_net_layers (net, &n_layers);
  fer_net_input_shape (net, &c, &h, &w);
  JsonArray *array = json_array_new ();
  for (int i = 0; i < n_layers; i++)
    json_array_add_element (array, layer_to_json (&layers[i]));
  JsonNode *root = json_node_init_array (json_node_alloc (), array);
  char *layers_json = json_to_string (root, FALSE);
  json_node_unref (root);
  char *input = g_strdup_printf ("[%d, %d, %d]", c, h, w);
  char *version = g_strdup_printf ("%d", FER_MODEL_FORMAT_VERSION);

  FerSafetensorsWriter *writer = fer_safetensors_writer_new ();
  fer_safetensors_writer_set_metadata (writer, "format", FER_MODEL_FORMAT);
  fer_safetensors_writer_set_metadata (writer, "format_version", version);
  fer_safetensors_writer_set_metadata (writer, "architecture", FER_NET_ARCHITECTURE);
  fer_safetensors_writer_set_metadata (writer, "input", input);
  fer_safetensors_writer_set_metadata (writer, "layers", layers_json);
  if (extra) {
    /* Sorted, so that equal networks give equal files. */
    GList *keys = g_list_sort (g_hash_table_get_keys (extra), (GCompareFunc) strcmp);
    for (GList *k = keys; k; k = k->next)
      if (!g_strv_contains (known_keys, k->data))
        fer_safetensors_writer_set_metadata (writer, k->data, g_hash_table_lookup (extra,
                k->data));
    g_list_free (keys);
  }
  for (int t = 0; t < fer_net_n_tensors (net); t++) {
    const FerNetTensor *info = fer_net_tensor_info (net, t);
    if (info->kind == FER_NET_COUNTER)
      fer_safetensors_writer_add (writer, info->name, FER_DTYPE_I64, 0, NULL,
          fer_net_counter (net, t));
    else
      fer_safetensors_writer_add (writer, info->name, FER_DTYPE_F32, info->ndim, info->shape,
          fer_net_tensor (net, t));
  }
  for (int i = 0; i < n_tensors; i++) {
    const int64_t shape[1] = { (int64_t) tensors[i].count };
    fer_safetensors_writer_add (writer, tensors[i].name, FER_DTYPE_F32, 1, shape,
        tensors[i].data);
  }
  const gboolean saved = fer_safetensors_writer_save (writer, path, error);
  fer_safetensors_writer_free (writer);
  g_free (layers_json);
  g_free (input);
  g_free (version);
  return saved;
}

/* ---- loading ---- */

#define FILE_ERROR(...) do { \
    char *what = g_strdup_printf (__VA_ARGS__); \
    g_set_error (error, FER_ERROR, FER_ERROR_MODEL, "%s: %s", path, what); \
    g_free (what); \
    goto failed; \
  } while (0)

/* An integer member of a layer object, within [min, max]. */
static gboolean
int_member (JsonObject *o, const char *field, int min, int max, int *out)
{
  JsonNode *node = json_object_get_member (o, field);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  const gint64 v = json_node_get_int (node);
  if (v < min || v > max)
    return FALSE;
  *out = (int) v;
  return TRUE;
}

/* The layer list of the metadata, field by field. */
static FerLayerSpec *
parse_layers (const char *text, const char *path, int *n_layers, GError **error)
{
  FerLayerSpec *layers = NULL;
  JsonNode *root = json_from_string (text, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    FILE_ERROR ("metadata 'layers' is not a JSON array of layers");
  JsonArray *array = json_node_get_array (root);
  const guint n = json_array_get_length (array);
  if (n < 1 || n > FER_NET_MAX_LAYERS)
    FILE_ERROR ("metadata 'layers' has %u layers; a network has 1 to %d", n, FER_NET_MAX_LAYERS);
  layers = g_new0 (FerLayerSpec, n);
  for (guint i = 0; i < n; i++) {
    JsonNode *node = json_array_get_element (array, i);
    if (!JSON_NODE_HOLDS_OBJECT (node))
      FILE_ERROR ("layer %u is not a JSON object", i);
    JsonObject *o = json_node_get_object (node);
    FerLayerSpec *l = &layers[i];
    const char *kind = json_object_has_member (o, "kind")
        ? json_object_get_string_member_with_default (o, "kind", NULL) : NULL;
    const char *name = json_object_has_member (o, "name")
        ? json_object_get_string_member_with_default (o, "name", NULL) : NULL;
    if (name == NULL || strlen (name) >= sizeof l->name)
      FILE_ERROR ("layer %u has no \"name\" (a string of at most %zu characters)", i,
          sizeof l->name - 1);
    g_strlcpy (l->name, name, sizeof l->name);
    const int k = fer_layer_kind_from_name (kind);
    if (k < 0)
      FILE_ERROR ("layer %u ('%s'): unknown layer kind '%s' (this version knows conv, batchnorm, "
          "relu, add, maxpool, roi_pool, flatten, linear and dropout)", i, name,
          kind ? kind : "(none)");
    l->kind = (FerLayerKind) k;
    if (!int_member (o, "input", FER_NET_IMAGE, (int) i - 1, &l->input))
      FILE_ERROR ("layer %u ('%s'): \"input\" must be an earlier layer's index or -1 (the image)",
          i, name);
    const struct { const char *field; int min, max; int *out; } ints[] = {
      { "input2", 0, (int) i - 1, &l->input2 }, { "channels", 1, 1 << 20, &l->channels },
      { "kernel", 1, 1024, &l->kernel }, { "stride", 1, 1024, &l->stride },
      { "padding", 0, 1024, &l->padding }, { "pooled", 1, 1024, &l->pooled },
    };
    for (guint f = 0; f < G_N_ELEMENTS (ints); f++)
      if (uses (l->kind, ints[f].field)
          && !int_member (o, ints[f].field, ints[f].min, ints[f].max, ints[f].out))
        FILE_ERROR ("layer %u ('%s', %s): \"%s\" must be a whole number from %d to %d", i, name,
            kind, ints[f].field, ints[f].min, ints[f].max);
    if (uses (l->kind, "bias")) {
      JsonNode *bias = json_object_get_member (o, "bias");
      if (bias == NULL || !JSON_NODE_HOLDS_VALUE (bias)
          || json_node_get_value_type (bias) != G_TYPE_BOOLEAN)
        FILE_ERROR ("layer %u ('%s', %s): \"bias\" must be true or false", i, name, kind);
      l->bias = json_node_get_boolean (bias);
    }
    if (uses (l->kind, "p")) {
      JsonNode *p = json_object_get_member (o, "p");
      if (p == NULL || !JSON_NODE_HOLDS_VALUE (p)
          || (json_node_get_value_type (p) != G_TYPE_DOUBLE
              && json_node_get_value_type (p) != G_TYPE_INT64))
        FILE_ERROR ("layer %u ('%s', dropout): \"p\" must be a number", i, name);
      l->p = json_node_get_double (p);
    }
  }
  json_node_unref (root);
  *n_layers = (int) n;
  return layers;

failed:
  if (root)
    json_node_unref (root);
  g_free (layers);
  return NULL;
}

static gboolean
parse_input (const char *text, int shape[3])
{
  JsonNode *root = text ? json_from_string (text, NULL) : NULL;
  gboolean ok = root && JSON_NODE_HOLDS_ARRAY (root)
      && json_array_get_length (json_node_get_array (root)) == 3;
  for (int d = 0; ok && d < 3; d++) {
    JsonNode *e = json_array_get_element (json_node_get_array (root), d);
    ok = JSON_NODE_HOLDS_VALUE (e) && json_node_get_value_type (e) == G_TYPE_INT64
        && json_node_get_int (e) >= 1 && json_node_get_int (e) <= 65536;
    if (ok)
      shape[d] = (int) json_node_get_int (e);
  }
  if (root)
    json_node_unref (root);
  return ok;
}

/* The layer a tensor belongs to, for messages: its name without the last component. */
static char *
layer_of (const char *tensor)
{
  const char *dot = strrchr (tensor, '.');
  return dot ? g_strndup (tensor, dot - tensor) : g_strdup (tensor);
}

/* Every tensor of net read from file: present, of its shape, finite; no others in the file. */
static gboolean
read_tensors (FerNet *net, const FerSafetensors *file, const char *path,
    const char *allowed_prefix, GError **error)
{
  char *layer = NULL;
  for (int t = 0; t < fer_net_n_tensors (net); t++) {
    const FerNetTensor *info = fer_net_tensor_info (net, t);
    g_free (layer);
    layer = layer_of (info->name);
    const FerSafetensorsTensor *found = fer_safetensors_find (file, info->name);
    if (found == NULL)
      FILE_ERROR ("missing tensor '%s' (layer '%s')", info->name, layer);
    gboolean same = found->ndim == info->ndim;
    for (int d = 0; same && d < info->ndim; d++)
      same = found->shape[d] == info->shape[d];
    if (!same) {
      GString *want = g_string_new ("["), *got = g_string_new ("[");
      for (int d = 0; d < info->ndim; d++)
        g_string_append_printf (want, "%s%" G_GINT64_FORMAT, d ? ", " : "", info->shape[d]);
      for (int d = 0; d < found->ndim; d++)
        g_string_append_printf (got, "%s%" G_GINT64_FORMAT, d ? ", " : "", found->shape[d]);
      g_string_append_c (want, ']');
      g_string_append_c (got, ']');
      g_set_error (error, FER_ERROR, FER_ERROR_MODEL, "%s: tensor '%s' (layer '%s') has shape "
          "%s; the layers need %s", path, info->name, layer, got->str, want->str);
      g_string_free (want, TRUE);
      g_string_free (got, TRUE);
      goto failed;
    }
    if (info->kind == FER_NET_COUNTER) {
      if (!fer_safetensors_read_i64 (file, found, fer_net_counter (net, t), 1, error))
        goto failed;
      continue;
    }
    if (!fer_dtype_is_float (found->dtype))
      FILE_ERROR ("tensor '%s' (layer '%s') has dtype %s; weights must be floating point",
          info->name, layer, fer_dtype_name (found->dtype));
    float *values = fer_net_tensor (net, t);
    if (!fer_safetensors_read_f32 (file, found, values, info->numel, error))
      goto failed;
    for (size_t i = 0; i < info->numel; i++)
      if (!isfinite (values[i]))
        FILE_ERROR ("tensor '%s' (layer '%s') holds NaN or infinity at element %zu: the model is "
            "broken (diverged training?)", info->name, layer, i);
  }
  for (guint i = 0; i < file->tensors->len; i++) {
    const FerSafetensorsTensor *t = file->tensors->pdata[i];
    if (fer_net_find_tensor (net, t->name) < 0
        && !(allowed_prefix && g_str_has_prefix (t->name, allowed_prefix)))
      FILE_ERROR ("unexpected tensor '%s': no layer of the description has it", t->name);
  }
  g_free (layer);
  return TRUE;

failed:
  g_free (layer);
  return FALSE;
}

FerNet *
fer_net_load (const char *path, int max_batch, int max_rois, GHashTable **extra,
    GError **error)
{
  return fer_net_load_with (path, max_batch, max_rois, extra, NULL, NULL, error);
}

FerNet *
fer_net_load_with (const char *path, int max_batch, int max_rois, GHashTable **extra,
    const char *tensor_prefix, FerSafetensors **file_out, GError **error)
{
  FerNet *net = NULL;
  FerLayerSpec *layers = NULL;
  FerSafetensors *file = fer_safetensors_load (path, error);
  if (file == NULL)
    return NULL;
  GHashTable *metadata = file->metadata;
  const char *value = g_hash_table_lookup (metadata, "format_version");
  if (value && strcmp (value, "1") != 0)
    FILE_ERROR ("metadata 'format_version': version '%s' is not one this build reads (1): "
        "upgrade gst-fer", value);
  value = g_hash_table_lookup (metadata, "architecture");
  if (g_strcmp0 (value, FER_NET_ARCHITECTURE) != 0)
    FILE_ERROR ("metadata 'architecture' is '%s', not '%s': not a network of layers",
        value ? value : "(none)", FER_NET_ARCHITECTURE);
  int input[3];
  if (!parse_input (g_hash_table_lookup (metadata, "input"), input))
    FILE_ERROR ("metadata 'input' must be [channels, height, width], whole numbers from 1");
  value = g_hash_table_lookup (metadata, "layers");
  if (value == NULL)
    FILE_ERROR ("metadata 'layers' is missing: the file does not describe its network");
  int n_layers;
  if ((layers = parse_layers (value, path, &n_layers, error)) == NULL)
    goto failed;
  GError *inner = NULL;
  net = fer_net_new (layers, n_layers, input[0], input[1], input[2], max_batch, max_rois, &inner);
  if (net == NULL) {
    g_set_error (error, FER_ERROR, FER_ERROR_MODEL, "%s: %s", path, inner->message);
    g_error_free (inner);
    goto failed;
  }
  if (!read_tensors (net, file, path, tensor_prefix, error))
    goto failed;
  if (extra) {
    *extra = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    GHashTableIter iter;
    gpointer key, val;
    g_hash_table_iter_init (&iter, metadata);
    while (g_hash_table_iter_next (&iter, &key, &val))
      if (!g_strv_contains (known_keys, key))
        g_hash_table_insert (*extra, g_strdup (key), g_strdup (val));
  }
  g_free (layers);
  if (file_out)
    *file_out = file;
  else
    fer_safetensors_free (file);
  return net;

failed:
  fer_net_free (net);
  g_free (layers);
  fer_safetensors_free (file);
  return NULL;
}

gboolean
fer_net_load_weights (FerNet *net, const char *path, GError **error)
{
  FerNet *source = fer_net_load (path, 1, 1, NULL, error);
  if (source == NULL)
    return FALSE;
  gboolean ok = fer_net_n_tensors (source) == fer_net_n_tensors (net);
  if (!ok)
    g_set_error (error, FER_ERROR, FER_ERROR_MODEL, "%s: %d tensors where this network has %d: "
        "not a model of the same layers", path, fer_net_n_tensors (source),
        fer_net_n_tensors (net));
  for (int i = 0; ok && i < fer_net_n_tensors (net); i++) {
    const FerNetTensor *want = fer_net_tensor_info (net, i);
    const int j = fer_net_find_tensor (source, want->name);
    const FerNetTensor *have = j >= 0 ? fer_net_tensor_info (source, j) : NULL;
    ok = have && have->kind == want->kind && have->ndim == want->ndim
        && memcmp (have->shape, want->shape, want->ndim * sizeof *want->shape) == 0;
    if (!ok) {
      g_set_error (error, FER_ERROR, FER_ERROR_MODEL, "%s: tensor '%s' is %s: not a model of "
          "the same layers", path, want->name, have ? "of another shape or kind" : "missing");
      break;
    }
    fer_net_copy_tensor (net, i, source, j);
  }
  fer_net_free (source);
  return ok;
}
