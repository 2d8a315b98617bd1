#include "io/safetensors.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "base/fer-error.h"

#if G_BYTE_ORDER != G_LITTLE_ENDIAN
#error "safetensors.c reads tensors in place: it needs a little-endian host"
#endif

static const struct {
  const char *name;
  size_t size;
} dtypes[] = {
  [FER_DTYPE_F64] = { "F64", 8 }, [FER_DTYPE_F32] = { "F32", 4 },
  [FER_DTYPE_F16] = { "F16", 2 }, [FER_DTYPE_BF16] = { "BF16", 2 },
  [FER_DTYPE_I64] = { "I64", 8 }, [FER_DTYPE_I32] = { "I32", 4 },
  [FER_DTYPE_I16] = { "I16", 2 }, [FER_DTYPE_I8] = { "I8", 1 },
  [FER_DTYPE_U8] = { "U8", 1 }, [FER_DTYPE_BOOL] = { "BOOL", 1 },
};

const char *
fer_dtype_name (FerDtype dtype)
{
  return dtypes[dtype].name;
}

size_t
fer_dtype_size (FerDtype dtype)
{
  return dtypes[dtype].size;
}

gboolean
fer_dtype_is_float (FerDtype dtype)
{
  return dtype == FER_DTYPE_F64 || dtype == FER_DTYPE_F32 || dtype == FER_DTYPE_F16
      || dtype == FER_DTYPE_BF16;
}

static gboolean
parse_dtype (const char *name, FerDtype *dtype)
{
  for (size_t i = 0; i < G_N_ELEMENTS (dtypes); i++)
    if (strcmp (dtypes[i].name, name) == 0) {
      *dtype = (FerDtype) i;
      return TRUE;
    }
  return FALSE;
}

static void
tensor_free (gpointer data)
{
  FerSafetensorsTensor *tensor = data;
  g_free (tensor->name);
  g_free (tensor);
}

void
fer_safetensors_free (FerSafetensors *file)
{
  if (file == NULL)
    return;
  g_free (file->path);
  g_free (file->contents);
  if (file->tensors)
    g_ptr_array_unref (file->tensors);
  if (file->metadata)
    g_hash_table_unref (file->metadata);
  g_free (file);
}

static gboolean
get_uint (JsonNode *node, uint64_t *value)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64 || json_node_get_int (node) < 0)
    return FALSE;
  *value = (uint64_t) json_node_get_int (node);
  return TRUE;
}

/* Fills tensor from its header entry, checking each field; data_size bounds the offsets. */
static gboolean
parse_tensor (FerSafetensorsTensor *tensor, JsonNode *node, size_t data_size, const char *path,
    GError **error)
{
  const char *name = tensor->name;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    goto not_object;
  JsonObject *entry = json_node_get_object (node);

  JsonNode *dtype_node = json_object_get_member (entry, "dtype");
  if (dtype_node == NULL || json_node_get_value_type (dtype_node) != G_TYPE_STRING)
    goto no_dtype;
  if (!parse_dtype (json_node_get_string (dtype_node), &tensor->dtype))
    goto bad_dtype;

  JsonNode *shape_node = json_object_get_member (entry, "shape");
  if (shape_node == NULL || !JSON_NODE_HOLDS_ARRAY (shape_node))
    goto bad_shape;
  JsonArray *shape = json_node_get_array (shape_node);
  if (json_array_get_length (shape) > FER_SAFETENSORS_MAX_DIMS)
    goto bad_shape;
  tensor->ndim = json_array_get_length (shape);
  uint64_t numel = 1;
  for (int i = 0; i < tensor->ndim; i++) {
    uint64_t dim;
    if (!get_uint (json_array_get_element (shape, i), &dim))
      goto bad_shape;
    if (dim != 0 && numel > G_MAXSIZE / dim)
      goto bad_shape;
    tensor->shape[i] = dim;
    numel *= dim;
  }
  tensor->numel = numel;

  JsonNode *offsets_node = json_object_get_member (entry, "data_offsets");
  if (offsets_node == NULL || !JSON_NODE_HOLDS_ARRAY (offsets_node)
      || json_array_get_length (json_node_get_array (offsets_node)) != 2)
    goto bad_offsets;
  JsonArray *offsets = json_node_get_array (offsets_node);
  uint64_t begin, end;
  if (!get_uint (json_array_get_element (offsets, 0), &begin)
      || !get_uint (json_array_get_element (offsets, 1), &end) || begin > end)
    goto bad_offsets;
  if (end > data_size)
    goto out_of_range;
  if (numel > G_MAXSIZE / fer_dtype_size (tensor->dtype)
      || end - begin != numel * fer_dtype_size (tensor->dtype))
    goto wrong_size;
  tensor->begin = begin;
  tensor->end = end;
  return TRUE;

  /* ERRORS */
not_object:
  g_set_error (error, FER_ERROR, FER_ERROR_FORMAT,
      "%s: tensor '%s': header entry is not a JSON object", path, name);
  return FALSE;
no_dtype:
  g_set_error (error, FER_ERROR, FER_ERROR_FORMAT,
      "%s: tensor '%s': \"dtype\" is missing or not a string", path, name);
  return FALSE;
bad_dtype:
  g_set_error (error, FER_ERROR, FER_ERROR_FORMAT,
      "%s: tensor '%s': unknown dtype '%s' (expected F32, F16, BF16, F64 or an integer type)",
      path, name, json_node_get_string (dtype_node));
  return FALSE;
bad_shape:
  g_set_error (error, FER_ERROR, FER_ERROR_FORMAT,
      "%s: tensor '%s': \"shape\" must be an array of at most %d non-negative integers",
      path, name, FER_SAFETENSORS_MAX_DIMS);
  return FALSE;
bad_offsets:
  g_set_error (error, FER_ERROR, FER_ERROR_FORMAT,
      "%s: tensor '%s': \"data_offsets\" must be [begin, end] with 0 <= begin <= end",
      path, name);
  return FALSE;
out_of_range:
  g_set_error (error, FER_ERROR, FER_ERROR_FORMAT,
      "%s: tensor '%s': data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT "] run past "
      "the end of the data (%zu bytes): the file is truncated or corrupt", path, name, begin, end,
      data_size);
  return FALSE;
wrong_size:
  g_set_error (error, FER_ERROR, FER_ERROR_FORMAT,
      "%s: tensor '%s': data_offsets span %" G_GUINT64_FORMAT " bytes but its shape and dtype %s "
      "need %zu", path, name, end - begin, fer_dtype_name (tensor->dtype),
      numel * fer_dtype_size (tensor->dtype));
  return FALSE;
}

static gint
compare_begin (gconstpointer a, gconstpointer b)
{
  const FerSafetensorsTensor *x = *(FerSafetensorsTensor * const *) a;
  const FerSafetensorsTensor *y = *(FerSafetensorsTensor * const *) b;
  return x->begin < y->begin ? -1 : x->begin > y->begin;
}

static gboolean
check_no_overlap (FerSafetensors *file, GError **error)
{
  GPtrArray *sorted = g_ptr_array_copy (file->tensors, NULL, NULL);
  g_ptr_array_set_free_func (sorted, NULL);   /* the copy borrows the tensors */
  g_ptr_array_sort (sorted, compare_begin);
  for (guint i = 1; i < sorted->len; i++) {
    const FerSafetensorsTensor *prev = sorted->pdata[i - 1], *next = sorted->pdata[i];
    if (next->begin < prev->end && next->begin != next->end && prev->begin != prev->end) {
      g_set_error (error, FER_ERROR, FER_ERROR_FORMAT,
          "%s: tensors '%s' and '%s' overlap in the data section: the file is corrupt",
          file->path, prev->name, next->name);
      g_ptr_array_unref (sorted);
      return FALSE;
    }
  }
  g_ptr_array_unref (sorted);
  return TRUE;
}

static gboolean
parse_metadata (FerSafetensors *file, JsonNode *node, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    g_set_error (error, FER_ERROR, FER_ERROR_FORMAT,
        "%s: \"__metadata__\" must be an object of strings", file->path);
    return FALSE;
  }
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;
  json_object_iter_init (&iter, json_node_get_object (node));
  while (json_object_iter_next (&iter, &key, &value)) {
    if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING) {
      g_set_error (error, FER_ERROR, FER_ERROR_FORMAT,
          "%s: metadata field '%s' is not a string", file->path, key);
      return FALSE;
    }
    g_hash_table_insert (file->metadata, g_strdup (key), g_strdup (json_node_get_string (value)));
  }
  return TRUE;
}

/* Parses the header of file->contents; on success tensors and metadata are filled. */
static gboolean
parse_header (FerSafetensors *file, GError **error)
{
  guint64 header_length;
  JsonParser *parser = NULL;
  GError *json_error = NULL;

  if (file->length == 0)
    goto empty;
  if (file->length < 8)
    goto too_short;
  memcpy (&header_length, file->contents, 8);
  header_length = GUINT64_FROM_LE (header_length);
  if (header_length > file->length - 8)
    goto header_past_end;
  if (header_length > FER_SAFETENSORS_MAX_HEADER)
    goto header_too_large;
  file->data = file->contents + 8 + header_length;
  file->data_size = file->length - 8 - header_length;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, (const char *) file->contents + 8, header_length,
          &json_error))
    goto bad_json;
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    goto not_object;

  JsonObjectIter iter;
  const char *name;
  JsonNode *node;
  json_object_iter_init (&iter, json_node_get_object (root));
  while (json_object_iter_next (&iter, &name, &node)) {
    if (strcmp (name, "__metadata__") == 0) {
      if (!parse_metadata (file, node, error))
        goto failed;
      continue;
    }
    FerSafetensorsTensor *tensor = g_new0 (FerSafetensorsTensor, 1);
    tensor->name = g_strdup (name);
    g_ptr_array_add (file->tensors, tensor);
    if (!parse_tensor (tensor, node, file->data_size, file->path, error))
      goto failed;
  }
  if (!check_no_overlap (file, error))
    goto failed;
  g_object_unref (parser);
  return TRUE;

  /* ERRORS */
empty:
  g_set_error (error, FER_ERROR, FER_ERROR_FORMAT,
      "%s: the file is empty; a safetensors model starts with an 8-byte header length",
      file->path);
  return FALSE;
too_short:
  g_set_error (error, FER_ERROR, FER_ERROR_FORMAT,
      "%s: only %zu bytes, too short for a safetensors file (truncated?)", file->path,
      file->length);
  return FALSE;
header_past_end:
  g_set_error (error, FER_ERROR, FER_ERROR_FORMAT,
      "%s: header length %" G_GUINT64_FORMAT " runs past the end of the file (%zu bytes): "
      "the file is truncated or not a safetensors file", file->path, header_length, file->length);
  return FALSE;
header_too_large:
  g_set_error (error, FER_ERROR, FER_ERROR_FORMAT,
      "%s: header length %" G_GUINT64_FORMAT " exceeds the safetensors limit of %u bytes",
      file->path, header_length, FER_SAFETENSORS_MAX_HEADER);
  return FALSE;
bad_json:
  g_set_error (error, FER_ERROR, FER_ERROR_FORMAT, "%s: the header is not valid JSON: %s",
      file->path, json_error->message);
  g_error_free (json_error);
  g_object_unref (parser);
  return FALSE;
not_object:
  g_set_error (error, FER_ERROR, FER_ERROR_FORMAT, "%s: the header is not a JSON object",
      file->path);
  g_object_unref (parser);
  return FALSE;
failed:
  g_object_unref (parser);
  return FALSE;
}

FerSafetensors *
fer_safetensors_load (const char *path, GError **error)
{
  FerSafetensors *file = g_new0 (FerSafetensors, 1);
  GError *io_error = NULL;
  gsize length;

  file->path = g_strdup (path);
  file->tensors = g_ptr_array_new_with_free_func (tensor_free);
  file->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (!g_file_get_contents (path, (char **) &file->contents, &length, &io_error)) {
    g_set_error (error, FER_ERROR, FER_ERROR_IO, "cannot read model file: %s",
        io_error->message);
    g_error_free (io_error);
    fer_safetensors_free (file);
    return NULL;
  }
  file->length = length;
  if (!parse_header (file, error)) {
    fer_safetensors_free (file);
    return NULL;
  }
  return file;
}

const FerSafetensorsTensor *
fer_safetensors_find (const FerSafetensors *file, const char *name)
{
  for (guint i = 0; i < file->tensors->len; i++) {
    const FerSafetensorsTensor *tensor = file->tensors->pdata[i];
    if (strcmp (tensor->name, name) == 0)
      return tensor;
  }
  return NULL;
}

static float
half_to_float (uint16_t h)
{
  const uint32_t sign = (uint32_t) (h >> 15) << 31;
  const int exponent = (h >> 10) & 0x1f;
  const uint32_t mantissa = h & 0x3ff;
  float magnitude;
  if (exponent == 0)
    magnitude = ldexpf ((float) mantissa, -24);          /* zero and subnormals */
  else if (exponent == 31)
    magnitude = mantissa ? NAN : INFINITY;
  else
    magnitude = ldexpf ((float) (mantissa | 0x400), exponent - 25);
  uint32_t bits;
  memcpy (&bits, &magnitude, 4);
  bits |= sign;
  memcpy (&magnitude, &bits, 4);
  return magnitude;
}

static double
element_as_double (FerDtype dtype, const guint8 *p)
{
  switch (dtype) {
    case FER_DTYPE_F64: { double v; memcpy (&v, p, 8); return v; }
    case FER_DTYPE_F32: { float v; memcpy (&v, p, 4); return v; }
    case FER_DTYPE_F16: { uint16_t v; memcpy (&v, p, 2); return half_to_float (v); }
    case FER_DTYPE_BF16: {
      uint16_t v; memcpy (&v, p, 2);
      uint32_t bits = (uint32_t) v << 16; float f; memcpy (&f, &bits, 4); return f;
    }
    default:
      return NAN;
  }
}

static gboolean
check_read (const FerSafetensors *file, const FerSafetensorsTensor *tensor, size_t count,
    gboolean want_float, GError **error)
{
  if (count != tensor->numel) {
    g_set_error (error, FER_ERROR, FER_ERROR_MODEL,
        "%s: tensor '%s' has %zu elements, expected %zu", file->path, tensor->name,
        tensor->numel, count);
    return FALSE;
  }
  if (want_float != fer_dtype_is_float (tensor->dtype) || tensor->dtype == FER_DTYPE_BOOL) {
    g_set_error (error, FER_ERROR, FER_ERROR_MODEL,
        "%s: tensor '%s' has dtype %s, expected %s", file->path, tensor->name,
        fer_dtype_name (tensor->dtype),
        want_float ? "a floating-point type (F32, F16, BF16, F64)" : "an integer type");
    return FALSE;
  }
  return TRUE;
}

gboolean
fer_safetensors_read_f32 (const FerSafetensors *file, const FerSafetensorsTensor *tensor,
    float *out, size_t count, GError **error)
{
  if (!check_read (file, tensor, count, TRUE, error))
    return FALSE;
  const guint8 *src = file->data + tensor->begin;
  if (tensor->dtype == FER_DTYPE_F32) {
    memcpy (out, src, count * 4);
    return TRUE;
  }
  const size_t size = fer_dtype_size (tensor->dtype);
  for (size_t i = 0; i < count; i++)
    out[i] = (float) element_as_double (tensor->dtype, src + i * size);
  return TRUE;
}

gboolean
fer_safetensors_read_f64 (const FerSafetensors *file, const FerSafetensorsTensor *tensor,
    double *out, size_t count, GError **error)
{
  if (!check_read (file, tensor, count, TRUE, error))
    return FALSE;
  const guint8 *src = file->data + tensor->begin;
  const size_t size = fer_dtype_size (tensor->dtype);
  for (size_t i = 0; i < count; i++)
    out[i] = element_as_double (tensor->dtype, src + i * size);
  return TRUE;
}

gboolean
fer_safetensors_read_i64 (const FerSafetensors *file, const FerSafetensorsTensor *tensor,
    int64_t *out, size_t count, GError **error)
{
  if (!check_read (file, tensor, count, FALSE, error))
    return FALSE;
  const guint8 *src = file->data + tensor->begin;
  for (size_t i = 0; i < count; i++)
    switch (tensor->dtype) {
      case FER_DTYPE_I64: memcpy (&out[i], src + 8 * i, 8); break;
      case FER_DTYPE_I32: { int32_t v; memcpy (&v, src + 4 * i, 4); out[i] = v; break; }
      case FER_DTYPE_I16: { int16_t v; memcpy (&v, src + 2 * i, 2); out[i] = v; break; }
      case FER_DTYPE_I8: out[i] = (int8_t) src[i]; break;
      default: out[i] = src[i]; break;
    }
  return TRUE;
}
