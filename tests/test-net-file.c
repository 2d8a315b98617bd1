/* Networks of layers as model files (src/io/net-file.c): seed 004's MyModel saved and loaded
 * back gives the same tensors and the same outputs; the description and any other metadata
 * survive; every kind of bad file is refused with an error naming the file and the layer or
 * tensor: an unknown layer kind, a missing or out-of-range field, layers that do not chain, a
 * missing tensor, a tensor of the wrong shape or dtype, NaN weights, an unexpected tensor, a file
 * of another architecture. */
#include <math.h>
#include <string.h>

#include "base/fer-error.h"
#include "io/net-file.h"
#include "io/safetensors.h"
#include "nn/seed004-net.h"
#include "fer-test-util.h"

static char *workdir;

static FerNet *
my_model (void)
{
  FerLayerSpec layers[FER_SEED004_MAX_LAYERS];
  int labels, offsets;
  const int n = fer_seed004_my_model (layers, 0.1, &labels, &offsets);
  FerNet *net = fer_net_new (layers, n, 3, 88, 128, 1, 4, NULL);
  g_assert_nonnull (net);
  fer_net_init_weights (net, 7);
  return net;
}

static char *
work_path (const char *name)
{
  return g_build_filename (workdir, name, NULL);
}

static void
test_round_trip (void)
{
  FerNet *net = my_model ();
  *fer_net_counter (net, fer_net_find_tensor (net, "conv1.1.num_batches_tracked")) = 12;
  GHashTable *extra = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (extra, "labels", "[\"background\",\"face\"]");
  char *path = work_path ("my-model.safetensors");
  GError *error = NULL;
  g_assert_true (fer_net_save (net, extra, path, &error));
  GHashTable *read_extra = NULL;
  FerNet *loaded = fer_net_load (path, 2, 16, &read_extra, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (read_extra, "labels"), ==, "[\"background\",\"face\"]");
  g_assert_cmpint (fer_net_n_tensors (loaded), ==, fer_net_n_tensors (net));
  for (int t = 0; t < fer_net_n_tensors (net); t++) {
    const FerNetTensor *info = fer_net_tensor_info (net, t);
    g_assert_cmpstr (fer_net_tensor_info (loaded, t)->name, ==, info->name);
    if (info->kind == FER_NET_COUNTER)
      g_assert_cmpint (*fer_net_counter (loaded, t), ==, *fer_net_counter (net, t));
    else
      g_assert_cmpmem (fer_net_tensor (loaded, t), info->numel * 4, fer_net_tensor (net, t),
          info->numel * 4);
  }
  /* The same network: the same outputs. */
  float *image = g_new (float, 3 * 88 * 128);
  for (int i = 0; i < 3 * 88 * 128; i++)
    image[i] = (float) ((i * 7919) % 255) / 255;
  const FerRoi roi = { 0, 10, 10, 40, 30 };
  int n_layers;
  fer_net_layers (net, &n_layers);
  g_assert_true (fer_net_forward (net, image, 1, &roi, 1, FALSE, NULL));
  g_assert_true (fer_net_forward (loaded, image, 1, &roi, 1, FALSE, NULL));
  for (int l = 0; l < n_layers; l++) {
    int c, h, w, rows;
    fer_net_layer_shape (net, l, &c, &h, &w, &rows);
    /* (A convolution whose batchnorm was folded into it keeps no output: the batchnorm's.) */
    g_assert_true ((fer_net_output (loaded, l) == NULL) == (fer_net_output (net, l) == NULL));
    if (fer_net_output (net, l) == NULL)
      continue;
    g_assert_cmpmem (fer_net_output (loaded, l), (size_t) c * h * w * rows * 4,
        fer_net_output (net, l), (size_t) c * h * w * rows * 4);
  }
  g_free (image);
  g_hash_table_unref (extra);
  g_hash_table_unref (read_extra);
  fer_net_free (loaded);
  fer_net_free (net);
  g_free (path);
}

/* Weights from a file into a network of the same layers (fer-train-detector --init): every
 * tensor and counter copied; a file of other layers refused naming the tensor, a missing file
 * naming the file. */
static void
test_load_weights (void)
{
  FerNet *saved = my_model ();
  *fer_net_counter (saved, fer_net_find_tensor (saved, "conv1.1.num_batches_tracked")) = 5;
  char *path = work_path ("weights.safetensors");
  g_assert_true (fer_net_save (saved, NULL, path, NULL));

  FerLayerSpec layers[FER_SEED004_MAX_LAYERS];
  int labels, offsets;
  const int n = fer_seed004_my_model (layers, 0.1, &labels, &offsets);
  FerNet *net = fer_net_new (layers, n, 3, 88, 128, 4, 8, NULL);   /* another batch size */
  fer_net_init_weights (net, 99);                                    /* other weights */
  GError *error = NULL;
  g_assert_true (fer_net_load_weights (net, path, &error));
  g_assert_no_error (error);
  for (int t = 0; t < fer_net_n_tensors (net); t++) {
    const FerNetTensor *info = fer_net_tensor_info (net, t);
    if (info->kind == FER_NET_COUNTER)
      g_assert_cmpint (*fer_net_counter (net, t), ==, *fer_net_counter (saved, t));
    else
      g_assert_cmpmem (fer_net_tensor (net, t), info->numel * sizeof (float),
          fer_net_tensor (saved, t), info->numel * sizeof (float));
  }

  /* A network whose class head has one more output: its weight tensor is named. */
  const int n_other = fer_seed004_my_model (layers, 0.1, &labels, &offsets);
  layers[labels].channels += 1;
  FerNet *other = fer_net_new (layers, n_other, 3, 88, 128, 1, 4, NULL);
  g_assert_nonnull (other);
  g_assert_false (fer_net_load_weights (other, path, &error));
  g_assert_error (error, FER_ERROR, FER_ERROR_MODEL);
  g_assert_nonnull (strstr (error->message, "weights.safetensors"));
  g_assert_nonnull (strstr (error->message, layers[labels].name));
  g_clear_error (&error);

  char *missing = work_path ("missing.safetensors");
  g_assert_false (fer_net_load_weights (net, missing, &error));
  g_assert_nonnull (strstr (error->message, "missing.safetensors"));
  g_clear_error (&error);
  g_free (missing);
  fer_net_free (other);
  fer_net_free (net);
  fer_net_free (saved);
  g_free (path);
}

/* A copy of the good file with one change: a metadata entry replaced (or removed with ""), a
 * tensor dropped, reshaped, given another dtype, poisoned with NaN, or one added. */
typedef struct {
  const char *key, *value;
  const char *drop, *reshape, *as_integer, *poison, *add;
} Edit;

static char *
edited (const char *name, const Edit *e)
{
  char *good = work_path ("good.safetensors");
  FerNet *net = my_model ();
  g_assert_true (fer_net_save (net, NULL, good, NULL));
  fer_net_free (net);
  FerSafetensors *file = fer_safetensors_load (good, NULL);
  g_assert_nonnull (file);
  FerSafetensorsWriter *writer = fer_safetensors_writer_new ();
  GHashTableIter iter;
  gpointer key, value;
  g_hash_table_iter_init (&iter, file->metadata);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_strcmp0 (key, e->key) != 0)
      fer_safetensors_writer_set_metadata (writer, key, value);
  if (e->key && e->value[0])
    fer_safetensors_writer_set_metadata (writer, e->key, e->value);
  GPtrArray *owned = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < file->tensors->len; i++) {
    const FerSafetensorsTensor *t = file->tensors->pdata[i];
    if (g_strcmp0 (t->name, e->drop) == 0)
      continue;
    const void *data = file->data + t->begin;
    int64_t shape[FER_SAFETENSORS_MAX_DIMS];
    memcpy (shape, t->shape, sizeof shape);
    int ndim = t->ndim;
    FerDtype dtype = t->dtype;
    if (g_strcmp0 (t->name, e->reshape) == 0) {
      shape[0] = t->numel;   /* the same values, flattened */
      ndim = 1;
    }
    if (g_strcmp0 (t->name, e->as_integer) == 0) {
      int32_t *ints = g_new0 (int32_t, t->numel);
      g_ptr_array_add (owned, ints);
      data = ints;
      dtype = FER_DTYPE_I32;
    }
    if (g_strcmp0 (t->name, e->poison) == 0) {
      float *copy = g_memdup2 (data, t->numel * 4);
      copy[t->numel - 1] = NAN;
      g_ptr_array_add (owned, copy);
      data = copy;
    }
    fer_safetensors_writer_add (writer, t->name, dtype, ndim, shape, data);
  }
  static const float extra_values[3] = { 1, 2, 3 };
  if (e->add)
    fer_safetensors_writer_add (writer, e->add, FER_DTYPE_F32, 1, (int64_t[]) { 3 },
        extra_values);
  char *path = work_path (name);
  g_assert_true (fer_safetensors_writer_save (writer, path, NULL));
  fer_safetensors_writer_free (writer);
  g_ptr_array_unref (owned);
  fer_safetensors_free (file);
  g_free (good);
  return path;
}

static void
assert_refused (const char *name, const Edit *edit, const char *expected)
{
  char *path = edited (name, edit);
  GError *error = NULL;
  FerNet *net = fer_net_load (path, 1, 4, NULL, &error);
  g_assert_null (net);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  if (strstr (error->message, path) == NULL || strstr (error->message, expected) == NULL) {
    g_test_message ("expected the path and '%s'", expected);
    g_test_fail ();
  }
  g_error_free (error);
  g_free (path);
}

static void
test_bad_files (void)
{
  assert_refused ("unknown-kind.safetensors", &(Edit) { .key = "layers",
        .value = "[{\"kind\":\"conv3d\",\"name\":\"conv1.0\",\"input\":-1}]" },
      "layer 0 ('conv1.0'): unknown layer kind 'conv3d'");
  assert_refused ("missing-field.safetensors", &(Edit) { .key = "layers",
        .value = "[{\"kind\":\"conv\",\"name\":\"conv1.0\",\"input\":-1,\"channels\":4,"
        "\"kernel\":3,\"stride\":1,\"bias\":false}]" },
      "layer 0 ('conv1.0', conv): \"padding\" must be");
  assert_refused ("later-input.safetensors", &(Edit) { .key = "layers",
        .value = "[{\"kind\":\"relu\",\"name\":\"a\",\"input\":3}]" },
      "layer 0 ('a'): \"input\" must be an earlier layer");
  assert_refused ("not-chaining.safetensors", &(Edit) { .key = "layers",
        .value = "[{\"kind\":\"conv\",\"name\":\"conv1.0\",\"input\":-1,\"channels\":4,"
        "\"kernel\":3,\"stride\":1,\"padding\":1,\"bias\":false},"
        "{\"kind\":\"linear\",\"name\":\"fc\",\"input\":0,\"channels\":2,\"bias\":true}]" },
      "layer 1 (linear 'fc'): needs rows");
  assert_refused ("no-layers.safetensors", &(Edit) { .key = "layers", .value = "" },
      "metadata 'layers' is missing");
  assert_refused ("bad-input.safetensors", &(Edit) { .key = "input", .value = "[3, 88]" },
      "metadata 'input'");
  assert_refused ("other-architecture.safetensors", &(Edit) { .key = "architecture",
        .value = "simpleconv3" }, "not a network of layers");
  assert_refused ("missing-tensor.safetensors", &(Edit) { .drop = "layer3.0.identity.0.weight" },
      "missing tensor 'layer3.0.identity.0.weight' (layer 'layer3.0.identity.0')");
  assert_refused ("wrong-shape.safetensors", &(Edit) { .reshape = "fc_labels_model.0.weight" },
      "tensor 'fc_labels_model.0.weight' (layer 'fc_labels_model.0') has shape [6400]; the "
      "layers need [32, 200]");
  assert_refused ("integer-weights.safetensors", &(Edit) { .as_integer = "conv1.0.weight" },
      "tensor 'conv1.0.weight' (layer 'conv1.0') has dtype I32");
  assert_refused ("nan.safetensors", &(Edit) { .poison = "fc_offsets_model.3.bias" },
      "'fc_offsets_model.3.bias' (layer 'fc_offsets_model.3') holds NaN");
  assert_refused ("unexpected.safetensors", &(Edit) { .add = "layer9.0.conv1.0.weight" },
      "unexpected tensor 'layer9.0.conv1.0.weight'");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  workdir = g_dir_make_tmp ("fer-net-file-XXXXXX", NULL);
  g_test_add_func ("/net-file/round-trip", test_round_trip);
  g_test_add_func ("/net-file/bad-files", test_bad_files);
  g_test_add_func ("/net-file/load-weights", test_load_weights);
  const int status = g_test_run ();
  fer_test_remove_tree (workdir);
  g_free (workdir);
  return status;
}
