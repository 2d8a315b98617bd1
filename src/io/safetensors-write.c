/* safetensors-write.c: safetensors files written, atomically: the header's JSON built with
 * json-glib (metadata first, then tensors in the order added, offsets back to back), padded with
 * spaces to 8 bytes as the reference writer does. */
#include "io/safetensors.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "io/atomic-file.h"

#if G_BYTE_ORDER != G_LITTLE_ENDIAN
#error "safetensors-write.c writes tensors as they are in memory: it needs a little-endian host"
#endif

typedef struct {
  char *name;
  FerDtype dtype;
  int ndim;
  int64_t shape[FER_SAFETENSORS_MAX_DIMS];
  size_t bytes;
  const void *data;
} PendingTensor;

struct _FerSafetensorsWriter {
  GArray *tensors;       /* PendingTensor */
  GPtrArray *metadata;   /* key, value, key, value, ... in insertion order */
};

static void
pending_tensor_clear (gpointer data)
{
  g_free (((PendingTensor *) data)->name);
}

FerSafetensorsWriter *
fer_safetensors_writer_new (void)
{
  FerSafetensorsWriter *writer = g_new0 (FerSafetensorsWriter, 1);
  writer->tensors = g_array_new (FALSE, TRUE, sizeof (PendingTensor));
  g_array_set_clear_func (writer->tensors, pending_tensor_clear);
  writer->metadata = g_ptr_array_new_with_free_func (g_free);
  return writer;
}

void
fer_safetensors_writer_free (FerSafetensorsWriter *writer)
{
  if (writer == NULL)
    return;
  g_array_unref (writer->tensors);
  g_ptr_array_unref (writer->metadata);
  g_free (writer);
}

void
fer_safetensors_writer_add (FerSafetensorsWriter *writer, const char *name, FerDtype dtype,
    int ndim, const int64_t *shape, const void *data)
{
  g_return_if_fail (ndim >= 0 && ndim <= FER_SAFETENSORS_MAX_DIMS);
  PendingTensor t = { g_strdup (name), dtype, ndim, { 0 }, fer_dtype_size (dtype), data };
  for (int i = 0; i < ndim; i++) {
    t.shape[i] = shape[i];
    t.bytes *= shape[i];
  }
  g_array_append_val (writer->tensors, t);
}

void
fer_safetensors_writer_set_metadata (FerSafetensorsWriter *writer, const char *key,
    const char *value)
{
  for (guint i = 0; i < writer->metadata->len; i += 2)
    if (strcmp (writer->metadata->pdata[i], key) == 0) {
      g_free (writer->metadata->pdata[i + 1]);
      writer->metadata->pdata[i + 1] = g_strdup (value);
      return;
    }
  g_ptr_array_add (writer->metadata, g_strdup (key));
  g_ptr_array_add (writer->metadata, g_strdup (value));
}

static char *
build_header (FerSafetensorsWriter *writer, size_t *length)
{
  JsonBuilder *builder = json_builder_new ();
  json_builder_begin_object (builder);
  if (writer->metadata->len > 0) {
    json_builder_set_member_name (builder, "__metadata__");
    json_builder_begin_object (builder);
    for (guint i = 0; i < writer->metadata->len; i += 2) {
      json_builder_set_member_name (builder, writer->metadata->pdata[i]);
      json_builder_add_string_value (builder, writer->metadata->pdata[i + 1]);
    }
    json_builder_end_object (builder);
  }
  size_t offset = 0;
  for (guint i = 0; i < writer->tensors->len; i++) {
    const PendingTensor *t = &g_array_index (writer->tensors, PendingTensor, i);
    json_builder_set_member_name (builder, t->name);
    json_builder_begin_object (builder);
    json_builder_set_member_name (builder, "dtype");
    json_builder_add_string_value (builder, fer_dtype_name (t->dtype));
    json_builder_set_member_name (builder, "shape");
    json_builder_begin_array (builder);
    for (int d = 0; d < t->ndim; d++)
      json_builder_add_int_value (builder, t->shape[d]);
    json_builder_end_array (builder);
    json_builder_set_member_name (builder, "data_offsets");
    json_builder_begin_array (builder);
    json_builder_add_int_value (builder, offset);
    json_builder_add_int_value (builder, offset + t->bytes);
    json_builder_end_array (builder);
    json_builder_end_object (builder);
    offset += t->bytes;
  }
  json_builder_end_object (builder);

  JsonGenerator *generator = json_generator_new ();
  JsonNode *root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  gsize json_length;
  char *json = json_generator_to_data (generator, &json_length);
  json_node_unref (root);
  g_object_unref (generator);
  g_object_unref (builder);

  /* Pad with spaces so the data section starts 8-byte aligned, as the reference writer does. */
  const size_t padded = (json_length + 7) & ~(size_t) 7;
  json = g_realloc (json, padded);
  memset (json + json_length, ' ', padded - json_length);
  *length = padded;
  return json;
}

gboolean
fer_safetensors_writer_save (FerSafetensorsWriter *writer, const char *path, GError **error)
{
  size_t header_length;
  char *header = build_header (writer, &header_length);
  const guint64 length_le = GUINT64_TO_LE ((guint64) header_length);
  FerAtomicFile file;

  if (!fer_atomic_file_open (&file, path, error)) {
    g_free (header);
    return FALSE;
  }
  gboolean ok = fer_atomic_file_write (&file, &length_le, 8, error)
      && fer_atomic_file_write (&file, header, header_length, error);
  for (guint i = 0; ok && i < writer->tensors->len; i++) {
    const PendingTensor *t = &g_array_index (writer->tensors, PendingTensor, i);
    ok = fer_atomic_file_write (&file, t->data, t->bytes, error);
  }
  g_free (header);
  if (!ok) {
    fer_atomic_file_abort (&file);
    return FALSE;
  }
  return fer_atomic_file_commit (&file, error);
}
