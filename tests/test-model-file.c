/* Model files: round trip, atomic replacement, and a clear error (never a crash) for each way a
 * file can be broken.  The broken files are made by editing the header of a valid one. */
#include <errno.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/fer-error.h"
#include "io/model-file.h"
#include "nn/simpleconv3.h"
#include "fer-test-util.h"

static char *workdir;

static char *
work_path (const char *name)
{
  return g_build_filename (workdir, name, NULL);
}

static FerSimpleConv3 *
make_model (int num_classes, uint64_t seed)
{
  FerSimpleConv3 *model = fer_simpleconv3_new (num_classes);
  fer_simpleconv3_init_weights (model, seed);
  /* Non-default buffers and counters, so that the round trip really carries them. */
  for (size_t i = 0; i < model->layout.n_buffers; i++)
    model->buffers[i] = 0.25f + i * 0.001f;
  model->num_batches_tracked[0] = 11;
  model->num_batches_tracked[1] = 12;
  model->num_batches_tracked[2] = 13;
  return model;
}

/* A valid 4-class model file, written once. */
static char *
valid_model_path (void)
{
  static char *path;
  if (path == NULL) {
    path = work_path ("valid.safetensors");
    FerSimpleConv3 *model = make_model (4, 3);
    FerModelInfo *info = fer_model_info_new (4);
    GError *error = NULL;
    g_assert_true (fer_model_save (model, info, path, &error));
    g_assert_no_error (error);
    fer_model_info_free (info);
    fer_simpleconv3_free (model);
  }
  return path;
}

static void
write_bytes (const char *path, const void *data, size_t size)
{
  GError *error = NULL;
  g_assert_true (g_file_set_contents (path, data, size, &error));
}

typedef void (*HeaderEdit) (JsonObject *root, gsize data_size);

/* Copies the valid model to name with its JSON header edited; the data section is unchanged. */
static char *
edited_model (const char *name, HeaderEdit edit)
{
  char *contents;
  gsize length;
  guint64 header_length;
  g_assert_true (g_file_get_contents (valid_model_path (), &contents, &length, NULL));
  memcpy (&header_length, contents, 8);
  JsonParser *parser = json_parser_new ();
  g_assert_true (json_parser_load_from_data (parser, contents + 8, header_length, NULL));
  JsonNode *root = json_parser_get_root (parser);
  const gsize data_size = length - 8 - header_length;
  edit (json_node_get_object (root), data_size);

  char *header = json_to_string (root, FALSE);
  const guint64 new_length = strlen (header);
  GByteArray *out = g_byte_array_new ();
  g_byte_array_append (out, (guint8 *) &new_length, 8);
  g_byte_array_append (out, (guint8 *) header, new_length);
  g_byte_array_append (out, (guint8 *) contents + 8 + header_length, data_size);
  char *path = work_path (name);
  write_bytes (path, out->data, out->len);

  g_byte_array_unref (out);
  g_free (header);
  g_object_unref (parser);
  g_free (contents);
  return path;
}

static void
assert_load_fails (const char *path, int code, const char *expected)
{
  GError *error = NULL;
  FerModelInfo *info = NULL;
  FerSimpleConv3 *model = fer_model_load (path, &info, &error);
  g_assert_null (model);
  g_assert_null (info);
  g_assert_error (error, FER_ERROR, code);
  g_test_message ("%s", error->message);
  if (strstr (error->message, expected) == NULL)
    g_error ("error \"%s\" does not say \"%s\"", error->message, expected);
  /* Every message names the file, so the user knows which one to fix. */
  g_assert_nonnull (strstr (error->message, path));
  g_error_free (error);
}

static void
test_round_trip (void)
{
  FerSimpleConv3 *model = make_model (5, 9);
  FerModelInfo *info = fer_model_info_new (5);
  const char *labels[] = { "a", "b", "c", "d", "e", NULL };
  g_assert_true (fer_model_info_set_labels (info, labels));
  info->mean[1] = 0.25f;
  info->std[2] = 0.125f;
  g_hash_table_insert (info->extra, g_strdup ("note"), g_strdup ("kept as it is"));
  FerTrainingRecord *record = &info->training;
  record->trained_by = g_strdup ("fer-train test");
  record->training_data = g_strdup ("yousan-mouth");
  record->class_folders = g_strsplit ("0,1,2,3,4", ",", -1);
  record->options = g_strdup ("{\"epochs\":3}");
  record->train_images = 120;
  record->val_images = 0;
  record->epoch = 3;
  record->val_accuracy = 0.1 + 0.2;   /* a double that needs all 17 digits */
  char *path = work_path ("round-trip.safetensors");
  GError *error = NULL;
  g_assert_true (fer_model_save (model, info, path, &error));

  FerModelInfo *loaded_info = NULL;
  FerSimpleConv3 *loaded = fer_model_load (path, &loaded_info, &error);
  g_assert_no_error (error);
  g_assert_cmpint (loaded->layout.num_classes, ==, 5);
  g_assert_cmpmem (loaded->params, model->layout.n_params * 4, model->params,
      model->layout.n_params * 4);
  g_assert_cmpmem (loaded->buffers, model->layout.n_buffers * 4, model->buffers,
      model->layout.n_buffers * 4);
  g_assert_cmpint (loaded->num_batches_tracked[2], ==, 13);
  g_assert_cmpstrv (loaded_info->labels, labels);
  g_assert_cmpfloat (loaded_info->mean[1], ==, 0.25f);
  g_assert_cmpfloat (loaded_info->std[2], ==, 0.125f);
  g_assert_cmpstr (loaded_info->crop, ==, FER_MODEL_CROP_SEED);
  g_assert_cmpstr (g_hash_table_lookup (loaded_info->extra, "note"), ==, "kept as it is");
  g_assert_cmpuint (g_hash_table_size (loaded_info->extra), ==, 1);
  const FerTrainingRecord *read = &loaded_info->training;
  g_assert_cmpstr (read->trained_by, ==, "fer-train test");
  g_assert_cmpstr (read->training_data, ==, "yousan-mouth");
  g_assert_cmpstrv (read->class_folders, record->class_folders);
  g_assert_cmpstr (read->options, ==, "{\"epochs\":3}");
  g_assert_cmpint (read->train_images, ==, 120);
  g_assert_cmpint (read->val_images, ==, 0);
  g_assert_cmpint (read->epoch, ==, 3);
  g_assert_cmpfloat (read->val_accuracy, ==, 0.1 + 0.2);
  /* A model without a record (as PyTorch would write it) reads as "not recorded". */
  FerModelInfo *bare = fer_model_info_new (5);
  g_assert_null (bare->training.trained_by);
  g_assert_cmpint (bare->training.epoch, ==, -1);
  g_assert_true (isnan (bare->training.val_accuracy));
  fer_model_info_free (bare);

  /* Saving the loaded model again gives the same bytes: files are deterministic. */
  char *again = work_path ("round-trip-2.safetensors");
  g_assert_true (fer_model_save (loaded, loaded_info, again, &error));
  char *a, *b;
  gsize la, lb;
  g_assert_true (g_file_get_contents (path, &a, &la, NULL));
  g_assert_true (g_file_get_contents (again, &b, &lb, NULL));
  g_assert_cmpmem (a, la, b, lb);

  g_free (a); g_free (b); g_free (again); g_free (path);
  fer_model_info_free (loaded_info);
  fer_model_info_free (info);
  fer_simpleconv3_free (loaded);
  fer_simpleconv3_free (model);
}

static guint
count_temp_files (void)
{
  GDir *dir = g_dir_open (workdir, 0, NULL);
  const char *name;
  guint count = 0;
  while ((name = g_dir_read_name (dir)))
    count += strstr (name, ".tmp-") != NULL;
  g_dir_close (dir);
  return count;
}

static void
test_save_is_atomic (void)
{
  char *path = work_path ("atomic.safetensors");
  FerSimpleConv3 *model = make_model (4, 1);
  FerModelInfo *info = fer_model_info_new (4);
  GError *error = NULL;
  g_assert_true (fer_model_save (model, info, path, &error));
  char *before;
  gsize before_length;
  g_assert_true (g_file_get_contents (path, &before, &before_length, NULL));

  /* A disk that fills up half-way through: the write fails, the old model stays whole. */
  struct rlimit saved, small;
  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  small = saved;
  small.rlim_cur = 1 << 20;
  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &small), ==, 0);
  fer_simpleconv3_init_weights (model, 2);
  const gboolean saved_ok = fer_model_save (model, info, path, &error);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  g_assert_false (saved_ok);
  g_assert_error (error, FER_ERROR, FER_ERROR_IO);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  char *after;
  gsize after_length;
  g_assert_true (g_file_get_contents (path, &after, &after_length, NULL));
  g_assert_cmpmem (before, before_length, after, after_length);
  g_assert_cmpuint (count_temp_files (), ==, 0);

  /* A directory that does not exist: a clear error naming the path. */
  char *nowhere = work_path ("no-such-dir/model.safetensors");
  g_assert_false (fer_model_save (model, info, nowhere, &error));
  g_assert_error (error, FER_ERROR, FER_ERROR_IO);
  g_assert_nonnull (strstr (error->message, nowhere));
  g_clear_error (&error);

  g_free (nowhere); g_free (before); g_free (after); g_free (path);
  fer_model_info_free (info);
  fer_simpleconv3_free (model);
}

/* Broken files */

static void
test_missing_file (void)
{
  char *path = work_path ("does-not-exist.safetensors");
  assert_load_fails (path, FER_ERROR_IO, "cannot read");
  g_free (path);
}

static void
test_empty_file (void)
{
  char *path = work_path ("empty.safetensors");
  write_bytes (path, "", 0);
  assert_load_fails (path, FER_ERROR_FORMAT, "empty");
  g_free (path);
}

static void
test_too_short (void)
{
  char *path = work_path ("short.safetensors");
  write_bytes (path, "\x10\0\0", 3);
  assert_load_fails (path, FER_ERROR_FORMAT, "too short");
  g_free (path);
}

static void
test_header_length_past_end (void)
{
  char *path = work_path ("header-past-end.safetensors");
  const guint64 length = 1000;
  char bytes[10];
  memcpy (bytes, &length, 8);
  memcpy (bytes + 8, "{}", 2);
  write_bytes (path, bytes, sizeof bytes);
  assert_load_fails (path, FER_ERROR_FORMAT, "runs past the end of the file");
  g_free (path);
}

static void
test_truncated (void)
{
  char *contents;
  gsize length;
  g_assert_true (g_file_get_contents (valid_model_path (), &contents, &length, NULL));
  char *path = work_path ("truncated.safetensors");
  write_bytes (path, contents, length / 2);
  assert_load_fails (path, FER_ERROR_FORMAT, "truncated");
  g_free (contents);
  g_free (path);
}

static void
test_broken_json (void)
{
  char *path = work_path ("broken-json.safetensors");
  const char header[] = "{\"conv1.weight\": {\"dtype\": ";
  const guint64 length = sizeof header - 1;
  GByteArray *bytes = g_byte_array_new ();
  g_byte_array_append (bytes, (guint8 *) &length, 8);
  g_byte_array_append (bytes, (guint8 *) header, length);
  write_bytes (path, bytes->data, bytes->len);
  assert_load_fails (path, FER_ERROR_FORMAT, "not valid JSON");
  g_byte_array_unref (bytes);
  g_free (path);
}

static void
test_header_not_object (void)
{
  char *path = work_path ("array-header.safetensors");
  char bytes[10];
  const guint64 length = 2;
  memcpy (bytes, &length, 8);
  memcpy (bytes + 8, "[]", 2);
  write_bytes (path, bytes, sizeof bytes);
  assert_load_fails (path, FER_ERROR_FORMAT, "not a JSON object");
  g_free (path);
}

static JsonObject *
entry (JsonObject *root, const char *name)
{
  return json_object_get_object_member (root, name);
}

static JsonArray *
int_array (int n, const gint64 *values)
{
  JsonArray *array = json_array_new ();
  for (int i = 0; i < n; i++)
    json_array_add_int_element (array, values[i]);
  return array;
}

static void
unknown_dtype (JsonObject *root, gsize data_size)
{
  json_object_set_string_member (entry (root, "conv1.weight"), "dtype", "F31");
}

static void
integer_dtype (JsonObject *root, gsize data_size)
{
  /* I32 has F32's size, so only the dtype is wrong. */
  json_object_set_string_member (entry (root, "fc3.bias"), "dtype", "I32");
}

static void
reshaped (JsonObject *root, gsize data_size)
{
  /* Same number of elements, wrong shape for simpleconv3. */
  json_object_set_array_member (entry (root, "conv1.weight"), "shape",
      int_array (3, (gint64[]) { 12, 3, 9 }));
}

static void
shape_offset_mismatch (JsonObject *root, gsize data_size)
{
  json_object_set_array_member (entry (root, "conv1.weight"), "shape",
      int_array (4, (gint64[]) { 12, 3, 3, 4 }));
}

static void
overflowing_shape (JsonObject *root, gsize data_size)
{
  json_object_set_array_member (entry (root, "conv1.weight"), "shape",
      int_array (3, (gint64[]) { 1LL << 40, 1LL << 40, 1LL << 40 }));
}

static void
negative_shape (JsonObject *root, gsize data_size)
{
  json_object_set_array_member (entry (root, "conv1.bias"), "shape",
      int_array (1, (gint64[]) { -12 }));
}

static void
overlapping (JsonObject *root, gsize data_size)
{
  JsonArray *weight = json_object_get_array_member (entry (root, "conv1.weight"), "data_offsets");
  const gint64 begin = json_array_get_int_element (weight, 0);
  json_object_set_array_member (entry (root, "conv1.bias"), "data_offsets",
      int_array (2, (gint64[]) { begin + 4, begin + 4 + 48 }));
}

static void
out_of_range (JsonObject *root, gsize data_size)
{
  json_object_set_array_member (entry (root, "fc3.bias"), "data_offsets",
      int_array (2, (gint64[]) { data_size, data_size + 16 }));
}

static void
reversed_offsets (JsonObject *root, gsize data_size)
{
  json_object_set_array_member (entry (root, "fc3.bias"), "data_offsets",
      int_array (2, (gint64[]) { 16, 0 }));
}

static void
missing_tensor (JsonObject *root, gsize data_size)
{
  json_object_remove_member (root, "bn2.running_var");
}

static void
missing_fc3 (JsonObject *root, gsize data_size)
{
  json_object_remove_member (root, "fc3.weight");
}

static void
unexpected_tensor (JsonObject *root, gsize data_size)
{
  JsonObject *extra = json_object_new ();
  json_object_set_string_member (extra, "dtype", "F32");
  json_object_set_array_member (extra, "shape", int_array (1, (gint64[]) { 0 }));
  json_object_set_array_member (extra, "data_offsets", int_array (2, (gint64[]) { 0, 0 }));
  json_object_set_object_member (root, "fc4.weight", extra);
}

static void
metadata_set (JsonObject *root, const char *key, const char *value)
{
  json_object_set_string_member (json_object_get_object_member (root, "__metadata__"), key,
      value);
}

static void
wrong_label_count (JsonObject *root, gsize data_size)
{
  metadata_set (root, "labels", "[\"none\", \"smile\"]");
}

static void
other_architecture (JsonObject *root, gsize data_size)
{
  metadata_set (root, "architecture", "resnet18");
}

static void
newer_format (JsonObject *root, gsize data_size)
{
  metadata_set (root, "format_version", "2");
}

static void
metadata_not_string (JsonObject *root, gsize data_size)
{
  json_object_set_int_member (json_object_get_object_member (root, "__metadata__"), "input_size",
      48);
}

static void
class_count_disagrees (JsonObject *root, gsize data_size)
{
  metadata_set (root, "num_classes", "5");
}

static void
bad_std (JsonObject *root, gsize data_size)
{
  metadata_set (root, "std", "[0.5, 0, 0.5]");
}

/* Finite in JSON's text, infinite once read: 1e999 as a double, 1e300 as a float. */
static void
infinite_mean (JsonObject *root, gsize data_size)
{
  metadata_set (root, "mean", "[0.5, 1e999, 0.5]");
}

static void
std_past_float (JsonObject *root, gsize data_size)
{
  metadata_set (root, "std", "[0.5, 1e300, 0.5]");
}

static void
bad_train_images (JsonObject *root, gsize data_size)
{
  metadata_set (root, "train_images", "many");
}

static void
bad_val_accuracy (JsonObject *root, gsize data_size)
{
  metadata_set (root, "val_accuracy", "95%");
}

static const struct {
  const char *name;
  HeaderEdit edit;
  int code;
  const char *expected;
} header_cases[] = {
  { "unknown-dtype", unknown_dtype, FER_ERROR_FORMAT, "unknown dtype 'F31'" },
  { "integer-dtype", integer_dtype, FER_ERROR_MODEL, "'fc3.bias' has dtype I32" },
  { "wrong-shape", reshaped, FER_ERROR_MODEL, "has shape [12, 3, 9]; simpleconv3 needs [12, 3, 3, 3]" },
  { "shape-offset-mismatch", shape_offset_mismatch, FER_ERROR_FORMAT, "need 1728" },
  { "overflowing-shape", overflowing_shape, FER_ERROR_FORMAT, "\"shape\" must be" },
  { "negative-shape", negative_shape, FER_ERROR_FORMAT, "\"shape\" must be" },
  { "overlapping", overlapping, FER_ERROR_FORMAT, "overlap" },
  { "out-of-range", out_of_range, FER_ERROR_FORMAT, "run past the end of the data" },
  { "reversed-offsets", reversed_offsets, FER_ERROR_FORMAT, "begin <= end" },
  { "missing-tensor", missing_tensor, FER_ERROR_MODEL, "missing tensor 'bn2.running_var'" },
  { "missing-fc3", missing_fc3, FER_ERROR_MODEL, "missing tensor 'fc3.weight'" },
  { "unexpected-tensor", unexpected_tensor, FER_ERROR_MODEL, "unexpected tensor 'fc4.weight'" },
  { "wrong-label-count", wrong_label_count, FER_ERROR_MODEL, "metadata 'labels'" },
  { "other-architecture", other_architecture, FER_ERROR_MODEL, "'resnet18' is not supported" },
  { "newer-format", newer_format, FER_ERROR_MODEL, "metadata 'format_version'" },
  { "metadata-not-string", metadata_not_string, FER_ERROR_FORMAT, "'input_size' is not a string" },
  { "class-count-disagrees", class_count_disagrees, FER_ERROR_MODEL, "disagrees with fc3.weight" },
  { "bad-std", bad_std, FER_ERROR_MODEL, "metadata 'std'" },
  { "infinite-mean", infinite_mean, FER_ERROR_MODEL, "metadata 'mean'" },
  { "std-past-float", std_past_float, FER_ERROR_MODEL, "metadata 'std'" },
  { "bad-train-images", bad_train_images, FER_ERROR_MODEL, "'train_images' must be a whole number" },
  { "bad-val-accuracy", bad_val_accuracy, FER_ERROR_MODEL, "'val_accuracy' must be a number" },
};

static void
test_header_case (gconstpointer data)
{
  const int i = GPOINTER_TO_INT (data);
  char *name = g_strconcat (header_cases[i].name, ".safetensors", NULL);
  char *path = edited_model (name, header_cases[i].edit);
  assert_load_fails (path, header_cases[i].code, header_cases[i].expected);
  g_free (path);
  g_free (name);
}

static void
test_nan_weight (void)
{
  FerSimpleConv3 *model = make_model (4, 5);
  fer_simpleconv3_tensor (model, FER_FC2_BIAS)[5] = NAN;
  FerModelInfo *info = fer_model_info_new (4);
  char *path = work_path ("nan.safetensors");
  g_assert_true (fer_model_save (model, info, path, NULL));
  assert_load_fails (path, FER_ERROR_MODEL, "'fc2.bias' holds NaN");
  g_free (path);
  fer_model_info_free (info);
  fer_simpleconv3_free (model);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  workdir = g_dir_make_tmp ("fer-model-file-XXXXXX", NULL);

  g_test_add_func ("/model-file/round-trip", test_round_trip);
  g_test_add_func ("/model-file/save-is-atomic", test_save_is_atomic);
  g_test_add_func ("/model-file/missing-file", test_missing_file);
  g_test_add_func ("/model-file/empty", test_empty_file);
  g_test_add_func ("/model-file/too-short", test_too_short);
  g_test_add_func ("/model-file/header-length-past-end", test_header_length_past_end);
  g_test_add_func ("/model-file/truncated", test_truncated);
  g_test_add_func ("/model-file/broken-json", test_broken_json);
  g_test_add_func ("/model-file/header-not-object", test_header_not_object);
  for (guint i = 0; i < G_N_ELEMENTS (header_cases); i++) {
    char *test_path = g_strconcat ("/model-file/", header_cases[i].name, NULL);
    g_test_add_data_func (test_path, GINT_TO_POINTER (i), test_header_case);
    g_free (test_path);
  }
  g_test_add_func ("/model-file/nan-weight", test_nan_weight);
  int status = g_test_run ();

  fer_test_remove_tree (workdir);
  g_free (workdir);
  return status;
}
