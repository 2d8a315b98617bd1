#include "io/model-file.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "base/fer-error.h"
#include "io/json-numbers.h"


/* Metadata keys this file interprets; everything else goes to FerModelInfo.extra. */
static const char *const known_keys[] = {
  "format", "format_version", "architecture", "num_classes", "labels", "input_size", "mean",
  "std", "crop", NULL,
};

/* "[a, b, c]" (n <= 3) of exactly n finite numbers, finite as floats too. */
static gboolean
parse_number_array (const char *text, float *out, int n)
{
  JsonNode *node = json_from_string (text, NULL);
  double values[3];
  gboolean ok = n <= 3 && fer_json_numbers (node, n, values);
  for (int i = 0; ok && i < n; i++) {
    out[i] = (float) values[i];
    ok = isfinite (out[i]);
  }
  if (node)
    json_node_unref (node);
  return ok;
}

/* A JSON array of strings, as a NULL-terminated vector, or NULL. */
static char **
parse_string_array (const char *text)
{
  JsonNode *node = json_from_string (text, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node)) {
    if (node)
      json_node_unref (node);
    return NULL;
  }
  JsonArray *array = json_node_get_array (node);
  const guint n = json_array_get_length (array);
  char **strings = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++) {
    JsonNode *element = json_array_get_element (array, i);
    if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING) {
      g_strfreev (strings);
      json_node_unref (node);
      return NULL;
    }
    strings[i] = g_strdup (json_node_get_string (element));
  }
  json_node_unref (node);
  return strings;
}

static gboolean
parse_int (const char *text, int min, int max, int *out)
{
  gint64 value;
  if (!g_ascii_string_to_signed (text, 10, min, max, &value, NULL))
    return FALSE;
  *out = (int) value;
  return TRUE;
}

#define METADATA_ERROR(field, format, ...) do { \
    g_set_error (error, FER_ERROR, FER_ERROR_MODEL, "%s: metadata '%s': " format, path, field, \
        __VA_ARGS__); \
    fer_model_info_free (info); \
    return NULL; \
  } while (0)

/* Builds the model's description from the file's metadata, checking it against num_classes
 * (which the tensors decided). */
static FerModelInfo *
info_from_metadata (GHashTable *metadata, int num_classes, const char *path, GError **error)
{
  FerModelInfo *info = fer_model_info_new (num_classes);
  const char *value;
  int version;

  if ((value = g_hash_table_lookup (metadata, "format_version"))
      && (!parse_int (value, 1, G_MAXINT, &version) || version > FER_MODEL_FORMAT_VERSION))
    METADATA_ERROR ("format_version", "version '%s' is not one this build reads (1): "
        "upgrade gst-fer or re-export the model", value);
  if ((value = g_hash_table_lookup (metadata, "architecture"))
      && strcmp (value, FER_MODEL_ARCHITECTURE) != 0)
    METADATA_ERROR ("architecture", "'%s' is not supported; only " FER_MODEL_ARCHITECTURE
        " is", value);
  int declared;
  if ((value = g_hash_table_lookup (metadata, "num_classes"))
      && (!parse_int (value, 2, FER_SIMPLECONV3_MAX_CLASSES, &declared) || declared != num_classes))
    METADATA_ERROR ("num_classes", "'%s' disagrees with fc3.weight, which has %d classes",
        value, num_classes);
  if ((value = g_hash_table_lookup (metadata, "labels"))) {
    char **labels = parse_string_array (value);
    gboolean ok = labels && fer_model_info_set_labels (info, (const char *const *) labels);
    g_strfreev (labels);
    if (!ok)
      METADATA_ERROR ("labels", "must be a JSON array of %d distinct non-empty names, got %s",
          num_classes, value);
  }
  if ((value = g_hash_table_lookup (metadata, "input_size"))
      && (!parse_int (value, 1, G_MAXINT, &info->input_size)
          || info->input_size != FER_SIMPLECONV3_INPUT_SIZE))
    METADATA_ERROR ("input_size", "'%s' is not supported: simpleconv3 takes %d x %d inputs",
        value, FER_SIMPLECONV3_INPUT_SIZE, FER_SIMPLECONV3_INPUT_SIZE);
  if ((value = g_hash_table_lookup (metadata, "mean")) && !parse_number_array (value, info->mean, 3))
    METADATA_ERROR ("mean", "must be a JSON array of 3 numbers within a float's range, got %s",
        value);
  if ((value = g_hash_table_lookup (metadata, "std"))) {
    if (!parse_number_array (value, info->std, 3)
        || !(info->std[0] > 0 && info->std[1] > 0 && info->std[2] > 0))
      METADATA_ERROR ("std", "must be a JSON array of 3 positive numbers within a float's "
          "range, got %s", value);
  }
  if ((value = g_hash_table_lookup (metadata, "crop"))) {
    g_free (info->crop);
    info->crop = g_strdup (value);
  }

  GHashTableIter iter;
  gpointer key, val;
  g_hash_table_iter_init (&iter, metadata);
  while (g_hash_table_iter_next (&iter, &key, &val))
    if (!g_strv_contains (known_keys, key) && !fer_training_record_has_key (key))
      g_hash_table_insert (info->extra, g_strdup (key), g_strdup (val));
  if (!fer_training_record_read (&info->training, metadata, path, error)) {
    fer_model_info_free (info);
    return NULL;
  }
  return info;
}

static char *
shape_string (int ndim, const int64_t *shape)
{
  GString *s = g_string_new ("[");
  for (int i = 0; i < ndim; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? ", " : "", shape[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* The number of classes, read off fc3.weight ([classes, 128]). */
static gboolean
find_num_classes (const FerSafetensors *file, int *num_classes, GError **error)
{
  const FerSafetensorsTensor *fc3 = fer_safetensors_find (file, "fc3.weight");
  if (fc3 == NULL) {
    g_set_error (error, FER_ERROR, FER_ERROR_MODEL,
        "%s: missing tensor 'fc3.weight': not a simpleconv3 model", file->path);
    return FALSE;
  }
  if (fc3->ndim != 2 || fc3->shape[1] != FER_SIMPLECONV3_FC2 || fc3->shape[0] < 2
      || fc3->shape[0] > FER_SIMPLECONV3_MAX_CLASSES) {
    char *shape = shape_string (fc3->ndim, fc3->shape);
    g_set_error (error, FER_ERROR, FER_ERROR_MODEL,
        "%s: tensor 'fc3.weight' has shape %s; simpleconv3 needs [classes, %d] with 2 to %d "
        "classes", file->path, shape, FER_SIMPLECONV3_FC2, FER_SIMPLECONV3_MAX_CLASSES);
    g_free (shape);
    return FALSE;
  }
  *num_classes = (int) fc3->shape[0];
  return TRUE;
}

static gboolean
check_tensor (const FerSafetensors *file, const FerTensorSpec *spec,
    const FerSafetensorsTensor *tensor, GError **error)
{
  if (spec->kind == FER_TENSOR_COUNTER) {
    /* A scalar in PyTorch; a one-element vector is accepted too. */
    if (tensor->numel != 1 || tensor->ndim > 1 || fer_dtype_is_float (tensor->dtype)
        || tensor->dtype == FER_DTYPE_BOOL) {
      g_set_error (error, FER_ERROR, FER_ERROR_MODEL,
          "%s: tensor '%s' must be one integer (I64), got dtype %s with %zu elements",
          file->path, spec->name, fer_dtype_name (tensor->dtype), tensor->numel);
      return FALSE;
    }
    return TRUE;
  }
  gboolean same = tensor->ndim == spec->ndim;
  for (int d = 0; same && d < spec->ndim; d++)
    same = tensor->shape[d] == spec->shape[d];
  if (!same) {
    char *got = shape_string (tensor->ndim, tensor->shape);
    char *want = shape_string (spec->ndim, spec->shape);
    g_set_error (error, FER_ERROR, FER_ERROR_MODEL,
        "%s: tensor '%s' has shape %s; simpleconv3 needs %s", file->path, spec->name, got, want);
    g_free (got);
    g_free (want);
    return FALSE;
  }
  if (!fer_dtype_is_float (tensor->dtype)) {
    g_set_error (error, FER_ERROR, FER_ERROR_MODEL,
        "%s: tensor '%s' has dtype %s; expected F32 (or F16, BF16, F64)", file->path,
        spec->name, fer_dtype_name (tensor->dtype));
    return FALSE;
  }
  return TRUE;
}

static gboolean
read_tensors (FerSimpleConv3 *model, const FerSafetensors *file, const char *const *also_allowed,
    GError **error)
{
  for (guint i = 0; i < file->tensors->len; i++) {
    const FerSafetensorsTensor *tensor = file->tensors->pdata[i];
    if (fer_simpleconv3_layout_find (&model->layout, tensor->name) == NULL
        && !(also_allowed && g_strv_contains (also_allowed, tensor->name))) {
      g_set_error (error, FER_ERROR, FER_ERROR_MODEL,
          "%s: unexpected tensor '%s': not part of simpleconv3", file->path, tensor->name);
      return FALSE;
    }
  }
  for (int i = 0; i < FER_SIMPLECONV3_N_TENSORS; i++) {
    const FerTensorSpec *spec = &model->layout.tensors[i];
    const FerSafetensorsTensor *tensor = fer_safetensors_find (file, spec->name);
    if (tensor == NULL && spec->kind == FER_TENSOR_COUNTER)
      continue;   /* older PyTorch versions do not save num_batches_tracked */
    if (tensor == NULL) {
      g_set_error (error, FER_ERROR, FER_ERROR_MODEL,
          "%s: missing tensor '%s': the file is incomplete or not a simpleconv3 model",
          file->path, spec->name);
      return FALSE;
    }
    if (!check_tensor (file, spec, tensor, error))
      return FALSE;
    if (spec->kind == FER_TENSOR_COUNTER) {
      if (!fer_safetensors_read_i64 (file, tensor, &model->num_batches_tracked[spec->offset], 1,
              error))
        return FALSE;
      continue;
    }
    float *data = fer_simpleconv3_tensor (model, i);
    if (!fer_safetensors_read_f32 (file, tensor, data, spec->numel, error))
      return FALSE;
    for (size_t j = 0; j < spec->numel; j++)
      if (!isfinite (data[j])) {
        g_set_error (error, FER_ERROR, FER_ERROR_MODEL,
            "%s: tensor '%s' holds NaN or infinity at element %zu: the model is broken "
            "(diverged training?)", file->path, spec->name, j);
        return FALSE;
      }
  }
  return TRUE;
}

FerSimpleConv3 *
fer_model_from_safetensors (const FerSafetensors *file, const char *const *also_allowed,
    FerModelInfo **info, GError **error)
{
  FerSimpleConv3 *model = NULL;
  int num_classes;

  if (!find_num_classes (file, &num_classes, error))
    return NULL;
  /* The metadata first: it is small and cheap to check, the tensors are not. */
  FerModelInfo *loaded = info_from_metadata (file->metadata, num_classes, file->path, error);
  if (loaded == NULL)
    return NULL;
  model = fer_simpleconv3_new (num_classes);
  if (model == NULL) {
    g_set_error (error, FER_ERROR, FER_ERROR_MODEL, "%s: out of memory", file->path);
    fer_model_info_free (loaded);
    return NULL;
  }
  if (!read_tensors (model, file, also_allowed, error)) {
    fer_model_info_free (loaded);
    goto failed;
  }
  if (info)
    *info = loaded;
  else
    fer_model_info_free (loaded);
  model->training = FALSE;
  return model;

  /* ERRORS */
failed:
  fer_simpleconv3_free (model);
  return NULL;
}

FerSimpleConv3 *
fer_model_load (const char *path, FerModelInfo **info, GError **error)
{
  FerSafetensors *file = fer_safetensors_load (path, error);
  if (file == NULL)
    return NULL;
  FerSimpleConv3 *model = fer_model_from_safetensors (file, NULL, info, error);
  fer_safetensors_free (file);
  return model;
}

static char *
number_array_string (const float *values, int n)
{
  GString *s = g_string_new ("[");
  for (int i = 0; i < n; i++) {
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_string_append_printf (s, "%s%s", i ? ", " : "", g_ascii_dtostr (buf, sizeof buf, values[i]));
  }
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

static char *
string_array_json (char **strings)
{
  JsonArray *array = json_array_new ();
  for (int i = 0; strings[i]; i++)
    json_array_add_string_element (array, strings[i]);
  JsonNode *node = json_node_init_array (json_node_alloc (), array);
  char *json = json_to_string (node, FALSE);
  json_node_unref (node);
  json_array_unref (array);
  return json;
}

gboolean
fer_model_add_to_writer (FerSimpleConv3 *model, const FerModelInfo *info,
    FerSafetensorsWriter *writer, const char *path, GError **error)
{
  if (info->num_classes != model->layout.num_classes
      || g_strv_length (info->labels) != (guint) info->num_classes) {
    g_set_error (error, FER_ERROR, FER_ERROR_ARGUMENT,
        "cannot save '%s': the description has %d classes / %u labels, the model %d classes",
        path, info->num_classes, g_strv_length (info->labels), model->layout.num_classes);
    return FALSE;
  }
  char *num_classes = g_strdup_printf ("%d", info->num_classes);
  char *version = g_strdup_printf ("%d", FER_MODEL_FORMAT_VERSION);
  char *input_size = g_strdup_printf ("%d", info->input_size);
  char *labels = string_array_json (info->labels);
  char *mean = number_array_string (info->mean, 3);
  char *std = number_array_string (info->std, 3);

  fer_safetensors_writer_set_metadata (writer, "format", FER_MODEL_FORMAT);
  fer_safetensors_writer_set_metadata (writer, "format_version", version);
  fer_safetensors_writer_set_metadata (writer, "architecture", FER_MODEL_ARCHITECTURE);
  fer_safetensors_writer_set_metadata (writer, "num_classes", num_classes);
  fer_safetensors_writer_set_metadata (writer, "labels", labels);
  fer_safetensors_writer_set_metadata (writer, "input_size", input_size);
  fer_safetensors_writer_set_metadata (writer, "mean", mean);
  fer_safetensors_writer_set_metadata (writer, "std", std);
  fer_safetensors_writer_set_metadata (writer, "crop", info->crop);
  /* The training record and the extra entries in sorted order, so that equal models give equal
   * files. */
  GHashTable *more = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTableIter iter;
  gpointer key, value;
  g_hash_table_iter_init (&iter, info->extra);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (more, g_strdup (key), g_strdup (value));
  fer_training_record_write (&info->training, more);
  GList *keys = g_list_sort (g_hash_table_get_keys (more), (GCompareFunc) strcmp);
  for (GList *k = keys; k; k = k->next)
    fer_safetensors_writer_set_metadata (writer, k->data, g_hash_table_lookup (more, k->data));
  g_list_free (keys);
  g_hash_table_unref (more);

  for (int i = 0; i < FER_SIMPLECONV3_N_TENSORS; i++) {
    const FerTensorSpec *spec = &model->layout.tensors[i];
    if (spec->kind == FER_TENSOR_COUNTER)
      fer_safetensors_writer_add (writer, spec->name, FER_DTYPE_I64, 0, NULL,
          &model->num_batches_tracked[spec->offset]);
    else
      fer_safetensors_writer_add (writer, spec->name, FER_DTYPE_F32, spec->ndim, spec->shape,
          fer_simpleconv3_tensor (model, i));
  }
  g_free (num_classes);
  g_free (version);
  g_free (input_size);
  g_free (labels);
  g_free (mean);
  g_free (std);
  return TRUE;
}

gboolean
fer_model_save (FerSimpleConv3 *model, const FerModelInfo *info, const char *path,
    GError **error)
{
  FerSafetensorsWriter *writer = fer_safetensors_writer_new ();
  gboolean ok = fer_model_add_to_writer (model, info, writer, path, error)
      && fer_safetensors_writer_save (writer, path, error);
  fer_safetensors_writer_free (writer);
  return ok;
}
